/* SPDX-License-Identifier: MIT */
/*
 * The nvdirect CLI's shared pieces: argument checks that explain
 * themselves, attaching a controller, and output in nvme-cli's two shapes
 * ("field : value" lines, or JSON for scripts).
 */
#ifndef NVD_TOOLS_CLI_H
#define NVD_TOOLS_CLI_H

#include <stdint.h>
#include <stdio.h>

#include <nvdirect.h>
#include <nvdirect/trid.h>

#define PROG		"nvdirect"
#define EXIT_BAD_ARG	2	/* a bad argument: nothing was sent to a device */
#define MAX_CTRLRS	64

/* Options of one command line; which apply depends on the command. */
struct cli {
	const char *cmd;
	const char *bdf;	/* the controller as named: a BDF, or the TRID's words */
	struct nvd_trid trid;	/* the controller a command attaches (-r TRID or BDF) */
	const char *rargs[MAX_CTRLRS];	/* -r values, in order given */
	int nr;
	int json;		/* -o json */
	int human;		/* -H */
	uint32_t nsid;		/* -n; 0 = not given */
	int feature;		/* -f, -1 = not given */
	int sel;		/* get-feature -s */
	uint32_t cdw11;		/* get-feature -c */
	int lbaf;		/* format -l, -1 = not given */
	int ses, pi, pil, mset;
	int force;		/* format --force */
	int hdgst, ddgst;	/* --hdr-digest, --data-digest (NVMe/TCP) */
	uint32_t timeout_ms;	/* format -t */
	uint32_t entries;	/* error-log -e */
	const char *module;	/* setup --module */
	char **params;		/* setup --param NAME=VALUE, in order given */
	int nparams;
	char **args;		/* positional arguments after the command */
	int nargs;
};

/* "nvdirect: <message>" on stderr; returns EXIT_BAD_ARG. */
int bad_arg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One line for a failed library call; returns 1. */
int cli_fail(const char *what, int err);
/* Attach the controller @o names; on failure prints why and returns the exit status. */
int cli_attach(const struct cli *o, struct nvd_ctrlr **c);
/* "1 2 3" for the active namespaces. */
void cli_ns_list(const struct nvd_ctrlr *c, char *out, size_t len);

/* ---- output (cli_out.c) ----------------------------------------------- */
void out_init(int json);
/*
 * @s as UTF-8 for JSON, each byte 80h..FFh as U+0080..U+00FF (Latin-1);
 * @out holds 2 * strlen(@s) + 1 bytes for all of it.  Returns its length.
 */
size_t json_latin1(const char *s, char *out, size_t len);
int out_json(void);
/* normal: prints @title as a line (if not NULL); json: opens an object,
 * printed as one line when out_end() closes it */
void out_begin(const char *title);
void out_end(void);
/* key/value; @w pads the key in normal output (nvme-cli's alignment) */
void out_uint(const char *key, int w, const char *fmt, unsigned long long v);
void out_str(const char *key, int w, const char *s);
/* value printed as text in both shapes */
void out_text(const char *key, int w, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* normal output only (-H decodes, separators) */
void out_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* JSON arrays of objects: out_array("lbafs"); out_obj(); ...; out_obj_end(); out_array_end() */
void out_array(const char *key);
void out_array_end(void);
void out_obj(void);
void out_obj_end(void);
/* JSON: a member object "key": { ... }, closed with out_obj_end() */
void out_object(const char *key);

/* 128-bit little-endian counter in decimal */
void u128_str(const uint8_t v[16], char *out, size_t len);
/* value scaled to SI units: "268.44 MB" style parts */
const char *si_suffix(double *v);

/* ---- commands --------------------------------------------------------- */
int cmd_list(struct cli *o);
int cmd_id_ctrl(struct cli *o);
int cmd_id_ns(struct cli *o);
int cmd_smart_log(struct cli *o);
int cmd_error_log(struct cli *o);
int cmd_fw_log(struct cli *o);
int cmd_ns_descs(struct cli *o);
int cmd_get_feature(struct cli *o);
int cmd_format(struct cli *o);
int cmd_setup(struct cli *o);
int cmd_reset(struct cli *o);
int cmd_status(struct cli *o);
int cmd_discover(struct cli *o);

#define MAX_PARAMS	16	/* setup --param */

#endif /* NVD_TOOLS_CLI_H */
