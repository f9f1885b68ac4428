/* read.c: read requests answered straight from the tree's LMDB pages
 * (getData, exists, getChildren(2), getACL, getAllChildrenNumber,
 * getEphemerals, sync, whoAmI, multiRead) plus the watch requests
 * (setWatches(2), checkWatches, removeWatches). Watch ordering: a read's
 * snapshot is at tree zxid T; every TREE_APPLIED up to T is handled (its
 * events queued) before the reply is built. */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include "gw.h"
#include "log.h"
#include "treedb.h"

#define DRAIN_WAIT_MS 2000	/* give up waiting for TREE_APPLIED after this */

/* Handle inbox messages until G >= want; bounded in time. */
static void drain_until(int64_t want)
{
	int64_t deadline = loop_now_ms() + DRAIN_WAIT_MS;

	gw.in_read++;
	while (gw.applied_zxid < want) {
		struct msg m;
		void *frame;
		int rc = ipc_recv(&gw.d->ipc, gw.d->ipc.in_sock, &m, &frame);

		if (rc > 0) {
			write_on_msg(gw.d, &m);
			ipc_release(frame);
			continue;
		}
		if (rc < 0)
			continue;
		if (loop_now_ms() >= deadline) {
			warnx("tree is at 0x%llx but TREE_APPLIED stops at 0x%llx: answering anyway",
			      (unsigned long long)want, (unsigned long long)gw.applied_zxid);
			/* Do not wait again for the same gap. */
			gw.applied_zxid = want;
			break;
		}
		struct pollfd pfd = { .fd = gw.d->ipc.in_fd, .events = POLLIN };
		/* Waiting makes the turn's cached clock old: read it again. */
		gw.clock_stale = 1;
		if (poll(&pfd, 1, 5) < 0)
			break;
	}
	gw.in_read--;
}

/* Open the snapshot for a read; NULL when the tree is unavailable. */
static MDB_txn *snapshot(int64_t *zxid)
{
	MDB_txn *t = tree_rbegin();
	int64_t T;

	if (!t)
		return NULL;
	T = treedb_applied(gw.tree, t);
	if (T > gw.applied_zxid)
		drain_until(T);
	*zxid = T > gw.applied_zxid ? T : gw.applied_zxid;
	return t;
}

int64_t read_sync_tree(void)
{
	int64_t z;
	MDB_txn *t = snapshot(&z);

	if (!t)
		return -1;
	tree_rend();
	return z;
}

static void hdr(struct jute_buf *b, int32_t xid, int64_t zxid, int32_t err)
{
	struct jute_reply_hdr h = { xid, zxid, err };

	jute_enc_reply_hdr(b, &h);
}

/* Path bytes of a request as a NUL-free C view; -1 if it holds a NUL. */
static int path_ok(const struct jute_bytes *p)
{
	return p->len >= 0 && !memchr(p->p, '\0', (size_t)p->len);
}

static int node_acl_ok(struct conn *c, MDB_txn *t, const struct tree_node *n, int perm)
{
	struct jute_acls acl;

	if (c->super)
		return 1;
	if (treedb_acl(gw.tree, t, n->acl, &acl) < 0)
		return 0;
	return auth_check(c, &acl, perm);
}

struct kids {
	struct jute_buf *b;
	int32_t n;
};

static int kid_cb(void *arg, const char *name, size_t len)
{
	struct kids *k = arg;

	jute_put_str(k->b, jute_mem(name, len));
	k->n++;
	return k->b->err ? 1 : 0;
}

/* vector<ustring> of children: count patched after the walk. */
static int put_children(struct jute_buf *b, MDB_txn *t, const struct jute_bytes *path)
{
	size_t at = b->len;
	struct kids k = { b, 0 };

	jute_put_int(b, 0);
	if (treedb_children(gw.tree, t, (const char *)path->p, (size_t)path->len, kid_cb, &k) < 0)
		return -1;
	if (b->err)
		return -1;
	b->p[at] = (uint8_t)((uint32_t)k.n >> 24);
	b->p[at + 1] = (uint8_t)((uint32_t)k.n >> 16);
	b->p[at + 2] = (uint8_t)((uint32_t)k.n >> 8);
	b->p[at + 3] = (uint8_t)k.n;
	return 0;
}

