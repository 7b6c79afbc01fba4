# agent-env.bash - helpers shared by the tests/integration/5N-agent-*.sh
# scripts (sourced, not run): PASS/FAIL bookkeeping, free loopback ports in
# the agent's range, a throw-away Pebble + pebble-challtestsrv, openssl
# checks on what cairn installed. Every process started here is recorded
# and killed by its PID on exit.
#
# Environment: CAIRN (binary; default build/cairn, or build/$BUILD/cairn),
# AGENT_PORT_LO / AGENT_PORT_HI (port range, default 23100-23999),
# KEEP_WORK=1 keeps the work directory even when everything passed.

set -u
AGENT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [[ -z ${CAIRN:-} ]]; then
	if [[ -n ${BUILD:-} && ${BUILD} != release ]]; then CAIRN=$AGENT_ROOT/build/$BUILD/cairn; else CAIRN=$AGENT_ROOT/build/cairn; fi
fi
AGENT_PORT_LO=${AGENT_PORT_LO:-23100}
AGENT_PORT_HI=${AGENT_PORT_HI:-23999}
WORK=$(mktemp -d /tmp/cairn-agent-it.XXXXXX)
N_PASS=0
N_FAIL=0
PIDS=()
NEXT_PORT=$AGENT_PORT_LO

t_pass() { echo "PASS $1"; N_PASS=$((N_PASS + 1)); }
t_fail() { echo "FAIL $1${2:+: $2}"; N_FAIL=$((N_FAIL + 1)); }
# check NAME CMD...: PASS when CMD succeeds
check() { local n=$1; shift; if "$@" >>"$WORK/check.log" 2>&1; then t_pass "$n"; else t_fail "$n" "$(tail -3 "$WORK/check.log" | tr '\n' ' ')"; fi; }

agent_cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.2
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	if [[ $N_FAIL -eq 0 && -z ${KEEP_WORK:-} ]]; then rm -rf "$WORK"; else echo "logs kept in $WORK" >&2; fi
}
trap agent_cleanup EXIT

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null || ss -Hlun "sport = :$1" 2>/dev/null | grep -q .; }
# free_port VAR: sets VAR to the next port of our range that nobody listens
# on (TCP or UDP); never hands out the same port twice in one run
free_port() {
	while port_busy "$NEXT_PORT"; do NEXT_PORT=$((NEXT_PORT + 1)); done
	if ((NEXT_PORT > AGENT_PORT_HI)); then echo "no free port in range" >&2; exit 1; fi
	printf -v "$1" '%s' "$NEXT_PORT"
	NEXT_PORT=$((NEXT_PORT + 1))
}

wait_port() { local i; for i in $(seq 1 100); do port_busy "$1" && return 0; sleep 0.05; done; return 1; }

# make_tls DIR: a CA and a server certificate for 127.0.0.1 (Pebble's HTTPS)
make_tls() {
	local d=$1
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=agent test TLS root" \
		-keyout "$d/ca.key" -out "$d/ca.pem" -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign" 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
		-keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
	printf '%s\n' "basicConstraints=critical,CA:FALSE" "extendedKeyUsage=serverAuth" \
		"subjectAltName=DNS:localhost,IP:127.0.0.1" >"$d/server.ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 30 \
		-extfile "$d/server.ext" -out "$d/server.pem" 2>/dev/null
}

