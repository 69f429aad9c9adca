// SPDX-License-Identifier: MIT
/*
 * Transport ID strings, SPDK's form: "trtype:TCP traddr:... trsvcid:...".
 * Errors name the key and the value at fault (nvd_last_error()).
 */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nvdirect/trid.h>

#include "core/error.h"
#include "core/export.h"
#include "pcie/sysfs.h"

#define KEY_MAX 16

/* Keys seen so far, so that one given twice is refused. */
enum {
	SEEN_TRTYPE = 1 << 0,
	SEEN_ADRFAM = 1 << 1,
	SEEN_TRADDR = 1 << 2,
	SEEN_TRSVCID = 1 << 3,
	SEEN_SUBNQN = 1 << 4,
	SEEN_HOSTNQN = 1 << 5,
	SEEN_NS = 1 << 6,
};

static int refuse(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(int err, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	nvd__set_detail("trid: %s", msg);
	return err;
}

static int copy_value(char *dst, size_t size, const char *key, const char *v)
{
	size_t n = strlen(v);

	if (n >= size)
		return refuse(-EINVAL, "%s of %zu characters exceeds %zu", key, n, size - 1);
	memcpy(dst, v, n + 1);
	return 0;
}

static int set_key(struct nvd_trid *t, unsigned *seen, const char *key, const char *v)
{
	static const struct { const char *name; unsigned bit; } keys[] = {
		{ "trtype", SEEN_TRTYPE }, { "adrfam", SEEN_ADRFAM }, { "traddr", SEEN_TRADDR },
		{ "trsvcid", SEEN_TRSVCID }, { "subnqn", SEEN_SUBNQN }, { "hostnqn", SEEN_HOSTNQN },
		{ "ns", SEEN_NS },
	};
	unsigned bit = 0;
	char *end;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcasecmp(key, keys[i].name))
			bit = keys[i].bit;
	if (!bit)
		return refuse(-EINVAL, "unknown key '%s' (trtype adrfam traddr trsvcid subnqn hostnqn ns)",
			      key);
	if (*seen & bit)
		return refuse(-EINVAL, "%s given twice", key);
	*seen |= bit;
	if (!*v)
		return refuse(-EINVAL, "%s without a value", key);

	switch (bit) {
	case SEEN_TRTYPE:
		if (!strcasecmp(v, "PCIe"))
			t->trtype = NVD_TRTYPE_PCIE;
		else if (!strcasecmp(v, "TCP"))
			t->trtype = NVD_TRTYPE_TCP;
		else if (!strcasecmp(v, "RDMA") || !strcasecmp(v, "FC"))
			return refuse(-EPROTONOSUPPORT, "trtype %s is not supported (PCIe, TCP)", v);
		else
			return refuse(-EINVAL, "trtype '%s' is not PCIe or TCP", v);
		return 0;
	case SEEN_ADRFAM:
		if (!strcasecmp(v, "IPv4"))
			t->adrfam = NVD_ADRFAM_IPV4;
		else if (!strcasecmp(v, "IPv6"))
			t->adrfam = NVD_ADRFAM_IPV6;
		else
			return refuse(-EINVAL, "adrfam '%s' is not IPv4 or IPv6", v);
		return 0;
	case SEEN_TRADDR:
		return copy_value(t->traddr, sizeof(t->traddr), key, v);
	case SEEN_TRSVCID: {
		unsigned long port;

		errno = 0;
		port = strtoul(v, &end, 10);
		if (*end || !isdigit((unsigned char)*v) || errno || port == 0 || port > 65535)
			return refuse(-EINVAL, "trsvcid '%s' is not a TCP port (1 to 65535)", v);
		return copy_value(t->trsvcid, sizeof(t->trsvcid), key, v);
	}
	case SEEN_SUBNQN:
		return copy_value(t->subnqn, sizeof(t->subnqn), key, v);
	case SEEN_HOSTNQN:
		return copy_value(t->hostnqn, sizeof(t->hostnqn), key, v);
	case SEEN_NS: {
		unsigned long long ns;

		errno = 0;
		ns = strtoull(v, &end, 0);
		if (*end || !isdigit((unsigned char)*v) || errno || ns == 0 || ns > 0xfffffffeull)
			return refuse(-EINVAL, "ns '%s' is not a namespace ID (1 to 0xfffffffe)", v);
		t->nsid = (uint32_t)ns;
		return 0;
	}
	}
	return -EINVAL;
}

