// SPDX-License-Identifier: MIT
/*
 * Interrupt mode on a fake controller: it cannot raise MSI-X, so the tests
 * play the module's part by writing to the eventfd, and the controller's by
 * posting CQ entries.  What is checked: the Create I/O CQ bits, the vector
 * routed and unrouted, arm's unmask-then-drain-then-look order (no lost
 * wakeup), the mask asked for only when it changes (once for a module that
 * cannot), and the arguments and limits refused.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "fake.h"
#include "pcie/intr.h"

static struct fake_ctrlr f;
static int ncb;

static void cb(void *arg, const struct nvd_cpl *cpl)
{
	(void)arg;
	(void)cpl;
	ncb++;
}

static void setup(void)
{
	fake_ctrlr_setup(&f, NULL);
	ncb = 0;
}

static void teardown(void)
{
	nvd__qpair_intr_disable(&f.q);
	fake_ctrlr_teardown(&f);
}

START_TEST(test_enable_routes_vector_qid_to_the_fd)
{
	int fd;

	ck_assert_int_eq(nvd__qpair_intr_enable(&f.q), 0);
	fd = nvd_qpair_get_fd(&f.q);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(to_fake(f.t)->irq_fd[1], fd);
	ck_assert_int_eq(to_fake(f.t)->irq_fd[0], -1);	/* admin stays polled */
	ck_assert(fcntl(fd, F_GETFL) & O_NONBLOCK);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	nvd__qpair_intr_disable(&f.q);
	ck_assert_int_eq(to_fake(f.t)->irq_fd[1], -1);
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);	/* closed */
	ck_assert_int_eq(nvd_qpair_get_fd(&f.q), -EINVAL);
}
END_TEST

START_TEST(test_create_cq_bits_ien_and_iv)
{
	/* Base 2.0, Create I/O Completion Queue CDW11: IV 31:16, IEN bit 1 */
	ck_assert_uint_eq(nvd__qpair_cq_intr_bits(&f.q), 0);
	ck_assert_int_eq(nvd__qpair_intr_enable(&f.q), 0);
	ck_assert_uint_eq(nvd__qpair_cq_intr_bits(&f.q), (1u << 16) | (1u << 1));
}
END_TEST

START_TEST(test_arm_drains_the_fd_and_says_empty)
{
	int fd;

	ck_assert_int_eq(nvd__qpair_intr_enable(&f.q), 0);
	fd = nvd_qpair_get_fd(&f.q);
	ck_assert(!fake_fd_readable(fd));
	fake_irq_fire(fd);
	fake_irq_fire(fd);
	ck_assert(fake_fd_readable(fd));
	/* a spurious or stale interrupt: drained, and nothing is waiting */
	ck_assert_int_eq(nvd_qpair_arm(&f.q), 0);
	ck_assert(!fake_fd_readable(fd));
}
END_TEST

START_TEST(test_arm_reports_completion_posted_before_it)
{
	void *buf = nvd_dma_alloc(&f.c, 4096);
	int fd;

	ck_assert_int_eq(nvd__qpair_intr_enable(&f.q), 0);
	fd = nvd_qpair_get_fd(&f.q);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, cb, NULL, 0), 0);
	ck_assert_int_eq(nvd_qpair_arm(&f.q), 0);
	/* the entry lands and its interrupt fires before the caller reaps */
	fake_complete(&f, 0, 0);
	fake_irq_fire(fd);
	ck_assert(fake_fd_readable(fd));
	/* arm again without reaping: it must not let the caller sleep */
	ck_assert_int_eq(nvd_qpair_arm(&f.q), 1);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
	ck_assert_int_eq(ncb, 1);
	ck_assert_int_eq(nvd_qpair_arm(&f.q), 0);
	nvd_dma_free(&f.c, buf);
}
END_TEST

START_TEST(test_arm_then_interrupt_wakes_poll)
{
	void *buf = nvd_dma_alloc(&f.c, 4096);
	int fd;

	ck_assert_int_eq(nvd__qpair_intr_enable(&f.q), 0);
	fd = nvd_qpair_get_fd(&f.q);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, cb, NULL, 0), 0);
	ck_assert_int_eq(nvd_qpair_arm(&f.q), 0);
	ck_assert(!fake_fd_readable(fd));
	/* completion after the arm: its interrupt is not lost */
	fake_complete(&f, 0, 0);
	fake_irq_fire(fd);
	ck_assert(fake_fd_readable(fd));
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
	ck_assert_int_eq(ncb, 1);
	nvd_dma_free(&f.c, buf);
}
END_TEST