# start_challtestsrv: DNS on $DNS_PORT (every name -> 127.0.0.1), API on $CTS_PORT
start_challtestsrv() {
	free_port DNS_PORT
	free_port CTS_PORT
	pebble-challtestsrv -defaultIPv4 127.0.0.1 -defaultIPv6 "" -dns01 "127.0.0.1:$DNS_PORT" \
		-management "127.0.0.1:$CTS_PORT" -http01 "" -https01 "" -tlsalpn01 "" \
		>"$WORK/challtestsrv.log" 2>&1 </dev/null &
	PIDS+=($!)
	wait_port "$CTS_PORT" || { echo "challtestsrv did not start" >&2; exit 1; }
	DNS_HOOK=$WORK/dns-hook.sh
	cat >"$DNS_HOOK" <<EOF
#!/bin/sh
# cairn dns-01 hook into pebble-challtestsrv: add|del FQDN VALUE
case \$1 in
add) curl -fsS -o /dev/null -d "{\"host\":\"\$2.\",\"value\":\"\$3\"}" http://127.0.0.1:$CTS_PORT/set-txt ;;
del) curl -fsS -o /dev/null -d "{\"host\":\"\$2.\"}" http://127.0.0.1:$CTS_PORT/clear-txt ;;
*) exit 2 ;;
esac
EOF
	chmod +x "$DNS_HOOK"
}

# start_pebble NAME EXTRA_JSON: sets NAME_DIR (directory URL), NAME_MGMT,
# NAME_ROOT (issuing root PEM). Validators connect to $HTTP01_PORT and
# $TLSALPN_PORT; the CA bundle for every Pebble is $WORK/tls/ca.pem.
start_pebble() {
	local name=$1 extra=$2 port mgmt i
	[[ -s $WORK/tls/ca.pem ]] || make_tls "$WORK/tls"
	free_port port
	free_port mgmt
	cat >"$WORK/$name.json" <<EOF
{ "pebble": { "listenAddress": "127.0.0.1:$port", "managementListenAddress": "127.0.0.1:$mgmt",
  "certificate": "$WORK/tls/server.pem", "privateKey": "$WORK/tls/server.key",
  "httpPort": $HTTP01_PORT, "tlsPort": $TLSALPN_PORT, "ocspResponderURL": "" $extra } }
EOF
	PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=${NONCE_REJECT:-20} PEBBLE_AUTHZREUSE=0 \
		pebble -config "$WORK/$name.json" -dnsserver "127.0.0.1:$DNS_PORT" >"$WORK/$name.log" 2>&1 </dev/null &
	PIDS+=($!)
	for i in $(seq 1 100); do
		curl -fsS --cacert "$WORK/tls/ca.pem" "https://127.0.0.1:$port/dir" >/dev/null 2>&1 && break
		sleep 0.1
	done
	curl -fsS --cacert "$WORK/tls/ca.pem" "https://127.0.0.1:$mgmt/roots/0" -o "$WORK/$name-root.pem" ||
		{ echo "pebble $name did not start" >&2; cat "$WORK/$name.log" >&2; exit 1; }
	printf -v "${name}_DIR" '%s' "https://127.0.0.1:$port/dir"
	printf -v "${name}_MGMT" '%s' "https://127.0.0.1:$mgmt"
	printf -v "${name}_ROOT" '%s' "$WORK/$name-root.pem"
}

# openssl checks on an installed certificate directory
serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/^0*//'; }
key_matches() { [[ "$(openssl x509 -in "$1/cert.pem" -noout -pubkey)" == "$(openssl pkey -in "$1/privkey.pem" -pubout 2>/dev/null)" ]]; }
chain_ok() { openssl verify -CAfile "$2" -untrusted "$1/chain.pem" "$1/cert.pem" >/dev/null; }
has_san() { openssl x509 -in "$1/cert.pem" -noout -ext subjectAltName | grep -q "$2"; }
mode_of() { stat -L -c %a "$1"; }
# revoked_at_pebble MGMT CERT: Pebble's management API knows it as revoked
revoked_at_pebble() {
	local s
	s=$(openssl x509 -in "$2" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/^0*//')
	curl -fsS --cacert "$WORK/tls/ca.pem" "$1/cert-status-by-serial/$s" | grep -q '"Status": *"Revoked"'
}

agent_summary() {
	echo "$N_PASS passed, $N_FAIL failed"
	[[ $N_FAIL -eq 0 ]]
}
