// SPDX-License-Identifier: MIT
/*
 * Filenames in the syntax of SPDK's fio plugin, which users already write:
 * "trtype=PCIe traddr=0000.00.03.0 ns=1", "trtype=TCP adrfam=IPv4
 * traddr=127.0.0.1 trsvcid=4420 subnqn=nqn.2014-08.org.example\:sub1 ns=1".
 * fio splits a job's filename list at ':', hence the dots in the PCI
 * address; a ':' written '\:' stays in the name (fio 3.33, options.c:
 * get_next_str() drops the backslash), which is how an NQN keeps its
 * colons.  Turned into a transport ID string, so nvd_trid_parse() decides
 * what the keys and values mean.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* strcasestr, memrchr */
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nvdirect/trid.h>

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

/*
 * SPDK's plugin syntax into a transport ID string nvd_trid_parse() takes:
 * every token must be KEY=VALUE, and a PCIe traddr's dots but the last
 * become colons ("0000.00.03.0" -> "0000:00:03.0"; one with colons stays).
 * An IP address in a TCP traddr keeps its dots.
 */
static int to_trid_string(const char *name, char *out, size_t outlen, char *why, size_t whylen)
{
	const char *p = name, *tok, *eq;
	size_t n = strlen(name);
	int pcie = 1;

	if (n >= outlen)
		return bad(why, whylen, "of %zu characters is too long (at most %zu)", n, outlen - 1);
	memcpy(out, name, n + 1);
	/* which transport: the traddr rule depends on it, whatever the order of the keys */
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		tok = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		eq = memchr(tok, '=', (size_t)(p - tok));
		if (!eq)
			return bad(why, whylen, "'%.*s' is not KEY=VALUE", (int)(p - tok), tok);
		if (eq - tok == 6 && !strncasecmp(tok, "trtype", 6))
			pcie = p - eq - 1 == 4 && !strncasecmp(eq + 1, "PCIe", 4);
	}
	if (!pcie)
		return 0;
	for (p = out; (p = strcasestr(p, "traddr=")); p += 7) {
		char *v, *end, *last;

		if (p != out && p[-1] != ' ' && p[-1] != '\t')
			continue;
		v = out + (p - out) + 7;
		end = v + strcspn(v, " \t");
		last = memrchr(v, '.', (size_t)(end - v));
		for (; last && v < last; v++)
			if (*v == '.')
				*v = ':';
	}
	return 0;
}

int nvd_fio_parse_filename(const char *name, struct nvd_fio_target *t, char *why, size_t whylen)
{
	struct nvd_trid trid;
	const char *detail;
	char s[1024];

	memset(t, 0, sizeof(*t));
	if (to_trid_string(name, s, sizeof(s), why, whylen))
		return -EINVAL;
	if (nvd_trid_parse(&trid, s)) {
		detail = nvd_last_error();
		if (!strncmp(detail, "trid: ", 6))
			detail += 6;
		return bad(why, whylen, "%s", detail);
	}
	if (trid.trtype == NVD_TRTYPE_TCP && !trid.subnqn[0])
		return bad(why, whylen, "trtype=TCP needs subnqn= (the discovery subsystem holds no "
			   "namespaces); write its colons as '\\:'");
	t->nsid = trid.nsid ? trid.nsid : 1;
	trid.nsid = 0;
	t->trid = trid;
	if (trid.trtype == NVD_TRTYPE_PCIE)
		snprintf(t->name, sizeof(t->name), "%s", trid.traddr);
	else
		snprintf(t->name, sizeof(t->name), trid.adrfam == NVD_ADRFAM_IPV6 ? "%s at [%s]:%s" :
			 "%s at %s:%s", trid.subnqn, trid.traddr, trid.trsvcid);
	return 0;
}
