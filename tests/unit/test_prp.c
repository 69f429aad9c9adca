// SPDX-License-Identifier: MIT
/* PRP1/PRP2/PRP list construction (prp.c), with made-up bus addresses. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pcie/prp.h"

#define PG		4096u
#define NPAGES		1100u		/* data pages available to a test */
#define BUS_DATA	0x7700000000ull
#define BUS_LIST	0x5500000000ull

static uint8_t *data;			/* NPAGES pages of "host memory" */
static struct prp_list_page lists[3];
static struct prp_list_page lists2[3];	/* nvd__prp_build's, to compare with */
static int scatter;			/* map pages in reverse order on the bus */

/* Page i of data is at BUS_DATA + i*PG, or mirrored when scattering. */
static uint64_t bus_of_page(size_t i)
{
	return BUS_DATA + (scatter ? (NPAGES - 1 - i) : i) * (uint64_t)PG;
}

static int fake_vtophys(void *ctx, const void *vaddr, uint64_t *bus)
{
	const uint8_t *p = vaddr;
	size_t off;

	(void)ctx;
	if (p < data || p >= data + (size_t)NPAGES * PG)
		return -EFAULT;
	off = (size_t)(p - data);
	*bus = bus_of_page(off / PG) + off % PG;
	return 0;
}

/* Pieces (bus address, length) for nvd__prp_build_pieces. */
#define MAXPIECES	1100u
static uint64_t piece_bus[MAXPIECES];
static uint32_t piece_len[MAXPIECES];
static unsigned npieces, next_piece_i;

static int next_piece(void *ctx, uint64_t *bus, uint32_t *len)
{
	(void)ctx;
	if (next_piece_i == npieces)
		return -ENOENT;
	*bus = piece_bus[next_piece_i];
	*len = piece_len[next_piece_i];
	next_piece_i++;
	return 0;
}

static void add_piece(uint64_t bus, uint32_t len)
{
	ck_assert_uint_lt(npieces, MAXPIECES);
	piece_bus[npieces] = bus;
	piece_len[npieces] = len;
	npieces++;
}

/* Cut @len bytes at data + @off into pieces of up to @span pages, cut at page boundaries. */
static void cut_pieces(size_t off, size_t len, size_t span)
{
	size_t end = off + len, cut;
	uint64_t bus;

	while (off < end) {
		cut = (off / PG + span) * PG;
		if (cut > end)
			cut = end;
		ck_assert_int_eq(fake_vtophys(NULL, data + off, &bus), 0);
		add_piece(bus, (uint32_t)(cut - off));
		off = cut;
	}
}

static int build_pieces(size_t total, unsigned nlists, uint64_t *p1, uint64_t *p2)
{
	next_piece_i = 0;
	return nvd__prp_build_pieces(total, next_piece, NULL, lists, nlists, p1, p2);
}

static void setup(void)
{
	unsigned i;

	data = aligned_alloc(PG, (size_t)NPAGES * PG);
	ck_assert_ptr_nonnull(data);
	for (i = 0; i < 3; i++) {
		lists[i].entries = aligned_alloc(PG, PG);
		ck_assert_ptr_nonnull(lists[i].entries);
		memset(lists[i].entries, 0xee, PG);
		lists[i].bus = BUS_LIST + i * PG;
		lists2[i].entries = aligned_alloc(PG, PG);
		ck_assert_ptr_nonnull(lists2[i].entries);
		memset(lists2[i].entries, 0xee, PG);
		lists2[i].bus = BUS_LIST + i * PG;	/* same bus: same pointers */
	}
	scatter = 0;
	npieces = 0;
}

static void teardown(void)
{
	for (unsigned i = 0; i < 3; i++) {
		free(lists[i].entries);
		free(lists2[i].entries);
	}
	free(data);
}

static int build(size_t off, size_t len, unsigned nlists, uint64_t *p1, uint64_t *p2)
{
	return nvd__prp_build(data + off, len, fake_vtophys, NULL, lists, nlists, p1, p2);
}

