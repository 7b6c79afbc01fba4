#!/usr/bin/env bash
# 36-dnssec.sh — DNSSEC in domain validation and CAA (RFC 4033-4035 as
# libunbound implements them; CA/B BR 3.2.2.8.1): a real authoritative
# server (BIND 9 from Debian, package bind9) serves zones this script writes
# and signs with dnssec-signzone (bind9-utils), and cairnd resolves through
# it (--resolver) with that zone's DS as its only trust anchor
# (--trust-anchor). cairnd's resolver forwards every query, DNSKEY and DS
# included, to that server; no stub zone is needed.
#
# Zones: example.test (signed) with names whose A record is correctly
# signed, whose RRSIG is tampered with, whose RRSIG has expired (copied from
# a second signing dated 2020), and CAA records (allowing cairnd, naming
# another CA, an unknown critical tag, a tampered CAA signature); test.
# (unsigned, outside the trust anchor: insecure, which is fine). lego issues
# with http-01 (every A record is 127.0.0.1). Cases: signed-valid issued;
# tampered and expired signatures refused with a dns problem naming the
# DNSSEC failure; insecure zone issued; CAA through DNSSEC allows, refuses
# (caa), refuses a critical unknown tag (caa), and a bogus CAA answer is a
# dns problem. Prints "PASS|FAIL case".
#
# Environment: CAIRND (build/asan/cairnd when it exists, else build/cairnd),
# plus those of lib.sh (PORT_RANGE, CLIENT_TIMEOUT, ...).
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
[[ -z ${CAIRND:-} && -x $T_ROOT/build/asan/cairnd ]] && export CAIRND=$T_ROOT/build/asan/cairnd

B=$T_TMP/bind
ZONE=example.test

# make_zones — writes and signs the zones into $B; the trust anchor is $B/ta.
make_zones() {
  mkdir -p "$B" && cd "$B" || return 1
  cat > zone.in <<ZONE
\$TTL 60
@         IN SOA ns.$ZONE. hostmaster.$ZONE. 1 60 60 600 60
@         IN NS  ns.$ZONE.
ns        IN A   127.0.0.1
good      IN A   127.0.0.1
www.good  IN A   127.0.0.1
tampered  IN A   127.0.0.1
expired   IN A   127.0.0.1
caaok     IN A   127.0.0.1
caaok     IN CAA 0 issue "cairn.test"
caaother  IN A   127.0.0.1
caaother  IN CAA 0 issue "other-ca.example"
caacrit   IN A   127.0.0.1
caacrit   IN CAA 0 issue "cairn.test"
caacrit   IN CAA 128 tbs "Unknown"
caabogus  IN A   127.0.0.1
caabogus  IN CAA 0 issue "cairn.test"
ZONE
  cat > test.zone <<ZONE
\$TTL 60
@                IN SOA ns.test. hostmaster.test. 1 60 60 600 60
@                IN NS  ns.test.
ns               IN A   127.0.0.1
www.unsigned     IN A   127.0.0.1
ZONE
  local ksk zsk
  ksk=$(dnssec-keygen -q -K . -a ECDSAP256SHA256 -f KSK -n ZONE $ZONE) &&
    zsk=$(dnssec-keygen -q -K . -a ECDSAP256SHA256 -n ZONE $ZONE) || return 1
  cat "$ksk.key" "$zsk.key" >> zone.in
  # -O full: one record a line, so that single RRSIGs can be edited below.
  dnssec-signzone -q -O full -o $ZONE -f good.signed -s now-3600 -e now+2592000 zone.in "$ksk.key" "$zsk.key" &&
    dnssec-signzone -q -P -O full -o $ZONE -f old.signed -s 20200101000000 -e 20200201000000 \
      zone.in "$ksk.key" "$zsk.key" || return 1
  # tampered: flip a character of the signature of its A record (and of caabogus's CAA);
  # expired: its A record's signature from the 2020 signing.
  awk -v old=old.signed -v z="$ZONE." '
    BEGIN { while ((getline l < old) > 0) { split(l, f, /[ \t]+/)
              if (f[1] == "expired." z && f[4] == "RRSIG" && f[5] == "A") stale = l } }
    function flip(line,   n, g, last) {
      n = split(line, g, /[ \t]+/); last = g[n]
      return substr(line, 1, length(line) - length(last)) (substr(last, 1, 1) == "A" ? "B" : "A") substr(last, 2)
    }
    { split($0, f, /[ \t]+/) }
    f[1] == "tampered." z && f[4] == "RRSIG" && f[5] == "A" { print flip($0); n++; next }
    f[1] == "caabogus." z && f[4] == "RRSIG" && f[5] == "CAA" { print flip($0); n++; next }
    f[1] == "expired." z && f[4] == "RRSIG" && f[5] == "A" { print stale; n++; next }
    { print }
    END { if (n != 3 || stale == "") exit 1 }' good.signed > zone.signed || { t_log "editing the signed zone failed"; return 1; }
  cp "dsset-$ZONE." ta
  cd - >/dev/null
}

