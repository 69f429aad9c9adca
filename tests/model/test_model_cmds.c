// SPDX-License-Identifier: MIT
/*
 * The model's own command checks, driven with hand-built commands on a
 * library-attached controller: PRP and SGL walking and their error
 * statuses, the NVM commands beyond read/write, queue creation checks,
 * Abort, Asynchronous Events, logs, features, format, interrupts.  Other
 * tests rely on the model answering like a controller; these say it does.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "model.h"
#include "core/admin.h"
#include "core/ctrlr.h"
#include "core/ns.h"

static struct model *m;
static struct nvd_ctrlr *c;
static struct nvd_qpair *qp;

struct one {
	bool done;
	struct nvd_cpl cpl;
};

static void one_done(void *arg, const struct nvd_cpl *cpl)
{
	struct one *w = arg;

	w->cpl = *cpl;
	w->done = true;
}

static void setup_cfg(struct model_config *cfg)
{
	c = NULL;
	m = model_create(cfg);
	model_start(m);
	ck_assert_msg(nvd__ctrlr_attach_backend(model_bdf(m), &model_transport_ops, NULL, &c) == 0,
		      "attach: %s", nvd_last_error());
	ck_assert_int_eq(nvd_ctrlr_alloc_io_qpair(c, 16, &qp), 0);
}

static void setup(void)
{
	struct model_config cfg;

	model_config_init(&cfg);
	cfg.ns[0].nsze = 1024;
	setup_cfg(&cfg);
}

static void teardown(void)
{
	if (!m)
		return;
	/* a test that stopped the thread and failed must not hang detach */
	model_start(m);
	if (c)
		nvd_ctrlr_detach(c);
	model_destroy(m);
	m = NULL;
	c = NULL;
}

static uint64_t bus(const void *p)
{
	uint64_t b;

	ck_assert_int_eq(nvd__dma_pool_vtophys(&c->dma, p, &b), 0);
	return b;
}

static void wait_one(struct nvd_qpair *q, struct one *w)
{
	for (unsigned i = 0; i < 10000000 && !w->done; i++)
		ck_assert_int_ge(nvd__qpair_poll(q, 0), 0);
	ck_assert(w->done);
}

/* Submit @cmd on the I/O queue as built (PRPs/SGLs included); wait. */
static struct nvd_cpl raw_io(struct nvme_cmd *cmd)
{
	struct tracker *tr = qpair_get_tracker(qp);
	struct one w = { 0 };

	ck_assert_ptr_nonnull(tr);
	nvd__qpair_submit(qp, tr, cmd, one_done, &w);
	wait_one(qp, &w);
	return w.cpl;
}

static uint16_t st(const struct nvd_cpl *cpl)
{
	return cpl->status & ~NVME_CPL_PHASE & ~NVME_CPL_DNR;
}

static struct nvme_cmd rw_cmd(uint8_t opc, uint64_t lba, uint32_t nlb)
{
	struct nvme_cmd cmd = { .opc = opc, .nsid = 1 };

	cmd.cdw10 = (uint32_t)lba;
	cmd.cdw11 = (uint32_t)(lba >> 32);
	cmd.cdw12 = nlb - 1;
	return cmd;
}

static void set_sgl(struct nvme_cmd *cmd, uint64_t addr, uint32_t len, uint8_t type)
{
	struct model_sgl_desc { uint64_t addr; uint32_t len; uint8_t rsvd[3]; uint8_t id; } d = {
		.addr = addr, .len = len, .id = (uint8_t)(type << 4) };

	cmd->flags = 1u << 6;	/* PSDT 01b */
	memcpy(&cmd->prp1, &d, sizeof(d));
}

static void put_desc(uint8_t *list, unsigned i, uint64_t addr, uint32_t len, uint8_t type)
{
	uint8_t *e = list + 16 * i;

	memset(e, 0, 16);
	memcpy(e, &addr, 8);
	memcpy(e + 8, &len, 4);
	e[15] = (uint8_t)(type << 4);
}

