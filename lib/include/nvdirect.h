/* SPDX-License-Identifier: MIT */
/*
 * libnvdirect public API.  Everything an application needs is here; the
 * Identify data layouts are in <nvdirect/nvme_spec.h>, the version macros in
 * <nvdirect/version.h>, the kernel ABI in <nvdirect/uapi.h>; nothing else
 * under lib/ is installed.  All calls that can fail return 0 or a negative
 * errno; nvd_strerror() turns that into words.  Link with
 * `pkg-config --libs libnvdirect` or CMake's nvdirect::nvdirect.
 *
 * Threading: a controller's admin calls are serialised by the library; an
 * I/O queue pair belongs to one thread at a time and its submit and
 * completion paths take no locks.
 */
#ifndef NVDIRECT_H
#define NVDIRECT_H

#include <stddef.h>
#include <stdint.h>

#include <nvdirect/version.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Layout checks that read the same in C11 and C++11. */
#ifdef __cplusplus
#define NVD_STATIC_ASSERT(expr, msg)	static_assert(expr, msg)
#else
#define NVD_STATIC_ASSERT(expr, msg)	_Static_assert(expr, msg)
#endif

struct nvd_ctrlr;
struct nvd_ns;
struct nvd_qpair;

/*
 * The version of the library the program runs with, "0.1.0"; compare with
 * NVD_VERSION_STRING, the headers it was compiled with (<nvdirect/version.h>).
 */
const char *nvd_version(void);

/* "0000:00:03.0" plus NUL */
#define NVD_BDF_LEN 16

/* Completion queue entry as the device wrote it (NVMe Base 2.0, Fig. 90). */
struct nvd_cpl {
	uint32_t cdw0;
	uint32_t rsvd;
	uint16_t sqhd;
	uint16_t sqid;
	uint16_t cid;
	uint16_t status;	/* bit 0 phase, 1-8 SC, 9-11 SCT, 12-13 CRD, 14 M, 15 DNR */
};

static inline unsigned nvd_cpl_sc(const struct nvd_cpl *c) { return (c->status >> 1) & 0xff; }
static inline unsigned nvd_cpl_sct(const struct nvd_cpl *c) { return (c->status >> 9) & 0x7; }
static inline int nvd_cpl_is_error(const struct nvd_cpl *c) { return (c->status & 0xfffe) != 0; }

/* "LBA Out of Range (sct 0x0 sc 0x80)"; never NULL. */
const char *nvd_status_str(unsigned sct, unsigned sc);
const char *nvd_cpl_status_str(const struct nvd_cpl *c);
/* Words for a negative errno returned by this library; never NULL. */
const char *nvd_strerror(int err);
/*
 * What exactly the calling thread's last failed call ran into, e.g.
 * "timed out after 2000 ms waiting for CSTS.RDY=1 (enable)", or "" when the
 * failure has nothing to add to nvd_strerror().  Valid until the thread's
 * next library call.
 */
const char *nvd_last_error(void);

typedef void (*nvd_cmd_cb)(void *cb_arg, const struct nvd_cpl *cpl);

/* Options; opts_size lets the struct grow without breaking callers. */
struct nvd_ctrlr_opts {
	size_t opts_size;		/* sizeof(struct nvd_ctrlr_opts) */
	uint32_t admin_queue_size;	/* entries, default 32 */
	uint32_t num_io_queues;		/* requested from Set Features, default 4 */
	/*
	 * Entries of an I/O queue asked for with qsize 0.  Default 0: the
	 * controller's maximum (CAP.MQES+1) bounded by the largest DMA region
	 * and by 2 MiB of DMA memory per queue pair (rings, PRP-list pages):
	 * nvd_ctrlr_info.io_queue_size says what that came to.
	 */
	uint32_t io_queue_size;
	uint32_t flags;			/* NVD_CTRLR_* below, default 0 */
	/*
	 * Times an I/O that failed with a retryable status and DNR=0 is
	 * submitted again before its callback sees the status; default 4.
	 * Retryable: Command Interrupted, Transient Transport Error,
	 * Namespace Not Ready (generic) and Internal Path Error (path).
	 * PCIe and NVMe/TCP alike (over TCP: sent again under its CID).
	 */
	uint32_t retry_count;
	/*
	 * NVMe/TCP: the Keep Alive Timeout asked for in the admin Connect
	 * (NVMe-oF 1.1 §3.3); default 0: 10000 ms.  The library sends Keep
	 * Alive at half of it from nvd_ctrlr_process_admin_completions() and
	 * from polls of the controller's I/O queue pairs: an application that
	 * does neither for longer loses the controller to the target.
	 */
	uint32_t keep_alive_timeout_ms;
};
/*
 * Submissions on I/O queues write the SQ tail doorbell only at the next
 * nvd_qpair_process_completions() (or nvd_qpair_flush()): one doorbell per
 * batch instead of one per command, like SPDK's delay_cmd_submit.
 */
#define NVD_CTRLR_DELAY_CMD_SUBMIT	(1u << 0)
/*
 * Do not use shadow doorbells even when the controller offers them
 * (Doorbell Buffer Config, OACS bit 8).  The environment variable
 * NVDIRECT_NO_SHADOW_DOORBELLS=1 does the same for any program.
 */
#define NVD_CTRLR_NO_SHADOW_DOORBELLS	(1u << 1)
/*
 * Describe data with PRPs only, even when the controller supports SGLs
 * (Identify Controller SGLS).  Otherwise transfers that would need a PRP
 * list, and vectored I/O that PRPs cannot describe, use SGLs.  The
 * environment variable NVDIRECT_FORCE_PRP=1 does the same for any program.
 */
