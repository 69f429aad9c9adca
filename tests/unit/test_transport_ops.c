// SPDX-License-Identifier: MIT
/*
 * The transport ops table (core/transport_ops.h) is the door the core goes
 * through for construction, registers, the admin queue and I/O queue
 * pairs: a controller attached over PCIe holds the PCIe table, and a table
 * that wraps it (or fails) sees every register access and queue
 * create/connect/disconnect/destroy of reset, shutdown and queue pair
 * allocation; put in the PCIe slot of the transports, it constructs what
 * nvd_ctrlr_connect() names, bounds the transfer size and destructs at
 * detach.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "core/ctrlr.h"
#include "core/transport_ops.h"
#include "fake.h"
#include "tcp/transport.h"

#define BDF0	"0000:00:03.0"

static struct fake_ctrlr f;
static struct fake_admin a;
static struct nvd_ctrlr *c;

/* What passed through the wrapping table. */
static struct {
	unsigned get4, get8, set4, set8, enables, connects, disconnects;
	unsigned constructs, destructs, creates, destroys, destroys_owned;
	unsigned cc_en_writes;		/* CC writes with EN = 1 */
	unsigned cc_shn_writes;		/* CC writes asking for a normal shutdown */
	int fail_get;			/* get_reg_4 fails with this */
	int fail_connect;		/* qpair_connect fails with this */
} seen;

static int wrap_get_reg_4(struct nvd_ctrlr *ctrlr, uint32_t ofst, uint32_t *value)
{
	seen.get4++;
	if (seen.fail_get)
		return seen.fail_get;
	return nvd__pcie_transport.get_reg_4(ctrlr, ofst, value);
}

static int wrap_get_reg_8(struct nvd_ctrlr *ctrlr, uint32_t ofst, uint64_t *value)
{
	seen.get8++;
	return nvd__pcie_transport.get_reg_8(ctrlr, ofst, value);
}

static int wrap_set_reg_4(struct nvd_ctrlr *ctrlr, uint32_t ofst, uint32_t value)
{
	seen.set4++;
	if (ofst == NVME_REG_CC && (value & NVME_CC_EN))
		seen.cc_en_writes++;
	if (ofst == NVME_REG_CC && (value & NVME_CC_SHN_MASK) == NVME_CC_SHN_NORMAL)
		seen.cc_shn_writes++;
	return nvd__pcie_transport.set_reg_4(ctrlr, ofst, value);
}

static int wrap_set_reg_8(struct nvd_ctrlr *ctrlr, uint32_t ofst, uint64_t value)
{
	seen.set8++;
	return nvd__pcie_transport.set_reg_8(ctrlr, ofst, value);
}

static int wrap_ctrlr_enable(struct nvd_ctrlr *ctrlr)
{
	seen.enables++;
	return nvd__pcie_transport.ctrlr_enable(ctrlr);
}

static int wrap_qpair_connect(struct nvd_ctrlr *ctrlr, struct nvd_qpair *q)
{
	seen.connects++;
	if (seen.fail_connect)
		return seen.fail_connect;
	return nvd__pcie_transport.qpair_connect(ctrlr, q);
}

static int wrap_qpair_disconnect(struct nvd_ctrlr *ctrlr, struct nvd_qpair *q)
{
	seen.disconnects++;
	return nvd__pcie_transport.qpair_disconnect(ctrlr, q);
}

static int wrap_ctrlr_construct(const struct nvd_trid *trid, const struct nvd_ctrlr_opts *opts,
				struct nvd_ctrlr **ctrlr)
{
	seen.constructs++;
	/* as the PCIe table's, on the fake PCI function */
	return nvd__ctrlr_attach_backend(trid->traddr, &fake_attach_ops, opts, ctrlr);
}

static void wrap_ctrlr_destruct(struct nvd_ctrlr *ctrlr, bool stopped)
{
	seen.destructs++;
	nvd__pcie_transport.ctrlr_destruct(ctrlr, stopped);
}

#define WRAP_MAX_XFER	16384u

static uint32_t wrap_max_xfer_size(struct nvd_ctrlr *ctrlr)
{
	(void)ctrlr;
	return WRAP_MAX_XFER;
}

static int wrap_qpair_create(struct nvd_ctrlr *ctrlr, struct nvd_qpair *q, uint16_t qid,
			     uint32_t qsize, const struct nvd_io_qpair_opts *opts, uint32_t nreqs)
{
	seen.creates++;
	return nvd__pcie_transport.qpair_create(ctrlr, q, qid, qsize, opts, nreqs);
}

static void wrap_qpair_destroy(struct nvd_qpair *q, bool device_owns)
{
	seen.destroys++;
	seen.destroys_owned += device_owns;
	nvd__pcie_transport.qpair_destroy(q, device_owns);
}

static struct nvd_transport_ops wrapped;

