#!/usr/bin/env bash
# certbot-dns-cleanup.sh — certbot --manual-cleanup-hook for dns-01: removes
# the TXT records of _acme-challenge.$CERTBOT_DOMAIN from the mock DNS.
set -euo pipefail
# shellcheck source=../lib.sh
T_HOOK_MODE=1 source "$(dirname "$0")/../lib.sh"
: "${CERTBOT_DOMAIN:?}"
dns_clear_txt "_acme-challenge.$CERTBOT_DOMAIN"
