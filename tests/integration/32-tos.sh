#!/usr/bin/env bash
# 32-tos.sh — changed terms of service (RFC 8555 section 7.3.3): two cairnd
# instances on one store, the first with --tos-version v1, the second with
# --tos-version v2; tos_probe.py (acme_probe.py's independent client) checks
# that an account that agreed to v1 gets 403 userActionRequired (Link
# rel="terms-of-service", "instance") where v2 is current, can still read
# its account, agrees again with termsOfServiceAgreed and orders; then the
# v1 instance asks it in turn; a new account agrees to the current version.
# Prints "PASS|FAIL case".
#
# Environment: CAIRND (build/asan/cairnd when it exists, else build/cairnd),
# plus those of lib.sh (PORT_RANGE, CAIRND_START_TIMEOUT, ...).
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
[[ -z ${CAIRND:-} && -x $T_ROOT/build/asan/cairnd ]] && export CAIRND=$T_ROOT/build/asan/cairnd

PY=/usr/bin/python3
PROBE=$T_ROOT/tests/integration/tos_probe.py

t_case_start
if ! "$PY" -c 'import cryptography' 2>/dev/null; then
  t_fail tos-setup "$PY cannot import cryptography (apt-get install python3-cryptography)"
  exit 1
fi
export CAIRND_ARGS="--tos-version v1"
if ! start_cairnd; then
  t_fail tos-cairnd-start "could not start cairnd (log in $T_TMP)"
  exit 1
fi
echo "$T_TMP/cairnd.log" > "$T_TMP/.last-log"

port2=$(free_port) && http2=$(free_port) || { t_fail tos-second-start "no free port"; exit 1; }
t_bg cairnd2 "$CAIRND_BIN" --data "$CAIRND_DATA" --listen "127.0.0.1:$port2" \
  --http-listen "127.0.0.1:$http2" --resolver "127.0.0.1:$DNS_PORT" --http01-port "$HTTP01_PORT" \
  --tlsalpn01-port "$TLSALPN01_PORT" --allow-private-targets --tos-version v2
CAIRND2_PID=$T_BG_PID
second_ready() {
  kill -0 "$CAIRND2_PID" 2>/dev/null || return 255
  curl -fsS -m 2 --cacert "$ACME_CA_BUNDLE" -o /dev/null "https://127.0.0.1:$port2/directory"
}
if ! poll_until "${CAIRND_START_TIMEOUT:-30}" second_ready; then
  echo "$T_TMP/cairnd2.log" > "$T_TMP/.last-log"
  t_fail tos-second-start "the second cairnd did not come up"
  exit 1
fi

t_probe "$T_TMP/probe.log" env ACME_DIRECTORY_OLD="$ACME_DIRECTORY" \
  ACME_DIRECTORY="https://127.0.0.1:$port2/directory" timeout -k 5 120 "$PY" "$PROBE"
done_line=$T_PROBE_DONE
if [[ -z $done_line ]]; then
  echo "$T_TMP/probe.log" > "$T_TMP/.last-log"
  t_fail tos-probe-finished "the probe stopped early; see $T_TMP/probe.log"
fi
if grep -q 'must agree to terms version v2' "$T_TMP/cairnd2.log"; then
  t_pass tos-logged
else
  t_fail tos-logged "no 'must agree to terms version v2' line in $T_TMP/cairnd2.log"
fi
if kill -0 "$CAIRND_PID" 2>/dev/null && kill -0 "$CAIRND2_PID" 2>/dev/null; then
  t_pass tos-cairnd-alive
else
  t_fail tos-cairnd-alive "a cairnd died during the test (logs in $T_TMP)"
fi
t_stop "$CAIRND2_PID"
