// SPDX-License-Identifier: MIT
/*
 * Every installed header, compiled by headers.sh as C11 and as C++11 and
 * C++17 with -Wall -Wextra -Wpedantic -Werror, the way an application's
 * compiler would see them.  The inline helpers are called so that their
 * bodies are checked too; nvd_version() is referenced so that the C++
 * object shows whether the prototypes have C linkage (extern "C").
 */
#include <nvdirect.h>
#include <nvdirect/discovery.h>
#include <nvdirect/nvme_spec.h>
#include <nvdirect/trid.h>
#include <nvdirect/uapi.h>
#include <nvdirect/version.h>

NVD_STATIC_ASSERT(sizeof(struct nvd_id_ctrl) == NVD_IDENTIFY_SIZE, "Identify Controller");
NVD_STATIC_ASSERT(sizeof(struct nvd_id_ns) == NVD_IDENTIFY_SIZE, "Identify Namespace");
NVD_STATIC_ASSERT(sizeof(struct nvd_smart_log) == 512, "SMART log");
NVD_STATIC_ASSERT(NVD_VERSION >= NVD_VERSION_CODE(0, 1, 0), "version macros");

static unsigned decode(const struct nvd_cpl *c, const struct nvd_id_ns *id)
{
	return nvd_cpl_sc(c) + nvd_cpl_sct(c) + (unsigned)nvd_cpl_is_error(c) + nvd_aer_type(c) +
	       nvd_aer_info(c) + nvd_aer_log_page(c) + nvd_flbas_index(id->flbas);
}

int headers_check(const struct nvd_cpl *c, const struct nvd_id_ns *id);
int headers_check(const struct nvd_cpl *c, const struct nvd_id_ns *id)
{
	const char *(*version)(void) = nvd_version;
	int (*trid_parse)(struct nvd_trid *, const char *) = nvd_trid_parse;
	int (*discover)(const struct nvd_trid *, struct nvd_discovery_entry **, uint32_t *,
			uint64_t *) = nvd_discover;

	return (int)decode(c, id) + (version != 0) + (trid_parse != 0) + (discover != 0) +
	       (int)sizeof(struct nvdirect_info);
}
