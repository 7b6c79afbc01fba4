# lib.sh — shared helpers for tests/integration/NN-*.sh (sourced, never run).
#
# Usage, at the top of an integration script:
#     source "$(dirname "$0")/lib.sh"
#
# Sourcing it:
#   * re-executes the script inside a private network namespace that has only
#     a loopback interface (as root, with unshare; ISOLATE_NET=0 turns this
#     off), so no test can send traffic to any other address;
#   * creates a temp dir T_TMP, removed at exit, or moved to
#     build/test-logs/<script>/ when a case failed or the script died;
#   * installs a trap that stops every process started through this file.
#
# Results:   t_pass NAME | t_fail NAME [WHY] -> "PASS NAME" / "FAIL NAME" on
#            stdout (with the case time when t_case_start ran); WHY and the
#            tail of the relevant log go to stderr (and to $T_FAIL_DETAILS
#            when tests/run set it).
# Helpers:   free_port, poll_until TIMEOUT_S CMD..., t_bg NAME CMD...,
#            t_stop PID, t_case_start, t_log.
# Servers:   start_challtestsrv, dns_set_txt FQDN VALUE, dns_clear_txt FQDN,
#            start_pebble, start_cairnd, start_server pebble|cairnd,
#            server_cert_status CERT ("valid" | "revoked CODE").
# Clients:   client_issue|client_renew|client_revoke CLIENT CHALLENGE WORKDIR NAME...
#            (CLIENT certbot|lego|uacme; CHALLENGE http-01|dns-01|tls-alpn-01)
#
# Environment: PORT_RANGE (default 20000-29999), ISOLATE_NET (1), CAIRND
# (build/cairnd), CLIENT_TIMEOUT (180 s per client run), REVOKE_REASON (4),
# ACME_EMAIL (lego's account contact, which lego insists on), T_KEEP_TMP (1:
# keep the temp dir where it is), CAIRND_START_TIMEOUT (30 s), CAIRND_ARGS (extra
# cairnd options, after the defaults of start_cairnd).
#
# Hooks (tests/integration/hooks/) source this file with T_HOOK_MODE=1: they
# get the helper functions only (no namespace, temp dir or trap).
# shellcheck shell=bash disable=SC2034

[[ ${BASH_SOURCE[0]} != "$0" ]] || { echo "lib.sh is meant to be sourced" >&2; exit 2; }
set -uo pipefail

T_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
T_HOOKS=$T_ROOT/tests/integration/hooks
T_NAME=$(basename "$0" .sh)

# t_log MSG — progress on stderr; during a case also kept for t_fail to show.
t_log() {
  printf '[%s] %s\n' "$T_NAME" "$*" >&2
  [[ -z ${T_TMP:-} || ! -d $T_TMP ]] || printf '%s\n' "$*" >> "$T_TMP/.case-log"
}
t_now() { printf '%s' "${EPOCHREALTIME/,/.}"; }

# ------------------------------------------------------------------ ports ---
# free_port — print a port from PORT_RANGE (lo-hi) that no TCP or UDP socket
# uses and that this script has not handed out before.
free_port() {
  local lo hi p i used
  IFS=- read -r lo hi <<< "${PORT_RANGE:-20000-29999}"
  [[ $lo =~ ^[0-9]+$ && $hi =~ ^[0-9]+$ && $lo -le $hi ]] || { t_log "bad PORT_RANGE '${PORT_RANGE:-}'"; return 1; }
  used=$(ss -Htuan 2>/dev/null | awk '{n = split($5, a, ":"); print a[n]}')
  [[ -n ${T_TMP:-} ]] && used+=$'\n'$(cat "$T_TMP/.ports" 2>/dev/null)
  for ((i = 0; i < 500; i++)); do
    p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
    grep -qx "$p" <<< "$used" && continue
    [[ -n ${T_TMP:-} ]] && echo "$p" >> "$T_TMP/.ports"
    echo "$p"
    return 0
  done
  t_log "no free port in ${PORT_RANGE:-20000-29999}"
  return 1
}

# poll_until TIMEOUT_S CMD... — run CMD every 0.1 s until it succeeds (0) or
# TIMEOUT_S seconds passed (1). CMD's output is discarded. A CMD that exits
# 255 means "give up now" (e.g. the server it waits for died): returns 1.
poll_until() {
  local timeout=$1; shift
  local end rc
  end=$(awk -v n="$(t_now)" -v t="$timeout" 'BEGIN { printf "%.0f", (n + t) * 1000 }')
  while :; do
    rc=0; "$@" >/dev/null 2>&1 || rc=$?
    [[ $rc -eq 0 ]] && return 0
    [[ $rc -eq 255 ]] && return 1
    (( $(awk -v n="$(t_now)" 'BEGIN { printf "%.0f", n * 1000 }') >= end )) && return 1
    sleep 0.1
  done
}

