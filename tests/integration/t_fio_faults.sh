# layouts: faults
# The fio engine over media errors (tests/vm/run.sh -l faults: blkdebug
# fails the reads of LBAs $NVD_FAULT_READ and the writes of
# $NVD_FAULT_WRITE): the NVMe error status reaches fio as an I/O error on
# exactly those I/Os, named by errdetails, and continue_on_error decides
# whether the job goes on.  Helpers from t_fio.sh and t_media.sh.

# fio_failed_offsets OUT DIR: the offsets fio reports failed, one a line, sorted.
fio_failed_offsets() {
	sed -n "s/^fio: io_u error on file .*: Input\/output error: $2 offset=\([0-9]*\), buflen=512$/\1/p" "$1" |
		sort -n
}

# fio_faults_run DIR FIRST COUNT STATUS: 512-byte I/Os from 100 LBAs before
# the COUNT bad ones at FIRST to 100 after, continue_on_error, each error
# printed: exactly the bad LBAs fail, each with STATUS.
fio_faults_run() {
	local dir=$1 first=$2 n=$3 status=$4 want lba
	fio_nvd --name=faults --filename="$(fio_fname "$MEDIA" 1)" --rw="$dir" --bs=512 --iodepth=8 \
		--offset=$(((first - 100) * 512)) --size=$(((200 + n) * 512)) \
		--continue_on_error=all --error_dump=1 --output-format=json --output=/tmp/fio.json \
		>/tmp/fio.out 2>&1 || true
	cat /tmp/fio.out
	want=$(for ((lba = first; lba < first + n; lba++)); do echo $((lba * 512)); done)
	[ "$(fio_failed_offsets /tmp/fio.out "$dir")" = "$want" ] ||
		fail "failed $dir offsets: $(fio_failed_offsets /tmp/fio.out "$dir" | tr '\n' ' '), expected LBAs $first..$((first + n - 1))"
	for ((lba = first; lba < first + n; lba++)); do
		grep -qxF "fio: nvdirect: $dir of LBA $lba+1 on $MEDIA namespace 1 failed: $status" /tmp/fio.out ||
			fail "no line naming the $dir of LBA $lba and '$status'"
	done
	[ "$(fio_json /tmp/fio.json '.jobs[0].total_err')" = "$n" ] || fail "fio counted other than $n errors"
	[ "$(fio_json /tmp/fio.json ".jobs[0].$dir.io_bytes")" = $((200 * 512)) ] ||
		fail "the $dir I/Os around the bad LBAs did not all complete"
}

test_fio_faults_read_errors_on_exactly_the_bad_lbas() {
	local first=${NVD_FAULT_READ%:*} n=${NVD_FAULT_READ#*:}
	media_layout
	fio_engine_built
	bind_to nvdirect "$MEDIA"
	fio_nvd --name=fill --filename="$(fio_fname "$MEDIA" 1)" --rw=write --bs=64k \
		--offset=$(((first - 128) * 512)) --size=128k --output=/dev/null || fail "writes around the bad LBAs failed"
	fio_faults_run read "$first" "$n" "$READ_ERR"
	# without continue_on_error the job stops at the first, with EIO
	fio_nvd --name=stop --filename="$(fio_fname "$MEDIA" 1)" --rw=read --bs=512 \
		--offset=$(((first - 100) * 512)) --size=$(((200 + n) * 512)) --output-format=json \
		>/tmp/fio.json 2>/dev/null && fail "a read of bad LBAs ended without error"
	[ "$(fio_json /tmp/fio.json '.jobs[0].error')" = 5 ] || fail "the job did not end with EIO (5)"
	[ "$(fio_json /tmp/fio.json '.jobs[0].read.io_bytes')" -lt $((200 * 512)) ] ||
		fail "the job went on after the error"
}

test_fio_faults_write_errors_on_exactly_the_bad_lbas() {
	local first=${NVD_FAULT_WRITE%:*} n=${NVD_FAULT_WRITE#*:}
	media_layout
	fio_engine_built
	bind_to nvdirect "$MEDIA"
	fio_faults_run write "$first" "$n" "$WRITE_ERR"
}
