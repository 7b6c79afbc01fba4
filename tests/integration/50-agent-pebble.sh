#!/usr/bin/env bash
# 50-agent-pebble.sh - cairn (the agent) against Pebble on loopback.
#
# Two Pebbles share one pebble-challtestsrv (DNS: every name -> 127.0.0.1):
#   A: plain, 20% of nonces rejected (badNonce retries), no authz reuse;
#   B: External Account Binding required, certificates valid 12 seconds
#      (so renewal falls due during the test: renew and the daemon).
# Cases: account register/show/update/rollover/deactivate; issue with
# http-01 standalone and webroot, dns-01 hook (wildcard), tls-alpn-01, CSR
# mode, each key type; renew (not due = exit 2 with no request while the
# CA's lack of renewalInfo is remembered, --force, --all); revoke by
# name and by file; deploy hook environment; one-line CA errors and the old
# certificate kept on failure; crash safety (kill -9 during renew);
# usage errors; man page in sync with the option table; EAB; daemon.
# Prints PASS/FAIL lines and "N passed, N failed"; exit 1 on any failure.
source "$(dirname "$0")/agent-env.bash"

for t in pebble pebble-challtestsrv openssl curl python3 strace; do
	command -v "$t" >/dev/null || { echo "FAIL prerequisite: $t not installed"; exit 1; }
done
[[ -x $CAIRN ]] || { echo "FAIL prerequisite: $CAIRN not built"; exit 1; }

free_port HTTP01_PORT
free_port TLSALPN_PORT
start_challtestsrv
start_pebble A ''
EAB_KEY=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
start_pebble B ", \"externalAccountBindingRequired\": true, \"externalAccountMACKeys\": {\"kid-1\": \"$EAB_KEY\"}, \"certificateValidityPeriod\": 12"

CA=$WORK/tls/ca.pem
S=$WORK/state
C=("$CAIRN" --server "$A_DIR" --ca-bundle "$CA" --state "$S")
D=127.0.0.1:$HTTP01_PORT

# ---- usage and documentation ------------------------------------------------
"$CAIRN" frobnicate >/dev/null 2>&1; rc=$?
[[ $rc -eq 64 ]] && t_pass "usage-exit-64" || t_fail "usage-exit-64" "rc=$rc"
"${C[@]}" issue -d a.test >/dev/null 2>"$WORK/e.txt"; rc=$?
[[ $rc -eq 64 ]] && grep -q "exactly one of" "$WORK/e.txt" && t_pass "issue-needs-solver" || t_fail "issue-needs-solver" "rc=$rc"
"$CAIRN" --help | grep -q "2 renew: nothing was due" && t_pass "help-exit-codes" || t_fail "help-exit-codes"
"$CAIRN" help --roff >"$WORK/opts.roff"
if [[ -f $AGENT_ROOT/docs/cairn.1 ]] && grep -qF -f <(head -1 "$WORK/opts.roff") "$AGENT_ROOT/docs/cairn.1" &&
	python3 - "$WORK/opts.roff" "$AGENT_ROOT/docs/cairn.1" <<'EOF'; then
import sys
gen = open(sys.argv[1]).read()
man = open(sys.argv[2]).read()
sys.exit(0 if gen in man else 1)
EOF
	t_pass "manpage-options-in-sync"
else
	t_fail "manpage-options-in-sync" "docs/cairn.1 lacks the output of 'cairn help --roff'"
fi

