#!/usr/bin/env bash
# Entry point of docker-compose.yml's Flink containers, run as root before the image's own /docker-entrypoint.sh:
# - copies the repository's config.yaml (mounted read-only) to conf/, which the image's entrypoint rewrites
#   (JOB_MANAGER_RPC_ADDRESS, blob and query ports);
# - hands the state volume to the flink user (uid 9999): a new named volume is created owned by root;
# - for the JobManager (standalone-job), resumes from the newest retained checkpoint of the job's fixed id, as a
#   JobManager without HA otherwise starts the job afresh after a restart.
set -euo pipefail

cp /opt/audit-trail/flink-conf/config.yaml "$FLINK_HOME/conf/config.yaml"
chown flink:flink "$FLINK_HOME/conf/config.yaml"
mkdir -p /opt/flink/data
chown flink:flink /opt/flink/data

if [[ "${1:-}" == standalone-job ]]; then
  : "${AUDIT_TRAIL_JOB_ID:?set AUDIT_TRAIL_JOB_ID, the job id its checkpoints are kept under}"
  newest=""
  for metadata in /opt/flink/data/checkpoints/"$AUDIT_TRAIL_JOB_ID"/chk-*/_metadata; do
    [[ -e "$metadata" ]] || continue
    checkpoint=$(dirname "$metadata")
    if [[ -z "$newest" || ${checkpoint##*chk-} -gt ${newest##*chk-} ]]; then
      newest=$checkpoint
    fi
  done
  shift
  if [[ -n "$newest" ]]; then
    echo "Resuming from the newest checkpoint, $newest"
    set -- standalone-job --job-id "$AUDIT_TRAIL_JOB_ID" --fromSavepoint "file://$newest" "$@"
  else
    echo "No checkpoint under /opt/flink/data/checkpoints/$AUDIT_TRAIL_JOB_ID: starting the job afresh"
    set -- standalone-job --job-id "$AUDIT_TRAIL_JOB_ID" "$@"
  fi
fi
exec /docker-entrypoint.sh "$@"