/* The device sends what it held while masked: an entry and its interrupt. */
static int readable_at_unmask = -1;

static void complete_on_unmask(struct pci_backend *t, uint32_t vector)
{
	(void)t;
	readable_at_unmask = fake_fd_readable(nvd_qpair_get_fd(&f.q));
	ck_assert_uint_eq(vector, 1);
	fake_complete(&f, 0, 0);
	fake_irq_fire(nvd_qpair_get_fd(&f.q));
}

START_TEST(test_arm_unmasks_before_it_drains_and_looks)
{
	struct fake_transport *ft = to_fake(f.t);
	void *buf = nvd_dma_alloc(&f.c, 4096);
	int fd;

	ck_assert_int_eq(nvd__qpair_intr_enable(&f.q), 0);
	fd = nvd_qpair_get_fd(&f.q);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, cb, NULL, 0), 0);
	ck_assert_int_eq(nvd__qpair_intr_mask(&f.q, true), 0);
	ck_assert(ft->irq_masked[1]);
	fake_irq_fire(fd);		/* raised before the mask: stale */
	ft->on_unmask = complete_on_unmask;
	/* the entry held back by the mask is seen by the look, not slept past */
	ck_assert_int_eq(nvd_qpair_arm(&f.q), 1);
	ck_assert(!ft->irq_masked[1]);
	ck_assert_int_eq(readable_at_unmask, 1);	/* not drained before the unmask */
	ck_assert(!fake_fd_readable(fd));		/* but after it */
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
	ck_assert_int_eq(ncb, 1);
	nvd_dma_free(&f.c, buf);
}
END_TEST

START_TEST(test_mask_asks_the_module_only_on_a_change)
{
	struct fake_transport *ft = to_fake(f.t);

	ck_assert_int_eq(nvd__qpair_intr_enable(&f.q), 0);
	ck_assert_int_eq(nvd_qpair_arm(&f.q), 0);	/* unmasked already: no call */
	ck_assert_uint_eq(ft->irq_unmasks, 0);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(nvd__qpair_intr_mask(&f.q, true), 0);
	ck_assert_uint_eq(ft->irq_masks, 1);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(nvd_qpair_arm(&f.q), 0);
	ck_assert_uint_eq(ft->irq_unmasks, 1);
	ck_assert(!ft->irq_masked[1]);
	/* unrouting unmasks in the module: a new route starts unmasked */
	ck_assert_int_eq(nvd__qpair_intr_mask(&f.q, true), 0);
	nvd__qpair_intr_disable(&f.q);
	ck_assert_int_eq(nvd__qpair_intr_enable(&f.q), 0);
	ck_assert_int_eq(nvd__qpair_intr_mask(&f.q, true), 0);
	ck_assert_uint_eq(ft->irq_masks, 3);
	ck_assert(ft->irq_masked[1]);
}
END_TEST

START_TEST(test_a_module_that_cannot_mask_is_asked_once)
{
	struct fake_transport *ft = to_fake(f.t);

	ck_assert_int_eq(nvd__qpair_intr_enable(&f.q), 0);
	ft->mask_error = -EOPNOTSUPP;		/* the module answered ENOTTY */
	ck_assert_int_eq(nvd__qpair_intr_mask(&f.q, true), 0);
	ft->mask_error = 0;
	ck_assert_int_eq(nvd__qpair_intr_mask(&f.q, true), 0);
	ck_assert_int_eq(nvd_qpair_arm(&f.q), 0);
	ck_assert_uint_eq(ft->irq_masks, 1);
	ck_assert_uint_eq(ft->irq_unmasks, 0);
	ck_assert(!ft->irq_masked[1]);		/* interrupts per completion, as before */
}
END_TEST

START_TEST(test_arm_says_reap_when_the_unmask_finds_the_device_gone)
{
	struct fake_transport *ft = to_fake(f.t);

	ck_assert_int_eq(nvd__qpair_intr_enable(&f.q), 0);
	ck_assert_int_eq(nvd__qpair_intr_mask(&f.q, true), 0);
	ft->mask_error = -ENXIO;
	ck_assert_int_eq(nvd_qpair_arm(&f.q), 1);	/* never a sleep on a masked vector */
}
END_TEST