# ---- account ----------------------------------------------------------------
out=$("${C[@]}" account register --agree-tos --contact ops@example.test 2>"$WORK/e.txt")
[[ $out == registered* ]] && t_pass "account-register" || t_fail "account-register" "$out $(cat "$WORK/e.txt")"
kf=$(ls "$S"/accounts/*/account.key 2>/dev/null | head -1)
[[ -n $kf && $(mode_of "$kf") == 600 ]] && t_pass "account-key-0600" || t_fail "account-key-0600"
out=$("${C[@]}" account register 2>&1)
[[ $out == "already registered:"* ]] && t_pass "account-register-again" || t_fail "account-register-again" "$out"
"${C[@]}" account show >"$WORK/acct.json" 2>&1 && grep -q '"mailto:ops@example.test"' "$WORK/acct.json" &&
	t_pass "account-show" || t_fail "account-show" "$(cat "$WORK/acct.json")"
"${C[@]}" account update --contact admin@example.test >"$WORK/acct2.json" 2>&1 &&
	grep -q 'mailto:admin@example.test' "$WORK/acct2.json" && t_pass "account-update" || t_fail "account-update" "$(cat "$WORK/acct2.json")"

# ---- issue: http-01 standalone -----------------------------------------------
out=$("${C[@]}" issue -d a.example.test -d www.a.example.test --standalone "$D" 2>"$WORK/e.txt"); rc=$?
cd_a=$S/certs/a.example.test
if [[ $rc -eq 0 && $out == "$cd_a" ]] && chain_ok "$cd_a" "$A_ROOT" && key_matches "$cd_a" &&
	has_san "$cd_a" www.a.example.test && [[ $(mode_of "$cd_a/privkey.pem") == 600 ]] &&
	cmp -s <(cat "$cd_a/cert.pem" "$cd_a/chain.pem") "$cd_a/fullchain.pem"; then
	t_pass "issue-http01-standalone"
else
	t_fail "issue-http01-standalone" "rc=$rc $(cat "$WORK/e.txt")"
fi

# ---- least privilege: only the signer process opens key files -------------------
if command -v strace >/dev/null; then
	# (LeakSanitizer cannot run under ptrace: no leak check for this one run)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -e trace=open,openat,rename -o "$WORK/strace.txt" \
		"${C[@]}" issue -d priv.example.test --standalone "$D" -q >/dev/null 2>&1; rc=$?
	main=$(head -1 "$WORK/strace.txt" | awk '{print $1}')
	keys=$(grep -E 'account\.key|privkey\.pem' "$WORK/strace.txt" | grep -v '^[0-9]* +++' || true)
	if [[ $rc -eq 0 && -n $keys ]] && ! awk -v m="$main" '$1 == m' <<<"$keys" | grep -q . &&
		grep -q 'account\.key' <<<"$keys" && grep -q 'privkey\.pem' <<<"$keys"; then
		t_pass "privsep-only-signer-opens-keys"
	else
		t_fail "privsep-only-signer-opens-keys" "rc=$rc main=$main $(awk -v m="$main" '$1 == m' <<<"$keys" | head -2)"
	fi
else
	t_fail "privsep-only-signer-opens-keys" "strace not installed"
fi

# ---- a profile the CA does not advertise is not requested --------------------------
"${C[@]}" issue -d prof.example.test --profile classic --standalone "$D" 2>"$WORK/e.txt"; rc=$?
[[ $rc -eq 64 ]] && grep -q "advertises no profiles" "$WORK/e.txt" && t_pass "profile-not-advertised" ||
	t_fail "profile-not-advertised" "rc=$rc $(cat "$WORK/e.txt")"

# ---- renew: not due, forced, --all --------------------------------------------
serial1=$(serial_of "$cd_a/cert.pem")
"${C[@]}" renew a.example.test -q; rc=$?
[[ $rc -eq 2 ]] && t_pass "renew-not-due-exit-2" || t_fail "renew-not-due-exit-2" "rc=$rc"
# This Pebble has no renewalInfo: that is remembered for a day, and checks in
# between decide by the lifetime alone, with no request (no connection, no
# libcurl loaded) and no write; once that day has passed the directory is
# fetched again. (No leak check under ptrace.)
ST_A=$S/archive/a.example.test/status.json
json_q() { python3 -c 'import json, sys, time; s = json.load(open(sys.argv[1])); now = time.time(); sys.exit(0 if eval(sys.argv[2]) else 1)' "$@"; }
NOLEAK=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")
json_q "$ST_A" 's["ari"]["none"] is True and s["ari"]["recheck"] > now + 80000' &&
	t_pass "no-ari-remembered" || t_fail "no-ari-remembered" "$(cat "$ST_A")"
st0=$(stat -c '%y %s' "$ST_A"; sha256sum <"$ST_A")
"${NOLEAK[@]}" strace -f -qq -e trace=connect,openat -o "$WORK/noari.strace" "$CAIRN" --state "$S" renew a.example.test -q; rc=$?
if [[ $rc -eq 2 ]] && ! grep -qE 'connect\(.*AF_INET' "$WORK/noari.strace" && ! grep -q libcurl "$WORK/noari.strace" &&
	[[ $(stat -c '%y %s' "$ST_A"; sha256sum <"$ST_A") == "$st0" ]]; then
	t_pass "renew-not-due-no-request"
else
	t_fail "renew-not-due-no-request" "rc=$rc $(grep -E 'AF_INET|libcurl' "$WORK/noari.strace" | head -2)"
fi
python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); s["ari"]["recheck"] = 0; open(sys.argv[1], "w").write(json.dumps(s))' "$ST_A"
A_PORT=${A_DIR#https://127.0.0.1:}
A_PORT=${A_PORT%%/*}
"${NOLEAK[@]}" strace -f -qq -e trace=connect -o "$WORK/noari2.strace" "$CAIRN" --state "$S" renew a.example.test -q; rc=$?
[[ $rc -eq 2 ]] && grep -q "htons($A_PORT)" "$WORK/noari2.strace" && json_q "$ST_A" 's["ari"]["recheck"] > now + 80000' &&
	t_pass "no-ari-recheck-asks-directory" || t_fail "no-ari-recheck-asks-directory" "rc=$rc $(cat "$ST_A")"
"$CAIRN" --state "$S" renew a.example.test --force -q; rc=$?     # no other option: all recorded
serial2=$(serial_of "$cd_a/cert.pem")
[[ $rc -eq 0 && $serial1 != "$serial2" ]] && chain_ok "$cd_a" "$A_ROOT" && key_matches "$cd_a" &&
	t_pass "renew-force-exit-0-new-serial" || t_fail "renew-force-exit-0-new-serial" "rc=$rc $serial1 $serial2"
[[ $(readlink "$S/certs/a.example.test") == ../archive/a.example.test/2 ]] && t_pass "renew-new-version" ||
	t_fail "renew-new-version" "$(readlink "$S/certs/a.example.test")"
"$CAIRN" --state "$S" renew --all -q; rc=$?
[[ $rc -eq 2 ]] && t_pass "renew-all-nothing-due" || t_fail "renew-all-nothing-due" "rc=$rc"

# ---- issue: http-01 webroot, with a deploy hook -----------------------------------
mkdir -p "$WORK/www"
(cd "$WORK/www" && exec python3 -m http.server "$HTTP01_PORT" --bind 127.0.0.1 >"$WORK/webroot.log" 2>&1) &
WEBPID=$!
PIDS+=($WEBPID)
wait_port "$HTTP01_PORT"
cat >"$WORK/deploy.sh" <<'EOF'
#!/bin/sh
env | grep '^CAIRN_' | sort > "$DEPLOY_OUT"
EOF
chmod +x "$WORK/deploy.sh"
export DEPLOY_OUT=$WORK/deploy.env
"${C[@]}" issue -d w.example.test --name web --webroot "$WORK/www" --deploy-hook "$WORK/deploy.sh" -q >/dev/null; rc=$?
cd_w=$S/certs/web
if [[ $rc -eq 0 ]] && chain_ok "$cd_w" "$A_ROOT" && key_matches "$cd_w" &&
	[[ -z $(ls -A "$WORK/www/.well-known/acme-challenge") ]]; then
	t_pass "issue-http01-webroot"
else
	t_fail "issue-http01-webroot" "rc=$rc"
fi
sw=$(serial_of "$cd_w/cert.pem")
if grep -qx "CAIRN_CERT_NAME=web" "$DEPLOY_OUT" && grep -qx "CAIRN_CERT_DIR=$cd_w" "$DEPLOY_OUT" &&
	grep -qx "CAIRN_ACTION=issue" "$DEPLOY_OUT" && grep -qx "CAIRN_CERT_NAMES=w.example.test" "$DEPLOY_OUT" &&
	[[ $(sed -n 's/^CAIRN_CERT_SERIAL=0*//p' "$DEPLOY_OUT") == "$sw" ]] &&
	grep -qx "CAIRN_FULLCHAIN_PATH=$cd_w/fullchain.pem" "$DEPLOY_OUT" && grep -qx "CAIRN_KEY_PATH=$cd_w/privkey.pem" "$DEPLOY_OUT"; then
	t_pass "deploy-hook-env"
else
	t_fail "deploy-hook-env" "$(tr '\n' ' ' <"$DEPLOY_OUT")"
fi
"$CAIRN" --state "$S" renew web --force -q; rc=$?
[[ $rc -eq 0 ]] && grep -qx "CAIRN_ACTION=renew" "$DEPLOY_OUT" && [[ $(serial_of "$cd_w/cert.pem") != "$sw" ]] &&
	t_pass "renew-webroot-runs-hook" || t_fail "renew-webroot-runs-hook" "rc=$rc"

# ---- failure: one line with the CA's problem, old certificate kept --------------
kill "$WEBPID"; wait "$WEBPID" 2>/dev/null
sw=$(serial_of "$cd_w/cert.pem")
"$CAIRN" --state "$S" renew web --force 2>"$WORK/e.txt"; rc=$?
if [[ $rc -eq 1 && $(wc -l <"$WORK/e.txt") -eq 1 ]] && grep -q "^cairn: web: w.example.test: urn:ietf:params:acme:error:connection: " "$WORK/e.txt" &&
	[[ $(serial_of "$cd_w/cert.pem") == "$sw" ]] && key_matches "$cd_w"; then
	t_pass "failure-one-line-old-cert-kept"
else
	t_fail "failure-one-line-old-cert-kept" "rc=$rc $(cat "$WORK/e.txt")"
fi
"$CAIRN" --state "$S" list --json >"$WORK/list.json"
python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); w=[c for c in l if c["name"]=="web"][0]; sys.exit(0 if w["failures"]==1 and "connection" in w["last_error"] else 1)' "$WORK/list.json" &&
	t_pass "failure-recorded-in-status" || t_fail "failure-recorded-in-status"

