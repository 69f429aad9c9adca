/* SPDX-License-Identifier: MIT */
/*
 * How the tools explain a failed library call: one line on stderr,
 * "<prog>: <what>: <words>[ (<detail>)]", where <detail> is the library's
 * own account of the last error (nvd_last_error()), when it has one.
 */
#ifndef NVD_TOOLS_REPORT_H
#define NVD_TOOLS_REPORT_H

#include <stdio.h>

#include <nvdirect.h>

/* Prints the line for negative errno @err and returns 1, the exit status. */
static inline int report_fail(const char *prog, const char *what, int err)
{
	const char *detail = nvd_last_error();

	if (detail[0])
		fprintf(stderr, "%s: %s: %s (%s)\n", prog, what, nvd_strerror(err), detail);
	else
		fprintf(stderr, "%s: %s: %s\n", prog, what, nvd_strerror(err));
	return 1;
}

#endif /* NVD_TOOLS_REPORT_H */
