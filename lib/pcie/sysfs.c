// SPDX-License-Identifier: MIT
/*
 * PCI addresses and the list of functions bound to nvdirect.ko, from
 * /sys/bus/pci/drivers/nvdirect/ (one symlink per bound BDF).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/export.h"
#include "pcie/sysfs.h"

#define NVDIRECT_DRIVER_DIR	"/sys/bus/pci/drivers/nvdirect"

int nvd__bdf_normalize(const char *in, char out[NVD_BDF_LEN])
{
	unsigned dom = 0, bus, dev, fn;
	int n = -1;

	if (!in)
		return -EINVAL;
	if (sscanf(in, "%4x:%2x:%2x.%1x%n", &dom, &bus, &dev, &fn, &n) != 4 || in[n]) {
		n = -1;
		dom = 0;
		if (sscanf(in, "%2x:%2x.%1x%n", &bus, &dev, &fn, &n) != 3 || in[n])
			return -EINVAL;
	}
	/* reject signs and spaces sscanf would have skipped */
	if (strspn(in, "0123456789abcdefABCDEF:.") != strlen(in))
		return -EINVAL;
	if (dev > 0x1f || fn > 7)
		return -EINVAL;
	snprintf(out, NVD_BDF_LEN, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return 0;
}

static int cmp_bdf(const void *a, const void *b)
{
	return strcmp(a, b);
}

int nvd__list_bound_in(const char *dir, char (*bdfs)[NVD_BDF_LEN], int max)
{
	char (*all)[NVD_BDF_LEN] = NULL, (*grown)[NVD_BDF_LEN];
	char bdf[NVD_BDF_LEN];
	struct dirent *de;
	int n = 0, cap = 0, i;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;	/* module not loaded: none bound */

	while ((de = readdir(d))) {
		/* the driver directory also holds bind, unbind, new_id, module... */
		if (nvd__bdf_normalize(de->d_name, bdf) || strcmp(bdf, de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			grown = realloc(all, (size_t)cap * sizeof(*all));
			if (!grown) {
				free(all);
				closedir(d);
				return -ENOMEM;
			}
			all = grown;
		}
		memcpy(all[n++], bdf, NVD_BDF_LEN);
	}
	closedir(d);

	if (!all)
		return 0;
	qsort(all, (size_t)n, sizeof(*all), cmp_bdf);
	for (i = 0; i < n && i < max; i++)
		memcpy(bdfs[i], all[i], NVD_BDF_LEN);
	free(all);
	return n;
}

NVD_EXPORT int nvd_list_bound(char (*bdfs)[NVD_BDF_LEN], int max)
{
	if (max < 0 || (max > 0 && !bdfs))
		return -EINVAL;
	return nvd__list_bound_in(NVDIRECT_DRIVER_DIR, bdfs, max);
}
