# validation-probe.bash - the prologue shared by the integration scripts
# that drive validation_probe.py (35-caa.sh, 37-policy.sh); sourced after
# lib.sh, never run. It picks the ASan cairnd when one was built, names the
# probe, and defines:
#   run_probe SCENARIO   the probe's PASS/FAIL lines become the script's
#   probe_start PREFIX   starts the first case; fails PREFIX-setup and exits
#                        when $PY cannot import cryptography
# shellcheck shell=bash disable=SC2034
[[ -z ${CAIRND:-} && -x $T_ROOT/build/asan/cairnd ]] && export CAIRND=$T_ROOT/build/asan/cairnd

PY=/usr/bin/python3
PROBE=$T_ROOT/tests/integration/validation_probe.py

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

# probe_start PREFIX — the first case begins; the probe needs python3-cryptography.
probe_start() {
  t_case_start
  "$PY" -c 'import cryptography' 2>/dev/null ||
    { t_fail "$1-setup" "$PY cannot import cryptography (apt-get install python3-cryptography)"; exit 1; }
}
