// SPDX-License-Identifier: MIT
/* SGL descriptor construction (sgl.c), with made-up bus addresses. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pcie/sgl.h"

#define PG		4096u
#define NSEG		3u
#define MAXP		1024u
#define BUS_DATA	0x7700000000ull
#define BUS_SEG		0x5500000000ull
#define POISON		0xeeeeeeeeeeeeeeeeull

#define ID_DATA		0x00
#define ID_SEG		0x20
#define ID_LAST		0x30

struct pieces {
	uint64_t bus[MAXP];
	uint32_t len[MAXP];
	unsigned n, next;
};

static struct sgl_seg_page segs[NSEG];
static struct pieces pc;
static struct nvme_cmd cmd;

static int next_piece(void *ctx, uint64_t *bus, uint32_t *len)
{
	struct pieces *p = ctx;

	if (p->next == p->n)
		return -ENOENT;
	*bus = p->bus[p->next];
	*len = p->len[p->next];
	p->next++;
	return 0;
}

static void add(uint64_t bus, uint32_t len)
{
	ck_assert_uint_lt(pc.n, MAXP);
	pc.bus[pc.n] = bus;
	pc.len[pc.n] = len;
	pc.n++;
}

/* @n pieces of 512 bytes, none contiguous with the next (a 4 KiB stride). */
static size_t add_scattered(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		add(BUS_DATA + (uint64_t)i * PG, 512);
	return (size_t)n * 512;
}

static int build(size_t total, unsigned npages)
{
	pc.next = 0;
	return nvd__sgl_build(&cmd, total, next_piece, &pc, segs, npages);
}

static void setup(void)
{
	for (unsigned i = 0; i < NSEG; i++) {
		segs[i].descs = aligned_alloc(PG, PG);
		ck_assert_ptr_nonnull(segs[i].descs);
		memset(segs[i].descs, 0xee, PG);
		segs[i].bus = BUS_SEG + i * PG;
	}
	memset(&pc, 0, sizeof(pc));
	memset(&cmd, 0, sizeof(cmd));
}

static void teardown(void)
{
	for (unsigned i = 0; i < NSEG; i++)
		free(segs[i].descs);
}

static void ck_desc(const struct nvme_sgl_desc *d, uint64_t addr, uint32_t len, uint8_t id)
{
	ck_assert_uint_eq(d->addr, addr);
	ck_assert_uint_eq(d->len, len);
	ck_assert_uint_eq(d->id, id);
	ck_assert_uint_eq(d->rsvd12[0] | d->rsvd12[1] | d->rsvd12[2], 0);
}

/* Data descriptor k of the scattered pattern. */
static void ck_scattered(const struct nvme_sgl_desc *d, unsigned k)
{
	ck_desc(d, BUS_DATA + (uint64_t)k * PG, 512, ID_DATA);
}

START_TEST(test_one_piece_is_a_data_block_in_sgl1)
{
	add(BUS_DATA + 4, 8192);
	cmd.flags = 0x01;		/* FUSE bits survive */
	ck_assert_int_eq(build(8192, 1), 0);
	ck_desc(&cmd.sgl1, BUS_DATA + 4, 8192, ID_DATA);
	ck_assert_uint_eq(cmd.flags, 0x41);	/* PSDT 01b: SGL, MPTR contiguous */
	/* the segment page was not touched */
	ck_assert_uint_eq(segs[0].descs[0].addr, POISON);
}
END_TEST

START_TEST(test_one_piece_needs_no_segment_page)
{
	add(BUS_DATA, 512);
	ck_assert_int_eq(build(512, 0), 0);
	ck_desc(&cmd.sgl1, BUS_DATA, 512, ID_DATA);
}
END_TEST

START_TEST(test_two_pieces_use_a_last_segment)
{
	add(BUS_DATA + 100, 1000);
	add(BUS_DATA + 3 * PG, 24);
	ck_assert_int_eq(build(1024, 1), 0);
	ck_desc(&cmd.sgl1, segs[0].bus, 2 * 16, ID_LAST);
	ck_desc(&segs[0].descs[0], BUS_DATA + 100, 1000, ID_DATA);
	ck_desc(&segs[0].descs[1], BUS_DATA + 3 * PG, 24, ID_DATA);
	ck_assert_uint_eq(segs[0].descs[2].addr, POISON);
	ck_assert_uint_eq(cmd.flags & NVME_CMD_PSDT_MASK, NVME_CMD_PSDT_SGL_MPTR_CONTIG);
}
END_TEST

