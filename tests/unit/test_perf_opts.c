// SPDX-License-Identifier: MIT
/*
 * nvdirect-perf's pure pieces: -c as a mask or a core list (spdk style),
 * and -F zipf:THETA's offsets, which must follow the distribution.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "perf.h"

static int cores(const char *s, cpu_set_t *set)
{
	int bad;

	return perf_parse_cores(s, set, &bad);
}

START_TEST(test_core_list_takes_cores_and_ranges)
{
	cpu_set_t set;

	ck_assert_int_eq(cores("[0,2-3]", &set), 0);
	ck_assert_int_eq(CPU_COUNT(&set), 3);
	ck_assert(CPU_ISSET(0, &set) && !CPU_ISSET(1, &set) && CPU_ISSET(2, &set) && CPU_ISSET(3, &set));
	ck_assert_int_eq(cores("[5]", &set), 0);
	ck_assert_int_eq(CPU_COUNT(&set), 1);
	ck_assert(CPU_ISSET(5, &set));
	ck_assert_int_eq(cores("[1-1,0]", &set), 0);
	ck_assert_int_eq(CPU_COUNT(&set), 2);
}
END_TEST

START_TEST(test_core_mask_is_hex_with_or_without_0x)
{
	cpu_set_t set;

	ck_assert_int_eq(cores("0x3", &set), 0);
	ck_assert_int_eq(CPU_COUNT(&set), 2);
	ck_assert(CPU_ISSET(0, &set) && CPU_ISSET(1, &set));
	ck_assert_int_eq(cores("A", &set), 0);
	ck_assert(CPU_ISSET(1, &set) && CPU_ISSET(3, &set) && CPU_COUNT(&set) == 2);
	ck_assert_int_eq(cores("0x100", &set), 0);
	ck_assert(CPU_ISSET(8, &set) && CPU_COUNT(&set) == 1);
}
END_TEST

START_TEST(test_core_list_refuses_what_it_cannot_read)
{
	static const char *const bad[] = {
		"[]", "[", "[0,", "[0,]", "[3-1]", "[a]", "[0]x", "[0;1]", "[-1]", "0x", "0xg", "", "[0 ,1]",
	};
	cpu_set_t set;
	int core;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(cores(bad[i], &set) == -EINVAL, "'%s' accepted", bad[i]);
	/* past what a cpu_set_t holds: -ERANGE and the core named */
	ck_assert_int_eq(perf_parse_cores("[1,5000]", &set, &core), -ERANGE);
	ck_assert_int_eq(core, 5000);
	/* a mask with bit MAX_CORES set */
	char mask[MAX_CORES / 4 + 4] = "0x1";

	memset(mask + 3, '0', MAX_CORES / 4);
	mask[MAX_CORES / 4 + 3] = '\0';
	ck_assert_int_eq(perf_parse_cores(mask, &set, &core), -ERANGE);
	ck_assert_int_eq(core, MAX_CORES);
	mask[2] = '0';
	mask[3] = '8';				/* bit MAX_CORES - 1 */
	ck_assert_int_eq(perf_parse_cores(mask, &set, &core), 0);
	ck_assert(CPU_ISSET(MAX_CORES - 1, &set));
}
END_TEST

static double uniform(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return (double)(x >> 11) * 0x1.0p-53;
}

/*
 * Draw 2^20 blocks of @n with @theta: the two hottest blocks (exact in
 * Gray's method) and the hottest tenth (approximate) come within a few per
 * cent of their probabilities, no block is out of range, and the counts
 * fall from block to block.
 */
static void check_zipf(uint64_t n, double theta)
{
	const unsigned draws = 1u << 20;
	struct zipf z;
	uint64_t *count = calloc(n, sizeof(*count)), s = 88172645463325252ull, b, tenth = 0;
	double zn = zipf_zeta(n, theta), want;
	unsigned i;

	ck_assert_ptr_nonnull(count);
	ck_assert_int_eq(zipf_init(&z, n, theta), 0);
	for (i = 0; i < draws; i++) {
		b = zipf_next(&z, uniform(&s));
		if (b >= n)
			break;
		count[b]++;
	}
	ck_assert_msg(i == draws, "theta %.2f: draw %u gave block %llu of %llu", theta, i,
		      (unsigned long long)b, (unsigned long long)n);
	for (b = 0; b < 2; b++) {
		want = pow((double)(b + 1), -theta) / zn * draws;
		ck_assert_msg(fabs((double)count[b] - want) < want * 0.03,
			      "theta %.2f block %llu: %llu draws, expected %.0f", theta,
			      (unsigned long long)b, (unsigned long long)count[b], want);
	}
	for (b = 0; b < n / 10; b++)
		tenth += count[b];
	want = zipf_zeta(n / 10, theta) / zn * draws;
	ck_assert_msg(fabs((double)tenth - want) < want * 0.05,
		      "theta %.2f: hottest tenth drew %llu, expected %.0f", theta,
		      (unsigned long long)tenth, want);
	/* hotter blocks drawn more often: compare decades, not single noisy blocks */
	ck_assert_uint_gt(count[0] + count[1], count[2] + count[3]);
	ck_assert_uint_gt(tenth, draws / 10);
	free(count);
}

START_TEST(test_zipf_follows_the_distribution)
{
	check_zipf(10000, 0.5);
	check_zipf(10000, 0.99);
	check_zipf(100000, 1.2);
}
END_TEST

START_TEST(test_zipf_refuses_theta_it_cannot_draw)
{
	struct zipf z;

	ck_assert_int_eq(zipf_init(&z, 100, 0), -EINVAL);
	ck_assert_int_eq(zipf_init(&z, 100, -0.5), -EINVAL);
	ck_assert_int_eq(zipf_init(&z, 100, 1.0), -EINVAL);
	ck_assert_int_eq(zipf_init(&z, 100, NAN), -EINVAL);
	ck_assert_int_eq(zipf_init(&z, 0, 0.5), -EINVAL);
	/* one block: always it */
	ck_assert_int_eq(zipf_init(&z, 1, 0.5), 0);
	ck_assert_uint_eq(zipf_next(&z, 0.999), 0);
}
END_TEST

START_TEST(test_zipf_zeta_of_a_huge_range_is_close)
{
	/* zeta(n, 0.5) ~ 2 sqrt(n) + zeta(0.5) = 2 sqrt(n) - 1.4603545 */
	double n = 4e9, z = zipf_zeta((uint64_t)n, 0.5);

	ck_assert_msg(fabs(z - (2 * sqrt(n) - 1.4603545)) < 1e-3 * z, "zeta(4e9, 0.5) = %f", z);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("perf_opts");
	TCase *tc = tcase_create("perf_opts");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_core_list_takes_cores_and_ranges);
	tcase_add_test(tc, test_core_mask_is_hex_with_or_without_0x);
	tcase_add_test(tc, test_core_list_refuses_what_it_cannot_read);
	tcase_add_test(tc, test_zipf_follows_the_distribution);
	tcase_add_test(tc, test_zipf_refuses_theta_it_cannot_draw);
	tcase_add_test(tc, test_zipf_zeta_of_a_huge_range_is_close);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
