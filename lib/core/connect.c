// SPDX-License-Identifier: MIT
/*
 * nvd_ctrlr_connect(): a controller named by its transport ID, beside
 * nvd_ctrlr_attach()'s BDF.  One path for every transport: the table of
 * the TRID's trtype (core/transport_ops.h) constructs the controller (PCIe
 * attaches the function at the traddr, TCP connects the admin queue to
 * traddr:trsvcid and subnqn), then both run the same initialisation.
 */
#include <errno.h>
#include <stddef.h>

#include <nvdirect.h>
#include <nvdirect/trid.h>

#include "core/error.h"
#include "core/export.h"
#include "core/transport_ops.h"
#include "tcp/transport.h"

const struct nvd_transport_ops *nvd__transports[NVD_TRANSPORTS] = {
	&nvd__pcie_transport,
	&nvd__tcp_transport,
};

const struct nvd_transport_ops *nvd__transport_of(enum nvd_trtype trtype)
{
	unsigned i;

	for (i = 0; i < NVD_TRANSPORTS; i++)
		if (nvd__transports[i] && nvd__transports[i]->trtype == trtype)
			return nvd__transports[i];
	return NULL;
}

NVD_EXPORT int nvd_ctrlr_connect(const struct nvd_trid *trid, const struct nvd_ctrlr_opts *opts,
				 struct nvd_ctrlr **ctrlr)
{
	const struct nvd_transport_ops *ops;

	nvd__clear_detail();
	if (!trid || !ctrlr)
		return -EINVAL;
	ops = nvd__transport_of(trid->trtype);
	if (!ops) {
		nvd__set_detail("trtype %d is not a transport this library has (PCIe, TCP)",
				(int)trid->trtype);
		return -EPROTONOSUPPORT;
	}
	return ops->ctrlr_construct(trid, opts, ctrlr);
}