#define NVD_CTRLR_FORCE_PRP		(1u << 2)
/*
 * NVMe/TCP: ask for header digests (CRC32C over each PDU header) and data
 * digests (CRC32C over each PDU's data) in the ICReq of the admin
 * connection and of every I/O connection (NVMe/TCP Transport 1.0 §3.6.2.2,
 * HDGST_ENABLE and DDGST_ENABLE).  The target may enable fewer than were
 * asked for, as the specification allows: nvd_ctrlr_info.tcp_header_digest
 * and tcp_data_digest say what the admin connection got.  Attaching a
 * PCIe controller with them fails (-EINVAL): there is no PDU to digest.
 */
#define NVD_CTRLR_TCP_HEADER_DIGEST	(1u << 3)
#define NVD_CTRLR_TCP_DATA_DIGEST	(1u << 4)
void nvd_ctrlr_opts_init(struct nvd_ctrlr_opts *opts);

/*
 * Fill up to @max BDFs of functions bound to nvdirect.ko, sorted.
 * Returns how many are bound (may exceed @max) or a negative errno.
 */
int nvd_list_bound(char (*bdfs)[NVD_BDF_LEN], int max);

/*
 * Attach and initialise the controller at @bdf ("0000:00:03.0"): the
 * blocking form of nvd_ctrlr_attach_async() + nvd_ctrlr_attach_poll().
 */
int nvd_ctrlr_attach(const char *bdf, const struct nvd_ctrlr_opts *opts,
		     struct nvd_ctrlr **ctrlr);

/*
 * Attach the controller a transport ID names (<nvdirect/trid.h>,
 * nvd_trid_parse()): trtype:PCIe is nvd_ctrlr_attach() of its traddr;
 * trtype:TCP connects the admin queue to traddr:trsvcid and subnqn
 * (NVMe/TCP, no kernel module needed) and then initialises the
 * controller as nvd_ctrlr_attach() does; each I/O queue pair opens its own
 * connection.
 */
struct nvd_trid;
int nvd_ctrlr_connect(const struct nvd_trid *trid, const struct nvd_ctrlr_opts *opts,
		      struct nvd_ctrlr **ctrlr);

/*
 * Non-blocking attach: initialisation (Base 2.0 §3.5.1) as a state machine
 * the caller drives, so one thread can bring up several controllers at
 * once.  nvd_ctrlr_attach_async() opens the function and returns a context
 * (or a negative errno, nothing left behind); nvd_ctrlr_attach_poll()
 * advances it as far as it can without waiting and returns
 *   -EAGAIN  still in progress: call again (e.g. after a millisecond),
 *   0        done: *@ctrlr is attached, @ctx is freed,
 *   <0       failed: @ctx is freed, everything undone, and nvd_last_error()
 *            names the state, e.g. "timed out after 2000 ms in state
 *            'wait for CSTS.RDY=1 (enable)'".
 * States: disable, wait for CSTS.RDY=0, enable, wait for CSTS.RDY=1,
 * identify controller, set number of queues, doorbell buffer config,
 * identify active namespace list, identify namespace (each), configure
 * asynchronous events.  Ready waits are bounded by CAP.TO, each admin
 * command by the admin timeout (10 s).  Unwinding after a failure may
 * wait (up to CAP.TO) for the controller to disable.
 * nvd_ctrlr_attach_cancel() gives up on a context that has not finished.
 */
struct nvd_attach_ctx;
int nvd_ctrlr_attach_async(const char *bdf, const struct nvd_ctrlr_opts *opts,
			   struct nvd_attach_ctx **ctx);
int nvd_ctrlr_attach_poll(struct nvd_attach_ctx *ctx, struct nvd_ctrlr **ctrlr);
void nvd_ctrlr_attach_cancel(struct nvd_attach_ctx *ctx);
/* Delete I/O queues, shut down (CC.SHN), unmap and close.  Never fails. */
void nvd_ctrlr_detach(struct nvd_ctrlr *ctrlr);

/*
 * Controller reset (Base 2.0 §3.7.2): CC.EN = 0, wait for CSTS.RDY = 0,
 * enable again with the same admin queue, send Number of Queues and
 * Doorbell Buffer Config again, re-create every I/O queue pair on the
 * device in the same memory and re-arm the asynchronous event requests.
 *
 * No command is lost: whatever the controller completed before the reset
 * is reaped as usual, and every other command outstanding comes back
 * aborted: while the controller still answers, the library first deletes
 * the I/O queues, and the controller completes their commands (done, or
 * Command Aborted due to SQ Deletion: sct 0, sc 08h) or drops them
 * silently, as Base 2.0 §5.6 allows; every command left after that (and
 * on the admin queue) completes with Command Abort Requested (sct 0,
 * sc 07h, DNR set).  These callbacks run from inside this call.  A
 * callback may submit again: the command waits in the queue pair's FIFO
 * and goes to the re-created queue before this call returns, never to a
 * queue being deleted, and is never lost.  Requests that were waiting in
 * the FIFO before the reset (the SQ was full) never reached the device:
 * they are sent then too, not aborted.  No command is retried during a
 * reset.  Writes
 * that came back aborted may or may not have reached the media; reads that
 * came back aborted left their buffers free to reuse (the controller no
 * longer touches them).
 *
 * The qpair and namespace handles stay valid and usable afterwards.
 *
 * Threading: the caller must make sure no other thread uses any of the
 * controller's I/O queue pairs (submits, reaps, allocates or frees one)
 * during the call; other admin calls from other threads wait for the
 * reset (it holds the admin lock).
 *
 * Returns 0, or a negative errno (-ETIMEDOUT, -EIO: the controller did
 * not come back; -ENXIO: it is gone).  A failed reset leaves the
 * controller failed: every later call returns -ENXIO and nvd_last_error()
 * repeats why.  Only nvd_ctrlr_detach() remains to do.
 */
