// SPDX-License-Identifier: MIT
/*
 * The CLI's output helpers: 128-bit counters in decimal (SMART, tnvmcap)
 * and JSON that nests and escapes correctly, also for identify strings
 * holding control characters and bytes that are not UTF-8.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

START_TEST(test_u128_prints_small_and_huge_counters)
{
	uint8_t v[16] = { 0 };
	char s[48];

	u128_str(v, s, sizeof(s));
	ck_assert_str_eq(s, "0");
	v[0] = 0x39;
	v[1] = 0x30;				/* 12345 */
	u128_str(v, s, sizeof(s));
	ck_assert_str_eq(s, "12345");
	memset(v, 0, sizeof(v));
	v[8] = 1;				/* 2^64 */
	u128_str(v, s, sizeof(s));
	ck_assert_str_eq(s, "18446744073709551616");
	memset(v, 0xff, sizeof(v));		/* 2^128 - 1 */
	u128_str(v, s, sizeof(s));
	ck_assert_str_eq(s, "340282366920938463463374607431768211455");
}
END_TEST

START_TEST(test_si_suffix_scales_by_thousands)
{
	double v = 268435456;

	ck_assert_str_eq(si_suffix(&v), "M");
	ck_assert(v > 268.43 && v < 268.44);
	v = 999;
	ck_assert_str_eq(si_suffix(&v), "");
}
END_TEST

/* What out_*() printed between out_init(1) and here, run by @fn. */
static void capture(void (*fn)(void), char *buf, size_t len)
{
	FILE *f = tmpfile();
	int saved = dup(1);
	size_t n;

	ck_assert_ptr_nonnull(f);
	fflush(stdout);
	dup2(fileno(f), 1);
	fn();
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* SN, MN and FR as a device might fill them: control bytes, Latin-1, broken UTF-8 */
static const char odd_sn[] = "SN\x01\t\x1f\x7f";
static const char odd_mn[] = "Caf\xe9 \xff\xfe \xc3(";	/* \xc3( is a cut UTF-8 sequence */
static const char odd_fr[] = "\x80\xc3\xa9";

static void print_odd_identify(void)
{
	out_init(1);
	out_begin(NULL);
	out_str("sn", 0, odd_sn);
	out_str("mn", 0, odd_mn);
	out_str("fr", 0, odd_fr);
	out_end();
}

START_TEST(test_json_of_odd_identify_strings_is_strict_json)
{
	char buf[512];
	struct json_tokener *tok = json_tokener_new();
	struct json_object *doc, *v;
	const char *mn;
	size_t i;

	capture(print_odd_identify, buf, sizeof(buf));
	/* ASCII except the UTF-8 of U+0080..U+00FF, and no raw control byte */
	for (i = 0; buf[i] && buf[i] != '\n'; i++)
		ck_assert_msg((unsigned char)buf[i] >= 0x20, "raw control byte 0x%02x at %zu",
			      (unsigned char)buf[i], i);
	ck_assert_ptr_nonnull(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	doc = json_tokener_parse_ex(tok, buf, (int)strlen(buf));
	ck_assert_msg(doc != NULL, "strict parse failed: %s in %s",
		      json_tokener_error_desc(json_tokener_get_error(tok)), buf);
	/* each byte comes back as the code point of the same value */
	ck_assert(json_object_object_get_ex(doc, "sn", &v));
	ck_assert_str_eq(json_object_get_string(v), odd_sn);
	ck_assert(json_object_object_get_ex(doc, "mn", &v));
	mn = json_object_get_string(v);
	ck_assert_str_eq(mn, "Caf\xc3\xa9 \xc3\xbf\xc3\xbe \xc3\x83(");
	ck_assert(json_object_object_get_ex(doc, "fr", &v));
	ck_assert_str_eq(json_object_get_string(v), "\xc2\x80\xc3\x83\xc2\xa9");
	/* the controls as JSON escapes, \t as its short form */
	ck_assert_ptr_nonnull(strstr(buf, "\"SN\\u0001\\t\\u001f\x7f\""));
	json_object_put(doc);
	json_tokener_free(tok);
}
END_TEST

START_TEST(test_json_latin1_fits_the_buffer_it_is_given)
{
	char out[8];

	ck_assert_uint_eq(json_latin1("ab\xe9", out, sizeof(out)), 4);
	ck_assert_str_eq(out, "ab\xc3\xa9");
	/* never a half character, always terminated */
	memset(out, 'x', sizeof(out));
	json_latin1("\xe9\xe9\xe9\xe9", out, 6);
	ck_assert_str_eq(out, "\xc3\xa9\xc3\xa9");
}
END_TEST

START_TEST(test_json_nests_and_escapes)
{
	char buf[512] = "";
	FILE *f = tmpfile();
	int saved = dup(1);
	size_t n;

	ck_assert_ptr_nonnull(f);
	fflush(stdout);
	dup2(fileno(f), 1);
	out_init(1);
	out_begin("ignored title");
	out_uint("vid", 10, "%#x", 0x1b36);
	out_str("sn", 10, "A\"B\\C");
	out_array("lbafs");
	out_obj();
	out_uint("ms", 0, "%llu", 0);
	out_obj_end();
	out_obj();
	out_uint("ms", 0, "%llu", 8);
	out_obj_end();
	out_array_end();
	out_line("not in json %d\n", 1);
	out_end();
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	ck_assert_str_eq(buf, "{\"vid\":6966,\"sn\":\"A\\\"B\\\\C\",\"lbafs\":[{\"ms\":0},{\"ms\":8}]}\n");
}
END_TEST

/* fw-log's shape: {"BDF":{"Active Firmware Slot (afi)":1,"Firmware Rev Slot 1":"..."}} */
START_TEST(test_json_member_object_is_keyed)
{
	char buf[256] = "";
	FILE *f = tmpfile();
	int saved = dup(1);
	size_t n;

	ck_assert_ptr_nonnull(f);
	fflush(stdout);
	dup2(fileno(f), 1);
	out_init(1);
	out_begin("Firmware Log for device:0000:00:03.0");
	out_object("0000:00:03.0");
	out_uint("Active Firmware Slot (afi)", 0, "%llu", 1);
	out_str("Firmware Rev Slot 1", 0, "1.0");
	out_obj_end();
	out_end();
	/* normal output: the title, no object around the fields */
	out_init(0);
	out_begin("Title:");
	out_object("ignored");
	out_uint("afi", 5, "%#llx", 1);
	out_obj_end();
	out_end();
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	ck_assert_str_eq(buf, "{\"0000:00:03.0\":{\"Active Firmware Slot (afi)\":1,"
			 "\"Firmware Rev Slot 1\":\"1.0\"}}\nTitle:\nafi  : 0x1\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cli_out");
	TCase *tc = tcase_create("cli_out");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_u128_prints_small_and_huge_counters);
	tcase_add_test(tc, test_si_suffix_scales_by_thousands);
	tcase_add_test(tc, test_json_nests_and_escapes);
	tcase_add_test(tc, test_json_member_object_is_keyed);
	tcase_add_test(tc, test_json_of_odd_identify_strings_is_strict_json);
	tcase_add_test(tc, test_json_latin1_fits_the_buffer_it_is_given);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
