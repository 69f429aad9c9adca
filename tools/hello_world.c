// SPDX-License-Identifier: MIT
/*
 * hello_world: the smallest complete libnvdirect program, after SPDK's.
 * Attach every controller bound to nvdirect (or the one named), write
 * "Hello world!" to LBA 0 of each namespace, read it back and compare.
 * Namespaces the library cannot do I/O on (a format with metadata) are
 * listed and skipped.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nvdirect.h>

#include "report.h"
#include "trid_arg.h"

#define PROG		"hello_world"
#define MAX_CTRLRS	64
#define IO_TIMEOUT_S	10
#define GREETING	"Hello world!\n"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [-h] [-r TRID | BDF]\n"
		"\n"
		"Attach every NVMe controller bound to nvdirect.ko (or only the one named),\n"
		"all at once, then write \"Hello world!\" to LBA 0 of each namespace, read\n"
		"it back and compare.  This overwrites LBA 0: use a scratch disk.\n"
		"Namespaces formatted with metadata are listed and skipped: nvdirect does\n"
		"not do I/O on them.\n"
		"\n"
		"  -r, --transport-id TRID  the controller as a transport ID, SPDK's form:\n"
		"                           'trtype:PCIe traddr:0000:00:03.0' (with ns:N,\n"
		"                           only that namespace), or an NVMe/TCP subsystem:\n"
		"                           'trtype:TCP traddr:ADDR trsvcid:4420 subnqn:NQN'\n"
		"  BDF                      the same as -r 'trtype:PCIe traddr:BDF'\n"
		"\n"
		"Bind a controller first (as root):\n"
		"  echo nvdirect > /sys/bus/pci/devices/BDF/driver_override\n"
		"  echo BDF > /sys/bus/pci/devices/BDF/driver/unbind   # if nvme has it\n"
		"  echo BDF > /sys/bus/pci/drivers_probe\n"
		"\n"
		"Exits 0 when every namespace it wrote read back what was written; otherwise\n"
		"prints one line saying why and exits 1, or 2 for a bad argument.\n"
		"  -h, --help   this text\n");
}

static int fail(const char *what, int err)
{
	return report_fail(PROG, what, err);
}

static void human_size(uint64_t bytes, char *out, size_t len)
{
	if (bytes >= 1000000000ull)
		snprintf(out, len, "%lluGB", (unsigned long long)(bytes / 1000000000ull));
	else if (bytes >= 1000000ull)
		snprintf(out, len, "%lluMB", (unsigned long long)(bytes / 1000000ull));
	else
		snprintf(out, len, "%lluKB", (unsigned long long)(bytes / 1000ull));
}

struct io {
	int done;
	struct nvd_cpl cpl;
};

static void io_done(void *arg, const struct nvd_cpl *cpl)
{
	struct io *io = arg;

	io->cpl = *cpl;
	io->done = 1;
}

/* Poll @qp until @io completes; 0, or a negative errno. */
static int wait_io(struct nvd_qpair *qp, struct io *io)
{
	time_t deadline = time(NULL) + IO_TIMEOUT_S;
	int rc;

	while (!io->done) {
		rc = nvd_qpair_process_completions(qp, 0);
		if (rc < 0)
			return rc;
		if (time(NULL) > deadline)
			return -ETIMEDOUT;
	}
	return 0;
}

/* Submit a one-LBA read or write of LBA 0 and wait for it. */
static int rw_lba0(struct nvd_ns *ns, struct nvd_qpair *qp, int write, void *buf,
		   const char *what)
{
	struct io io = { 0 };
	int rc;

	rc = write ? nvd_ns_write(ns, qp, buf, 0, 1, io_done, &io, 0) :
		     nvd_ns_read(ns, qp, buf, 0, 1, io_done, &io, 0);
	if (!rc)
		rc = wait_io(qp, &io);
	if (rc == -ETIMEDOUT && !io.done) {
		fprintf(stderr, PROG ": %s: no completion within %d s\n", what, IO_TIMEOUT_S);
		return 1;
	}
	if (rc)
		return fail(what, rc);
	if (nvd_cpl_is_error(&io.cpl)) {
		fprintf(stderr, PROG ": %s failed: %s\n", what, nvd_cpl_status_str(&io.cpl));
		return 1;
	}
	return 0;
}

