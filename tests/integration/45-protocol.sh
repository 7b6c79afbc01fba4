#!/usr/bin/env bash
# 45-protocol.sh — cairnd's protocol extensions (issue 4) through independent
# clients, with negative tests for every problem type they introduce.
#
# One cairnd started with --eab-required --challenge-attempts 3
# --challenge-retry-after 2s --dns-account-01 --dns-persist-01
# --alternate-chain auto --caa-identities ca.example.test --ari-explanation-url.
#   protocol_probe.py (python3-acme 2.1): directory, EAB (RFC 8555 7.3.4),
#     key rollover (7.3.5), orders list with Link rel="next" (7.1.2.1),
#     deactivation (7.3.6), newAuthz (7.4.1), authorization deactivation
#     (7.5.2), challenge retry (8.2), profiles (draft-ietf-acme-profiles),
#     ARI renewalInfo / replaces / admin marks (RFC 9773), the alternate
#     chain (7.4.2), dns-account-01, dns-persist-01 (draft-ietf-acme-dns-
#     persist: subdomains and wildcards under a parent's policy=wildcard
#     record with a certificate, refused without it, persistUntil passed, no
#     reuse of a TTL-0 validation), block-key, admin lists;
#     problems: externalAccountRequired, unauthorized (EAB, 401 after
#     deactivation), invalidProfile, rejectedIdentifier, alreadyReplaced,
#     badPublicKey, malformed.
#   lego 4.9.1: EAB (--eab --kid --hmac), refused without it, and
#     --preferred-chain picking the alternate chain.
#   certbot 2.1.0: EAB (--eab-kid --eab-hmac-key) with --preferred-chain.
#   cairn (our agent): a tlsserver certificate; ARI: not renewed while the
#     window lies ahead, renewed with "replaces" after `admin ari mark`, and
#     the new certificate not due again.
#   A restart on the same data directory (schema 001 to 006) keeps the state.
#   Then a second cairnd with --dns-persist-01-jit as well: the probe's jit
#   phase (newOrder and newAuthz answer valid authorizations, finalize at
#   once; pending without a qualifying record) and its log lines.
# None of Debian's lego, certbot 2.1.0 or uacme knows dns-persist-01, so the
# probe drives it too.
# Neither Debian client version knows profiles or ARI (lego added them in
# 4.22/4.16, certbot in 4.0/4.1), so those are driven by the probe only.
# EAB values may start with "-", so they are passed as --option=VALUE.
# Prints "PASS|FAIL case".
#
# Environment: CAIRND (build/asan/cairnd when it exists, else build/cairnd),
# plus those of lib.sh (PORT_RANGE, CAIRND_START_TIMEOUT, CLIENT_TIMEOUT, ...).
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
[[ -z ${CAIRND:-} && -x $T_ROOT/build/asan/cairnd ]] && export CAIRND=$T_ROOT/build/asan/cairnd

PY=/usr/bin/python3
PROBE=$T_ROOT/tests/integration/protocol_probe.py
export ARI_URL=https://ca.example.test/ari ARI_RETRY_AFTER=60
export CAIRND_ARGS="--eab-required --challenge-attempts 3 --challenge-retry-after 2s
  --dns-account-01 --dns-persist-01 --alternate-chain auto --caa-identities ca.example.test
  --ari-explanation-url $ARI_URL --ari-retry-after 60s
  --rate-accounts-per-ip 0"