# ------------------------------------------------------------- processes ---
# t_bg NAME CMD... — start CMD in the background, output to $T_TMP/NAME.log;
# sets T_BG_PID. Every such process is stopped at exit (or by t_stop).
t_bg() {
  local name=$1; shift
  "$@" >"$T_TMP/$name.log" 2>&1 </dev/null &
  T_BG_PID=$!
  echo "$T_BG_PID $name" >> "$T_TMP/.pids"
}

# t_stop PID... — TERM, then KILL after 5 s.
t_stop() {
  local p i
  for p in "$@"; do kill -TERM "$p" 2>/dev/null; done
  for p in "$@"; do
    for ((i = 0; i < 50; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  return 0
}

# ---------------------------------------------------------------- results ---
# t_probe LOG CMD... — runs a probe (a Python client of tests/integration)
# whose stdout lines "PASS name" and "FAIL name: why" become this script's
# cases, "DONE ..." its summary (in T_PROBE_DONE; empty when the probe
# stopped early); other lines go to the log, stderr to LOG. Each case is
# timed from the line before it.
t_probe() {
  local log=$1 line rest
  shift
  T_PROBE_DONE=
  T_CASE_T0=$(t_now)
  while IFS= read -r line; do
    case $line in
      "PASS "*) t_pass "${line#PASS }" ;;
      "FAIL "*)
        rest=${line#FAIL }
        t_fail "${rest%%: *}" "${rest#*: }" ;;
      "DONE "*) T_PROBE_DONE=$line ;;
      *) t_log "probe: $line" ;;
    esac
    T_CASE_T0=$(t_now)
  done < <("$@" 2>>"$log")
}
t_case_start() { T_CASE_T0=$(t_now); : > "$T_TMP/.last-log"; : > "$T_TMP/.case-log"; }
t_case_time() {
  [[ -n ${T_CASE_T0:-} ]] || return 0
  awk -v a="$T_CASE_T0" -v b="$(t_now)" 'BEGIN { printf " (%.1f s)", b - a }'
}
t_pass() {
  echo "PASS $1$(t_case_time)"
  T_CASE_T0=
}
t_fail() {
  local name=$1 why=${2:-} lastlog=''
  echo "FAIL $name$(t_case_time)"
  T_CASE_T0=
  echo 1 > "$T_TMP/.failed"
  [[ -s $T_TMP/.last-log ]] && lastlog=$(cat "$T_TMP/.last-log")
  {
    echo "---- FAIL $T_NAME: $name${why:+: $why}"
    [[ -s $T_TMP/.case-log ]] && sed 's/^/     /' "$T_TMP/.case-log"
    if [[ -n $lastlog && -f $lastlog ]]; then
      echo "     last lines of $lastlog:"
      tail -n 25 "$lastlog" | sed 's/^/     | /'
    fi
  } | _t_paths | if [[ -n ${T_FAIL_DETAILS:-} ]]; then tee -a "$T_FAIL_DETAILS" >&2; else cat >&2; fi
  : > "$T_TMP/.case-log"
}
# Paths in failure reports name the place T_TMP is moved to at exit.
_t_paths() {
  if [[ ${T_KEEP_TMP:-0} == 1 ]]; then cat; else sed "s|$T_TMP|build/test-logs/$T_NAME|g"; fi
}

# ----------------------------------------------------------- mock DNS ---
# start_challtestsrv — pebble-challtestsrv as DNS server only: every A query
# answers 127.0.0.1, AAAA answers nothing. Exports DNS_PORT, CHALL_MGMT_PORT.
start_challtestsrv() {
  command -v pebble-challtestsrv >/dev/null || { t_log "pebble-challtestsrv not installed"; return 1; }
  DNS_PORT=$(free_port) && CHALL_MGMT_PORT=$(free_port) || return 1
  export DNS_PORT CHALL_MGMT_PORT
  t_bg challtestsrv pebble-challtestsrv -defaultIPv4 127.0.0.1 -defaultIPv6 "" \
    -dns01 "127.0.0.1:$DNS_PORT" -management "127.0.0.1:$CHALL_MGMT_PORT" \
    -http01 "" -https01 "" -tlsalpn01 ""
  CHALLTESTSRV_PID=$T_BG_PID
  if ! poll_until 15 _dns_ready; then
    t_log "challtestsrv did not come up; log:"; tail -n 20 "$T_TMP/challtestsrv.log" >&2
    return 1
  fi
  t_log "challtestsrv: DNS 127.0.0.1:$DNS_PORT, management 127.0.0.1:$CHALL_MGMT_PORT"
}
_dns_ready() {
  kill -0 "$CHALLTESTSRV_PID" 2>/dev/null || return 255
  curl -fsS -m 2 -o /dev/null -X POST -d '{"host":"ready.probe."}' "http://127.0.0.1:$CHALL_MGMT_PORT/clear-txt" &&
    [[ $(dns_query ready.probe A) == 127.0.0.1 ]]
}