START_TEST(test_contiguous_pieces_are_merged)
{
	/* three pieces back to back on the bus, then a gap, then two more */
	add(BUS_DATA, 512);
	add(BUS_DATA + 512, PG - 512);
	add(BUS_DATA + PG, PG);
	add(BUS_DATA + 10 * PG, 512);
	add(BUS_DATA + 10 * PG + 512, 512);
	ck_assert_int_eq(build(2 * PG + 1024, 1), 0);
	ck_desc(&cmd.sgl1, segs[0].bus, 2 * 16, ID_LAST);
	ck_desc(&segs[0].descs[0], BUS_DATA, 2 * PG, ID_DATA);
	ck_desc(&segs[0].descs[1], BUS_DATA + 10 * PG, 1024, ID_DATA);
}
END_TEST

START_TEST(test_all_contiguous_pieces_become_one_data_block)
{
	for (unsigned i = 0; i < 8; i++)
		add(BUS_DATA + i * 512ull, 512);
	ck_assert_int_eq(build(PG, 0), 0);
	ck_desc(&cmd.sgl1, BUS_DATA, PG, ID_DATA);
}
END_TEST

START_TEST(test_merge_stops_at_the_length_field_limit)
{
	/* 32-bit Length: 0xffffffff + 1 byte do not fit in one descriptor */
	add(BUS_DATA, UINT32_MAX);
	add(BUS_DATA + UINT32_MAX, 1);
	ck_assert_int_eq(build((size_t)UINT32_MAX + 1, 1), 0);
	ck_desc(&cmd.sgl1, segs[0].bus, 2 * 16, ID_LAST);
	ck_desc(&segs[0].descs[0], BUS_DATA, UINT32_MAX, ID_DATA);
	ck_desc(&segs[0].descs[1], BUS_DATA + UINT32_MAX, 1, ID_DATA);
}
END_TEST

START_TEST(test_256_descriptors_fill_one_segment_page)
{
	size_t total = add_scattered(256);

	ck_assert_int_eq(build(total, 2), 0);
	ck_desc(&cmd.sgl1, segs[0].bus, PG, ID_LAST);
	for (unsigned k = 0; k < 256; k++)
		ck_scattered(&segs[0].descs[k], k);
	ck_assert_uint_eq(segs[1].descs[0].addr, POISON);
	/* and one page is enough */
	ck_assert_int_eq(build(total, 1), 0);
}
END_TEST

START_TEST(test_257_descriptors_chain_into_a_last_segment)
{
	size_t total = add_scattered(257);

	ck_assert_int_eq(build(total, 2), 0);
	/* SGL1 -> full first page (255 data + pointer) -> last page of 2 */
	ck_desc(&cmd.sgl1, segs[0].bus, PG, ID_SEG);
	for (unsigned k = 0; k < 255; k++)
		ck_scattered(&segs[0].descs[k], k);
	ck_desc(&segs[0].descs[255], segs[1].bus, 2 * 16, ID_LAST);
	ck_scattered(&segs[1].descs[0], 255);
	ck_scattered(&segs[1].descs[1], 256);
	ck_assert_uint_eq(segs[1].descs[2].addr, POISON);
}
END_TEST

START_TEST(test_three_pages_chain_segment_then_last_segment)
{
	/* 255 + 255 + 3 */
	size_t total = add_scattered(513);

	ck_assert_int_eq(build(total, 3), 0);
	ck_desc(&cmd.sgl1, segs[0].bus, PG, ID_SEG);
	ck_desc(&segs[0].descs[255], segs[1].bus, PG, ID_SEG);
	ck_scattered(&segs[1].descs[0], 255);
	ck_scattered(&segs[1].descs[254], 509);
	ck_desc(&segs[1].descs[255], segs[2].bus, 3 * 16, ID_LAST);
	ck_scattered(&segs[2].descs[0], 510);
	ck_scattered(&segs[2].descs[2], 512);
	ck_assert_uint_eq(segs[2].descs[3].addr, POISON);
}
END_TEST

