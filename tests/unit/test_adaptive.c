// SPDX-License-Identifier: MIT
/*
 * Adaptive polling (nvd_qpair_wait) on a fake controller, which plays the
 * module's part by writing to the eventfd and the controller's by posting
 * CQ entries.  What is checked: the learned gap follows a change of the
 * device's service time, the nap/spin arithmetic, that a wait never sleeps
 * with an entry already in the CQ, that it arms (drains the eventfd) before
 * each sleep, that a nap followed by a spin catches a completion that
 * raised no interrupt, that a nap an interrupt ends teaches sleeping (not
 * spinning), that the explored polling wait spins without a nap, that the
 * vector is masked while the waiter spins and unmasked before it sleeps
 * (one mask call for a queue pair that keeps spinning, none at all from a
 * module that cannot), and the arguments refused.  No elapsed time is asserted beyond lower bounds
 * the fake's own sleeps guarantee: the counters say which step ended each
 * wait.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fake.h"
#include "pcie/intr.h"

static struct fake_ctrlr f;
static void *buf;
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
	ck_assert_int_eq(nvd__qpair_intr_enable(&f.q), 0);
	buf = nvd_dma_alloc(&f.c, 4096);
	ck_assert_ptr_nonnull(buf);
	ncb = 0;
}

static void teardown(void)
{
	nvd_dma_free(&f.c, buf);
	nvd__qpair_intr_disable(&f.q);
	fake_ctrlr_teardown(&f);
}

static struct nvd_qpair_wait_stats stats(void)
{
	struct nvd_qpair_wait_stats s = { .size = sizeof(s) };

	ck_assert_int_eq(nvd_qpair_get_wait_stats(&f.q, &s), 0);
	return s;
}

START_TEST(test_learned_gap_follows_a_changed_service_time)
{
	struct adaptive a = { 0 };
	int i;

	nvd__adaptive_learn(&a, false, 20000);
	ck_assert_uint_eq(a.spin_gap_ns, 20000);	/* the first sample whole */
	for (i = 0; i < 30; i++)
		nvd__adaptive_learn(&a, false, 200000);
	ck_assert_uint_gt(a.spin_gap_ns, 80000);	/* on its way */
	ck_assert_uint_lt(a.spin_gap_ns, 200000);
	/* the device slowed down tenfold: there after 60 waits */
	for (i = 0; i < 30; i++)
		nvd__adaptive_learn(&a, false, 200000);
	ck_assert_uint_eq(a.spin_gap_ns, 200000);
	/* and back */
	for (i = 0; i < 60; i++)
		nvd__adaptive_learn(&a, false, 20000);
	ck_assert_uint_eq(a.spin_gap_ns, 20000);
	/* one outlier moves it by a sixteenth (at least 1 us), not to the outlier */
	nvd__adaptive_learn(&a, false, 10000000);
	ck_assert_uint_eq(a.spin_gap_ns, 21250);
}
END_TEST

START_TEST(test_learned_gap_is_the_median_not_dragged_by_stalls)
{
	struct adaptive a = { 0 };
	int i, j;

	/* nine gaps of 20 us, then a 10 ms stall of the host, over and over */
	for (i = 0; i < 100; i++)
		for (j = 0; j < 10; j++)
			nvd__adaptive_learn(&a, false, j < 9 ? 20000 : 10000000);
	/* the mean is over 1 ms; the typical gap is what it spins for */
	ck_assert_uint_lt(a.spin_gap_ns, 25000);
	ck_assert_uint_ge(a.spin_gap_ns, 20000);
}
END_TEST

