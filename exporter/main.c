// SPDX-License-Identifier: GPL-2.0
/*
 * bpfprom: flags, start-up in order (config → plan → load → serve), and the
 * signal loop. All or nothing: any failure before serving tears down what was
 * built and exits 1 with one message naming what to change.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "config/config.h"
#include "lifecycle.h"
#include "web/http.h"
#include "kernel/list.h"
#include "kernel/loader.h"
#include "util/log.h"
#include "kernel/plan.h"
#include "scrape/scrape.h"
#include "term.h"
#include "kernel/tracefs.h"
#include "web/webconfig.h"

#define DEFAULT_CONFIG "config/default.yaml"

enum {
	OPT_CONFIG_FILE = 256,
	OPT_CONFIG_CHECK,
	OPT_LISTEN,
	OPT_PATH,
	OPT_LOG_LEVEL,
	OPT_VERSION,
	OPT_TIMEOUT,
	OPT_MAX_CONNS,
	OPT_MECHANISM,
	OPT_MAX_CONNS_PER_IP,
	OPT_WEB_CONFIG,
	OPT_BPF_STATS,
	OPT_NO_EXPORTER_METRICS,
	OPT_LIFECYCLE,
	OPT_CAPS_KEEP,
	OPT_K8S_LOG_DIR,
	OPT_PRINT,
	OPT_ONCE,
	OPT_BPF_FUSE,
	OPT_CONFIG_CHECK_LOAD,
};

static const struct option options[] = {
	{ "config.file", required_argument, NULL, OPT_CONFIG_FILE },
	{ "config.check", no_argument, NULL, OPT_CONFIG_CHECK },
	{ "config.check.load", no_argument, NULL, OPT_CONFIG_CHECK_LOAD },
	{ "web.listen-address", required_argument, NULL, OPT_LISTEN },
	{ "web.telemetry-path", required_argument, NULL, OPT_PATH },
	{ "web.connection-timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "web.max-connections", required_argument, NULL, OPT_MAX_CONNS },
	{ "web.max-connections-per-ip", required_argument, NULL, OPT_MAX_CONNS_PER_IP },
	{ "web.config.file", required_argument, NULL, OPT_WEB_CONFIG },
	{ "web.disable-exporter-metrics", no_argument, NULL, OPT_NO_EXPORTER_METRICS },
	{ "web.enable-lifecycle", no_argument, NULL, OPT_LIFECYCLE },
	{ "bpf.stats", no_argument, NULL, OPT_BPF_STATS },
	{ "capabilities.keep", required_argument, NULL, OPT_CAPS_KEEP },
	{ "k8s.log-dir", required_argument, NULL, OPT_K8S_LOG_DIR },
	{ "bpf.fuse", optional_argument, NULL, OPT_BPF_FUSE },
	{ "log.level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "probe.mechanism", required_argument, NULL, OPT_MECHANISM },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, 'h' },
	{ "list", optional_argument, NULL, 'l' },
	{ "print", required_argument, NULL, OPT_PRINT },
	{ "once", no_argument, NULL, OPT_ONCE },
	{ "verbose", no_argument, NULL, 'v' },
	{ 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bpfprom [flags]\n"
		"\n"
		"Serve BPF-aggregated kernel and user-space events as Prometheus metrics.\n"
		"\n"
		"  --config.file=PATH             metrics to export (default " DEFAULT_CONFIG ")\n"
		"  --config.check                 validate the config against this kernel, attach\n"
		"                                 nothing, exit 0 (valid) or 1\n"
		"  --config.check.load            --config.check, and load every program into\n"
		"                                 the kernel (its verifier's verdict), attach\n"
		"                                 nothing\n"
		"  --web.listen-address=ADDR      HOST:PORT, [IPV6]:PORT or :PORT; port 0 picks a\n"
		"                                 free one (default " HTTP_DEFAULT_LISTEN ")\n"
		"  --web.telemetry-path=PATH      path of the metrics (default " HTTP_DEFAULT_PATH
		")\n"
		"  --web.connection-timeout=SECS  close idle connections after SECS (default 10)\n"
		"  --web.max-connections=N        concurrent connections at most (default 64)\n"
		"  --probe.mechanism=MECH         how kprobes attach: auto (fentry where the kernel\n"
		"                                 can, else the kprobe PMU, else tracefs), fentry,\n"
		"                                 kprobe or legacy (uprobes too: tracefs\n"
		"                                 uprobe_events); rawtracepoints: auto (tp_btf\n"
		"                                 where the kernel can, else raw_tp), tp_btf or\n"
		"                                 raw_tp (default auto)\n"
		"  --web.max-connections-per-ip=N concurrent connections from one address at\n"
		"                                 most (default 16)\n"
		"  --web.config.file=PATH         TLS, client certificates, basic auth and\n"
		"                                 headers, in exporter-toolkit's format\n"
		"  --web.disable-exporter-metrics serve only the configured metrics (no bpfprom_*,\n"
		"                                 no process_*)\n"
		"  --web.enable-lifecycle         accept POST /-/reload (reloads as SIGHUP does)\n"
		"  --capabilities.keep=WHAT       all, or none: drop every capability once\n"
		"                                 attached and listening (reload then needs a\n"
		"                                 restart) (default all)\n"
		"  --bpf.stats                    have the kernel count the programs' run time and\n"
		"                                 runs while bpfprom runs (BPF_ENABLE_STATS), and\n"
		"                                 export them\n"
		"  --k8s.log-dir=DIR              where decode: k8s finds kubelet's pods/ and\n"
		"                                 containers/ log directories (default /var/log)\n"
		"  --bpf.fuse=BOOL                metrics with the same probes share one program\n"
		"                                 (default true; false: one program per metric)\n"
		"  --log.level=LEVEL              debug, info, warn or error (default info)\n"
		"  -l, --list [PATTERN]           list the probes matching PATTERN (default: every\n"
		"                                 tracepoint and kprobe), e.g. 'tracepoint:sched:*',\n"
		"                                 'kprobe:vfs_*', 'uprobe:libc:mall*', '*sched*',\n"
		"                                 'rt:sched_*', 'usdt:BIN', 'software:*', 'profile:*'\n"
		"  -v, --verbose                  with --list: the fields of each tracepoint, the\n"
		"                                 arguments of each rawtracepoint and usdt probe\n"
		"  --print INTERVAL               print the metrics to stdout every INTERVAL (500ms,\n"
		"                                 1s, 2m), histograms as bars, instead of serving\n"
		"                                 HTTP; SIGINT/SIGTERM print a last time and exit\n"
		"  --once                         with --print: print once after INTERVAL and exit\n"
		"  --version                      print the version and exit\n"
		"  -h, --help                     print this help and exit\n");
}

static int parse_uint(const char *flag, const char *s, unsigned int min, unsigned int max,
		      unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max) {
		log_error("flags: --%s=%s: expected an integer %u..%u", flag, s, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static pthread_t main_thread;

/* POST /-/reload: the main thread reloads, as on SIGHUP */
static void request_reload(void *ctx)
{
	(void)ctx;
	pthread_kill(main_thread, SIGHUP);
}

