#!/usr/bin/env bash
# 55-agent-cairnd.sh — cairn (the agent) against cairnd (the CA), on one
# cairnd with pebble-challtestsrv as its DNS (lib.sh start_cairnd).
#
# The matrix of 50-agent-pebble.sh with cairnd as the peer: account
# register/show/update/rollover/deactivate (RFC 8555 §7.3); issue with
# http-01 webroot and standalone, dns-01 hook (wildcard), tls-alpn-01
# standalone (RFC 8737), an IP identifier (RFC 8738), CSR mode, every key
# type cairnd accepts, and ed25519 refused in one line; renew not due
# (exit 2) and forced (exit 0, new serial); renewal on cairnd's reused
# authorizations (no solver needed); a failed order leaves the installed
# certificate; revoke by name and by file (§7.6), confirmed by `cairnd
# admin cert-status`; the deploy hook's environment; crash safety (kill -9
# during issue and renew keeps the previous certificate whole, and the next
# run removes what the killed one published); ARI-driven renewal (RFC 9773:
# `cairnd admin ari mark`, then a plain renew sends "replaces"); a not-due
# check with a fresh stored renewalInfo answer makes no request, one whose
# Retry-After has passed asks again (§4.3.2); exit codes 0/1/2/64.
#
# Every certificate installed is checked: `openssl verify -CAfile
# $CAIRND_DATA/root.pem -untrusted chain.pem cert.pem`, validity, key, SANs,
# fullchain.pem = cert.pem + chain.pem, privkey.pem 0600, and cairnd knows
# the serial as valid.
#
# Environment: CAIRN (default build/cairn; build/$BUILD/cairn when BUILD is
# set and not release), plus those of lib.sh (PORT_RANGE, CAIRND, ...).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

if [[ -z ${CAIRN:-} ]]; then
  if [[ -n ${BUILD:-} && $BUILD != release ]]; then CAIRN=$T_ROOT/build/$BUILD/cairn; else CAIRN=$T_ROOT/build/cairn; fi
fi
for t in pebble-challtestsrv openssl curl jq python3 strace; do
  command -v "$t" >/dev/null || { t_fail "prerequisite-$t" "$t not installed"; exit 1; }
done
[[ -x $CAIRN ]] || { t_fail prerequisite-cairn "$CAIRN not built (make)"; exit 1; }
# The python3 on PATH may be a pyenv shim that takes a second to start;
# the webroot server and lib.sh's dns_query need only the standard library.
[[ -x /usr/bin/python3 ]] && PATH=/usr/bin:$PATH
start_cairnd || { t_fail start-cairnd; exit 1; }

S=$T_TMP/state
C=("$CAIRN" --server "$ACME_DIRECTORY" --ca-bundle "$ACME_CA_BUNDLE" --state "$S")
R=("$CAIRN" --state "$S")          # renew, revoke, list: the rest is recorded
D=127.0.0.1:$HTTP01_PORT
HOOK=$T_HOOKS/cairn-dns-hook.sh
export CAIRN_HOOK_LOG=$T_TMP/dns-hook.log
: > "$CAIRN_HOOK_LOG"

# ------------------------------------------------------------- helpers ---
# run TAG CMD... — run CMD (cairn), stdout to $T_TMP/TAG.out, stderr to
# $T_TMP/TAG.log (shown by t_fail, scanned for sanitizer reports); sets RC.
run() {
  local tag=$1; shift
  echo "$T_TMP/$tag.log" > "$T_TMP/.last-log"
  t_log "run: ${*#"$CAIRN"}"
  RC=0
  timeout --foreground -k 5 120 "$@" >"$T_TMP/$tag.out" 2>"$T_TMP/$tag.log" </dev/null || RC=$?
}
out_of() { cat "$T_TMP/$1.out"; }
# verdict NAME — PASS if the previous command succeeded, else FAIL.
verdict() {
  local rc=$?
  if [[ $rc -eq 0 ]]; then t_pass "$1"; else t_fail "$1" "rc of the last cairn run: ${RC:-?}"; fi
  t_case_start
}
serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
mode_of() { stat -L -c %a "$1"; }
has_san() { openssl x509 -in "$1/cert.pem" -noout -ext subjectAltName | grep -qF "$2"; }
# cairnd_status CERT — what `cairnd admin cert-status` says of CERT's serial.
cairnd_status() { "$CAIRND_BIN" admin --data "$CAIRND_DATA" cert-status "$(serial_of "$1")" 2>&1; }

