/* SPDX-License-Identifier: MIT */
/*
 * PCI addresses and the controllers bound to nvdirect.ko (sysfs.c).
 */
#ifndef NVD_PCIE_SYSFS_H
#define NVD_PCIE_SYSFS_H

#include <nvdirect.h>

/* "00:03.0" or "0000:00:03.0" into "0000:00:03.0"; -EINVAL if malformed. */
int nvd__bdf_normalize(const char *in, char out[NVD_BDF_LEN]);
/* nvd_list_bound() over any directory (tests point it elsewhere). */
int nvd__list_bound_in(const char *dir, char (*bdfs)[NVD_BDF_LEN], int max);

#endif /* NVD_PCIE_SYSFS_H */