#define SGL_DATA	0
#define SGL_SEG		2
#define SGL_LAST	3

/* ---- data pointers ---------------------------------------------------- */

START_TEST(test_sgl_data_block_and_segments_move_data)
{
	uint8_t *data = nvd_dma_alloc(c, 8192), *list = nvd_dma_alloc(c, 4096);
	uint8_t *list2 = nvd_dma_alloc(c, 4096), *out = nvd_dma_alloc(c, 8192);
	struct nvme_cmd cmd;
	struct nvd_cpl cpl;

	for (int i = 0; i < 8192; i++)
		data[i] = (uint8_t)(i * 13 + 1);
	/* one Data Block in SGL1 */
	cmd = rw_cmd(MODEL_NVM_WRITE, 0, 8);
	set_sgl(&cmd, bus(data), 4096, SGL_DATA);
	cpl = raw_io(&cmd);
	ck_assert_uint_eq(st(&cpl), 0);
	ck_assert_mem_eq(model_ns_data(m, 1, 0), data, 4096);

	/* SGL1 Last Segment -> two Data Blocks, the second from another page */
	put_desc(list, 0, bus(out) + 100, 1000, SGL_DATA);
	put_desc(list, 1, bus(out + 4096), 3096, SGL_DATA);
	cmd = rw_cmd(MODEL_NVM_READ, 0, 8);
	set_sgl(&cmd, bus(list), 32, SGL_LAST);
	cpl = raw_io(&cmd);
	ck_assert_uint_eq(st(&cpl), 0);
	ck_assert_mem_eq(out + 100, data, 1000);
	ck_assert_mem_eq(out + 4096, data + 1000, 3096);

	/* Segment -> [Data, Last Segment] -> [Data] */
	memset(out, 0, 8192);
	put_desc(list, 0, bus(out), 512, SGL_DATA);
	put_desc(list, 1, bus(list2), 16, SGL_LAST);
	put_desc(list2, 0, bus(out + 4096), 3584, SGL_DATA);
	set_sgl(&cmd, bus(list), 32, SGL_SEG);
	cpl = raw_io(&cmd);
	ck_assert_uint_eq(st(&cpl), 0);
	ck_assert_mem_eq(out, data, 512);
	ck_assert_mem_eq(out + 4096, data + 512, 3584);
}
END_TEST

START_TEST(test_sgl_errors_have_their_statuses)
{
	uint8_t *buf = nvd_dma_alloc(c, 4096), *list = nvd_dma_alloc(c, 4096);
	struct nvme_cmd cmd = rw_cmd(MODEL_NVM_READ, 0, 8);
	struct nvd_cpl cpl;

	set_sgl(&cmd, bus(buf), 4096, 0xf);	/* unknown type */
	cpl = raw_io(&cmd);
	ck_assert_uint_eq(st(&cpl), NVME_STATUS(0, 0x11));
	ck_assert_str_eq(nvd_cpl_status_str(&cpl), "SGL Descriptor Type Invalid (sct 0x0 sc 0x11)");

	set_sgl(&cmd, bus(buf), 2048, SGL_DATA);	/* shorter than 8 LBAs */
	cpl = raw_io(&cmd);
	ck_assert_uint_eq(st(&cpl), NVME_STATUS(0, 0x0f));

	/* a Segment descriptor inside the Last Segment list */
	put_desc(list, 0, bus(buf), 2048, SGL_DATA);
	put_desc(list, 1, bus(list) + 64, 16, SGL_SEG);
	set_sgl(&cmd, bus(list), 32, SGL_LAST);
	cpl = raw_io(&cmd);
	ck_assert_uint_eq(st(&cpl), NVME_STATUS(0, 0x0d));

	/* segment length not a multiple of 16 */
	set_sgl(&cmd, bus(list), 20, SGL_SEG);
	cpl = raw_io(&cmd);
	ck_assert_uint_eq(st(&cpl), NVME_STATUS(0, 0x0d));

	/* PSDT 11b is reserved */
	cmd.flags = 3u << 6;
	cpl = raw_io(&cmd);
	ck_assert_uint_eq(st(&cpl), NVME_STATUS(0, 0x02));
}
END_TEST

