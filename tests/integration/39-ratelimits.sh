#!/usr/bin/env bash
# 39-ratelimits.sh — cairnd's rate limits (RFC 8555 section 6.6: rateLimited,
# HTTP 429, Retry-After), with small limits so that each is reached:
#
#   ratelimit_probe.py limits (acme_probe.py's independent Python client):
#     new orders per account (the 4th of 3 per hour is refused, another
#     account is not), certificates per registered domain (3 per 7 days under
#     dom.test, also inside a set of other names), renewals exempt (the same
#     set as an unexpired certificate of the account; RFC 9773 "replaces"),
#     duplicate certificates (2 per 7 days), failed validations (2 per hour
#     per account and identifier, newOrder and newAuthz), pending
#     authorizations (5 per account); every refusal is a problem document
#     naming the limit, its value and window, with a Retry-After counting
#     down to when the oldest counted event leaves the window.
#   lego (a real client) at a limit: it stops with the rateLimited problem
#     and its detail, no crash.
#   A second cairnd on the same store with --rate-accounts-per-ip set to the
#     accounts made so far + 2 (ratelimit_probe.py accounts): two new
#     accounts pass, the third is refused; the count is shared with the first
#     instance, where an account is still made (limit 1000), after which the
#     second refuses again.
# Prints "PASS|FAIL case".
#
# Environment: CAIRND (build/asan/cairnd when it exists, else build/cairnd),
# plus those of lib.sh (PORT_RANGE, CAIRND_START_TIMEOUT, CLIENT_TIMEOUT, ...).
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
[[ -z ${CAIRND:-} && -x $T_ROOT/build/asan/cairnd ]] && export CAIRND=$T_ROOT/build/asan/cairnd

# Debian's python3 with python3-cryptography, not whatever python3 is first on PATH.
PY=/usr/bin/python3
PROBE=$T_ROOT/tests/integration/ratelimit_probe.py
LIMITS="--rate-orders-per-account 3 --rate-orders-window 1h --rate-certs-per-domain 3
  --rate-duplicate-certs 2 --rate-failed-validations 2 --rate-failed-validations-window 1h
  --rate-pending-authz 5"
export CAIRND_ARGS="${LIMITS//$'\n'/ } --rate-accounts-per-ip 1000 --rate-limit-exempt 192.0.2.1/32"

# run_probe PHASE — the probe's PASS/FAIL lines become ours.
run_probe() {
  local done_line
  t_probe "$T_TMP/probe-$1.log" timeout -k 5 300 "$PY" "$PROBE" "$1"
  done_line=$T_PROBE_DONE
  if [[ -z $done_line ]]; then
    echo "$T_TMP/probe-$1.log" > "$T_TMP/.last-log"
    t_fail "ratelimits-probe-$1-finished" "the probe stopped early; see $T_TMP/probe-$1.log"
    return 1
  fi
  t_log "$1: $done_line"
}

t_case_start
if ! "$PY" -c 'import cryptography' 2>/dev/null; then
  t_fail ratelimits-setup "$PY cannot import cryptography (apt-get install python3-cryptography)"
  exit 1
fi
if ! start_cairnd; then
  t_fail ratelimits-cairnd-start "could not start cairnd (log in $T_TMP)"
  exit 1
fi
echo "$T_TMP/cairnd.log" > "$T_TMP/.last-log"
admin() { "$CAIRND_BIN" admin --data "$CAIRND_DATA" "$@"; }

# ----------------------------------------------------------- the limits ---
run_probe limits

# ---------------------------------------------------------- a real client ---
# Names under dup.test have reached both certificate limits (the probe's
# duplicate-certs case): lego's new account asks for one more.
t_case_start
lego_log=$T_TMP/lego-limited/logs/lego-issue-issue.log
if client_issue lego http-01 "$T_TMP/lego-limited" x.dup.test >/dev/null; then
  t_fail lego-rate-limited "lego got a certificate past the limit"
elif ! grep -q 'urn:ietf:params:acme:error:rateLimited' "$lego_log" ||
     ! grep -q 'rate limit rate-' "$lego_log"; then
  echo "$lego_log" > "$T_TMP/.last-log"
  t_fail lego-rate-limited "lego's output names no rateLimited problem"
elif grep -qiE 'panic|goroutine ' "$lego_log"; then
  echo "$lego_log" > "$T_TMP/.last-log"
  t_fail lego-rate-limited "lego crashed"
else
  t_log "lego: $(grep -o 'urn:ietf:params:acme:error:rateLimited.*' "$lego_log" | head -n 1)"
  t_pass lego-rate-limited
fi

# ------------------------------------- accounts per IP, two instances ---
t_case_start
made=$(admin list accounts --limit 100000 | wc -l)
port2=$(free_port) && http2=$(free_port) || { t_fail ratelimits-second-start "no free port"; exit 1; }
# shellcheck disable=SC2086 # LIMITS is a list of options
t_bg cairnd2 "$CAIRND_BIN" --data "$CAIRND_DATA" --listen "127.0.0.1:$port2" \
  --http-listen "127.0.0.1:$http2" --resolver "127.0.0.1:$DNS_PORT" --http01-port "$HTTP01_PORT" \
  --tlsalpn01-port "$TLSALPN01_PORT" --allow-private-targets $LIMITS \
  --rate-accounts-per-ip $((made + 2)) --rate-limit-exempt 192.0.2.1/32
CAIRND2_PID=$T_BG_PID
second_ready() {
  kill -0 "$CAIRND2_PID" 2>/dev/null || return 255
  curl -fsS -m 2 --cacert "$ACME_CA_BUNDLE" -o /dev/null "https://127.0.0.1:$port2/directory"
}
if ! poll_until "${CAIRND_START_TIMEOUT:-30}" second_ready; then
  echo "$T_TMP/cairnd2.log" > "$T_TMP/.last-log"
  t_fail ratelimits-second-start "the second cairnd did not come up"
  exit 1
fi
t_log "second cairnd on the same store: https://127.0.0.1:$port2 ($made accounts so far)"
export ACME_DIRECTORY_1=$ACME_DIRECTORY RL_ACCOUNTS_LIMIT=$((made + 2))
export ACME_DIRECTORY=https://127.0.0.1:$port2/directory
run_probe accounts
export ACME_DIRECTORY=$ACME_DIRECTORY_1

t_case_start
if kill -0 "$CAIRND_PID" 2>/dev/null && kill -0 "$CAIRND2_PID" 2>/dev/null; then
  t_pass ratelimits-cairnd-alive
else
  t_fail ratelimits-cairnd-alive "a cairnd died during the test (logs in $T_TMP)"
fi
t_stop "$CAIRND2_PID"