START_TEST(test_nap_to_half_the_gap_less_the_lateness)
{
	struct adaptive a = { 0 };

	ck_assert_uint_eq(nvd__adaptive_nap_ns(&a), 0);		/* nothing learned: no nap */
	ck_assert_uint_eq(nvd__adaptive_spin_ns(&a), 10000);	/* spin 10 us, then block */
	a.spin_gap_ns = 100000;
	ck_assert_uint_eq(nvd__adaptive_nap_ns(&a), 50000);
	ck_assert_uint_eq(nvd__adaptive_spin_ns(&a), 210000);	/* 2 est + 10 us */
	a.late_ns = 30000;
	ck_assert_uint_eq(nvd__adaptive_nap_ns(&a), 20000);
	/* a nap that would be eaten by the timer's lateness is not taken */
	a.late_ns = 45000;
	ck_assert_uint_eq(nvd__adaptive_nap_ns(&a), 0);
	a.late_ns = 0;
	a.spin_gap_ns = 15000;			/* a deep queue's short gaps: polled */
	ck_assert_uint_eq(nvd__adaptive_nap_ns(&a), 0);
	/* lateness is learned from what naps took over what they asked for */
	nvd__adaptive_learn_late(&a, 10000, 90000);
	/* from nothing, 1 us a nap: one stalled nap cannot stop naps */
	ck_assert_uint_eq(a.late_ns, 1000);
	for (int i = 0; i < 100; i++)
		nvd__adaptive_learn_late(&a, 10000, 90000);
	ck_assert_uint_eq(a.late_ns, 80000);
	nvd__adaptive_learn_late(&a, 10000, 5000);	/* early: counts as 0 */
	ck_assert_uint_eq(a.late_ns, 75000);
}
END_TEST

START_TEST(test_sleeps_when_sleeping_is_at_most_an_eighth_slower)
{
	struct adaptive a = { 0 };

	a.waits = 1;
	ck_assert(!nvd__adaptive_sleeps(&a));	/* nothing learned: poll */
	nvd__adaptive_learn(&a, false, 80000);
	nvd__adaptive_learn(&a, true, 90000);
	ck_assert(nvd__adaptive_sleeps(&a));	/* 90 us asleep vs 80 polling: sleep */
	a.waits = 32;
	ck_assert(!nvd__adaptive_sleeps(&a));	/* every 32nd wait tries the other way */
	a.waits = 33;
	a.sleep_gap_ns = 91000;
	ck_assert(!nvd__adaptive_sleeps(&a));	/* more than an eighth slower: poll */
	a.waits = 64;
	ck_assert(nvd__adaptive_sleeps(&a));	/* and tries sleeping now and then */
	/* each way learns only its own gap */
	nvd__adaptive_learn(&a, true, 200000);
	ck_assert_uint_eq(a.spin_gap_ns, 80000);
	ck_assert_uint_gt(a.sleep_gap_ns, 91000);
}
END_TEST

START_TEST(test_a_way_twice_as_slow_is_tried_every_256th_wait)
{
	struct adaptive a = { .spin_gap_ns = 20000, .sleep_gap_ns = 60000 };
	unsigned tries = 0;

	/* polling at QD1, sleeping 3x slower: under 1% of the waits sleep (p99) */
	for (a.waits = 1; a.waits <= 1024; a.waits++)
		tries += nvd__adaptive_sleeps(&a);
	ck_assert_uint_eq(tries, 4);
	/* within twice: every 32nd, as before */
	a.sleep_gap_ns = 40000;
	for (tries = 0, a.waits = 1; a.waits <= 1024; a.waits++)
		tries += nvd__adaptive_sleeps(&a);
	ck_assert_uint_eq(tries, 32);
	/* and the other way round: sleeping, polling three times slower */
	a.spin_gap_ns = 1500000;
	a.sleep_gap_ns = 40000;
	for (tries = 0, a.waits = 1; a.waits <= 1024; a.waits++)
		tries += !nvd__adaptive_sleeps(&a);
	ck_assert_uint_eq(tries, 4);
	/* a gap not known yet is tried every 32nd wait */
	a.sleep_gap_ns = 0;
	for (tries = 0, a.waits = 1; a.waits <= 1024; a.waits++)
		tries += nvd__adaptive_sleeps(&a);
	ck_assert_uint_eq(tries, 32);
}
END_TEST

static void *complete_and_fire_later(void *arg);