START_TEST(test_prp_offset_rules)
{
	uint8_t *buf = nvd_dma_alloc(c, 3 * 4096);
	struct nvme_cmd cmd = rw_cmd(MODEL_NVM_READ, 0, 16);	/* 8 KiB */
	struct nvd_cpl cpl;

	cmd.prp1 = bus(buf);
	cmd.prp2 = bus(buf + 4096) + 512;	/* a page pointer with an offset */
	cpl = raw_io(&cmd);
	ck_assert_uint_eq(st(&cpl), NVME_STATUS(0, 0x13));
	ck_assert_str_eq(nvd_cpl_status_str(&cpl), "PRP Offset Invalid (sct 0x0 sc 0x13)");

	cmd.prp1 = bus(buf) + 2;		/* not dword aligned */
	cmd.prp2 = bus(buf + 4096);
	cpl = raw_io(&cmd);
	ck_assert_uint_eq(st(&cpl), NVME_STATUS(0, 0x13));

	cmd.prp1 = 0x1000;			/* nowhere */
	cpl = raw_io(&cmd);
	ck_assert_uint_eq(st(&cpl), NVME_STATUS(0, 0x04));

	cmd.prp1 = bus(buf);
	cmd.prp2 = bus(buf + 4096);
	cpl = raw_io(&cmd);
	ck_assert_uint_eq(st(&cpl), 0);
}
END_TEST

/* ---- NVM commands ----------------------------------------------------- */

START_TEST(test_range_mdts_namespace_and_opcode_checks)
{
	uint8_t *buf = nvd_dma_alloc(c, 4096);
	struct nvme_cmd cmd;
	struct nvd_cpl cpl;

	cmd = rw_cmd(MODEL_NVM_READ, 1023, 2);	/* last LBA + 1 */
	cmd.prp1 = bus(buf);
	cpl = raw_io(&cmd);
	ck_assert_uint_eq(st(&cpl), NVME_STATUS(0, 0x80));
	ck_assert_str_eq(nvd_cpl_status_str(&cpl), "LBA Out of Range (sct 0x0 sc 0x80)");

	cmd = rw_cmd(MODEL_NVM_READ, 0, 257);	/* MDTS is 256 x 512 B */
	cmd.prp1 = bus(buf);
	cpl = raw_io(&cmd);
	ck_assert_uint_eq(st(&cpl), NVME_STATUS(0, 0x02));

	cmd = rw_cmd(MODEL_NVM_READ, 0, 1);
	cmd.prp1 = bus(buf);
	cmd.nsid = 2;
	cpl = raw_io(&cmd);
	ck_assert_uint_eq(st(&cpl), NVME_STATUS(0, 0x0b));

	cmd.nsid = 1;
	cmd.opc = 0x7f;
	cpl = raw_io(&cmd);
	ck_assert_uint_eq(st(&cpl), NVME_STATUS(0, 0x01));

	cmd = (struct nvme_cmd){ .opc = MODEL_NVM_FLUSH, .nsid = 0xffffffffu };
	cpl = raw_io(&cmd);
	ck_assert_uint_eq(st(&cpl), 0);
}
END_TEST

