/* expiry.h: bucketed session expiry, as Apache ZooKeeper's session tracker
 * does it, with no IO and no clock of its own (the caller passes now, from
 * a monotonic clock).
 *
 * A session touched at time t with timeout T expires at the next multiple
 * of tickTime after t + T: sessions share buckets one tick wide, so a check
 * once per tick (or more often) finds every due session in one bucket.
 * Buckets live on a wheel of slots indexed by (due / tick) mod nslots.
 *
 * An expired session is not forgotten: it becomes "closing" (touches no
 * longer renew it) and comes back from expiry_poll() every retry interval
 * until the caller removes it (when its closeSession txn is applied), so a
 * closeSession lost on the way is sent again. */
#ifndef ZK_EXPIRY_H
#define ZK_EXPIRY_H
#include <stddef.h>
#include <stdint.h>

struct expiry_ent {
	int64_t id;
	int64_t due;			/* bucket time: a multiple of tick */
	int32_t timeout;		/* ms */
	int closing;
	struct expiry_ent *hnext;	/* hash chain */
	struct expiry_ent *prev, *next;	/* bucket list */
};

struct expiry {
	int64_t tick;
	int64_t next_due;		/* the next bucket to check */
	int32_t max_timeout;		/* timeouts are clamped to this */
	int64_t retry;			/* closing sessions come back after this */
	struct expiry_ent **slots;
	size_t nslots;
	struct expiry_ent **hash;
	size_t hcap;			/* power of two */
	size_t count, max;
};

/* tick_ms > 0; max_timeout_ms >= tick_ms; max_sessions bounds memory.
 * 0, or -1 (bad arguments, no memory). */
int expiry_init(struct expiry *e, int tick_ms, int max_timeout_ms,
		size_t max_sessions, int64_t now_ms);
void expiry_free(struct expiry *e);

/* Adds the session or renews it with this timeout (clamped to
 * [1, max_timeout]). 0 renewed or added; 1 the session is closing (not
 * renewed); -1 full or no memory (not added). */
int expiry_touch(struct expiry *e, int64_t id, int32_t timeout_ms, int64_t now_ms);
/* Renews a known session with its own timeout. 0; 1 closing; -1 unknown. */
int expiry_renew(struct expiry *e, int64_t id, int64_t now_ms);
/* Forgets the session. 0, or -1 if unknown. */
int expiry_remove(struct expiry *e, int64_t id);
/* 0 with its state, or -1 if unknown. Either pointer may be NULL. */
int expiry_get(const struct expiry *e, int64_t id, int32_t *timeout, int *closing,
	       int64_t *due);

/* Sessions due at now (bucket time <= now): marks them closing and writes
 * their ids to out (at most cap; the rest stay due for the next call).
 * Returns how many were written. */
size_t expiry_poll(struct expiry *e, int64_t now_ms, int64_t *out, size_t cap);

/* Calls cb for each session (any order); cb must not change e. */
void expiry_each(const struct expiry *e, void (*cb)(void *arg, const struct expiry_ent *s),
		 void *arg);

static inline size_t expiry_count(const struct expiry *e) { return e->count; }

#endif
