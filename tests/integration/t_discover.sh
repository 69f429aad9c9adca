# layouts: tcp
# NVMe over Fabrics discovery (issue 13): `nvdirect discover -r TRID` asks
# the kernel target's discovery controller (nvmet-tcp on 127.0.0.1) for its
# Discovery Log Page and prints what `nvme discover` prints for the same
# port, record for record; two subsystems share port 1 (4420), the second
# also has port 2 (4421) to itself.  Refusals come back in one line.

# the target: TCP_NQN, TCP_PORT, NVMET, tcp_target_up/down
. "$(dirname "${BASH_SOURCE[0]}")/tcp_target.sh"

DISC_NQN2=nqn.2026-12.io.nvdirect:disc-second
DISC_PORT2=4421
DISC_ERR=/tmp/discover.err

# disc_target_up: tcp_target_up, plus DISC_NQN2 (no namespace; any host)
# on port 1 and alone on port 2 at 127.0.0.1:DISC_PORT2.
disc_target_up() {
	local s2=$NVMET/subsystems/$DISC_NQN2 p2=$NVMET/ports/2
	tcp_target_up
	mkdir "$s2"
	echo 1 >"$s2/attr_allow_any_host"
	ln -s "$s2" "$NVMET/ports/1/subsystems/$DISC_NQN2"
	mkdir "$p2"
	echo tcp >"$p2/addr_trtype"
	echo ipv4 >"$p2/addr_adrfam"
	echo 127.0.0.1 >"$p2/addr_traddr"
	echo "$DISC_PORT2" >"$p2/addr_trsvcid"
	ln -s "$s2" "$p2/subsystems/$DISC_NQN2"
	modprobe nvme-tcp || fail "modprobe nvme-tcp (for nvme discover)"
}

# Undo disc_target_up, whatever part of it was done; an EXIT trap.
disc_target_down() {
	local s2=$NVMET/subsystems/$DISC_NQN2 p2=$NVMET/ports/2
	trap - ERR
	set +e
	rm -f "$p2/subsystems/$DISC_NQN2" "$NVMET/ports/1/subsystems/$DISC_NQN2"
	[ -d "$p2" ] && rmdir "$p2"
	[ -d "$s2" ] && rmdir "$s2"
	tcp_target_down
}

# disc_records OUTPUT: one sorted line per record of `nvme discover` style
# OUTPUT: "subtype|trsvcid|traddr|subnqn".
disc_records() {
	awk '
		{ v = $0; sub(/^[a-z]+: */, "", v) }
		/^=====Discovery Log Entry/ { if (n++) print r; r = "" }
		/^subtype:/ { st = v } /^trsvcid:/ { sv = v } /^traddr:/ { ta = v }
		/^subnqn:/ { nq = v } /^eflags:|^sectype:/ { r = st "|" sv "|" ta "|" nq }
		END { if (n) print r }' <<<"$1" | sort
}

# disc_same PORT: nvdirect discover and nvme discover print the same log.
disc_same() {
	local port=$1 k n
	k=$(nvme discover -t tcp -a 127.0.0.1 -s "$port") || fail "nvme discover -s $port"
	n=$("$NVDIRECT" discover -r "trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:$port") ||
		fail "nvdirect discover on port $port"
	echo "$n"
	[ "$(disc_records "$n")" = "$(disc_records "$k")" ] ||
		fail "port $port: records differ: nvme discover lists $(disc_records "$k" | tr '\n' ' '), nvdirect $(disc_records "$n" | tr '\n' ' ')"
	# and every line as nvme-cli prints it (counts line, each key, each value)
	diff <(echo "$k") <(echo "$n") || fail "port $port: nvdirect discover's output differs from nvme discover's (diff above)"
}