START_TEST(test_single_page_uses_prp1_only)
{
	uint64_t p1, p2;

	ck_assert_int_eq(build(0, PG, 1, &p1, &p2), 0);
	ck_assert_uint_eq(p1, BUS_DATA);
	ck_assert_uint_eq(p2, 0);
	/* the list page was not touched */
	ck_assert_uint_eq(lists[0].entries[0], 0xeeeeeeeeeeeeeeeeull);
}
END_TEST

START_TEST(test_offset_within_first_page_keeps_offset_in_prp1)
{
	uint64_t p1, p2;

	ck_assert_int_eq(build(512, 512, 1, &p1, &p2), 0);
	ck_assert_uint_eq(p1, BUS_DATA + 512);
	ck_assert_uint_eq(p2, 0);
	/* ends exactly at the page end: still one page */
	ck_assert_int_eq(build(PG - 512, 512, 1, &p1, &p2), 0);
	ck_assert_uint_eq(p1, BUS_DATA + PG - 512);
	ck_assert_uint_eq(p2, 0);
}
END_TEST

START_TEST(test_exactly_two_pages_puts_second_page_in_prp2)
{
	uint64_t p1, p2;

	ck_assert_int_eq(build(0, 2 * PG, 1, &p1, &p2), 0);
	ck_assert_uint_eq(p1, BUS_DATA);
	ck_assert_uint_eq(p2, BUS_DATA + PG);
	ck_assert_uint_eq(lists[0].entries[0], 0xeeeeeeeeeeeeeeeeull);
}
END_TEST

START_TEST(test_crossing_page_boundary_with_offset_uses_prp2)
{
	uint64_t p1, p2;

	/* 4 KiB starting 512 bytes in: two pages, PRP2 has no offset */
	ck_assert_int_eq(build(512, PG, 1, &p1, &p2), 0);
	ck_assert_uint_eq(p1, BUS_DATA + 512);
	ck_assert_uint_eq(p2, BUS_DATA + PG);
}
END_TEST

START_TEST(test_three_pages_need_a_list)
{
	uint64_t p1, p2;

	ck_assert_int_eq(build(0, 3 * PG, 1, &p1, &p2), 0);
	ck_assert_uint_eq(p1, BUS_DATA);
	ck_assert_uint_eq(p2, lists[0].bus);
	ck_assert_uint_eq(lists[0].entries[0], BUS_DATA + PG);
	ck_assert_uint_eq(lists[0].entries[1], BUS_DATA + 2 * PG);
	ck_assert_uint_eq(lists[0].entries[2], 0xeeeeeeeeeeeeeeeeull);
}
END_TEST

START_TEST(test_list_with_offset_covers_the_partial_last_page)
{
	uint64_t p1, p2;

	/* 3 pages of data from offset 1024 touch 4 pages */
	ck_assert_int_eq(build(1024, 3 * PG, 1, &p1, &p2), 0);
	ck_assert_uint_eq(p1, BUS_DATA + 1024);
	ck_assert_uint_eq(p2, lists[0].bus);
	ck_assert_uint_eq(lists[0].entries[0], BUS_DATA + PG);
	ck_assert_uint_eq(lists[0].entries[1], BUS_DATA + 2 * PG);
	ck_assert_uint_eq(lists[0].entries[2], BUS_DATA + 3 * PG);
	ck_assert_uint_eq(lists[0].entries[3], 0xeeeeeeeeeeeeeeeeull);
}
END_TEST

START_TEST(test_each_page_is_translated_on_its_own)
{
	uint64_t p1, p2;

	scatter = 1;
	ck_assert_int_eq(build(0, 3 * PG, 1, &p1, &p2), 0);
	ck_assert_uint_eq(p1, bus_of_page(0));
	ck_assert_uint_eq(lists[0].entries[0], bus_of_page(1));
	ck_assert_uint_eq(lists[0].entries[1], bus_of_page(2));
	ck_assert_uint_ne(bus_of_page(1), bus_of_page(0) + PG);
}
END_TEST

