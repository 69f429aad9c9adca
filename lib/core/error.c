// SPDX-License-Identifier: MIT
/*
 * Errors at the edge: words for the negative errno values the library
 * returns, and a per-thread detail line saying what exactly failed
 * ("timed out after 2000 ms waiting for CSTS.RDY=1 (enable)").
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/export.h"

static _Thread_local char detail[256];

void nvd__set_detail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	nvd__dbg("error: %s", detail);
}

void nvd__clear_detail(void)
{
	detail[0] = '\0';
}

void nvd__dbg(const char *fmt, ...)
{
	static int enabled = -1;
	va_list ap;

	if (enabled < 0)
		enabled = getenv("NVDIRECT_DEBUG") != NULL;
	if (!enabled)
		return;
	va_start(ap, fmt);
	fputs("nvdirect: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

NVD_EXPORT const char *nvd_strerror(int err)
{
	static _Thread_local char buf[64];

	switch (err < 0 ? -err : err) {
	case 0: return "success";
	case ENXIO: return "controller is gone";
	case ENODEV: return "no such PCI device";
	case ENOENT: return "not bound to nvdirect";
	case EBUSY: return "controller is in use by another process";
	case EPERM: return "needs CAP_SYS_RAWIO (run as root)";
	case EACCES: return "no read and write permission on the device file";
	case ETIMEDOUT: return "controller did not respond in time";
	case EIO: return "command failed";
	case EINVAL: return "invalid argument";
	case ENOMEM: return "out of memory (or past the locked-memory limit or the module's DMA limits)";
	case EAGAIN: return "queue is full, reap completions and retry";
	case ENOSPC: return "no free I/O queue left on this controller";
	case EOPNOTSUPP: return "not supported by this controller or namespace";
	case EPROTO: return "kernel module ABI mismatch (rebuild nvdirect.ko and the library together)";
	case E2BIG: return "transfer too large";
	case ENOTTY: return "not an nvdirect device";
	default:
		/* GNU strerror_r: returns a string, maybe not buf */
		return strerror_r(err < 0 ? -err : err, buf, sizeof(buf));
	}
}

NVD_EXPORT const char *nvd_last_error(void)
{
	return detail;
}