# certdir_ok DIR KEY [NAME...] — what cairn installed in DIR is whole:
# cert.pem chains to cairnd's root through chain.pem (openssl verify, for
# sslserver), is valid now, matches KEY and names every NAME (DNS or IP);
# fullchain.pem = cert.pem + chain.pem; KEY is 0600 when it is ours; cairnd
# knows the serial as valid (unless CERTDIR_NO_STATUS=1). Few processes:
# this runs after every issuance.
certdir_ok() {
  local dir=$1 key=$2 info san n st serial
  shift 2
  if ! openssl verify -purpose sslserver -CAfile "$CAIRND_DATA/root.pem" -untrusted "$dir/chain.pem" \
       "$dir/cert.pem" >"$T_TMP/verify.out" 2>&1; then
    t_log "openssl verify: $(tr '\n' ' ' < "$T_TMP/verify.out")"
    return 1
  fi
  info=$(openssl x509 -in "$dir/cert.pem" -noout -checkend 0 -serial -ext subjectAltName -pubkey) ||
    { t_log "$dir/cert.pem is expired or does not parse"; return 1; }
  serial=$(sed -n 's/^serial=//p' <<< "$info")
  san=$(grep -A1 'X509v3 Subject Alternative Name' <<< "$info" | tail -n 1 | tr -d ' ' | tr ',' '\n')
  for n in "$@"; do
    grep -qxF -e "DNS:$n" -e "IPAddress:$n" <<< "$san" || { t_log "$dir/cert.pem: SANs [$san] lack $n"; return 1; }
  done
  [[ $(sed -n '/BEGIN PUBLIC KEY/,/END PUBLIC KEY/p' <<< "$info") == "$(openssl pkey -in "$key" -pubout)" ]] ||
    { t_log "$key does not match $dir/cert.pem"; return 1; }
  cmp -s <(cat "$dir/cert.pem" "$dir/chain.pem") "$dir/fullchain.pem" ||
    { t_log "$dir/fullchain.pem is not cert.pem + chain.pem"; return 1; }
  [[ $key != "$dir/privkey.pem" || $(mode_of "$key") == 600 ]] || { t_log "$key has mode $(mode_of "$key")"; return 1; }
  if [[ ${CERTDIR_NO_STATUS:-0} != 1 ]]; then
    st=$("$CAIRND_BIN" admin --data "$CAIRND_DATA" cert-status "$serial" 2>&1)
    [[ $st == valid ]] || { t_log "cairnd admin cert-status $serial: $st"; return 1; }
  fi
  t_log "ok $dir: serial $serial, SANs [${san//$'\n'/ }]"
}
# one_line TAG ERE — TAG's stderr is exactly one line, and it matches ERE.
one_line() {
  if [[ $(wc -l < "$T_TMP/$1.log") -ne 1 ]] || ! grep -qE "$2" "$T_TMP/$1.log"; then
    t_log "stderr of $1 is not one line matching '$2': $(cat "$T_TMP/$1.log")"
    return 1
  fi
}
# revoked_at_cairnd CERT CODE — cairnd admin cert-status prints "revoked CODE".
revoked_at_cairnd() {
  local st
  st=$(cairnd_status "$1")
  [[ $st == "revoked $2" ]] || { t_log "cairnd says '$st' for $(serial_of "$1"), not 'revoked $2'"; return 1; }
}

# webroot_up DIR / webroot_down — a tiny HTTP server for DIR on HTTP01_PORT
# (what serves a real webroot), as lib.sh does for uacme.
webroot_up() {
  mkdir -p "$1"
  t_bg webroot python3 -m http.server --bind 127.0.0.1 --directory "$1" "$HTTP01_PORT"
  WEB_PID=$T_BG_PID
  poll_until 10 curl -fsS -m 1 -o /dev/null "http://127.0.0.1:$HTTP01_PORT/" ||
    { t_log "webroot server did not start"; return 1; }
}
webroot_down() { t_stop "$WEB_PID"; }