START_TEST(test_compare_write_zeroes_and_deallocate)
{
	uint8_t *buf = nvd_dma_alloc(c, 4096), *ranges = nvd_dma_alloc(c, 4096);
	struct nvme_cmd cmd;
	struct nvd_cpl cpl;
	uint8_t zero[1024] = { 0 };

	memset(buf, 0xa5, 4096);
	cmd = rw_cmd(MODEL_NVM_WRITE, 10, 8);
	cmd.prp1 = bus(buf);
	cpl = raw_io(&cmd);
	ck_assert_uint_eq(st(&cpl), 0);

	cmd.opc = MODEL_NVM_COMPARE;
	cpl = raw_io(&cmd);
	ck_assert_uint_eq(st(&cpl), 0);
	buf[4095] ^= 1;
	cpl = raw_io(&cmd);
	ck_assert_uint_eq(st(&cpl), NVME_STATUS(2, 0x85));
	ck_assert_str_eq(nvd_cpl_status_str(&cpl), "Compare Failure (sct 0x2 sc 0x85)");

	/* Write Zeroes on LBAs 10-11, deallocate 12-13: all read zeroes */
	cmd = rw_cmd(MODEL_NVM_WRITE_ZEROES, 10, 2);
	cpl = raw_io(&cmd);
	ck_assert_uint_eq(st(&cpl), 0);
	ck_assert_mem_eq(model_ns_data(m, 1, 10), zero, 1024);
	ck_assert_uint_eq(*(uint8_t *)model_ns_data(m, 1, 12), 0xa5);

	/* NVM CS 1.0 Figure 44: context attributes, NLB, SLBA */
	uint32_t nlb = 2;
	uint64_t slba = 12;
	memset(ranges, 0, 16);
	memcpy(ranges + 4, &nlb, 4);
	memcpy(ranges + 8, &slba, 8);
	cmd = (struct nvme_cmd){ .opc = MODEL_NVM_DSM, .nsid = 1, .cdw10 = 0, .cdw11 = 1u << 2 };
	cmd.prp1 = bus(ranges);
	cpl = raw_io(&cmd);
	ck_assert_uint_eq(st(&cpl), 0);
	ck_assert_mem_eq(model_ns_data(m, 1, 12), zero, 1024);
	ck_assert_uint_eq(*(uint8_t *)model_ns_data(m, 1, 14), 0xa5);

	slba = 1023;	/* 1023 + 2 is past the end */
	memcpy(ranges + 8, &slba, 8);
	cpl = raw_io(&cmd);
	ck_assert_uint_eq(st(&cpl), NVME_STATUS(0, 0x80));
}
END_TEST

/* ---- admin ------------------------------------------------------------ */

static struct nvd_cpl admin(struct nvme_cmd *cmd)
{
	struct nvd_cpl cpl = { 0 };
	int rc = nvd__admin_sync(c, cmd, NULL, 0, 1000, "model test command", &cpl);

	ck_assert_msg(rc == 0 || rc == -EIO, "nvd__admin_sync: %d %s", rc, nvd_last_error());
	return cpl;
}

START_TEST(test_queue_creation_checks)
{
	uint8_t *ring = nvd_dma_alloc(c, 64 * 1024);
	struct nvme_cmd cmd;
	struct nvd_cpl cpl;

	/* the library asked for 4 queues: qid 5 is beyond what was granted */
	cmd = (struct nvme_cmd){ .opc = 0x05, .prp1 = bus(ring), .cdw10 = (15u << 16) | 5,
				 .cdw11 = 1 };
	cpl = admin(&cmd);
	ck_assert_uint_eq(st(&cpl), NVME_STATUS(1, 0x01));
	cmd.cdw10 = (15u << 16) | 1;	/* in use */
	cpl = admin(&cmd);
	ck_assert_uint_eq(st(&cpl), NVME_STATUS(1, 0x01));
	cmd.cdw10 = (2047u << 16) | 3;	/* above CAP.MQES + 1 */
	cpl = admin(&cmd);
	ck_assert_uint_eq(st(&cpl), NVME_STATUS(1, 0x02));
	cmd.cdw10 = (15u << 16) | 3;
	cmd.cdw11 = 0;			/* not contiguous: CAP.CQR says it must be */
	cpl = admin(&cmd);
	ck_assert_uint_eq(st(&cpl), NVME_STATUS(0, 0x02));

	/* an SQ whose CQ does not exist */
	cmd = (struct nvme_cmd){ .opc = 0x01, .prp1 = bus(ring), .cdw10 = (15u << 16) | 3,
				 .cdw11 = (3u << 16) | 1 };
	cpl = admin(&cmd);
	ck_assert_uint_eq(st(&cpl), NVME_STATUS(1, 0x00));

	/* a CQ with an SQ on it cannot go first */
	cmd = (struct nvme_cmd){ .opc = 0x04, .cdw10 = 1 };
	cpl = admin(&cmd);
	ck_assert_uint_eq(st(&cpl), NVME_STATUS(1, 0x0c));
	cmd = (struct nvme_cmd){ .opc = 0x00, .cdw10 = 3 };
	cpl = admin(&cmd);
	ck_assert_uint_eq(st(&cpl), NVME_STATUS(1, 0x01));

	cmd = (struct nvme_cmd){ .opc = 0x7e };
	cpl = admin(&cmd);
	ck_assert_uint_eq(st(&cpl), NVME_STATUS(0, 0x01));
}
END_TEST

