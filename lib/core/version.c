// SPDX-License-Identifier: MIT
/*
 * The library's own version, so that a program can tell which one it runs
 * with (the NVD_VERSION_* macros tell which headers it was compiled with).
 */
#include <nvdirect.h>

#include "core/export.h"

NVD_EXPORT const char *nvd_version(void)
{
	return NVD_VERSION_STRING;
}