t_case_start

# -------------------------------------------------------- exit codes ---
run usage "$CAIRN" frobnicate
[[ $RC -eq 64 ]]
verdict usage-exit-64
run nosolver "${C[@]}" issue -d a.example.test
[[ $RC -eq 64 ]] && grep -q "exactly one of" "$T_TMP/nosolver.log"
verdict issue-needs-solver-exit-64
run nocert "${R[@]}" renew no-such-cert
[[ $RC -eq 1 ]] && one_line nocert "no certificate named"
verdict renew-unknown-exit-1

# ----------------------------------------------------------- account ---
run reg "${C[@]}" account register --agree-tos --contact ops@example.test
ACCT_KEY=$(find "$S/accounts" -name account.key 2>/dev/null | head -n 1)
[[ $RC -eq 0 && $(out_of reg) == registered* && -n $ACCT_KEY && $(mode_of "$ACCT_KEY") == 600 ]]
verdict account-register
run reg2 "${C[@]}" account register
[[ $RC -eq 0 && $(out_of reg2) == "already registered:"* ]]
verdict account-register-again
run show "${C[@]}" account show
[[ $RC -eq 0 ]] && jq -e --arg u "${ACME_DIRECTORY%/directory}/acme/acct/" \
  '.status == "valid" and (.contact | index("mailto:ops@example.test")) != null and (.url | startswith($u))' \
  "$T_TMP/show.out" >/dev/null
verdict account-show
run upd "${C[@]}" account update --contact admin@example.test
run show2 "${C[@]}" account show                # read back from cairnd
[[ $RC -eq 0 ]] && jq -e '.contact == ["mailto:admin@example.test"]' "$T_TMP/show2.out" >/dev/null
verdict account-update

# ------------------------------------------ issue: http-01 standalone ---
A=$S/certs/a.example.test
run std "${C[@]}" issue -d a.example.test -d www.a.example.test --standalone "$D"
[[ $RC -eq 0 && $(out_of std) == "$A" ]] && certdir_ok "$A" "$A/privkey.pem" a.example.test www.a.example.test
verdict issue-http01-standalone

# ------------------------------------------------------------- renew ---
SA=$(serial_of "$A/cert.pem")
run notdue "${R[@]}" renew a.example.test
[[ $RC -eq 2 && $(serial_of "$A/cert.pem") == "$SA" ]]
verdict renew-not-due-exit-2
run force "${R[@]}" renew a.example.test --force
[[ $RC -eq 0 && $(serial_of "$A/cert.pem") != "$SA" ]] &&
  certdir_ok "$A" "$A/privkey.pem" a.example.test www.a.example.test
verdict renew-force-exit-0-new-serial
run all "${R[@]}" renew --all
[[ $RC -eq 2 ]]
verdict renew-all-nothing-due-exit-2

# --------------------------- issue: http-01 webroot, with a deploy hook ---
W=$S/certs/web
WWW=$T_TMP/www
cat > "$T_TMP/deploy.sh" <<'EOF'
#!/bin/sh
env | grep '^CAIRN_' | grep -v '^CAIRN_HOOK_' | sort > "$DEPLOY_OUT"
EOF
chmod +x "$T_TMP/deploy.sh"
export DEPLOY_OUT=$T_TMP/deploy.env
# deploy_env_ok ACTION — the hook's last run saw the documented variables for $W.
deploy_env_ok() {
  local sw hs
  sw=$(serial_of "$W/cert.pem" | sed 's/^0*//')
  hs=$(sed -n 's/^CAIRN_CERT_SERIAL=//p' "$DEPLOY_OUT" | tr 'a-f' 'A-F' | sed 's/^0*//')
  if ! grep -qx "CAIRN_CERT_NAME=web" "$DEPLOY_OUT" || ! grep -qx "CAIRN_CERT_DIR=$W" "$DEPLOY_OUT" ||
     ! grep -qx "CAIRN_ACTION=$1" "$DEPLOY_OUT" || ! grep -qx "CAIRN_CERT_NAMES=w.example.test" "$DEPLOY_OUT" ||
     [[ $hs != "$sw" ]] || ! grep -qx "CAIRN_FULLCHAIN_PATH=$W/fullchain.pem" "$DEPLOY_OUT" ||
     ! grep -qx "CAIRN_KEY_PATH=$W/privkey.pem" "$DEPLOY_OUT"; then
    t_log "deploy hook environment: $(tr '\n' ' ' < "$DEPLOY_OUT")"
    return 1
  fi
}
webroot_up "$WWW"
run web "${C[@]}" issue -d w.example.test --name web --webroot "$WWW" --deploy-hook "$T_TMP/deploy.sh"
[[ $RC -eq 0 && -z $(ls -A "$WWW/.well-known/acme-challenge") ]] && certdir_ok "$W" "$W/privkey.pem" w.example.test
verdict issue-http01-webroot
deploy_env_ok issue
verdict deploy-hook-env
SW=$(serial_of "$W/cert.pem")
run webrenew "${R[@]}" renew web --force
[[ $RC -eq 0 && $(serial_of "$W/cert.pem") != "$SW" ]] && certdir_ok "$W" "$W/privkey.pem" w.example.test &&
  deploy_env_ok renew
