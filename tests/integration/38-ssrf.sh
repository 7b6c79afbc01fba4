#!/usr/bin/env bash
# 38-ssrf.sh — the SSRF guard of domain validation (RFC 8555 section 10.4):
# with --allow-private-targets=false, cairnd never connects to loopback,
# private, shared (CGNAT) or link-local addresses, whether a name resolves
# there, an IP identifier names one, or a redirect of http-01 points there
# (each hop is resolved and checked again); public addresses work, directly,
# as IP identifiers and through redirects.
#
# "Public" addresses: the script runs in its own network namespace that has
# only a loopback interface (lib.sh), and puts two addresses outside every
# special-purpose range (11.22.33.44 and .45) on it; nothing can leave the
# namespace, so no traffic reaches their real owners. validation_probe.py
# runs responders on them and on 127.0.0.1 and ::1 (which must never be
# asked) and checks each outcome and problem type (connection). Prints
# "PASS|FAIL case".
#
# Environment: CAIRND (build/asan/cairnd when it exists, else build/cairnd),
# plus those of lib.sh (PORT_RANGE, CAIRND_START_TIMEOUT, ...).
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
[[ -z ${CAIRND:-} && -x $T_ROOT/build/asan/cairnd ]] && export CAIRND=$T_ROOT/build/asan/cairnd

PY=/usr/bin/python3
PROBE=$T_ROOT/tests/integration/validation_probe.py
export PUBLIC_IP=11.22.33.44 PUBLIC_IP2=11.22.33.45

# run_probe SCENARIO — the probe's PASS/FAIL lines become this script's.
run_probe() {
  local done_line='' line rest rc
  while IFS= read -r line; do
    case $line in
      "PASS "*) t_pass "${line#PASS }" ;;
      "FAIL "*) rest=${line#FAIL }; t_fail "${rest%%: *}" "${rest#*: }" ;;
      "DONE "*) done_line=$line ;;
      *) t_log "probe: $line" ;;
    esac
  done < <(timeout -k 5 300 "$PY" "$PROBE" "$1" 2>"$T_TMP/probe-$1.log")
  wait $! 2>/dev/null
  rc=$?
  if [[ -z $done_line ]]; then
    echo "$T_TMP/probe-$1.log" > "$T_TMP/.last-log"
    t_fail "$1-probe-finished" "the probe stopped early (exit $rc); see $T_TMP/probe-$1.log"
    return 1
  fi
  t_log "$done_line"
}

t_case_start
"$PY" -c 'import cryptography' 2>/dev/null ||
  { t_fail ssrf-setup "$PY cannot import cryptography (apt-get install python3-cryptography)"; exit 1; }
if [[ -z ${T_IN_NETNS:-} ]]; then
  t_fail ssrf-setup "needs the loopback-only network namespace of lib.sh (run as root with unshare and ip)"
  exit 1
fi
if ! ip addr add "$PUBLIC_IP/32" dev lo || ! ip addr add "$PUBLIC_IP2/32" dev lo; then
  t_fail ssrf-setup "cannot add $PUBLIC_IP and $PUBLIC_IP2 to the namespace's loopback interface"
  exit 1
fi
export CAIRND_ARGS="--allow-private-targets=false"
start_cairnd || { t_fail ssrf-cairnd-start "could not start cairnd (log in $T_TMP)"; exit 1; }
echo "$T_TMP/cairnd.log" > "$T_TMP/.last-log"
run_probe ssrf
kill -0 "$CAIRND_PID" 2>/dev/null || { t_fail ssrf-cairnd-alive "cairnd died"; exit 1; }