START_TEST(test_abort_finds_unfetched_and_held_commands)
{
	uint8_t *buf = nvd_dma_alloc(c, 4096);
	struct nvme_cmd cmd = rw_cmd(MODEL_NVM_READ, 0, 1), ab;
	struct tracker *tr;
	struct one w = { 0 }, w2 = { 0 };
	struct nvd_cpl cpl;

	/* still in the SQ: aborted, DW0 bit 0 clear */
	model_pause_sq(m, 1, true);
	cmd.prp1 = bus(buf);
	tr = qpair_get_tracker(qp);
	nvd__qpair_submit(qp, tr, &cmd, one_done, &w);
	ab = (struct nvme_cmd){ .opc = 0x08, .cdw10 = 1u | (uint32_t)tr->cid << 16 };
	cpl = admin(&ab);
	ck_assert_uint_eq(st(&cpl), 0);
	ck_assert_uint_eq(cpl.cdw0 & 1, 0);
	model_pause_sq(m, 1, false);
	wait_one(qp, &w);
	ck_assert_uint_eq(st(&w.cpl), NVME_STATUS(0, 0x07));

	/* dropped by a fault: the model still holds it, Abort frees it */
	model_drop_nth(m, 1, MODEL_NVM_READ, 1);
	tr = qpair_get_tracker(qp);
	nvd__qpair_submit(qp, tr, &cmd, one_done, &w2);
	for (int i = 0; i < 100000; i++) {
		struct model_stats s;

		model_stats(m, &s);
		if (s.dropped)
			break;
		nvd__qpair_poll(qp, 0);
	}
	ab.cdw10 = 1u | (uint32_t)tr->cid << 16;
	cpl = admin(&ab);
	ck_assert_uint_eq(cpl.cdw0 & 1, 0);
	wait_one(qp, &w2);
	ck_assert_uint_eq(st(&w2.cpl), NVME_STATUS(0, 0x07));

	/* nothing with that cid: DW0 bit 0 set */
	cpl = admin(&ab);
	ck_assert_uint_eq(cpl.cdw0 & 1, 1);
}
END_TEST

static void aer_seen(void *arg, const struct nvd_cpl *cpl)
{
	one_done(arg, cpl);
}

/*
 * The library keeps AERL + 1 (here 4) AERs at the model; one more is
 * refused; a fired event reaches the registered callback through
 * nvd_ctrlr_process_admin_completions() and its AER is sent again.
 */
