// SPDX-License-Identifier: MIT
/*
 * Output in nvme-cli's shapes: "key : value" lines with padded keys, or
 * one JSON document (numbers as numbers) for scripts.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int json;
static int depth;
static int first[16];		/* no member written yet at this depth */

void out_init(int j)
{
	json = j;
	depth = 0;
	first[0] = 1;
}

int out_json(void)
{
	return json;
}

static void put_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

/* separator and key of the next member */
static void member(const char *key)
{
	if (!first[depth])
		putchar(',');
	first[depth] = 0;
	if (key) {
		put_json_string(key);
		putchar(':');
	}
}

static void open_level(const char *key, char ch)
{
	member(key);
	putchar(ch);
	if (depth < 15)
		depth++;
	first[depth] = 1;
}

static void close_level(char ch)
{
	putchar(ch);
	if (depth > 0)
		depth--;
	if (depth == 0)
		putchar('\n');
}

void out_begin(const char *title)
{
	if (json)
		open_level(NULL, '{');
	else if (title)
		printf("%s\n", title);
}

void out_end(void)
{
	if (json)
		close_level('}');
}

void out_uint(const char *key, int w, const char *fmt, unsigned long long v)
{
	if (json) {
		member(key);
		printf("%llu", v);
		return;
	}
	printf("%-*s: ", w, key);
	printf(fmt, v);
	putchar('\n');
}

void out_str(const char *key, int w, const char *s)
{
	if (json) {
		member(key);
		put_json_string(s);
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
		open_level(key, '[');
}

void out_array_end(void)
{
	if (json)
		close_level(']');
}

void out_obj(void)
{
	if (json)
		open_level(NULL, '{');
}

void out_object(const char *key)
{
	if (json)
		open_level(key, '{');
}

void out_obj_end(void)
{
	if (json)
		close_level('}');
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
