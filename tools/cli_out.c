// SPDX-License-Identifier: MIT
/*
 * Output in nvme-cli's shapes: "key : value" lines with padded keys, or
 * one JSON document (numbers as numbers) for scripts, built with json-c
 * (as nvme-cli builds its own) and printed at out_end().
 *
 * Strings from the device (Identify SN, MN, FR: ASCII by NVMe Base 2.0
 * §1.5 "ASCII string", 20h..7Eh) may hold any byte.  JSON must be UTF-8,
 * so each byte 80h..FFh goes out as the character U+0080..U+00FF (the
 * byte read as Latin-1) and control characters as \u00XX escapes: the
 * document always parses, and a script gets every byte back (code point =
 * byte) instead of U+FFFD, which would lose which bytes the device sent.
 * nvme-cli passes the bytes through unchanged, which makes the document
 * invalid JSON whenever one is 80h or above.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"

#define MAX_DEPTH	16

static int json;
static int depth;
static struct json_object *stack[MAX_DEPTH];	/* open objects and arrays */

void out_init(int j)
{
	while (depth > 0)
		json_object_put(stack[--depth]);
	json = j;
}

int out_json(void)
{
	return json;
}

size_t json_latin1(const char *s, char *out, size_t len)
{
	size_t n = 0;

	for (; *s && n + 3 <= len; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x80) {
			out[n++] = (char)ch;
		} else {
			/* U+0080..U+00FF in UTF-8: two bytes, 110000xx 10xxxxxx */
			out[n++] = (char)(0xc0 | ch >> 6);
			out[n++] = (char)(0x80 | (ch & 0x3f));
		}
	}
	if (len)
		out[n < len ? n : len - 1] = '\0';
	return n;
}

/* Adds @v to the innermost open container (as member @key of an object). */
static void add(const char *key, struct json_object *v)
{
	struct json_object *top;

	if (!v)
		return;
	if (!depth) {
		/* a value outside out_begin(): nothing to hold it */
		json_object_put(v);
		return;
	}
	top = stack[depth - 1];
	if (json_object_is_type(top, json_type_array))
		json_object_array_add(top, v);
	else
		json_object_object_add(top, key ? key : "", v);
}

static void open_level(const char *key, struct json_object *v)
{
	if (!v)
		return;
	if (depth == MAX_DEPTH) {
		json_object_put(v);
		return;
	}
	/* the parent holds a reference from here; ours goes at close */
	if (depth)
		add(key, json_object_get(v));
	stack[depth++] = v;
}

static void close_level(void)
{
	struct json_object *v;

	if (!depth)
		return;
	v = stack[--depth];
	if (!depth) {
		/* "/" stays as it is, as nvme-cli prints it */
		puts(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	}
	json_object_put(v);
}

void out_begin(const char *title)
{
	if (json)
		open_level(NULL, json_object_new_object());
	else if (title)
		printf("%s\n", title);
}

void out_end(void)
{
	if (json)
		close_level();
}

void out_uint(const char *key, int w, const char *fmt, unsigned long long v)
{
	if (json) {
		add(key, json_object_new_uint64((uint64_t)v));
		return;
	}
	printf("%-*s: ", w, key);
	printf(fmt, v);
	putchar('\n');
}

void out_str(const char *key, int w, const char *s)
{
	if (json) {
		size_t len = 2 * strlen(s) + 3;
		char *u = malloc(len);

		if (!u)
			return;
		json_latin1(s, u, len);
		add(key, json_object_new_string(u));
		free(u);
		return;
	}
	printf("%-*s: %s\n", w, key, s);
}

void out_text(const char *key, int w, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out_str(key, w, buf);
}

void out_line(const char *fmt, ...)
{
	va_list ap;

	if (json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void out_array(const char *key)
{
	if (json)
		open_level(key, json_object_new_array());
}

void out_array_end(void)
{
	if (json)
		close_level();
}

void out_obj(void)
{
	if (json)
		open_level(NULL, json_object_new_object());
}

void out_object(const char *key)
{
	if (json)
		open_level(key, json_object_new_object());
}

void out_obj_end(void)
{
	if (json)
		close_level();
}

void u128_str(const uint8_t v[16], char *out, size_t len)
{
	uint8_t n[16];
	char digits[48];
	int i, nd = 0, nonzero;

	memcpy(n, v, 16);
	/* repeated division by 10 of a little-endian byte string */
	do {
		unsigned rem = 0;

		nonzero = 0;
		for (i = 15; i >= 0; i--) {
			unsigned cur = (rem << 8) | n[i];

			n[i] = (uint8_t)(cur / 10);
			rem = cur % 10;
			nonzero |= n[i];
		}
		digits[nd++] = (char)('0' + rem);
	} while (nonzero && nd < 47);
	for (i = 0; i < nd && (size_t)i + 1 < len; i++)
		out[i] = digits[nd - 1 - i];
	out[i] = '\0';
}

const char *si_suffix(double *v)
{
	static const char *const s[] = { "", "k", "M", "G", "T", "P" };
	unsigned i = 0;

	while (*v >= 1000 && i < 5) {
		*v /= 1000;
		i++;
	}
	return s[i];
}
