// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/perf_event.h>

#include "kernel/perfevent.h"

int perfevent__open(const struct perfevent_spec *s, int cpu)
{
	struct perf_event_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = s->type;
	attr.config = s->config;
	if (s->freq) {
		attr.freq = 1;
		attr.sample_freq = s->period;
	} else {
		attr.sample_period = s->period;
	}
	/* glibc has no wrapper */
	fd = syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : (int)fd;
}

int perfevent__online_cpus(const char *sysfs, int **cpus, size_t *n)
{
	char path[4096], buf[4096], *p, *end;
	int *v = NULL, *nv;
	size_t cnt = 0, len;
	long a, b;
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "%s/devices/system/cpu/online", sysfs ? sysfs : "/sys");
	f = fopen(path, "re");
	if (!f)
		return -errno;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	/* "0-3,5,7-8\n" */
	for (p = buf; *p && *p != '\n';) {
		errno = 0;
		a = strtol(p, &end, 10);
		if (end == p || errno || a < 0) {
			err = -EINVAL;
			break;
		}
		b = a;
		p = end;
		if (*p == '-') {
			b = strtol(p + 1, &end, 10);
			if (end == p + 1 || b < a || b > 1 << 20) {
				err = -EINVAL;
				break;
			}
			p = end;
		}
		nv = realloc(v, (cnt + (size_t)(b - a) + 1) * sizeof(*v));
		if (!nv) {
			err = -ENOMEM;
			break;
		}
		v = nv;
		for (long c = a; c <= b; c++)
			v[cnt++] = (int)c;
		if (*p == ',')
			p++;
	}
	if (!err && !cnt)
		err = -EINVAL;
	if (err) {
		free(v);
		return err;
	}
	*cpus = v;
	*n = cnt;
	return 0;
}