START_TEST(test_wait_sleeps_at_once_when_sleeping_pays)
{
	struct nvd_qpair_wait_stats s;
	pthread_t th;

	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, cb, NULL, 0), 0);
	/* polling would nap 150 ms and spin to 600: sleeping is as fast */
	nvd__adaptive_learn(&f.q.adaptive, false, 300000000);
	nvd__adaptive_learn(&f.q.adaptive, true, 300000000);
	ck_assert_int_eq(pthread_create(&th, NULL, complete_and_fire_later, NULL), 0);
	ck_assert_int_eq(nvd_qpair_wait(&f.q, -1), 1);
	pthread_join(th, NULL);
	s = stats();
	ck_assert_uint_eq(s.naps, 0);
	ck_assert_uint_eq(s.spin_hits, 0);
	ck_assert_uint_eq(s.blocks, 1);
	/* the 0.1 s gap taught the sleeping way, not the polling one */
	ck_assert_uint_eq(s.spin_gap_ns, 300000000);
	ck_assert_uint_lt(s.sleep_gap_ns, 300000000);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
}
END_TEST

START_TEST(test_wait_never_sleeps_with_an_entry_in_the_cq)
{
	struct nvd_qpair_wait_stats s;

	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, cb, NULL, 0), 0);
	/* learned: completions take 10 s, so a wait would nap for 5 */
	nvd__adaptive_learn(&f.q.adaptive, false, 10ull * 1000000000);
	fake_complete(&f, 0, 0);		/* no interrupt yet either */
	ck_assert_int_eq(nvd_qpair_wait(&f.q, -1), 1);
	s = stats();
	ck_assert_uint_eq(s.naps, 0);
	ck_assert_uint_eq(s.blocks, 0);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
	ck_assert_int_eq(ncb, 1);
}
END_TEST

START_TEST(test_wait_arms_before_it_blocks)
{
	struct nvd_qpair_wait_stats s;
	int fd = nvd_qpair_get_fd(&f.q);

	/* a stale interrupt, and nothing outstanding: straight to step 3 */
	fake_irq_fire(fd);
	ck_assert_int_eq(nvd_qpair_wait(&f.q, 20000), 0);	/* the timeout */
	s = stats();
	ck_assert_uint_eq(s.waits, 0);	/* nothing outstanding: no completion waited for */
	ck_assert_uint_eq(s.naps, 0);
	ck_assert_uint_eq(s.blocks, 1);
	ck_assert(!fake_fd_readable(fd));	/* drained before the sleep, not left to wake it */
	ck_assert_uint_eq(s.spin_gap_ns, 0);	/* nothing completed: nothing learned */
}
END_TEST

START_TEST(test_wait_arms_before_it_naps)
{
	struct nvd_qpair_wait_stats s;
	int fd = nvd_qpair_get_fd(&f.q);

	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, cb, NULL, 0), 0);
	nvd__adaptive_learn(&f.q.adaptive, false, 4000000);	/* nap 2 ms, spin to 8 ms */
	fake_irq_fire(fd);
	/* a timeout far past the spin: a loaded host's late nap still leaves the block */
	ck_assert_int_eq(nvd_qpair_wait(&f.q, 500000), 0);
	s = stats();
	ck_assert_uint_eq(s.naps, 1);
	ck_assert_uint_eq(s.spin_hits, 0);
	ck_assert_uint_eq(s.blocks, 1);
	ck_assert(!fake_fd_readable(fd));
	/* the nap ran to its timer (a stale readiness would have ended it at once) */
	ck_assert_uint_gt(s.late_ns, 0);
	ck_assert_uint_eq(s.spin_gap_ns, 4000000);	/* a timeout teaches nothing */
}
END_TEST

static void *complete_later(void *arg)
{
	struct timespec ts = { 0, 700 * 1000000 };

	(void)arg;
	nanosleep(&ts, NULL);
	fake_complete(&f, 0, 0);	/* and no interrupt: only a spin can see it */
	return NULL;
}