START_TEST(test_full_list_page_does_not_chain)
{
	uint64_t p1, p2;

	/* 513 pages: PRP1 + exactly 512 list entries, one list page */
	ck_assert_int_eq(build(0, 513 * PG, 1, &p1, &p2), 0);
	ck_assert_uint_eq(p2, lists[0].bus);
	ck_assert_uint_eq(lists[0].entries[511], BUS_DATA + 512 * PG);
	ck_assert_uint_eq(lists[1].entries[0], 0xeeeeeeeeeeeeeeeeull);
}
END_TEST

START_TEST(test_list_spanning_two_pages_chains_through_last_entry)
{
	uint64_t p1, p2;
	unsigned i;

	/* 514 pages: 513 entries, 511 in the first list page + a chain pointer */
	ck_assert_int_eq(build(0, 514 * PG, 2, &p1, &p2), 0);
	ck_assert_uint_eq(p1, BUS_DATA);
	ck_assert_uint_eq(p2, lists[0].bus);
	for (i = 0; i < 511; i++)
		ck_assert_uint_eq(lists[0].entries[i], BUS_DATA + (i + 1) * (uint64_t)PG);
	ck_assert_uint_eq(lists[0].entries[511], lists[1].bus);
	ck_assert_uint_eq(lists[1].entries[0], BUS_DATA + 512 * (uint64_t)PG);
	ck_assert_uint_eq(lists[1].entries[1], BUS_DATA + 513 * (uint64_t)PG);
	ck_assert_uint_eq(lists[1].entries[2], 0xeeeeeeeeeeeeeeeeull);
}
END_TEST

START_TEST(test_three_list_pages_chain_twice)
{
	uint64_t p1, p2;

	/* 1 + 511 + 511 + 2 pages */
	ck_assert_int_eq(build(0, 1025 * PG, 3, &p1, &p2), 0);
	ck_assert_uint_eq(lists[0].entries[511], lists[1].bus);
	ck_assert_uint_eq(lists[1].entries[0], BUS_DATA + 512 * (uint64_t)PG);
	ck_assert_uint_eq(lists[1].entries[511], lists[2].bus);
	ck_assert_uint_eq(lists[2].entries[0], BUS_DATA + 1023 * (uint64_t)PG);
	ck_assert_uint_eq(lists[2].entries[1], BUS_DATA + 1024 * (uint64_t)PG);
}
END_TEST

START_TEST(test_too_few_list_pages_is_an_error)
{
	uint64_t p1, p2;

	ck_assert_int_eq(build(0, 3 * PG, 0, &p1, &p2), -E2BIG);
	ck_assert_int_eq(build(0, 514 * PG, 1, &p1, &p2), -E2BIG);
}
END_TEST

START_TEST(test_bad_buffers_are_refused)
{
	uint64_t p1, p2;
	uint8_t outside[16];

	ck_assert_int_eq(build(0, 0, 1, &p1, &p2), -EINVAL);
	ck_assert_int_eq(build(2, 512, 1, &p1, &p2), -EINVAL);	/* not dword aligned */
	ck_assert_int_eq(nvd__prp_build(outside, 16, fake_vtophys, NULL, lists, 1, &p1, &p2), -EFAULT);
}
END_TEST

START_TEST(test_list_pages_needed_covers_worst_offset)
{
	ck_assert_uint_eq(nvd__prp_list_pages_needed(4096), 0);		/* <= 2 pages */
	ck_assert_uint_eq(nvd__prp_list_pages_needed(8192), 1);		/* 3 pages at an offset */
	ck_assert_uint_eq(nvd__prp_list_pages_needed(2u << 20), 1);		/* 513 pages: 512 entries */
	ck_assert_uint_eq(nvd__prp_list_pages_needed((2u << 20) + 4096), 2);
	ck_assert_uint_eq(nvd__prp_list_pages_needed(4u << 20), 3);		/* 1025 pages */
}
END_TEST

