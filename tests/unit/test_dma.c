// SPDX-License-Identifier: MIT
/* The DMA allocator (dma.c) over a fake transport with small regions. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"

static struct pci_backend *t;
static struct dma_pool pool;

static void setup(void)
{
	t = fake_transport_new(16384);	/* 16 KiB regions */
	nvd__dma_pool_init(&pool, t);
}

static void teardown(void)
{
	nvd__dma_pool_fini(&pool);
	ck_assert_uint_eq(to_fake(t)->live_regions, 0);
	ck_assert_uint_eq(to_fake(t)->live_pins, 0);
	fake_transport_free(t);
}

START_TEST(test_small_allocation_is_one_zeroed_page)
{
	uint8_t *p;
	uint64_t bus;
	size_t i;

	ck_assert_int_eq(nvd__dma_pool_alloc(&pool, 1, false, (void **)&p), 0);
	ck_assert_uint_eq((uintptr_t)p % 4096, 0);
	ck_assert_uint_eq(pool.bytes, 4096);
	for (i = 0; i < 4096; i++)
		ck_assert_uint_eq(p[i], 0);
	ck_assert_int_eq(nvd__dma_pool_vtophys(&pool, p + 100, &bus), 0);
	ck_assert_uint_eq(bus % 4096, 100);
	ck_assert_int_eq(nvd__dma_pool_free(&pool, p), 0);
	ck_assert_uint_eq(pool.bytes, 0);
	ck_assert_uint_eq(to_fake(t)->live_regions, 0);
}
END_TEST

START_TEST(test_large_allocation_spans_regions_contiguously)
{
	uint64_t b0, b1, b2, b;
	uint8_t *p;

	/* 40 KiB from 16 KiB regions: 16 + 16 + 8, one contiguous VA range */
	ck_assert_int_eq(nvd__dma_pool_alloc(&pool, 40960, false, (void **)&p), 0);
	ck_assert_uint_eq(to_fake(t)->live_regions, 3);
	memset(p, 0xab, 40960);		/* every byte is mapped and writable */
	ck_assert_int_eq(nvd__dma_pool_vtophys(&pool, p, &b0), 0);
	ck_assert_int_eq(nvd__dma_pool_vtophys(&pool, p + 16384, &b1), 0);
	ck_assert_int_eq(nvd__dma_pool_vtophys(&pool, p + 32768, &b2), 0);
	ck_assert_uint_ne(b1, b0 + 16384);	/* regions are apart on the bus */
	ck_assert_int_eq(nvd__dma_pool_vtophys(&pool, p + 16383, &b), 0);
	ck_assert_uint_eq(b, b0 + 16383);
	ck_assert_int_eq(nvd__dma_pool_vtophys(&pool, p + 32768 + 5000, &b), 0);
	ck_assert_uint_eq(b, b2 + 5000);
	ck_assert_int_eq(nvd__dma_pool_vtophys(&pool, p + 40960, &b), -EINVAL);
	ck_assert_int_eq(nvd__dma_pool_check_range(&pool, p + 4096, 36864), 0);
	ck_assert_int_eq(nvd__dma_pool_check_range(&pool, p + 4096, 36865), -EINVAL);
	ck_assert_int_eq(nvd__dma_pool_free(&pool, p), 0);
	ck_assert_uint_eq(to_fake(t)->live_regions, 0);
}
END_TEST

START_TEST(test_contiguous_allocation_limited_to_one_region)
{
	void *p;

	ck_assert_int_eq(nvd__dma_pool_alloc(&pool, 16384, true, &p), 0);
	ck_assert_uint_eq(to_fake(t)->live_regions, 1);
	ck_assert_int_eq(nvd__dma_pool_alloc(&pool, 16385, true, &p), -EINVAL);
	ck_assert_uint_eq(to_fake(t)->live_regions, 1);
}
END_TEST