int nvd_ctrlr_reset(struct nvd_ctrlr *ctrlr);

/*
 * Abort (Base 2.0 §5.1): ask the controller to abort command @cid on
 * @qpair (NULL: the admin queue).  Best effort; returns
 *   0  the controller says it aborted the command: its callback runs (on
 *      the next reaping of @qpair) with Command Abort Requested,
 *   NVD_ABORT_NOT_ABORTED (1)  completion dword 0 bit 0 set: the command
 *      was not aborted (it may complete normally or already has),
 *   -EINVAL no such command outstanding (checked on @qpair's own thread),
 *   -EIO the Abort itself failed (e.g. Abort Command Limit Exceeded),
 *   -ETIMEDOUT, -ENXIO.
 * For an I/O queue pair call it from the thread that owns the qpair.
 */
#define NVD_ABORT_NOT_ABORTED	1
int nvd_ctrlr_cmd_abort(struct nvd_ctrlr *ctrlr, struct nvd_qpair *qpair, uint16_t cid);
/*
 * The CID of the command most recently placed on @qpair's submission queue
 * (for a request split into several commands: its last), to pass to
 * nvd_ctrlr_cmd_abort(); -EINVAL when nothing is outstanding on @qpair.
 */
int nvd_qpair_last_cid(const struct nvd_qpair *qpair);

/*
 * Asynchronous events (Base 2.0 §5.2).  From attach on, the library keeps
 * min(AERL + 1, 4) Asynchronous Event Request commands outstanding (fewer
 * on a tiny admin queue) and enables every event the controller offers
 * (Set Features Asynchronous Event Configuration).  Each event that
 * completes is kept and handed to the callback from
 * nvd_ctrlr_process_admin_completions(), then its AER is re-armed.
 *
 * The controller masks further events of the same type until the host
 * reads the log page the event names (nvd_aer_log_page()); the library
 * does not read it: the application does, with nvd_ctrlr_get_log_page(),
 * after nvd_ctrlr_process_admin_completions() returned (not from inside
 * the callback).
 */
typedef void (*nvd_aer_cb)(void *cb_arg, const struct nvd_cpl *cpl);
/* Completion dword 0 of an AER (Base 2.0 Figure 146). */
#define NVD_AER_TYPE_ERROR	0x0
#define NVD_AER_TYPE_SMART	0x1
#define NVD_AER_TYPE_NOTICE	0x2
#define NVD_AER_TYPE_IO_CMD_SET	0x6
#define NVD_AER_TYPE_VENDOR	0x7
static inline unsigned nvd_aer_type(const struct nvd_cpl *c) { return c->cdw0 & 0x7; }
static inline unsigned nvd_aer_info(const struct nvd_cpl *c) { return (c->cdw0 >> 8) & 0xff; }
static inline unsigned nvd_aer_log_page(const struct nvd_cpl *c) { return (c->cdw0 >> 16) & 0xff; }
/* Replace the callback (NULL: events are dropped).  0 or -EINVAL. */
int nvd_ctrlr_register_aer_callback(struct nvd_ctrlr *ctrlr, nvd_aer_cb cb, void *cb_arg);
/*
 * Reap the admin queue (under the admin lock) and deliver pending
 * asynchronous events to the callback, on the calling thread.  Returns the
 * number of events delivered or a negative errno (-ENXIO gone or failed).
 */
int nvd_ctrlr_process_admin_completions(struct nvd_ctrlr *ctrlr);

/* Decoded Identify Controller fields (NVMe Base 2.0, Fig. 275). */
struct nvd_ctrlr_info {
	char bdf[NVD_BDF_LEN];
	uint16_t vid;
	uint16_t ssvid;
	char sn[21];
	char mn[41];
	char fr[9];
	uint32_t ver;		/* VS register */
	uint32_t nn;		/* number of namespaces */
	uint32_t max_xfer_bytes;/* from MDTS and CAP.MPSMIN; 0 = no limit reported */
	uint16_t mqes;		/* max queue entries supported, 1-based */
	uint16_t num_io_queues;	/* I/O queue pairs granted by the controller */
	uint8_t mdts;
	uint8_t dstrd;
	uint8_t iommu;		/* 1 when bus addresses go through an IOMMU */
	uint8_t shadow_doorbells;/* 1 when I/O queues use shadow doorbells */
	uint16_t pci_vendor;	/* PCI vendor and device IDs (0 if unknown) */
	uint16_t pci_device;
	uint32_t quirks;	/* library workarounds applied (internal bit numbers) */
	uint32_t max_io_queue_size; /* largest I/O queue: mqes, bounded by one DMA region */
	uint32_t io_queue_size;	/* entries an I/O queue gets with qsize 0 */
	/* NVMe/TCP: 1 when the connections carry header / data digests (ICResp DGST) */
	uint8_t tcp_header_digest;
	uint8_t tcp_data_digest;
};
const struct nvd_ctrlr_info *nvd_ctrlr_get_info(const struct nvd_ctrlr *ctrlr);
/* The 4096-byte Identify Controller data structure, as returned. */
const void *nvd_ctrlr_identify_data(const struct nvd_ctrlr *ctrlr);
/* Character device the controller was opened through ("/dev/nvdirect0"). */
const char *nvd_ctrlr_get_devpath(const struct nvd_ctrlr *ctrlr);
/* 1 once the controller was found gone (hot removal); every call then fails. */
int nvd_ctrlr_is_failed(const struct nvd_ctrlr *ctrlr);

