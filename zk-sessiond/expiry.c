/* expiry.c: session expiry buckets on a wheel, and a hash by session id
 * (see expiry.h). */
#include <stdlib.h>
#include <string.h>
#include "expiry.h"

static size_t hslot(const struct expiry *e, int64_t id)
{
	uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 32) & (e->hcap - 1);
}

/* Apache's rounding: the next multiple of tick strictly after t. */
static int64_t bucket_of(const struct expiry *e, int64_t t)
{
	return (t / e->tick + 1) * e->tick;
}

static size_t wslot(const struct expiry *e, int64_t due)
{
	return (size_t)((uint64_t)(due / e->tick) % e->nslots);
}

int expiry_init(struct expiry *e, int tick_ms, int max_timeout_ms,
		size_t max_sessions, int64_t now_ms)
{
	memset(e, 0, sizeof *e);
	if (tick_ms <= 0 || max_timeout_ms < tick_ms || max_sessions == 0)
		return -1;
	e->tick = tick_ms;
	e->max_timeout = max_timeout_ms;
	/* Resend a closeSession every 2 ticks, at least 2 s apart, while the
	 * wheel still spans it. */
	e->retry = 2 * (int64_t)tick_ms < 2000 ? 2000 : 2 * (int64_t)tick_ms;
	if (e->retry > max_timeout_ms)
		e->retry = max_timeout_ms;
	e->nslots = (size_t)(max_timeout_ms / tick_ms) + 3;
	e->hcap = 1024;
	e->max = max_sessions;
	e->slots = calloc(e->nslots, sizeof *e->slots);
	e->hash = calloc(e->hcap, sizeof *e->hash);
	if (!e->slots || !e->hash) {
		expiry_free(e);
		return -1;
	}
	e->next_due = bucket_of(e, now_ms);
	return 0;
}

void expiry_free(struct expiry *e)
{
	if (e->hash) {
		for (size_t i = 0; i < e->hcap; i++) {
			struct expiry_ent *s = e->hash[i], *n;
			for (; s; s = n) {
				n = s->hnext;
				free(s);
			}
		}
	}
	free(e->hash);
	free(e->slots);
	e->hash = NULL;
	e->slots = NULL;
	e->count = 0;
}

static struct expiry_ent *find(const struct expiry *e, int64_t id)
{
	struct expiry_ent *s = e->hash[hslot(e, id)];
	while (s && s->id != id)
		s = s->hnext;
	return s;
}

static void unlink_bucket(struct expiry *e, struct expiry_ent *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		e->slots[wslot(e, s->due)] = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
}

static void link_bucket(struct expiry *e, struct expiry_ent *s, int64_t due)
{
	size_t w = wslot(e, due);

	s->due = due;
	s->prev = NULL;
	s->next = e->slots[w];
	if (s->next)
		s->next->prev = s;
	e->slots[w] = s;
}

static int grow_hash(struct expiry *e)
{
	size_t ncap = e->hcap * 2;
	struct expiry_ent **nh = calloc(ncap, sizeof *nh);
	struct expiry_ent **old = e->hash;
	size_t ocap = e->hcap;

	if (!nh)
		return -1;
	e->hash = nh;
	e->hcap = ncap;
	for (size_t i = 0; i < ocap; i++) {
		struct expiry_ent *s = old[i], *n;
		for (; s; s = n) {
			size_t h = hslot(e, s->id);
			n = s->hnext;
			s->hnext = nh[h];
			nh[h] = s;
		}
	}
	free(old);
	return 0;
}

static int32_t clamp(const struct expiry *e, int32_t t)
{
	if (t < 1)
		return 1;
	return t > e->max_timeout ? e->max_timeout : t;
}

static void renew(struct expiry *e, struct expiry_ent *s, int64_t now)
{
	int64_t due = bucket_of(e, now + s->timeout);

	/* Most touches land in the bucket the session is already in. */
	if (due == s->due)
		return;
	unlink_bucket(e, s);
	link_bucket(e, s, due);
}

int expiry_touch(struct expiry *e, int64_t id, int32_t timeout_ms, int64_t now_ms)
{
	struct expiry_ent *s = find(e, id);
	size_t h;

	if (s) {
		if (s->closing)
			return 1;
		s->timeout = clamp(e, timeout_ms);
		renew(e, s, now_ms);
		return 0;
	}
	if (e->count >= e->max)
		return -1;
	if (e->count >= e->hcap && grow_hash(e) < 0)
		return -1;
	s = calloc(1, sizeof *s);
	if (!s)
		return -1;
	s->id = id;
	s->timeout = clamp(e, timeout_ms);
	h = hslot(e, id);
	s->hnext = e->hash[h];
	e->hash[h] = s;
	e->count++;
	link_bucket(e, s, bucket_of(e, now_ms + s->timeout));
	return 0;
}

int expiry_renew(struct expiry *e, int64_t id, int64_t now_ms)
{
	struct expiry_ent *s = find(e, id);

	if (!s)
		return -1;
	if (s->closing)
		return 1;
	renew(e, s, now_ms);
	return 0;
}

int expiry_remove(struct expiry *e, int64_t id)
{
	struct expiry_ent **pp = &e->hash[hslot(e, id)], *s;

	while (*pp && (*pp)->id != id)
		pp = &(*pp)->hnext;
	s = *pp;
	if (!s)
		return -1;
	*pp = s->hnext;
	unlink_bucket(e, s);
	free(s);
	e->count--;
	return 0;
}

int expiry_get(const struct expiry *e, int64_t id, int32_t *timeout, int *closing,
	       int64_t *due)
{
	const struct expiry_ent *s = find(e, id);

	if (!s)
		return -1;
	if (timeout)
		*timeout = s->timeout;
	if (closing)
		*closing = s->closing;
	if (due)
		*due = s->due;
	return 0;
}

size_t expiry_poll(struct expiry *e, int64_t now_ms, int64_t *out, size_t cap)
{
	size_t n = 0, steps = 0;

	while (e->next_due <= now_ms) {
		struct expiry_ent *s = e->slots[wslot(e, e->next_due)], *nx;

		if (steps++ > e->nslots) {
			/* A whole turn of the wheel was checked against now:
			 * nothing else is due. */
			e->next_due = bucket_of(e, now_ms);
			break;
		}
		for (; s; s = nx) {
			nx = s->next;
			/* A slot also holds later buckets (the wheel wraps). */
			if (s->due > now_ms)
				continue;
			if (n == cap)
				return n;	/* resume at this slot next time */
			unlink_bucket(e, s);
			s->closing = 1;
			link_bucket(e, s, bucket_of(e, now_ms + e->retry));
			out[n++] = s->id;
		}
		e->next_due += e->tick;
	}
	return n;
}

void expiry_each(const struct expiry *e, void (*cb)(void *arg, const struct expiry_ent *s),
		 void *arg)
{
	for (size_t i = 0; i < e->hcap; i++)
		for (const struct expiry_ent *s = e->hash[i]; s; s = s->hnext)
			cb(arg, s);
}