verdict renew-runs-deploy-hook
webroot_down

# cairnd reuses the account's valid authorizations (--valid-authz-lifetime,
# RFC 8555 §7.1.4): the new order is "ready" at once and cairn does not
# start its solver, so nothing needs to serve the (stopped) webroot.
SW=$(serial_of "$W/cert.pem")
run reuse "${R[@]}" renew web --force
[[ $RC -eq 0 && $(serial_of "$W/cert.pem") != "$SW" ]] && certdir_ok "$W" "$W/privkey.pem" w.example.test
verdict renew-on-reused-authz

# A new name must be validated and nothing serves the webroot: cairnd's
# validation fails; cairn prints one line with cairnd's problem (§6.7
# connection), exits 1, and the installed certificate stays.
SW=$(serial_of "$W/cert.pem")
run fail "${C[@]}" issue --name web -d w.example.test -d w2.example.test --webroot "$WWW"
[[ $RC -eq 1 && $(serial_of "$W/cert.pem") == "$SW" ]] &&
  one_line fail "^cairn: issue: w2\.example\.test: urn:ietf:params:acme:error:connection: " &&
  certdir_ok "$W" "$W/privkey.pem" w.example.test && ! has_san "$W" w2.example.test
verdict failure-one-line-old-cert-kept
run list "${R[@]}" list --json
jq -e '.[] | select(.name == "web") | .failures == 1 and (.last_error | test("connection"))' \
  "$T_TMP/list.out" >/dev/null
verdict failure-recorded-in-status

# ------------------------------------------------ dns-01 through a hook ---
X=$S/certs/_.wild.example.test
run dns "${C[@]}" issue -d '*.wild.example.test' -d wild.example.test --dns-hook "$HOOK"
[[ $RC -eq 0 ]] && certdir_ok "$X" "$X/privkey.pem" '*.wild.example.test' wild.example.test &&
  grep -qx "add _acme-challenge.wild.example.test" "$CAIRN_HOOK_LOG" &&
  [[ -z $(dns_query _acme-challenge.wild.example.test TXT) ]]
verdict issue-dns01-hook-wildcard

# ------------------------------------------------ tls-alpn-01 standalone ---
TA=$S/certs/t.example.test
run alpn "${C[@]}" issue -d t.example.test --tls-alpn "127.0.0.1:$TLSALPN01_PORT"
[[ $RC -eq 0 ]] && certdir_ok "$TA" "$TA/privkey.pem" t.example.test
verdict issue-tlsalpn01-standalone

# ------------------------------------- IP identifier (RFC 8738), http-01 ---
# A cairnd with certificate profiles allows IP addresses only in the
# "shortlived" one (as Let's Encrypt does): ask for it when it is offered.
DIRJSON=$(curl -fsS -m 10 --cacert "$ACME_CA_BUNDLE" "$ACME_DIRECTORY")
IPPROF=()
jq -e '.meta.profiles.shortlived' <<< "$DIRJSON" >/dev/null 2>&1 && IPPROF=(--profile shortlived)
IP=$S/certs/127.0.0.1
run ip "${C[@]}" issue -d 127.0.0.1 "${IPPROF[@]}" --standalone "$D"
[[ $RC -eq 0 ]] && certdir_ok "$IP" "$IP/privkey.pem" 127.0.0.1 && ! has_san "$IP" DNS:
verdict issue-ip-identifier-http01

