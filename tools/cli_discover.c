// SPDX-License-Identifier: MIT
/*
 * nvdirect discover -r TRID: a discovery controller's Discovery Log Page,
 * printed as `nvme discover` prints it (nvme-cli 2.x: the counts line,
 * then one block of "key:  value" lines per record; -o json: "genctr"
 * and "records" with the same keys).
 */
#include <stdio.h>

#include <nvdirect/discovery.h>

#include "cli.h"

static void print_entry(uint32_t i, const struct nvd_discovery_entry *e)
{
	if (out_json()) {
		out_obj();
		out_str("trtype", 0, nvd_disc_trtype_str(e->trtype));
		out_str("adrfam", 0, nvd_disc_adrfam_str(e->adrfam));
		out_str("subtype", 0, nvd_disc_subtype_str(e->subtype));
		out_str("treq", 0, nvd_disc_treq_str(e->treq));
		out_uint("portid", 0, "%llu", e->portid);
		out_str("trsvcid", 0, e->trsvcid);
		out_str("subnqn", 0, e->subnqn);
		out_str("traddr", 0, e->traddr);
		out_str("eflags", 0, nvd_disc_eflags_str(e->eflags));
		if (e->trtype == NVD_TRTYPE_TCP)
			out_str("sectype", 0, nvd_disc_sectype_str(e->sectype));
		out_obj_end();
		return;
	}
	printf("=====Discovery Log Entry %u======\n", i);
	printf("trtype:  %s\n", nvd_disc_trtype_str(e->trtype));
	/* nvme-cli leaves the family out of an entry without an address */
	printf("adrfam:  %s\n", e->traddr[0] ? nvd_disc_adrfam_str(e->adrfam) : "");
	printf("subtype: %s\n", nvd_disc_subtype_str(e->subtype));
	printf("treq:    %s\n", nvd_disc_treq_str(e->treq));
	printf("portid:  %u\n", e->portid);
	printf("trsvcid: %s\n", e->trsvcid);
	printf("subnqn:  %s\n", e->subnqn);
	printf("traddr:  %s\n", e->traddr);
	printf("eflags:  %s\n", nvd_disc_eflags_str(e->eflags));
	if (e->trtype == NVD_TRTYPE_TCP)
		printf("sectype: %s\n", nvd_disc_sectype_str(e->sectype));
}

int cmd_discover(struct cli *o)
{
	struct nvd_discovery_entry *e;
	char what[NVD_TRADDR_MAX_LEN + NVD_TRSVCID_MAX_LEN + 64];
	uint64_t genctr;
	uint32_t n, i;
	int rc;

	if (o->trid.trtype != NVD_TRTYPE_TCP)
		return bad_arg("discover asks an NVMe over Fabrics discovery controller: '%s' is trtype:%s; "
			       "give -r 'trtype:TCP traddr:ADDR trsvcid:PORT'",
			       o->bdf, nvd_trtype_str(o->trid.trtype));
	rc = nvd_discover(&o->trid, &e, &n, &genctr);
	if (rc) {
		snprintf(what, sizeof(what), "discover %s:%s", o->trid.traddr, o->trid.trsvcid);
		return cli_fail(what, rc);
	}
	if (out_json()) {
		out_begin(NULL);
		out_uint("genctr", 0, "%llu", genctr);
		out_array("records");
	} else {
		printf("\nDiscovery Log Number of Records %u, Generation counter %llu\n", n,
		       (unsigned long long)genctr);
	}
	for (i = 0; i < n; i++)
		print_entry(i, &e[i]);
	out_array_end();
	out_end();
	nvd_discovery_free(e);
	return 0;
}
