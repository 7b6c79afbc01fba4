#!/usr/bin/env bash
# 51-agent-nginx.sh - the deploy path end to end: a real nginx (Debian)
# serves the certificate cairn installed (STATE/certs/NAME/fullchain.pem and
# privkey.pem); `cairn renew --force` installs a new one and the deploy hook
# reloads nginx; openssl s_client then sees the new serial. Also: the
# daemon does the same on its own when the certificate falls due (Pebble
# issuing 10-second certificates).
source "$(dirname "$0")/agent-env.bash"

for t in pebble pebble-challtestsrv nginx openssl curl; do
	command -v "$t" >/dev/null || { echo "FAIL prerequisite: $t not installed"; exit 1; }
done
[[ -x $CAIRN ]] || { echo "FAIL prerequisite: $CAIRN not built"; exit 1; }

free_port HTTP01_PORT
free_port TLSALPN_PORT
free_port TLS_PORT
start_challtestsrv
start_pebble A ''
start_pebble B ', "certificateValidityPeriod": 10'
CA=$WORK/tls/ca.pem
S=$WORK/state
N=$WORK/nginx
mkdir -p "$N"
cat >"$N/nginx.conf" <<EOF
daemon on;
master_process on;
worker_processes 1;
user root;
pid $N/nginx.pid;
error_log $N/error.log info;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $N/body;
	proxy_temp_path $N/proxy;
	fastcgi_temp_path $N/fastcgi;
	uwsgi_temp_path $N/uwsgi;
	scgi_temp_path $N/scgi;
	server {
		listen 127.0.0.1:$TLS_PORT ssl;
		server_name web.example.test;
		ssl_certificate $S/certs/web/fullchain.pem;
		ssl_certificate_key $S/certs/web/privkey.pem;
		location / { return 200 "ok\n"; }
	}
}
EOF
# reload when running (the first certificate is installed before nginx starts)
RELOAD="if [ -s $N/nginx.pid ]; then nginx -p $N -c $N/nginx.conf -s reload 2>/dev/null; fi"

# served_serial: the serial nginx presents, as openssl s_client sees it
served_serial() {
	openssl s_client -connect "127.0.0.1:$TLS_PORT" -servername web.example.test </dev/null 2>/dev/null |
		openssl x509 -noout -serial 2>/dev/null | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/^0*//'
}
# wait_served SERIAL: up to 10 s for nginx to present it
wait_served() { local i; for i in $(seq 1 100); do [[ $(served_serial) == "$1" ]] && return 0; sleep 0.1; done; return 1; }

"$CAIRN" --server "$A_DIR" --ca-bundle "$CA" --state "$S" issue -d web.example.test --name web \
	--standalone "127.0.0.1:$HTTP01_PORT" --deploy-hook "$RELOAD" --agree-tos -q >/dev/null; rc=$?
[[ $rc -eq 0 ]] && t_pass "nginx-issue" || t_fail "nginx-issue" "rc=$rc"
nginx -p "$N" -c "$N/nginx.conf" 2>"$WORK/nginx-start.log"
for i in $(seq 1 50); do [[ -s $N/nginx.pid ]] && break; sleep 0.1; done
NGINX_PID=$(cat "$N/nginx.pid" 2>/dev/null)
[[ -n $NGINX_PID ]] && PIDS+=("$NGINX_PID")
s1=$(serial_of "$S/certs/web/cert.pem")
wait_served "$s1" && t_pass "nginx-serves-issued-cert" || t_fail "nginx-serves-issued-cert" "served '$(served_serial)', want $s1"
# the full chain, verified to Pebble's root
openssl s_client -connect "127.0.0.1:$TLS_PORT" -servername web.example.test -CAfile "$A_ROOT" -verify_return_error \
	</dev/null >"$WORK/sclient.txt" 2>&1 && grep -q "Verify return code: 0 (ok)" "$WORK/sclient.txt" &&
	t_pass "nginx-chain-verifies" || t_fail "nginx-chain-verifies" "$(grep -i verify "$WORK/sclient.txt" | head -2)"

"$CAIRN" --state "$S" renew web --force -q; rc=$?
s2=$(serial_of "$S/certs/web/cert.pem")
[[ $rc -eq 0 && $s2 != "$s1" ]] && wait_served "$s2" && t_pass "nginx-renew-hook-reloads" ||
	t_fail "nginx-renew-hook-reloads" "rc=$rc served '$(served_serial)', want $s2"

# the daemon: a 10 s certificate from Pebble B falls due after ~7 s and is
# renewed and deployed with no command from us
rm -rf "$S"
"$CAIRN" --server "$B_DIR" --ca-bundle "$CA" --state "$S" issue -d web.example.test --name web \
	--standalone "127.0.0.1:$HTTP01_PORT" --deploy-hook "$RELOAD" --agree-tos -q >/dev/null; rc=$?
nginx -p "$N" -c "$N/nginx.conf" -s reload 2>/dev/null
s3=$(serial_of "$S/certs/web/cert.pem")
wait_served "$s3" || true
"$CAIRN" --state "$S" daemon 2>"$WORK/daemon.log" &
DP=$!
PIDS+=($DP)
ok=0
for i in $(seq 1 200); do
	s4=$(served_serial)
	if [[ -n $s4 && $s4 != "$s3" ]]; then ok=1; break; fi
	sleep 0.1
done
[[ $rc -eq 0 && $ok -eq 1 && $s4 == "$(serial_of "$S/certs/web/cert.pem")" ]] && t_pass "nginx-daemon-renews-and-deploys" ||
	t_fail "nginx-daemon-renews-and-deploys" "rc=$rc $(tail -3 "$WORK/daemon.log")"
kill -TERM "$DP"; wait "$DP" 2>/dev/null
nginx -p "$N" -c "$N/nginx.conf" -s quit 2>/dev/null

agent_summary