START_TEST(test_polled_qpair_has_no_fd_and_cannot_arm)
{
	ck_assert_int_eq(nvd_qpair_get_fd(&f.q), -EINVAL);
	ck_assert_int_eq(nvd_qpair_arm(&f.q), -EINVAL);
	ck_assert_int_eq(nvd_qpair_get_fd(NULL), -EINVAL);
	ck_assert_int_eq(nvd_qpair_arm(NULL), -EINVAL);
	nvd__qpair_intr_disable(&f.q);	/* no-op */
	ck_assert_int_eq(to_fake(f.t)->irq_fd[1], -1);
}
END_TEST

START_TEST(test_qid_past_the_vectors_is_refused_with_the_limit)
{
	f.t->info.nr_vectors = 1;	/* only the admin queue's vector */
	ck_assert_int_eq(nvd__qpair_intr_enable(&f.q), -ENOSPC);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "vector 1"));
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "only 1 vectors"));
	ck_assert(!f.q.intr);
	f.t->info.nr_vectors = 0;	/* no MSI-X, or an older module */
	ck_assert_int_eq(nvd__qpair_intr_enable(&f.q), -EOPNOTSUPP);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "cannot deliver interrupts"));
	ck_assert_int_eq(to_fake(f.t)->irq_fd[1], -1);
}
END_TEST

START_TEST(test_failed_route_closes_the_eventfd)
{
	int probe, next;

	probe = dup(0);
	ck_assert_int_ge(probe, 0);
	close(probe);	/* the next fd number the process hands out */
	to_fake(f.t)->irq_error = -EBUSY;
	ck_assert_int_eq(nvd__qpair_intr_enable(&f.q), -EBUSY);
	ck_assert(!f.q.intr);
	next = dup(0);
	ck_assert_int_eq(next, probe);	/* the eventfd did not leak */
	close(next);
}
END_TEST

START_TEST(test_arm_on_gone_controller_says_reap)
{
	ck_assert_int_eq(nvd__qpair_intr_enable(&f.q), 0);
	nvd__ctrlr_mark_failed(&f.c);
	ck_assert_int_eq(nvd_qpair_arm(&f.q), 1);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), -ENXIO);
}
END_TEST

START_TEST(test_alloc_opts_are_checked)
{
	struct nvd_io_qpair_opts o;
	struct nvd_qpair *qp = NULL;

	nvd_io_qpair_opts_init(&o);
	ck_assert_uint_eq(o.opts_size, sizeof(o));
	ck_assert_uint_eq(o.qsize, 0);
	ck_assert_uint_eq(o.interrupts, 0);
	ck_assert_int_eq(nvd_ctrlr_alloc_io_qpair_opts(&f.c, NULL, &qp), -EINVAL);
	o.opts_size = 4;
	ck_assert_int_eq(nvd_ctrlr_alloc_io_qpair_opts(&f.c, &o, &qp), -EINVAL);
	ck_assert_ptr_null(qp);
}
END_TEST

static Suite *intr_suite(void)
{
	Suite *s = suite_create("intr");
	TCase *tc = tcase_create("intr");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_enable_routes_vector_qid_to_the_fd);
	tcase_add_test(tc, test_create_cq_bits_ien_and_iv);
	tcase_add_test(tc, test_arm_drains_the_fd_and_says_empty);
	tcase_add_test(tc, test_arm_reports_completion_posted_before_it);
	tcase_add_test(tc, test_arm_then_interrupt_wakes_poll);
	tcase_add_test(tc, test_arm_unmasks_before_it_drains_and_looks);
	tcase_add_test(tc, test_mask_asks_the_module_only_on_a_change);
	tcase_add_test(tc, test_a_module_that_cannot_mask_is_asked_once);
	tcase_add_test(tc, test_arm_says_reap_when_the_unmask_finds_the_device_gone);
	tcase_add_test(tc, test_polled_qpair_has_no_fd_and_cannot_arm);
	tcase_add_test(tc, test_qid_past_the_vectors_is_refused_with_the_limit);
	tcase_add_test(tc, test_failed_route_closes_the_eventfd);
	tcase_add_test(tc, test_arm_on_gone_controller_says_reap);
	tcase_add_test(tc, test_alloc_opts_are_checked);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(intr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