# ---- dns-01 through a hook (wildcard) ---------------------------------------------
"${C[@]}" issue -d '*.wild.example.test' -d wild.example.test --dns-hook "$DNS_HOOK" -q >/dev/null; rc=$?
cd_d=$S/certs/_.wild.example.test
[[ $rc -eq 0 ]] && chain_ok "$cd_d" "$A_ROOT" && key_matches "$cd_d" && has_san "$cd_d" 'DNS:\*.wild.example.test' &&
	t_pass "issue-dns01-hook-wildcard" || t_fail "issue-dns01-hook-wildcard" "rc=$rc"
"$CAIRN" --state "$S" renew _.wild.example.test --force -q; rc=$?
[[ $rc -eq 0 ]] && chain_ok "$cd_d" "$A_ROOT" && t_pass "renew-dns01-hook" || t_fail "renew-dns01-hook" "rc=$rc"

# ---- tls-alpn-01 -------------------------------------------------------------------
"${C[@]}" issue -d t.example.test --tls-alpn "127.0.0.1:$TLSALPN_PORT" -q >/dev/null; rc=$?
cd_t=$S/certs/t.example.test
[[ $rc -eq 0 ]] && chain_ok "$cd_t" "$A_ROOT" && key_matches "$cd_t" && t_pass "issue-tlsalpn01" || t_fail "issue-tlsalpn01" "rc=$rc"
"$CAIRN" --state "$S" renew t.example.test --force -q; rc=$?
[[ $rc -eq 0 ]] && t_pass "renew-tlsalpn01" || t_fail "renew-tlsalpn01" "rc=$rc"

