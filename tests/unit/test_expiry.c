/* test_expiry.c: bucketed session expiry (zk-sessiond/expiry.c). */
#include <stdlib.h>
#include "../../zk-sessiond/expiry.c"
#include "unit.h"

static size_t poll_all(struct expiry *e, int64_t now, int64_t *out, size_t cap)
{
	return expiry_poll(e, now, out, cap);
}

static void test_due_is_next_tick_multiple(void)
{
	struct expiry e;
	int64_t out[8], due = 0;

	CHECK_EQ_INT(expiry_init(&e, 2000, 40000, 100, 1000), 0);
	CHECK_EQ_INT(expiry_touch(&e, 7, 4000, 1000), 0);
	CHECK_EQ_INT(expiry_get(&e, 7, NULL, NULL, &due), 0);
	CHECK_EQ_INT(due, 6000);		/* after 1000 + 4000, next multiple */
	CHECK_EQ_INT(poll_all(&e, 5999, out, 8), 0);
	CHECK_EQ_INT(poll_all(&e, 6000, out, 8), 1);
	CHECK_EQ_INT(out[0], 7);
	/* an exact multiple still goes to the next bucket, as Apache does */
	CHECK_EQ_INT(expiry_touch(&e, 8, 4000, 6000), 0);
	CHECK_EQ_INT(expiry_get(&e, 8, NULL, NULL, &due), 0);
	CHECK_EQ_INT(due, 12000);
	expiry_free(&e);
}

static void test_shared_bucket(void)
{
	struct expiry e;
	int64_t out[8];

	CHECK_EQ_INT(expiry_init(&e, 2000, 40000, 100, 0), 0);
	CHECK_EQ_INT(expiry_touch(&e, 1, 4000, 100), 0);
	CHECK_EQ_INT(expiry_touch(&e, 2, 4000, 1900), 0);
	CHECK_EQ_INT(expiry_touch(&e, 3, 4000, 2100), 0);
	CHECK_EQ_INT(poll_all(&e, 6000, out, 8), 2);
	CHECK((out[0] == 1 && out[1] == 2) || (out[0] == 2 && out[1] == 1));
	CHECK_EQ_INT(poll_all(&e, 7999, out, 8), 0);
	CHECK_EQ_INT(poll_all(&e, 8000, out, 8), 1);
	CHECK_EQ_INT(out[0], 3);
	expiry_free(&e);
}

static void test_touch_postpones(void)
{
	struct expiry e;
	int64_t out[8];

	CHECK_EQ_INT(expiry_init(&e, 2000, 40000, 100, 0), 0);
	CHECK_EQ_INT(expiry_touch(&e, 5, 4000, 1000), 0);	/* due 6000 */
	CHECK_EQ_INT(expiry_renew(&e, 5, 3000), 0);		/* due 8000 */
	CHECK_EQ_INT(poll_all(&e, 6000, out, 8), 0);
	CHECK_EQ_INT(expiry_renew(&e, 5, 7000), 0);		/* due 12000 */
	CHECK_EQ_INT(poll_all(&e, 11999, out, 8), 0);
	CHECK_EQ_INT(poll_all(&e, 12000, out, 8), 1);
	CHECK_EQ_INT(expiry_remove(&e, 5), 0);
	CHECK_EQ_INT(expiry_renew(&e, 99, 7000), -1);		/* unknown */
	/* a touch with a new timeout replaces it */
	CHECK_EQ_INT(expiry_touch(&e, 6, 4000, 12000), 0);
	CHECK_EQ_INT(expiry_touch(&e, 6, 20000, 12000), 0);
	CHECK_EQ_INT(poll_all(&e, 31999, out, 8), 0);
	CHECK_EQ_INT(poll_all(&e, 34000, out, 8), 1);
	CHECK_EQ_INT(out[0], 6);
	expiry_free(&e);
}

static void test_closing_comes_back_until_removed(void)
{
	struct expiry e;
	int64_t out[8];
	int closing = 0;

	CHECK_EQ_INT(expiry_init(&e, 2000, 40000, 100, 0), 0);
	CHECK_EQ_INT(expiry_touch(&e, 9, 4000, 0), 0);	/* due 6000 */
	CHECK_EQ_INT(poll_all(&e, 6000, out, 8), 1);
	CHECK_EQ_INT(expiry_get(&e, 9, NULL, &closing, NULL), 0);
	CHECK_EQ_INT(closing, 1);
	/* a closing session is not renewed by traffic */
	CHECK_EQ_INT(expiry_touch(&e, 9, 4000, 6100), 1);
	CHECK_EQ_INT(expiry_renew(&e, 9, 6100), 1);
	CHECK_EQ_INT(poll_all(&e, 6500, out, 8), 0);
	/* the closeSession was lost: it comes back after the retry */
	CHECK_EQ_INT(poll_all(&e, 6000 + e.retry + e.tick, out, 8), 1);
	CHECK_EQ_INT(out[0], 9);
	CHECK_EQ_INT(expiry_remove(&e, 9), 0);
	CHECK_EQ_INT(expiry_remove(&e, 9), -1);
	CHECK_EQ_INT(expiry_count(&e), 0);
	CHECK_EQ_INT(poll_all(&e, 100000, out, 8), 0);
	expiry_free(&e);
}

