// SPDX-License-Identifier: MIT
/*
 * status: one row per NVMe controller (and anything bound to nvdirect):
 * its driver, /dev node, owner and pinned bytes while nvdirect has it, and
 * the driver setup will give it back to.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "setup.h"

/* /dev node, owner and pinned bytes of one function. */
static void node_of(const struct pci_fn *fn, char *node, size_t len, long *owner,
		    unsigned long long *pinned)
{
	char path[PATH_MAX], buf[64];
	struct dirent *de;
	const char *sub = !strcmp(fn->driver, "nvdirect") ? "nvdirect" : "nvme";
	DIR *d;

	snprintf(node, len, "-");
	*owner = -1;
	*pinned = 0;
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/%s", fn->bdf, sub);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, sub, strlen(sub)))
			continue;
		snprintf(node, len, "/dev/%.40s", de->d_name);
		if (!strcmp(sub, "nvdirect")) {
			snprintf(path, sizeof(path), "/sys/class/nvdirect/%s/owner_pid", de->d_name);
			if (!read_line(path, buf, sizeof(buf)))
				*owner = atol(buf);
			snprintf(path, sizeof(path), "/sys/class/nvdirect/%s/pinned_bytes", de->d_name);
			if (!read_line(path, buf, sizeof(buf)))
				*pinned = strtoull(buf, NULL, 10);
		}
		break;
	}
	if (d)
		closedir(d);
}

int cmd_status(struct cli *o)
{
	struct pci_fn fns[MAX_CTRLRS];
	unsigned long long pinned;
	char node[64], owner_s[24], pinned_s[24], vd[16], prev[64], path[PATH_MAX];
	long owner;
	int n, i;

	(void)o;
	n = pci_scan(fns, MAX_CTRLRS);
	if (n < 0)
		return cli_fail("cannot scan " PCI_DEVICES, n);
	if (!out_json()) {
		printf("%-13s %-9s %-9s %-16s %-9s %-12s %s\n", "BDF", "Vend:Dev", "Driver", "Node",
		       "Owner", "Pinned", "Previous");
	}
	out_begin(NULL);
	out_array("controllers");
	for (i = 0; i < n; i++) {
		node_of(&fns[i], node, sizeof(node), &owner, &pinned);
		state_path(fns[i].bdf, path, sizeof(path));
		if (read_line(path, prev, sizeof(prev)))
			snprintf(prev, sizeof(prev), "-");
		snprintf(vd, sizeof(vd), "%04x:%04x", fns[i].vendor, fns[i].device);
		if (out_json()) {
			out_obj();
			out_str("bdf", 0, fns[i].bdf);
			out_str("vendor_device", 0, vd);
			out_str("driver", 0, fns[i].driver);
			out_str("node", 0, node);
			out_uint("owner_pid", 0, "%llu", owner > 0 ? (unsigned long long)owner : 0);
			out_uint("pinned_bytes", 0, "%llu", pinned);
			out_str("previous_driver", 0, prev);
			out_obj_end();
			continue;
		}
		snprintf(owner_s, sizeof(owner_s), "%ld", owner);
		snprintf(pinned_s, sizeof(pinned_s), "%llu", pinned);
		printf("%-13s %-9s %-9s %-16s %-9s %-12s %s\n", fns[i].bdf, vd, fns[i].driver, node,
		       owner > 0 ? owner_s : "-", owner >= 0 ? pinned_s : "-", prev);
	}
	out_array_end();
	out_end();
	return 0;
}
