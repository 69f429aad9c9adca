#!/usr/bin/env bash
# demo.sh: build everything, then run hello_world and an identify summary.
# On a machine where controllers are bound to nvdirect.ko it uses them;
# otherwise it boots the guest kernel under QEMU with QEMU's emulated NVMe
# controller, loads the module, binds the controller and runs them there.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/vm/lib.sh"

"$top/scripts/build.sh"

show() {
	local b
	"$NVD_BUILD/tools/hello_world" && "$NVD_BUILD/tools/nvdirect" list &&
		for b in $(ls /sys/bus/pci/drivers/nvdirect | grep -E '^[0-9a-f]{4}:'); do
			"$NVD_BUILD/tools/nvdirect" id-ctrl "$b" | grep -E '^(vid|ssvid|sn|mn|fr|mdts|nn|ver) '
		done
}

if ls /sys/bus/pci/drivers/nvdirect 2>/dev/null | grep -qE '^[0-9a-f]{4}:'; then
	echo "demo: using the controllers bound to nvdirect on this machine"
	show
	exit
fi

echo "demo: no controller is bound to nvdirect here; using QEMU's emulated NVMe controller"
"$top/tests/vm/run.sh" -l basic -t 600 -L "$NVD_BUILD/vm/demo-console.log" -- \
	bash -c '
	set -e
	insmod "$NVD_KO"
	echo nvdirect >/sys/bus/pci/devices/0000:00:03.0/driver_override
	echo 0000:00:03.0 >/sys/bus/pci/drivers_probe
	'"$(declare -f show)"'
	show' 2>&1 | grep -vE '^\[ *[0-9]+\.[0-9]+\]|SeaBIOS|Booting from|Probing EDD|^guest-init'