START_TEST(test_too_few_segment_pages_is_e2big)
{
	size_t two = add_scattered(2);

	ck_assert_int_eq(build(two, 0), -E2BIG);
	pc.n = 0;
	ck_assert_int_eq(build(add_scattered(257), 1), -E2BIG);
	pc.n = 0;
	ck_assert_int_eq(build(add_scattered(512), 2), -E2BIG);
	/* the command was not changed */
	ck_assert_uint_eq(cmd.flags, 0);
	ck_assert_uint_eq(cmd.prp1, 0);
}
END_TEST

START_TEST(test_zero_length_piece_is_refused)
{
	add(BUS_DATA, 512);
	add(BUS_DATA + PG, 0);
	add(BUS_DATA + 2 * PG, 512);
	ck_assert_int_eq(build(1024, 1), -EINVAL);
	ck_assert_uint_eq(cmd.flags, 0);
	pc.n = 0;
	add(BUS_DATA, 512);
	ck_assert_int_eq(build(0, 1), -EINVAL);
}
END_TEST

START_TEST(test_pieces_not_adding_up_to_total_are_refused)
{
	add(BUS_DATA, 512);
	add(BUS_DATA + PG, 512);
	/* more than total: the second piece overshoots */
	ck_assert_int_eq(build(600, 1), -EINVAL);
	/* less than total: the callback's own error comes back */
	ck_assert_int_eq(build(2048, 1), -ENOENT);
	ck_assert_uint_eq(cmd.flags, 0);
}
END_TEST

START_TEST(test_sgl1_overlays_prp1_and_prp2)
{
	add(BUS_DATA, 512);
	add(BUS_DATA + PG, 512);
	ck_assert_int_eq(build(1024, 1), 0);
	/* bytes 24..39 of the SQ entry: Address, then Length and Identifier */
	ck_assert_uint_eq(cmd.prp1, segs[0].bus);
	ck_assert_uint_eq(cmd.prp2, ((uint64_t)ID_LAST << 56) | 32);
}
END_TEST

START_TEST(test_pages_needed)
{
	ck_assert_uint_eq(nvd__sgl_pages_needed(0), 0);
	ck_assert_uint_eq(nvd__sgl_pages_needed(1), 0);
	ck_assert_uint_eq(nvd__sgl_pages_needed(2), 1);
	ck_assert_uint_eq(nvd__sgl_pages_needed(256), 1);
	ck_assert_uint_eq(nvd__sgl_pages_needed(257), 2);
	ck_assert_uint_eq(nvd__sgl_pages_needed(511), 2);
	ck_assert_uint_eq(nvd__sgl_pages_needed(512), 3);
}
END_TEST

START_TEST(test_pages_needed_is_enough)
{
	/* the worst case for n pieces is n descriptors: check the boundaries build */
	static const unsigned n[] = { 2, 256, 257, 511, 512 };

	for (unsigned i = 0; i < sizeof(n) / sizeof(n[0]); i++) {
		unsigned need = nvd__sgl_pages_needed(n[i]);
		size_t total;

		pc.n = 0;
		total = add_scattered(n[i]);

		ck_assert_uint_le(need, NSEG);
		ck_assert_int_eq(build(total, need), 0);
		if (need > 0)
			ck_assert_int_eq(build(total, need - 1), -E2BIG);
	}
}
END_TEST

static Suite *sgl_suite(void)
{
	Suite *s = suite_create("sgl");
	TCase *tc = tcase_create("build");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_one_piece_is_a_data_block_in_sgl1);
	tcase_add_test(tc, test_one_piece_needs_no_segment_page);
	tcase_add_test(tc, test_two_pieces_use_a_last_segment);
	tcase_add_test(tc, test_contiguous_pieces_are_merged);
	tcase_add_test(tc, test_all_contiguous_pieces_become_one_data_block);
	tcase_add_test(tc, test_merge_stops_at_the_length_field_limit);
	tcase_add_test(tc, test_256_descriptors_fill_one_segment_page);
	tcase_add_test(tc, test_257_descriptors_chain_into_a_last_segment);
	tcase_add_test(tc, test_three_pages_chain_segment_then_last_segment);
	tcase_add_test(tc, test_too_few_segment_pages_is_e2big);
	tcase_add_test(tc, test_zero_length_piece_is_refused);
	tcase_add_test(tc, test_pieces_not_adding_up_to_total_are_refused);
	tcase_add_test(tc, test_sgl1_overlays_prp1_and_prp2);
	tcase_add_test(tc, test_pages_needed);
	tcase_add_test(tc, test_pages_needed_is_enough);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sgl_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
