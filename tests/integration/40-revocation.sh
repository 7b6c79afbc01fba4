#!/usr/bin/env bash
# 40-revocation.sh — revocation as relying parties see it: cairnd's OCSP
# responder (RFC 6960 with the RFC 9919 profile) and sharded CRLs (RFC 5280
# section 5, BR 7.2) on the plain-HTTP listener, checked with real tools.
#
#   * issued certificates name the OCSP URL (AIA) and their CRL shard (CRL DP);
#   * `openssl ocsp` (POST; SHA-1 and SHA-256 CertIDs) says good; a GET with
#     the base64 request in the path (curl) gets the same response with
#     HTTP caching headers (max-age, ETag, Last-Modified, Expires);
#   * a made-up serial is unknown, another issuer's certificate unauthorized;
#   * `openssl verify -crl_check` with the downloaded shard passes;
#   * after revocation through ACME (lego, reason superseded) `openssl ocsp`
#     says revoked with the reason within REVOKE_DELAY_MAX seconds, the
#     shard's crlNumber grows and `openssl verify -crl_check` fails; another
#     certificate's shard still verifies;
#   * a real nginx with ssl_stapling on staples cairnd's response
#     (`openssl s_client -status`);
#   * garbage, oversized and unsupported-hash requests get malformedRequest
#     (or an HTTP 4xx), and cairnd keeps answering;
#   * keyCompromise (revocation_probe.py): both certificates with the key are
#     revoked for keyCompromise, the key is refused for accounts and CSRs;
#   * `cairnd admin revoke` from another process is published too.
# Prints "PASS|FAIL name (T s)".
#
# Environment: REVOKE_DELAY_MAX (seconds, default 5; cairnd polls every
# --revocation-poll = 1 s), plus those of lib.sh.
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
[[ -z ${CAIRND:-} && -x $T_ROOT/build/asan/cairnd ]] && export CAIRND=$T_ROOT/build/asan/cairnd

PY=/usr/bin/python3
DELAY_MAX=${REVOKE_DELAY_MAX:-5}
SUFFIX=revocation.test

t_case_start
if ! start_cairnd; then
  t_fail revocation-cairnd-start "could not start cairnd (log in $T_TMP)"
  exit 1
fi
t_pass revocation-cairnd-start
BASE=http://127.0.0.1:$CAIRND_HTTP_PORT
OCSP_URL=$BASE/ocsp
INTER=$CAIRND_DATA/intermediate.pem
ROOT=$CAIRND_DATA/root.pem
W=$T_TMP/work
mkdir -p "$W"

# ocsp_ask CERT [openssl ocsp args...] — status lines of cert (openssl's own
# verification of the response included); output in $W/ocsp.out.
ocsp_ask() {
  local cert=$1; shift
  openssl ocsp -issuer "$INTER" "$@" -cert "$cert" -url "$OCSP_URL" -CAfile "$ROOT" -no_nonce \
    -timeout 10 >"$W/ocsp.out" 2>&1
}
# ocsp_says CERT WORD [args] — 0 if openssl verified the response and says "CERT: WORD".
ocsp_says() {
  local cert=$1 word=$2; shift 2
  ocsp_ask "$cert" "$@" && grep -q "Response verify OK" "$W/ocsp.out" &&
    grep -q "^$cert: $word\$" "$W/ocsp.out"
}
# crl_of CERT OUT.pem — download the CRL named in CERT's CRL DP as PEM.
crl_of() {
  local url
  url=$(openssl x509 -in "$1" -noout -ext crlDistributionPoints | sed -n 's/^ *URI://p' | head -n 1)
  [[ -n $url ]] || { t_log "$1 has no CRL DP"; return 1; }
  curl -fsS -m 10 -o "$2.der" "$url" && openssl crl -inform DER -in "$2.der" -out "$2"
}
crl_number() { openssl crl -in "$1" -noout -crlnumber | sed 's/^crlNumber=//'; }
leaf_only() { awk '/-----BEGIN CERTIFICATE-----/ { n++ } n == 1' "$1" > "$2"; }
serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f'; }

