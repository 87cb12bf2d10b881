#!/usr/bin/env bash
# The destination's TLS and access rules, made at its first start (the postgres image runs /docker-entrypoint-initdb.d/
# scripts once, on an empty data directory, as user postgres): a CA, a server certificate and a client certificate
# signed by it (seed 002: one CA for both sides), TLS on, and a pg_hba.conf that lets in only TLS connections with a
# client certificate and a password, from the CIDRs of DESTINATION_ALLOWED_CIDRS.
# The client's files go to DESTINATION_CERTS_DIR, a volume the job's containers mount read-only.
# Environment: PGDATA (set by the image), DESTINATION_CERTS_DIR (default /certs), DESTINATION_ALLOWED_CIDRS
# (blank- or comma-separated, default 0.0.0.0/0 ::/0, as seed 002's default), DESTINATION_HOST_NAMES (names the server
# certificate holds, default destination localhost), DESTINATION_CLIENT_USER (the client certificate's CN, default
# postgres: the role the job logs in as), DESTINATION_BROWSER_USER (the change browser's role: when set, a second client
# certificate for it goes to DESTINATION_BROWSER_CERTS_DIR, default /browser-certs, a volume only the browser mounts).
# Checked by DestinationTlsScriptITCase, which runs it against a real server; no Docker engine runs it in CI.
set -Eeuo pipefail
# openssl's progress output is silenced below: a failure still says where, and the container stops before serving
trap 'echo "destination-tls.sh: failed at line $LINENO" >&2' ERR

# A client certificate of the CA for role $1 into directory $2 (with the CA's certificate): its CN is the role, as
# clientcert=verify-full demands; the key in PKCS-8 DER, the form pgjdbc reads.
client_certificate() {
  local role="$1" dir="$2" tmp="$3"
  mkdir -p "$dir"
  openssl req -newkey rsa:3072 -nodes -sha256 -subj "/CN=$role" -keyout "$tmp/client.key" -out "$tmp/client.csr" 2> /dev/null
  printf 'extendedKeyUsage=clientAuth\n' > "$tmp/client.ext"
  openssl x509 -req -sha256 -days 825 -in "$tmp/client.csr" -CA "$PGDATA/root.crt" -CAkey "$PGDATA/ca.key" \
    -CAcreateserial -extfile "$tmp/client.ext" -out "$dir/client.crt" 2> /dev/null
  openssl pkcs8 -topk8 -inform PEM -outform DER -nocrypt -in "$tmp/client.key" -out "$dir/client.pk8"
  rm -f "$tmp/client.key"
  cp "$PGDATA/root.crt" "$dir/root.crt"
  # the clients run as other users (flink, uid 9999; the browser, uid 10001): each volume is mounted into its own alone
  chmod 644 "$dir/root.crt" "$dir/client.crt" "$dir/client.pk8"
}

destination_tls() {
  local certs="${DESTINATION_CERTS_DIR:-/certs}"
  local cidrs="${DESTINATION_ALLOWED_CIDRS:-0.0.0.0/0 ::/0}"
  local names="${DESTINATION_HOST_NAMES:-destination localhost}"
  local client="${DESTINATION_CLIENT_USER:-postgres}"
  local tmp
  command -v openssl > /dev/null || { echo "destination-tls.sh: openssl is missing from the image" >&2; return 1; }
  mkdir -p "$certs"
  tmp="$(mktemp -d)"
  # the keys are made readable by their owner alone from the start
  umask 077

  # the CA; its key stays in the data directory, never in the shared volume
  openssl req -x509 -newkey rsa:3072 -nodes -sha256 -days 3650 -subj "/CN=audit-trail destination CA" \
    -keyout "$PGDATA/ca.key" -out "$PGDATA/root.crt" 2> /dev/null

  # the server's certificate names every host name the job may connect by, as verify-full checks
  local san="" name
  for name in $names; do
    if [[ "$name" =~ ^[0-9.]+$ || "$name" == *:* ]]; then san+="${san:+,}IP:$name"; else san+="${san:+,}DNS:$name"; fi
  done
  openssl req -newkey rsa:3072 -nodes -sha256 -subj "/CN=${names%% *}" -keyout "$PGDATA/server.key" \
    -out "$tmp/server.csr" 2> /dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" > "$tmp/server.ext"
  openssl x509 -req -sha256 -days 825 -in "$tmp/server.csr" -CA "$PGDATA/root.crt" -CAkey "$PGDATA/ca.key" \
    -CAcreateserial -extfile "$tmp/server.ext" -out "$PGDATA/server.crt" 2> /dev/null

  # the browser's first: the healthcheck waits for the job's key, written last
  if [[ -n "${DESTINATION_BROWSER_USER:-}" ]]; then
    client_certificate "$DESTINATION_BROWSER_USER" "${DESTINATION_BROWSER_CERTS_DIR:-/browser-certs}" "$tmp"
  fi
  client_certificate "$client" "$certs" "$tmp"
  rm -rf "$tmp"

  cat >> "$PGDATA/postgresql.conf" <<EOF

# destination-tls.sh: TLS with the certificates made at first start; client certificates checked against the same CA
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
ssl_ca_file = 'root.crt'
ssl_min_protocol_version = 'TLSv1.2'
EOF

  # replaces the image's pg_hba.conf, which lets in any address with a password alone
  {
    echo "# destination-tls.sh: inside the container (pg_isready, psql) by socket; from the network only TLS with a"
    echo "# client certificate of the CA and a password, from DESTINATION_ALLOWED_CIDRS"
    echo "local all all trust"
    local cidr
    for cidr in ${cidrs//,/ }; do
      echo "hostssl all all $cidr scram-sha-256 clientcert=verify-full"
    done
  } > "$PGDATA/pg_hba.conf"
  echo "destination-tls.sh: TLS on, client certificates in $certs, connections from: ${cidrs//,/ }"
}

destination_tls