START_TEST(test_non_dma_memory_has_no_bus_address)
{
	uint64_t bus;
	int x = 0;
	void *heap = malloc(64);

	ck_assert_int_eq(nvd__dma_pool_vtophys(&pool, &x, &bus), -EINVAL);
	ck_assert_int_eq(nvd__dma_pool_vtophys(&pool, heap, &bus), -EINVAL);
	ck_assert_int_eq(nvd__dma_pool_free(&pool, heap), -EINVAL);
	ck_assert_int_eq(nvd__dma_pool_alloc(&pool, 0, false, &heap), -EINVAL);
	free(heap);
}
END_TEST

START_TEST(test_failed_region_unwinds_the_others)
{
	void *p = NULL;

	to_fake(t)->fail_map_at = 3;
	ck_assert_int_eq(nvd__dma_pool_alloc(&pool, 40960, false, &p), -ENOMEM);
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(to_fake(t)->live_regions, 0);
	ck_assert_uint_eq(pool.bytes, 0);
}
END_TEST

START_TEST(test_fini_frees_what_the_application_left)
{
	void *a, *b;

	ck_assert_int_eq(nvd__dma_pool_alloc(&pool, 4096, false, &a), 0);
	ck_assert_int_eq(nvd__dma_pool_alloc(&pool, 65536, false, &b), 0);
	ck_assert_uint_eq(to_fake(t)->live_regions, 5);
	/* teardown's nvd__dma_pool_fini must release all five */
}
END_TEST

START_TEST(test_registered_heap_buffer_has_per_page_bus_addresses)
{
	/* 10000 bytes starting 100 bytes into a page: pages 0..2 are pinned */
	uint8_t *page = aligned_alloc(4096, 4 * 4096), *buf = page + 100;
	uint64_t bus;

	ck_assert_int_eq(nvd__dma_pool_register(&pool, buf, 10000), 0);
	ck_assert_uint_eq(to_fake(t)->live_pins, 1);
	ck_assert_uint_eq(to_fake(t)->pinned_bytes, 3 * 4096);
	ck_assert_uint_eq(pool.reg_bytes, 3 * 4096);
	ck_assert_int_eq(nvd__dma_pool_vtophys(&pool, buf, &bus), 0);
	ck_assert_uint_eq(bus, fake_pin_addr(1, 0) + 100);
	ck_assert_int_eq(nvd__dma_pool_vtophys(&pool, page + 4096, &bus), 0);
	ck_assert_uint_eq(bus, fake_pin_addr(1, 1));
	ck_assert_int_eq(nvd__dma_pool_vtophys(&pool, page + 2 * 4096 + 7, &bus), 0);
	ck_assert_uint_eq(bus, fake_pin_addr(1, 2) + 7);
	ck_assert_int_eq(nvd__dma_pool_vtophys(&pool, page + 3 * 4096, &bus), -EINVAL);
	ck_assert_int_eq(nvd__dma_pool_unregister(&pool, buf), 0);
	ck_assert_uint_eq(to_fake(t)->live_pins, 0);
	ck_assert_uint_eq(pool.reg_bytes, 0);
	free(page);
}
END_TEST

START_TEST(test_only_the_registered_bytes_pass_the_range_check)
{
	uint8_t *page = aligned_alloc(4096, 2 * 4096), *buf = page + 512;

	ck_assert_int_eq(nvd__dma_pool_register(&pool, buf, 4096), 0);
	ck_assert_int_eq(nvd__dma_pool_check_range(&pool, buf, 4096), 0);
	ck_assert_int_eq(nvd__dma_pool_check_range(&pool, buf + 1024, 3072), 0);
	ck_assert_int_eq(nvd__dma_pool_check_range(&pool, buf, 4097), -EINVAL);
	/* pinned with its page, but the application did not register it */
	ck_assert_int_eq(nvd__dma_pool_check_range(&pool, page, 512), -EINVAL);
	ck_assert_int_eq(nvd__dma_pool_unregister(&pool, buf), 0);
	free(page);
}
END_TEST

