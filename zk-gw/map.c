/* map.c: uint64 -> pointer hash map (open addressing, linear probing,
 * backward-shift deletion so there are no tombstones). Key 0 is never used
 * by the gateway (corr and session ids are non-zero). */
#include <stdlib.h>
#include "gw.h"

struct gw_map {
	uint64_t *keys;
	void **vals;
	size_t cap, n;
};

static size_t slot_of(uint64_t k, size_t cap)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return (size_t)k & (cap - 1);
}

static int map_alloc(struct gw_map *m, size_t cap)
{
	m->keys = calloc(cap, sizeof(*m->keys));
	m->vals = calloc(cap, sizeof(*m->vals));
	if (!m->keys || !m->vals) {
		free(m->keys);
		free(m->vals);
		return -1;
	}
	m->cap = cap;
	return 0;
}

struct gw_map *map_new(void)
{
	struct gw_map *m = calloc(1, sizeof(*m));

	if (m && map_alloc(m, 256) < 0) {
		free(m);
		return NULL;
	}
	return m;
}

static int map_grow(struct gw_map *m)
{
	struct gw_map old = *m;
	size_t i;

	if (map_alloc(m, old.cap * 2) < 0) {
		*m = old;
		return -1;
	}
	for (i = 0; i < old.cap; i++) {
		size_t j;

		if (!old.keys[i])
			continue;
		for (j = slot_of(old.keys[i], m->cap); m->keys[j]; j = (j + 1) & (m->cap - 1))
			;
		m->keys[j] = old.keys[i];
		m->vals[j] = old.vals[i];
	}
	free(old.keys);
	free(old.vals);
	return 0;
}

int map_put(struct gw_map *m, uint64_t k, void *v)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap && map_grow(m) < 0)
		return -1;
	for (i = slot_of(k, m->cap); m->keys[i]; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == k) {
			m->vals[i] = v;
			return 0;
		}
	}
	m->keys[i] = k;
	m->vals[i] = v;
	m->n++;
	return 0;
}

void *map_get(struct gw_map *m, uint64_t k)
{
	size_t i;

	for (i = slot_of(k, m->cap); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == k)
			return m->vals[i];
	return NULL;
}

void *map_del(struct gw_map *m, uint64_t k)
{
	size_t mask = m->cap - 1, i, j;
	void *v;

	for (i = slot_of(k, m->cap); m->keys[i]; i = (i + 1) & mask)
		if (m->keys[i] == k)
			break;
	if (!m->keys[i])
		return NULL;
	v = m->vals[i];
	m->keys[i] = 0;
	m->vals[i] = NULL;
	m->n--;
	/* Shift later members of the cluster back so lookups stay correct. */
	for (j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
		size_t h = slot_of(m->keys[j], m->cap);

		if ((j > i && (h <= i || h > j)) || (j < i && (h <= i && h > j))) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			m->keys[j] = 0;
			m->vals[j] = NULL;
			i = j;
		}
	}
	return v;
}

size_t map_count(const struct gw_map *m)
{
	return m->n;
}
