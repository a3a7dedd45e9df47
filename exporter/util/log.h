/* SPDX-License-Identifier: GPL-2.0 */
/* log: leveled lines on stderr, and libbpf's output routed through them. */
#ifndef BPFPROM_LOG_H
#define BPFPROM_LOG_H

enum log_level {
	LOG_DEBUG = 0,
	LOG_INFO,
	LOG_WARN,
	LOG_ERROR,
};

/* Returns 0, or -EINVAL for a name other than debug, info, warn, error. */
int log__set_level_name(const char *name);
void log__msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Route libbpf's messages: all of them at debug, so a user sees ours only. */
void log__init_libbpf(void);
/*
 * Escape the C0 and C1 controls of the message s (a buffer of cap bytes) in
 * place, as \n, \t, \xNN, \u00NN, so that it stays one line and cannot drive
 * a terminal: names and values quoted from a file may hold any character.
 */
void log__escape_controls(char *s, size_t cap);

#define log_debug(...) log__msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log__msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log__msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log__msg(LOG_ERROR, __VA_ARGS__)

#endif /* BPFPROM_LOG_H */
