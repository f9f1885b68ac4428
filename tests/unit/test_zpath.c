/* test_zpath.c: znode path checks against Apache's rules. */
#include <string.h>
#include "unit.h"
#include "zpath.h"

#define V(s) zpath_valid(s, sizeof(s) - 1)

static void test_valid(void)
{
	CHECK_EQ_INT(V("/"), 0);
	CHECK_EQ_INT(V("/a"), 0);
	CHECK_EQ_INT(V("/a/b.c/..d/d.."), 0);
	CHECK_EQ_INT(V("/\xc3\xa9t\xc3\xa9"), 0);	/* é */
	CHECK_EQ_INT(V("/\xef\xbf\xaf"), 0);		/* U+FFEF */
	CHECK_EQ_INT(V("/a b"), 0);
}

static void test_invalid(void)
{
	CHECK_EQ_INT(V(""), -1);
	CHECK_EQ_INT(V("a"), -1);
	CHECK_EQ_INT(V("/a/"), -1);
	CHECK_EQ_INT(V("//"), -1);
	CHECK_EQ_INT(V("/a//b"), -1);
	CHECK_EQ_INT(V("/."), -1);
	CHECK_EQ_INT(V("/a/.."), -1);
	CHECK_EQ_INT(V("/a/./b"), -1);
	CHECK_EQ_INT(V("/a\x01"), -1);
	CHECK_EQ_INT(V("/a\x1f"), -1);
	CHECK_EQ_INT(V("/a\x7f"), -1);
	CHECK_EQ_INT(V("/a\xc2\x80"), -1);		/* U+0080 */
	CHECK_EQ_INT(V("/a\xc2\x9f"), -1);		/* U+009F */
	CHECK_EQ_INT(V("/\xee\x80\x80"), -1);		/* U+E000 */
	CHECK_EQ_INT(V("/\xef\xbf\xb0"), -1);		/* U+FFF0 */
	CHECK_EQ_INT(V("/\xf0\x9f\x98\x80"), -1);	/* non-BMP */
	CHECK_EQ_INT(V("/\xc3"), -1);			/* truncated */
	CHECK_EQ_INT(V("/\xc0\xaf"), -1);		/* overlong */
	CHECK_EQ_INT(zpath_valid("/a\0b", 4), -1);
}

static void test_seq(void)
{
	CHECK_EQ_INT(zpath_valid_seq("/q/", 3), 0);
	CHECK_EQ_INT(zpath_valid_seq("/q/.", 4), 0);
	CHECK_EQ_INT(zpath_valid_seq("/q//", 4), -1);
	CHECK_EQ_INT(zpath_valid_seq("/./a", 4), -1);
}

static void test_basic_reserved_parent(void)
{
	CHECK_EQ_INT(zpath_basic("noslash", 7), -1);
	CHECK_EQ_INT(zpath_basic("a/b", 3), 0);
	CHECK_EQ_INT(zpath_basic("/a\0", 3), -1);
	CHECK_EQ_INT(zpath_reserved("/", 1), 1);
	CHECK_EQ_INT(zpath_reserved("/zookeeper", 10), 1);
	CHECK_EQ_INT(zpath_reserved("/zookeeper/quota", 16), 1);
	CHECK_EQ_INT(zpath_reserved("/zookeeper/config", 17), 1);
	CHECK_EQ_INT(zpath_reserved("/zookeeper/x", 12), 0);
	CHECK_EQ_INT(zpath_parent_len("/a", 2), 1);
	CHECK_EQ_INT(zpath_parent_len("/a/bc", 5), 2);
	CHECK_EQ_INT(zpath_parent_len("/a/", 3), 2);
	CHECK_EQ_INT(zpath_parent_len("ab", 2), -1);
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "valid", test_valid },
		{ "invalid", test_invalid },
		{ "seq", test_seq },
		{ "basic_reserved_parent", test_basic_reserved_parent },
		{ NULL, NULL }
	};
	return unit_run("zpath", cases);
}