START_TEST(test_nap_then_spin_catches_a_completion_and_learns_its_gap)
{
	struct nvd_qpair_wait_stats s;
	pthread_t th;

	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, cb, NULL, 0), 0);
	/* learned 1 s: nap 0.5 s, spin to 2 s; the entry lands at 0.7 s */
	nvd__adaptive_learn(&f.q.adaptive, false, 1000000000);
	ck_assert_int_eq(pthread_create(&th, NULL, complete_later, NULL), 0);
	ck_assert_int_eq(nvd_qpair_wait(&f.q, 10 * 1000000), 1);
	pthread_join(th, NULL);
	s = stats();
	ck_assert_uint_eq(s.naps, 1);
	ck_assert_uint_eq(s.spin_hits, 1);
	ck_assert_uint_eq(s.blocks, 0);
	/* a 0.7 s gap pulled the 1 s estimate down */
	ck_assert_uint_lt(s.spin_gap_ns, 1000000000);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
	ck_assert_int_eq(ncb, 1);
}
END_TEST

static void *complete_and_fire_later(void *arg)
{
	struct timespec ts = { 0, 100 * 1000000 };

	(void)arg;
	nanosleep(&ts, NULL);
	fake_complete(&f, 0, 0);
	fake_irq_fire(nvd_qpair_get_fd(&f.q));
	return NULL;
}

START_TEST(test_a_nap_the_interrupt_ends_is_a_sleep_and_shortens_the_spin_gap)
{
	struct nvd_qpair_wait_stats s;
	pthread_t th;

	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, cb, NULL, 0), 0);
	/* learned 4 s: nap 2 s; the entry and its interrupt come at 0.1 s */
	nvd__adaptive_learn(&f.q.adaptive, false, 4000000000ull);
	ck_assert_int_eq(pthread_create(&th, NULL, complete_and_fire_later, NULL), 0);
	ck_assert_int_eq(nvd_qpair_wait(&f.q, 10 * 1000000), 1);
	pthread_join(th, NULL);
	s = stats();
	ck_assert_uint_eq(s.naps, 1);
	ck_assert_uint_eq(s.spin_hits, 0);
	ck_assert_uint_eq(s.blocks, 0);
	/*
	 * The wakeup is in this gap, so it teaches sleeping, not spinning
	 * (counted as spinning, a wakeup's length would keep every nap as
	 * long as a wakeup).  The nap was too long: spin_gap comes down a
	 * sixteenth.  The sample is this wakeup's, at about 0.1 s, long
	 * before the 2 s nap would have ended (not at least 0.1 s: the
	 * completer's sleep starts before the waiter's clock does, and a
	 * loaded host lets the waiter start late).
	 */
	ck_assert_uint_ge(s.sleep_gap_ns, 50000000);
	ck_assert_uint_lt(s.sleep_gap_ns, 2000000000);
	ck_assert_uint_eq(s.spin_gap_ns, 4000000000ull - 4000000000ull / 16);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
}
END_TEST

START_TEST(test_the_explored_polling_wait_spins_without_a_nap)
{
	struct nvd_qpair_wait_stats s;
	pthread_t th;

	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, cb, NULL, 0), 0);
	/* sleeping pays (3.6 s against 4 s); the next wait is the 32nd: it polls */
	nvd__adaptive_learn(&f.q.adaptive, false, 4000000000ull);
	nvd__adaptive_learn(&f.q.adaptive, true, 3600000000ull);
	f.q.adaptive.waits = 31;
	ck_assert_int_eq(pthread_create(&th, NULL, complete_later, NULL), 0);
	ck_assert_int_eq(nvd_qpair_wait(&f.q, 10 * 1000000), 1);
	pthread_join(th, NULL);
	s = stats();
	/* no 2 s nap first (the entry comes at 0.7 s): it learns pure spinning's gap */
	ck_assert_uint_eq(s.naps, 0);
	ck_assert_uint_eq(s.spin_hits, 1);
	ck_assert_uint_eq(s.blocks, 0);
	ck_assert_uint_lt(s.spin_gap_ns, 4000000000ull);
	ck_assert_uint_eq(s.sleep_gap_ns, 3600000000ull);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
}
END_TEST

