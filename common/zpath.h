/* zpath.h: znode path checks as Apache ZooKeeper makes them
 * (PathUtils.validatePath and the lighter checks of delete and exists). */
#ifndef ZK_ZPATH_H
#define ZK_ZPATH_H
#include <stddef.h>

/* Full validation: non-empty, starts with '/', no trailing '/' (except
 * "/"), no empty, "." or ".." component, no NUL, and no code point in
 * U+0001-U+001F, U+007F-U+009F, U+D800-U+F8FF, U+FFF0-U+FFFF (nor any
 * outside the BMP, nor malformed UTF-8). 0 if valid, -1 if not. */
int zpath_valid(const char *p, size_t len);

/* Same, for a path that will get a sequence suffix: a trailing '/' is
 * allowed ("/q/" + "0000000001"). */
int zpath_valid_seq(const char *p, size_t len);

/* delete's check: contains a '/' and no NUL. 0 or -1. */
int zpath_basic(const char *p, size_t len);

/* Reserved paths that delete refuses: "/", "/zookeeper",
 * "/zookeeper/quota", "/zookeeper/config". 1 if reserved. */
int zpath_reserved(const char *p, size_t len);

/* Length of the parent of p ("/a/b" -> 2 for "/a", "/a" -> 1 for "/"),
 * or -1 if p has no '/'. */
int zpath_parent_len(const char *p, size_t len);

#endif