# dns_query NAME TYPE — ask the mock DNS server (UDP) and print the answers
# (A addresses or TXT strings), one a line. Needs python3 only.
dns_query() {
  python3 - "$1" "$2" "$DNS_PORT" <<'EOF'
import random, socket, struct, sys
name, qtype, port = sys.argv[1], {"A": 1, "TXT": 16, "AAAA": 28}[sys.argv[2]], int(sys.argv[3])
qid = random.randrange(65536)
q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
for label in name.rstrip(".").split("."):
    q += bytes([len(label)]) + label.encode()
q += b"\0" + struct.pack(">HH", qtype, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
s.sendto(q, ("127.0.0.1", port))
r = s.recv(4096)
rid, flags, qd, an = struct.unpack(">HHHH", r[:8])
if rid != qid or flags & 0xF != 0:
    sys.exit(1)
def skip_name(p):
    while True:
        n = r[p]
        if n == 0: return p + 1
        if n & 0xC0 == 0xC0: return p + 2
        p += n + 1
p = 12
for _ in range(qd): p = skip_name(p) + 4
for _ in range(an):
    p = skip_name(p)
    t, _c, _ttl, ln = struct.unpack(">HHIH", r[p:p + 10]); p += 10
    d = r[p:p + ln]; p += ln
    if t == 1 and qtype == 1: print(socket.inet_ntoa(d))
    elif t == 28 and qtype == 28: print(socket.inet_ntop(socket.AF_INET6, d))
    elif t == 16 and qtype == 16:
        i = 0
        while i < len(d):
            print(d[i + 1:i + 1 + d[i]].decode()); i += 1 + d[i]
EOF
}

_json_str() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }
# dns_set_txt FQDN VALUE — add a TXT value (challtestsrv keeps every value added).
dns_set_txt() {
  local fqdn=${1%.}.
  curl -fsS -m 5 -o /dev/null -X POST \
    -d "{\"host\":\"$(_json_str "$fqdn")\",\"value\":\"$(_json_str "$2")\"}" \
    "http://127.0.0.1:${CHALL_MGMT_PORT:?}/set-txt"
}
# dns_clear_txt FQDN — remove every TXT value of FQDN.
dns_clear_txt() {
  local fqdn=${1%.}.
  curl -fsS -m 5 -o /dev/null -X POST -d "{\"host\":\"$(_json_str "$fqdn")\"}" \
    "http://127.0.0.1:${CHALL_MGMT_PORT:?}/clear-txt"
}

# --------------------------------------------------------------- servers ---
_challenge_ports() {
  [[ -n ${HTTP01_PORT:-} ]] || { HTTP01_PORT=$(free_port) || return 1; }
  [[ -n ${TLSALPN01_PORT:-} ]] || { TLSALPN01_PORT=$(free_port) || return 1; }
  export HTTP01_PORT TLSALPN01_PORT
}

# start_pebble — Pebble on free ports with its own config and a throw-away
# TLS certificate for 127.0.0.1/localhost, validating through the mock DNS
# (started first if needed). Exports ACME_DIRECTORY, ACME_CA_BUNDLE,
# ACME_ISSUER_ROOT, PEBBLE_MGMT_URL, HTTP01_PORT, TLSALPN01_PORT, ACME_SERVER.
start_pebble() {
  command -v pebble >/dev/null || { t_log "pebble not installed"; return 1; }
  [[ -n ${DNS_PORT:-} ]] || start_challtestsrv || return 1
  _challenge_ports || return 1
  local d=$T_TMP/pebble port mport
  port=$(free_port) && mport=$(free_port) || return 1
  mkdir -p "$d"
  _make_tls_cert "$d" || return 1
  cat > "$d/config.json" <<EOF
{
  "pebble": {
    "listenAddress": "127.0.0.1:$port",
    "managementListenAddress": "127.0.0.1:$mport",
    "certificate": "$d/server.pem",
    "privateKey": "$d/server.key",
    "httpPort": $HTTP01_PORT,
    "tlsPort": $TLSALPN01_PORT,
    "ocspResponderURL": "",
    "externalAccountBindingRequired": false
  }
}
EOF
  # NOSLEEP: no random validation delay; NONCEREJECT=0: no artificial badNonce;
  # AUTHZREUSE=0: every order (renewals too) really validates its challenges.
  t_bg pebble env PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 \
    pebble -config "$d/config.json" -dnsserver "127.0.0.1:$DNS_PORT"
  PEBBLE_PID=$T_BG_PID
  export ACME_DIRECTORY=https://127.0.0.1:$port/dir ACME_CA_BUNDLE=$d/ca.pem
  export PEBBLE_MGMT_URL=https://127.0.0.1:$mport ACME_SERVER=pebble
  if ! poll_until 30 _server_ready "$PEBBLE_PID"; then
    t_log "pebble did not come up; log:"; tail -n 20 "$T_TMP/pebble.log" >&2
    return 1
  fi
  curl -fsS -m 5 --cacert "$ACME_CA_BUNDLE" -o "$d/root.pem" "$PEBBLE_MGMT_URL/roots/0" ||
    { t_log "cannot fetch Pebble's issuing root"; return 1; }
  export ACME_ISSUER_ROOT=$d/root.pem
  t_log "pebble: $ACME_DIRECTORY (http-01 port $HTTP01_PORT, tls-alpn-01 port $TLSALPN01_PORT)"
}
_server_ready() {
  kill -0 "$1" 2>/dev/null || return 255
  curl -fsS -m 2 --cacert "$ACME_CA_BUNDLE" -o /dev/null "$ACME_DIRECTORY"
}
# _make_tls_cert DIR — DIR/ca.pem (trust anchor), DIR/server.{pem,key} for 127.0.0.1/::1/localhost.
_make_tls_cert() {
  local d=$1
  {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
      -subj "/CN=cairn integration test TLS root" -keyout "$d/ca.key" -out "$d/ca.pem" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" &&
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
      -keyout "$d/server.key" -out "$d/server.csr" &&
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
      "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" > "$d/server.ext" &&
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
      -days 30 -extfile "$d/server.ext" -out "$d/server.pem"
  } >"$d/openssl.log" 2>&1 || { t_log "openssl failed:"; cat "$d/openssl.log" >&2; return 1; }
}

