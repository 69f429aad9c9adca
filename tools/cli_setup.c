// SPDX-License-Identifier: MIT
/*
 * setup, reset and status: hand NVMe controllers to nvdirect.ko and back,
 * in the spirit of SPDK's setup.sh (without hugepages).  setup loads the
 * module through libkmod, skips controllers the system is using (mounted,
 * swap, held by another block device, open) and remembers each one's
 * previous driver under STATE_DIR; reset gives them back.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli.h"

#define PCI_DEVICES	"/sys/bus/pci/devices"
#define STATE_DIR	"/run/nvdirect"
#define NVME_CLASS	0x010802u	/* mass storage, NVM, NVMe */

struct pci_fn {
	char bdf[NVD_BDF_LEN];
	unsigned vendor, device, class;
	char driver[64];	/* "none" when unbound */
};

static int read_line(const char *path, char *buf, size_t len)
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

static int write_str(const char *path, const char *s)
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

static void driver_of(const char *bdf, char *out, size_t len)
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

static int pci_get(const char *bdf_in, struct pci_fn *fn)
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

/* NVMe controllers (and anything bound to nvdirect), sorted by BDF. */
static int pci_scan(struct pci_fn *fns, int max)
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

/* ---- is the controller in use? -------------------------------------- */

/* Add "KIND@NAME[:DETAIL]" to the comma-separated list in @out. */
static void append(char *out, size_t len, const char *kind, const char *name, const char *detail)
{
	size_t used = strlen(out);

	if (used + 1 >= len)
		return;
	snprintf(out + used, len - used, "%s%.16s@%.31s%s%.200s", used ? ", " : "", kind, name,
		 detail[0] ? ":" : "", detail);
}

/* Mounts and swap of block device @name (dev_t @dev). */
static void check_mounts(const char *name, dev_t dev, char *why, size_t len)
{
	char line[1024], mnt[512], path[64], swapdev[256];
	unsigned maj, min;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		/* "36 35 259:1 / /mnt rw,... - ext4 /dev/nvme0n1 rw" */
		if (sscanf(line, "%*d %*d %u:%u %*s %511s", &maj, &min, mnt) == 3 &&
		    makedev(maj, min) == dev)
			append(why, len, "mount", name, mnt);
	}
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/dev/%.40s", name);
	f = fopen("/proc/swaps", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%255s", swapdev) == 1 && !strcmp(swapdev, path))
			append(why, len, "swap", name, "");
	if (f)
		fclose(f);
}

static void check_holders(const char *name, char *why, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/class/block/%s/holders", name);
	d = opendir(path);
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			append(why, len, "holder", name, de->d_name);
	if (d)
		closedir(d);
}

/* Processes with one of the block devices in @devs open. */
static void check_open(const dev_t *devs, char (*names)[32], int ndev, char *why, size_t len)
{
	char path[PATH_MAX], pid[32];
	struct dirent *p, *fd;
	struct stat st;
	DIR *proc, *fds;
	int i;

	proc = opendir("/proc");
	while (proc && (p = readdir(proc))) {
		if (p->d_name[0] < '0' || p->d_name[0] > '9' || atoi(p->d_name) == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		while (fds && (fd = readdir(fds))) {
			snprintf(path, sizeof(path), "/proc/%s/fd/%s", p->d_name, fd->d_name);
			if (fd->d_name[0] == '.' || stat(path, &st) || !S_ISBLK(st.st_mode))
				continue;
			for (i = 0; i < ndev; i++) {
				if (st.st_rdev == devs[i]) {
					snprintf(pid, sizeof(pid), "pid %.20s", p->d_name);
					append(why, len, "open", names[i], pid);
				}
			}
		}
		if (fds)
			closedir(fds);
	}
	if (proc)
		closedir(proc);
}

/* Fill @why with setup.sh-style reasons; empty when the controller is free. */
static void active_uses(const char *bdf, char *why, size_t len)
{
	char path[PATH_MAX], names[64][32], buf[32];
	dev_t devs[64];
	struct dirent *c, *b;
	unsigned maj, min;
	int n = 0, i;
	DIR *cd, *bd;

	why[0] = '\0';
	/* every block device (namespaces and partitions) under the controller */
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/nvme", bdf);
	cd = opendir(path);
	while (cd && (c = readdir(cd))) {
		if (strncmp(c->d_name, "nvme", 4))
			continue;
		snprintf(path, sizeof(path), "/sys/class/nvme/%s", c->d_name);
		bd = opendir(path);
		while (bd && (b = readdir(bd)) && n < 64) {
			char sub[PATH_MAX];
			DIR *pd;
			struct dirent *pe;

			if (strncmp(b->d_name, c->d_name, strlen(c->d_name)) ||
			    !strchr(b->d_name + 4, 'n'))
				continue;
			snprintf(names[n], sizeof(names[n]), "%.31s", b->d_name);
			n++;
			/* partitions: nvme0n1p1 under nvme0n1 */
			snprintf(sub, sizeof(sub), "/sys/class/block/%s", b->d_name);
			pd = opendir(sub);
			while (pd && (pe = readdir(pd)) && n < 64)
				if (!strncmp(pe->d_name, b->d_name, strlen(b->d_name)) &&
				    pe->d_name[strlen(b->d_name)] == 'p')
					snprintf(names[n++], sizeof(names[0]), "%.31s", pe->d_name);
			if (pd)
				closedir(pd);
		}
		if (bd)
			closedir(bd);
	}
	if (cd)
		closedir(cd);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/sys/class/block/%s/dev", names[i]);
		devs[i] = 0;
		if (!read_line(path, buf, sizeof(buf)) && sscanf(buf, "%u:%u", &maj, &min) == 2)
			devs[i] = makedev(maj, min);
		check_mounts(names[i], devs[i], why, len);
		check_holders(names[i], why, len);
	}
	if (n)
		check_open(devs, names, n, why, len);
}

