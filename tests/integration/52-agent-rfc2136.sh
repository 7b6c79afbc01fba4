#!/usr/bin/env bash
# 52-agent-rfc2136.sh - cairn's dns-01 solver by RFC 2136 UPDATE with TSIG
# (--dns-update/--tsig-key) against a real BIND 9 that this test starts on
# loopback as the authoritative server of example.test (every name has
# A 127.0.0.1) and as Pebble's resolver. Checks: issuance (plain and
# wildcard), the TXT record removed afterwards, renewal with the recorded
# settings, a wrong TSIG key refused with a one-line error, exit codes.
source "$(dirname "$0")/agent-env.bash"

for t in pebble named tsig-keygen openssl curl python3; do
	command -v "$t" >/dev/null || { echo "FAIL prerequisite: $t not installed"; exit 1; }
done
[[ -x $CAIRN ]] || { echo "FAIL prerequisite: $CAIRN not built"; exit 1; }

free_port HTTP01_PORT
free_port TLSALPN_PORT
free_port DNS_PORT

# ---- BIND 9 -----------------------------------------------------------------------
B=$WORK/bind
mkdir -p "$B"
tsig-keygen -a hmac-sha256 cairn-key >"$B/cairn.key"
tsig-keygen -a hmac-sha256 cairn-key >"$B/wrong.key"   # same name, other secret
cat >"$B/example.test.zone" <<'EOF'
$TTL 60
@   IN SOA ns.example.test. hostmaster.example.test. 1 60 60 600 60
@   IN NS  ns.example.test.
@   IN A   127.0.0.1
*   IN A   127.0.0.1
EOF
cat >"$B/named.conf" <<EOF
include "$B/cairn.key";
options {
	directory "$B";
	pid-file "$B/named.pid";
	listen-on port $DNS_PORT { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
	notify no;
};
controls { };
zone "example.test" {
	type primary;
	file "$B/example.test.zone";
	allow-update { key "cairn-key"; };
};
EOF
named -g -n 1 -c "$B/named.conf" >"$WORK/named.log" 2>&1 </dev/null &
PIDS+=($!)
for i in $(seq 1 100); do grep -q "running" "$WORK/named.log" && break; sleep 0.1; done
grep -q "running" "$WORK/named.log" || { echo "FAIL prerequisite: named did not start"; tail -5 "$WORK/named.log"; exit 1; }

start_pebble A ''
CA=$WORK/tls/ca.pem
S=$WORK/state
C=("$CAIRN" --server "$A_DIR" --ca-bundle "$CA" --state "$S")

out=$("${C[@]}" issue -d upd.example.test --dns-update "127.0.0.1:$DNS_PORT" --tsig-key "$B/cairn.key" --agree-tos 2>&1); rc=$?
cd_u=$S/certs/upd.example.test
[[ $rc -eq 0 ]] && chain_ok "$cd_u" "$A_ROOT" && key_matches "$cd_u" && t_pass "rfc2136-issue" || t_fail "rfc2136-issue" "rc=$rc $out"
n=$(txt_count _acme-challenge.upd.example.test "$DNS_PORT")
[[ $n == 0 ]] && t_pass "rfc2136-record-removed" || t_fail "rfc2136-record-removed" "$n TXT records left"
grep -q "updating zone 'example.test/IN': adding an RR at '_acme-challenge.upd.example.test' TXT" "$WORK/named.log" &&
	grep -q "signer \"cairn-key\" approved" "$WORK/named.log" && t_pass "rfc2136-tsig-signed-update" ||
	t_fail "rfc2136-tsig-signed-update" "$(grep -i update "$WORK/named.log" | tail -2)"

out=$("${C[@]}" issue -d '*.wc.example.test' -d wc.example.test --dns-update "127.0.0.1:$DNS_PORT" --tsig-key "$B/cairn.key" 2>&1); rc=$?
[[ $rc -eq 0 ]] && has_san "$S/certs/_.wc.example.test" 'DNS:\*.wc.example.test' && t_pass "rfc2136-wildcard" ||
	t_fail "rfc2136-wildcard" "rc=$rc $out"
[[ $(txt_count _acme-challenge.wc.example.test "$DNS_PORT") == 0 ]] && t_pass "rfc2136-wildcard-records-removed" || t_fail "rfc2136-wildcard-records-removed"

s1=$(serial_of "$cd_u/cert.pem")
"$CAIRN" --state "$S" renew upd.example.test --force; rc=$?
[[ $rc -eq 0 && $(serial_of "$cd_u/cert.pem") != "$s1" ]] && t_pass "rfc2136-renew-recorded-settings" || t_fail "rfc2136-renew-recorded-settings" "rc=$rc"

out=$("${C[@]}" issue -d bad.example.test --dns-update "127.0.0.1:$DNS_PORT" --tsig-key "$B/wrong.key" 2>&1); rc=$?
[[ $rc -eq 1 && $(wc -l <<<"$out") -eq 1 ]] && grep -q "^cairn: issue: " <<<"$out" && [[ ! -e $S/certs/bad.example.test ]] &&
	t_pass "rfc2136-wrong-key-refused" || t_fail "rfc2136-wrong-key-refused" "rc=$rc $out"

agent_summary