# start_cairnd — ${CAIRND:-build/cairnd} with a fresh data dir, validating
# through the mock DNS (started first if needed; set DNS_PORT to use another
# server). Extra options in CAIRND_ARGS (split on white space; they come last,
# so they override: --allow-private-targets=false). Exports ACME_DIRECTORY,
# ACME_CA_BUNDLE (DIR/api-ca.pem), ACME_ISSUER_ROOT (DIR/root.pem),
# CAIRND_DATA, HTTP01_PORT, TLSALPN01_PORT, ACME_SERVER.
start_cairnd() {
  local bin=${CAIRND:-$T_ROOT/build/cairnd} port extra=()
  read -ra extra <<< "${CAIRND_ARGS:-}"
  [[ $bin == /* ]] || bin=$T_ROOT/$bin
  [[ -x $bin ]] || { t_log "cairnd binary $bin not found (run make first)"; return 1; }
  [[ -n ${DNS_PORT:-} ]] || start_challtestsrv || return 1
  _challenge_ports || return 1
  port=$(free_port) || return 1
  CAIRND_HTTP_PORT=$(free_port) || return 1
  export CAIRND_BIN=$bin CAIRND_DATA=$T_TMP/cairnd ACME_SERVER=cairnd CAIRND_HTTP_PORT
  mkdir -p "$CAIRND_DATA"
  t_bg cairnd "$bin" --data "$CAIRND_DATA" --listen "127.0.0.1:$port" \
    --http-listen "127.0.0.1:$CAIRND_HTTP_PORT" --resolver "127.0.0.1:$DNS_PORT" --http01-port "$HTTP01_PORT" \
    --tlsalpn01-port "$TLSALPN01_PORT" --allow-private-targets "${extra[@]}"
  CAIRND_PID=$T_BG_PID
  export ACME_DIRECTORY=https://127.0.0.1:$port/directory ACME_CA_BUNDLE=$CAIRND_DATA/api-ca.pem
  export ACME_ISSUER_ROOT=$CAIRND_DATA/root.pem
  if ! poll_until "${CAIRND_START_TIMEOUT:-30}" _cairnd_ready; then
    t_log "cairnd did not come up; log:"; tail -n 30 "$T_TMP/cairnd.log" >&2
    return 1
  fi
  [[ -s $ACME_ISSUER_ROOT ]] || { t_log "cairnd did not write $ACME_ISSUER_ROOT"; return 1; }
  t_log "cairnd: $ACME_DIRECTORY (http-01 port $HTTP01_PORT, tls-alpn-01 port $TLSALPN01_PORT)"
}
_cairnd_ready() { [[ -s $ACME_CA_BUNDLE ]] && _server_ready "$CAIRND_PID"; }

# start_server pebble|cairnd
start_server() {
  case $1 in
    pebble) start_pebble ;;
    cairnd) start_cairnd ;;
    *) t_log "unknown server '$1' (pebble|cairnd)"; return 1 ;;
  esac
}

# server_cert_status CERT — ask the server (not the client) about CERT's
# serial; prints "valid" or "revoked CODE" (CODE = CRL reason code).
server_cert_status() {
  local serial out st reason
  serial=$(openssl x509 -in "$1" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f') || return 1
  case ${ACME_SERVER:-} in
    pebble)
      out=$(curl -fsS -m 5 --cacert "$ACME_CA_BUNDLE" \
            "$PEBBLE_MGMT_URL/cert-status-by-serial/$(sed 's/^0*//' <<< "$serial")") || return 1
      st=$(jq -r .Status <<< "$out") || return 1
      case $st in
        Valid) echo valid ;;
        Revoked) reason=$(jq -r '.Reason // 0' <<< "$out"); echo "revoked $reason" ;;
        *) t_log "pebble: unexpected status '$st'"; return 1 ;;
      esac ;;
    cairnd)
      # The serial as openssl prints it; without leading zero bytes if unknown so.
      out=$("$CAIRND_BIN" admin --data "$CAIRND_DATA" cert-status "$serial" 2>>"$T_TMP/cairnd-admin.log") ||
        out=$("$CAIRND_BIN" admin --data "$CAIRND_DATA" cert-status "$(sed 's/^0*//' <<< "$serial")" 2>>"$T_TMP/cairnd-admin.log") ||
        return 1
      read -r st reason _ <<< "$out"
      echo "$st${reason:+ $reason}" ;;
    *) t_log "ACME_SERVER not set: start a server first"; return 1 ;;
  esac
}