# ---- IP identifier (RFC 8738) --------------------------------------------------------
"${C[@]}" issue -d 127.0.0.1 --standalone "$D" -q >/dev/null; rc=$?
[[ $rc -eq 0 ]] && has_san "$S/certs/127.0.0.1" "IP Address:127.0.0.1" && t_pass "issue-ip-identifier" || t_fail "issue-ip-identifier" "rc=$rc"

# ---- CSR mode ------------------------------------------------------------------------
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/csr.key" \
	-subj "/CN=csr.example.test" -addext "subjectAltName=DNS:csr.example.test,DNS:csr2.example.test" \
	-out "$WORK/req.csr" 2>/dev/null
"${C[@]}" issue --csr "$WORK/req.csr" --standalone "$D" -q >/dev/null; rc=$?
cd_c=$S/certs/csr.example.test
if [[ $rc -eq 0 && ! -e $cd_c/privkey.pem ]] && has_san "$cd_c" csr2.example.test && chain_ok "$cd_c" "$A_ROOT" &&
	[[ "$(openssl x509 -in "$cd_c/cert.pem" -noout -pubkey)" == "$(openssl pkey -in "$WORK/csr.key" -pubout)" ]]; then
	t_pass "issue-csr-mode"
else
	t_fail "issue-csr-mode" "rc=$rc"
