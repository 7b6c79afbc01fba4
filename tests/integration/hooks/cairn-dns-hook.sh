#!/usr/bin/env bash
# cairn-dns-hook.sh — cairn's --dns-hook for the mock DNS:
#   cairn-dns-hook.sh add|del FQDN VALUE
# publishes / removes the TXT record in pebble-challtestsrv (CHALL_MGMT_PORT,
# exported by start_challtestsrv). For the tests that watch or stop cairn:
#   CAIRN_HOOK_LOG    each call appends "ACTION FQDN" to this file;
#   CAIRN_HOOK_BLOCK  while this file exists, "add" creates
#                     CAIRN_HOOK_BLOCK.reached and waits (before publishing).
set -euo pipefail
# shellcheck source=../lib.sh
T_HOOK_MODE=1 source "$(dirname "$0")/../lib.sh"
[[ $# -eq 3 ]] || { echo "usage: $0 add|del FQDN VALUE" >&2; exit 2; }
[[ -z ${CAIRN_HOOK_LOG:-} ]] || echo "$1 $2" >> "$CAIRN_HOOK_LOG"
case $1 in
  add)
    if [[ -n ${CAIRN_HOOK_BLOCK:-} && -e $CAIRN_HOOK_BLOCK ]]; then
      : > "$CAIRN_HOOK_BLOCK.reached"
      while [[ -e $CAIRN_HOOK_BLOCK ]]; do sleep 0.05; done
    fi
    dns_set_txt "$2" "$3" ;;
  del) dns_clear_txt "$2" ;;
  *) echo "cairn-dns-hook: unknown action $1" >&2; exit 2 ;;
esac