struct eph {
	struct jute_buf *b;
	int32_t n;
	const struct jute_bytes *prefix;
};

static int eph_cb(void *arg, const char *path, size_t len)
{
	struct eph *e = arg;
	const struct jute_bytes *pf = e->prefix;

	if (pf->len > 0 && ((size_t)pf->len > len || memcmp(path, pf->p, (size_t)pf->len) != 0))
		return 0;
	jute_put_str(e->b, jute_mem(path, len));
	e->n++;
	return e->b->err ? 1 : 0;
}

static int getacl_body(struct conn *c, struct jute_buf *b, MDB_txn *t,
		       const struct tree_node *n, const struct jute_acls *acl)
{
	struct jute_stat st;
	struct jute_rd r;
	int admin = c->super || auth_check(c, acl, PERM_ADMIN);
	int32_t i;

	jute_put_int(b, acl->n < 0 ? 0 : acl->n);
	jute_vec_rd(&r, acl->raw, acl->rawlen);
	for (i = 0; i < acl->n; i++) {
		struct jute_acl a;

		jute_get_acl(&r, &a);
		if (r.err)
			return -1;
		/* Without ADMIN, digest ids hide their hash ("user:x"). */
		if (!admin && jute_bytes_eq(&a.id.scheme, "digest") && a.id.id.len > 0) {
			const uint8_t *colon = memchr(a.id.id.p, ':', (size_t)a.id.id.len);
			char masked[GW_AUTH_ID_MAX];
			size_t ul = colon ? (size_t)(colon - a.id.id.p) : (size_t)a.id.id.len;

			if (ul + 3 > sizeof(masked))
				return -1;
			memcpy(masked, a.id.id.p, ul);
			memcpy(masked + ul, ":x", 3);
			jute_put_int(b, a.perms);
			jute_put_str(b, a.id.scheme);
			jute_put_cstr(b, masked);
			continue;
		}
		jute_enc_acl(b, &a);
	}
	(void)t;
	tree_node_stat(n, &st);
	jute_enc_stat(b, &st);
	return 0;
}

/* Java's String.hashCode over the UTF-16 form of UTF-8 text (bad bytes
 * count as U+FFFD, as Java's decoder makes them). */
static uint32_t java_str_hash(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	uint32_t h = 0;

	while (*p) {
		uint32_t cp;
		int n, i;

		if (p[0] < 0x80) {
			cp = p[0];
			n = 1;
		} else if ((p[0] & 0xe0) == 0xc0) {
			cp = p[0] & 0x1f;
			n = 2;
		} else if ((p[0] & 0xf0) == 0xe0) {
			cp = p[0] & 0x0f;
			n = 3;
		} else if ((p[0] & 0xf8) == 0xf0) {
			cp = p[0] & 0x07;
			n = 4;
		} else {
			cp = 0xfffd;
			n = 1;
		}
		for (i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80) {
				cp = 0xfffd;
				n = i;
				break;
			}
			cp = cp << 6 | (p[i] & 0x3f);
		}
		p += n;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			h = 31 * h + (0xd800 + (cp >> 10));
			h = 31 * h + (0xdc00 + (cp & 0x3ff));
		} else {
			h = 31 * h + cp;
		}
	}
	return h;
}

/* Apache keeps a connection's ids in a ConcurrentHashMap key set, so
 * whoAmI lists them in its order: bins by the Id record's hash (jute: 17,
 * then 37*r + field hashes) spread as h ^ h>>>16; a bin keeps insertion
 * order; the table starts at 16 bins and doubles once 3/4 full, and a
 * doubling moves the nodes before a bin's last run to the head of their
 * new bin in reverse. This replays those steps for our few ids. */
#define CHM_BINS_MAX (2 * GW_MAX_AUTH + 16)

static uint32_t id_hash(const struct auth_id *a)
{
	uint32_t h = 17;

	h = 37 * h + java_str_hash(a->scheme);
	h = 37 * h + java_str_hash(a->id);
	return (h ^ (h >> 16)) & 0x7fffffffu;
}