fi
"$CAIRN" --state "$S" renew csr.example.test --force -q; rc=$?
[[ $rc -eq 0 ]] && t_pass "renew-csr-mode" || t_fail "renew-csr-mode" "rc=$rc"

# ---- key types -------------------------------------------------------------------------
for kt in p256 p384 rsa2048 rsa3072 rsa4096 ed25519; do
	"${C[@]}" issue -d "k-$kt.example.test" --key-type "$kt" --standalone "$D" -q >/dev/null 2>"$WORK/e.txt"; rc=$?
	cd_k=$S/certs/k-$kt.example.test
	if [[ $rc -eq 0 ]] && key_matches "$cd_k" && chain_ok "$cd_k" "$A_ROOT"; then
		t_pass "key-type-$kt"
	else
		t_fail "key-type-$kt" "rc=$rc $(cat "$WORK/e.txt")"
	fi
done
openssl x509 -in "$S/certs/k-rsa3072.example.test/cert.pem" -noout -text | grep -q "Public-Key: (3072 bit)" &&
	t_pass "key-type-rsa3072-size" || t_fail "key-type-rsa3072-size"

# ---- revoke -------------------------------------------------------------------------------
out=$("$CAIRN" --state "$S" revoke k-p384.example.test --reason keyCompromise 2>&1); rc=$?
[[ $rc -eq 0 ]] && revoked_at_pebble "$A_MGMT" "$S/certs/k-p384.example.test/cert.pem" && t_pass "revoke-by-name" ||
	t_fail "revoke-by-name" "rc=$rc $out"
"$CAIRN" --state "$S" list | grep -A6 '^k-p384.example.test' | grep -q "revoked:" && t_pass "list-shows-revoked" || t_fail "list-shows-revoked"
out=$("${C[@]}" revoke --cert "$S/certs/k-rsa2048.example.test/cert.pem" 2>&1); rc=$?
[[ $rc -eq 0 ]] && revoked_at_pebble "$A_MGMT" "$S/certs/k-rsa2048.example.test/cert.pem" && t_pass "revoke-by-file" ||
	t_fail "revoke-by-file" "rc=$rc $out"
out=$("$CAIRN" --state "$S" revoke k-p384.example.test 2>&1); rc=$?
[[ $rc -eq 1 ]] && grep -q "alreadyRevoked" <<<"$out" && t_pass "revoke-twice-alreadyRevoked" || t_fail "revoke-twice-alreadyRevoked" "rc=$rc $out"

# ---- badNonce retries happened (20% of nonces are rejected) ---------------------------------
"${C[@]}" issue -d n.example.test --standalone "$D" -vv >/dev/null 2>"$WORK/nonce.log"; rc=$?
for i in 1 2 3; do
	grep -q "badNonce, retrying" "$WORK/nonce.log" && break
	"$CAIRN" --state "$S" renew n.example.test --force -vv >/dev/null 2>>"$WORK/nonce.log"
done
[[ $rc -eq 0 ]] && grep -q "badNonce, retrying" "$WORK/nonce.log" && t_pass "badnonce-retried" || t_fail "badnonce-retried" "rc=$rc"