/* ---- module loading (libkmod) ---------------------------------------- */

static int module_loaded(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

/* Insert the module at @path, or the installed one named @name (deps too). */
static int kmod_load(const char *path, const char *name, char *how, size_t len)
{
	struct kmod_list *list = NULL, *it;
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	int err;

	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return -ENOMEM;
	if (path) {
		err = kmod_module_new_from_path(ctx, path, &mod);
		if (!err)
			err = kmod_module_insert_module(mod, 0, NULL);
		snprintf(how, len, "%s", path);
		if (mod)
			kmod_module_unref(mod);
	} else {
		err = kmod_module_new_from_lookup(ctx, name, &list);
		if (!err && !list)
			err = -ENOENT;
		kmod_list_foreach(it, list) {
			mod = kmod_module_get_module(it);
			err = kmod_module_probe_insert_module(mod, 0, NULL, NULL, NULL, NULL);
			snprintf(how, len, "%s", kmod_module_get_path(mod) ? kmod_module_get_path(mod) : name);
			kmod_module_unref(mod);
			break;
		}
		kmod_module_unref_list(list);
	}
	kmod_unref(ctx);
	return err == -EEXIST ? 0 : err;
}

static int load_nvdirect(const char *module)
{
	const char *env = getenv("NVD_KO");
	char how[PATH_MAX];
	int err;

	if (module_loaded("nvdirect"))
		return 0;
	if (!module && env && env[0])
		module = env;
	if (module) {
		err = kmod_load(module, NULL, how, sizeof(how));
	} else {
		err = kmod_load(NULL, "nvdirect", how, sizeof(how));
		if (err == -ENOENT && !access("nvdirect.ko", F_OK))
			err = kmod_load("nvdirect.ko", NULL, how, sizeof(how));
	}
	if (err) {
		fprintf(stderr, PROG ": cannot load nvdirect.ko (%s): %s (give its path with --module PATH)\n",
			module ? module : "not installed, no ./nvdirect.ko", strerror(-err));
		return 1;
	}
	printf("loaded %s\n", how);
	return 0;
}

/* ---- binding ---------------------------------------------------------- */

/* Bind @fn to @drv via driver_override, then leave no override behind. */
static int bind_to(struct pci_fn *fn, const char *drv, int keep_override)
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

static void state_path(const char *bdf, char *out, size_t len)
{
	snprintf(out, len, STATE_DIR "/%s", bdf);
}

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
		rc = load_nvdirect(o->module);
	return rc ? rc : for_each_fn(o, setup_one);
}

/* Load the previous driver's module if it is not there (nvme, usually). */
static void load_driver(const char *drv)
{
	char path[PATH_MAX], how[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s", drv);
	if (access(path, F_OK))
		kmod_load(NULL, drv, how, sizeof(how));
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
