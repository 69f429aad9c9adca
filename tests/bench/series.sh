# The benchmark's series, sourced by scripts/bench.sh (to check -s and -q
# and estimate the run's length) and by tests/bench/guest.sh (to run them);
# how each one runs is in guest.sh's run_one, its labels in aggregate.jq.
# One line each: ID DRIVER DEPTHS DEFAULT
#   DRIVER   nvdirect, or nvme (the kernel's driver, loaded with poll_queues);
#            over NVMe/TCP to the kernel's target on 127.0.0.1 (null_blk):
#            tcp (nvdirect-perf -r trtype:TCP), ktcp (the kernel's nvme-tcp
#            initiator, connected with poll queues), nullb (the target's
#            null_blk device itself, no transport: the baseline)
#   DEPTHS   any: every depth of -q; low: those of 1 and 32 in -q;
#            32: QD32 only (the scaling rows, 32 in flight per thread)
#   DEFAULT  yes: in the default run (what the README's tables need);
#            tcp: in the default run of -T tcp; no: only when asked for
bench_series_table() {
	cat <<'TABLE'
nvd          nvdirect any yes
nvd-E        nvdirect low yes
nvd-A        nvdirect low yes
nvd-fio      nvdirect low yes
nvd-P2       nvdirect 32  yes
nvd-P4       nvdirect 32  no
nvd-2t       nvdirect 32  yes
uring        nvme     low yes
hipri        nvme     low yes
hipri-fb     nvme     any yes
ucmd         nvme     low yes
ucmd-hipri   nvme     any yes
libaio       nvme     low no
hipri-nopin  nvme     low no
hipri-2j     nvme     32  yes
uring-2j     nvme     32  no
nvd-tcp      tcp      low tcp
ktcp         ktcp     low tcp
ktcp-hipri   ktcp     low tcp
nullb        nullb    low tcp
TABLE
}

# bench_default_series [TRANSPORT]: the default selection for pcie (the
# default) or tcp, in the table's order.
bench_default_series() {
	local want=yes
	[ "${1:-pcie}" = tcp ] && want=tcp
	bench_series_table | awk -v want="$want" '$4 == want { print $1 }' | xargs
}
bench_all_series() { bench_series_table | awk '{ print $1 }' | xargs; }

# bench_runs "DEPTHS" "SERIES": one line "SERIES QD DRIVER" per run of one
# repetition, in the table's order (nvdirect's runs first, then the kernel's).
bench_runs() {
	local depths=$1 series=$2
	bench_series_table | awk -v depths="$depths" -v series="$series" '
		BEGIN { nd = split(depths, d, " "); ns = split(series, s, " ")
			for (i = 1; i <= ns; i++) want[s[i]] = 1 }
		want[$1] {
			for (i = 1; i <= nd; i++)
				if ($3 == "any" || ($3 == "low" && (d[i] == 1 || d[i] == 32)) || ($3 == "32" && d[i] == 32))
					print $1, d[i], $2
		}'
}
