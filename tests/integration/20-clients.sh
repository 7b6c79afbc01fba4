#!/usr/bin/env bash
# 20-clients.sh — real, independently written ACME clients against one ACME
# server (RFC 8555 §7.3 accounts, §7.4 orders and finalization, §7.6
# revocation, §8.3 http-01, §8.4 dns-01, RFC 8737 tls-alpn-01).
#
# For each client x challenge — certbot, lego and uacme with http-01 and
# dns-01, lego with tls-alpn-01 — in a fresh work dir: issue (new account +
# certificate for two names; dns-01 uses NAME and *.NAME), renew (forced; the
# serial must change) and revoke (reason REVOKE_REASON, confirmed by the
# server). Every certificate is checked with openssl (SANs, validity, key,
# chain to the server's issuing root for sslserver). Prints
# "PASS|FAIL CLIENT-CHALLENGE-ACTION (T s)".
#
# Environment:
#   SERVER         cairnd (default) | pebble — the server under test
#   CLIENTS        subset of "certbot lego uacme"
#   CHALLENGES     subset of "http-01 dns-01 tls-alpn-01"
#   DOMAIN_SUFFIX  names are CLIENT-CHAL.$DOMAIN_SUFFIX [example.test]; they
#                  resolve (A 127.0.0.1 only) through the mock DNS alone
# plus those of lib.sh (PORT_RANGE, CAIRND, CLIENT_TIMEOUT, ...).
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

SERVER=${SERVER:-cairnd}
CLIENTS=${CLIENTS:-certbot lego uacme}
CHALLENGES=${CHALLENGES:-http-01 dns-01 tls-alpn-01}
SUFFIX=${DOMAIN_SUFFIX:-example.test}
# Client x challenge pairs this test knows how to drive.
COMBOS=(certbot:http-01 certbot:dns-01 lego:http-01 lego:dns-01 lego:tls-alpn-01
        uacme:http-01 uacme:dns-01)

t_case_start
if ! start_server "$SERVER"; then
  t_fail "$SERVER-start" "could not start $SERVER (log in $T_TMP)"
  exit 1
fi

for combo in "${COMBOS[@]}"; do
  client=${combo%%:*} chal=${combo#*:}
  [[ " $CLIENTS " == *" $client "* && " $CHALLENGES " == *" $chal "* ]] || continue
  base=$client-${chal%%-*}.$SUFFIX
  if [[ $chal == dns-01 ]]; then names=("$base" "*.$base"); else names=("$base" "www.$base"); fi
  wd=$T_TMP/$client-$chal
  failed_step=
  for action in issue renew revoke; do
    name=$client-$chal-$action
    if [[ -n $failed_step ]]; then
      t_case_start
      t_fail "$name" "not run: $client-$chal-$failed_step failed"
      continue
    fi
    t_case_start
    if cert=$("client_$action" "$client" "$chal" "$wd" "${names[@]}"); then
      t_log "$name: $cert"
      t_pass "$name"
    else
      t_fail "$name"
      failed_step=$action
    fi
  done
done