# ------------------------------------------------------------- CSR mode ---
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$T_TMP/csr.key" \
  -subj "/CN=csr.example.test" -addext "subjectAltName=DNS:csr.example.test,DNS:csr2.example.test" \
  -out "$T_TMP/req.csr" 2>/dev/null
CS=$S/certs/csr.example.test
run csr "${C[@]}" issue --csr "$T_TMP/req.csr" --standalone "$D"
[[ $RC -eq 0 && ! -e $CS/privkey.pem ]] && certdir_ok "$CS" "$T_TMP/csr.key" csr.example.test csr2.example.test
verdict issue-csr-mode
SC=$(serial_of "$CS/cert.pem")
run csrrenew "${R[@]}" renew csr.example.test --force
[[ $RC -eq 0 && $(serial_of "$CS/cert.pem") != "$SC" ]] &&
  certdir_ok "$CS" "$T_TMP/csr.key" csr.example.test csr2.example.test
verdict renew-csr-mode

# ------------------------------------------------------------ key types ---
declare -A KT_TEXT=([p256]="ASN1 OID: prime256v1" [p384]="ASN1 OID: secp384r1"
  [rsa2048]="Public-Key: (2048 bit)" [rsa3072]="Public-Key: (3072 bit)" [rsa4096]="Public-Key: (4096 bit)")
for kt in p256 p384 rsa2048 rsa3072 rsa4096; do
  K=$S/certs/k-$kt.example.test
  run "kt-$kt" "${C[@]}" issue -d "k-$kt.example.test" --key-type "$kt" --standalone "$D"
  [[ $RC -eq 0 ]] && certdir_ok "$K" "$K/privkey.pem" "k-$kt.example.test" &&
    openssl x509 -in "$K/cert.pem" -noout -text | grep -qF "${KT_TEXT[$kt]}"
  verdict "key-type-$kt"
done
# cairnd issues no Ed25519 certificates (CA/B Forum BRs 6.1.5): the order
# fails at finalization with cairnd's problem in one line; exit 1; nothing
# is installed.
run kt-ed25519 "${C[@]}" issue -d k-ed25519.example.test --key-type ed25519 --standalone "$D"
[[ $RC -eq 1 && ! -e $S/certs/k-ed25519.example.test ]] &&
  one_line kt-ed25519 "^cairn: issue: urn:ietf:params:acme:error:(badCSR|badPublicKey): "
verdict key-type-ed25519-refused

# --------------------------------------------------------------- revoke ---
run rev1 "${R[@]}" revoke k-p384.example.test --reason keyCompromise
[[ $RC -eq 0 ]] && revoked_at_cairnd "$S/certs/k-p384.example.test/cert.pem" 1
verdict revoke-by-name-keyCompromise
run list2 "${R[@]}" list
grep -A6 "^k-p384.example.test" "$T_TMP/list2.out" | grep -q "revoked:"
verdict list-shows-revoked
run rev2 "${C[@]}" revoke --cert "$S/certs/k-rsa2048.example.test/cert.pem" --reason superseded
[[ $RC -eq 0 ]] && revoked_at_cairnd "$S/certs/k-rsa2048.example.test/cert.pem" 4
verdict revoke-by-file-superseded
run rev3 "${R[@]}" revoke k-p256.example.test
[[ $RC -eq 0 ]] && revoked_at_cairnd "$S/certs/k-p256.example.test/cert.pem" 0
verdict revoke-no-reason
run rev4 "${R[@]}" revoke k-p384.example.test
[[ $RC -eq 1 ]] && one_line rev4 "urn:ietf:params:acme:error:alreadyRevoked: "
verdict revoke-twice-alreadyRevoked
# A revoked certificate is renewed only with --force (then it is replaced).
K=$S/certs/k-p384.example.test
run revrenew "${R[@]}" renew k-p384.example.test
[[ $RC -eq 2 ]] && revoked_at_cairnd "$K/cert.pem" 1
verdict renew-revoked-needs-force-exit-2
run revforce "${R[@]}" renew k-p384.example.test --force
[[ $RC -eq 0 ]] && certdir_ok "$K" "$K/privkey.pem" k-p384.example.test
verdict renew-revoked-force

