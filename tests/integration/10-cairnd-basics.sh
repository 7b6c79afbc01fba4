#!/usr/bin/env bash
# 10-cairnd-basics.sh — cairnd as an operator meets it: command-line errors
# are one line and a non-zero exit; the first start on an empty DIR creates
# the store, root, intermediate and API certificate and prints the directory
# URL; a restart on the same DIR keeps accounts and certificates; what
# `make run` starts answers https://127.0.0.1:14000/directory; the options
# table in README.md is the one the binary prints.
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

BIN=${CAIRND:-$T_ROOT/build/cairnd}
[[ $BIN == /* ]] || BIN=$T_ROOT/$BIN

# expect_usage_error NAME WANT ARGS... — exit 1, one line on stderr containing WANT.
expect_usage_error() {
  local name=$1 want=$2 out rc=0
  shift 2
  t_case_start
  out=$("$BIN" "$@" 2>&1 >/dev/null) || rc=$?
  if [[ $rc -ne 0 && $(wc -l <<< "$out") -eq 1 && $out == *"$want"* ]]; then
    t_pass "$name"
  else
    t_fail "$name" "exit $rc, stderr: $out"
  fi
}

expect_usage_error cli-no-data "--data DIR is required"
expect_usage_error cli-unknown-option "unknown option '--frobnicate'" --data "$T_TMP/x" --frobnicate
expect_usage_error cli-bad-port "http01-port" --data "$T_TMP/x" --http01-port 70000
expect_usage_error cli-bad-duration "validity" --data "$T_TMP/x" --validity 90y
printf 'workers = 4\nnot-an-option = 1\n' > "$T_TMP/bad.conf"
expect_usage_error cli-config-file-line "bad.conf:2" --data "$T_TMP/x" --config "$T_TMP/bad.conf"

t_case_start
if diff <("$BIN" --options-markdown) <(sed -n '/^| option (flag and config key)/,/^$/p' "$T_ROOT/README.md" | sed '/^$/d') >"$T_TMP/readme.diff"; then
  t_pass readme-options-table
else
  t_fail readme-options-table "README.md's option table differs from cairnd --options-markdown: $(head -c 400 "$T_TMP/readme.diff")"
fi

# First start, an issuance, a restart on the same DIR: the account and the
# certificate are still there.
t_case_start
if start_cairnd && [[ -s $CAIRND_DATA/api-ca.pem && -s $CAIRND_DATA/root.pem && -s $CAIRND_DATA/cairn.db ]] &&
   grep -q "serving ACME directory $ACME_DIRECTORY" "$T_TMP/cairnd.log"; then
  t_pass first-start
else
  t_fail first-start "no api-ca.pem/root.pem/cairn.db or no directory URL printed"
fi

t_case_start
if cert=$(client_issue lego http-01 "$T_TMP/lego" basics.example.test) &&
   serial=$(openssl x509 -in "$cert" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f'); then
  t_pass issue-before-restart
else
  t_fail issue-before-restart
fi

t_case_start
root_before=$(sha256sum < "$CAIRND_DATA/root.pem")
t_stop "$CAIRND_PID"
port=${ACME_DIRECTORY#https://127.0.0.1:}; port=${port%%/*}
t_bg cairnd-restart "$BIN" --data "$CAIRND_DATA" --listen "127.0.0.1:$port" \
  --http-listen "127.0.0.1:$CAIRND_HTTP_PORT" --resolver "127.0.0.1:$DNS_PORT" \
  --http01-port "$HTTP01_PORT" --tlsalpn01-port "$TLSALPN01_PORT" --allow-private-targets
CAIRND_PID=$T_BG_PID
if poll_until 30 curl -sf --cacert "$ACME_CA_BUNDLE" -o /dev/null "$ACME_DIRECTORY" &&
   [[ $(sha256sum < "$CAIRND_DATA/root.pem") == "$root_before" ]] &&
   [[ $("$BIN" admin --data "$CAIRND_DATA" cert-status "${serial#0}") == valid ]] &&
   client_revoke lego http-01 "$T_TMP/lego" basics.example.test >/dev/null; then
  t_pass restart-keeps-state
else
  t_fail restart-keeps-state "after a restart the root changed, or the account/certificate is gone"
fi

# What `make run` starts (scripts/run-cairnd.sh) serves 127.0.0.1:14000; the
# test runs in its own network namespace, so the fixed port is free.
t_case_start
CAIRND_DATA=$T_TMP/run-data t_bg make-run "$T_ROOT/scripts/run-cairnd.sh" \
  --http-listen 127.0.0.1:$(free_port)
if poll_until 30 curl -sf --cacert "$T_TMP/run-data/api-ca.pem" -o "$T_TMP/dir.json" \
     https://127.0.0.1:14000/directory && grep -q '"newOrder"' "$T_TMP/dir.json"; then
  t_pass make-run-directory
else
  t_fail make-run-directory "https://127.0.0.1:14000/directory did not answer"
fi