# ------------------------------------------------------------- issuance ---
t_case_start
if c=$(client_issue lego http-01 "$W/one" "one.$SUFFIX") && leaf_only "$c" "$W/one.pem" &&
   c=$(client_issue lego http-01 "$W/two" "two.$SUFFIX") && leaf_only "$c" "$W/two.pem"; then
  cp "$c" "$W/two-fullchain.pem"
  cp "$(dirname "$c")/two.$SUFFIX.key" "$W/two.key"
  t_pass issue-two-certificates
else
  t_fail issue-two-certificates
  exit 1
fi
ONE=$W/one.pem TWO=$W/two.pem

t_case_start
ext=$(openssl x509 -in "$ONE" -noout -ext authorityInfoAccess,crlDistributionPoints 2>&1)
if grep -q "OCSP - URI:$OCSP_URL\$" <<< "$ext" && grep -q "CA Issuers - URI:$BASE/issuer-cert\$" <<< "$ext" &&
   grep -Eq "URI:$BASE/crl/[0-9]+\\.crl\$" <<< "$ext"; then
  t_pass cert-aia-ocsp-and-crl-dp
else
  t_fail cert-aia-ocsp-and-crl-dp "extensions: $ext"
fi

# ----------------------------------------------------------------- OCSP ---
t_case_start
if poll_until 10 ocsp_says "$ONE" good; then
  t_pass ocsp-post-sha1-good
else
  t_fail ocsp-post-sha1-good "$(cat "$W/ocsp.out")"
fi

t_case_start
if ocsp_says "$ONE" good -sha256; then
  t_pass ocsp-post-sha256-good
else
  t_fail ocsp-post-sha256-good "$(cat "$W/ocsp.out")"
fi