# ---- crash safety: kill -9 while renewing ---------------------------------------------------
cat >"$WORK/slow-hook.sh" <<EOF
#!/bin/sh
# dns-01 hook that blocks while $WORK/block exists
if [ "\$1" = add ] && [ -e "$WORK/block" ]; then
	touch "$WORK/reached"
	while [ -e "$WORK/block" ]; do sleep 0.05; done
fi
exec "$DNS_HOOK" "\$@"
EOF
chmod +x "$WORK/slow-hook.sh"
"${C[@]}" issue -d crash.example.test --dns-hook "$WORK/slow-hook.sh" -q >/dev/null; rc=$?
cd_x=$S/certs/crash.example.test
sx=$(serial_of "$cd_x/cert.pem")
touch "$WORK/block"
rm -f "$WORK/reached"
"$CAIRN" --state "$S" renew crash.example.test --force -q 2>/dev/null &
RP=$!
for i in $(seq 1 100); do [[ -e $WORK/reached ]] && break; sleep 0.05; done
kill -9 "$RP"; wait "$RP" 2>/dev/null
rm -f "$WORK/block"
if [[ $rc -eq 0 && -e $WORK/reached ]] && [[ $(serial_of "$cd_x/cert.pem") == "$sx" ]] && key_matches "$cd_x" &&
	chain_ok "$cd_x" "$A_ROOT" && ls -d "$S"/archive/crash.example.test/.new-* >/dev/null 2>&1; then
	t_pass "crash-kill9-mid-order-keeps-old"
else
	t_fail "crash-kill9-mid-order-keeps-old"
fi
[[ -s $S/archive/crash.example.test/pending.json ]] && t_pass "crash-journal-records-pending" ||
	t_fail "crash-journal-records-pending"
# the next run first removes what the killed one published, then proceeds
l0=$(wc -l <"$WORK/dns-hook.log")
"$CAIRN" --state "$S" renew crash.example.test --force -q; rc=$?
calls=$(tail -n +$((l0 + 1)) "$WORK/dns-hook.log" | tr '\n' ' ')
[[ $rc -eq 0 && $calls == "del _acme-challenge.crash.example.test add _acme-challenge.crash.example.test del _acme-challenge.crash.example.test " ]] &&
	[[ ! -e $S/archive/crash.example.test/pending.json ]] && t_pass "crash-journal-replayed" ||
	t_fail "crash-journal-replayed" "rc=$rc calls: $calls"
ok=1
for delay in 0.02 0.05 0.08 0.11 0.14 0.17 0.2 0.25 0.3 0.4; do
	"$CAIRN" --state "$S" renew crash.example.test --force -q 2>/dev/null &
	RP=$!
	sleep "$delay"
	kill -9 "$RP" 2>/dev/null; wait "$RP" 2>/dev/null
	if ! key_matches "$cd_x" || ! chain_ok "$cd_x" "$A_ROOT" || ! cmp -s <(cat "$cd_x/cert.pem" "$cd_x/chain.pem") "$cd_x/fullchain.pem"; then
		ok=0
		echo "inconsistent after kill at $delay s" >>"$WORK/check.log"
	fi
done
# the TXT record a killed run published is removed by the next run (journal)
"$CAIRN" --state "$S" renew crash.example.test --force -q; rc=$?
[[ $ok -eq 1 && $rc -eq 0 ]] && ! ls -d "$S"/archive/crash.example.test/.new-* >/dev/null 2>&1 && key_matches "$cd_x" &&
	t_pass "crash-kill9-random-points" || t_fail "crash-kill9-random-points" "ok=$ok rc=$rc"
n=$(txt_count _acme-challenge.crash.example.test "$DNS_PORT")
[[ $n == 0 && ! -e $S/archive/crash.example.test/pending.json ]] && t_pass "crash-leftover-records-removed" ||
	t_fail "crash-leftover-records-removed" "$n TXT records left"

# ---- account key rollover, then still usable ------------------------------------------------
th1=$(openssl pkey -in "$kf" -pubout 2>/dev/null | sha256sum)
out=$("${C[@]}" account rollover --account-key-type p384 2>&1); rc=$?
th2=$(openssl pkey -in "$kf" -pubout 2>/dev/null | sha256sum)
[[ $rc -eq 0 && $th1 != "$th2" ]] && "$CAIRN" --state "$S" renew a.example.test --force -q &&
	t_pass "account-rollover" || t_fail "account-rollover" "rc=$rc $out"

