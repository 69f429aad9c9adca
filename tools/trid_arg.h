/* SPDX-License-Identifier: MIT */
/*
 * A controller named on the command line, by transport ID (-r TRID) or by
 * BDF: both go through nvd_trid_parse(), so one parser decides what is a
 * PCI address, and a bad one gets the same words in every tool.
 */
#ifndef NVD_TOOLS_TRID_ARG_H
#define NVD_TOOLS_TRID_ARG_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <nvdirect.h>
#include <nvdirect/trid.h>

#define TRID_EXAMPLE	"'trtype:PCIe traddr:0000:00:03.0'"

/*
 * Parse the -r value @s into @t; 0, or a negative errno with @why (what
 * the parser found wrong, e.g. "traddr '0000:zz:00.0' is not a PCI address
 * (DDDD:BB:DD.F)") filled for the tool's one line.
 */
static inline int trid_arg(const char *s, struct nvd_trid *t, char *why, size_t len)
{
	const char *detail;
	int rc = nvd_trid_parse(t, s);

	if (!rc)
		return 0;
	detail = nvd_last_error();
	if (!strncmp(detail, "trid: ", 6))
		detail += 6;
	snprintf(why, len, "%s", detail[0] ? detail : nvd_strerror(rc));
	return rc;
}

/* A BDF as a PCIe transport ID: 0, or -EINVAL when it is not a PCI address. */
static inline int trid_from_bdf(const char *bdf, struct nvd_trid *t)
{
	char s[NVD_TRADDR_MAX_LEN + 32];

	/* white space would let the "BDF" carry keys of its own */
	if (!bdf[0] || strpbrk(bdf, " \t\n\r\v\f") || strlen(bdf) > NVD_TRADDR_MAX_LEN)
		return -EINVAL;
	snprintf(s, sizeof(s), "trtype:PCIe traddr:%s", bdf);
	return nvd_trid_parse(t, s);
}

#endif /* NVD_TOOLS_TRID_ARG_H */