# ------------------------------------------------------------ checks ---
# t_cert_check CERT KEY CHAIN NAME... — CERT (leaf, or full chain leaf first)
# parses; every NAME is a dNSName SAN; it is valid now; KEY matches; the
# chain (CERT's extra blocks + CHAIN) verifies to ACME_ISSUER_ROOT for
# sslserver. Returns 1 with the reason on stderr.
t_cert_check() {
  local cert=$1 key=$2 chain=$3; shift 3
  local d n sans
  [[ -s $cert ]] || { t_log "certificate $cert missing or empty"; return 1; }
  d=$(mktemp -d "$T_TMP/check.XXXXXX")
  awk -v d="$d" '/-----BEGIN CERTIFICATE-----/ { n++ }
                 n == 1 { print > (d "/leaf.pem") } n > 1 { print > (d "/rest.pem") }' "$cert"
  [[ -n $chain && -s $chain ]] && cat "$chain" >> "$d/rest.pem"
  openssl x509 -in "$d/leaf.pem" -noout 2>/dev/null || { t_log "$cert does not parse as X.509"; return 1; }
  sans=$(openssl x509 -in "$d/leaf.pem" -noout -ext subjectAltName 2>/dev/null |
         tail -n +2 | tr ',' '\n' | sed -n 's/^ *DNS://p' | tr '[:upper:]' '[:lower:]')
  for n in "$@"; do
    grep -qxF "$(tr '[:upper:]' '[:lower:]' <<< "$n")" <<< "$sans" ||
      { t_log "SANs [${sans//$'\n'/ }] of $cert lack $n"; return 1; }
  done
  openssl x509 -in "$d/leaf.pem" -noout -checkend 0 >/dev/null || { t_log "$cert is expired"; return 1; }
  [[ $(openssl x509 -in "$d/leaf.pem" -noout -startdate | cut -d= -f2 | date -f - +%s) -le $(date +%s) ]] ||
    { t_log "$cert is not valid yet"; return 1; }
  [[ -s $key ]] || { t_log "private key $key missing"; return 1; }
  [[ $(openssl x509 -in "$d/leaf.pem" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum) == \
     $(openssl pkey -in "$key" -pubout -outform DER | sha256sum) ]] ||
    { t_log "key $key does not match $cert"; return 1; }
  local untrusted=()
  [[ -s $d/rest.pem ]] && untrusted=(-untrusted "$d/rest.pem")
  openssl verify -purpose sslserver -CAfile "$ACME_ISSUER_ROOT" "${untrusted[@]}" "$d/leaf.pem" \
    >"$d/verify.out" 2>&1 || { t_log "chain of $cert does not verify to $ACME_ISSUER_ROOT:"; cat "$d/verify.out" >&2; return 1; }
  t_log "ok $cert: serial $(_serial "$d/leaf.pem"), SANs [${sans//$'\n'/ }]"
  rm -rf "$d"
}
_serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }

# -------------------------------------------------------------- clients ---
# Every client keeps its state in WORKDIR/CLIENT and its logs in
# WORKDIR/logs; WORKDIR/CLIENT/last-cert holds the path of the newest
# certificate (for renew and revoke). The functions print the certificate
# path on stdout and return 0, or return 1 with the reason on stderr.

# _run LOGNAME CMD... — run a client with a time limit, output to a log that
# t_fail shows.
_run() {
  local logf=$C_LOGS/$C_CLIENT-$C_ACTION-$1.log rc=0; shift
  echo "$logf" > "$T_TMP/.last-log"
  t_log "$C_CLIENT $C_ACTION: $* (log $logf)"
  # --foreground: the client stays in our process group, so a timeout or
  # Ctrl-C aimed at the whole test (tests/run) reaches it too.
  timeout --foreground -k 5 "${CLIENT_TIMEOUT:-180}" "$@" >"$logf" 2>&1 </dev/null || rc=$?
  [[ $rc -eq 0 ]] && return 0
  if [[ $rc -eq 124 ]]; then t_log "$C_CLIENT $C_ACTION timed out after ${CLIENT_TIMEOUT:-180} s"
  else t_log "$C_CLIENT $C_ACTION exited $rc"; fi
  return 1
}