static void setup(void)
{
	memset(&f, 0, sizeof(f));
	memset(&seen, 0, sizeof(seen));
	f.t = fake_transport_new(4 << 20);
	fake_attach_register(BDF0, f.t);
	fake_device_start(&f, &a);
	ck_assert_int_eq(nvd__ctrlr_attach_backend(BDF0, &fake_attach_ops, NULL, &c), 0);
	wrapped = nvd__pcie_transport;
	wrapped.get_reg_4 = wrap_get_reg_4;
	wrapped.get_reg_8 = wrap_get_reg_8;
	wrapped.set_reg_4 = wrap_set_reg_4;
	wrapped.set_reg_8 = wrap_set_reg_8;
	wrapped.ctrlr_enable = wrap_ctrlr_enable;
	wrapped.qpair_connect = wrap_qpair_connect;
	wrapped.qpair_disconnect = wrap_qpair_disconnect;
	wrapped.ctrlr_construct = wrap_ctrlr_construct;
	wrapped.ctrlr_destruct = wrap_ctrlr_destruct;
	wrapped.qpair_create = wrap_qpair_create;
	wrapped.qpair_destroy = wrap_qpair_destroy;
	wrapped.max_xfer_size = wrap_max_xfer_size;
}

static void teardown(void)
{
	nvd__transports[0] = &nvd__pcie_transport;
	fake_admin_stop(&f, &a);
	ck_assert_uint_eq(to_fake(f.t)->live_regions, 0);
	fake_transport_free(f.t);
}

START_TEST(test_attached_pcie_controller_holds_the_pcie_table)
{
	ck_assert_ptr_eq(c->transport, &nvd__pcie_transport);
	ck_assert_str_eq(c->transport->name, "PCIe");
	ck_assert_int_eq(c->transport->trtype, NVD_TRTYPE_PCIE);
	/* the I/O path does not go through it: no poll in the PCIe table; the core's reset */
	ck_assert_ptr_null(c->transport->qpair_process_completions);
	ck_assert_ptr_null(c->transport->ctrlr_reset);
	/* everything else is there, and is called (the tests below) */
	ck_assert_ptr_nonnull(c->transport->ctrlr_construct);
	ck_assert_ptr_nonnull(c->transport->ctrlr_destruct);
	ck_assert_ptr_nonnull(c->transport->max_xfer_size);
	ck_assert_ptr_nonnull(c->transport->qpair_create);
	ck_assert_ptr_nonnull(c->transport->qpair_destroy);
	/* found by trtype, as nvd_ctrlr_connect() finds it */
	ck_assert_ptr_eq(nvd__transport_of(NVD_TRTYPE_PCIE), &nvd__pcie_transport);
	ck_assert_ptr_eq(nvd__transport_of(NVD_TRTYPE_TCP), &nvd__tcp_transport);
	ck_assert_ptr_null(nvd__transport_of((enum nvd_trtype)1));
	nvd_ctrlr_detach(c);
}
END_TEST

/* TCP has every pointer: its I/O poll and its reset go through the table too. */
START_TEST(test_tcp_table_is_complete)
{
	const struct nvd_transport_ops *t = &nvd__tcp_transport;

	ck_assert_int_eq(t->trtype, NVD_TRTYPE_TCP);
	ck_assert_ptr_nonnull(t->ctrlr_construct);
	ck_assert_ptr_nonnull(t->ctrlr_enable);
	ck_assert_ptr_nonnull(t->ctrlr_destruct);
	ck_assert_ptr_nonnull(t->ctrlr_reset);
	ck_assert_ptr_nonnull(t->get_reg_4);
	ck_assert_ptr_nonnull(t->get_reg_8);
	ck_assert_ptr_nonnull(t->set_reg_4);
	ck_assert_ptr_nonnull(t->set_reg_8);
	ck_assert_ptr_nonnull(t->max_xfer_size);
	ck_assert_ptr_nonnull(t->qpair_create);
	ck_assert_ptr_nonnull(t->qpair_connect);
	ck_assert_ptr_nonnull(t->qpair_disconnect);
	ck_assert_ptr_nonnull(t->qpair_destroy);
	ck_assert_ptr_nonnull(t->qpair_process_completions);
	ck_assert(!t->needs_dma_memory);
	nvd_ctrlr_detach(c);
}
END_TEST

/*
 * nvd_ctrlr_connect() constructs through the table of the TRID's trtype,
 * and the controller keeps that table: its transfer bound limits what one
 * command carries, allocation and free create and destroy through it, and
 * detach destructs through it.
 */
START_TEST(test_connect_goes_through_the_trtype_table)
{
	struct nvd_trid trid;
	struct nvd_qpair *qp;
	struct nvd_ns *ns;

	nvd_ctrlr_detach(c);
	nvd__transports[0] = &wrapped;
	ck_assert_int_eq(nvd_trid_parse(&trid, "trtype:PCIe traddr:" BDF0), 0);
	ck_assert_int_eq(nvd_ctrlr_connect(&trid, NULL, &c), 0);
	ck_assert_uint_eq(seen.constructs, 1);
	ck_assert_ptr_eq(c->transport, &wrapped);
	ck_assert_uint_eq(c->max_xfer, WRAP_MAX_XFER);
	ns = nvd_ctrlr_get_ns(c, 1);
	ck_assert_ptr_nonnull(ns);
	ck_assert_uint_eq(nvd_ns_get_max_io_sectors(ns) * nvd_ns_get_sector_size(ns),
			  WRAP_MAX_XFER);
	ck_assert_int_eq(nvd_ctrlr_alloc_io_qpair(c, 16, &qp), 0);
	ck_assert_uint_eq(seen.creates, 1);
	ck_assert_uint_eq(seen.connects, 1);
	ck_assert_int_eq(nvd_ctrlr_free_io_qpair(qp), 0);
	ck_assert_uint_eq(seen.disconnects, 1);
	ck_assert_uint_eq(seen.destroys, 1);
	ck_assert_uint_eq(seen.destroys_owned, 0);
	ck_assert_uint_eq(seen.destructs, 0);
	nvd_ctrlr_detach(c);
	ck_assert_uint_eq(seen.destructs, 1);
}
END_TEST