static int chm_order(const struct conn *c, const struct auth_id **out)
{
	static int bin[CHM_BINS_MAX][GW_MAX_AUTH];
	int len[CHM_BINS_MAX] = { 0 };
	uint32_t h[GW_MAX_AUTH];
	int cap = 16, count = 0, i, j, k, n = 0;

	for (i = 0; i < c->nauth; i++) {
		h[i] = id_hash(&c->auth[i]);
		j = (int)(h[i] & (uint32_t)(cap - 1));
		bin[j][len[j]++] = i;
		if (++count < cap - cap / 4 || cap * 2 > CHM_BINS_MAX)
			continue;
		for (j = 0; j < cap; j++) {	/* transfer to 2 * cap bins */
			int lo[GW_MAX_AUTH], hi[GW_MAX_AUTH], nlo = 0, nhi = 0, last, run;
			int tmp[GW_MAX_AUTH], nt = 0;

			if (!len[j])
				continue;
			last = 0;
			run = (h[bin[j][0]] & (uint32_t)cap) != 0;
			for (k = 1; k < len[j]; k++) {
				int b = (h[bin[j][k]] & (uint32_t)cap) != 0;

				if (b != run) {
					run = b;
					last = k;
				}
			}
			/* the last run keeps its order; the rest are pushed on
			 * the front one by one */
			for (k = last; k < len[j]; k++)
				tmp[nt++] = bin[j][k];
			for (k = 0; k < nt; k++) {
				if (run)
					hi[nhi++] = tmp[k];
				else
					lo[nlo++] = tmp[k];
			}
			for (k = 0; k < last; k++) {
				int *l = (h[bin[j][k]] & (uint32_t)cap) ? hi : lo;
				int *nl = l == hi ? &nhi : &nlo, m;

				for (m = *nl; m > 0; m--)
					l[m] = l[m - 1];
				l[0] = bin[j][k];
				(*nl)++;
			}
			memcpy(bin[j], lo, sizeof(int) * (size_t)nlo);
			len[j] = nlo;
			memcpy(bin[j + cap], hi, sizeof(int) * (size_t)nhi);
			len[j + cap] = nhi;
		}
		cap *= 2;
	}
	for (j = 0; j < cap; j++)
		for (k = 0; k < len[j]; k++)
			out[n++] = &c->auth[bin[j][k]];
	return n;
}

/* One persistent registration per (path, connection): a later addWatch
 * replaces the mode of an earlier one, as Apache keeps one mode. */
static int add_persistent(struct conn *c, const struct jute_bytes *p, int recursive)
{
	const char *wp = (const char *)p->p;
	size_t wl = (size_t)p->len;

	watch_remove(&gw.watches, &c->w, wp, wl, recursive ? WK_PERSIST : WK_RECURSIVE);
	return watch_add(&gw.watches, &c->w, wp, wl, recursive ? WK_RECURSIVE : WK_PERSIST);
}

static void fire_synth(struct conn *c, int type, const struct jute_bytes *path)
{
	uint8_t mem[16 + 12 + 4 + TREEDB_PATH_MAX + 64];
	struct jute_buf b;
	struct jute_watcher_event ev = { type, ST_SYNC_CONNECTED, *path };
	size_t off;

	jute_buf_init_fixed(&b, mem, sizeof(mem));
	off = jute_frame_begin(&b);
	hdr(&b, XID_NOTIFICATION, -1, 0);
	jute_enc_watcher_event(&b, &ev);
	jute_frame_end(&b, off);
	if (!b.err)
		(void)conn_write(c, b.p, b.len);
}