_client_setup() { # ACTION CLIENT CHALLENGE WORKDIR NAME...
  C_ACTION=$1 C_CLIENT=$2 C_CHAL=$3 C_WD=$4; shift 4
  C_NAMES=("$@")
  [[ ${#C_NAMES[@]} -gt 0 ]] || { t_log "no names given"; return 1; }
  case $C_CLIENT in certbot|lego|uacme) ;; *) t_log "unknown client $C_CLIENT"; return 1 ;; esac
  case $C_CHAL in http-01|dns-01|tls-alpn-01) ;; *) t_log "unknown challenge $C_CHAL"; return 1 ;; esac
  command -v "$C_CLIENT" >/dev/null || { t_log "$C_CLIENT is not installed"; return 1; }
  [[ -n ${ACME_DIRECTORY:-} && -s ${ACME_CA_BUNDLE:-} && -s ${ACME_ISSUER_ROOT:-} ]] ||
    { t_log "no server: ACME_DIRECTORY / ACME_CA_BUNDLE / ACME_ISSUER_ROOT unset"; return 1; }
  mkdir -p "$C_WD" || return 1
  C_WD=$(cd "$C_WD" && pwd)
  C_DIR=$C_WD/$C_CLIENT C_LOGS=$C_WD/logs
  mkdir -p "$C_DIR" "$C_LOGS"
  C_FIRST=${C_NAMES[0]#\*.}
}

# certbot: trust via REQUESTS_CA_BUNDLE; always --server; state in C_DIR.
_certbot() {
  local logname=$1; shift
  _run "$logname" env REQUESTS_CA_BUNDLE="$ACME_CA_BUNDLE" CHALL_MGMT_PORT="${CHALL_MGMT_PORT:-}" \
    certbot --config-dir "$C_DIR/config" --work-dir "$C_DIR/work" --logs-dir "$C_DIR/log" \
    --non-interactive --server "$ACME_DIRECTORY" "$@"
}
_certbot_paths() {
  C_CERT=$(readlink -f "$C_DIR/config/live/$C_FIRST/cert.pem")
  C_KEY=$C_DIR/config/live/$C_FIRST/privkey.pem C_CHAIN=$C_DIR/config/live/$C_FIRST/chain.pem
}
_certbot_issue() {
  local ch=() n d=()
  case $C_CHAL in
    http-01) ch=(--standalone --preferred-challenges http-01 --http-01-port "$HTTP01_PORT"
                 --http-01-address 127.0.0.1) ;;
    dns-01)  ch=(--manual --preferred-challenges dns-01
                 --manual-auth-hook "$T_HOOKS/certbot-dns-auth.sh"
                 --manual-cleanup-hook "$T_HOOKS/certbot-dns-cleanup.sh") ;;
    *) t_log "certbot has no $C_CHAL authenticator"; return 1 ;;
  esac
  for n in "${C_NAMES[@]}"; do d+=(-d "$n"); done
  _certbot issue certonly --agree-tos --register-unsafely-without-email "${ch[@]}" \
    --cert-name "$C_FIRST" "${d[@]}" || return 1
  _certbot_paths
}
_certbot_renew() {
  # Challenge settings come from the renewal config written at issue time.
  # --no-random-sleep-on-renew: without a TTY certbot sleeps up to 8 min first.
  _certbot renew renew --cert-name "$C_FIRST" --force-renewal --no-random-sleep-on-renew || return 1
  _certbot_paths
}
_certbot_revoke() {
  _certbot_paths
  _certbot revoke revoke --cert-name "$C_FIRST" --reason "$(_reason_name)" --no-delete-after-revoke
}
_reason_name() {
  case ${REVOKE_REASON:-4} in
    0) echo unspecified ;; 1) echo keycompromise ;; 3) echo affiliationchanged ;;
    4) echo superseded ;; 5) echo cessationofoperation ;; *) echo unspecified ;;
  esac
}

