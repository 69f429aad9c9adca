// SPDX-License-Identifier: MIT
/*
 * The soak's verifier (tests/integration/soak_block.c): each kind of damage
 * a device can do to a block is told apart, and the map survives a round
 * trip through its file but not damage to it.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "soak_block.h"

#define RUN	0x1234abcdull

static uint8_t blk[4096], other[4096];

static enum soak_verdict judge(const void *b, uint32_t lbs, uint64_t lba, uint32_t expect,
			       uint16_t writer, char *why)
{
	return soak_block_check(b, lbs, RUN, lba, expect, writer, why, 160);
}

START_TEST(test_fresh_block_holds_its_generation)
{
	char why[160];

	soak_block_fill(blk, 512, RUN, 77, 5, 1);
	ck_assert_int_eq(judge(blk, 512, 77, 5, 1, why), SOAK_OK);
	soak_block_fill(blk, 4096, RUN, 1ull << 40, 1, 0);
	ck_assert_int_eq(judge(blk, 4096, 1ull << 40, 1, 0, why), SOAK_OK);
}
END_TEST

START_TEST(test_any_flipped_bit_is_caught)
{
	unsigned byte, bit;
	char why[160];

	soak_block_fill(blk, 512, RUN, 9, 2, 0);
	for (byte = 0; byte < 512; byte++) {
		for (bit = 0; bit < 8; bit++) {
			blk[byte] ^= (uint8_t)(1u << bit);
			ck_assert_msg(judge(blk, 512, 9, 2, 0, why) != SOAK_OK,
				      "flip of byte %u bit %u went unnoticed", byte, bit);
			blk[byte] ^= (uint8_t)(1u << bit);
		}
	}
	ck_assert_int_eq(judge(blk, 512, 9, 2, 0, why), SOAK_OK);
}
END_TEST

START_TEST(test_payload_damage_is_a_checksum_mismatch)
{
	char why[160];

	soak_block_fill(blk, 4096, RUN, 9, 2, 0);
	blk[3000] ^= 0x40;
	ck_assert_int_eq(judge(blk, 4096, 9, 2, 0, why), SOAK_MISMATCH);
	ck_assert_ptr_nonnull(strstr(why, "checksum mismatch"));
}
END_TEST

START_TEST(test_checksum_is_soak_csum_with_its_field_zero)
{
	struct soak_hdr h;

	soak_block_fill(blk, 512, RUN, 3, 4, 0);
	memcpy(&h, blk, sizeof(h));
	memcpy(other, blk, 512);
	((struct soak_hdr *)other)->csum = 0;
	ck_assert_uint_eq(soak_csum(other, 512), h.csum);
}
END_TEST

START_TEST(test_another_lbas_block_is_a_mismatch_naming_it)
{
	char why[160];

	/* a misdirected write: LBA 41's data landed on LBA 40 */
	soak_block_fill(blk, 512, RUN, 41, 7, 0);
	ck_assert_int_eq(judge(blk, 512, 40, 7, 0, why), SOAK_MISMATCH);
	ck_assert_str_eq(why, "holds LBA 41's block (gen 7)");
	/* even where the last write failed */
	ck_assert_int_eq(judge(blk, 512, 40, SOAK_GEN_UNKNOWN, 0, why), SOAK_MISMATCH);
}
END_TEST

START_TEST(test_older_generation_is_a_lost_write)
{
	char why[160];

	soak_block_fill(blk, 512, RUN, 12, 3, 0);
	ck_assert_int_eq(judge(blk, 512, 12, 4, 0, why), SOAK_LOST);
	ck_assert_str_eq(why, "holds gen 3, gen 4 was acknowledged");
}
END_TEST

START_TEST(test_newer_generation_than_acknowledged_is_a_mismatch)
{
	char why[160];

	soak_block_fill(blk, 512, RUN, 12, 5, 0);
	ck_assert_int_eq(judge(blk, 512, 12, 4, 0, why), SOAK_MISMATCH);
	ck_assert_int_eq(judge(blk, 512, 12, 0, 0, why), SOAK_MISMATCH);
	ck_assert_ptr_nonnull(strstr(why, "no write here was acknowledged"));
}
END_TEST