/* setWatches: re-arm or deliver what the client missed (fact sheet §7.4). */
static int set_watches(struct conn *c, MDB_txn *t, const struct jute_set_watches *sw, int v2)
{
	const struct jute_strs *lists[3] = { &sw->data, &sw->exist, &sw->child };
	int li;

	for (li = 0; li < 3; li++) {
		struct jute_rd r;
		int32_t i;

		if (lists[li]->n <= 0)
			continue;
		jute_vec_rd(&r, lists[li]->raw, lists[li]->rawlen);
		for (i = 0; i < lists[li]->n; i++) {
			struct jute_bytes p = jute_get_str(&r);
			struct tree_node n;
			int rc;

			if (r.err || p.len < 0)
				return -1;
			rc = treedb_get(gw.tree, t, (const char *)p.p, (size_t)p.len, &n);
			if (rc == -1)
				return -1;
			if (li == 0) {		/* data */
				if (rc == ZNONODE)
					fire_synth(c, EV_DELETED, &p);
				else if (n.mzxid > sw->relative_zxid)
					fire_synth(c, EV_DATA_CHANGED, &p);
				else if (watch_add(&gw.watches, &c->w, (const char *)p.p, (size_t)p.len, WK_DATA) < 0)
					return -1;
			} else if (li == 1) {	/* exist */
				if (rc == 0)
					fire_synth(c, EV_CREATED, &p);
				else if (watch_add(&gw.watches, &c->w, (const char *)p.p, (size_t)p.len, WK_DATA) < 0)
					return -1;
			} else {		/* child */
				if (rc == ZNONODE)
					fire_synth(c, EV_DELETED, &p);
				else if (n.pzxid > sw->relative_zxid)
					fire_synth(c, EV_CHILDREN_CHANGED, &p);
				else if (watch_add(&gw.watches, &c->w, (const char *)p.p, (size_t)p.len, WK_CHILD) < 0)
					return -1;
			}
			if (c->dead)
				return 0;
		}
	}
	/* Persistent ones are registered again, never with a catch-up event. */
	if (v2) {
		const struct jute_strs *pl[2] = { &sw->persistent, &sw->persistent_recursive };

		for (li = 0; li < 2; li++) {
			struct jute_rd r;
			int32_t i;

			if (pl[li]->n <= 0)
				continue;
			jute_vec_rd(&r, pl[li]->raw, pl[li]->rawlen);
			for (i = 0; i < pl[li]->n; i++) {
				struct jute_bytes p = jute_get_str(&r);

				if (r.err || p.len < 0)
					return -1;
				if (add_persistent(c, &p, li == 1) < 0)
					return -1;
			}
		}
	}
	return 0;
}

static int multi_read(struct conn *c, MDB_txn *t, struct jute_rd *r, struct jute_buf *b)
{
	struct jute_multi_op op;
	int bad = 0, rc;

	while ((rc = jute_multi_next(r, 1, &op, &bad)) == 1) {
		struct jute_multi_result res;
		struct tree_node n;
		int e;

		memset(&res, 0, sizeof(res));
		e = treedb_get(gw.tree, t, (const char *)op.u.read.path.p,
			       (size_t)(op.u.read.path.len < 0 ? 0 : op.u.read.path.len), &n);
		if (e == -1)
			return -1;
		if (e == 0 && !node_acl_ok(c, t, &n, PERM_READ))
			e = ZNOAUTH;
		if (e != 0) {
			res.type = OP_ERROR;
			res.err = e;
			jute_multi_put_result(b, &res);
			continue;
		}
		res.type = op.op;
		if (op.op == OP_GETDATA) {
			res.u.get_data.data = n.data_len < 0 ? JUTE_NULL :
			    jute_mem(n.data, (size_t)n.data_len);
			tree_node_stat(&n, &res.u.get_data.stat);
			jute_multi_put_result(b, &res);
		} else {
			/* getChildren: stream the names after the sub-header. */
			struct jute_multi_hdr mh = { OP_GETCHILDREN, 0, 0 };

			jute_enc_multi_hdr(b, &mh);
			if (put_children(b, t, &op.u.read.path) < 0)
				return -1;
		}
	}
	if (rc < 0)
		return ZMARSHALLINGERROR;
	jute_multi_end(b);
	return 0;
}