/* nvd__prp_build_pieces over the pieces of a buffer gives what nvd__prp_build gives for it. */
static void ck_pieces_match_prp_build(size_t off, size_t len, size_t span, unsigned nlists)
{
	uint64_t p1, p2, q1, q2;

	cut_pieces(off, len, span);
	ck_assert_int_eq(build_pieces(len, nlists, &p1, &p2), 0);
	ck_assert_int_eq(nvd__prp_build(data + off, len, fake_vtophys, NULL, lists2, nlists, &q1, &q2),
			 0);
	ck_assert_uint_eq(p1, q1);
	ck_assert_uint_eq(p2, q2);
	for (unsigned i = 0; i < nlists; i++)
		ck_assert_mem_eq(lists[i].entries, lists2[i].entries, PG);
}

START_TEST(test_pieces_one_page_match_prp_build)
{
	ck_pieces_match_prp_build(512, 1024, 1, 1);
	ck_assert_uint_eq(lists[0].entries[0], 0xeeeeeeeeeeeeeeeeull);
}
END_TEST

START_TEST(test_pieces_two_pages_match_prp_build)
{
	/* PRP2 is the second page itself, no list */
	ck_pieces_match_prp_build(1024, PG, 1, 1);
	ck_assert_uint_eq(lists[0].entries[0], 0xeeeeeeeeeeeeeeeeull);
}
END_TEST

START_TEST(test_pieces_with_list_match_prp_build)
{
	/* page-sized pieces, then pieces of three pages, both with an offset */
	ck_pieces_match_prp_build(1024, 5 * PG, 1, 1);
	npieces = 0;
	ck_pieces_match_prp_build(2048, 20 * PG + 100, 3, 1);
	ck_assert_uint_eq(npieces, 7);	/* pages 0-2, 3-5, ..., 18-20 */
}
END_TEST

START_TEST(test_scattered_pieces_chain_like_prp_build)
{
	/* every page its own piece, reverse order on the bus, two list pages */
	scatter = 1;
	ck_pieces_match_prp_build(0, 514 * PG, 1, 2);
	ck_assert_uint_eq(npieces, 514);
	ck_assert_uint_eq(lists[0].entries[511], lists[1].bus);
	ck_assert_uint_eq(lists[1].entries[0], bus_of_page(512));
	npieces = 0;
	ck_pieces_match_prp_build(4, 1025 * PG, 1, 3);	/* 1026 pages: two chains */
}
END_TEST

START_TEST(test_pieces_from_separate_regions)
{
	uint64_t p1, p2;

	/* first piece ends at a page end, the others are whole pages elsewhere */
	add_piece(BUS_DATA + PG - 512, 512);
	add_piece(0x9000000000ull, 2 * PG);
	add_piece(0x3000000000ull, 100);	/* the last may end anywhere */
	ck_assert_int_eq(build_pieces(512 + 2 * PG + 100, 1, &p1, &p2), 0);
	ck_assert_uint_eq(p1, BUS_DATA + PG - 512);
	ck_assert_uint_eq(p2, lists[0].bus);
	ck_assert_uint_eq(lists[0].entries[0], 0x9000000000ull);
	ck_assert_uint_eq(lists[0].entries[1], 0x9000000000ull + PG);
	ck_assert_uint_eq(lists[0].entries[2], 0x3000000000ull);
	ck_assert_uint_eq(lists[0].entries[3], 0xeeeeeeeeeeeeeeeeull);
}
END_TEST