START_TEST(test_zeroes_where_a_write_was_acknowledged_are_lost)
{
	char why[160];

	memset(blk, 0, sizeof(blk));
	ck_assert_int_eq(judge(blk, 512, 12, 1, 0, why), SOAK_LOST);
	ck_assert_ptr_nonnull(strstr(why, "zeroes"));
	ck_assert_int_eq(judge(blk, 512, 12, 0, 0, why), SOAK_OK);
}
END_TEST

/*
 * An earlier test left a damaged block behind (t_soak.sh damages one on
 * purpose); this run reads it before writing there.  Nothing of this run
 * was acknowledged at that LBA, so whatever is there is fine.
 */
START_TEST(test_damaged_block_where_nothing_was_written_is_fine)
{
	char why[160];

	soak_block_fill(blk, 4096, RUN + 1, 1500, 4867, 0);
	blk[2000] ^= 1;
	ck_assert_int_eq(judge(blk, 4096, 1500, 0, 0, why), SOAK_OK);
	ck_assert_int_eq(judge(blk, 4096, 1500, 3, 0, why), SOAK_MISMATCH);
	ck_assert_ptr_nonnull(strstr(why, "checksum mismatch"));
}
END_TEST

START_TEST(test_foreign_data_is_a_mismatch_only_where_written)
{
	char why[160];

	memset(blk, 0xa5, sizeof(blk));
	ck_assert_int_eq(judge(blk, 512, 12, 1, 0, why), SOAK_MISMATCH);
	ck_assert_ptr_nonnull(strstr(why, "not a soak block"));
	ck_assert_int_eq(judge(blk, 512, 12, 0, 0, why), SOAK_OK);
	ck_assert_int_eq(judge(blk, 512, 12, SOAK_GEN_UNKNOWN, 0, why), SOAK_SKIP);
}
END_TEST

START_TEST(test_earlier_runs_block_is_stale)
{
	char why[160];

	soak_block_fill(blk, 512, RUN + 1, 12, 9, 0);
	ck_assert_int_eq(judge(blk, 512, 12, 2, 0, why), SOAK_LOST);
	ck_assert_int_eq(judge(blk, 512, 12, 0, 0, why), SOAK_OK);
}
END_TEST

START_TEST(test_wrong_writer_or_block_size_is_caught)
{
	char why[160];

	soak_block_fill(blk, 512, RUN, 12, 2, 1);
	ck_assert_int_eq(judge(blk, 512, 12, 2, 0, why), SOAK_MISMATCH);
	ck_assert_ptr_nonnull(strstr(why, "writer 1"));
	/* a 512-byte block read as part of a 4 KiB LBA */
	soak_block_fill(blk, 512, RUN, 12, 2, 0);
	ck_assert_int_eq(judge(blk, 4096, 12, 2, 0, why), SOAK_MISMATCH);
}
END_TEST

START_TEST(test_map_round_trip)
{
	char path[] = "/tmp/test_soak_mapXXXXXX", why[128];
	struct soak_map m, l;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(soak_map_init(&m, RUN, 4096, 3, 2, 100, 1001), 0);
	m.gen[0] = 1;
	m.gen[500] = 77;
	m.gen[1000] = SOAK_GEN_UNKNOWN;
	ck_assert_int_eq(soak_map_save(&m, path), 0);
	ck_assert_int_eq(soak_map_load(&l, path, why, sizeof(why)), 0);
	ck_assert_uint_eq(l.run, RUN);
	ck_assert_uint_eq(l.lba_size, 4096);
	ck_assert_uint_eq(l.nthreads, 3);
	ck_assert_uint_eq(l.nsid, 2);
	ck_assert_uint_eq(l.first_lba, 100);
	ck_assert_uint_eq(l.nlbas, 1001);
	ck_assert_int_eq(memcmp(l.gen, m.gen, 1001 * sizeof(*m.gen)), 0);
	ck_assert_uint_eq(soak_expect(&l, 600), 77);
	soak_map_free(&l);
	soak_map_free(&m);
	unlink(path);
}
END_TEST

