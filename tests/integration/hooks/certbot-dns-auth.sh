#!/usr/bin/env bash
# certbot-dns-auth.sh — certbot --manual-auth-hook for dns-01: publishes the
# TXT record _acme-challenge.$CERTBOT_DOMAIN = $CERTBOT_VALIDATION in the
# integration tests' mock DNS (pebble-challtestsrv, $CHALL_MGMT_PORT).
# For a wildcard certbot passes the name without "*.".
set -euo pipefail
# shellcheck source=../lib.sh
T_HOOK_MODE=1 source "$(dirname "$0")/../lib.sh"
: "${CERTBOT_DOMAIN:?}" "${CERTBOT_VALIDATION:?}"
dns_set_txt "_acme-challenge.$CERTBOT_DOMAIN" "$CERTBOT_VALIDATION"
