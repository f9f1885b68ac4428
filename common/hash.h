/* hash.h: the one string hash of in-memory tables (FNV-1a, 64-bit):
 * cheap, and good enough for tables whose keys clients cannot flood
 * (paths of one connection's watches, prep's own pending paths). */
#ifndef ZK_HASH_H
#define ZK_HASH_H
#include <stddef.h>
#include <stdint.h>

static inline uint64_t hash_fnv1a(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	while (n--) {
		h ^= (uint8_t)*p++;
		h *= 1099511628211ull;
	}
	return h;
}

#endif
