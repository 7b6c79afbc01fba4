#!/usr/bin/env bash
# uacme-hook.sh — uacme --hook program: METHOD TYPE IDENT TOKEN AUTH.
# Accepts only the challenge type in $UACME_CHALLENGE (any other exit code
# than 0 from "begin" declines a type, and uacme tries the next offered one).
#   http-01: AUTH goes to $UACME_WEBROOT/.well-known/acme-challenge/TOKEN
#   dns-01 : TXT _acme-challenge.IDENT = AUTH (already the base64url digest)
set -euo pipefail
# shellcheck source=../lib.sh
T_HOOK_MODE=1 source "$(dirname "$0")/../lib.sh"
[[ $# -eq 5 ]] || { echo "usage: $0 METHOD TYPE IDENT TOKEN AUTH" >&2; exit 2; }
method=$1 type=$2 ident=${3#\*.} token=$4 auth=$5
[[ $type == "${UACME_CHALLENGE:?}" ]] || exit 1
[[ $token =~ ^[A-Za-z0-9_-]+$ ]] || { echo "uacme-hook: bad token" >&2; exit 1; }
case $method:$type in
  begin:http-01) printf '%s' "$auth" > "${UACME_WEBROOT:?}/.well-known/acme-challenge/$token" ;;
  done:http-01|failed:http-01) rm -f "${UACME_WEBROOT:?}/.well-known/acme-challenge/$token" ;;
  begin:dns-01) dns_set_txt "_acme-challenge.$ident" "$auth" ;;
  done:dns-01|failed:dns-01) dns_clear_txt "_acme-challenge.$ident" ;;
  *) exit 1 ;;
esac
