#!/usr/bin/env bash
# install-deps.sh — install the Debian 12 (bookworm) packages cairn needs.
#
# Usage:  scripts/install-deps.sh run|test
#   run   what building and running cairnd / cairn needs
#   test  all of run, plus what `make test` and `make bench` need: cmocka, clang (+ its
#         sanitizer/libFuzzer runtime), Pebble, certbot, lego, uacme, nginx,
#         DNS servers and tools, and the utilities the tests call
#         (and `make bench`: wrk, GNU time for peak RSS)
#
# Idempotent: asks dpkg-query first and does nothing when every package is
# already installed. Otherwise runs `apt-get update` once and
# `apt-get install --no-install-recommends` for the missing ones only.
# Works as root; as another user it uses sudo.
#
# Daemons among the packages (nginx, bind9) are not started by the install:
# if the machine has no /usr/sbin/policy-rc.d, a temporary one that forbids
# service starts is put in place for the duration of apt-get and removed
# afterwards. The tests start their own instances on loopback ports.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
die() { echo "install-deps: $*" >&2; exit 1; }

RUN_PKGS=(gcc make pkg-config libssl-dev libcurl4-openssl-dev libjansson-dev
          libsqlite3-dev libmicrohttpd-dev libunbound-dev libldns-dev libpq-dev
          openssl curl ca-certificates publicsuffix dns-root-data)
# libclang-rt-14-dev: clang's ASan/UBSan/libFuzzer runtime (only a Recommends
# of clang, which --no-install-recommends would skip; BUILD=fuzz needs it).
TEST_PKGS=(libcmocka-dev clang libclang-rt-14-dev pebble certbot python3-acme
           lego uacme nginx jq python3 util-linux procps iproute2 bind9
           bind9-utils ldnsutils knot-dnsutils wrk time strace)

[[ $# -eq 1 ]] || { usage >&2; exit 2; }
case $1 in
  run)  PKGS=("${RUN_PKGS[@]}") ;;
  test) PKGS=("${RUN_PKGS[@]}" "${TEST_PKGS[@]}") ;;
  -h|--help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac
MODE=$1

command -v dpkg-query >/dev/null || die "dpkg-query not found: this script is for Debian 12"
if [[ -r /etc/os-release ]]; then
  # shellcheck disable=SC1091
  os_id=$(. /etc/os-release && echo "${ID:-}:${VERSION_ID:-}")
  [[ $os_id == debian:12 ]] || echo "install-deps: warning: written for Debian 12, this is $os_id" >&2
fi

missing=()
for p in "${PKGS[@]}"; do
  st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ $st == installed ]] || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#PKGS[@]} packages for '$MODE' are installed"
  exit 0
fi
echo "install-deps: installing ${#missing[@]} missing package(s): ${missing[*]}"

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || die "not root and sudo is not installed; run as root"
  SUDO=(sudo)
fi

# Keep daemons from starting during the install (see header).
POLICY=/usr/sbin/policy-rc.d
made_policy=
remove_policy() { [[ -z $made_policy ]] || "${SUDO[@]}" rm -f "$POLICY"; }
trap remove_policy EXIT
if [[ ! -e $POLICY ]]; then
  printf '#!/bin/sh\n# temporary, from cairn scripts/install-deps.sh\nexit 101\n' |
    "${SUDO[@]}" tee "$POLICY" >/dev/null
  "${SUDO[@]}" chmod 755 "$POLICY"
  made_policy=1
fi

"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
  --no-install-recommends "${missing[@]}"

still=()
for p in "${missing[@]}"; do
  st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ $st == installed ]] || still+=("$p")
done
[[ ${#still[@]} -eq 0 ]] || die "still not installed after apt-get: ${still[*]}"
echo "install-deps: done"
