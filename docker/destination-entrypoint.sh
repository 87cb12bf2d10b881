#!/usr/bin/env bash
# Entry point of docker-compose.yml's destination, run as root before the postgres image's own docker-entrypoint.sh:
# gives the certificates' volumes (created owned by root) to postgres, so that destination-tls.sh, which the image runs
# as postgres from /docker-entrypoint-initdb.d at the first start, can write the clients' certificates and keys there.
set -euo pipefail

dirs=("${DESTINATION_CERTS_DIR:-/certs}")
if [[ -n "${DESTINATION_BROWSER_USER:-}" ]]; then dirs+=("${DESTINATION_BROWSER_CERTS_DIR:-/browser-certs}"); fi
for dir in "${dirs[@]}"; do
  mkdir -p "$dir"
  chown postgres:postgres "$dir"
done
exec "${POSTGRES_IMAGE_ENTRYPOINT:-docker-entrypoint.sh}" "$@"