START_TEST(test_unknown_gap_blocks_and_the_interrupt_wakes_it)
{
	struct nvd_qpair_wait_stats s;
	pthread_t th;

	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, cb, NULL, 0), 0);
	ck_assert_int_eq(pthread_create(&th, NULL, complete_and_fire_later, NULL), 0);
	ck_assert_int_eq(nvd_qpair_wait(&f.q, -1), 1);
	pthread_join(th, NULL);
	s = stats();
	ck_assert_uint_eq(s.naps, 0);		/* nothing learned yet: no nap */
	ck_assert_uint_eq(s.blocks, 1);
	/*
	 * and now it knows both gaps: sleeping's, the whole wait; polling's,
	 * only that it is longer than the 10 us spin that ran out (the whole
	 * wait, a wakeup and any stall in it, would start it far too long);
	 * sleeping's is about 0.1 s, a little less when the waiter started
	 * late (see above)
	 */
	ck_assert_uint_ge(s.sleep_gap_ns, 50000000);
	ck_assert_uint_eq(s.spin_gap_ns, 10000);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
}
END_TEST

/* The device: once the waiter spins (its vector masked), an entry a little later. */
static void *complete_once_masked(void *arg)
{
	struct timespec ts = { 0, 1000000 };

	(void)arg;
	while (!__atomic_load_n(&to_fake(f.t)->irq_masked[1], __ATOMIC_SEQ_CST) &&
	       !to_fake(f.t)->mask_error)
		nanosleep(&ts, NULL);
	nanosleep(&ts, NULL);
	fake_complete_next(&f, 0, NULL);	/* masked: no interrupt */
	return NULL;
}

/* @n waits that poll (1 s learned, a lateness that eats every nap: spin to 2 s). */
static struct nvd_qpair_wait_stats spin_waits(int n)
{
	pthread_t th;

	nvd__adaptive_learn(&f.q.adaptive, false, 1000000000);
	f.q.adaptive.late_ns = 1000000000;
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, cb, NULL, 0), 0);
		ck_assert_int_eq(pthread_create(&th, NULL, complete_once_masked, NULL), 0);
		ck_assert_int_eq(nvd_qpair_wait(&f.q, 10 * 1000000), 1);
		pthread_join(th, NULL);
		ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
	}
	ck_assert_int_eq(ncb, n);
	return stats();
}

START_TEST(test_spinning_waits_mask_the_vector_once)
{
	struct fake_transport *ft = to_fake(f.t);
	struct nvd_qpair_wait_stats s = spin_waits(20);

	ck_assert_uint_eq(s.naps, 0);
	ck_assert_uint_eq(s.blocks, 0);
	ck_assert_uint_ge(s.spin_hits, 1);	/* the rest found their entry at once */
	/* twenty waits, one syscall: the vector stays masked while they spin */
	ck_assert(ft->irq_masked[1]);
	ck_assert_uint_eq(ft->irq_masks, 1);
	ck_assert_uint_eq(ft->irq_unmasks, 0);
}
END_TEST

START_TEST(test_a_block_after_spinning_unmasks)
{
	struct fake_transport *ft = to_fake(f.t);
	struct nvd_qpair_wait_stats s;

	spin_waits(1);
	ck_assert(ft->irq_masked[1]);
	/* nothing outstanding: it blocks at once, so the interrupt must reach it */
	ck_assert_int_eq(nvd_qpair_wait(&f.q, 20000), 0);
	s = stats();
	ck_assert_uint_eq(s.blocks, 1);
	ck_assert(!ft->irq_masked[1]);
	ck_assert_uint_eq(ft->irq_unmasks, 1);
}
END_TEST

START_TEST(test_a_nap_unmasks_and_the_spin_after_it_masks)
{
	struct fake_transport *ft = to_fake(f.t);
	struct nvd_qpair_wait_stats s;

	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, cb, NULL, 0), 0);
	nvd__adaptive_learn(&f.q.adaptive, false, 4000000);	/* nap 2 ms, spin to 8 ms */
	ck_assert_int_eq(nvd__qpair_intr_mask(&f.q, true), 0);	/* as a spin left it */
	/* nothing completes: nap (unmasked), spin (masked), block (unmasked) */
	ck_assert_int_eq(nvd_qpair_wait(&f.q, 500000), 0);
	s = stats();
	ck_assert_uint_eq(s.naps, 1);
	ck_assert_uint_eq(s.blocks, 1);
	ck_assert_uint_eq(ft->irq_unmasks, 2);
	ck_assert_uint_eq(ft->irq_masks, 2);
	ck_assert(!ft->irq_masked[1]);
}
END_TEST