# start_bind — named on a free port, authoritative only. Exports DNS_PORT.
start_bind() {
  command -v named >/dev/null || { t_log "named not installed (package bind9)"; return 1; }
  DNS_PORT=$(free_port) || return 1
  export DNS_PORT
  cat > "$B/named.conf" <<CONF
options {
  directory "$B";
  pid-file "$B/named.pid";
  listen-on port $DNS_PORT { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify no;
};
controls { };
zone "$ZONE" { type primary; file "$B/zone.signed"; };
zone "test" { type primary; file "$B/test.zone"; };
CONF
  t_bg named named -g -c "$B/named.conf"
  BIND_PID=$T_BG_PID
  poll_until 15 _bind_ready || { t_log "named did not come up:"; tail -n 20 "$T_TMP/named.log" >&2; return 1; }
  t_log "named: 127.0.0.1:$DNS_PORT"
}
_bind_ready() {
  kill -0 "$BIND_PID" 2>/dev/null || return 255
  [[ $(kdig @127.0.0.1 -p "$DNS_PORT" +short +time=1 +retry=0 "good.$ZONE" A) == 127.0.0.1 ]]
}

# lego_case CASE NAME WANT [TEXT...] — WANT "ok": lego issues for NAME;
# else lego fails with the problem type WANT, its detail containing each TEXT.
lego_case() {
  local c=$1 name=$2 want=$3 wd=$T_TMP/$1 log line t; shift 3
  t_case_start
  if client_issue lego http-01 "$wd" "$name" >/dev/null; then
    [[ $want == ok ]] && { t_pass "$c"; return; }
    t_fail "$c" "lego got a certificate for $name; want a $want problem"
    return
  fi
  [[ $want == ok ]] && { t_fail "$c" "lego could not get a certificate for $name"; return; }
  log=$(ls "$wd"/logs/lego-issue-*.log 2>/dev/null | head -n 1)
  line=$(grep -h "urn:ietf:params:acme:error:" "$log" 2>/dev/null | head -n 1)
  [[ $line == *"urn:ietf:params:acme:error:$want "* ]] ||
    { t_fail "$c" "want a $want problem; lego said: ${line:-$(tail -n 2 "$log")}"; return; }
  for t in "$@"; do
    [[ $line == *"$t"* ]] || { t_fail "$c" "the problem lacks '$t': $line"; return; }
  done
  t_log "$c: $line"
  t_pass "$c"
}

t_case_start
for tool in dnssec-keygen dnssec-signzone kdig; do
  command -v $tool >/dev/null || { t_fail dnssec-setup "$tool not installed (bind9-utils, knot-dnsutils)"; exit 1; }
done
make_zones || { t_fail dnssec-setup "could not sign the zones"; exit 1; }
start_bind || { t_fail dnssec-setup "could not start named"; exit 1; }
# The server really serves signatures, and the tampered and expired ones.
t_case_start
if kdig @127.0.0.1 -p "$DNS_PORT" +dnssec "good.$ZONE" A | grep -q 'RRSIG' &&
   kdig @127.0.0.1 -p "$DNS_PORT" +dnssec "expired.$ZONE" A | grep -q 'RRSIG.*20200201000000'; then
  t_pass dnssec-zone-served
else
  t_fail dnssec-zone-served "named does not answer with the signatures written"
fi

export CAIRND_ARGS="--trust-anchor $B/ta --caa-identities cairn.test"
t_case_start
start_cairnd || { t_fail dnssec-cairnd-start "could not start cairnd (log in $T_TMP)"; exit 1; }
grep -q "DNSSEC validating" "$T_TMP/cairnd.log" && t_pass dnssec-cairnd-validating ||
  t_fail dnssec-cairnd-validating "cairnd does not say it validates DNSSEC"

lego_case dnssec-signed-valid "good.$ZONE" ok
lego_case dnssec-tampered-signature-dns "tampered.$ZONE" dns "DNSSEC validation of A tampered.$ZONE failed" \
  "signature verification failed"
lego_case dnssec-expired-signature-dns "expired.$ZONE" dns "DNSSEC validation of A expired.$ZONE failed" \
  "signature expired"
lego_case dnssec-insecure-zone-ok "www.unsigned.test" ok
lego_case dnssec-caa-allows "caaok.$ZONE" ok
lego_case dnssec-caa-other-ca "caaother.$ZONE" caa '0 issue "other-ca.example" (another CA)'
lego_case dnssec-caa-critical-tag "caacrit.$ZONE" caa "critical property"
lego_case dnssec-caa-bogus-dns "caabogus.$ZONE" dns "DNSSEC validation of CAA caabogus.$ZONE failed"
kill -0 "$CAIRND_PID" 2>/dev/null || { t_fail dnssec-cairnd-alive "cairnd died"; exit 1; }
