#!/usr/bin/env bash
# Entry point of docker-compose.yml's Flink containers, run as root before the image's own /docker-entrypoint.sh:
# - copies the repository's config.yaml (mounted read-only) to conf/, which the image's entrypoint rewrites
#   (JOB_MANAGER_RPC_ADDRESS, blob and query ports);
# - hands the state volume to the flink user (uid 9999): a new named volume is created owned by root;
# - for the JobManager (standalone-job), resumes from the newest retained checkpoint of the job's fixed id, as a
#   JobManager without HA otherwise starts the job afresh after a restart.
# The variables below default to the image's paths; ComposeFileTest runs the script with its own.
set -euo pipefail

conf_source=${AUDIT_TRAIL_FLINK_CONF:-/opt/audit-trail/flink-conf}
data=${FLINK_DATA_DIR:-/opt/flink/data}
image_entrypoint=${FLINK_IMAGE_ENTRYPOINT:-/docker-entrypoint.sh}
user=${FLINK_USER:-flink}

cp "$conf_source/config.yaml" "$FLINK_HOME/conf/config.yaml"
chown "$user:" "$FLINK_HOME/conf/config.yaml"
mkdir -p "$data"
chown "$user:" "$data"

if [[ "${1:-}" == standalone-job ]]; then
  : "${AUDIT_TRAIL_JOB_ID:?set AUDIT_TRAIL_JOB_ID, the job id its checkpoints are kept under}"
  newest=""
  for metadata in "$data/checkpoints/$AUDIT_TRAIL_JOB_ID"/chk-*/_metadata; do
    [[ -e "$metadata" ]] || continue
    checkpoint=$(dirname "$metadata")
    if [[ -z "$newest" || ${checkpoint##*chk-} -gt ${newest##*chk-} ]]; then
      newest=$checkpoint
    fi
  done
  shift
  if [[ -n "$newest" ]]; then
    echo "Resuming from the newest checkpoint, $newest" >&2
    set -- standalone-job --job-id "$AUDIT_TRAIL_JOB_ID" --fromSavepoint "file://$newest" "$@"
  else
    echo "No checkpoint under $data/checkpoints/$AUDIT_TRAIL_JOB_ID: starting the job afresh" >&2
    set -- standalone-job --job-id "$AUDIT_TRAIL_JOB_ID" "$@"
  fi
fi
exec "$image_entrypoint" "$@"
