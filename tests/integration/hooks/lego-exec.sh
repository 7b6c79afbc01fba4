#!/usr/bin/env bash
# lego-exec.sh — EXEC_PATH for lego's `--dns exec` provider (default mode):
#   lego-exec.sh present|cleanup FQDN. VALUE
# publishes / removes the TXT record in the mock DNS.
set -euo pipefail
# shellcheck source=../lib.sh
T_HOOK_MODE=1 source "$(dirname "$0")/../lib.sh"
[[ $# -eq 3 ]] || { echo "usage: $0 present|cleanup FQDN VALUE" >&2; exit 2; }
case $1 in
  present) dns_set_txt "$2" "$3" ;;
  cleanup) dns_clear_txt "$2" ;;
  *) echo "lego-exec: unknown command $1" >&2; exit 2 ;;
esac
