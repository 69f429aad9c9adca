// SPDX-License-Identifier: MIT
/*
 * nvd_ctrlr_connect(): a controller named by its transport ID, beside
 * nvd_ctrlr_attach()'s BDF.  PCIe attaches the function at the traddr;
 * TCP connects the admin queue to traddr:trsvcid and subnqn
 * (tcp/transport.c), then both run the same initialisation.
 */
#include <errno.h>

#include <nvdirect.h>
#include <nvdirect/trid.h>

#include "core/error.h"
#include "core/export.h"
#include "tcp/transport.h"

NVD_EXPORT int nvd_ctrlr_connect(const struct nvd_trid *trid, const struct nvd_ctrlr_opts *opts,
				 struct nvd_ctrlr **ctrlr)
{
	nvd__clear_detail();
	if (!trid || !ctrlr)
		return -EINVAL;
	switch (trid->trtype) {
	case NVD_TRTYPE_PCIE:
		return nvd_ctrlr_attach(trid->traddr, opts, ctrlr);
	case NVD_TRTYPE_TCP:
		return nvd__tcp_ctrlr_connect(trid, opts, ctrlr);
	}
	nvd__set_detail("trtype %d is not a transport this library has (PCIe, TCP)",
			(int)trid->trtype);
	return -EPROTONOSUPPORT;
}