t_case_start
openssl ocsp -issuer "$INTER" -cert "$ONE" -no_nonce -reqout "$W/req.der" >/dev/null 2>&1
b64=$(base64 -w0 < "$W/req.der" | sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')
if curl -sS -m 10 -D "$W/get.hdr" -o "$W/get.der" "$OCSP_URL/$b64" &&
   grep -qi '^HTTP/1.1 200' "$W/get.hdr" &&
   grep -qi '^Content-Type: application/ocsp-response' "$W/get.hdr" &&
   grep -Eqi '^Cache-Control: max-age=[1-9][0-9]*, public, no-transform, must-revalidate' "$W/get.hdr" &&
   grep -Eqi '^ETag: "[0-9a-f]{64}"' "$W/get.hdr" &&
   grep -qi '^Last-Modified: ' "$W/get.hdr" && grep -qi '^Expires: ' "$W/get.hdr" &&
   openssl ocsp -respin "$W/get.der" -issuer "$INTER" -cert "$ONE" -CAfile "$ROOT" -no_nonce \
     >"$W/ocsp.out" 2>&1 && grep -q "^$ONE: good\$" "$W/ocsp.out"; then
  t_pass ocsp-get-base64-caching-headers
else
  t_fail ocsp-get-base64-caching-headers "$(cat "$W/get.hdr" "$W/ocsp.out" 2>&1 | head -c 1500)"
fi

t_case_start
if openssl ocsp -issuer "$INTER" -serial 0x1bad5e71a11ce0ffee0123456789abcd -url "$OCSP_URL" \
     -CAfile "$ROOT" -no_nonce >"$W/ocsp.out" 2>&1 && grep -q "Response verify OK" "$W/ocsp.out" &&
   grep -q "^0x1bad5e71a11ce0ffee0123456789abcd: unknown\$" "$W/ocsp.out"; then
  t_pass ocsp-made-up-serial-unknown
else
  t_fail ocsp-made-up-serial-unknown "$(cat "$W/ocsp.out")"
fi

t_case_start
openssl ocsp -issuer "$CAIRND_DATA/api-ca.pem" -cert "$CAIRND_DATA/api-cert.pem" -url "$OCSP_URL" \
  -no_nonce >"$W/ocsp.out" 2>&1
if grep -qi "Responder Error: unauthorized" "$W/ocsp.out"; then
  t_pass ocsp-other-issuer-unauthorized
else
  t_fail ocsp-other-issuer-unauthorized "$(cat "$W/ocsp.out")"
fi

# ----------------------------------------------------------------- CRLs ---
t_case_start
n1=
if crl_of "$ONE" "$W/one-crl1.pem" &&
   openssl verify -crl_check -CAfile "$ROOT" -untrusted "$INTER" -CRLfile "$W/one-crl1.pem" "$ONE" \
     >"$W/verify.out" 2>&1 && n1=$(crl_number "$W/one-crl1.pem") && [[ -n $n1 ]]; then
  t_log "shard CRL of one: crlNumber $n1"
  t_pass crl-verify-good-cert
else
  t_fail crl-verify-good-cert "$(cat "$W/verify.out" 2>/dev/null)"
fi

t_case_start
idp=$(openssl crl -in "$W/one-crl1.pem" -noout -text 2>&1)
dp=$(openssl x509 -in "$ONE" -noout -ext crlDistributionPoints | sed -n 's/^ *URI://p')
if grep -q "Issuing Distribution Point: critical" <<< "$idp" && grep -q "URI:$dp" <<< "$idp" &&
   grep -q "Only User Certificates" <<< "$idp" && grep -q "Authority Key Identifier" <<< "$idp"; then
  t_pass crl-idp-matches-cert-dp
else
  t_fail crl-idp-matches-cert-dp "$idp"
fi

# ------------------------------------------------------- revoke via ACME ---
t_case_start
if REVOKE_REASON=4 client_revoke lego http-01 "$W/one" "one.$SUFFIX" >/dev/null; then
  t0=$(t_now)
  if poll_until 30 ocsp_says "$ONE" revoked; then
    dt=$(awk -v a="$t0" -v b="$(t_now)" 'BEGIN { printf "%.1f", b - a }')
    t_log "OCSP says revoked ${dt} s after the revocation"
    if ! grep -q "Reason: superseded" "$W/ocsp.out"; then
      t_fail ocsp-revoked-with-reason "no 'Reason: superseded': $(cat "$W/ocsp.out")"
    elif awk -v d="$dt" -v m="$DELAY_MAX" 'BEGIN { exit !(d > m) }'; then
      t_fail ocsp-revoked-with-reason "revoked only after $dt s (limit $DELAY_MAX s)"
    else
      t_pass ocsp-revoked-with-reason
    fi
  else
    t_fail ocsp-revoked-with-reason "still not revoked after 30 s: $(cat "$W/ocsp.out")"
  fi
else
  t_fail ocsp-revoked-with-reason "lego could not revoke"
fi

# crl_revoked CERT PEM OLDNUM — a newer CRL of CERT's shard that rejects CERT.
crl_revoked() {
  crl_of "$1" "$2" || return 1
  [[ $(crl_number "$2") -gt $3 ]] || return 1
  ! openssl verify -crl_check -CAfile "$ROOT" -untrusted "$INTER" -CRLfile "$2" "$1" >"$W/verify.out" 2>&1 &&
    grep -q "certificate revoked" "$W/verify.out"
}
t_case_start
if [[ -n $n1 ]] && poll_until 30 crl_revoked "$ONE" "$W/one-crl2.pem" "$n1"; then
  t_log "crlNumber $n1 -> $(crl_number "$W/one-crl2.pem")"
  if openssl crl -in "$W/one-crl2.pem" -noout -text | grep -A5 "Serial Number: $(serial_of "$ONE" | tr 'a-f' 'A-F')" |
     grep -q "Superseded"; then
    t_pass crl-revoked-cert-fails-verify
  else
    t_fail crl-revoked-cert-fails-verify "entry lacks reason Superseded: $(openssl crl -in "$W/one-crl2.pem" -noout -text | head -40)"
  fi
else
  t_fail crl-revoked-cert-fails-verify "$(cat "$W/verify.out" 2>/dev/null; crl_number "$W/one-crl2.pem" 2>&1)"
fi

t_case_start
if crl_of "$TWO" "$W/two-crl.pem" &&
   openssl verify -crl_check -CAfile "$ROOT" -untrusted "$INTER" -CRLfile "$W/two-crl.pem" "$TWO" \
     >"$W/verify.out" 2>&1; then
  t_pass crl-other-cert-still-verifies
else
  t_fail crl-other-cert-still-verifies "$(cat "$W/verify.out")"
fi

# ---------------------------------------------------------- nginx stapling ---
t_case_start
NGX=$T_TMP/nginx
mkdir -p "$NGX/tmp" "$NGX/www"
NGX_PORT=$(free_port)
cat "$INTER" "$ROOT" > "$NGX/trusted.pem"
cat > "$NGX/nginx.conf" <<EOF
user root;
worker_processes 1;
pid $NGX/nginx.pid;
error_log $NGX/error.log info;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $NGX/tmp/body; proxy_temp_path $NGX/tmp/proxy;
  fastcgi_temp_path $NGX/tmp/fastcgi; uwsgi_temp_path $NGX/tmp/uwsgi; scgi_temp_path $NGX/tmp/scgi;
  server {
    listen 127.0.0.1:$NGX_PORT ssl;
    server_name two.$SUFFIX;
    root $NGX/www;
    ssl_certificate $W/two-fullchain.pem;
    ssl_certificate_key $W/two.key;
    ssl_stapling on;
    ssl_stapling_verify on;
    ssl_trusted_certificate $NGX/trusted.pem;
  }
}
EOF
stapled() {
  openssl s_client -connect "127.0.0.1:$NGX_PORT" -servername "two.$SUFFIX" -status \
    -CAfile "$ROOT" </dev/null >"$W/sclient.out" 2>&1
  grep -q "OCSP Response Status: successful" "$W/sclient.out" && grep -q "Cert Status: good" "$W/sclient.out"
}
if ! nginx -t -c "$NGX/nginx.conf" -e "$NGX/error.log" >"$NGX/test.out" 2>&1; then
  t_fail nginx-staples-cairnd-ocsp "nginx -t: $(cat "$NGX/test.out")"