/* Active namespaces: first/next return 0 when there are no more. */
uint32_t nvd_ctrlr_first_ns(const struct nvd_ctrlr *ctrlr);
uint32_t nvd_ctrlr_next_ns(const struct nvd_ctrlr *ctrlr, uint32_t prev_nsid);
struct nvd_ns *nvd_ctrlr_get_ns(struct nvd_ctrlr *ctrlr, uint32_t nsid);

uint32_t nvd_ns_get_id(const struct nvd_ns *ns);
uint32_t nvd_ns_get_sector_size(const struct nvd_ns *ns);	/* bytes per LBA */
uint64_t nvd_ns_get_num_sectors(const struct nvd_ns *ns);
uint64_t nvd_ns_get_size(const struct nvd_ns *ns);		/* bytes */
/*
 * Largest count of LBAs one read/write command carries on this namespace;
 * nvd_ns_read/nvd_ns_write split larger transfers into such pieces.
 */
uint32_t nvd_ns_get_max_io_sectors(const struct nvd_ns *ns);
/* Metadata bytes per LBA of the active format (0 = none). */
uint32_t nvd_ns_get_md_size(const struct nvd_ns *ns);
/* 1 when nvd_ns_read/write work here (no metadata, valid format), else 0. */
int nvd_ns_is_io_supported(const struct nvd_ns *ns);
/* The 4096-byte Identify Namespace data structure, as returned. */
const void *nvd_ns_identify_data(const struct nvd_ns *ns);

/*
 * Pinned DMA memory reachable by @ctrlr's device, page aligned, zeroed.
 * Buffers passed to nvd_ns_read/nvd_ns_write come from here or from
 * registered memory (nvd_mem_register).
 */
void *nvd_dma_alloc(struct nvd_ctrlr *ctrlr, size_t size);
void nvd_dma_free(struct nvd_ctrlr *ctrlr, void *buf);

/*
 * Zero copy from the application's own memory: pin the pages holding
 * [buf, buf + len) (any alignment; e.g. from malloc or mmap) and map them
 * for @ctrlr's device.  Afterwards nvd_ns_read/nvd_ns_write accept buffers
 * inside [buf, buf + len).  The pages count against RLIMIT_MEMLOCK
 * (ulimit -l) unless the process has CAP_IPC_LOCK.
 * Returns 0 or: -EINVAL (len 0, @buf already registered, overlaps
 * nvd_dma_alloc memory), -ENOMEM (past RLIMIT_MEMLOCK or the module's
 * per-open limit, or out of memory; nvd_last_error() says which), -EFAULT
 * (not writable memory that can be pinned), -EOPNOTSUPP (the module or the
 * platform cannot do it), -ENXIO (controller gone).
 */
int nvd_mem_register(struct nvd_ctrlr *ctrlr, void *buf, size_t len);
/*
 * Unpin memory registered at @buf; the memory itself stays the caller's.
 * No command may still be using it.  -EINVAL if @buf is not registered.
 * Unregistered memory is refused by nvd_ns_read/nvd_ns_write (-EINVAL).
 * nvd_ctrlr_detach() unregisters whatever is left.
 */
int nvd_mem_unregister(struct nvd_ctrlr *ctrlr, void *buf);

/* I/O queue pairs; @qsize 0 takes the controller's default. */
int nvd_ctrlr_alloc_io_qpair(struct nvd_ctrlr *ctrlr, uint32_t qsize,
			     struct nvd_qpair **qpair);
int nvd_ctrlr_free_io_qpair(struct nvd_qpair *qpair);

/* @flags for nvd_ns_read/nvd_ns_write (CDW12 bits of the NVM command set) */
#define NVD_IO_FLAG_FUA			(1u << 30)	/* force unit access */
#define NVD_IO_FLAG_LIMITED_RETRY	(1u << 31)

/*
 * Queue a read/write of @count LBAs at @lba.  @buf must be DMA memory from
 * nvd_dma_alloc or inside memory registered with nvd_mem_register.  Returns 0 once queued (@cb runs later from
 * nvd_qpair_process_completions), or a negative errno and nothing is sent:
 * -EINVAL bad argument (count 0, past the namespace, above the transfer
 * limit, buf not DMA or registered memory, unknown flags), -EOPNOTSUPP namespace with
 * metadata, -ENOMEM the queue pair's request pool (io_requests) is used
 * up, -ENXIO controller gone.
 *
 * When the submission queue is full the I/O waits inside the library and
 * is sent, in order, as completions free slots.  A transfer above the
 * controller's limit (nvd_ns_get_max_io_sectors) is split into pieces that
 * take one request each plus one for the whole; @cb runs once, when all
 * are done, with the first failed piece's completion if any failed.
 */
int nvd_ns_read(struct nvd_ns *ns, struct nvd_qpair *qpair, void *buf,
		uint64_t lba, uint32_t count, nvd_cmd_cb cb, void *cb_arg,
		uint32_t flags);
int nvd_ns_write(struct nvd_ns *ns, struct nvd_qpair *qpair, void *buf,
		 uint64_t lba, uint32_t count, nvd_cmd_cb cb, void *cb_arg,
		 uint32_t flags);