START_TEST(test_damaged_map_is_refused)
{
	char path[] = "/tmp/test_soak_mapXXXXXX", why[128];
	struct soak_map m, l;
	uint32_t v = 5;
	FILE *f;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(soak_map_init(&m, RUN, 512, 2, 1, 0, 64), 0);
	ck_assert_int_eq(soak_map_save(&m, path), 0);
	/* one generation changed behind the map's back */
	f = fopen(path, "r+b");
	fseek(f, 56 + 4 * 10, SEEK_SET);
	fwrite(&v, sizeof(v), 1, f);
	fclose(f);
	ck_assert_int_ne(soak_map_load(&l, path, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "checksum"));
	/* cut short */
	ck_assert_int_eq(soak_map_save(&m, path), 0);
	ck_assert_int_eq(truncate(path, 56 + 4 * 63), 0);
	ck_assert_int_ne(soak_map_load(&l, path, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "expected"));
	/* not a map at all */
	f = fopen(path, "wb");
	fputs("hello, this is not a soak map, not even close to one......", f);
	fclose(f);
	ck_assert_int_ne(soak_map_load(&l, path, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "not a soak map");
	soak_map_free(&m);
	unlink(path);
}
END_TEST

START_TEST(test_slices_cover_the_range_and_owner_agrees)
{
	static const uint64_t sizes[] = { 2, 3, 7, 64, 1000, 524288, 999999937 };
	struct soak_map m = { 0 };
	uint64_t first, count, expect_first;
	unsigned s, t, i;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (t = 1; t <= 64 && t <= sizes[s]; t++) {
			m.first_lba = 1000;
			m.nlbas = sizes[s];
			m.nthreads = t;
			expect_first = m.first_lba;
			for (i = 0; i < t; i++) {
				soak_slice(m.first_lba, m.nlbas, t, i, &first, &count);
				ck_assert_uint_eq(first, expect_first);
				ck_assert_uint_ge(count, 1);
				ck_assert_uint_eq(soak_owner(&m, first), i);
				ck_assert_uint_eq(soak_owner(&m, first + count - 1), i);
				expect_first = first + count;
			}
			ck_assert_uint_eq(expect_first, m.first_lba + m.nlbas);
		}
	}
}
END_TEST

static Suite *soak_suite(void)
{
	Suite *s = suite_create("soak_block");
	TCase *tc = tcase_create("verdicts");
	TCase *tm = tcase_create("map");

	tcase_add_test(tc, test_fresh_block_holds_its_generation);
	tcase_add_test(tc, test_any_flipped_bit_is_caught);
	tcase_add_test(tc, test_payload_damage_is_a_checksum_mismatch);
	tcase_add_test(tc, test_checksum_is_soak_csum_with_its_field_zero);
	tcase_add_test(tc, test_another_lbas_block_is_a_mismatch_naming_it);
	tcase_add_test(tc, test_older_generation_is_a_lost_write);
	tcase_add_test(tc, test_newer_generation_than_acknowledged_is_a_mismatch);
	tcase_add_test(tc, test_zeroes_where_a_write_was_acknowledged_are_lost);
	tcase_add_test(tc, test_foreign_data_is_a_mismatch_only_where_written);
	tcase_add_test(tc, test_earlier_runs_block_is_stale);
	tcase_add_test(tc, test_damaged_block_where_nothing_was_written_is_fine);
	tcase_add_test(tc, test_wrong_writer_or_block_size_is_caught);
	suite_add_tcase(s, tc);
	tcase_add_test(tm, test_map_round_trip);
	tcase_add_test(tm, test_damaged_map_is_refused);
	tcase_add_test(tm, test_slices_cover_the_range_and_owner_agrees);
	suite_add_tcase(s, tm);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(soak_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
