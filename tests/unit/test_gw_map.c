/* test_gw_map.c: the gateway's uint64 -> pointer map (corr ids, sessions). */
#include <stdint.h>
#include <stdlib.h>
#include "unit.h"
/* map.c includes gw.h for its prototypes only; link the module in. */
#include "../../zk-gw/map.c"

static void test_put_get_del(void)
{
	struct gw_map *m = map_new();
	uint64_t k;
	int x = 1, y = 2;

	CHECK(m != NULL);
	CHECK(map_get(m, 5) == NULL);
	CHECK(map_put(m, 5, &x) == 0);
	CHECK(map_put(m, 6, &y) == 0);
	CHECK(map_get(m, 5) == &x);
	CHECK(map_put(m, 5, &y) == 0);	/* replace */
	CHECK(map_get(m, 5) == &y);
	CHECK_EQ_INT(map_count(m), 2);
	CHECK(map_del(m, 5) == &y);
	CHECK(map_del(m, 5) == NULL);
	CHECK(map_get(m, 6) == &y);
	CHECK_EQ_INT(map_count(m), 1);
	/* grow, then delete every other key: the rest must stay reachable */
	for (k = 100; k < 100100; k++)
		CHECK(map_put(m, k, (void *)(uintptr_t)k) == 0);
	for (k = 100; k < 100100; k += 2)
		CHECK(map_del(m, k) == (void *)(uintptr_t)k);
	for (k = 101; k < 100100; k += 2)
		if (map_get(m, k) != (void *)(uintptr_t)k)
			break;
	CHECK_EQ_INT(k, 100101);
	for (k = 100; k < 100100; k += 2)
		if (map_get(m, k) != NULL)
			break;
	CHECK_EQ_INT(k, 100100);
	CHECK_EQ_INT(map_count(m), 50001);
	free(m->keys);
	free(m->vals);
	free(m);
}

/* Keys that collide in the low bits (corr ids are sequential, session ids
 * share their top byte). */
static void test_clustered_keys(void)
{
	struct gw_map *m = map_new();
	uint64_t base = 0x0100000000000000ull, i;

	for (i = 0; i < 5000; i++)
		CHECK(map_put(m, base + (i << 20), (void *)(uintptr_t)(i + 1)) == 0);
	for (i = 0; i < 5000; i += 3)
		CHECK(map_del(m, base + (i << 20)) == (void *)(uintptr_t)(i + 1));
	for (i = 0; i < 5000; i++) {
		void *want = i % 3 == 0 ? NULL : (void *)(uintptr_t)(i + 1);

		if (map_get(m, base + (i << 20)) != want)
			break;
	}
	CHECK_EQ_INT(i, 5000);
	free(m->keys);
	free(m->vals);
	free(m);
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "put_get_del", test_put_get_del },
		{ "clustered_keys", test_clustered_keys },
		{ NULL, NULL }
	};
	return unit_run("gw_map", cases);
}