/* What each transport needs and allows, once every key is in. */
static int finish(struct nvd_trid *t, unsigned seen)
{
	char bdf[NVD_BDF_LEN];

	if (!(seen & SEEN_TRTYPE))
		return refuse(-EINVAL, "no trtype (PCIe or TCP)");
	if (!(seen & SEEN_TRADDR))
		return refuse(-EINVAL, "trtype %s needs a traddr", nvd_trtype_str(t->trtype));
	if (t->trtype == NVD_TRTYPE_PCIE) {
		if (seen & (SEEN_ADRFAM | SEEN_TRSVCID | SEEN_SUBNQN | SEEN_HOSTNQN))
			return refuse(-EINVAL, "adrfam, trsvcid, subnqn and hostnqn are for TCP, not PCIe");
		if (nvd__bdf_normalize(t->traddr, bdf))
			return refuse(-EINVAL, "traddr '%s' is not a PCI address (DDDD:BB:DD.F)",
				      t->traddr);
		strcpy(t->traddr, bdf);
		return 0;
	}
	if (!(seen & SEEN_ADRFAM))
		t->adrfam = strchr(t->traddr, ':') ? NVD_ADRFAM_IPV6 : NVD_ADRFAM_IPV4;
	if (!(seen & SEEN_TRSVCID))
		snprintf(t->trsvcid, sizeof(t->trsvcid), "%u", 4420u);
	return 0;
}

NVD_EXPORT int nvd_trid_parse(struct nvd_trid *trid, const char *str)
{
	struct nvd_trid t;
	unsigned seen = 0;
	const char *p = str;
	int err;

	nvd__clear_detail();
	if (!trid || !str)
		return -EINVAL;
	memset(&t, 0, sizeof(t));
	for (;;) {
		char key[KEY_MAX + 1], value[512];
		const char *tok, *sep;
		size_t klen, vlen;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		tok = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		sep = tok;
		while (sep < p && *sep != ':' && *sep != '=')
			sep++;
		if (sep == p)
			return refuse(-EINVAL, "'%.*s' is not key:value", (int)(p - tok), tok);
		klen = sep - tok;
		vlen = p - sep - 1;
		if (klen == 0)
			return refuse(-EINVAL, "'%.*s' has no key", (int)(p - tok), tok);
		if (klen > KEY_MAX)
			return refuse(-EINVAL, "unknown key '%.*s'", (int)klen, tok);
		if (vlen >= sizeof(value))
			return refuse(-EINVAL, "%.*s of %zu characters is too long", (int)klen, tok, vlen);
		memcpy(key, tok, klen);
		key[klen] = '\0';
		memcpy(value, sep + 1, vlen);
		value[vlen] = '\0';
		err = set_key(&t, &seen, key, value);
		if (err)
			return err;
	}
	err = finish(&t, seen);
	if (err)
		return err;
	*trid = t;
	return 0;
}

NVD_EXPORT const char *nvd_trtype_str(enum nvd_trtype trtype)
{
	switch (trtype) {
	case NVD_TRTYPE_PCIE: return "PCIe";
	case NVD_TRTYPE_TCP: return "TCP";
	}
	return "unknown";
}

NVD_EXPORT int nvd_trid_format(const struct nvd_trid *t, char *buf, size_t len)
{
	int n;

	if (!t || (!buf && len))
		return -EINVAL;
	if (t->trtype == NVD_TRTYPE_PCIE)
		n = snprintf(buf, len, "trtype:PCIe traddr:%s", t->traddr);
	else if (t->trtype == NVD_TRTYPE_TCP)
		n = snprintf(buf, len, "trtype:TCP adrfam:%s traddr:%s trsvcid:%s%s%s%s%s",
			     t->adrfam == NVD_ADRFAM_IPV6 ? "IPv6" : "IPv4", t->traddr, t->trsvcid,
			     t->subnqn[0] ? " subnqn:" : "", t->subnqn,
			     t->hostnqn[0] ? " hostnqn:" : "", t->hostnqn);
	else
		return -EINVAL;
	if (t->nsid && n >= 0) {
		size_t used = (size_t)n < len ? (size_t)n : len;
		int m = snprintf(len ? buf + used : NULL, len - used, " ns:%u", t->nsid);

		n += m;
	}
	return n;
}