START_TEST(test_aer_is_held_until_fired)
{
	struct nvd_qpair *aq = &c->adminq;
	struct nvme_cmd cmd = { .opc = 0x0c };
	struct one extra = { 0 }, ev = { 0 };
	struct tracker *tr;
	int i;

	ck_assert_int_eq(nvd_ctrlr_register_aer_callback(c, aer_seen, &ev), 0);
	ck_assert_uint_eq(model_aers_held(m), 4);
	pthread_mutex_lock(&c->admin_lock);
	tr = qpair_get_tracker(aq);
	nvd__qpair_submit(aq, tr, &cmd, one_done, &extra);
	pthread_mutex_unlock(&c->admin_lock);
	wait_one(aq, &extra);
	ck_assert_uint_eq(st(&extra.cpl), NVME_STATUS(1, 0x05));
	ck_assert(!ev.done);

	ck_assert_int_eq(model_fire_aer(m, 1, 0x02, 0x02), 1);	/* SMART, temperature */
	for (i = 0; i < 1000000 && !ev.done; i++)
		ck_assert_int_ge(nvd_ctrlr_process_admin_completions(c), 0);
	ck_assert(ev.done);
	ck_assert_uint_eq(st(&ev.cpl), 0);
	ck_assert_uint_eq(ev.cpl.cdw0, 0x020201);
	/* re-armed */
	for (i = 0; i < 1000 && model_aers_held(m) != 4; i++)
		usleep(1000);
	ck_assert_uint_eq(model_aers_held(m), 4);
}
END_TEST

static int get_feat(uint8_t fid, uint8_t sel, uint32_t *v)
{
	return nvd_ctrlr_get_feature(c, fid, sel, 0, 0, NULL, 0, v);
}

START_TEST(test_logs_features_and_format)
{
	struct nvd_ns *ns = nvd_ctrlr_get_ns(c, 1);
	uint8_t *buf = nvd_dma_alloc(c, 4096);
	struct nvd_error_log_entry e[8];
	struct nvd_smart_log smart;
	struct nvd_fw_slot_log fw;
	struct nvd_format_opts fo;
	struct one w = { 0 };
	uint32_t v;

	model_fail_nth(m, 1, MODEL_NVM_READ, 1, MODEL_STATUS(2, 0x81));
	ck_assert_int_eq(nvd_ns_read(ns, qp, buf, 7, 1, one_done, &w, 0), 0);
	wait_one(qp, &w);
	ck_assert_int_eq(nvd_ctrlr_get_error_log(c, e, 8), 4);
	ck_assert_uint_eq(e[0].error_count, 1);
	ck_assert_uint_eq(e[0].sqid, 1);
	ck_assert_uint_eq(e[0].lba, 7);
	ck_assert_uint_eq(e[0].status_field, NVME_STATUS(2, 0x81));

	ck_assert_int_eq(nvd_ctrlr_get_smart_log(c, NVD_NSID_ALL, &smart), 0);
	ck_assert_uint_eq(smart.avail_spare, 100);
	ck_assert_uint_eq(smart.num_err_log_entries[0], 1);
	ck_assert_int_eq(nvd_ctrlr_get_fw_slot_log(c, &fw), 0);
	ck_assert_uint_eq(fw.afi & 7, 1);
	ck_assert_int_eq(memcmp(fw.frs[0], "MODEL1.0", 8), 0);
	ck_assert_int_eq(nvd_ctrlr_get_log_page(c, 0x70, 0, buf, 512, 0), -EIO);

	ck_assert_int_eq(get_feat(0x04, NVD_FEAT_SEL_CURRENT, &v), 0);
	ck_assert_uint_eq(v, 0x157);
	ck_assert_int_eq(nvd_ctrlr_set_feature(c, 0x04, 0, 0x160, 0, 0, NULL, 0, NULL), 0);
	ck_assert_int_eq(get_feat(0x04, NVD_FEAT_SEL_CURRENT, &v), 0);
	ck_assert_uint_eq(v, 0x160);
	ck_assert_int_eq(get_feat(0x04, NVD_FEAT_SEL_DEFAULT, &v), 0);
	ck_assert_uint_eq(v, 0x157);
	ck_assert_int_eq(nvd_ctrlr_set_feature(c, 0x04, 0, 0x160, 0, 1, NULL, 0, NULL), -EIO);
	ck_assert_int_eq(get_feat(0x55, NVD_FEAT_SEL_CURRENT, &v), -EIO);

	/* Format to 4 KiB LBAs: same bytes, an eighth of the LBAs */
	nvd_format_opts_init(&fo);
	fo.lbaf = 1;
	ck_assert_int_eq(nvd_ctrlr_format(c, 1, &fo), 0);
	ns = nvd_ctrlr_get_ns(c, 1);
	ck_assert_uint_eq(nvd_ns_get_sector_size(ns), 4096);
	ck_assert_uint_eq(nvd_ns_get_num_sectors(ns), 128);
}
END_TEST

