// SPDX-License-Identifier: MIT
/*
 * Is the system using a controller?  setup.sh's question, asked of every
 * node the kernel's nvme driver made for it: its namespaces' block devices
 * and their partitions (mounted, swap, held by another block device, open)
 * and its character devices, /dev/nvmeX (the controller) and /dev/ngXnY
 * (generic namespaces, io_uring passthrough), open in some process.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "setup.h"

#define MAX_NODES	64

/* One /dev node of the controller. */
struct node {
	char name[32];		/* nvme0n1, nvme0n1p2, nvme0, ng0n1 */
	dev_t dev;
	int chr;		/* character device, else block */
};

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

/*
 * Processes with one of @nodes open.  Matched on type and dev_t: a block
 * and a character device may share numbers.
 */
static void check_open(const struct node *nodes, int n, char *why, size_t len)
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
			if (fd->d_name[0] == '.' || stat(path, &st) ||
			    !(S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode)))
				continue;
			for (i = 0; i < n; i++) {
				if (st.st_rdev == nodes[i].dev && (S_ISCHR(st.st_mode) ? 1 : 0) == nodes[i].chr) {
					snprintf(pid, sizeof(pid), "pid %.20s", p->d_name);
					append(why, len, "open", nodes[i].name, pid);
				}
			}
		}
		if (fds)
			closedir(fds);
	}
	if (proc)
		closedir(proc);
}

/* Add node @name of class directory @cls ("block", "nvme", "nvme-generic"). */
static int add_node(struct node *nodes, int n, const char *cls, const char *name, int chr)
{
	char path[PATH_MAX], buf[32];
	unsigned maj, min;

	if (n >= MAX_NODES)
		return n;
	snprintf(nodes[n].name, sizeof(nodes[n].name), "%.31s", name);
	nodes[n].chr = chr;
	nodes[n].dev = 0;
	snprintf(path, sizeof(path), "/sys/class/%s/%s/dev", cls, name);
	if (!read_line(path, buf, sizeof(buf)) && sscanf(buf, "%u:%u", &maj, &min) == 2)
		nodes[n].dev = makedev(maj, min);
	return n + 1;
}

/* Block devices (namespaces, partitions) and generic namespaces of nvmeX @ctrl. */
static int ns_nodes(const char *ctrl, struct node *nodes, int n)
{
	char path[PATH_MAX];
	struct dirent *b, *pe;
	size_t clen = strlen(ctrl), blen;
	DIR *bd, *pd;

	snprintf(path, sizeof(path), "/sys/class/nvme/%s", ctrl);
	bd = opendir(path);
	while (bd && (b = readdir(bd))) {
		if (!strncmp(b->d_name, "ng", 2)) {
			n = add_node(nodes, n, "nvme-generic", b->d_name, 1);
			continue;
		}
		if (strncmp(b->d_name, ctrl, clen) || !strchr(b->d_name + 4, 'n'))
			continue;
		n = add_node(nodes, n, "block", b->d_name, 0);
		/* partitions: nvme0n1p1 under nvme0n1 */
		snprintf(path, sizeof(path), "/sys/class/block/%s", b->d_name);
		blen = strlen(b->d_name);
		pd = opendir(path);
		while (pd && (pe = readdir(pd)))
			if (!strncmp(pe->d_name, b->d_name, blen) && pe->d_name[blen] == 'p')
				n = add_node(nodes, n, "block", pe->d_name, 0);
		if (pd)
			closedir(pd);
	}
	if (bd)
		closedir(bd);
	return n;
}

void active_uses(const char *bdf, char *why, size_t len)
{
	struct node nodes[MAX_NODES];
	char path[PATH_MAX];
	struct dirent *c;
	int n = 0, i;
	DIR *cd;

	why[0] = '\0';
	/* the controller's own node (/dev/nvme0), then what hangs below it */
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/nvme", bdf);
	cd = opendir(path);
	while (cd && (c = readdir(cd))) {
		if (strncmp(c->d_name, "nvme", 4))
			continue;
		n = add_node(nodes, n, "nvme", c->d_name, 1);
		n = ns_nodes(c->d_name, nodes, n);
	}
	if (cd)
		closedir(cd);
	for (i = 0; i < n; i++) {
		if (nodes[i].chr)
			continue;
		check_mounts(nodes[i].name, nodes[i].dev, why, len);
		check_holders(nodes[i].name, why, len);
	}
	if (n)
		check_open(nodes, n, why, len);
}