START_TEST(test_unregistered_buffer_is_refused)
{
	uint8_t *page = aligned_alloc(4096, 4096);
	uint64_t bus;

	ck_assert_int_eq(nvd__dma_pool_register(&pool, page, 4096), 0);
	ck_assert_int_eq(nvd__dma_pool_unregister(&pool, page), 0);
	ck_assert_int_eq(nvd__dma_pool_check_range(&pool, page, 4096), -EINVAL);
	ck_assert_int_eq(nvd__dma_pool_vtophys(&pool, page, &bus), -EINVAL);
	ck_assert_int_eq(nvd__dma_pool_unregister(&pool, page), -EINVAL);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "is not registered"));
	free(page);
}
END_TEST

START_TEST(test_bad_registrations_are_refused_and_pin_nothing)
{
	uint8_t *page = aligned_alloc(4096, 2 * 4096);
	void *dma;

	ck_assert_int_eq(nvd__dma_pool_register(&pool, page, 0), -EINVAL);
	ck_assert_int_eq(nvd__dma_pool_register(&pool, NULL, 4096), -EINVAL);
	ck_assert_int_eq(nvd__dma_pool_register(&pool, page, 4096), 0);
	ck_assert_int_eq(nvd__dma_pool_register(&pool, page, 8192), -EINVAL);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "already registered"));
	ck_assert_int_eq(nvd__dma_pool_alloc(&pool, 4096, false, &dma), 0);
	ck_assert_int_eq(nvd__dma_pool_register(&pool, (uint8_t *)dma + 8, 16), -EINVAL);
	ck_assert_uint_eq(to_fake(t)->live_pins, 1);
	/* the transport's refusal comes back as is, and nothing is listed */
	to_fake(t)->pin_error = -ENOMEM;
	ck_assert_int_eq(nvd__dma_pool_register(&pool, page + 4096, 4096), -ENOMEM);
	ck_assert_uint_eq(to_fake(t)->live_pins, 1);
	ck_assert_int_eq(nvd__dma_pool_check_range(&pool, page + 4096, 1), -EINVAL);
	ck_assert_int_eq(nvd__dma_pool_unregister(&pool, page), 0);
	free(page);
}
END_TEST

START_TEST(test_two_buffers_sharing_a_page_register_separately)
{
	uint8_t *page = aligned_alloc(4096, 4096);
	uint64_t bus;

	ck_assert_int_eq(nvd__dma_pool_register(&pool, page, 1024), 0);
	ck_assert_int_eq(nvd__dma_pool_register(&pool, page + 2048, 1024), 0);
	ck_assert_uint_eq(to_fake(t)->live_pins, 2);
	ck_assert_int_eq(nvd__dma_pool_unregister(&pool, page), 0);
	ck_assert_int_eq(nvd__dma_pool_check_range(&pool, page, 1024), -EINVAL);
	ck_assert_int_eq(nvd__dma_pool_check_range(&pool, page + 2048, 1024), 0);
	ck_assert_int_eq(nvd__dma_pool_vtophys(&pool, page + 2048, &bus), 0);
	ck_assert_uint_eq(bus, fake_pin_addr(2, 0) + 2048);
	free(page);
	/* teardown's nvd__dma_pool_fini unpins the second */
}
END_TEST

static Suite *dma_suite(void)
{
	Suite *s = suite_create("dma");
	TCase *tc = tcase_create("pool");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_small_allocation_is_one_zeroed_page);
	tcase_add_test(tc, test_large_allocation_spans_regions_contiguously);
	tcase_add_test(tc, test_contiguous_allocation_limited_to_one_region);
	tcase_add_test(tc, test_non_dma_memory_has_no_bus_address);
	tcase_add_test(tc, test_failed_region_unwinds_the_others);
	tcase_add_test(tc, test_fini_frees_what_the_application_left);
	tcase_add_test(tc, test_registered_heap_buffer_has_per_page_bus_addresses);
	tcase_add_test(tc, test_only_the_registered_bytes_pass_the_range_check);
	tcase_add_test(tc, test_unregistered_buffer_is_refused);
	tcase_add_test(tc, test_bad_registrations_are_refused_and_pin_nothing);
	tcase_add_test(tc, test_two_buffers_sharing_a_page_register_separately);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(dma_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
