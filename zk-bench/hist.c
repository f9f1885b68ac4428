/* hist.c: a log-linear histogram (the HdrHistogram idea, fixed precision):
 * constant memory and O(1) insert, so every reply can be recorded. */
#include <string.h>
#include "bench.h"

void hist_reset(struct hist *h)
{
	memset(h, 0, sizeof *h);
	h->min = UINT64_MAX;
}

unsigned hist_index(uint64_t v)
{
	unsigned msb, e;

	if (v < HIST_SUB)
		return (unsigned)v;
	msb = 63 - (unsigned)__builtin_clzll(v);
	/* v >> e keeps the top 6 bits: a value in [32, 64). */
	e = msb - 5;
	return e * HIST_HALF + (unsigned)(v >> e);
}

uint64_t hist_upper(unsigned i)
{
	unsigned e;
	uint64_t m;

	if (i < HIST_SUB)
		return i;
	e = i / HIST_HALF - 1;
	m = i % HIST_HALF + HIST_HALF;
	/* The next bucket's lower bound minus one; saturate at the top. */
	if (e >= 58 && m == HIST_SUB - 1)
		return UINT64_MAX;
	return ((m + 1) << e) - 1;
}

void hist_add(struct hist *h, uint64_t v)
{
	h->b[hist_index(v)]++;
	h->n++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

uint64_t hist_pct(const struct hist *h, double p)
{
	uint64_t want, seen = 0;

	if (h->n == 0)
		return 0;
	if (p <= 0)
		return h->min;
	if (p >= 1)
		return h->max;
	/* The rank of the p-quantile, rounded up so p99 of 100 values is the
	 * 99th value, not the 100th. */
	want = (uint64_t)(p * (double)h->n);
	if ((double)want < p * (double)h->n)
		want++;
	if (want == 0)
		want = 1;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= want) {
			uint64_t u = hist_upper(i);
			return u < h->max ? u : h->max;
		}
	}
	return h->max;
}