# (the probe and the clients make more than the 10 accounts from one address
# that the default allows; 39-ratelimits.sh tests that limit)
CAIRND_ARGS=${CAIRND_ARGS//$'\n'/ }

t_case_start
if ! "$PY" -c 'import acme, josepy, cryptography' 2>/dev/null; then
  t_fail protocol-setup "$PY cannot import acme/josepy (apt-get install python3-acme)"
  exit 1
fi
if ! start_cairnd; then
  t_fail protocol-cairnd-start "could not start cairnd (log in $T_TMP)"
  exit 1
fi
echo "$T_TMP/cairnd.log" > "$T_TMP/.last-log"
admin() { "$CAIRND_BIN" admin --data "$CAIRND_DATA" "$@"; }
eab_new() { admin eab create --comment "$1" | awk '{ print $2 }' | paste -sd ' '; }

# cairn (the agent) asks for renewalInfo right after issuance and then only
# after its Retry-After (at least 60 s, RFC 9773 4.3.2): the certificate it
# will renew after a mark is issued and marked now, and renewed at the end.
AG_STATE=$T_TMP/agent
AG=("$T_ROOT/build/cairn" --server "$ACME_DIRECTORY" --ca-bundle "$ACME_CA_BUNDLE" --state "$AG_STATE")
AG2=agent2.proto.example.test
read -r kid hmac <<< "$(eab_new agent)"
"${AG[@]}" issue -d "$AG2" --standalone "127.0.0.1:$HTTP01_PORT" --agree-tos \
  --eab-kid="$kid" --eab-hmac-key="$hmac" >"$T_TMP/agent.log" 2>&1
ag2_issued=$SECONDS
ag2_old=$(openssl x509 -in "$AG_STATE/certs/$AG2/cert.pem" -noout -serial 2>/dev/null | cut -d= -f2 | tr 'A-F' 'a-f')
admin ari mark --serial "${ag2_old:-none}" >>"$T_TMP/agent.log" 2>&1

# ------------------------------------------------------------ the probe ---
# run_probe PHASE LOG — the probe's PASS/FAIL lines become ours.
run_probe() {
  local done_line
  : > "$2"
  t_probe "$2" env PROBE_PHASE="$1" timeout -k 5 600 "$PY" "$PROBE"
  done_line=$T_PROBE_DONE
  if [[ -z $done_line ]]; then
    echo "$2" > "$T_TMP/.last-log"
    t_fail "protocol-probe-finished-$1" "the probe stopped early; see $2"
  fi
  t_log "${done_line:-probe: no DONE line}"
  echo "$T_TMP/cairnd.log" > "$T_TMP/.last-log"
}
run_probe main "$T_TMP/probe.log"

# ---------------------------------------------------------- real clients ---
ROOT2_CN=$(openssl x509 -in "$CAIRND_DATA/root-x2.pem" -noout -subject -nameopt RFC2253 |
           sed -n 's/^subject=CN=\([^,]*\),.*/\1/p')
ROOT1_CN=$(openssl x509 -in "$CAIRND_DATA/root.pem" -noout -subject -nameopt RFC2253 |
           sed -n 's/^subject=CN=\([^,]*\),.*/\1/p')
t_log "roots: '$ROOT1_CN' and '$ROOT2_CN'"
# chain_check FULLCHAIN ROOTFILE WANT_TOP_ISSUER_CN — the top certificate's
# issuer and an openssl verification of the leaf against ROOTFILE.
chain_check() {
  local d top
  d=$(mktemp -d "$T_TMP/chain.XXXXXX")
  awk -v d="$d" '/-----BEGIN CERTIFICATE-----/ { n++ } { print > (d "/c" n ".pem") }' "$1"
  top=$(ls "$d"/c*.pem | sort -V | tail -n 1)
  [[ $(openssl x509 -in "$top" -noout -issuer -nameopt RFC2253) == "issuer=CN=$3,"* ]] ||
    { t_log "top of $1 is issued by $(openssl x509 -in "$top" -noout -issuer), want $3"; return 1; }
  openssl verify -CAfile "$2" -untrusted "$1" "$d/c1.pem" >/dev/null 2>&1 ||
    { t_log "$1 does not verify to $2"; return 1; }
}

LEGO_DIR=$T_TMP/lego
lego_run() { # NAME EXTRA...
  local name=$1; shift
  timeout -k 5 "${CLIENT_TIMEOUT:-180}" env LEGO_CA_CERTIFICATES="$ACME_CA_BUNDLE" \
    lego --server "$ACME_DIRECTORY" --path "$LEGO_DIR/$name" --accept-tos \
    --email cairn-test@example.com -d "$name" --http --http.port "127.0.0.1:$HTTP01_PORT" "$@" \
    >"$T_TMP/lego-$name.log" 2>&1 </dev/null
}

# lego reads meta.externalAccountRequired and stops before asking (the
# server's externalAccountRequired problem is checked by the probe).
t_case_start
echo "$T_TMP/lego-noeab.proto.example.test.log" > "$T_TMP/.last-log"
if lego_run noeab.proto.example.test run; then
  t_fail lego-without-eab-refused "lego registered without EAB"
elif grep -qE 'externalAccountRequired|requires External Account Binding' \
     "$T_TMP/lego-noeab.proto.example.test.log"; then
  t_pass lego-without-eab-refused
else
  t_fail lego-without-eab-refused "lego failed for another reason"
fi

t_case_start
name=lego-eab.proto.example.test
echo "$T_TMP/lego-$name.log" > "$T_TMP/.last-log"
read -r kid hmac <<< "$(eab_new lego)"
if lego_run "$name" --eab --kid="$kid" --hmac="$hmac" run --preferred-chain "$ROOT2_CN" &&
   chain_check "$LEGO_DIR/$name/certificates/$name.crt" "$CAIRND_DATA/root-x2.pem" "$ROOT2_CN" &&
   admin eab list | awk -F'\t' -v k="$kid" '$1 == k && $4 != "0" { f = 1 } END { exit !f }'; then
  t_pass lego-eab-preferred-alternate-chain
else
  t_fail lego-eab-preferred-alternate-chain
fi

t_case_start
name=lego-default.proto.example.test
echo "$T_TMP/lego-$name.log" > "$T_TMP/.last-log"
read -r kid hmac <<< "$(eab_new lego2)"
if lego_run "$name" --eab --kid="$kid" --hmac="$hmac" run &&
   chain_check "$LEGO_DIR/$name/certificates/$name.crt" "$CAIRND_DATA/root.pem" "$ROOT1_CN"; then
  t_pass lego-eab-default-chain
else
  t_fail lego-eab-default-chain
fi

t_case_start
name=certbot-eab.proto.example.test
CB=$T_TMP/certbot
echo "$T_TMP/certbot.log" > "$T_TMP/.last-log"
read -r kid hmac <<< "$(eab_new certbot)"
if timeout -k 5 "${CLIENT_TIMEOUT:-180}" env REQUESTS_CA_BUNDLE="$ACME_CA_BUNDLE" \
     certbot --config-dir "$CB/config" --work-dir "$CB/work" --logs-dir "$CB/log" \
     --non-interactive --server "$ACME_DIRECTORY" certonly --agree-tos \
     --register-unsafely-without-email --eab-kid="$kid" --eab-hmac-key="$hmac" \
     --standalone --preferred-challenges http-01 --http-01-port "$HTTP01_PORT" \
     --http-01-address 127.0.0.1 --preferred-chain "$ROOT2_CN" -d "$name" \
     >"$T_TMP/certbot.log" 2>&1 </dev/null &&
   chain_check "$CB/config/live/$name/fullchain.pem" "$CAIRND_DATA/root-x2.pem" "$ROOT2_CN"; then
  t_pass certbot-eab-preferred-alternate-chain
else
  t_fail certbot-eab-preferred-alternate-chain
fi

# ------------------------------------------------------ cairn, the agent ---
# Our own agent (written apart from cairnd, src/agent) knows profiles and
# ARI: a tlsserver certificate, no renewal while the ARI window lies ahead,
# a renewal with "replaces" once `cairnd admin ari mark` moved it.
name=agent.proto.example.test
t_case_start
echo "$T_TMP/agent.log" > "$T_TMP/.last-log"
if "${AG[@]}" issue -d "$name" --standalone "127.0.0.1:$HTTP01_PORT" --profile tlsserver \
     >>"$T_TMP/agent.log" 2>&1 &&
   [[ -z $(openssl x509 -in "$AG_STATE/certs/$name/cert.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//') ]] &&
   [[ $(( $(date -d "$(openssl x509 -in "$AG_STATE/certs/$name/cert.pem" -noout -enddate | cut -d= -f2)" +%s) -
          $(date -d "$(openssl x509 -in "$AG_STATE/certs/$name/cert.pem" -noout -startdate | cut -d= -f2)" +%s) + 1 )) -eq $((45 * 86400)) ]]; then
  t_pass agent-profile-tlsserver
else
  t_fail agent-profile-tlsserver
fi

t_case_start
"${AG[@]}" renew "$name" >>"$T_TMP/agent.log" 2>&1; rc=$?
[[ $rc -eq 2 ]] && t_pass agent-ari-not-due || t_fail agent-ari-not-due "cairn renew exited $rc, want 2"

# The certificate marked at the start: once the agent's Retry-After has
# passed it sees the window in the past and renews, with "replaces".
t_case_start
name=$AG2 old=$ag2_old
(( SECONDS - ag2_issued < 62 )) && sleep $(( 62 - (SECONDS - ag2_issued) ))
"${AG[@]}" renew "$name" >>"$T_TMP/agent.log" 2>&1; rc=$?
new=$(openssl x509 -in "$AG_STATE/certs/$name/cert.pem" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f')
if [[ $rc -eq 0 && $new != "$old" ]] && grep -q "replaces ${old#0}\|replaces $old" "$T_TMP/cairnd.log" &&
   [[ $(admin cert-status "$old") == valid ]]; then
  t_pass agent-ari-marked-renews-with-replaces
else
  t_fail agent-ari-marked-renews-with-replaces "rc=$rc old=$old new=$new"
fi
t_case_start
"${AG[@]}" renew "$name" >>"$T_TMP/agent.log" 2>&1; rc=$?
[[ $rc -eq 2 ]] && t_pass agent-ari-renewed-not-due || t_fail agent-ari-renewed-not-due "rc=$rc"

# ---------------------------------------------------------------- restart ---
t_case_start
before=$(admin list accounts --limit 100000 | wc -l)
cross=$(openssl x509 -in "$CAIRND_DATA/intermediate-x2.pem" -noout -fingerprint)
t_stop "$CAIRND_PID"
mv "$T_TMP/cairnd.log" "$T_TMP/cairnd-first.log"
if start_cairnd && [[ $(admin list accounts --limit 100000 | wc -l) -eq $before && $before -gt 10 ]] &&
   [[ $("$PY" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA user_version").fetchone()[0])' \
        "$CAIRND_DATA/cairn.db") == 6 ]] &&
   [[ $(openssl x509 -in "$CAIRND_DATA/intermediate-x2.pem" -noout -fingerprint) == "$cross" ]]; then
  t_pass restart-keeps-state
else
  t_fail restart-keeps-state "accounts before: $before"
fi
kill -0 "$CAIRND_PID" 2>/dev/null || t_fail protocol-cairnd-alive "cairnd died"

# ------------------------------------------- just-in-time dns-persist-01 ---
# draft-ietf-acme-dns-persist section 4.2: a second cairnd, on a fresh data
# directory, with --dns-persist-01-jit as well. The probe's "jit" phase
# expects valid authorizations straight from newOrder/newAuthz; the log must
# name each authorization made valid that way.
t_case_start
t_stop "$CAIRND_PID"
mv "$T_TMP/cairnd.log" "$T_TMP/cairnd-second.log"
mv "$CAIRND_DATA" "$T_TMP/cairnd-main"
CAIRND_ARGS="$CAIRND_ARGS --dns-persist-01-jit"
if start_cairnd; then
  t_pass protocol-cairnd-jit-start
  t_case_start
  run_probe jit "$T_TMP/probe-jit.log"
  t_case_start
  n=$(grep -c 'created valid: just-in-time dns-persist-01 by the record at _validation-persist\.' "$T_TMP/cairnd.log")
  if (( n >= 5 )) && grep -q 'authz=[0-9]* host\.jitpre\.proto\.example\.test pre-authorization created valid' "$T_TMP/cairnd.log"; then
    t_pass dns-persist-01-jit-logged
  else
    t_fail dns-persist-01-jit-logged "$n just-in-time lines in $T_TMP/cairnd.log"
  fi
  kill -0 "$CAIRND_PID" 2>/dev/null || t_fail protocol-cairnd-jit-alive "cairnd died"
else
  t_fail protocol-cairnd-jit-start "could not start cairnd with --dns-persist-01-jit (log in $T_TMP)"
fi
