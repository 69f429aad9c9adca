// SPDX-License-Identifier: MIT
/*
 * Over the in-process controller model (tests/model): `nvdirect id-ctrl
 * -o json` of a controller whose serial number, model and firmware
 * revision hold control bytes and bytes that are not UTF-8 is strict JSON
 * that gives every byte back; and the I/O queue size a queue pair gets by
 * default is the controller's maximum within one DMA region and the
 * library's 2 MiB budget.
 */
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/ctrlr.h"
#include "model.h"
#include "model_priv.h"

static struct model *m;

/* The CLI's attach (nvdirect.c), through the model instead of /dev/nvdirectN. */
int cli_attach(const struct cli *o, struct nvd_ctrlr **c)
{
	int err = nvd__ctrlr_attach_backend(o->bdf, &model_transport_ops, NULL, c);

	ck_assert_msg(err == 0, "attach: %s", nvd_last_error());
	return 0;
}

int cli_fail(const char *what, int err)
{
	ck_abort_msg("%s: %s", what, nvd_strerror(err));
	return 1;
}

int bad_arg(const char *fmt, ...)
{
	ck_abort_msg("bad_arg: %s", fmt);
	return EXIT_BAD_ARG;
}

/* SN 20, MN 40, FR 8 bytes, space padded as the spec has them */
static const char sn[20] = "SN\x01\t\x1f\x7f\x80\xff\xc3(\xe9 ok      ";
static const char mn[40] = "Caf\xc3\xa9 \xed\xa0\x80 \xf0\x9f\x98 model                     ";
static const char fr[8] = "\x85\x0a\x0d\"\\/  ";

/* @raw's bytes as U+0000..U+00FF in UTF-8, what the JSON must decode to */
static void latin1(const char *raw, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)raw[i];

		if (ch < 0x80) {
			*out++ = (char)ch;
		} else {
			*out++ = (char)(0xc0 | ch >> 6);
			*out++ = (char)(0x80 | (ch & 0x3f));
		}
	}
	*out = '\0';
}

static void check_field(struct json_object *doc, const char *key, const char *raw, size_t n)
{
	struct json_object *v;
	char want[128];

	latin1(raw, n, want);
	ck_assert_msg(json_object_object_get_ex(doc, key, &v), "no %s", key);
	ck_assert_str_eq(json_object_get_string(v), want);
}

START_TEST(test_id_ctrl_json_of_odd_identify_strings)
{
	struct model_config cfg;
	struct cli o = { .cmd = "id-ctrl", .json = 1, .feature = -1, .lbaf = -1 };
	struct json_tokener *tok;
	struct json_object *doc;
	static char buf[1 << 16];
	FILE *f = tmpfile();
	int saved = dup(1), rc;
	size_t n;

	model_config_init(&cfg);
	m = model_create(&cfg);
	memcpy(m->id.sn, sn, sizeof(sn));
	memcpy(m->id.mn, mn, sizeof(mn));
	memcpy(m->id.fr, fr, sizeof(fr));
	model_start(m);
	o.bdf = model_bdf(m);

	ck_assert_ptr_nonnull(f);
	fflush(stdout);
	dup2(fileno(f), 1);
	out_init(1);
	rc = cmd_id_ctrl(&o);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	model_destroy(m);
	ck_assert_int_eq(rc, 0);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);

	tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	doc = json_tokener_parse_ex(tok, buf, (int)n);
	ck_assert_msg(doc != NULL, "not strict JSON (%s): %.300s",
		      json_tokener_error_desc(json_tokener_get_error(tok)), buf);
	check_field(doc, "sn", sn, sizeof(sn));
	check_field(doc, "mn", mn, sizeof(mn));
	check_field(doc, "fr", fr, sizeof(fr));
	json_object_put(doc);
	json_tokener_free(tok);
}
END_TEST

/* Attach a model with @cfg; the qsize-0 queue pair's entries, and the info. */
static uint32_t default_qsize(struct model_config *cfg, const struct nvd_ctrlr_opts *opts,
			      struct nvd_ctrlr_info *info)
{
	struct nvd_ctrlr *c;
	struct nvd_qpair *qp;
	uint32_t size;

	m = model_create(cfg);
	model_start(m);
	ck_assert_msg(nvd__ctrlr_attach_backend(model_bdf(m), &model_transport_ops, opts, &c) == 0,
		      "attach: %s", nvd_last_error());
	ck_assert_int_eq(nvd_ctrlr_alloc_io_qpair(c, 0, &qp), 0);
	size = qp->sq.size;
	*info = *nvd_ctrlr_get_info(c);
	/* one entry past the largest is refused, naming the bound */
	ck_assert_int_eq(nvd_ctrlr_alloc_io_qpair(c, info->max_io_queue_size + 1, &qp), -EINVAL);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(),
				     info->max_io_queue_size == info->mqes ? "(CAP.MQES)" : "(largest DMA region)"));
	nvd_ctrlr_detach(c);
	model_destroy(m);
	return size;
}

START_TEST(test_default_io_queue_is_the_maximum_within_the_budget)
{
	struct model_config cfg;
	struct nvd_ctrlr_opts opts;
	struct nvd_ctrlr_info info;

	/* 1024 entries, MDTS 128 KiB: a PRP-list page per entry, 2 MiB / 4176 bytes */
	model_config_init(&cfg);
	ck_assert_uint_eq(default_qsize(&cfg, NULL, &info), 502);
	ck_assert_uint_eq(info.io_queue_size, 502);
	ck_assert_uint_eq(info.max_io_queue_size, 1024);
	/* a small controller: all of it */
	model_config_init(&cfg);
	cfg.mqes = 63;
	ck_assert_uint_eq(default_qsize(&cfg, NULL, &info), 64);
	ck_assert_uint_eq(info.max_io_queue_size, 64);
	/* a 16 KiB DMA region holds 256 SQ entries: that is the maximum */
	model_config_init(&cfg);
	cfg.max_region = 16384;
	cfg.mqes = 2047;
	ck_assert_uint_eq(default_qsize(&cfg, NULL, &info), 256);
	ck_assert_uint_eq(info.max_io_queue_size, 256);
	/* nvd_ctrlr_opts.io_queue_size still sets another default */
	model_config_init(&cfg);
	nvd_ctrlr_opts_init(&opts);
	ck_assert_uint_eq(opts.io_queue_size, 0);
	opts.io_queue_size = 1000;
	ck_assert_uint_eq(default_qsize(&cfg, &opts, &info), 1000);
	ck_assert_uint_eq(info.io_queue_size, 1000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cli_model");
	TCase *tc = tcase_create("cli_model");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_id_ctrl_json_of_odd_identify_strings);
	tcase_add_test(tc, test_default_io_queue_is_the_maximum_within_the_budget);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