else
  t_bg nginx nginx -c "$NGX/nginx.conf" -e "$NGX/error.log" -g 'daemon off;'
  echo "$NGX/error.log" > "$T_TMP/.last-log"
  if poll_until 30 stapled; then
    t_log "$(grep -E 'OCSP Response Status|Cert Status|Responder Id' "$W/sclient.out" | tr -s ' ' | tr '\n' ';')"
    t_pass nginx-staples-cairnd-ocsp
  else
    t_fail nginx-staples-cairnd-ocsp "s_client: $(grep -A12 'OCSP' "$W/sclient.out" | head -20)"
  fi
fi

# ------------------------------------------------------------ bad requests ---
# ocsp_post FILE — POST it; prints the HTTP status, body in $W/bad.der.
ocsp_post() {
  curl -sS -m 10 -o "$W/bad.der" -w '%{http_code}' -H 'Content-Type: application/ocsp-request' \
    --data-binary "@$1" "$OCSP_URL"
}
is_malformed() { [[ $(od -An -tx1 "$W/bad.der" | tr -d ' \n') == 30030a0101 ]]; }
bad_case() { # NAME STATUS — pass if malformedRequest (HTTP 200) or an HTTP 4xx
  if [[ ($1 == 200 && -s $W/bad.der) && $(is_malformed && echo y) == y ]] || [[ $1 == 4[0-9][0-9] ]]; then
    t_pass "$2"
  else
    t_fail "$2" "HTTP $1, body $(od -An -tx1 "$W/bad.der" 2>/dev/null | head -c 200)"
  fi
}