int read_op(struct conn *c, int32_t xid, int32_t op, const uint8_t *body,
	    size_t blen, struct jute_buf *b)
{
	struct jute_rd r;
	struct jute_path_watch pw;
	struct jute_bytes path;
	struct tree_node n;
	struct jute_stat st;
	int64_t zxid;
	size_t off, hdr_at;
	int rc = 0;
	MDB_txn *t;

	t = snapshot(&zxid);
	if (!t) {
		conn_close(c, "tree not available");
		return 0;
	}
	if (c->dead)
		goto out;
	off = jute_frame_begin(b);
	hdr_at = b->len;
	hdr(b, xid, zxid, 0);
	jute_rd_init(&r, body, blen, (size_t)gw.max_buffer);
	switch (op) {
	case OP_EXISTS:
	case OP_GETDATA:
	case OP_GETCHILDREN:
	case OP_GETCHILDREN2:
		jute_dec_path_watch(&r, &pw);
		if (r.err || pw.path.len < 0) {
			rc = ZMARSHALLINGERROR;
			break;
		}
		if (op == OP_EXISTS && !path_ok(&pw.path)) {
			rc = ZBADARGUMENTS;
			break;
		}
		rc = treedb_get(gw.tree, t, (const char *)pw.path.p, (size_t)pw.path.len, &n);
		if (rc == -1)
			goto bad;
		if (op == OP_EXISTS) {
			/* The exist watch is set whether or not the node exists. */
			if (pw.watch && watch_add(&gw.watches, &c->w, (const char *)pw.path.p,
						  (size_t)pw.path.len, WK_DATA) < 0)
				warnx("%s: watch limit reached", c->peer);
			if (rc == 0) {
				tree_node_stat(&n, &st);
				jute_enc_stat(b, &st);
			}
			break;
		}
		if (rc != 0)
			break;
		if (!node_acl_ok(c, t, &n, PERM_READ)) {
			rc = ZNOAUTH;
			break;
		}
		if (pw.watch && watch_add(&gw.watches, &c->w, (const char *)pw.path.p,
					  (size_t)pw.path.len,
					  op == OP_GETDATA ? WK_DATA : WK_CHILD) < 0)
			warnx("%s: watch limit reached", c->peer);
		if (op == OP_GETDATA) {
			jute_put_buf(b, n.data_len < 0 ? JUTE_NULL : jute_mem(n.data, (size_t)n.data_len));
		} else if (put_children(b, t, &pw.path) < 0) {
			goto bad;
		}
		if (op != OP_GETCHILDREN) {
			tree_node_stat(&n, &st);
			jute_enc_stat(b, &st);
		}
		break;
	case OP_GETACL: {
		struct jute_acls acl;

		jute_dec_path(&r, &path);
		if (r.err || path.len < 0) {
			rc = ZMARSHALLINGERROR;
			break;
		}
		rc = treedb_get(gw.tree, t, (const char *)path.p, (size_t)path.len, &n);
		if (rc == -1)
			goto bad;
		if (rc != 0)
			break;
		if (treedb_acl(gw.tree, t, n.acl, &acl) < 0)
			goto bad;
		if (!c->super && !auth_check(c, &acl, PERM_READ | PERM_ADMIN)) {
			rc = ZNOAUTH;
			break;
		}
		if (getacl_body(c, b, t, &n, &acl) < 0)
			goto bad;
		break;
	}
	case OP_SYNC:
		jute_dec_path(&r, &path);
		if (r.err) {
			rc = ZMARSHALLINGERROR;
			break;
		}
		jute_put_str(b, path);
		break;
	case OP_GETALLCHILDRENNUMBER: {
		int64_t k;

		jute_dec_path(&r, &path);
		if (r.err || path.len < 0) {
			rc = ZMARSHALLINGERROR;
			break;
		}
		rc = treedb_get(gw.tree, t, (const char *)path.p, (size_t)path.len, &n);
		if (rc == -1)
			goto bad;
		if (rc != 0)
			break;
		if (!node_acl_ok(c, t, &n, PERM_READ)) {
			rc = ZNOAUTH;
			break;
		}
		k = treedb_descendants(gw.tree, t, (const char *)path.p, (size_t)path.len);
		if (k < 0)
			goto bad;
		jute_put_int(b, (int32_t)k);
		break;
	}
	case OP_GETEPHEMERALS: {
		struct eph e = { b, 0, &path };
		size_t at;

		jute_dec_path(&r, &path);
		if (r.err) {
			rc = ZMARSHALLINGERROR;
			break;
		}
		/* null, empty, blank or "/" mean every ephemeral */
		if (path.len == 1 && path.p[0] == '/')
			path.len = 0;
		at = b->len;
		jute_put_int(b, 0);
		if (treedb_ephemerals(gw.tree, t, c->session, eph_cb, &e) < 0 || b->err)
			goto bad;
		b->p[at] = (uint8_t)((uint32_t)e.n >> 24);
		b->p[at + 1] = (uint8_t)((uint32_t)e.n >> 16);
		b->p[at + 2] = (uint8_t)((uint32_t)e.n >> 8);
		b->p[at + 3] = (uint8_t)e.n;
		break;
	}
	case OP_WHOAMI: {
		const struct auth_id *ids[GW_MAX_AUTH];
		int i;

		(void)chm_order(c, ids);
		jute_put_int(b, c->nauth);
		for (i = 0; i < c->nauth; i++) {
			const char *id = ids[i]->id;
			size_t ul = strcspn(id, ":");

			jute_put_cstr(b, ids[i]->scheme);
			if (strcmp(ids[i]->scheme, "digest") == 0)
				jute_put_str(b, jute_mem(id, ul));
			else
				jute_put_cstr(b, id);
		}
		break;
	}
	case OP_SETWATCHES:
	case OP_SETWATCHES2: {
		struct jute_set_watches sw;

		jute_dec_set_watches(&r, &sw, op == OP_SETWATCHES2);
		if (r.err) {
			rc = ZMARSHALLINGERROR;
			break;
		}
		/* Synthesized events go out before the reply: flush the
		 * reply header we began only after them. */
		b->len = off;
		if (set_watches(c, t, &sw, op == OP_SETWATCHES2) < 0)
			goto bad;
		if (c->dead)
			goto out;
		off = jute_frame_begin(b);
		hdr_at = b->len;
		hdr(b, xid, zxid, 0);
		break;
	}
	case OP_CHECKWATCHES:
	case OP_REMOVEWATCHES: {
		struct jute_path_type pt;
		/* 3.8: Children = any child-table entry, Data = any data-table
		 * entry; a persistent watch of either mode is in both tables. */
		static const int kinds[4][WK_KINDS] = {
			[WT_CHILDREN] = { 0, 1, 1, 1 },
			[WT_DATA] = { 1, 0, 1, 1 },
			[WT_ANY] = { 1, 1, 1, 1 },
		};
		int found = 0, k;

		jute_dec_path_type(&r, &pt);
		if (r.err || pt.path.len < 0) {
			rc = ZMARSHALLINGERROR;
			break;
		}
		if (pt.type < WT_CHILDREN || pt.type > WT_ANY) {
			rc = ZMARSHALLINGERROR;
			break;
		}
		for (k = 0; k < WK_KINDS; k++) {
			const char *wp = (const char *)pt.path.p;
			size_t wl = (size_t)pt.path.len;

			if (!kinds[pt.type][k])
				continue;
			/* removing Children keeps a persistent watch's data side:
			 * one registration holds both here, so only Any or Data
			 * remove a persistent watch */
			if (op == OP_REMOVEWATCHES && k >= WK_PERSIST && pt.type == WT_CHILDREN)
				found |= watch_has(&gw.watches, &c->w, wp, wl, (enum watch_kind)k);
			else if (op == OP_REMOVEWATCHES)
				found |= watch_remove(&gw.watches, &c->w, wp, wl, (enum watch_kind)k);
			else
				found |= watch_has(&gw.watches, &c->w, wp, wl, (enum watch_kind)k);
		}
		if (!found)
			rc = ZNOWATCHER;
		break;
	}
	case OP_ADDWATCH: {
		struct jute_path_type pt;

		jute_dec_path_type(&r, &pt);
		if (r.err || pt.path.len < 0 ||
		    (pt.type != AW_PERSISTENT && pt.type != AW_PERSISTENT_RECURSIVE)) {
			rc = ZMARSHALLINGERROR;
			break;
		}
		if (add_persistent(c, &pt.path, pt.type == AW_PERSISTENT_RECURSIVE) < 0)
			warnx("%s: watch limit reached", c->peer);
		jute_put_int(b, 0);	/* ErrorResponse{0} */
		break;
	}
	case OP_MULTIREAD:
		rc = multi_read(c, t, &r, b);
		if (rc < 0)
			rc = ZMARSHALLINGERROR;
		break;
	default:
		goto bad;
	}
	if (rc != 0) {
		/* Errors carry no body: rewrite the header, drop the rest. */
		b->len = hdr_at;
		hdr(b, xid, zxid, rc);
	}
	jute_frame_end(b, off);
out:
	tree_rend();
	return 0;
bad:
	tree_rend();
	return -1;
}