static int hello_ns(struct nvd_ctrlr *c, struct nvd_ns *ns, struct nvd_qpair *qp,
		    const char *bdf)
{
	uint32_t lbs = nvd_ns_get_sector_size(ns);
	uint32_t nsid = nvd_ns_get_id(ns);
	char what[96];
	uint8_t *wbuf, *rbuf;
	size_t i;
	int ret = 1;

	/* DMA buffers come zeroed: the LBA is the greeting, then zeroes */
	wbuf = nvd_dma_alloc(c, lbs);
	rbuf = nvd_dma_alloc(c, lbs);
	if (!wbuf || !rbuf) {
		snprintf(what, sizeof(what), "%s: allocating %u bytes of DMA memory", bdf, lbs);
		fail(what, -errno);
		goto out;
	}
	memcpy(wbuf, GREETING, sizeof(GREETING) - 1);

	snprintf(what, sizeof(what), "%s namespace %u: write of LBA 0", bdf, nsid);
	if (rw_lba0(ns, qp, 1, wbuf, what))
		goto out;
	snprintf(what, sizeof(what), "%s namespace %u: read of LBA 0", bdf, nsid);
	if (rw_lba0(ns, qp, 0, rbuf, what))
		goto out;

	printf("%s namespace %u read back: %.*s", bdf, nsid, (int)strnlen((char *)rbuf, lbs),
	       (char *)rbuf);
	for (i = 0; i < lbs && rbuf[i] == wbuf[i]; i++)
		;
	if (i < lbs) {
		fprintf(stderr, PROG ": %s namespace %u: LBA 0 reads back different data "
			"(first difference at byte %zu)\n", bdf, nsid, i);
		goto out;
	}
	ret = 0;
out:
	/* a command that never completed may still target them: detach frees them */
	if (nvd_qpair_outstanding(qp))
		return ret;
	nvd_dma_free(c, rbuf);
	nvd_dma_free(c, wbuf);
	return ret;
}

/*
 * A namespace the library lists but does no I/O on (a format with metadata):
 * a read must be refused before anything reaches the device, with the
 * library's reason, which is what a program using it would see.
 */
static int refused_ns(struct nvd_ctrlr *c, struct nvd_ns *ns, struct nvd_qpair *qp,
		      const char *bdf)
{
	uint32_t nsid = nvd_ns_get_id(ns);
	uint32_t lbs = nvd_ns_get_sector_size(ns);
	struct io io = { 0 };
	void *buf;
	int rc;

	buf = nvd_dma_alloc(c, lbs ? lbs : 512);
	if (!buf) {
		fprintf(stderr, PROG ": %s: allocating %u bytes of DMA memory: %s\n", bdf, lbs,
			strerror(errno));
		return 1;
	}
	rc = nvd_ns_read(ns, qp, buf, 0, 1, io_done, &io, 0);
	if (rc == -EOPNOTSUPP) {
		printf("%s namespace %u skipped: read refused: %s (%s)\n", bdf, nsid,
		       nvd_strerror(rc), nvd_last_error());
		nvd_dma_free(c, buf);
		return 0;
	}
	if (!rc) {
		/* accepted after all: wait, so the buffer is free to release */
		wait_io(qp, &io);
		fprintf(stderr, PROG ": %s namespace %u: the library took a read although it "
			"reports no I/O support for the namespace\n", bdf, nsid);
	} else {
		fprintf(stderr, PROG ": %s namespace %u: read refused with %s, expected "
			"EOPNOTSUPP (%s)\n", bdf, nsid, nvd_strerror(rc), nvd_last_error());
	}
	if (!nvd_qpair_outstanding(qp))
		nvd_dma_free(c, buf);
	return 1;
}

static int attach_error(const struct nvd_trid *t, int err)
{
	char bound[MAX_CTRLRS][NVD_BDF_LEN], list[256] = "";
	char what[NVD_TRADDR_MAX_LEN + 2 * NVD_NQN_MAX_LEN + 96];
	const char *bdf = t->traddr;
	int n, i;

	if (t->trtype != NVD_TRTYPE_PCIE) {
		strcpy(what, "cannot connect to ");
		nvd_trid_format(t, what + strlen(what), sizeof(what) - strlen(what));
		return fail(what, err);
	}
	if (err != -ENOENT) {
		snprintf(what, sizeof(what), "cannot attach %s", bdf);
		return fail(what, err);
	}
	n = nvd_list_bound(bound, MAX_CTRLRS);
	for (i = 0; i < n && i < MAX_CTRLRS; i++) {
		strncat(list, " ", sizeof(list) - strlen(list) - 1);
		strncat(list, bound[i], sizeof(list) - strlen(list) - 1);
	}
	fprintf(stderr, PROG ": %s is not bound to nvdirect (bound:%s)\n", bdf,
		n > 0 ? list : " none");
	return 1;
}

/* Attach @t and list its namespaces, as SPDK's hello_world does at probe. */
static int attach_ctrlr(const struct nvd_trid *t, struct nvd_ctrlr **out)
{
	const struct nvd_ctrlr_info *info;
	struct nvd_ctrlr *c;
	struct nvd_ns *ns;
	char size[32];
	uint32_t nsid;
	int rc;

	rc = nvd_ctrlr_connect(t, NULL, &c);
	if (rc)
		return attach_error(t, rc);
	info = nvd_ctrlr_get_info(c);
	printf("Attached to %s\n", info->bdf);
	printf("  Controller: %s (serial %s, firmware %s)\n", info->mn, info->sn, info->fr);
	for (nsid = nvd_ctrlr_first_ns(c); nsid; nsid = nvd_ctrlr_next_ns(c, nsid)) {
		ns = nvd_ctrlr_get_ns(c, nsid);
		human_size(nvd_ns_get_size(ns), size, sizeof(size));
		printf("  Namespace ID: %u size: %s (%llu bytes, %u-byte LBAs", nsid, size,
		       (unsigned long long)nvd_ns_get_size(ns), nvd_ns_get_sector_size(ns));
		if (nvd_ns_is_io_supported(ns))
			printf(")\n");
		else if (nvd_ns_get_md_size(ns))
			printf(", %u bytes of metadata per LBA: not supported by nvdirect, skipped)\n",
			       nvd_ns_get_md_size(ns));
		else
			printf(": no reads or writes through nvdirect, skipped)\n");
	}
	*out = c;
	return 0;
}