# --------------------------------------------------------- crash safety ---
# kill -9 while an order waits on the dns-01 hook: "crash" is issued again
# with one more name; cairnd reuses the authorization of the first, so only
# crash2 is validated, and the hook blocks before publishing its record.
CR=$S/certs/crash
run crash0 "${C[@]}" issue --name crash -d crash.example.test --dns-hook "$HOOK"
[[ $RC -eq 0 ]] && certdir_ok "$CR" "$CR/privkey.pem" crash.example.test
verdict crash-setup
SX=$(serial_of "$CR/cert.pem")
VX=$(readlink "$CR")
export CAIRN_HOOK_BLOCK=$T_TMP/block
touch "$CAIRN_HOOK_BLOCK"
rm -f "$CAIRN_HOOK_BLOCK.reached"
"${C[@]}" issue --name crash -d crash.example.test -d crash2.example.test --dns-hook "$HOOK" \
  >/dev/null 2>"$T_TMP/crash1.log" </dev/null &
CP=$!
poll_until 30 test -e "$CAIRN_HOOK_BLOCK.reached"
reached=$?
kill -9 "$CP" 2>/dev/null
wait "$CP" 2>/dev/null
rm -f "$CAIRN_HOOK_BLOCK"
[[ $reached -eq 0 && $(readlink "$CR") == "$VX" && $(serial_of "$CR/cert.pem") == "$SX" ]] &&
  certdir_ok "$CR" "$CR/privkey.pem" crash.example.test && ! has_san "$CR" crash2.example.test
verdict crash-kill9-during-issue-keeps-old
[[ -s $S/archive/crash/pending.json ]]
verdict crash-journal-records-pending
# The next run first takes down what the killed one may have published
# (journal), then validates crash2 and installs the new certificate.
l0=$(wc -l < "$CAIRN_HOOK_LOG")
run crash2 "${C[@]}" issue --name crash -d crash.example.test -d crash2.example.test --dns-hook "$HOOK"
calls=$(tail -n +$((l0 + 1)) "$CAIRN_HOOK_LOG" | tr '\n' ' ')
want="del _acme-challenge.crash2.example.test add _acme-challenge.crash2.example.test del _acme-challenge.crash2.example.test "
[[ $calls == "$want" ]] || t_log "hook calls: $calls"
[[ $RC -eq 0 && ! -e $S/archive/crash/pending.json && $calls == "$want" ]] &&
  certdir_ok "$CR" "$CR/privkey.pem" crash.example.test crash2.example.test
verdict crash-journal-replayed
# kill -9 at points through forced renewals (order, finalize, download,
# install): what is installed stays whole every time.
ok=1
for delay in 0.03 0.08 0.13 0.2 0.3 0.45; do
  "${R[@]}" renew crash --force >/dev/null 2>>"$T_TMP/crash-loop.log" </dev/null &
  CP=$!
  sleep "$delay"
  kill -9 "$CP" 2>/dev/null
  wait "$CP" 2>/dev/null
  CERTDIR_NO_STATUS=1 certdir_ok "$CR" "$CR/privkey.pem" crash.example.test crash2.example.test ||
    { ok=0; t_log "inconsistent after kill at $delay s"; }
done
run crash3 "${R[@]}" renew crash --force
[[ $ok -eq 1 && $RC -eq 0 ]] && ! compgen -G "$S/archive/crash/.new-*" >/dev/null &&
  certdir_ok "$CR" "$CR/privkey.pem" crash.example.test crash2.example.test &&
  [[ -z $(dns_query _acme-challenge.crash2.example.test TXT) ]]
verdict crash-kill9-random-points
unset CAIRN_HOOK_BLOCK