START_TEST(test_pieces_misaligned_for_prps_are_refused)
{
	uint64_t p1 = 1, p2 = 2;

	/* middle piece starts inside a page */
	add_piece(BUS_DATA, PG);
	add_piece(BUS_DATA + 10 * PG + 512, PG - 512);
	add_piece(BUS_DATA + 20 * PG, PG);
	ck_assert_int_eq(build_pieces(3 * PG - 512, 1, &p1, &p2), -EINVAL);
	/* middle piece ends inside a page */
	npieces = 0;
	add_piece(BUS_DATA, PG);
	add_piece(BUS_DATA + 10 * PG, 1000);
	add_piece(BUS_DATA + 20 * PG, PG);
	ck_assert_int_eq(build_pieces(2 * PG + 1000, 1, &p1, &p2), -EINVAL);
	/* first piece ends inside a page and more follow */
	npieces = 0;
	add_piece(BUS_DATA, 512);
	add_piece(BUS_DATA + PG, PG);
	ck_assert_int_eq(build_pieces(512 + PG, 1, &p1, &p2), -EINVAL);
	/* first piece not dword aligned */
	npieces = 0;
	add_piece(BUS_DATA + 2, 510);
	ck_assert_int_eq(build_pieces(510, 1, &p1, &p2), -EINVAL);
	/* nothing written on failure */
	ck_assert_uint_eq(p1, 1);
	ck_assert_uint_eq(p2, 2);
}
END_TEST

START_TEST(test_pieces_bad_lengths_and_too_few_lists)
{
	uint64_t p1, p2;

	add_piece(BUS_DATA, PG);
	add_piece(BUS_DATA + 10 * PG, 0);
	ck_assert_int_eq(build_pieces(PG, 1, &p1, &p2), 0);		/* stops at total */
	ck_assert_int_eq(build_pieces(2 * PG, 1, &p1, &p2), -EINVAL);	/* zero-length piece */
	ck_assert_int_eq(build_pieces(0, 1, &p1, &p2), -EINVAL);
	ck_assert_int_eq(build_pieces(PG / 2, 1, &p1, &p2), -EINVAL);	/* overshoots total */
	npieces = 0;
	add_piece(BUS_DATA, PG);
	ck_assert_int_eq(build_pieces(2 * PG, 1, &p1, &p2), -ENOENT);	/* falls short */
	npieces = 0;
	cut_pieces(0, 3 * PG, 1);
	ck_assert_int_eq(build_pieces(3 * PG, 0, &p1, &p2), -E2BIG);
	npieces = 0;
	cut_pieces(0, 514 * PG, 1);
	ck_assert_int_eq(build_pieces(514 * PG, 1, &p1, &p2), -E2BIG);
}
END_TEST

static Suite *prp_suite(void)
{
	Suite *s = suite_create("prp");
	TCase *tc = tcase_create("build");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_single_page_uses_prp1_only);
	tcase_add_test(tc, test_offset_within_first_page_keeps_offset_in_prp1);
	tcase_add_test(tc, test_exactly_two_pages_puts_second_page_in_prp2);
	tcase_add_test(tc, test_crossing_page_boundary_with_offset_uses_prp2);
	tcase_add_test(tc, test_three_pages_need_a_list);
	tcase_add_test(tc, test_list_with_offset_covers_the_partial_last_page);
	tcase_add_test(tc, test_each_page_is_translated_on_its_own);
	tcase_add_test(tc, test_full_list_page_does_not_chain);
	tcase_add_test(tc, test_list_spanning_two_pages_chains_through_last_entry);
	tcase_add_test(tc, test_three_list_pages_chain_twice);
	tcase_add_test(tc, test_too_few_list_pages_is_an_error);
	tcase_add_test(tc, test_bad_buffers_are_refused);
	tcase_add_test(tc, test_list_pages_needed_covers_worst_offset);
	tcase_add_test(tc, test_pieces_one_page_match_prp_build);
	tcase_add_test(tc, test_pieces_two_pages_match_prp_build);
	tcase_add_test(tc, test_pieces_with_list_match_prp_build);
	tcase_add_test(tc, test_scattered_pieces_chain_like_prp_build);
	tcase_add_test(tc, test_pieces_from_separate_regions);
	tcase_add_test(tc, test_pieces_misaligned_for_prps_are_refused);
	tcase_add_test(tc, test_pieces_bad_lengths_and_too_few_lists);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(prp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
