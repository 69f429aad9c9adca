// SPDX-License-Identifier: MIT
/*
 * Attach as a state machine against a fake device that starts disabled
 * and finds its admin queue through AQA/ASQ/ACQ: polled to ready without
 * blocking, failures and timeouts named by state and fully undone, two
 * controllers brought up from one thread, and quirks keyed by PCI ID.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/admin_cmds.h"
#include "core/clock.h"
#include "core/ctrlr.h"
#include "core/quirks.h"
#include "fake.h"

#define BDF0	"0000:00:03.0"
#define BDF1	"0000:00:04.0"

static struct fake_ctrlr f[2];
static struct fake_admin a[2];

static void start(unsigned i, const char *bdf)
{
	memset(&f[i], 0, sizeof(f[i]));
	f[i].t = fake_transport_new(4 << 20);
	fake_attach_register(bdf, f[i].t);
	fake_device_start(&f[i], &a[i]);
}

static void stop(unsigned i)
{
	fake_admin_stop(&f[i], &a[i]);
	/* everything the attach mapped is unmapped again */
	ck_assert_uint_eq(to_fake(f[i].t)->live_regions, 0);
	fake_transport_free(f[i].t);
}

static void setup(void)
{
	start(0, BDF0);
}

static void teardown(void)
{
	stop(0);
}

/* Poll to the end; returns the result and counts the -EAGAINs. */
static int poll_to_end(struct nvd_attach_ctx *x, struct nvd_ctrlr **c, unsigned *again)
{
	int rc;

	*again = 0;
	while ((rc = nvd_ctrlr_attach_poll(x, c)) == -EAGAIN)
		(*again)++;
	return rc;
}

START_TEST(test_attach_async_is_polled_to_ready)
{
	struct nvd_attach_ctx *x;
	struct nvd_ctrlr *c = NULL;
	struct nvd_qpair *qp;
	unsigned again;

	__atomic_store_n(&a[0].rdy_delay, 100, __ATOMIC_RELEASE);
	ck_assert_int_eq(nvd__ctrlr_attach_backend_async(BDF0, &fake_attach_ops, NULL, &x), 0);
	/* nothing happened yet beyond reading CAP/VS */
	ck_assert_uint_eq(a[0].enables, 0);
	ck_assert_int_eq(poll_to_end(x, &c, &again), 0);
	ck_assert_uint_gt(again, 1);		/* it returned while waiting */
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(a[0].enables, 1);
	ck_assert_str_eq(nvd_ctrlr_get_info(c)->sn, "FAKE0001");
	ck_assert_str_eq(nvd_ctrlr_get_info(c)->mn, "fake controller");
	ck_assert_uint_eq(nvd_ctrlr_get_info(c)->num_io_queues, 4);
	ck_assert_uint_eq(a[0].features[NVME_FEAT_NUM_QUEUES], 0x30003);
	ck_assert_uint_eq(a[0].features[NVME_FEAT_ASYNC_EVENT], NVME_AEC_SMART_ALL);
	ck_assert_uint_eq(a[0].ns_list_reads, 1);
	ck_assert_uint_eq(nvd_ctrlr_first_ns(c), 1);
	ck_assert_uint_eq(nvd_ns_get_num_sectors(nvd_ctrlr_get_ns(c, 1)), 1000);
	/* AERL 0: one asynchronous event request outstanding */
	ck_assert_uint_eq(nvd_qpair_outstanding(&c->adminq), 1);
	/* usable: an I/O queue pair is created on the device */
	ck_assert_int_eq(nvd_ctrlr_alloc_io_qpair(c, 16, &qp), 0);
	ck_assert_uint_eq(a[0].io_sq[1], 1);
	nvd_ctrlr_detach(c);
	ck_assert_uint_eq(a[0].io_sq[1], 0);
	ck_assert_uint_eq(*fake_reg(f[0].t, NVME_REG_CSTS) & NVME_CSTS_SHST_MASK,
			  NVME_CSTS_SHST_DONE);
}
END_TEST

START_TEST(test_blocking_attach_is_the_same_machine)
{
	struct nvd_ctrlr *c = NULL;

	ck_assert_int_eq(nvd__ctrlr_attach_backend(BDF0, &fake_attach_ops, NULL, &c), 0);
	ck_assert_uint_eq(nvd_ctrlr_get_info(c)->num_io_queues, 4);
	ck_assert_uint_eq(c->num_ns, 1);
	nvd_ctrlr_detach(c);
}
END_TEST

