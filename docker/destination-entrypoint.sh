#!/usr/bin/env bash
# Entry point of docker-compose.yml's destination, run as root before the postgres image's own docker-entrypoint.sh:
# gives the certificates' volume (created owned by root) to postgres, so that destination-tls.sh, which the image runs
# as postgres from /docker-entrypoint-initdb.d at the first start, can write the client's certificate and key there.
set -euo pipefail

certs=${DESTINATION_CERTS_DIR:-/certs}
mkdir -p "$certs"
chown postgres:postgres "$certs"
exec "${POSTGRES_IMAGE_ENTRYPOINT:-docker-entrypoint.sh}" "$@"
