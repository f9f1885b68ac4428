/* purge.c: zk-zabd's side of snapshots: it learns zk-treed's retained
 * snapshots (TREE_SNAPSHOT) and deletes the log segments the oldest of them
 * makes redundant, when zk-treed has purged its snapshots (autopurge or
 * `zk-ctl purge`) or when zk-ctl asks. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "zabd.h"

/* The purge boundary: the oldest retained snapshot, but never past what
 * the tree has applied (a tree put back from an older copy still needs
 * the log after it). -1 when the tree cannot be read. */
static int64_t boundary(struct zabd *z)
{
	MDB_txn *txn;
	int64_t applied;

	if (!z->tree_open || treedb_rbegin(&z->tree, &txn) < 0)
		return -1;
	applied = treedb_applied(&z->tree, txn);
	mdb_txn_abort(txn);
	if (applied < 0)
		return -1;
	return z->snap_oldest < applied ? z->snap_oldest : applied;
}

static int purge(struct zabd *z)
{
	int64_t b = boundary(z);
	int n;

	if (b <= 0)
		return 0;
	n = txnlog_purge(&z->log, b);
	if (n > 0) {
		info("txn log: purged %d segments before snapshot 0x%" PRIx64
		     "; log now from 0x%" PRIx64, n, (uint64_t)b,
		     (uint64_t)z->log.segs[0].first);
		/* The pump's iterator indexes the segment list. */
		if (z->it_open) {
			txnlog_iter_end(&z->it);
			z->it_open = 0;
		}
	}
	return n;
}

void zab_on_snapshot(struct zabd *z, const struct msg *m)
{
	z->snap_msgs++;
	if (m->oldest < 0 || m->zxid < m->oldest) {
		warnx("TREE_SNAPSHOT: oldest 0x%" PRIx64 " newest 0x%" PRIx64 ": ignored",
		      (uint64_t)m->oldest, (uint64_t)m->zxid);
		return;
	}
	z->snap_oldest = m->oldest;
	z->snap_newest = m->zxid;
	if (MSG_HAS(m, purge) && m->purge == 1 && purge(z) < 0)
		warnx("txn log: purge failed; the next one tries again");
}

/* "purge [ZXID]": deletes what the oldest known snapshot makes redundant.
 * With ZXID (what zk-treed answered zk-ctl), answers EAGAIN until
 * zk-treed's TREE_SNAPSHOT about it has arrived, so that zk-ctl's purge
 * does the log too; the boundary is always what zk-treed said. */
int zab_command(struct daemon *d, const char *cmd, size_t len, char *out, size_t outlen)
{
	struct zabd *z = d->ctx;
	char buf[64], *arg, *end;
	long long want = 0;
	int n;

	if (len >= sizeof buf) {
		snprintf(out, outlen, "command too long");
		return EINVAL;
	}
	memcpy(buf, cmd, len);
	buf[len] = '\0';
	if (strncmp(buf, "purge", 5) != 0 || (buf[5] != '\0' && buf[5] != ' ')) {
		snprintf(out, outlen, "unknown command (zk-zabd knows: purge)");
		return EINVAL;
	}
	arg = buf + 5;
	while (*arg == ' ')
		arg++;
	if (*arg) {
		errno = 0;
		want = strtoll(arg, &end, 0);
		if (errno || *end || want < 0) {
			snprintf(out, outlen, "purge: bad zxid \"%s\"", arg);
			return EINVAL;
		}
	}
	if (z->snap_oldest < want) {
		snprintf(out, outlen, "purge: oldest snapshot known is 0x%" PRIx64 ", not yet 0x%llx",
			 (uint64_t)z->snap_oldest, want);
		return EAGAIN;
	}
	n = purge(z);
	if (n < 0) {
		snprintf(out, outlen, "purge: failed (see zk-zabd's log)");
		return EIO;
	}
	/* The purge TREE_SNAPSHOT asked for has usually run already: the
	 * total says what went. */
	snprintf(out, outlen, "oldest_snapshot=0x%" PRIx64 " segments_removed=%d "
		 "segments_purged_total=%" PRIu64 " segments=%zu log_from=0x%" PRIx64,
		 (uint64_t)z->snap_oldest, n, z->log.segs_purged, z->log.nsegs,
		 (uint64_t)(z->log.nsegs ? z->log.segs[0].first : 0));
	return 0;
}