/* ---- More NVM commands (NVM Command Set 1.0, §3) -------------------
 * Same rules as nvd_ns_read: 0 once queued, else a negative errno and
 * nothing is sent; -EOPNOTSUPP when the controller does not support the
 * command (Identify Controller ONCS) or the namespace has metadata.
 */

/* Write Zeroes (§3.2.8): @count LBAs from @lba; split above 65536 LBAs. */
int nvd_ns_write_zeroes(struct nvd_ns *ns, struct nvd_qpair *qpair, uint64_t lba,
			uint64_t count, nvd_cmd_cb cb, void *cb_arg, uint32_t flags);

/* Dataset Management range (NVM Command Set 1.0 §3.2.3, Figure 39) */
struct nvd_dsm_range {
	uint32_t attributes;		/* context attributes */
	uint32_t length;		/* LBAs */
	uint64_t lba;			/* starting LBA */
};
NVD_STATIC_ASSERT(sizeof(struct nvd_dsm_range) == 16, "DSM range is 16 bytes");
#define NVD_DSM_MAX_RANGES	256
/* DSM attributes (CDW11) */
#define NVD_DSM_ATTR_IDR	(1u << 0)	/* integral dataset for read */
#define NVD_DSM_ATTR_IDW	(1u << 1)	/* integral dataset for write */
#define NVD_DSM_ATTR_AD		(1u << 2)	/* deallocate */
/*
 * Dataset Management (§3.2.3) with @nr (1..256) ranges in ordinary memory
 * (copied before the call returns); @attrs from NVD_DSM_ATTR_*.
 * -ENOMEM also when all of the queue pair's 16 range pages are in use.
 * Over NVMe/TCP the ranges travel as the command's data (no range pages;
 * -EAGAIN, as for reads and writes, when every command slot is in flight).
 */
int nvd_ns_dsm(struct nvd_ns *ns, struct nvd_qpair *qpair, const struct nvd_dsm_range *ranges,
	       uint16_t nr, uint32_t attrs, nvd_cmd_cb cb, void *cb_arg);
/* nvd_ns_dsm with the Deallocate attribute ("trim"). */
int nvd_ns_deallocate(struct nvd_ns *ns, struct nvd_qpair *qpair,
		      const struct nvd_dsm_range *ranges, uint16_t nr, nvd_cmd_cb cb, void *cb_arg);
/* Flush (§3.2.2): the volatile write cache to media. */
int nvd_ns_flush(struct nvd_ns *ns, struct nvd_qpair *qpair, nvd_cmd_cb cb, void *cb_arg);
/*
 * Compare (§3.2.1) @count LBAs at @lba with @buf (DMA or registered
 * memory).  A mismatch completes with Compare Failure (sct 0x2 sc 0x85).
 */
int nvd_ns_compare(struct nvd_ns *ns, struct nvd_qpair *qpair, void *buf, uint64_t lba,
		   uint32_t count, nvd_cmd_cb cb, void *cb_arg, uint32_t flags);

/* Raw I/O command: the library fills CID and the data pointer. */
struct nvd_io_cmd {
	uint8_t opc;
	uint8_t rsvd[3];
	uint32_t nsid;
	uint32_t cdw2;
	uint32_t cdw3;
	uint32_t cdw10;
	uint32_t cdw11;
	uint32_t cdw12;
	uint32_t cdw13;
	uint32_t cdw14;
	uint32_t cdw15;
};
/*
 * Send @cmd on I/O queue pair @qpair with @len bytes at @buf (DMA or
 * registered memory; NULL/0 for none).  -EINVAL when @len exceeds the
 * controller's transfer limit: nothing is split or sent.
 */
int nvd_ctrlr_cmd_io_raw(struct nvd_ctrlr *ctrlr, struct nvd_qpair *qpair,
			 struct nvd_io_cmd *cmd, void *buf, uint32_t len, nvd_cmd_cb cb,
			 void *cb_arg);

/*
 * Vectored I/O, the list walked through callbacks with @cb_arg: reset_sgl
 * moves to byte @offset of the list, next_sge gives the next element's
 * address and length (returns 0, or not 0 to fail).  Elements must be DMA
 * or registered memory.  PRPs describe the list when every element but
 * the first starts page aligned and every element but the last ends page
 * aligned; otherwise an SGL does when the controller supports SGLs (and
 * NVD_CTRLR_FORCE_PRP is not set), else -EINVAL.  Transfers above the
 * transfer limit are split as for nvd_ns_read.
 */
typedef void (*nvd_req_reset_sgl_cb)(void *cb_arg, uint32_t offset);
typedef int (*nvd_req_next_sge_cb)(void *cb_arg, void **address, uint32_t *length);
int nvd_ns_readv(struct nvd_ns *ns, struct nvd_qpair *qpair, uint64_t lba, uint32_t count,
		 nvd_cmd_cb cb, void *cb_arg, uint32_t flags, nvd_req_reset_sgl_cb reset_sgl,
		 nvd_req_next_sge_cb next_sge);
int nvd_ns_writev(struct nvd_ns *ns, struct nvd_qpair *qpair, uint64_t lba, uint32_t count,
		  nvd_cmd_cb cb, void *cb_arg, uint32_t flags, nvd_req_reset_sgl_cb reset_sgl,
		  nvd_req_next_sge_cb next_sge);

/*
 * Software error injection, for tests: the next @err_count commands with
 * opcode @opc (0: any) on I/O queue pair @qpair complete with
 * status @sct/@sc (DNR=0, so retryable ones are retried) instead of the
 * device's.  @do_not_submit 1: they are not sent and complete after
 * @timeout_polls further polls.  @err_count 0 disarms @opc.  Up to 4
 * opcodes at a time (-ENOSPC beyond).  While any is armed, reads and
 * writes leave the fast path.
 */
