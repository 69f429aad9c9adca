// SPDX-License-Identifier: MIT
/*
 * PCI functions as sysfs shows them (/sys/bus/pci/devices/BDF), and
 * moving one between drivers with driver_override, the way SPDK's
 * setup.sh and driverctl do.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "setup.h"

int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char *nl;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	return 0;
}

int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static unsigned read_hex(const char *bdf, const char *attr)
{
	char path[PATH_MAX], buf[32];

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/%s", bdf, attr);
	return read_line(path, buf, sizeof(buf)) ? 0 : (unsigned)strtoul(buf, NULL, 16);
}

void driver_of(const char *bdf, char *out, size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		snprintf(out, len, "none");
		return;
	}
	link[n] = '\0';
	snprintf(out, len, "%.63s", strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
}

int pci_get(const char *bdf_in, struct pci_fn *fn)
{
	char path[PATH_MAX];

	memset(fn, 0, sizeof(*fn));
	/* "00:03.0" is short for domain 0000 */
	snprintf(fn->bdf, sizeof(fn->bdf), "%s%s", strlen(bdf_in) == 7 ? "0000:" : "", bdf_in);
	snprintf(path, sizeof(path), PCI_DEVICES "/%s", fn->bdf);
	if (access(path, F_OK))
		return -ENODEV;
	fn->vendor = read_hex(fn->bdf, "vendor");
	fn->device = read_hex(fn->bdf, "device");
	fn->class = read_hex(fn->bdf, "class");
	driver_of(fn->bdf, fn->driver, sizeof(fn->driver));
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

int pci_scan(struct pci_fn *fns, int max)
{
	char names[MAX_CTRLRS][NVD_BDF_LEN];
	DIR *d = opendir(PCI_DEVICES);
	struct dirent *de;
	int n = 0, i, out = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)) && n < MAX_CTRLRS) {
		if (de->d_name[0] == '.' || strlen(de->d_name) != 12)
			continue;
		snprintf(names[n++], NVD_BDF_LEN, "%.12s", de->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
	for (i = 0; i < n && out < max; i++) {
		if (pci_get(names[i], &fns[out]))
			continue;
		if (fns[out].class == NVME_CLASS || !strcmp(fns[out].driver, "nvdirect"))
			out++;
	}
	return out;
}

/* Bind @fn to @drv via driver_override, then leave no override behind. */
int bind_to(struct pci_fn *fn, const char *drv, int keep_override)
{
	char path[PATH_MAX], now[64];
	int err;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver_override", fn->bdf);
	err = write_str(path, drv);
	if (err)
		return err;
	if (strcmp(fn->driver, "none")) {
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver/unbind", fn->bdf);
		err = write_str(path, fn->bdf);
		if (err)
			return err;
	}
	write_str("/sys/bus/pci/drivers_probe", fn->bdf);	/* fails when no driver takes it */
	if (!keep_override) {
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver_override", fn->bdf);
		write_str(path, "\n");
	}
	driver_of(fn->bdf, now, sizeof(now));
	return strcmp(now, drv) ? -ENODEV : 0;
}

void state_path(const char *bdf, char *out, size_t len)
{
	snprintf(out, len, STATE_DIR "/%s", bdf);
}