# lego: trust via LEGO_CA_CERTIFICATES; no stored config, so every call
# repeats the challenge flags.
_lego() {
  local logname=$1 cmd=$2; shift 2
  local a=(--server "$ACME_DIRECTORY" --path "$C_DIR" --accept-tos --email "${ACME_EMAIL:-cairn-test@example.com}") n
  for n in "${C_NAMES[@]}"; do a+=(-d "$n"); done
  case $C_CHAL in
    http-01)     a+=(--http --http.port "127.0.0.1:$HTTP01_PORT") ;;
    tls-alpn-01) a+=(--tls --tls.port "127.0.0.1:$TLSALPN01_PORT") ;;
    # lego checks the TXT record itself first: only ever through the mock DNS,
    # and without the SOA/NS walk to authoritative servers (--dns.disable-cp).
    dns-01)      a+=(--dns exec --dns.resolvers "127.0.0.1:$DNS_PORT" --dns.disable-cp) ;;
  esac
  # EXEC_SEQUENCE_INTERVAL: the exec provider solves names 60 s apart by default.
  _run "$logname" env LEGO_CA_CERTIFICATES="$ACME_CA_BUNDLE" CHALL_MGMT_PORT="${CHALL_MGMT_PORT:-}" \
    EXEC_PATH="$T_HOOKS/lego-exec.sh" EXEC_POLLING_INTERVAL=1 EXEC_PROPAGATION_TIMEOUT=60 \
    EXEC_SEQUENCE_INTERVAL=1 lego "${a[@]}" "$cmd" "$@"
}
_lego_paths() {
  local base=${C_NAMES[0]//\*/_}
  C_CERT=$C_DIR/certificates/$base.crt C_KEY=$C_DIR/certificates/$base.key
  C_CHAIN=$C_DIR/certificates/$base.issuer.crt
}
_lego_issue() { _lego issue run || return 1; _lego_paths; }
# No --force: renew when fewer than --days days remain; --no-random-sleep or it sleeps up to 8 min.
_lego_renew() { _lego renew renew --days 1000000 --no-random-sleep || return 1; _lego_paths; }
_lego_revoke() { _lego_paths; _lego revoke revoke --keep --reason "${REVOKE_REASON:-4}"; }

# uacme: no CA option, and its libcurl-gnutls trusts the directory
# /etc/ssl/certs only: run it in a private mount namespace with our bundle
# bind-mounted there (needs root). -o: never make OCSP requests.
_uacme() {
  local logname=$1; shift
  local t=$C_DIR/trust
  rm -rf "$t" && mkdir -p "$t" && cp "$ACME_CA_BUNDLE" "$t/ca-certificates.crt" &&
    cp "$ACME_CA_BUNDLE" "$t/cairn-test-ca.pem" || return 1
  _run "$logname" unshare -m --propagation private \
    sh -c 'mount --bind "$1" /etc/ssl/certs && shift && exec "$@"' sh "$t" \
    env CHALL_MGMT_PORT="${CHALL_MGMT_PORT:-}" UACME_CHALLENGE="$C_CHAL" UACME_WEBROOT="$C_DIR/webroot" \
    uacme -v -o -a "$ACME_DIRECTORY" -c "$C_DIR/conf" -y "$@"
}
_uacme_paths() { C_CERT=$C_DIR/conf/$C_FIRST/cert.pem C_KEY=$C_DIR/conf/private/$C_FIRST/key.pem C_CHAIN=; }
# _uacme_order LOGNAME ARGS... — account (once), then an order; http-01 gets
# a webroot server on HTTP01_PORT for the duration of the run.
_uacme_order() {
  local logname=$1; shift
  local web='' rc=0
  [[ $(id -u) -eq 0 ]] || { t_log "uacme needs root (unshare -m to trust the test CA)"; return 1; }
  case $C_CHAL in
    http-01|dns-01) ;;
    *) t_log "uacme: $C_CHAL would need the ualpn daemon; not supported here"; return 1 ;;
  esac
  if [[ ! -e $C_DIR/account-created ]]; then
    _uacme account new || return 1
    touch "$C_DIR/account-created"
  fi
  if [[ $C_CHAL == http-01 ]]; then
    mkdir -p "$C_DIR/webroot/.well-known/acme-challenge"
    t_bg "webroot-$HTTP01_PORT" python3 -m http.server --bind 127.0.0.1 --directory "$C_DIR/webroot" "$HTTP01_PORT"
    web=$T_BG_PID
    poll_until 10 curl -fsS -m 1 -o /dev/null "http://127.0.0.1:$HTTP01_PORT/" ||
      { t_log "webroot server did not start"; t_stop "$web"; return 1; }
  fi
  _uacme "$logname" -h "$T_HOOKS/uacme-hook.sh" "$@" || rc=1
  [[ -z $web ]] || t_stop "$web"
  [[ $rc -eq 0 ]] || return 1
  _uacme_paths
}
_uacme_issue() { _uacme_order issue issue "${C_NAMES[@]}"; }
_uacme_renew() { _uacme_order renew -f issue "${C_NAMES[@]}"; }
_uacme_revoke() {
  _uacme_paths
  _uacme revoke -r "${REVOKE_REASON:-4}" revoke "$C_CERT" || return 1
  # uacme renames the revoked file to revoked-TIMESTAMP.pem
  C_CERT=$(ls -t "$C_DIR/conf/$C_FIRST"/revoked-*.pem 2>/dev/null | head -n 1)
  [[ -n $C_CERT ]] || { t_log "uacme revoked but wrote no revoked-*.pem"; return 1; }
}

# client_issue CLIENT CHALLENGE WORKDIR NAME... — new account (first time in
# WORKDIR) and a certificate for NAME...; prints its path.
client_issue() {
  _client_setup issue "$@" || return 1
  "_${C_CLIENT}_issue" || return 1
  t_cert_check "$C_CERT" "$C_KEY" "$C_CHAIN" "${C_NAMES[@]}" || return 1
  echo "$C_CERT" > "$C_DIR/last-cert"
  echo "$C_CERT"
}