# --------------------------------------------------- account key types ---
# p256 (the default) and p384 (rollover below) are the main account's; each
# other type registers its own account, signs an order and rolls over.
for kt in rsa2048 ed25519; do
  SK=$T_TMP/state-$kt
  CK=("$CAIRN" --server "$ACME_DIRECTORY" --ca-bundle "$ACME_CA_BUNDLE" --state "$SK")
  run "acct-$kt" "${CK[@]}" account register --agree-tos --account-key-type "$kt"
  rr=$RC
  run "acct-$kt-issue" "${CK[@]}" issue -d "acct-$kt.example.test" --standalone "$D"
  [[ $rr -eq 0 && $RC -eq 0 ]] && certdir_ok "$SK/certs/acct-$kt.example.test" "$SK/certs/acct-$kt.example.test/privkey.pem"
  verdict "account-key-type-$kt"
done

# ------------------------------------------------- account key rollover ---
TH1=$(openssl pkey -in "$ACCT_KEY" -pubout 2>/dev/null | sha256sum)
run roll "${C[@]}" account rollover --account-key-type p384
TH2=$(openssl pkey -in "$ACCT_KEY" -pubout 2>/dev/null | sha256sum)
SA=$(serial_of "$A/cert.pem")
run rollrenew "${R[@]}" renew a.example.test --force
[[ $TH1 != "$TH2" && $RC -eq 0 && $(serial_of "$A/cert.pem") != "$SA" ]] &&
  openssl pkey -in "$ACCT_KEY" -noout -text 2>/dev/null | grep -q "^ASN1 OID: secp384r1" &&
  certdir_ok "$A" "$A/privkey.pem" a.example.test
verdict account-rollover

