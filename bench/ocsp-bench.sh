#!/usr/bin/env bash
# bench/ocsp-bench.sh — OCSP responses per second of cairnd's responder
# beside nginx serving the same pre-signed response as a static file: the
# practical ceiling of an HTTP server on this machine (issue 7, item 5).
#
# Usage:  bench/ocsp-bench.sh        (build/cairnd must exist: make)
#
# On loopback (inside a loopback-only network namespace when run as root):
#   1. cairnd (release build) with pebble-challtestsrv as its DNS; lego
#      obtains one certificate (http-01), whose OCSP response cairnd signs
#      in advance;
#   2. the GET URL for it (RFC 6960 appendix A.1: URL-encoded base64 of the
#      DER request after /ocsp/), checked with openssl ocsp -respin;
#   3. nginx (Debian's) with the very same response bytes as a static file
#      at the same URL path (2 workers, open_file_cache, keep-alive without a
#      request limit, access log off, sendfile off - faster than sendfile
#      for a 500-byte file here - and the same Cache-Control header);
#   4. wrk (keep-alive, BENCH_THREADS threads, BENCH_CONNS connections)
#      against each for BENCH_DURATION s after a BENCH_WARMUP s warm-up,
#      alternating cairnd and nginx BENCH_ROUNDS times; best against best.
#      A run with any non-2xx response or socket error fails the bench.
#      Each run also reports the server's CPU time per response (from
#      /proc), which other load on the machine disturbs less than the rate.
# wrk, both servers and the clients share the machine's cores (2 on the
# reference machine), as they would in make bench.
#
# Output: per-run lines, then
#   ocsp_responses_per_s: X
#   nginx_ocsp_responses_per_s: X
#   ocsp_ratio_vs_nginx: X
# Exit status 1 if something could not be set up or measured.
#
# Environment (defaults in brackets): BENCH_DURATION [10], BENCH_WARMUP [2],
# BENCH_ROUNDS [2], BENCH_THREADS [2], BENCH_CONNS [64], BENCH_NGINX_WORKERS
# [2], BENCH_NGINX_SENDFILE [off], BENCH_KEEP [0: remove the work dir],
# CAIRND [build/cairnd],
# PORT_RANGE [20000-29999], ISOLATE_NET [1].
set -uo pipefail

