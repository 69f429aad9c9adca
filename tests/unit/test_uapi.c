// SPDX-License-Identifier: MIT
/*
 * The kernel/user ABI as the library compiles it: sizes, the VFIO-style
 * argsz/flags prefix, field offsets, and distinct ioctl numbers.
 */
#include <check.h>
#include <stddef.h>

#include "uapi/nvdirect.h"

START_TEST(test_struct_sizes)
{
	ck_assert_uint_eq(sizeof(struct nvdirect_info), 96);
	ck_assert_uint_eq(sizeof(struct nvdirect_dma_alloc), 32);
	ck_assert_uint_eq(sizeof(struct nvdirect_dma_free), 16);
	ck_assert_uint_eq(sizeof(struct nvdirect_mem_pin), 56);
	ck_assert_uint_eq(sizeof(struct nvdirect_mem_unpin), 16);
	ck_assert_uint_eq(sizeof(struct nvdirect_irq_set), 32);
}
END_TEST

START_TEST(test_every_argument_starts_with_argsz_and_flags)
{
	ck_assert_uint_eq(offsetof(struct nvdirect_info, argsz), 0);
	ck_assert_uint_eq(offsetof(struct nvdirect_info, flags), 4);
	ck_assert_uint_eq(offsetof(struct nvdirect_dma_alloc, argsz), 0);
	ck_assert_uint_eq(offsetof(struct nvdirect_dma_alloc, flags), 4);
	ck_assert_uint_eq(offsetof(struct nvdirect_dma_free, argsz), 0);
	ck_assert_uint_eq(offsetof(struct nvdirect_dma_free, flags), 4);
	ck_assert_uint_eq(offsetof(struct nvdirect_mem_pin, argsz), 0);
	ck_assert_uint_eq(offsetof(struct nvdirect_mem_pin, flags), 4);
	ck_assert_uint_eq(offsetof(struct nvdirect_mem_unpin, argsz), 0);
	ck_assert_uint_eq(offsetof(struct nvdirect_mem_unpin, flags), 4);
	ck_assert_uint_eq(offsetof(struct nvdirect_irq_set, argsz), 0);
	ck_assert_uint_eq(offsetof(struct nvdirect_irq_set, flags), 4);
}
END_TEST

START_TEST(test_field_offsets)
{
	ck_assert_uint_eq(offsetof(struct nvdirect_info, abi_version), 8);
	ck_assert_uint_eq(offsetof(struct nvdirect_info, vendor), 16);
	ck_assert_uint_eq(offsetof(struct nvdirect_info, class_code), 24);
	ck_assert_uint_eq(offsetof(struct nvdirect_info, bar0_size), 32);
	ck_assert_uint_eq(offsetof(struct nvdirect_info, bar0_offset), 40);
	ck_assert_uint_eq(offsetof(struct nvdirect_info, dma_mask), 48);
	ck_assert_uint_eq(offsetof(struct nvdirect_info, max_region_size), 56);
	ck_assert_uint_eq(offsetof(struct nvdirect_info, max_dma_bytes), 64);
	/* appended within ABI 1: the 72 bytes before stay as they were */
	ck_assert_uint_eq(offsetof(struct nvdirect_info, bar0_mappable), 72);
	ck_assert_uint_eq(offsetof(struct nvdirect_info, msix_table_offset), 80);
	ck_assert_uint_eq(offsetof(struct nvdirect_info, msix_table_size), 84);
	ck_assert_uint_eq(offsetof(struct nvdirect_info, msix_pba_offset), 88);
	ck_assert_uint_eq(offsetof(struct nvdirect_info, msix_pba_size), 92);
	ck_assert_uint_eq(offsetof(struct nvdirect_dma_alloc, size), 8);
	ck_assert_uint_eq(offsetof(struct nvdirect_dma_alloc, bus_addr), 16);
	ck_assert_uint_eq(offsetof(struct nvdirect_dma_alloc, mmap_offset), 24);
	ck_assert_uint_eq(offsetof(struct nvdirect_dma_free, mmap_offset), 8);
	ck_assert_uint_eq(offsetof(struct nvdirect_mem_pin, vaddr), 8);
	ck_assert_uint_eq(offsetof(struct nvdirect_mem_pin, size), 16);
	ck_assert_uint_eq(offsetof(struct nvdirect_mem_pin, addrs), 24);
	ck_assert_uint_eq(offsetof(struct nvdirect_mem_pin, nr_addrs), 32);
	ck_assert_uint_eq(offsetof(struct nvdirect_mem_pin, handle), 40);
	ck_assert_uint_eq(offsetof(struct nvdirect_mem_pin, nr_segments), 48);
	ck_assert_uint_eq(offsetof(struct nvdirect_mem_unpin, handle), 8);
	ck_assert_uint_eq(offsetof(struct nvdirect_irq_set, start), 8);
	ck_assert_uint_eq(offsetof(struct nvdirect_irq_set, count), 12);
	ck_assert_uint_eq(offsetof(struct nvdirect_irq_set, fds), 16);
	ck_assert_uint_eq(offsetof(struct nvdirect_irq_set, nr_vectors), 24);
	/* one bus address per NVMe memory page */
	ck_assert_uint_eq(NVDIRECT_PIN_GRANULE, 4096);
}
END_TEST

START_TEST(test_ioctl_numbers_are_distinct)
{
	ck_assert_uint_ne(NVDIRECT_GET_INFO, NVDIRECT_DMA_ALLOC);
	ck_assert_uint_ne(NVDIRECT_DMA_ALLOC, NVDIRECT_DMA_FREE);
	ck_assert_uint_ne(NVDIRECT_GET_INFO, NVDIRECT_DMA_FREE);
	ck_assert_uint_ne(NVDIRECT_MEM_PIN, NVDIRECT_GET_INFO);
	ck_assert_uint_ne(NVDIRECT_MEM_PIN, NVDIRECT_DMA_ALLOC);
	ck_assert_uint_ne(NVDIRECT_MEM_PIN, NVDIRECT_DMA_FREE);
	ck_assert_uint_ne(NVDIRECT_MEM_UNPIN, NVDIRECT_MEM_PIN);
	ck_assert_uint_ne(NVDIRECT_MEM_UNPIN, NVDIRECT_DMA_FREE);
	/* SET_IRQS takes the next number after every existing command */
	ck_assert_uint_eq(NVDIRECT_SET_IRQS, _IO(NVDIRECT_TYPE, NVDIRECT_BASE + 5));
	ck_assert_uint_gt(NVDIRECT_SET_IRQS, NVDIRECT_MEM_UNPIN);
	/* the pin and irq commands were added, nothing changed: still ABI 1 */
	ck_assert_uint_eq(NVDIRECT_ABI_VERSION, 1);
}
END_TEST

static Suite *uapi_suite(void)
{
	Suite *s = suite_create("uapi");
	TCase *tc = tcase_create("layout");

	tcase_add_test(tc, test_struct_sizes);
	tcase_add_test(tc, test_every_argument_starts_with_argsz_and_flags);
	tcase_add_test(tc, test_field_offsets);
	tcase_add_test(tc, test_ioctl_numbers_are_distinct);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(uapi_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