# --------------------------------------- ARI-driven renewal (RFC 9773) ---
# cairnd's renewalInfo window lies in the last third of the lifetime (not
# due); `cairnd admin ari mark` moves it into the past, and a plain `cairn
# renew` (no --force) renews at once, naming the old certificate in
# "replaces" (§5).
jq -e '.renewalInfo' <<< "$DIRJSON" >/dev/null 2>&1
verdict directory-offers-renewalInfo
if jq -e '.renewalInfo' <<< "$DIRJSON" >/dev/null 2>&1; then
  AR=$S/certs/ari.example.test
  run ari0 "${C[@]}" issue -d ari.example.test --standalone "$D"
  [[ $RC -eq 0 ]] && certdir_ok "$AR" "$AR/privkey.pem" ari.example.test
  verdict ari-issue
  S1=$(serial_of "$AR/cert.pem")
  run ari1 "${R[@]}" renew ari.example.test -v
  [[ $RC -eq 2 && $(serial_of "$AR/cert.pem") == "$S1" ]] && grep -q "not due until .*ARI window" "$T_TMP/ari1.log"
  verdict ari-window-not-due-exit-2
  # While the stored renewalInfo answer is fresh (its Retry-After, §4.3.2,
  # has not passed) a not-due check asks nothing: in a copy of the state
  # whose CA URL leads to a listener that never answers, it still exits 2
  # at once, connects nowhere, loads no libcurl and rewrites nothing.
  NS=$T_TMP/state-nonet
  NST=$NS/archive/ari.example.test/status.json
  rm -rf "$NS" && cp -a "$S" "$NS"
  BH_PORT=$(free_port)
  t_bg blackhole python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64); time.sleep(3600)' "$BH_PORT"
  BH_PID=$T_BG_PID
  poll_until 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$BH_PORT"
  jq --arg u "https://127.0.0.1:$BH_PORT/dir" '.server = $u' "$NS/certs/ari.example.test/settings.json" \
    > "$T_TMP/settings.json" && cat "$T_TMP/settings.json" > "$NS/certs/ari.example.test/settings.json"
  # (under ptrace LeakSanitizer cannot run: no leak check for the traced runs)
  NOLEAK=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")
  ST0=$(stat -c '%y %s' "$NST"; sha256sum < "$NST")
  T0=$(t_now)
  run ari-fresh "${NOLEAK[@]}" strace -f -qq -e trace=connect,openat -o "$T_TMP/ari-fresh.strace" \
    "$CAIRN" --state "$NS" renew ari.example.test -v
  T1=$(t_now)
  [[ $RC -eq 2 ]] && grep -q "not due until .*ARI window" "$T_TMP/ari-fresh.log" &&
    ! grep -qE 'connect\(.*AF_INET' "$T_TMP/ari-fresh.strace" && ! grep -q 'libcurl' "$T_TMP/ari-fresh.strace" &&
    [[ $(stat -c '%y %s' "$NST"; sha256sum < "$NST") == "$ST0" ]] &&
    awk -v a="$T0" -v b="$T1" 'BEGIN { exit !(b - a < 5) }'
  verdict ari-fresh-not-due-no-request
  # Once the stored Retry-After has passed, the check asks the CA again
  # (the real one here): the answer is stored with a new recheck time and
  # the same window keeps its chosen time.
  jq --arg u "$ACME_DIRECTORY" '.server = $u' "$NS/certs/ari.example.test/settings.json" \
    > "$T_TMP/settings.json" && cat "$T_TMP/settings.json" > "$NS/certs/ari.example.test/settings.json"
  CHOSEN=$(jq -r '.ari.chosen' "$NST")
  jq '.ari.recheck = 0' "$NST" > "$T_TMP/status.json" && cat "$T_TMP/status.json" > "$NST"
  run ari-stale "${NOLEAK[@]}" strace -f -qq -e trace=connect -o "$T_TMP/ari-stale.strace" \
    "$CAIRN" --state "$NS" renew ari.example.test -v
  CAPORT=${ACME_DIRECTORY#https://*:}
  CAPORT=${CAPORT%%/*}
  [[ $RC -eq 2 ]] && grep -q "htons($CAPORT)" "$T_TMP/ari-stale.strace" &&
    jq -e --argjson now "$(date +%s)" --argjson c "$CHOSEN" '.ari.recheck > $now and .ari.chosen == $c and (.ari.error | not)' "$NST" >/dev/null
  verdict ari-stale-asks-ca-again
  t_stop "$BH_PID"
  "$CAIRND_BIN" admin --data "$CAIRND_DATA" ari mark --serial "$S1" >"$T_TMP/ari-mark.log" 2>&1
  # cairn asks renewalInfo again only after its Retry-After (hours at
  # cairnd; §4.3.2): let that time have passed.
  ST=$S/archive/ari.example.test/status.json
  jq '.ari.recheck = 0' "$ST" > "$T_TMP/status.json" && cat "$T_TMP/status.json" > "$ST"
  run ari2 "${R[@]}" renew ari.example.test -v
  [[ $RC -eq 0 && $(serial_of "$AR/cert.pem") != "$S1" ]] && grep -q "renewing (ARI window" "$T_TMP/ari2.log" &&
    ! grep -q "refused replaces" "$T_TMP/ari2.log" && grep -qF "replaces ${S1,,}" "$T_TMP/cairnd.log" &&
    certdir_ok "$AR" "$AR/privkey.pem" ari.example.test
  verdict ari-marked-renews-without-force
  run ari3 "${R[@]}" renew ari.example.test
  [[ $RC -eq 2 ]]
  verdict ari-new-cert-not-due-exit-2
fi

# --------------------------------------------------------- daemon, once ---
run once "${R[@]}" daemon --once
[[ $RC -eq 2 ]]
verdict daemon-once-nothing-due-exit-2

# ------------------------ account deactivation (last: the account is gone) ---
run deact "${C[@]}" account deactivate
OLD=$(compgen -G "$S/accounts/*.deactivated-*" | head -n 1)
[[ $RC -eq 0 && -n $OLD ]]
verdict account-deactivate
# cairnd refuses the deactivated account's key from now on (RFC 8555
# §7.3.6): put the moved-aside account back in a fresh state dir and ask.
S2=$T_TMP/state-deactivated
mkdir -p "$S2/accounts" && cp -a "$OLD" "$S2/accounts/$(basename "${OLD%.deactivated-*}")"
run deadshow "$CAIRN" --server "$ACME_DIRECTORY" --ca-bundle "$ACME_CA_BUNDLE" --state "$S2" account show
[[ $RC -eq 1 ]] && one_line deadshow "urn:ietf:params:acme:error:unauthorized: "
verdict cairnd-refuses-deactivated-account
run afterdeact "${R[@]}" renew a.example.test --force
[[ $RC -eq 1 ]] && grep -q "account register" "$T_TMP/afterdeact.log"
verdict renew-without-account-exit-1
