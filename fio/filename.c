// SPDX-License-Identifier: MIT
/*
 * Filenames in the syntax of SPDK's fio plugin, which users already write:
 * "trtype=PCIe traddr=0000.00.03.0 ns=1".  fio splits a job's filename list
 * at ':', hence the dots in the PCI address.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nvd_fio.h"

static int bad(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "0000.00.03.0" or "0000:00:03.0" into "0000:00:03.0"; 0 or -EINVAL. */
static int parse_bdf(const char *s, size_t len, char *bdf)
{
	/* domain 4, bus 2, device 2, function 1 hex digits */
	static const unsigned digits[] = { 4, 2, 2, 1 };
	size_t pos = 0;
	unsigned f, i;

	if (len != 12)
		return -EINVAL;
	for (f = 0; f < 4; f++) {
		for (i = 0; i < digits[f]; i++, pos++)
			if (!isxdigit((unsigned char)s[pos]))
				return -EINVAL;
		if (f < 3) {
			if (s[pos] != '.' && s[pos] != ':')
				return -EINVAL;
			pos++;
		}
	}
	/* device 00-1f, function 0-7 (PCI Local Bus 3.0, §3.2.2.3.1) */
	if (s[8] > '1' || s[11] > '7')
		return -EINVAL;
	for (pos = 0; pos < 12; pos++)
		bdf[pos] = (pos == 4 || pos == 7) ? ':' : (char)tolower((unsigned char)s[pos]);
	bdf[10] = '.';
	bdf[12] = '\0';
	return 0;
}

int nvd_fio_parse_filename(const char *name, struct nvd_fio_target *t, char *why, size_t whylen)
{
	int have_trtype = 0, have_traddr = 0;
	const char *p = name;

	memset(t, 0, sizeof(*t));
	t->nsid = 1;
	while (*p) {
		const char *key, *eq, *val;
		size_t klen, vlen;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		key = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		eq = memchr(key, '=', (size_t)(p - key));
		if (!eq)
			return bad(why, whylen, "'%.*s' is not KEY=VALUE", (int)(p - key), key);
		klen = (size_t)(eq - key);
		val = eq + 1;
		vlen = (size_t)(p - val);

		if (klen == 6 && !strncasecmp(key, "trtype", 6)) {
			if (vlen != 4 || strncasecmp(val, "PCIe", 4))
				return bad(why, whylen, "trtype '%.*s' is not PCIe, the only transport",
					   (int)vlen, val);
			have_trtype = 1;
		} else if (klen == 6 && !strncasecmp(key, "traddr", 6)) {
			if (parse_bdf(val, vlen, t->bdf))
				return bad(why, whylen, "traddr '%.*s' is not a PCI address DDDD.BB.DD.F",
					   (int)vlen, val);
			have_traddr = 1;
		} else if (klen == 2 && !strncasecmp(key, "ns", 2)) {
			char num[16], *end;
			unsigned long n;

			if (vlen == 0 || vlen >= sizeof(num))
				return bad(why, whylen, "ns '%.*s' is not a namespace ID", (int)vlen, val);
			memcpy(num, val, vlen);
			num[vlen] = '\0';
			errno = 0;
			n = strtoul(num, &end, 10);
			/* NSID 0 and FFFFFFFFh name no single namespace (Base 2.0 §3.2.1) */
			if (*end || errno || !isdigit((unsigned char)num[0]) || n == 0 || n >= 0xffffffffUL)
				return bad(why, whylen, "ns '%s' is not a namespace ID 1..4294967294", num);
			t->nsid = (uint32_t)n;
		} else {
			return bad(why, whylen, "unknown key '%.*s'", (int)klen, key);
		}
	}
	if (!have_trtype)
		return bad(why, whylen, "no trtype=PCIe");
	if (!have_traddr)
		return bad(why, whylen, "no traddr=DDDD.BB.DD.F");
	return 0;
}