/* Write and read back LBA 0 of every namespace of @c that takes I/O (or of @only). */
static int hello_ctrlr(struct nvd_ctrlr *c, uint32_t only)
{
	const struct nvd_ctrlr_info *info = nvd_ctrlr_get_info(c);
	struct nvd_qpair *qp;
	struct nvd_ns *ns;
	char what[64];
	uint32_t nsid;
	int rc, ret = 0;

	rc = nvd_ctrlr_alloc_io_qpair(c, 0, &qp);
	if (rc) {
		snprintf(what, sizeof(what), "%s: cannot create an I/O queue pair", info->bdf);
		return fail(what, rc);
	}
	if (only && !nvd_ctrlr_get_ns(c, only)) {
		fprintf(stderr, PROG ": %s has no active namespace %u\n", info->bdf, only);
		ret = 1;
	}
	for (nsid = nvd_ctrlr_first_ns(c); nsid && !ret; nsid = nvd_ctrlr_next_ns(c, nsid)) {
		if (only && nsid != only)
			continue;
		ns = nvd_ctrlr_get_ns(c, nsid);
		if (nvd_ns_is_io_supported(ns))
			ret = hello_ns(c, ns, qp, info->bdf);
		else
			ret = refused_ns(c, ns, qp, info->bdf);
	}
	rc = nvd_ctrlr_free_io_qpair(qp);
	if (rc && !ret) {
		snprintf(what, sizeof(what), "%s: freeing the I/O queue pair", info->bdf);
		ret = fail(what, rc);
	}
	return ret;
}

/*
 * Attach every controller first, then do the I/O: one process drives all of
 * them at once, each with its own BAR, queues and DMA memory.
 */
static int hello_all(const struct nvd_trid *trids, int n)
{
	struct nvd_ctrlr *c[MAX_CTRLRS];
	int i, attached, ret = 0;

	for (attached = 0; attached < n && attached < MAX_CTRLRS; attached++) {
		ret = attach_ctrlr(&trids[attached], &c[attached]);
		if (ret)
			break;
	}
	if (!ret)
		printf("Initialization complete.\n");
	for (i = 0; i < attached && !ret; i++)
		ret = hello_ctrlr(c[i], trids[i].nsid);
	while (attached--)
		nvd_ctrlr_detach(c[attached]);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "transport-id", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct nvd_trid trids[MAX_CTRLRS];
	char bdfs[MAX_CTRLRS][NVD_BDF_LEN], why[400];
	const char *r = NULL;
	int opt, n, i;

	opterr = 0;	/* one line of our own below */
	while ((opt = getopt_long(argc, argv, "r:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (r) {
				fprintf(stderr, PROG ": -r given twice: name one controller\n");
				return 2;
			}
			r = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			if (optopt == 'r')
				fprintf(stderr, PROG ": -r needs a transport ID like " TRID_EXAMPLE "\n");
			else
				fprintf(stderr, PROG ": unknown option '%s' (see " PROG " --help)\n",
					argv[optind - 1]);
			return 2;
		}
	}
	if (argc - optind > 1 || (r && argc - optind)) {
		fprintf(stderr, PROG ": expected at most one controller (-r TRID or a BDF), got %d "
			"(see " PROG " --help)\n", argc - optind + !!r);
		return 2;
	}
	if (r) {
		if (trid_arg(r, &trids[0], why, sizeof(why))) {
			fprintf(stderr, PROG ": -r '%s': %s; expected a transport ID like "
				TRID_EXAMPLE "\n", r, why);
			return 2;
		}
		return hello_all(trids, 1);
	}
	if (argc - optind == 1) {
		if (trid_from_bdf(argv[optind], &trids[0])) {
			fprintf(stderr, PROG ": '%s' is not a PCI address like 0000:00:03.0\n",
				argv[optind]);
			return 2;
		}
		return hello_all(trids, 1);
	}

	n = nvd_list_bound(bdfs, MAX_CTRLRS);
	if (n < 0)
		return fail("cannot list controllers bound to nvdirect", n);
	if (n == 0) {
		fprintf(stderr, PROG ": no controller is bound to nvdirect (bind one with: "
			"echo nvdirect > /sys/bus/pci/devices/BDF/driver_override; "
			"echo BDF > /sys/bus/pci/drivers_probe; see " PROG " --help)\n");
		return 1;
	}
	for (i = 0; i < n && i < MAX_CTRLRS; i++)
		if (trid_from_bdf(bdfs[i], &trids[i]))
			return fail(bdfs[i], -EINVAL);
	return hello_all(trids, i);
}