START_TEST(test_interrupt_mode_signals_the_eventfd)
{
	struct nvd_io_qpair_opts o;
	struct nvd_qpair *iq;
	struct nvd_ns *ns = nvd_ctrlr_get_ns(c, 1);
	uint8_t *buf = nvd_dma_alloc(c, 4096);
	struct one w = { 0 };
	struct pollfd p;

	nvd_io_qpair_opts_init(&o);
	o.interrupts = 1;
	ck_assert_int_eq(nvd_ctrlr_alloc_io_qpair_opts(c, &o, &iq), 0);
	p.fd = nvd_qpair_get_fd(iq);
	p.events = POLLIN;
	ck_assert_int_ge(p.fd, 0);
	ck_assert_int_eq(nvd_qpair_arm(iq), 0);
	ck_assert_int_eq(nvd_ns_read(ns, iq, buf, 0, 1, one_done, &w, 0), 0);
	ck_assert_int_eq(poll(&p, 1, 1000), 1);
	ck_assert_int_eq(nvd_qpair_process_completions(iq, 0), 1);
	ck_assert(w.done);
	ck_assert_int_eq(nvd_ctrlr_free_io_qpair(iq), 0);
}
END_TEST

START_TEST(test_no_dbbuf_means_register_doorbells)
{
	struct model_config cfg;
	struct model_stats s;
	struct nvd_ns *ns;
	uint8_t *buf;
	struct one w = { 0 };

	nvd_ctrlr_detach(c);
	c = NULL;
	model_destroy(m);
	m = NULL;
	model_config_init(&cfg);
	cfg.no_dbbuf = true;
	setup_cfg(&cfg);
	ck_assert_uint_eq(nvd_ctrlr_get_info(c)->shadow_doorbells, 0);
	ns = nvd_ctrlr_get_ns(c, 1);
	buf = nvd_dma_alloc(c, 4096);
	ck_assert_int_eq(nvd_ns_read(ns, qp, buf, 0, 1, one_done, &w, 0), 0);
	wait_one(qp, &w);
	model_stats(m, &s);
	ck_assert_uint_ge(s.sq_db_changes[1], 1);
	ck_assert_uint_eq(s.admin_cmds[0x7c], 0);
}
END_TEST

static Suite *cmds_suite(void)
{
	Suite *s = suite_create("model_cmds");
	TCase *tc = tcase_create("cmds");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_sgl_data_block_and_segments_move_data);
	tcase_add_test(tc, test_sgl_errors_have_their_statuses);
	tcase_add_test(tc, test_prp_offset_rules);
	tcase_add_test(tc, test_range_mdts_namespace_and_opcode_checks);
	tcase_add_test(tc, test_compare_write_zeroes_and_deallocate);
	tcase_add_test(tc, test_queue_creation_checks);
	tcase_add_test(tc, test_abort_finds_unfetched_and_held_commands);
	tcase_add_test(tc, test_aer_is_held_until_fired);
	tcase_add_test(tc, test_logs_features_and_format);
	tcase_add_test(tc, test_interrupt_mode_signals_the_eventfd);
	tcase_add_test(tc, test_no_dbbuf_means_register_doorbells);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cmds_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