usage() { sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
[[ $# -eq 0 ]] || { usage; [[ $1 == -h || $1 == --help ]]; exit $?; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)

# Loopback-only network namespace, as tests/integration/lib.sh does.
if [[ ${ISOLATE_NET:-1} == 1 && -z ${BENCH_IN_NETNS:-} && $(id -u) -eq 0 ]] &&
   command -v unshare >/dev/null && command -v ip >/dev/null &&
   unshare -n -- ip link set lo up 2>/dev/null; then
  export BENCH_IN_NETNS=1
  exec unshare -n -- sh -c 'ip link set lo up && exec "$@"' sh bash "$0" "$@"
fi

# lib.sh's helpers (free_port, poll_until, t_bg, start_cairnd, client_issue)
# without its test harness.
T_HOOK_MODE=1 source "$ROOT/tests/integration/lib.sh"
T_NAME=ocsp-bench

DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
ROUNDS=${BENCH_ROUNDS:-2}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNS:-64}
NGX_WORKERS=${BENCH_NGINX_WORKERS:-2}
export CAIRND=${CAIRND:-$ROOT/build/cairnd}

die() { echo "ocsp-bench: $*" >&2; exit 1; }
for tool in wrk nginx lego openssl curl pebble-challtestsrv; do
  command -v "$tool" >/dev/null || die "$tool is not installed (scripts/install-deps.sh test)"
done
[[ -x $CAIRND ]] || die "$CAIRND not found (run make first)"

T_TMP=$(mktemp -d --suffix=.cairn-ocsp-bench) || exit 1
: > "$T_TMP/.pids"
cleanup() {
  local pids=() p
  trap - EXIT INT TERM
  while read -r p _; do pids+=("$p"); done < "$T_TMP/.pids"
  [[ ${#pids[@]} -eq 0 ]] || t_stop "${pids[@]}"
  if [[ ${BENCH_KEEP:-0} == 1 ]]; then echo "ocsp-bench: kept $T_TMP" >&2; else rm -rf "$T_TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ setup ---
start_cairnd >/dev/null || die "cairnd did not start (log: $T_TMP/cairnd.log)"
cert=$(client_issue lego http-01 "$T_TMP/issue" bench-ocsp.example.test) ||
  die "lego could not obtain a certificate (logs in $T_TMP/issue/logs)"
awk '/-----BEGIN CERTIFICATE-----/ { n++ } n == 1' "$cert" > "$T_TMP/leaf.pem"
INTER=$CAIRND_DATA/intermediate.pem
openssl ocsp -issuer "$INTER" -cert "$T_TMP/leaf.pem" -no_nonce -reqout "$T_TMP/req.der" \
  >/dev/null 2>&1 || die "openssl ocsp cannot make a request"
b64=$(base64 -w0 < "$T_TMP/req.der")
path=/ocsp/$(sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g' <<< "$b64")
CAIRND_URL=http://127.0.0.1:$CAIRND_HTTP_PORT$path

# The pre-signed response (wait for the refresher's stored one).
good() {
  curl -fsS -m 5 -o "$T_TMP/resp.der" "$CAIRND_URL" &&
    openssl ocsp -respin "$T_TMP/resp.der" -issuer "$INTER" -cert "$T_TMP/leaf.pem" \
      -CAfile "$CAIRND_DATA/root.pem" -no_nonce 2>/dev/null | grep -q ": good$"
}
poll_until 15 good || die "cairnd does not answer good for the new certificate"
sleep 2   # past the refresher's first round: the response is the stored one
good || die "cairnd stopped answering good"
curl -fsS -m 5 -D "$T_TMP/resp.hdr" -o "$T_TMP/resp.der" "$CAIRND_URL" || die "GET failed"
cache_control=$(sed -n 's/^Cache-Control: \(.*\)\r$/\1/Ip' "$T_TMP/resp.hdr")

NGX=$T_TMP/nginx
NGX_PORT=$(free_port) || die "no free port"
mkdir -p "$NGX/tmp" "$NGX/www/ocsp/$(dirname "$b64")"
cp "$T_TMP/resp.der" "$NGX/www/ocsp/$b64"
cat > "$NGX/nginx.conf" <<EOF
user root;
worker_processes $NGX_WORKERS;
pid $NGX/nginx.pid;
error_log $NGX/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile ${BENCH_NGINX_SENDFILE:-off};
  tcp_nodelay on;
  keepalive_requests 1000000;
  open_file_cache max=1000 inactive=60s;
  open_file_cache_valid 60s;
  client_body_temp_path $NGX/tmp/body; proxy_temp_path $NGX/tmp/proxy;
  fastcgi_temp_path $NGX/tmp/fastcgi; uwsgi_temp_path $NGX/tmp/uwsgi; scgi_temp_path $NGX/tmp/scgi;
  server {
    listen 127.0.0.1:$NGX_PORT;
    root $NGX/www;
    default_type application/ocsp-response;
    add_header Cache-Control "$cache_control";
  }
}
EOF
nginx -t -c "$NGX/nginx.conf" -e "$NGX/error.log" >"$NGX/test.out" 2>&1 || die "nginx -t: $(cat "$NGX/test.out")"
t_bg nginx nginx -c "$NGX/nginx.conf" -e "$NGX/error.log" -g 'daemon off;'
NGX_PID=$T_BG_PID
NGX_URL=http://127.0.0.1:$NGX_PORT$path
poll_until 10 curl -fsS -m 2 -o "$T_TMP/ngx.der" "$NGX_URL" || die "nginx does not serve $NGX_URL"
cmp -s "$T_TMP/resp.der" "$T_TMP/ngx.der" || die "nginx serves other bytes than cairnd"

# ---------------------------------------------------------------- measure ---
# cpu_ticks PID... — user+system clock ticks used so far by these processes.
cpu_ticks() {
  local p t=0 v
  for p in "$@"; do
    v=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }') || v=0
    t=$((t + ${v:-0}))
  done
  echo "$t"
}
server_pids() { # NAME — the server's processes (nginx: master and workers)
  if [[ $1 == cairnd ]]; then echo "$CAIRND_PID"; else echo "$NGX_PID" $(pgrep -P "$NGX_PID"); fi
}
# run_wrk NAME URL — prints requests/s of one measured run (after a warm-up);
# the server's CPU time per response goes to stderr with the latencies.
run_wrk() {
  local name=$1 url=$2 out=$T_TMP/wrk-$1.txt rps pids c0 c1 reqs
  wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" "$url" >/dev/null 2>&1
  pids=$(server_pids "$name")
  # shellcheck disable=SC2086
  c0=$(cpu_ticks $pids)
  wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "$url" > "$out" 2>&1 ||
    { echo "ocsp-bench: wrk failed: $(cat "$out")" >&2; return 1; }
  # shellcheck disable=SC2086
  c1=$(cpu_ticks $pids)
  if grep -qE 'Non-2xx or 3xx responses|Socket errors' "$out"; then
    echo "ocsp-bench: $name: errors during the run: $(grep -E 'Non-2xx|Socket errors' "$out")" >&2
    return 1
  fi
  rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
  reqs=$(awk '/requests in/ { print $1 }' "$out")
  [[ -n $rps && -n $reqs ]] || { echo "ocsp-bench: no Requests/sec in wrk output" >&2; return 1; }
  echo "ocsp-bench: $name run: $rps responses/s, latency p50 $(awk '$1 == "50%" { print $2 }' "$out"), p99 $(awk '$1 == "99%" { print $2 }' "$out"), server CPU $(awk -v t=$((c1 - c0)) -v hz="$HZ" -v n="$reqs" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }') us/response" >&2
  echo "$rps"
}
HZ=$(getconf CLK_TCK)

best_c=0 best_n=0
for ((i = 1; i <= ROUNDS; i++)); do
  c=$(run_wrk cairnd "$CAIRND_URL") || exit 1
  n=$(run_wrk nginx "$NGX_URL") || exit 1
  ((c > best_c)) && best_c=$c
  ((n > best_n)) && best_n=$n
done
kill -0 "$CAIRND_PID" 2>/dev/null || die "cairnd died during the bench"
good || die "cairnd answers wrong after the bench"

echo "ocsp_responses_per_s: $best_c"
echo "nginx_ocsp_responses_per_s: $best_n"
awk -v c="$best_c" -v n="$best_n" 'BEGIN { printf "ocsp_ratio_vs_nginx: %.2f\n", (n > 0 ? c / n : 0) }'
