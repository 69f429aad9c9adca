// SPDX-License-Identifier: MIT
/*
 * nvdirect-perf -c: the cores to run on, as spdk_nvme_perf takes them:
 * a hex mask ("0x3", "3") or a list in brackets ("[0,2-3]").
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "perf.h"

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int parse_hex_mask(const char *p, cpu_set_t *set, int *bad_core)
{
	int bit = 0, i, d, b;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (!*p)
		return -EINVAL;
	for (i = (int)strlen(p) - 1; i >= 0; i--, bit += 4) {
		d = hex_digit(p[i]);
		if (d < 0)
			return -EINVAL;
		for (b = 0; b < 4; b++) {
			if (!(d & (1 << b)))
				continue;
			if (bit + b >= MAX_CORES) {
				*bad_core = bit + b;
				return -ERANGE;
			}
			CPU_SET(bit + b, set);
		}
	}
	return 0;
}

/* a decimal core number at *p; advances *p past it */
static int core_number(const char **p, int *core, int *bad_core)
{
	char *end;
	long v;

	if (**p < '0' || **p > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(*p, &end, 10);
	*p = end;
	if (errno || v >= MAX_CORES) {
		*bad_core = errno || v > 1000000 ? 1000000 : (int)v;
		return -ERANGE;
	}
	*core = (int)v;
	return 0;
}

/* "[0,2-3]": cores and ranges of cores, at least one */
static int parse_list(const char *p, cpu_set_t *set, int *bad_core)
{
	int lo, hi, err;

	p++;
	for (;;) {
		err = core_number(&p, &lo, bad_core);
		if (err)
			return err;
		hi = lo;
		if (*p == '-') {
			p++;
			err = core_number(&p, &hi, bad_core);
			if (err)
				return err;
			if (hi < lo)
				return -EINVAL;
		}
		for (; lo <= hi; lo++)
			CPU_SET(lo, set);
		if (*p == ']')
			break;
		if (*p != ',')
			return -EINVAL;
		p++;
	}
	return p[1] ? -EINVAL : 0;
}

int perf_parse_cores(const char *s, cpu_set_t *set, int *bad_core)
{
	CPU_ZERO(set);
	*bad_core = -1;
	if (s[0] == '[')
		return parse_list(s, set, bad_core);
	return parse_hex_mask(s, set, bad_core);
}
