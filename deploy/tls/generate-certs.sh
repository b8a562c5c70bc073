#!/bin/sh
# A CA and a serving certificate for the Portcullis webhook Service, made with openssl:
#
#   deploy/tls/generate-certs.sh [NAMESPACE [OUTDIR [DAYS]]]     (defaults: portcullis . 365)
#
# Writes OUTDIR/ca.crt, ca.key, tls.crt and tls.key (ECDSA P-256). The certificate names
# portcullis.NAMESPACE.svc and portcullis.NAMESPACE.svc.cluster.local, the names the API
# server dials. Then (docs/deployment.md, TLS):
#
#   kubectl -n NAMESPACE create secret tls portcullis-tls --cert=OUTDIR/tls.crt --key=OUTDIR/tls.key
#   portcullis install --namespace NAMESPACE --ca-bundle OUTDIR/ca.crt | kubectl apply --server-side -f -
#
# Keep ca.key offline (it signs the next certificate) or delete it and make a new CA then.
set -eu

ns="${1:-portcullis}"
out="${2:-.}"
days="${3:-365}"

case "$ns" in
  *[!a-z0-9-]* | -* | *- | '') echo "generate-certs: \"$ns\" is not a namespace name" >&2; exit 2 ;;
esac
case "$days" in
  *[!0-9]* | '') echo "generate-certs: \"$days\" is not a number of days" >&2; exit 2 ;;
esac
mkdir -p "$out"
umask 077
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
  -keyout "$out/ca.key" -out "$out/ca.crt" -days "$days" -subj "/CN=portcullis-webhook-ca" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
  -keyout "$out/tls.key" -out "$tmp/tls.csr" -subj "/CN=portcullis.$ns.svc"

cat > "$tmp/tls.ext" <<EXT
subjectAltName=DNS:portcullis.$ns.svc,DNS:portcullis.$ns.svc.cluster.local
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
EXT

openssl x509 -req -in "$tmp/tls.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAserial "$tmp/ca.srl" -CAcreateserial \
  -out "$out/tls.crt" -days "$days" -extfile "$tmp/tls.ext"

# The certificates are public; the keys stay readable by their owner only (umask above).
chmod 644 "$out/ca.crt" "$out/tls.crt"
echo "generate-certs: wrote $out/ca.crt $out/ca.key $out/tls.crt $out/tls.key for portcullis.$ns.svc" >&2
