#!/usr/bin/env bash
# Entry point of the job's image (docker/Dockerfile), run as root before the Flink image's own /docker-entrypoint.sh:
# - hands the state directories (checkpoints, savepoints: volumes, which Docker may create owned by root) to the flink
#   user (uid 9999) when run as root;
# - for the JobManager (standalone-job), resumes from the newest retained checkpoint or savepoint of the job's fixed id:
#   a JobManager without HA otherwise starts the job afresh after a restart, and a job stopped with a savepoint leaves
#   no retained checkpoint, only that savepoint.
# The variables below default to the image's paths; ComposeFileTest and ApplicationModeITCase run the script with their
# own.
set -euo pipefail

data=${FLINK_DATA_DIR:-/opt/flink/data}
image_entrypoint=${FLINK_IMAGE_ENTRYPOINT:-/docker-entrypoint.sh}
user=${FLINK_USER:-flink}

for dir in "$data/checkpoints" "$data/savepoints"; do
  mkdir -p "$dir"
  if [[ $(id -u) -eq 0 ]]; then chown "$user:" "$dir"; fi
done

if [[ "${1:-}" == standalone-job ]]; then
  : "${AUDIT_TRAIL_JOB_ID:?set AUDIT_TRAIL_JOB_ID, the job id its checkpoints and savepoints are kept under}"
  # a completed checkpoint or savepoint has its _metadata; a savepoint's directory names the job id's first 6 digits
  newest=""
  for metadata in "$data/checkpoints/$AUDIT_TRAIL_JOB_ID"/chk-*/_metadata \
      "$data/savepoints/savepoint-${AUDIT_TRAIL_JOB_ID:0:6}"-*/_metadata; do
    [[ -e "$metadata" ]] || continue
    if [[ -z "$newest" || "$metadata" -nt "$newest/_metadata" ]]; then
      newest=$(dirname "$metadata")
    fi
  done
  shift
  if [[ -n "$newest" ]]; then
    echo "Resuming from the newest checkpoint or savepoint, $newest" >&2
    set -- standalone-job --job-id "$AUDIT_TRAIL_JOB_ID" --fromSavepoint "file://$newest" "$@"
  else
    echo "No checkpoint or savepoint of job $AUDIT_TRAIL_JOB_ID under $data: starting the job afresh" >&2
    set -- standalone-job --job-id "$AUDIT_TRAIL_JOB_ID" "$@"
  fi
fi
exec "$image_entrypoint" "$@"
