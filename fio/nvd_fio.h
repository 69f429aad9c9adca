/* SPDX-License-Identifier: MIT */
/*
 * The nvdirect fio engine's own pieces, free of fio's headers: the filename
 * syntax (SPDK's fio plugin's) and the controller attach shared by every
 * job thread of the fio process.
 */
#ifndef NVD_FIO_H
#define NVD_FIO_H

#include <stddef.h>
#include <stdint.h>

#include "nvdirect.h"
#include "nvdirect/trid.h"

/*
 * What --filename takes; dots stand for the colons fio reserves in a PCI
 * address, '\:' (fio's escape) keeps the colons of an NQN.
 */
#define NVD_FIO_FILENAME_SYNTAX \
	"'trtype=PCIe traddr=DDDD.BB.DD.F ns=N' or 'trtype=TCP adrfam=IPv4 traddr=ADDR trsvcid=PORT subnqn=NQN ns=N'"

/* Room for a controller's words: "nqn... at 127.0.0.1:4420" */
#define NVD_FIO_NAME_LEN	(NVD_NQN_MAX_LEN + NVD_TRADDR_MAX_LEN + NVD_TRSVCID_MAX_LEN + 8)

struct nvd_fio_target {
	struct nvd_trid trid;	/* the controller (trid.nsid 0) */
	char name[NVD_FIO_NAME_LEN];	/* for words: "0000:00:03.0", "NQN at ADDR:PORT" */
	uint32_t nsid;		/* 1 when the filename names none */
};

/*
 * Parse "trtype=PCIe traddr=0000.00.03.0 ns=1" or "trtype=TCP adrfam=IPv4
 * traddr=127.0.0.1 trsvcid=4420 subnqn=NQN ns=1" (keys in any order,
 * separated by blanks; a PCIe traddr also with colons; ns optional).
 * Returns 0, or -EINVAL with @why (@whylen bytes) saying which part is
 * wrong.
 */
int nvd_fio_parse_filename(const char *name, struct nvd_fio_target *t, char *why, size_t whylen);

/* One attached controller, shared by the job threads that use it. */
struct nvd_fio_ctrlr;

/*
 * Controller flags the engine options choose (NVD_CTRLR_*): a controller
 * is attached once per process, so every job using it must agree.
 */
#define NVD_FIO_CTRLR_FLAGS (NVD_CTRLR_DELAY_CMD_SUBMIT | NVD_CTRLR_NO_SHADOW_DOORBELLS | \
			     NVD_CTRLR_TCP_HEADER_DIGEST | NVD_CTRLR_TCP_DATA_DIGEST)

/*
 * Attach (PCIe) or connect to (NVMe/TCP) @t's controller with @flags, or
 * take another reference on the attach an earlier job made of the same
 * transport ID.  Returns NULL with a line of words in @why when the
 * controller cannot be reached or was attached with other flags.  Takes a
 * mutex: call it from setup and init, never from the I/O path.
 */
struct nvd_fio_ctrlr *nvd_fio_ctrlr_get(const struct nvd_fio_target *t, uint32_t flags, char *why,
					size_t whylen);
/* Drop a reference; the last one detaches the controller. */
void nvd_fio_ctrlr_put(struct nvd_fio_ctrlr *c);
struct nvd_ctrlr *nvd_fio_ctrlr_handle(const struct nvd_fio_ctrlr *c);
/* The controller's words: its BDF, or "NQN at ADDR:PORT". */
const char *nvd_fio_ctrlr_bdf(const struct nvd_fio_ctrlr *c);

#endif /* NVD_FIO_H */