static void test_timeout_clamped(void)
{
	struct expiry e;
	int32_t t = 0;

	CHECK_EQ_INT(expiry_init(&e, 1000, 20000, 100, 0), 0);
	CHECK_EQ_INT(expiry_touch(&e, 1, 1000000, 0), 0);
	CHECK_EQ_INT(expiry_get(&e, 1, &t, NULL, NULL), 0);
	CHECK_EQ_INT(t, 20000);
	CHECK_EQ_INT(expiry_touch(&e, 2, -5, 0), 0);
	CHECK_EQ_INT(expiry_get(&e, 2, &t, NULL, NULL), 0);
	CHECK_EQ_INT(t, 1);
	expiry_free(&e);
	CHECK_EQ_INT(expiry_init(&e, 0, 20000, 100, 0), -1);
	CHECK_EQ_INT(expiry_init(&e, 2000, 1000, 100, 0), -1);
}

static void test_cap_and_resume(void)
{
	struct expiry e;
	int64_t out[3];
	size_t total = 0, n;

	CHECK_EQ_INT(expiry_init(&e, 100, 10000, 100, 0), 0);
	for (int i = 1; i <= 10; i++)
		CHECK_EQ_INT(expiry_touch(&e, i, 1000, 50), 0);
	while ((n = poll_all(&e, 5000, out, 3)) > 0) {
		CHECK(n <= 3);
		total += n;
	}
	CHECK_EQ_INT(total, 10);
	expiry_free(&e);
}

/* A poll long after the last one (a stalled loop) finds everything due,
 * once, in bounded work, with the wheel wrapping many times. */
static void test_big_time_jump(void)
{
	struct expiry e;
	static int64_t out[5000];
	size_t n;

	CHECK_EQ_INT(expiry_init(&e, 10, 100, 10000, 0), 0);
	for (int i = 1; i <= 3000; i++)
		CHECK_EQ_INT(expiry_touch(&e, i, 10 + i % 90, i % 7), 0);
	n = poll_all(&e, 1000000, out, 5000);
	CHECK_EQ_INT(n, 3000);
	/* each exactly once */
	{
		static char seen[3001];
		int dup = 0;
		for (size_t i = 0; i < n; i++) {
			if (out[i] < 1 || out[i] > 3000 || seen[out[i]])
				dup++;
			else
				seen[out[i]] = 1;
		}
		CHECK_EQ_INT(dup, 0);
	}
	/* afterwards time moves normally: a new session expires on time */
	CHECK_EQ_INT(expiry_touch(&e, 9999, 50, 1000005), 0);
	CHECK_EQ_INT(poll_all(&e, 1000059, out, 5000), 0);
	n = poll_all(&e, 1000060, out, 5000);
	CHECK(n >= 1);
	expiry_free(&e);
}

static void test_many_sessions_and_bound(void)
{
	struct expiry e;
	int32_t t = 0;

	CHECK_EQ_INT(expiry_init(&e, 2000, 40000, 5000, 0), 0);
	for (int64_t i = 1; i <= 5000; i++)
		CHECK_EQ_INT(expiry_touch(&e, i << 40 | i, 6000, i), 0);
	CHECK_EQ_INT(expiry_touch(&e, 1LL << 62, 6000, 0), -1);	/* full */
	CHECK_EQ_INT(expiry_count(&e), 5000);
	for (int64_t i = 1; i <= 5000; i += 2)
		CHECK_EQ_INT(expiry_remove(&e, i << 40 | i), 0);
	CHECK_EQ_INT(expiry_count(&e), 2500);
	CHECK_EQ_INT(expiry_get(&e, 2LL << 40 | 2, &t, NULL, NULL), 0);
	CHECK_EQ_INT(t, 6000);
	CHECK_EQ_INT(expiry_get(&e, 3LL << 40 | 3, &t, NULL, NULL), -1);
	CHECK_EQ_INT(expiry_touch(&e, 1LL << 62, 6000, 0), 0);
	expiry_free(&e);
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "due_is_next_tick_multiple", test_due_is_next_tick_multiple },
		{ "shared_bucket", test_shared_bucket },
		{ "touch_postpones", test_touch_postpones },
		{ "closing_comes_back_until_removed", test_closing_comes_back_until_removed },
		{ "timeout_clamped", test_timeout_clamped },
		{ "cap_and_resume", test_cap_and_resume },
		{ "big_time_jump", test_big_time_jump },
		{ "many_sessions_and_bound", test_many_sessions_and_bound },
		{ NULL, NULL }
	};
	return unit_run("expiry", cases);
}