test_discover_lists_what_nvme_discover_lists() {
	trap disc_target_down EXIT
	disc_target_up
	command -v nvme >/dev/null || fail "no nvme-cli in the guest to compare with"
	disc_same "$TCP_PORT"
	out=$("$NVDIRECT" discover -r "trtype:TCP traddr:127.0.0.1 trsvcid:$TCP_PORT")
	recs=$(disc_records "$out")
	# what the target was configured with, whatever nvme-cli says
	grep -qx "nvme subsystem|$TCP_PORT|127.0.0.1|$TCP_NQN" <<<"$recs" || fail "$TCP_NQN on port $TCP_PORT is not listed"
	grep -qx "nvme subsystem|$TCP_PORT|127.0.0.1|$DISC_NQN2" <<<"$recs" || fail "$DISC_NQN2 on port $TCP_PORT is not listed"
	[ "$(grep -c '^nvme subsystem' <<<"$recs")" = 2 ] || fail "not exactly two NVM subsystems on port $TCP_PORT"
	grep -q "^Discovery Log Number of Records $(wc -l <<<"$recs"), Generation counter [0-9]" <<<"$out" ||
		fail "the counts line does not give the number of records"
	disc_same "$DISC_PORT2"
	recs=$(disc_records "$("$NVDIRECT" discover -r "trtype:TCP traddr:127.0.0.1 trsvcid:$DISC_PORT2")")
	[ "$(grep '^nvme subsystem' <<<"$recs")" = "nvme subsystem|$DISC_PORT2|127.0.0.1|$DISC_NQN2" ] ||
		fail "port $DISC_PORT2 does not list only $DISC_NQN2"
	# the discovery NQN given explicitly is the default
	n=$("$NVDIRECT" discover -r "trtype:TCP traddr:127.0.0.1 trsvcid:$DISC_PORT2 subnqn:nqn.2014-08.org.nvmexpress.discovery")
	[ "$(disc_records "$n")" = "$recs" ] || fail "subnqn:nqn.2014-08.org.nvmexpress.discovery lists other records"
}

test_discover_json_has_nvme_discovers_records() {
	trap disc_target_down EXIT
	disc_target_up
	command -v nvme >/dev/null || fail "no nvme-cli in the guest to compare with"
	"$NVDIRECT" discover -o json -r "trtype:TCP traddr:127.0.0.1 trsvcid:$TCP_PORT" >/tmp/disc_n.json ||
		fail "nvdirect discover -o json"
	nvme discover -o json -t tcp -a 127.0.0.1 -s "$TCP_PORT" >/tmp/disc_k.json || fail "nvme discover -o json"
	cat /tmp/disc_n.json
	python3 - /tmp/disc_k.json /tmp/disc_n.json "$TCP_NQN" <<'EOF' || fail "the JSON records differ (above)"
import json, sys
k, n = (json.load(open(p)) for p in sys.argv[1:3])
keys = ("trtype", "adrfam", "subtype", "treq", "portid", "trsvcid", "subnqn", "traddr", "sectype")
rec = lambda d: sorted(tuple(r.get(x) for x in keys) for r in d["records"])
if n["genctr"] != k["genctr"] or rec(n) != rec(k):
    print("nvme discover:", k["genctr"], rec(k), "\nnvdirect:", n["genctr"], rec(n))
    sys.exit(1)
if not any(r["subnqn"] == sys.argv[3] and r["subtype"] == "nvme subsystem" for r in n["records"]):
    sys.exit(1)
EOF
}

test_discover_refusals_say_so() {
	trap disc_target_down EXIT
	disc_target_up
	expect_fail "discover on a port nobody listens on" \
		"$NVDIRECT" discover -r "trtype:TCP traddr:127.0.0.1 trsvcid:4429" 2>"$DISC_ERR"
	cat "$DISC_ERR"
	grep -q '^nvdirect: discover 127.0.0.1:4429: .*Connection refused' "$DISC_ERR" ||
		fail "the refusal does not name 127.0.0.1:4429 and say Connection refused"
	[ "$(wc -l <"$DISC_ERR")" = 1 ] || fail "more than one line of words"
	# an I/O controller's subsystem: connects and enables, but has no discovery log
	expect_fail "discover from an NVM subsystem" \
		"$NVDIRECT" discover -r "trtype:TCP traddr:127.0.0.1 trsvcid:$TCP_PORT subnqn:$TCP_NQN" 2>"$DISC_ERR"
	cat "$DISC_ERR"
	grep -q "127.0.0.1:$TCP_PORT is not a discovery controller: Get Log Page 70h .*Invalid Field in Command" "$DISC_ERR" ||
		fail "the words do not say it is not a discovery controller"
	[ "$(wc -l <"$DISC_ERR")" = 1 ] || fail "more than one line of words"
	# discovery is a fabrics service: a PCI address is a bad argument (exit 2)
	rc=0
	"$NVDIRECT" discover -r "trtype:PCIe traddr:0000:00:03.0" 2>"$DISC_ERR" || rc=$?
	cat "$DISC_ERR"
	[ "$rc" = 2 ] || fail "discover -r trtype:PCIe exited $rc, expected 2"
	grep -q "is trtype:PCIe" "$DISC_ERR" || fail "the PCIe refusal does not name the transport"
	rc=0
	"$NVDIRECT" discover 2>"$DISC_ERR" || rc=$?
	cat "$DISC_ERR"
	[ "$rc" = 2 ] && grep -q "discover needs one -r TRID" "$DISC_ERR" ||
		fail "discover without -r: exit $rc, or the words do not ask for a TRID"
}
