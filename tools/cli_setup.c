// SPDX-License-Identifier: MIT
/*
 * setup and reset: hand NVMe controllers to nvdirect.ko and back, in the
 * spirit of SPDK's setup.sh (without hugepages).  setup loads the module
 * (setup_kmod.c), skips controllers the system is using (setup_inuse.c)
 * and remembers each one's previous driver under STATE_DIR; reset gives
 * them back.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "setup.h"

static int setup_one(struct pci_fn *fn, int named)
{
	char why[1024], path[PATH_MAX];
	FILE *f;
	int err;

	if (!strcmp(fn->driver, "nvdirect")) {
		printf("%s (%04x %04x): already bound to nvdirect\n", fn->bdf, fn->vendor, fn->device);
		return 0;
	}
	if (fn->class != NVME_CLASS) {
		fprintf(stderr, PROG ": %s (%04x %04x) is not an NVMe controller (class %06x)\n",
			fn->bdf, fn->vendor, fn->device, fn->class);
		return named ? EXIT_BAD_ARG : 0;
	}
	active_uses(fn->bdf, why, sizeof(why));
	if (why[0]) {
		printf("%s (%04x %04x): Active devices: %s, so not binding\n", fn->bdf, fn->vendor,
		       fn->device, why);
		return named ? 1 : 0;	/* asked for by name: say it was not done */
	}
	mkdir(STATE_DIR, 0755);
	state_path(fn->bdf, path, sizeof(path));
	/* the first driver seen is the one to give it back to */
	if (access(path, F_OK)) {
		f = fopen(path, "w");
		if (!f) {
			fprintf(stderr, PROG ": cannot write %s: %s\n", path, strerror(errno));
			return 1;
		}
		fprintf(f, "%s\n", fn->driver);
		fclose(f);
	}
	/* the override stays: nvme must not grab it back on a rescan */
	err = bind_to(fn, "nvdirect", 1);
	if (err) {
		fprintf(stderr, PROG ": %s (%04x %04x): binding to nvdirect failed: %s\n", fn->bdf,
			fn->vendor, fn->device, strerror(-err));
		return 1;
	}
	printf("%s (%04x %04x): %s -> nvdirect\n", fn->bdf, fn->vendor, fn->device, fn->driver);
	return 0;
}

/*
 * Root, and every named function present, before anything changes: 0, or
 * the exit code after saying why.
 */
static int check_named(const struct cli *o, const char *cmd)
{
	struct pci_fn fn;
	int i;

	if (geteuid() != 0)
		return fprintf(stderr, PROG ": %s needs root (it writes to /sys/bus/pci)\n", cmd), 1;
	for (i = 0; i < o->nargs; i++)
		if (pci_get(o->args[i], &fn))
			return bad_arg("%s: no such PCI device (see " PROG " status)", o->args[i]);
	return 0;
}

/* @one on each named function, or on every one when none is named: the worst exit code. */
static int for_each_fn(const struct cli *o, int (*one)(struct pci_fn *fn, int named))
{
	struct pci_fn fns[MAX_CTRLRS];
	int n, i, rc, worst = 0;

	if (o->nargs) {
		for (i = 0; i < o->nargs; i++) {
			pci_get(o->args[i], &fns[0]);
			rc = one(&fns[0], 1);
			worst = rc > worst ? rc : worst;
		}
		return worst;
	}
	n = pci_scan(fns, MAX_CTRLRS);
	if (n < 0)
		return cli_fail("cannot scan " PCI_DEVICES, n);
	for (i = 0; i < n; i++) {
		rc = one(&fns[i], 0);
		worst = rc > worst ? rc : worst;
	}
	return worst;
}

int cmd_setup(struct cli *o)
{
	int rc = check_named(o, "setup");

	if (!rc)
		rc = load_nvdirect(o->module, o->params, o->nparams);
	return rc ? rc : for_each_fn(o, setup_one);
}

static int reset_one(struct pci_fn *fn, int named)
{
	char path[PATH_MAX], prev[64] = "";
	int err;

	if (!named && strcmp(fn->driver, "nvdirect"))
		return 0;	/* not ours, not asked for */
	state_path(fn->bdf, path, sizeof(path));
	if (read_line(path, prev, sizeof(prev)) || !prev[0])
		snprintf(prev, sizeof(prev), "%s", fn->class == NVME_CLASS ? "nvme" : "none");
	if (strcmp(fn->driver, "nvdirect")) {
		printf("%s (%04x %04x): not bound to nvdirect (%s), left alone\n", fn->bdf, fn->vendor,
		       fn->device, fn->driver);
		unlink(path);
		return 0;
	}
	if (!strcmp(prev, "none")) {
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver/unbind", fn->bdf);
		err = write_str(path, fn->bdf);
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver_override", fn->bdf);
		write_str(path, "\n");
	} else {
		load_driver(prev);
		err = bind_to(fn, prev, 0);
	}
	if (err) {
		fprintf(stderr, PROG ": %s (%04x %04x): giving it back to %s failed: %s\n", fn->bdf,
			fn->vendor, fn->device, prev, strerror(-err));
		return 1;
	}
	state_path(fn->bdf, path, sizeof(path));
	unlink(path);
	printf("%s (%04x %04x): nvdirect -> %s\n", fn->bdf, fn->vendor, fn->device, prev);
	return 0;
}

int cmd_reset(struct cli *o)
{
	int rc = check_named(o, "reset");

	return rc ? rc : for_each_fn(o, reset_one);
}