START_TEST(test_timeout_names_the_state_and_undoes_everything)
{
	struct nvd_attach_ctx *x;
	struct nvd_ctrlr *c = NULL;
	unsigned again;

	__atomic_store_n(&a[0].rdy_never, 1, __ATOMIC_RELEASE);
	ck_assert_int_eq(nvd__ctrlr_attach_backend_async(BDF0, &fake_attach_ops, NULL, &x), 0);
	ck_assert_int_eq(poll_to_end(x, &c, &again), -ETIMEDOUT);	/* CAP.TO: 500 ms */
	ck_assert_ptr_null(c);
	ck_assert_str_eq(nvd_last_error(),
			 "timed out after 500 ms in state 'wait for CSTS.RDY=1 (enable)'");
	/* left disabled; teardown checks no DMA region is left */
	ck_assert_uint_eq(*fake_reg(f[0].t, NVME_REG_CC) & NVME_CC_EN, 0);
}
END_TEST

START_TEST(test_failed_command_names_the_state)
{
	struct nvd_ctrlr *c = NULL;

	a[0].fail_opc = NVME_ADM_SET_FEATURES + 1;
	ck_assert_int_eq(nvd__ctrlr_attach_backend(BDF0, &fake_attach_ops, NULL, &c), -EIO);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "state 'set number of queues'"));
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "Invalid Field"));
}
END_TEST

START_TEST(test_enabled_controller_becomes_ready_before_it_is_disabled)
{
	struct nvd_ctrlr *c = NULL;

	/* EN = 1 but not ready yet: clearing EN now would be undefined */
	*fake_reg(f[0].t, NVME_REG_AQA) = 0;
	__atomic_store_n(&a[0].rdy_delay, 300, __ATOMIC_RELEASE);
	*fake_reg(f[0].t, NVME_REG_CC) = NVME_CC_EN;
	ck_assert_int_eq(nvd__ctrlr_attach_backend(BDF0, &fake_attach_ops, NULL, &c), 0);
	/* the fake saw it get ready, then disabled, then enabled by attach */
	ck_assert_uint_eq(a[0].enables, 2);
	ck_assert_uint_eq(a[0].disables, 1);
	nvd_ctrlr_detach(c);
}
END_TEST

START_TEST(test_two_controllers_attach_from_one_thread)
{
	struct nvd_attach_ctx *x0, *x1;
	struct nvd_ctrlr *c0 = NULL, *c1 = NULL;
	int rc0 = -EAGAIN, rc1 = -EAGAIN;

	start(1, BDF1);
	__atomic_store_n(&a[0].rdy_delay, 100, __ATOMIC_RELEASE);
	__atomic_store_n(&a[1].rdy_delay, 100, __ATOMIC_RELEASE);
	ck_assert_int_eq(nvd__ctrlr_attach_backend_async(BDF0, &fake_attach_ops, NULL, &x0), 0);
	ck_assert_int_eq(nvd__ctrlr_attach_backend_async(BDF1, &fake_attach_ops, NULL, &x1), 0);
	while (rc0 == -EAGAIN || rc1 == -EAGAIN) {
		if (rc0 == -EAGAIN)
			rc0 = nvd_ctrlr_attach_poll(x0, &c0);
		if (rc1 == -EAGAIN)
			rc1 = nvd_ctrlr_attach_poll(x1, &c1);
	}
	ck_assert_int_eq(rc0, 0);
	ck_assert_int_eq(rc1, 0);
	ck_assert_str_eq(nvd_ctrlr_get_info(c0)->bdf, BDF0);
	ck_assert_str_eq(nvd_ctrlr_get_info(c1)->bdf, BDF1);
	ck_assert_uint_eq(a[0].enables, 1);
	ck_assert_uint_eq(a[1].enables, 1);
	nvd_ctrlr_detach(c0);
	nvd_ctrlr_detach(c1);
	stop(1);
}
END_TEST

START_TEST(test_cancel_undoes_a_started_attach)
{
	struct nvd_attach_ctx *x;
	struct nvd_ctrlr *c = NULL;

	__atomic_store_n(&a[0].rdy_delay, 1000000, __ATOMIC_RELEASE);
	ck_assert_int_eq(nvd__ctrlr_attach_backend_async(BDF0, &fake_attach_ops, NULL, &x), 0);
	ck_assert_int_eq(nvd_ctrlr_attach_poll(x, &c), -EAGAIN);
	nvd_ctrlr_attach_cancel(x);
	ck_assert_ptr_null(c);
}
END_TEST

START_TEST(test_old_qemu_id_probes_namespaces_instead_of_the_list)
{
	struct nvd_ctrlr *c = NULL;

	f[0].t->info.pci_vendor = 0x8086;
	f[0].t->info.pci_device = 0x5845;
	ck_assert_int_eq(nvd__ctrlr_attach_backend(BDF0, &fake_attach_ops, NULL, &c), 0);
	ck_assert_uint_eq(nvd_ctrlr_get_info(c)->pci_vendor, 0x8086);
	ck_assert_uint_eq(nvd_ctrlr_get_info(c)->pci_device, 0x5845);
	ck_assert_uint_ne(nvd_ctrlr_get_info(c)->quirks, 0);
	ck_assert_uint_eq(a[0].ns_list_reads, 0);	/* no Identify CNS 02h */
	ck_assert_uint_eq(nvd_ctrlr_first_ns(c), 1);	/* found by probing */
	nvd_ctrlr_detach(c);
}
END_TEST

