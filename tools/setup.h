/* SPDX-License-Identifier: MIT */
/*
 * What setup, reset and status share: PCI functions read from sysfs
 * (setup_pci.c), whether the system is using a controller (setup_inuse.c)
 * and loading modules through libkmod (setup_kmod.c).
 */
#ifndef NVD_TOOLS_SETUP_H
#define NVD_TOOLS_SETUP_H

#include <stddef.h>

#include "cli.h"

#define PCI_DEVICES	"/sys/bus/pci/devices"
#define STATE_DIR	"/run/nvdirect"
#define NVME_CLASS	0x010802u	/* mass storage, NVM, NVMe */

struct pci_fn {
	char bdf[NVD_BDF_LEN];
	unsigned vendor, device, class;
	char driver[64];	/* "none" when unbound */
};

/* ---- sysfs and PCI functions (setup_pci.c) ---------------------------- */
/* First line of @path without its newline; negative errno. */
int read_line(const char *path, char *buf, size_t len);
int write_str(const char *path, const char *s);
/* Name of the driver @bdf is bound to, or "none". */
void driver_of(const char *bdf, char *out, size_t len);
/* @bdf_in ("00:03.0" short for domain 0000) read from sysfs; -ENODEV. */
int pci_get(const char *bdf_in, struct pci_fn *fn);
/* NVMe controllers (and anything bound to nvdirect), sorted by BDF. */
int pci_scan(struct pci_fn *fns, int max);
/* Bind @fn to @drv via driver_override; @keep_override leaves it set. */
int bind_to(struct pci_fn *fn, const char *drv, int keep_override);
/* STATE_DIR/BDF: the driver @bdf had before setup. */
void state_path(const char *bdf, char *out, size_t len);

/* ---- in use by the system? (setup_inuse.c) ---------------------------- */
/* setup.sh-style reasons ("mount@nvme0n1:/mnt, open@ng0n1:pid 812") in
 * @why; empty when nothing uses the controller at @bdf. */
void active_uses(const char *bdf, char *why, size_t len);

/* ---- modules (setup_kmod.c) -------------------------------------------- */
/* Load nvdirect.ko unless loaded (order: @module, $NVD_KO, the installed
 * module by name, ./nvdirect.ko) with @params ("name=value" each); prints
 * what happened; 0 or the exit status after one line saying why. */
int load_nvdirect(const char *module, char **params, int nparams);
/* Load the installed module @name with its modprobe.d options, if @drv's
 * driver directory is not there yet (nvme, usually). */
void load_driver(const char *drv);

#endif /* NVD_TOOLS_SETUP_H */