int nvd_qpair_inject_error(struct nvd_qpair *qpair, uint8_t opc, int do_not_submit,
			   uint32_t timeout_polls, uint32_t err_count, uint8_t sct, uint8_t sc);

/*
 * Timeouts: @cb runs once for each command outstanding longer than
 * @io_timeout_us (I/O queues) or @admin_timeout_us (admin queue; @qpair
 * NULL), from the polling thread during nvd_qpair_process_completions();
 * 0 disables that side, @cb NULL unregisters.  Checked every 64 polls
 * with a coarse clock (a few ms).  @cb may abort the command or reset
 * the controller; it must not poll the same queue pair.
 */
typedef void (*nvd_timeout_cb)(void *cb_arg, struct nvd_ctrlr *ctrlr, struct nvd_qpair *qpair,
			       uint16_t cid);
int nvd_ctrlr_register_timeout_callback(struct nvd_ctrlr *ctrlr, uint64_t io_timeout_us,
					uint64_t admin_timeout_us, nvd_timeout_cb cb, void *cb_arg);

/*
 * Reap up to @max completions, calling each command's callback; @max 0:
 * those available, at most 128 (as SPDK's PCIe poll), so that at a great
 * depth the controller already works on the first resubmissions while the
 * rest are reaped: call it again for more.  Commands the callbacks submit
 * are announced to the controller with one SQ doorbell when the callbacks
 * are done, before this returns.
 * Returns the number reaped or a negative errno: -ENXIO when the
 * controller is gone; -EIO when it reported a fatal error (CSTS.CFS): the
 * library has then disabled it and completed this queue pair's commands
 * with an aborted status, and nvd_ctrlr_reset() may bring it back.
 */
int nvd_qpair_process_completions(struct nvd_qpair *qpair, uint32_t max);
/*
 * Commands submitted and not yet completed: in the SQ or waiting in the
 * library for a slot (each piece of a split transfer counts).
 */
uint32_t nvd_qpair_outstanding(const struct nvd_qpair *qpair);
/*
 * With NVD_CTRLR_DELAY_CMD_SUBMIT: tell the controller about everything
 * submitted so far without reaping completions.  0 or -EINVAL/-ENXIO.
 */
int nvd_qpair_flush(struct nvd_qpair *qpair);

/* Counters of one queue pair since it was allocated. */
struct nvd_qpair_stats {
	uint64_t sq_doorbell_writes;	/* SQ tail register (MMIO) writes */
	uint64_t cq_doorbell_writes;	/* CQ head register (MMIO) writes */
	uint64_t sq_shadow_writes;	/* SQ tail updates to the shadow doorbell */
	uint64_t cq_shadow_writes;	/* CQ head updates to the shadow doorbell */
	/*
	 * Completions whose CID names no outstanding command (late, duplicated,
	 * or of an earlier command in the same slot): dropped, never delivered.
	 */
	uint64_t stale_completions;
};
int nvd_qpair_get_stats(const struct nvd_qpair *qpair, struct nvd_qpair_stats *stats);
/* 1 when the queue pair's doorbells go through the shadow buffer, else 0. */
int nvd_qpair_uses_shadow_doorbells(const struct nvd_qpair *qpair);

/* ---- Admin commands: logs, features, format, passthrough -------------
 * Buffers here are ordinary memory: the library copies through its own DMA
 * memory.  A failed command returns -EIO and nvd_last_error() names its
 * status; with @cpl non-NULL the completion is copied out as well.
 */

/* Log page identifiers (NVMe Base 2.0, Figure 202) */
#define NVD_LOG_ERROR		0x01
#define NVD_LOG_SMART		0x02
#define NVD_LOG_FW_SLOT		0x03
/* NSID meaning "the whole controller" for logs and features */
#define NVD_NSID_ALL		0xffffffffu

/* SMART / Health Information log, 512 bytes (Base 2.0 §5.16.1.3, Fig. 207) */
struct nvd_smart_log {
	uint8_t critical_warning;
	uint8_t temperature[2];		/* composite, Kelvin, little endian */
	uint8_t avail_spare;		/* percent */
	uint8_t spare_thresh;
	uint8_t percent_used;
	uint8_t endu_grp_crit_warn_sumry;
	uint8_t rsvd7[25];
	uint8_t data_units_read[16];	/* 128-bit counters, little endian */
	uint8_t data_units_written[16];	/* in 1000 x 512 bytes */
	uint8_t host_reads[16];
	uint8_t host_writes[16];
	uint8_t ctrl_busy_time[16];	/* minutes */
	uint8_t power_cycles[16];
	uint8_t power_on_hours[16];
	uint8_t unsafe_shutdowns[16];
	uint8_t media_errors[16];
	uint8_t num_err_log_entries[16];
	uint32_t warning_temp_time;	/* minutes */
	uint32_t critical_comp_time;
	uint16_t temp_sensor[8];	/* Kelvin, 0 = not implemented */
	uint32_t thm_temp1_trans_count;
	uint32_t thm_temp2_trans_count;
	uint32_t thm_temp1_total_time;	/* seconds */
	uint32_t thm_temp2_total_time;
	uint8_t rsvd232[280];
} __attribute__((packed));

