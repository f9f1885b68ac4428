/* log.h: logging to stderr (runit's svlogd or journald adds timestamps).
 * warn() appends strerror(errno); warnx() does not. fatal*() exit 111. */
#ifndef ZK_LOG_H
#define ZK_LOG_H

enum { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(const char *progname, int level);
int log_level_parse(const char *s);	/* -1 if not error|warn|info|debug */
extern int log_level;

void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void debug_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define debug(...) do { if (log_level >= LOG_LVL_DEBUG) debug_(__VA_ARGS__); } while (0)
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