# client_renew CLIENT CHALLENGE WORKDIR NAME... — force a new certificate for
# the one issued before in WORKDIR; the serial must change. Prints its path.
client_renew() {
  local old new
  _client_setup renew "$@" || return 1
  [[ -s $C_DIR/last-cert ]] || { t_log "nothing issued in $C_WD to renew"; return 1; }
  old=$(_serial "$(cat "$C_DIR/last-cert")") || return 1
  "_${C_CLIENT}_renew" || return 1
  t_cert_check "$C_CERT" "$C_KEY" "$C_CHAIN" "${C_NAMES[@]}" || return 1
  new=$(_serial "$C_CERT") || return 1
  [[ $new != "$old" ]] || { t_log "renew left the same certificate (serial $old)"; return 1; }
  t_log "renewed: serial $old -> $new"
  echo "$C_CERT" > "$C_DIR/last-cert"
  echo "$C_CERT"
}

# client_revoke CLIENT CHALLENGE WORKDIR NAME... — revoke the newest
# certificate of WORKDIR (reason REVOKE_REASON, default 4 superseded) and
# check with the server that it is revoked with that reason. Prints its path.
client_revoke() {
  local want st
  _client_setup revoke "$@" || return 1
  [[ -s $C_DIR/last-cert ]] || { t_log "nothing issued in $C_WD to revoke"; return 1; }
  want=$(_serial "$(cat "$C_DIR/last-cert")") || return 1
  st=$(server_cert_status "$(cat "$C_DIR/last-cert")") || { t_log "server does not know serial $want"; return 1; }
  [[ $st == valid ]] || { t_log "before revoking, the server says '$st' for $want"; return 1; }
  "_${C_CLIENT}_revoke" || return 1
  [[ $(_serial "$C_CERT") == "$want" ]] || { t_log "revoked file $C_CERT is not serial $want"; return 1; }
  st=$(server_cert_status "$C_CERT") || { t_log "server does not know serial $want"; return 1; }
  [[ $st == "revoked ${REVOKE_REASON:-4}" ]] ||
    { t_log "after revoking, the server says '$st' for $want (want 'revoked ${REVOKE_REASON:-4}')"; return 1; }
  t_log "server confirms serial $want: $st"
  rm -f "$C_DIR/last-cert"
  echo "$C_CERT"
}

# ------------------------------------------------------------ lifecycle ---
_t_cleanup() {
  local rc=$? pids=() p keep='' dest
  trap - EXIT INT TERM
  if [[ -s $T_TMP/.pids ]]; then
    while read -r p _; do pids+=("$p"); done < "$T_TMP/.pids"
    t_stop "${pids[@]}"
  fi
  # Our binaries may be ASan/UBSan builds: a report in any of their logs
  # (LeakSanitizer's appears only at exit, hence after t_stop) fails the script.
  local f
  for f in "$T_TMP"/*.log; do
    [[ -f $f ]] || continue
    if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f"; then
      echo "FAIL sanitizer-$(basename "$f" .log)"
      { echo "---- FAIL $T_NAME: sanitizer report in $(basename "$f"):";
        grep -m5 -A12 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f" | sed 's/^/     | /'; } >&2
      echo 1 > "$T_TMP/.failed"
      rc=1
    fi
  done
  [[ -s $T_TMP/.failed || $rc -ne 0 ]] && keep=1
  if [[ -n $keep && ${T_KEEP_TMP:-0} != 1 ]]; then
    dest=$T_ROOT/build/test-logs/$T_NAME
    rm -rf "$dest" && mkdir -p "$(dirname "$dest")" && mv "$T_TMP" "$dest" &&
      t_log "kept logs and state in $dest"
  elif [[ ${T_KEEP_TMP:-0} == 1 ]]; then
    t_log "kept $T_TMP (T_KEEP_TMP=1)"
  else
    rm -rf "$T_TMP"
  fi
  exit "$rc"
}

if [[ ${T_HOOK_MODE:-0} != 1 ]]; then
  # Loopback-only network namespace (see header).
  if [[ ${ISOLATE_NET:-1} == 1 && -z ${T_IN_NETNS:-} && $(id -u) -eq 0 ]] &&
     command -v unshare >/dev/null && command -v ip >/dev/null &&
     unshare -n -- ip link set lo up 2>/dev/null; then
    export T_IN_NETNS=1
    exec unshare -n -- sh -c 'ip link set lo up && exec "$@"' sh bash "$0" "$@"
  fi
  [[ -n ${T_IN_NETNS:-} ]] || t_log "warning: not isolated in a network namespace (needs root; ISOLATE_NET=${ISOLATE_NET:-1})"
  T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/cairn-$T_NAME.XXXXXX") || exit 1
  : > "$T_TMP/.pids"
  trap _t_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
fi