/* Error Information log entry, 64 bytes (Base 2.0 §5.16.1.2, Fig. 205) */
struct nvd_error_log_entry {
	uint64_t error_count;		/* 0: unused entry */
	uint16_t sqid;
	uint16_t cmdid;
	uint16_t status_field;		/* bit 0 phase tag, 15:1 status */
	uint16_t parm_error_location;
	uint64_t lba;
	uint32_t nsid;
	uint8_t vs;
	uint8_t trtype;
	uint8_t rsvd30[2];
	uint64_t cs;			/* command specific information */
	uint16_t trtype_spec_info;
	uint8_t rsvd42[22];
} __attribute__((packed));

/* Firmware Slot Information log, 512 bytes (Base 2.0 §5.16.1.4, Fig. 209) */
struct nvd_fw_slot_log {
	uint8_t afi;			/* 2:0 active slot, 6:4 slot at next reset */
	uint8_t rsvd1[7];
	char frs[7][8];			/* revision per slot 1..7, "" = empty */
	uint8_t rsvd64[448];
} __attribute__((packed));

/*
 * Get Log Page (Base 2.0 §5.16): @len bytes (a multiple of 4) of log @lid
 * from byte @offset (a multiple of 4), fetched in pieces the admin queue
 * can carry.  @nsid 0 or NVD_NSID_ALL for controller-wide logs.
 */
int nvd_ctrlr_get_log_page(struct nvd_ctrlr *ctrlr, uint8_t lid, uint32_t nsid,
			   void *buf, size_t len, uint64_t offset);
int nvd_ctrlr_get_smart_log(struct nvd_ctrlr *ctrlr, uint32_t nsid,
			    struct nvd_smart_log *log);
int nvd_ctrlr_get_fw_slot_log(struct nvd_ctrlr *ctrlr, struct nvd_fw_slot_log *log);
/*
 * Up to @max entries of the Error Information log (the controller keeps
 * ELPE + 1).  Returns how many were fetched or a negative errno.
 */
int nvd_ctrlr_get_error_log(struct nvd_ctrlr *ctrlr, struct nvd_error_log_entry *entries,
			    uint32_t max);

/* Get Features SEL (Base 2.0 §5.15, Figure 193) */
#define NVD_FEAT_SEL_CURRENT	0
#define NVD_FEAT_SEL_DEFAULT	1
#define NVD_FEAT_SEL_SAVED	2
#define NVD_FEAT_SEL_SUPPORTED	3	/* capabilities: bit 0 saveable, 1 per-ns, 2 changeable */

/*
 * Get Features (Base 2.0 §5.15): feature @fid with selector @sel; @cdw11
 * is feature specific (0 for most); @buf/@len for features that return a
 * data structure (NULL/0 otherwise).  *@result gets completion dword 0.
 */
int nvd_ctrlr_get_feature(struct nvd_ctrlr *ctrlr, uint8_t fid, uint8_t sel, uint32_t nsid,
			  uint32_t cdw11, void *buf, size_t len, uint32_t *result);
/* Set Features (Base 2.0 §5.27); @save sets SV.  Number of Queues is refused. */
int nvd_ctrlr_set_feature(struct nvd_ctrlr *ctrlr, uint8_t fid, uint32_t nsid, uint32_t cdw11,
			  uint32_t cdw12, int save, void *buf, size_t len, uint32_t *result);

/* Identify, Namespace Identification Descriptor list (CNS 03h): 4096 bytes. */
int nvd_ctrlr_identify_ns_descs(struct nvd_ctrlr *ctrlr, uint32_t nsid, void *buf);
/* Identify with any CNS into 4096 bytes at @buf (CNTID 0). */
int nvd_ctrlr_identify(struct nvd_ctrlr *ctrlr, uint8_t cns, uint32_t nsid, void *buf);

/* Format NVM (Base 2.0 §5.23) */
struct nvd_format_opts {
	size_t opts_size;		/* sizeof(struct nvd_format_opts) */
	uint8_t lbaf;			/* LBA format index, 0..63 */
	uint8_t ses;			/* 0 none, 1 user data erase, 2 cryptographic */
	uint8_t pi;			/* protection information type, 0 none */
	uint8_t pil;			/* 1: PI in the first bytes of metadata */
	uint8_t mset;			/* 1: metadata interleaved with data */
	uint32_t timeout_ms;		/* 0: 10 minutes */
};
void nvd_format_opts_init(struct nvd_format_opts *opts);
/*
 * Format namespace @nsid (NVD_NSID_ALL: every namespace).  All data on it
 * is lost.  No I/O may be outstanding on it.  Afterwards the library's
 * cached Identify Namespace data and geometry are read again.
 * -EINVAL: lbaf above the namespace's NLBAF, ses > 2, unknown namespace.
 */
int nvd_ctrlr_format(struct nvd_ctrlr *ctrlr, uint32_t nsid, const struct nvd_format_opts *opts);

/* Raw admin command for passthrough: the library fills CID and PRPs. */
struct nvd_admin_cmd {
	uint8_t opc;
	uint8_t rsvd[3];
	uint32_t nsid;
	uint32_t cdw2;
	uint32_t cdw3;
	uint32_t cdw10;
	uint32_t cdw11;
	uint32_t cdw12;
	uint32_t cdw13;
	uint32_t cdw14;
	uint32_t cdw15;
	uint32_t timeout_ms;		/* 0: the library's admin timeout */
};
/*
 * Send @cmd on the admin queue with @len bytes at @buf (both ways: copied
 * to the device before, back after; at most 8 KiB) and wait for it.
 * Commands that would break the library's own queues (Create/Delete I/O
 * SQ/CQ, Asynchronous Event Request, Abort) are refused with -EINVAL.
 */
