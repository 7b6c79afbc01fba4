#!/usr/bin/env bash
# bench/agent-ab.sh — two cairn binaries side by side against one Pebble:
# peak RSS and wall time of an issuance, and of a renewal check of a
# certificate that is not due.
#
# Usage:  bench/agent-ab.sh BEFORE AFTER      (two cairn binaries)
#
# On loopback (a loopback-only network namespace when run as root), with
# tests/integration/agent-env.bash's Pebble (no nonce rejection) and
# pebble-challtestsrv: each binary issues BENCH_N certificates (http-01,
# built-in server; the first also registers its account), then checks the
# first of them BENCH_N times (exit 2: not due). The two binaries alternate
# run by run, so that both see the same load. Each run is timed by
# /usr/bin/time -f '%e %M' (peak RSS in KiB) and by bash around it (wall
# ms, which includes starting /usr/bin/time itself, about 1-7 ms here).
# Prints the medians; KEEP_WORK=1 keeps the work directory. With
# BENCH_PERF=1, also `perf stat -r 50` of each check (no /usr/bin/time).
#
# Environment: BENCH_N [10], BENCH_PERF [0]; AGENT_PORT_LO/AGENT_PORT_HI
# (agent-env.bash).
set -u
[[ $# -eq 2 && -x $1 && -x $2 ]] || { sed -n '2,/^set -u/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 2; }
[[ -x /usr/bin/time ]] || { echo "bench/agent-ab.sh: /usr/bin/time missing (Debian package time)" >&2; exit 1; }
BIN=("$(realpath "$1")" "$(realpath "$2")")
N=${BENCH_N:-10}
source "$(dirname "$0")/../tests/integration/agent-env.bash"
export NONCE_REJECT=0
free_port HTTP01_PORT
free_port TLSALPN_PORT
start_challtestsrv
start_pebble A ''

med() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# timed FILE CMD... — appends "wall_ms elapsed_s maxrss_kib" to FILE; sets RC
timed() {
	local f=$1 s e
	shift
	s=$EPOCHREALTIME
	/usr/bin/time -f '%e %M' -o "$WORK/time" "$@" >/dev/null 2>"$WORK/stderr"
	RC=$?
	e=$EPOCHREALTIME
	echo "$(awk -v s="${s/,/.}" -v e="${e/,/.}" 'BEGIN { printf "%.1f", (e - s) * 1000 }') $(tail -n 1 "$WORK/time")" >>"$f"
}
for k in 0 1; do : >"$WORK/issue$k"; : >"$WORK/check$k"; done
for ((i = 1; i <= N; i++)); do
	for k in 0 1; do
		timed "$WORK/issue$k" "${BIN[$k]}" --server "$A_DIR" --ca-bundle "$WORK/tls/ca.pem" --state "$WORK/s$k" \
			--agree-tos issue -d "c$k-$i.example.test" --standalone "127.0.0.1:$HTTP01_PORT" -q
		[[ $RC -eq 0 ]] || { echo "issue failed: $(cat "$WORK/stderr")" >&2; N_FAIL=1; exit 1; }
	done
done
for ((i = 1; i <= N; i++)); do
	for k in 0 1; do
		timed "$WORK/check$k" "${BIN[$k]}" --state "$WORK/s$k" renew "c$k-1.example.test" -q
		[[ $RC -eq 2 ]] || { echo "check exited $RC: $(cat "$WORK/stderr")" >&2; N_FAIL=1; exit 1; }
	done
done
echo "A = ${BIN[0]}"
echo "B = ${BIN[1]}"
printf '%-12s | %9s | %6s | %9s\n' "" "wall ms" "%e s" "RSS KiB"
for w in issue check; do
	for k in 0 1; do
		printf '%-12s | %9s | %6s | %9s\n' "$w $(tr 01 AB <<<"$k")" "$(cut -d' ' -f1 "$WORK/$w$k" | med)" \
			"$(cut -d' ' -f2 "$WORK/$w$k" | med)" "$(cut -d' ' -f3 "$WORK/$w$k" | med)"
	done
done
echo "(medians of $N runs each; $(date -u +%FT%TZ); load $(cut -d' ' -f1-3 /proc/loadavg))"
if [[ ${BENCH_PERF:-0} == 1 ]] && command -v perf >/dev/null; then
	# the check without /usr/bin/time around it: perf stat's mean of 50
	for k in 0 1; do
		perf stat -r 50 -- "${BIN[$k]}" --state "$WORK/s$k" renew "c$k-1.example.test" -q 2>&1 >/dev/null |
			awk -v w="check $(tr 01 AB <<<"$k")" '/task-clock/ { c = $1 } /elapsed/ { e = $1 * 1000 }
				END { printf "%-12s | perf stat -r 50: %.2f ms elapsed, %s ms CPU\n", w, e, c }'
	done
fi
