/* msg.h: IPC messages between daemons, declared once in msg.def.
 * Wire form: CBOR array [type, sender, corr, {field id: value, ...}]. */
#ifndef ZK_MSG_H
#define ZK_MSG_H
#include <stddef.h>
#include <stdint.h>
#include "proc.h"

enum msg_field {
#define FIELD(id, name, kind, cap) FLD_##name = id,
#include "msg.def"
#undef FIELD
	FLD_MAX = 32
};

enum msg_type {
	MSG_NONE = 0,
#define MSG(name, num, senders, req, opt) MSG_##name = num,
#include "msg.def"
#undef MSG
	MSG_TYPE_MAX = 64
};

struct msg_bytes {
	const uint8_t *p;	/* points into the received frame (no copy) */
	size_t len;
};

/* A decoded (or to-be-encoded) message. Only the fields whose bit is set in
 * `has` are meaningful; msg_set_* set the bit. */
struct msg {
	int type;
	int sender;
	uint64_t corr;
	uint32_t has;		/* 1u << FLD_x */
#define FIELD_I64(name) int64_t name;
#define FIELD_I32(name) int32_t name;
#define FIELD_BYTES(name) struct msg_bytes name;
#define FIELD_STR(name) struct msg_bytes name;
#define FIELD(id, name, kind, cap) FIELD_##kind(name)
#include "msg.def"
#undef FIELD
#undef FIELD_I64
#undef FIELD_I32
#undef FIELD_BYTES
#undef FIELD_STR
};

#define MSG_HAS(m, name) (((m)->has >> FLD_##name) & 1u)
#define MSG_SET(m, name, v) do { (m)->name = (v); (m)->has |= 1u << FLD_##name; } while (0)
#define MSG_SET_BYTES(m, name, ptr, n) do { (m)->name.p = (const uint8_t *)(ptr); \
	(m)->name.len = (n); (m)->has |= 1u << FLD_##name; } while (0)

/* Initialise an outgoing message of `type` from `sender`. */
void msg_init(struct msg *m, int type, int sender, uint64_t corr);

/* Encoded size upper bound, and encoding into buf (returns bytes written,
 * or 0 if buf is too small or the message lacks a required field). */
size_t msg_encoded_max(const struct msg *m);
size_t msg_encode(const struct msg *m, uint8_t *buf, size_t cap);

/* Decode and validate a frame: known type, allowed sender, every required
 * field present, no other field, right kinds, lengths within caps, nothing
 * left over. Byte fields point into buf. Returns 0, or -1 with a reason in
 * err (for the log line, which must name type and sender). */
int msg_decode(const uint8_t *buf, size_t len, struct msg *m, char *err, size_t errlen);
/* The same for the first message of a batch frame (messages back to back):
 * *used is set to its encoded length; bytes after it are not looked at. */
int msg_decode_one(const uint8_t *buf, size_t len, struct msg *m, size_t *used,
		   char *err, size_t errlen);

const char *msg_type_name(int type);	/* "GW_WRITE", or "unknown" */
const char *msg_field_name(int field);

#endif