int nvd_ctrlr_cmd_admin_raw(struct nvd_ctrlr *ctrlr, const struct nvd_admin_cmd *cmd,
			    void *buf, size_t len, struct nvd_cpl *cpl);
/*
 * Interrupt mode: instead of spinning on nvd_qpair_process_completions(),
 * an idle thread sleeps until its device posts a completion.
 *
 *	nvd_io_qpair_opts_init(&o);
 *	o.interrupts = 1;
 *	nvd_ctrlr_alloc_io_qpair_opts(ctrlr, &o, &qp);
 *	struct pollfd p = { .fd = nvd_qpair_get_fd(qp), .events = POLLIN };
 *	for (;;) {
 *		nvd_qpair_process_completions(qp, 0);
 *		if (nvd_qpair_arm(qp) == 0)
 *			poll(&p, 1, timeout_ms);
 *	}
 *
 * The fd works with poll, select and epoll (level-triggered or EPOLLET);
 * the queue pair is still one thread's at a time.  Reaping is the same
 * lock-free call as in polling mode.  Needs MSI-X and an nvdirect.ko with
 * NVDIRECT_SET_IRQS; I/O queue N uses MSI-X vector N.  A removed device
 * raises no interrupt: wait with a timeout and reap on timeout, which is
 * where -ENXIO shows up.
 */
struct nvd_io_qpair_opts {
	size_t opts_size;		/* sizeof(struct nvd_io_qpair_opts) */
	uint32_t qsize;			/* entries; 0 takes the controller's default */
	uint32_t interrupts;		/* 1: interrupt mode, 0: polled */
	/*
	 * I/Os the library may hold for this queue pair (waiting for a free
	 * slot, pieces of split transfers); 0: 4 x qsize.
	 */
	uint32_t io_requests;
};
void nvd_io_qpair_opts_init(struct nvd_io_qpair_opts *opts);
/*
 * nvd_ctrlr_alloc_io_qpair() with options.  Beyond its errors:
 * -EOPNOTSUPP interrupts asked for and the function or module cannot
 * deliver them, -ENOSPC no MSI-X vector left for the queue's qid.
 */
int nvd_ctrlr_alloc_io_qpair_opts(struct nvd_ctrlr *ctrlr, const struct nvd_io_qpair_opts *opts,
				  struct nvd_qpair **qpair);
/* The eventfd to wait on (readable: look at the CQ); -EINVAL if polled. */
int nvd_qpair_get_fd(const struct nvd_qpair *qpair);
/*
 * Call before sleeping on the fd.  Unmasks the queue pair's interrupt
 * vector if nvd_qpair_wait() masked it (an interrupt held meanwhile is
 * delivered, never lost), clears the fd's readiness and returns 1
 * when completions are already waiting (reap them; do not sleep), 0 when
 * the CQ is empty and the fd will become readable on the next completion,
 * or -EINVAL for a polled queue pair.  Returns 1 once the controller is
 * gone, so that nvd_qpair_process_completions() reports it.
 */
int nvd_qpair_arm(struct nvd_qpair *qpair);
/*
 * Adaptive polling on an interrupt-mode queue pair: wait until it has
 * completions to reap, spinning while one is due soon and sleeping on its
 * eventfd while none is.  The library learns, per queue pair, how long the
 * CQ stays empty after a wait begins (the median, following the device),
 * once when polling and once when sleeping until the interrupt.  Polling,
 * it naps until about half that time, spins until twice it, then arms and
 * sleeps until the interrupt; it sleeps at once instead when that is at
 * most an eighth slower, and when nothing is outstanding.  While it spins
 * the vector is masked (no interrupt per completion), and it stays masked
 * until the next sleep: one who also sleeps on the fd itself calls
 * nvd_qpair_arm() first, as always.  A queue pair that keeps finding its
 * completions by spinning makes no system call after its first wait.
 *
 *	while (!done)
 *		if (nvd_qpair_process_completions(qp, 0) == 0 && !done)
 *			nvd_qpair_wait(qp, 100000);
 *
 * @timeout_us bounds the whole wait (negative: no bound).  Returns 1 when
 * there is something to reap (or the controller is gone: reap to see
 * -ENXIO), 0 when the timeout passed first, -EINVAL for a polled queue
 * pair, or another negative errno.  Naps wake late by the thread's timer
 * slack (50 us by default): prctl(PR_SET_TIMERSLACK, 1000) keeps them short.
 */
int nvd_qpair_wait(struct nvd_qpair *qpair, int64_t timeout_us);
/* What nvd_qpair_wait() learned and did on one queue pair. */
struct nvd_qpair_wait_stats {
	size_t size;			/* sizeof(struct nvd_qpair_wait_stats), set by the caller */
	uint64_t waits;			/* waits with commands outstanding and none to reap */
	uint64_t spin_hits;		/* ... that saw a completion while spinning */
	uint64_t naps;			/* timed naps before spinning */
	uint64_t blocks;		/* sleeps until an interrupt or the timeout */
	/* learned time from an empty CQ to its next entry, polling and sleeping; 0 unknown */
	uint64_t spin_gap_ns;
	uint64_t sleep_gap_ns;
	uint64_t late_ns;		/* how late a nap wakes, learned */
};
/* Copy @qpair's wait statistics (up to @stats->size bytes); 0 or -EINVAL. */
int nvd_qpair_get_wait_stats(const struct nvd_qpair *qpair, struct nvd_qpair_wait_stats *stats);

#ifdef __cplusplus
}
#endif
#endif /* NVDIRECT_H */
