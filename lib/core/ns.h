/* SPDX-License-Identifier: MIT */
/*
 * The namespace behind struct nvd_ns * and the checks every I/O call makes
 * (ns.c).
 */
#ifndef NVD_CORE_NS_H
#define NVD_CORE_NS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nvdirect.h>
#include <nvdirect/nvme_spec.h>

/* NLB is a 16-bit 0-based field. */
#define NVD_MAX_NLB		65536u

struct nvd_ctrlr;
struct nvd_qpair;

struct nvd_ns {
	struct nvd_ctrlr *ctrlr;
	uint32_t nsid;
	uint32_t sector_size;
	uint32_t sector_shift;		/* log2(sector_size) */
	uint64_t num_sectors;
	uint32_t md_size;		/* metadata bytes per LBA of the active format */
	uint32_t max_io_sectors;
	uint32_t io_max_sectors;	/* max_io_sectors, or 0 when I/O is not supported */
	bool io_supported;
	struct nvd_id_ns id;
};

void nvd__ns_construct(struct nvd_ns *ns, struct nvd_ctrlr *c, uint32_t nsid,
		  const struct nvd_id_ns *id);
#define NVD_IO_FLAGS	(NVD_IO_FLAG_FUA | NVD_IO_FLAG_LIMITED_RETRY)
/* Words for why @ns cannot do I/O (io_supported == 0): format, metadata or MDTS. */
void nvd__ns_refuse_detail(const struct nvd_ns *ns, const char *what);
/* @ns and @q fit together, work, and @ns can do I/O: 0 or -errno with words. */
int nvd__ns_check_qp(struct nvd_ns *ns, struct nvd_qpair *q, const char *what);
/*
 * Arguments of an I/O command on @ns through @q: 0, or a negative errno
 * with words naming the value and the limit (@what names the command).
 */
int nvd__ns_check_io(struct nvd_ns *ns, struct nvd_qpair *q, const char *what, uint64_t lba,
		uint64_t count, uint32_t flags, uint32_t known_flags);
/* @len bytes at @buf are DMA or registered memory, dword aligned. */
int nvd__ns_check_buf(struct nvd_qpair *q, const void *buf, size_t len);

#endif /* NVD_CORE_NS_H */