static int drop_caps(void *ctx, char *err, size_t errlen)
{
	return lifecycle__drop_caps(ctx, err, errlen);
}

int main(int argc, char **argv)
{
	struct lifecycle_opts lopts = { .config_file = DEFAULT_CONFIG, .force = PLAN_MECH_AUTO };
	struct scrape_opts *sopts = &lopts.scrape;
	int stats_fd = -1;
	bool lifecycle = false, keep_caps = true;
	struct lifecycle *lc = NULL;
	char msg[1024];
	size_t nmetrics = 0;
	struct http_opts hopts = {
		.listen_address = HTTP_DEFAULT_LISTEN,
		.telemetry_path = HTTP_DEFAULT_PATH,
		.timeout_s = 10,
		.max_connections = 64,
		.max_connections_per_ip = 16,
	};
	const char *web_config_file = NULL;
	struct webconfig *web = NULL;
	struct http_handlers handlers;
	struct http_server *srv = NULL;
	char err[1024] = "";
	bool check = false, list = false, verbose = false;
	const char *list_pattern = NULL;
	struct term_opts topts = { 0 };
	const char *print_arg = NULL;
	sigset_t sigs;
	int opt, ret, sig;

	/* getopt's own messages do not say "flags:": ours do (see '?' below) */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":hlv", options, NULL)) != -1) {
		switch (opt) {
		case OPT_CONFIG_FILE:
			lopts.config_file = optarg;
			break;
		case OPT_CONFIG_CHECK:
			check = true;
			break;
		case OPT_CONFIG_CHECK_LOAD:
			check = true;
			lopts.check_load = true;
			break;
		case OPT_LISTEN:
			hopts.listen_address = optarg;
			break;
		case OPT_PATH:
			hopts.telemetry_path = optarg;
			break;
		case OPT_TIMEOUT:
			if (parse_uint("web.connection-timeout", optarg, 1, 3600, &hopts.timeout_s))
				return 2;
			break;
		case OPT_MAX_CONNS:
			if (parse_uint("web.max-connections", optarg, 1, 65536,
				       &hopts.max_connections))
				return 2;
			break;
		case OPT_MECHANISM:
			if (plan__mech_parse(optarg, &lopts.force)) {
				log_error(
					"flags: --probe.mechanism=%s: expected auto, fentry, kprobe, legacy, tp_btf or raw_tp",
					optarg);
				return 2;
			}
			break;
		case OPT_MAX_CONNS_PER_IP:
			if (parse_uint("web.max-connections-per-ip", optarg, 1, 65536,
				       &hopts.max_connections_per_ip))
				return 2;
			break;
		case OPT_K8S_LOG_DIR:
			sopts->decode_env.k8s_log_dir = optarg;
			break;
		case OPT_BPF_STATS:
			sopts->bpf_stats = true;
			break;
		case OPT_BPF_FUSE:
			if (optarg && strcmp(optarg, "true") && strcmp(optarg, "false")) {
				log_error("flags: --bpf.fuse=%s: expected true or false", optarg);
				return 2;
			}
			lopts.unfused = optarg && !strcmp(optarg, "false");
			break;
		case OPT_NO_EXPORTER_METRICS:
			sopts->no_exporter_metrics = true;
			break;
		case OPT_LIFECYCLE:
			lifecycle = true;
			break;
		case OPT_CAPS_KEEP:
			if (strcmp(optarg, "all") && strcmp(optarg, "none")) {
				log_error("flags: --capabilities.keep=%s: expected all or none",
					  optarg);
				return 2;
			}
			keep_caps = strcmp(optarg, "none") != 0;
			break;
		case OPT_WEB_CONFIG:
			web_config_file = optarg;
			break;
		case OPT_LOG_LEVEL:
			if (log__set_level_name(optarg)) {
				log_error(
					"flags: --log.level=%s: expected debug, info, warn or error",
					optarg);
				return 2;
			}
			break;
		case OPT_VERSION:
			printf("bpfprom version %s (revision %s, libbpf %s)\n", BPFPROM_VERSION,
			       BPFPROM_REVISION, libbpf_version_string());
			return 0;
		case 'l':
			list = true;
			list_pattern = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case OPT_PRINT:
			if (term__parse_interval(optarg, &topts.interval_ms)) {
				log_error(
					"flags: --print %s: expected a duration like 500ms, 1s or 2m (1ms to 24h)",
					optarg);
				return 2;
			}
			print_arg = optarg;
			break;
		case OPT_ONCE:
			topts.once = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			log_error("flags: %s expects a value (--name=value); see --help",
				  argv[optind - 1]);
			return 2;
		case '?':
			if (optopt)
				log_error("flags: unknown flag -%c; see --help", optopt);
			else
				log_error("flags: unknown flag \"%s\"; see --help",
					  argv[optind - 1]);
			return 2;
		default:
			usage(stderr);
			return 2;
		}
	}
	/* getopt takes an optional argument only glued (--list=P): also take --list P, -l P */
	if (list && !list_pattern && optind < argc)
		list_pattern = argv[optind++];
	if (optind < argc) {
		log_error("flags: unexpected argument \"%s\" (flags are --name=value)",
			  argv[optind]);
		return 2;
	}
	if (verbose && !list) {
		log_error("flags: -v (--verbose) only applies to --list");
		return 2;
	}
	if (topts.once && !print_arg) {
		log_error("flags: --once only applies to --print INTERVAL");
		return 2;
	}
	/* bad values of these are flag errors (2), in --config.check too */
	if (!list && !print_arg && http__check_opts(&hopts, err, sizeof(err))) {
		/* the message names the flag: "web: --web.listen-address ..." */
		log_error("flags: %s", strncmp(err, "web: ", 5) ? err : err + 5);
		return 2;
	}
	if (list) {
		ret = list__run(list_pattern, verbose, NULL, stdout, err, sizeof(err));
		if (ret)
			log_error("%s", err);
		return ret ? 1 : 0;
	}
	log__init_libbpf();

	/* signals are taken by sigwait below; threads started later inherit the mask */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	main_thread = pthread_self();
	signal(SIGPIPE, SIG_IGN);

	if (web_config_file) {
		ret = webconfig__parse_file(web_config_file, &web, err, sizeof(err));
		if (ret)
			goto fail;
		hopts.web = web;
	}
	if (check) {
		ret = lifecycle__check(&lopts, &nmetrics, err, sizeof(err));
		if (ret)
			goto fail;
		printf("config: %s: valid, %zu metric%s resolved against this kernel%s\n",
		       lopts.config_file, nmetrics, nmetrics == 1 ? "" : "s",
		       lopts.check_load ? " and loaded into it (nothing attached)" : "");
		goto out;
	}
	if (sopts->bpf_stats) {
		/* the kernel counts only while an fd of BPF_ENABLE_STATS is open */
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_fd < 0) {
			ret = -errno;
			snprintf(
				err, sizeof(err),
				"flags: --bpf.stats: the kernel refused BPF_ENABLE_STATS: %s (kernel 5.8+ and CAP_SYS_ADMIN)",
				strerror(-ret));
			goto fail;
		}
	}
	sopts->telemetry_path = hopts.telemetry_path;
	ret = lifecycle__start(&lopts, &lc, err, sizeof(err));
	if (ret)
		goto fail;
	handlers = (struct http_handlers){ .metrics = lifecycle__metrics,
					   .landing = lifecycle__landing,
					   .reload_request = lifecycle ? request_reload : NULL,
					   .ctx = lc };
	if (!keep_caps) {
		hopts.ready = drop_caps;
		hopts.ready_ctx = lc;
	}
	if (print_arg) {
		nmetrics = lifecycle__nmetrics(lc);
		log_info("loaded %zu metric%s from %s; printing every %s", nmetrics,
			 nmetrics == 1 ? "" : "s", lopts.config_file, print_arg);
		ret = term__run(lc, &topts, &sigs, stdout, err, sizeof(err));
		if (ret)
			goto fail;
		goto out;
	}
	ret = http__start(&hopts, &handlers, &srv, err, sizeof(err));
	if (ret)
		goto fail;
	nmetrics = lifecycle__nmetrics(lc);
	/* "listening on ADDR" ends the line's first form: scripts parse it */
	log_info("loaded %zu metric%s from %s; %slistening on %s%s", nmetrics,
		 nmetrics == 1 ? "" : "s", lopts.config_file,
		 web && web->tls ? "TLS (https); " : "", http__address(srv),
		 keep_caps ? "" : "; capabilities dropped");

	for (;;) {
		struct http_reload *batch;

		if (sigwait(&sigs, &sig))
			continue;
		if (sig == SIGHUP) {
			batch = http__reload_begin(srv);
			ret = lifecycle__reload(lc, msg, sizeof(msg));
			if (ret)
				log_error("reload: failed, still serving the previous config: %s",
					  msg);
			else
				log_info("reload: %s", msg);
			http__reload_end(srv, batch, ret, msg);
			continue;
		}
		log_info("%s: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
		break;
	}
	ret = 0;
	goto out;
fail:
	log_error("%s", err[0] ? err : strerror(-ret));
out:
	/* reverse order: stop serving, detach and unload, then the data */
	http__stop(srv);
	lifecycle__free(lc);
	if (stats_fd >= 0)
		close(stats_fd);
	webconfig__free(web);
	return ret ? 1 : 0;
}
