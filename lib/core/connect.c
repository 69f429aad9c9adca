// SPDX-License-Identifier: MIT
/*
 * nvd_ctrlr_connect(): a controller named by its transport ID, beside
 * nvd_ctrlr_attach()'s BDF.  PCIe attaches the function at the traddr;
 * any other transport is refused in words until the controller can run
 * over it (lib/tcp/ has the NVMe/TCP connection and Fabrics commands, not
 * yet a controller transport behind them).
 */
#include <errno.h>

#include <nvdirect.h>
#include <nvdirect/trid.h>

#include "core/error.h"
#include "core/export.h"

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
		/* the caller names the target; the words say what is missing */
		nvd__set_detail("this build's NVMe/TCP initiator cannot open a controller yet: "
				"the TCP transport is not wired into the controller; "
				"only trtype:PCIe connects");
		return -EPROTONOSUPPORT;
	}
	nvd__set_detail("trtype %d is not a transport this library has (PCIe, TCP)",
			(int)trid->trtype);
	return -EPROTONOSUPPORT;
}