START_TEST(test_connect_of_an_unknown_trtype_is_refused)
{
	struct nvd_trid trid;
	struct nvd_ctrlr *other = NULL;

	ck_assert_int_eq(nvd_trid_parse(&trid, "trtype:PCIe traddr:" BDF0), 0);
	trid.trtype = (enum nvd_trtype)1;	/* RDMA: not in this library */
	ck_assert_int_eq(nvd_ctrlr_connect(&trid, NULL, &other), -EPROTONOSUPPORT);
	ck_assert_ptr_null(other);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "not a transport"));
	nvd_ctrlr_detach(c);
}
END_TEST

START_TEST(test_reset_disables_and_enables_through_the_table)
{
	struct nvd_qpair *qp;

	ck_assert_int_eq(nvd_ctrlr_alloc_io_qpair(c, 16, &qp), 0);
	c->transport = &wrapped;
	ck_assert_int_eq(nvd_ctrlr_reset(c), 0);
	/* CSTS polled, CC written off and on, the admin queue given again */
	ck_assert_uint_gt(seen.get4, 0);
	ck_assert_uint_ge(seen.set4, 2);
	ck_assert_uint_eq(seen.cc_en_writes, 1);
	ck_assert_uint_eq(seen.enables, 1);
	/* deleted from the device first, then created on it again */
	ck_assert_uint_eq(seen.disconnects, 1);
	ck_assert_uint_eq(seen.connects, 1);
	ck_assert_uint_eq(a.io_sq[1], 1);
	ck_assert_int_eq(nvd_ctrlr_free_io_qpair(qp), 0);
	ck_assert_uint_eq(seen.disconnects, 2);
	ck_assert_uint_eq(seen.destroys, 1);
	ck_assert_uint_eq(a.io_sq[1], 0);
	ck_assert_uint_eq(a.io_cq[1], 0);
	nvd_ctrlr_detach(c);
	ck_assert_uint_eq(seen.cc_shn_writes, 1);
}
END_TEST

START_TEST(test_failed_connect_fails_the_allocation_and_frees_the_qid)
{
	struct nvd_qpair *qp = NULL;

	c->transport = &wrapped;
	seen.fail_connect = -EPROTO;
	ck_assert_int_eq(nvd_ctrlr_alloc_io_qpair(c, 16, &qp), -EPROTO);
	ck_assert_ptr_null(qp);
	/* what create allocated is destroyed again: the fixture counts live regions */
	ck_assert_uint_eq(seen.creates, 1);
	ck_assert_uint_eq(seen.destroys, 1);
	ck_assert_uint_eq(a.io_cq[1], 0);
	/* the same (first) queue ID is free for the next try */
	seen.fail_connect = 0;
	ck_assert_int_eq(nvd_ctrlr_alloc_io_qpair(c, 16, &qp), 0);
	ck_assert_ptr_eq(c->ioq[1], qp);
	ck_assert_uint_eq(a.io_sq[1], 1);
	ck_assert_int_eq(nvd_ctrlr_free_io_qpair(qp), 0);
	nvd_ctrlr_detach(c);
}
END_TEST

START_TEST(test_register_read_that_fails_is_a_gone_controller)
{
	c->transport = &wrapped;
	seen.fail_get = -ECONNRESET;
	ck_assert_uint_eq(ctrlr_get_reg4(c, NVME_REG_CSTS), NVME_REG_GONE);
	ck_assert(!nvd__ctrlr_check_alive(c));
	ck_assert_int_eq(nvd_ctrlr_is_failed(c), 1);
	/* the device is fine: let detach stop it and free everything */
	c->transport = &nvd__pcie_transport;
	__atomic_store_n(&c->failed, 0, __ATOMIC_RELEASE);
	nvd_ctrlr_detach(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("transport_ops");
	TCase *tc = tcase_create("transport_ops");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_attached_pcie_controller_holds_the_pcie_table);
	tcase_add_test(tc, test_tcp_table_is_complete);
	tcase_add_test(tc, test_connect_goes_through_the_trtype_table);
	tcase_add_test(tc, test_connect_of_an_unknown_trtype_is_refused);
	tcase_add_test(tc, test_reset_disables_and_enables_through_the_table);
	tcase_add_test(tc, test_failed_connect_fails_the_allocation_and_frees_the_qid);
	tcase_add_test(tc, test_register_read_that_fails_is_a_gone_controller);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