# ---- EAB (Pebble B) ----------------------------------------------------------------------
SB=$WORK/state-b
CB=("$CAIRN" --server "$B_DIR" --ca-bundle "$CA" --state "$SB")
out=$("${CB[@]}" account register --agree-tos 2>&1); rc=$?
[[ $rc -eq 1 ]] && grep -q "external account binding" <<<"$out" && t_pass "eab-required-refused" || t_fail "eab-required-refused" "rc=$rc $out"
out=$("${CB[@]}" account register --agree-tos --eab-kid kid-1 --eab-hmac-key "AAAA$EAB_KEY" 2>&1); rc=$?
[[ $rc -eq 1 ]] && grep -q "urn:ietf:params:acme:error:" <<<"$out" && t_pass "eab-wrong-key-refused" || t_fail "eab-wrong-key-refused" "rc=$rc $out"
out=$("${CB[@]}" issue -d eab.example.test --standalone "$D" --agree-tos --eab-kid kid-1 --eab-hmac-key "$EAB_KEY" 2>&1); rc=$?
[[ $rc -eq 0 ]] && chain_ok "$SB/certs/eab.example.test" "$B_ROOT" && t_pass "eab-register-and-issue" || t_fail "eab-register-and-issue" "rc=$rc $out"

# ---- renewal falls due (12 s certificates): renew, then the daemon ----------------------------
# a third of 12 s remains 8 s after issuance
v0=$(readlink "$SB/certs/eab.example.test")
"$CAIRN" --state "$SB" renew eab.example.test -q; rc=$?
[[ $rc -eq 2 ]] && t_pass "short-cert-not-due-yet" || t_fail "short-cert-not-due-yet" "rc=$rc"
sleep 8.5
"$CAIRN" --state "$SB" renew --all -q; rc=$?
[[ $rc -eq 0 && $(readlink "$SB/certs/eab.example.test") != "$v0" ]] && t_pass "renew-all-when-due" || t_fail "renew-all-when-due" "rc=$rc"
"$CAIRN" --state "$SB" daemon --check-interval 60 2>"$WORK/daemon.log" &
DP=$!
PIDS+=($DP)
v1=$(readlink "$SB/certs/eab.example.test")
for i in $(seq 1 240); do
	[[ $(readlink "$SB/certs/eab.example.test") != "$v1" ]] && break
	sleep 0.1
done
v2=$(readlink "$SB/certs/eab.example.test")
kill -TERM "$DP"
for i in $(seq 1 50); do kill -0 "$DP" 2>/dev/null || break; sleep 0.1; done
kill -0 "$DP" 2>/dev/null && dstop=0 || dstop=1
[[ $v2 != "$v1" ]] && chain_ok "$SB/certs/eab.example.test" "$B_ROOT" && t_pass "daemon-renews-when-due" ||
	t_fail "daemon-renews-when-due" "$(tail -3 "$WORK/daemon.log")"
[[ $dstop -eq 1 ]] && t_pass "daemon-stops-on-term" || t_fail "daemon-stops-on-term"
"$CAIRN" --state "$S" daemon --once -q; rc=$?
[[ $rc -eq 2 ]] && t_pass "daemon-once-nothing-due" || t_fail "daemon-once-nothing-due" "rc=$rc"

# ---- account deactivation (last: the account is gone afterwards) --------------------------------
out=$("${C[@]}" account deactivate 2>&1); rc=$?
[[ $rc -eq 0 ]] && ls -d "$S"/accounts/*.deactivated-* >/dev/null 2>&1 && t_pass "account-deactivate" || t_fail "account-deactivate" "rc=$rc $out"
"$CAIRN" --state "$S" renew a.example.test --force 2>"$WORK/e.txt"; rc=$?
[[ $rc -eq 1 ]] && grep -q "account register" "$WORK/e.txt" && t_pass "renew-without-account-fails" || t_fail "renew-without-account-fails" "rc=$rc $(cat "$WORK/e.txt")"

agent_summary
