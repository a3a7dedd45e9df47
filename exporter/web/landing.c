// SPDX-License-Identifier: GPL-2.0
#include <errno.h>

#include <bpf/libbpf.h>

#include "web/landing.h"

static void html_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			buf__puts(b, "&lt;");
			break;
		case '>':
			buf__puts(b, "&gt;");
			break;
		case '&':
			buf__puts(b, "&amp;");
			break;
		case '"':
			buf__puts(b, "&quot;");
			break;
		default:
			buf__put(b, s, 1);
		}
	}
}

int landing__page(struct scrape *s, const struct plan *plan, const char *telemetry_path,
		  struct buf *out)
{
	int err;

	err = scrape__collect(s);
	if (err)
		return err;
	buf__puts(out,
		  "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		  "<title>bpfprom</title>\n<style>\nbody { font-family: sans-serif; }\n"
		  "table { border-collapse: collapse; }\n"
		  "th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }\n"
		  "td.n { text-align: right; }\n</style>\n</head>\n<body>\n<h1>bpfprom</h1>\n"
		  "<p>BPF metrics exporter, version " BPFPROM_VERSION " (revision " BPFPROM_REVISION
		  ", libbpf ");
	html_escape(out, libbpf_version_string());
	buf__puts(out, ").</p>\n<p><a href=\"");
	html_escape(out, telemetry_path);
	buf__puts(out, "\">Metrics</a></p>\n<table>\n<tr><th>metric</th><th>probe</th>"
		       "<th>mechanism</th><th>series</th><th>capacity</th><th>dropped</th>"
		       "<th>map memory (bytes)</th></tr>\n");
	for (size_t i = 0; i < plan->nmetrics; i++) {
		const struct plan_metric *pm = &plan->metrics[i];
		uint64_t dropped;
		size_t shown = 0, series;

		scrape__status(s, i, &series, &dropped);
		for (size_t p = 0; p < pm->nprobes; p++)
			shown += !pm->probes[p].implied;
		/* one row per probe; the metric's own cells span them */
		for (size_t p = 0, row = 0; p < pm->nprobes; p++) {
			if (pm->probes[p].implied)
				continue;
			buf__puts(out, "<tr>");
			if (row == 0) {
				buf__printf(out, "<td rowspan=\"%zu\">", shown);
				html_escape(out, pm->cm->name);
				buf__puts(out, "</td>");
			}
			buf__puts(out, "<td>");
			html_escape(out, pm->probes[p].spec);
			buf__printf(out, "</td><td>%s</td>", plan__mech_name(pm->probes[p].mech));
			if (row == 0)
				buf__printf(out,
					    "<td rowspan=\"%zu\" class=\"n\">%zu</td>"
					    "<td rowspan=\"%zu\" class=\"n\">%u</td>"
					    "<td rowspan=\"%zu\" class=\"n\">%llu</td>"
					    "<td rowspan=\"%zu\" class=\"n\">%llu</td>",
					    shown, series, shown, pm->max_series, shown,
					    (unsigned long long)dropped, shown,
					    (unsigned long long)scrape__map_memory(s, i));
			buf__puts(out, "</tr>\n");
			row++;
		}
	}
	buf__puts(out, "</table>\n</body>\n</html>\n");
	return out->oom ? -ENOMEM : 0;
}
