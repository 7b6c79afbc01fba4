#!/usr/bin/env bash
# 30-acme-strictness.sh — negative tests for cairnd's RFC 8555 strictness
# rules (issue 2, item 5), each checking the exact problem type.
#
# One cairnd (fresh data dir, mock DNS answering 127.0.0.1 for every name)
# and acme_probe.py, an ACME client written here in Python with its own JWS
# signing (ES256, ES384, RS256, EdDSA), independent of cairn's C code. The
# probe covers: directory and newNonce (RFC 8555 7.1.1, 7.2); POST-as-GET
# only, plain GET 405 (6.3); Content-Type 415 (6.2); alg none/HS256 and
# alg-key mismatches -> badSignatureAlgorithm with "algorithms" (6.2); jwk
# vs kid (6.2); protected url (6.4); nonces (6.5); duplicate JSON members,
# unprotected header, base64url padding, bad signatures (6.2); accounts and
# contacts (7.3); identifiers with subproblems (7.4, 6.7.1); a real http-01
# validation (8.3); finalize with bad and good CSRs (7.4); the certificate
# (chain, EKU, SAN, AKI/SKI, AIA, serial, 90 days); revocation (7.6); key
# rollover (7.3.5); deactivation (7.3.6); an oversized body. Every error must
# be application/problem+json with a fresh Replay-Nonce and Link rel="index".
# Prints "PASS|FAIL case".
#
# The expected problem types are cairnd's (where RFC 8555 leaves a choice),
# so this script always tests cairnd, whatever SERVER says.
#
# Environment: CAIRND (build/asan/cairnd when it exists, so that every
# malformed request also runs under ASan+UBSan; else build/cairnd), STRICT_DOMAIN (strict.example.test),
# plus those of lib.sh (PORT_RANGE, CAIRND_START_TIMEOUT, ...).
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
[[ -z ${CAIRND:-} && -x $T_ROOT/build/asan/cairnd ]] && export CAIRND=$T_ROOT/build/asan/cairnd

# Debian's python3 with python3-cryptography, not whatever python3 is first on PATH.
PY=/usr/bin/python3
PROBE=$T_ROOT/tests/integration/acme_probe.py

t_case_start
if ! "$PY" -c 'import cryptography' 2>/dev/null; then
  t_fail strictness-setup "$PY cannot import cryptography (apt-get install python3-cryptography)"
  exit 1
fi
if ! start_cairnd; then
  t_fail strictness-cairnd-start "could not start cairnd (log in $T_TMP)"
  exit 1
fi
# A failing case shows the tail of the server's log.
echo "$T_TMP/cairnd.log" > "$T_TMP/.last-log"

: > "$T_TMP/probe.log"
t_probe "$T_TMP/probe.log" env EXPECT_FINALIZE_VALID=1 \
  STRICT_DOMAIN="${STRICT_DOMAIN:-strict.example.test}" timeout -k 5 120 "$PY" "$PROBE"
done_line=$T_PROBE_DONE
if [[ -z $done_line ]]; then
  echo "$T_TMP/probe.log" > "$T_TMP/.last-log"
  t_fail strictness-probe-finished "the probe stopped early; see $T_TMP/probe.log"
  exit 1
fi
t_log "$done_line"
kill -0 "$CAIRND_PID" 2>/dev/null || { t_fail strictness-cairnd-alive "cairnd died during the probe"; exit 1; }
