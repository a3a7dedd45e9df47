/* SPDX-License-Identifier: GPL-2.0 */
/*
 * decode: turn a label's integer into text at scrape time: syscall names,
 * errno names, kernel symbols, cgroup paths, static tables, hex, Kubernetes
 * namespace, pod and container of a cgroup, IPv4 addresses, dev_t
 * major:minor, interface names, user functions of a process. Each decoder
 * keeps a bounded cache, so a scrape makes no system call for a key it has
 * seen. Not thread-safe: one scrape at a time uses a decoder.
 */
#ifndef BPFPROM_DECODE_H
#define BPFPROM_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

#define DECODE_CACHE_MAX 4096

struct decode_env {
	const char *kallsyms; /* default "/proc/kallsyms" */
	const char *cgroup_root; /* default "/sys/fs/cgroup" */
	size_t cache_max; /* entries per decoder; default DECODE_CACHE_MAX */
	/* k8s: the directory holding kubelet's pods/ and containers/ log
	 * directories; default "/var/log" */
	const char *k8s_log_dir;
	/* k8s: a value that could not be decoded is tried again after this
	 * long (up to twice as long); 0: DECODE_RETRY_NS */
	uint64_t retry_ns;
	/* usym: the proc mount, NULL for "/proc" (tests give another) */
	const char *proc;
};

#define DECODE_RETRY_NS (5ull * 1000000000ull)

struct decoder;

/* NULL with errno set on failure. values/nvalues: decode static (copied). */
struct decoder *decoder__new(enum cfg_decode kind, const struct cfg_static_value *values,
			     size_t nvalues, const struct decode_env *env);
void decoder__free(struct decoder *d);

/*
 * Load now what the decoder would load on first use, while the process still
 * has its capabilities. -EPERM: ksym sees no address in kallsyms (it needs
 * CAP_SYSLOG, and kernel.kptr_restrict below 2).
 */
int decoder__prepare(struct decoder *d);

/*
 * The text for v (signed per is_signed), written to buf (NUL-terminated) and
 * returned; its length in *len. Never fails: a value that cannot be decoded
 * is printed as the number (hex for ksym) and counted in decoder__errors.
 */
const char *decoder__decode(struct decoder *d, uint64_t v, bool is_signed, char *buf, size_t buflen,
			    size_t *len);
uint64_t decoder__errors(const struct decoder *d);

/*
 * decode: regexp. The patterns (POSIX extended, compiled once) are tried in
 * order on a string label's text; the first that matches gives its name,
 * none leaves the text as it is. Never an error. NULL with errno set on
 * failure (EINVAL: a pattern does not compile).
 */
struct decoder *decoder__new_regexp(const struct cfg_regexp_value *rv, size_t n,
				    const struct decode_env *env);
const char *decoder__decode_str(struct decoder *d, const char *s, size_t n, char *buf,
				size_t buflen, size_t *len);

/*
 * The text of an IPv4 (n 4) or IPv6 (n 16) address in network byte order,
 * IPv6 in RFC 5952's form, into out (cap bytes, NUL-terminated); its length,
 * or 0 when n is neither or the text does not fit. Pure: byte-array labels
 * (decode: inet) print through it without a decoder.
 */
size_t decode__inet(const uint8_t *addr, size_t n, char *out, size_t cap);

/*
 * A decoder that renders several labels from one value (decode: k8s:
 * CFG_K8S_LABELS parts, namespace, pod, container) gives each part's text;
 * others have part 0 only. Errors are counted on part 0, once per value
 * printed.
 */
const char *decoder__decode_part(struct decoder *d, unsigned int part, uint64_t v, bool is_signed,
				 char *buf, size_t buflen, size_t *len);

/*
 * decode: usym. The name of the function that holds user address addr in
 * process pid (its mappings, then the mapped file's ELF symbols: usyms.h),
 * or the address in hex ("0x401136") when none is known, which is an error.
 * Cached by pid and address like any value; the mappings of a process are
 * read again at most once a second, on a miss.
 */
const char *decoder__decode_usym(struct decoder *d, uint32_t pid, uint64_t addr, char *buf,
				 size_t buflen, size_t *len);

/*
 * Whether cgroup id exists (a cgroup_path or k8s decoder): 1, 0 when it was
 * removed (or never was), negative when this process cannot tell (no
 * kernfs handles: CAP_DAC_READ_SEARCH, kernel 5.5+). Uncached: one
 * open_by_handle_at(2) per call.
 */
int decoder__cgroup_alive(struct decoder *d, uint64_t id);

#endif /* BPFPROM_DECODE_H */
