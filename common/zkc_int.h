/* zkc_int.h: internals shared by the client's files (zkclient.c, zkc_net.c,
 * zkc_watch.c); not for users of zkclient.h. */
#ifndef ZK_ZKC_INT_H
#define ZK_ZKC_INT_H
#include <stdint.h>
#include "zkclient.h"

/* Monotonic milliseconds. */
int64_t zkc_now_ms(void);
/* Fill c->hosts from "h:p,h:p" (port 2181 if missing); 0 or -1. */
int zkc_parse_hosts(struct zkc *c, const char *hosts);
/* Connected non-blocking TCP socket to "host:port" within timeout_ms, or -1. */
int zkc_tcp_connect(const char *hostport, int timeout_ms);
/* Queue an event (path may be NULL); drops the oldest when full. */
void zkc_ev_push(struct zkc *c, int32_t type, int32_t state, int64_t zxid,
    const struct jute_bytes *path);
/* A notification arrived: forget the one-shot watches it consumed. */
void zkc_watch_fired(struct zkc *c, int32_t type, const struct jute_bytes *path);

#endif
