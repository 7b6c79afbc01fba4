#!/usr/bin/env bash
# 37-policy.sh — the identifier policy (RFC 8555 sections 7.1.3 and 6.7.1,
# BR 3.2.2.6 and 7.1.2.7.12) and IP identifiers end to end (RFC 8738).
#
# One cairnd with --blocklist FILE (blocked.policy.example.test).
# validation_probe.py checks that newOrder refuses, with rejectedIdentifier
# and one subproblem per refused identifier naming it: ICANN public suffixes
# (co.uk, *.co.uk, com.au), single labels, XN-labels that are not valid
# Punycode A-labels, blocked names, their subdomains and wildcards covering
# them, bad LDH syntax and reserved labels, reverse-zone names, malformed IP
# addresses; unsupportedIdentifier for an email identifier; that .test
# names, IDNs, private-section suffixes are accepted and an IDN is issued;
# and that ip identifiers (127.0.0.1, ::1) get http-01 and tls-alpn-01 only,
# validate http-01 at the address and are issued with an IP SAN (alone and
# together with a DNS name), normalized to RFC 5952 text. Prints
# "PASS|FAIL case".
#
# Environment: CAIRND (build/asan/cairnd when it exists, else build/cairnd),
# plus those of lib.sh (PORT_RANGE, CAIRND_START_TIMEOUT, ...).
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=validation-probe.bash
source "$(dirname "$0")/validation-probe.bash"

probe_start policy
BLOCKED=blocked.policy.example.test
printf '# names this CA never certifies\n%s\n' "$BLOCKED" > "$T_TMP/blocklist"
export CAIRND_ARGS="--blocklist $T_TMP/blocklist"

# A bad blocklist or public suffix list stops cairnd at startup, naming the file and line.
bad_start() { # NAME EXPECTED-TEXT CAIRND-ARGS...
  local name=$1 want=$2 out rc=0; shift 2
  t_case_start
  out=$(timeout -k 2 10 "${CAIRND:-$T_ROOT/build/cairnd}" --data "$T_TMP/bad-$name" --listen 127.0.0.1:1 "$@" 2>&1) || rc=$?
  if [[ $rc -ne 0 && $out == *"$want"* ]]; then t_pass "policy-startup-$name"
  else t_fail "policy-startup-$name" "exit $rc, output: $out"; fi
}
printf 'ok.example.test\n*.wild.example.test\n' > "$T_TMP/bad-blocklist"
bad_start bad-blocklist "$T_TMP/bad-blocklist:2:" --blocklist "$T_TMP/bad-blocklist"
bad_start missing-blocklist "cannot read the blocklist" --blocklist "$T_TMP/nonexistent"
bad_start missing-psl "cannot read the public suffix list" --public-suffix-list "$T_TMP/nonexistent"

t_case_start
start_cairnd || { t_fail policy-cairnd-start "could not start cairnd (log in $T_TMP)"; exit 1; }
echo "$T_TMP/cairnd.log" > "$T_TMP/.last-log"
BLOCKED=$BLOCKED run_probe policy
kill -0 "$CAIRND_PID" 2>/dev/null || { t_fail policy-cairnd-alive "cairnd died"; exit 1; }