START_TEST(test_a_module_that_cannot_mask_leaves_the_waits_as_they_were)
{
	struct fake_transport *ft = to_fake(f.t);
	struct nvd_qpair_wait_stats s;

	ft->mask_error = -EOPNOTSUPP;		/* the module answered ENOTTY */
	s = spin_waits(5);
	ck_assert_uint_eq(s.blocks, 0);
	ck_assert_uint_ge(s.spin_hits, 1);
	ck_assert_int_eq(nvd_qpair_wait(&f.q, 20000), 0);	/* a block */
	ck_assert_uint_eq(ft->irq_masks, 1);	/* asked once */
	ck_assert_uint_eq(ft->irq_unmasks, 0);
	ck_assert(!ft->irq_masked[1]);
}
END_TEST

START_TEST(test_wait_refuses_polled_and_reports_gone)
{
	struct nvd_qpair_wait_stats s = { .size = 0 };

	ck_assert_int_eq(nvd_qpair_wait(NULL, 0), -EINVAL);
	ck_assert_int_eq(nvd_qpair_get_wait_stats(&f.q, &s), -EINVAL);
	ck_assert_int_eq(nvd_qpair_get_wait_stats(NULL, &s), -EINVAL);
	/* an older caller's smaller struct gets what fits */
	s.size = offsetof(struct nvd_qpair_wait_stats, spin_hits);
	s.spin_hits = 77;
	ck_assert_int_eq(nvd_qpair_get_wait_stats(&f.q, &s), 0);
	ck_assert_uint_eq(s.spin_hits, 77);
	nvd__ctrlr_mark_failed(&f.c);
	ck_assert_int_eq(nvd_qpair_wait(&f.q, -1), 1);	/* reap, to see -ENXIO */
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), -ENXIO);
	nvd__qpair_intr_disable(&f.q);
	ck_assert_int_eq(nvd_qpair_wait(&f.q, 0), -EINVAL);	/* polled */
}
END_TEST

static Suite *adaptive_suite(void)
{
	Suite *s = suite_create("adaptive");
	TCase *tc = tcase_create("adaptive");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_learned_gap_follows_a_changed_service_time);
	tcase_add_test(tc, test_learned_gap_is_the_median_not_dragged_by_stalls);
	tcase_add_test(tc, test_nap_to_half_the_gap_less_the_lateness);
	tcase_add_test(tc, test_sleeps_when_sleeping_is_at_most_an_eighth_slower);
	tcase_add_test(tc, test_a_way_twice_as_slow_is_tried_every_256th_wait);
	tcase_add_test(tc, test_wait_sleeps_at_once_when_sleeping_pays);
	tcase_add_test(tc, test_wait_never_sleeps_with_an_entry_in_the_cq);
	tcase_add_test(tc, test_wait_arms_before_it_blocks);
	tcase_add_test(tc, test_wait_arms_before_it_naps);
	tcase_add_test(tc, test_nap_then_spin_catches_a_completion_and_learns_its_gap);
	tcase_add_test(tc, test_a_nap_the_interrupt_ends_is_a_sleep_and_shortens_the_spin_gap);
	tcase_add_test(tc, test_the_explored_polling_wait_spins_without_a_nap);
	tcase_add_test(tc, test_unknown_gap_blocks_and_the_interrupt_wakes_it);
	tcase_add_test(tc, test_spinning_waits_mask_the_vector_once);
	tcase_add_test(tc, test_a_block_after_spinning_unmasks);
	tcase_add_test(tc, test_a_nap_unmasks_and_the_spin_after_it_masks);
	tcase_add_test(tc, test_a_module_that_cannot_mask_leaves_the_waits_as_they_were);
	tcase_add_test(tc, test_wait_refuses_polled_and_reports_gone);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(adaptive_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