START_TEST(test_ready_delay_quirk_holds_off_the_csts_checks)
{
	struct nvd_ctrlr *c = NULL;
	const struct nvd_quirk *q = nvd__quirk_lookup(0x1c58, 0x0003);
	uint64_t t0;

	ck_assert_ptr_nonnull(q);
	ck_assert_ptr_null(nvd__quirk_lookup(0x1b36, 0x0010));
	f[0].t->info.pci_vendor = 0x1c58;
	f[0].t->info.pci_device = 0x0003;
	t0 = nvd__now_ms();
	ck_assert_int_eq(nvd__ctrlr_attach_backend(BDF0, &fake_attach_ops, NULL, &c), 0);
	/* once after clearing EN, once after setting it */
	ck_assert_uint_ge(nvd__now_ms() - t0, 2 * q->rdy_delay_ms);
	nvd_ctrlr_detach(c);
}
END_TEST

/*
 * A controller that neither completes a shutdown nor clears CSTS.RDY may
 * still write to host memory.  Detach must not free its DMA memory region
 * by region but close the device and drop its own mappings, so that the
 * module's release (kmod/ctrl.c nvd_quiesce: disable, clear bus master,
 * then free) does it.  Takes the shutdown and disable timeouts (5.5 s).
 */
START_TEST(test_detach_leaves_memory_of_a_controller_that_will_not_stop_to_close)
{
	struct fake_transport *ft = to_fake(f[0].t);
	struct nvd_ctrlr *c = NULL;
	unsigned live, unmaps;
	void *ring;

	ck_assert_int_eq(nvd__ctrlr_attach_backend(BDF0, &fake_attach_ops, NULL, &c), 0);
	ring = c->adminq.sq_mem;
	live = ft->live_regions;
	unmaps = ft->unmaps;
	ck_assert_uint_gt(live, 0);
	__atomic_store_n(&a[0].stuck, 1, __ATOMIC_RELEASE);
	nvd_ctrlr_detach(c);
	/* still enabled: no region was handed back while the device may use it */
	ck_assert_uint_eq(*fake_reg(f[0].t, NVME_REG_CSTS) & NVME_CSTS_RDY, NVME_CSTS_RDY);
	ck_assert_uint_eq(ft->unmaps, unmaps);
	ck_assert_uint_eq(ft->live_regions, live);
	ck_assert_uint_eq(ft->closes, 1);
	ck_assert_uint_eq(ft->live_at_close, live);
	/* the library's view is gone, so the release (the file's last reference) can run */
	ck_assert_int_eq(msync(ring, 4096, MS_ASYNC), -1);
	ck_assert_int_eq(errno, ENOMEM);
	/* what the module's release would free; teardown checks the count */
	ft->live_regions = 0;
}
END_TEST

/* The same detach of a controller that stops: regions freed one by one, then close. */
START_TEST(test_detach_of_a_stopped_controller_frees_regions_before_close)
{
	struct fake_transport *ft = to_fake(f[0].t);
	struct nvd_ctrlr *c = NULL;
	unsigned live, unmaps;

	ck_assert_int_eq(nvd__ctrlr_attach_backend(BDF0, &fake_attach_ops, NULL, &c), 0);
	live = ft->live_regions;
	unmaps = ft->unmaps;
	nvd_ctrlr_detach(c);
	ck_assert_uint_eq(*fake_reg(f[0].t, NVME_REG_CSTS) & NVME_CSTS_SHST_MASK,
			  NVME_CSTS_SHST_DONE);
	ck_assert_uint_eq(ft->unmaps - unmaps, live);
	ck_assert_uint_eq(ft->closes, 1);
	ck_assert_uint_eq(ft->live_at_close, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("attach");
	TCase *tc = tcase_create("attach");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_attach_async_is_polled_to_ready);
	tcase_add_test(tc, test_blocking_attach_is_the_same_machine);
	tcase_add_test(tc, test_timeout_names_the_state_and_undoes_everything);
	tcase_add_test(tc, test_failed_command_names_the_state);
	tcase_add_test(tc, test_enabled_controller_becomes_ready_before_it_is_disabled);
	tcase_add_test(tc, test_two_controllers_attach_from_one_thread);
	tcase_add_test(tc, test_cancel_undoes_a_started_attach);
	tcase_add_test(tc, test_old_qemu_id_probes_namespaces_instead_of_the_list);
	tcase_add_test(tc, test_ready_delay_quirk_holds_off_the_csts_checks);
	tcase_add_test(tc, test_detach_leaves_memory_of_a_controller_that_will_not_stop_to_close);
	tcase_add_test(tc, test_detach_of_a_stopped_controller_frees_regions_before_close);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