t_case_start
head -c 300 /dev/urandom > "$W/garbage.bin"
bad_case "$(ocsp_post "$W/garbage.bin")" ocsp-garbage-post-malformed
t_case_start
st=$(curl -sS -m 10 -o "$W/bad.der" -w '%{http_code}' "$OCSP_URL/not*base64!!")
bad_case "$st" ocsp-garbage-get-malformed
t_case_start
openssl ocsp -issuer "$INTER" -cert "$TWO" -no_nonce -reqout "$W/req2.der" >/dev/null 2>&1
{ cat "$W/req2.der"; head -c 20000 /dev/zero; } > "$W/big.bin"
bad_case "$(ocsp_post "$W/big.bin")" ocsp-oversized-post-malformed
t_case_start
st=$(curl -sS -m 10 -o "$W/bad.der" -w '%{http_code}' "$OCSP_URL/$(head -c 12000 /dev/zero | tr '\0' 'A')")
bad_case "$st" ocsp-oversized-get-rejected
t_case_start
openssl ocsp -sha384 -issuer "$INTER" -cert "$TWO" -no_nonce -reqout "$W/sha384.der" >/dev/null 2>&1
bad_case "$(ocsp_post "$W/sha384.der")" ocsp-unsupported-hash-malformed
t_case_start
st=$(curl -sS -m 10 -o "$W/bad.der" -w '%{http_code}' -X PUT --data-binary "@$W/req2.der" "$OCSP_URL")
if [[ $st == 405 ]]; then t_pass ocsp-put-405; else t_fail ocsp-put-405 "HTTP $st"; fi
t_case_start
if kill -0 "$CAIRND_PID" 2>/dev/null && ocsp_says "$TWO" good; then
  t_pass ocsp-alive-after-bad-requests
else
  t_fail ocsp-alive-after-bad-requests "$(cat "$W/ocsp.out")"
fi

# ---------------------------------------------------------- key compromise ---
t_case_start
echo "$T_TMP/cairnd.log" > "$T_TMP/.last-log"
done_line=
while IFS= read -r line; do
  case $line in
    "PASS "*) t_pass "${line#PASS }"; t_case_start ;;
    "FAIL "*) rest=${line#FAIL }; t_fail "${rest%%: *}" "${rest#*: }"; t_case_start ;;
    "DONE "*) done_line=$line ;;
    *) t_log "probe: $line" ;;
  esac
done < <(KC_DOMAIN=kc.$SUFFIX timeout -k 5 120 "$PY" "$T_ROOT/tests/integration/revocation_probe.py" "$W" \
           2>"$T_TMP/probe.log")
[[ -n $done_line ]] || t_fail kc-probe-finished "the probe stopped early; see $T_TMP/probe.log"
t_case_start
kc_revoked() { ocsp_says "$1" revoked && grep -q "Reason: keyCompromise" "$W/ocsp.out"; }
if [[ -s $W/kc1.pem && -s $W/kc2.pem ]] && poll_until 10 kc_revoked "$W/kc1.pem" &&
   poll_until 10 kc_revoked "$W/kc2.pem"; then
  t_pass ocsp-keycompromise-revokes-every-cert-of-the-key
else
  t_fail ocsp-keycompromise-revokes-every-cert-of-the-key "$(cat "$W/ocsp.out" 2>/dev/null)"
fi

# ------------------------------------------------ revoke from another process ---
t_case_start
if "$CAIRND_BIN" admin --data "$CAIRND_DATA" revoke "$(serial_of "$TWO")" 5 >"$W/admin.out" 2>&1 &&
   poll_until "$DELAY_MAX" ocsp_says "$TWO" revoked && grep -q "Reason: cessationOfOperation" "$W/ocsp.out"; then
  t_pass admin-revoke-published-by-running-cairnd
else
  t_fail admin-revoke-published-by-running-cairnd "$(cat "$W/admin.out" "$W/ocsp.out" 2>&1)"
fi

t_case_start
if kill -0 "$CAIRND_PID" 2>/dev/null; then t_pass revocation-cairnd-alive; else t_fail revocation-cairnd-alive; fi
