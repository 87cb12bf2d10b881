#!/usr/bin/env bash
# Runs a JobManager (StandaloneSessionClusterEntrypoint) in the foreground, as Flink's jobmanager.sh start-foreground does.
# Usage: bin/jobmanager.sh [start-foreground] [-D key=value ...]   (each -D overrides conf/config.yaml)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/config.sh"
# start-foreground, as the Flink image's entrypoint passes it, is the only mode: taken and dropped
if [[ "${1:-}" == start-foreground ]]; then shift; fi

load_flink_config "$@"
# JVM memory options (-Xmx, -Xms, -XX:MaxMetaspaceSize, ...) computed by Flink from jobmanager.memory.*
params=$(bash_java_utils GET_JM_RESOURCE_PARAMS "$@")
jvm_params=$(echo "$params" | head -n1)
dynamic_configs=$(echo "$params" | tail -n +2 | head -n1)
java_opts="$(flink_config env.java.opts.all) $(flink_config env.java.opts.jobmanager)"

log="$FLINK_LOG_DIR/flink-$(id -un)-standalonesession-${HOSTNAME:-$(uname -n)}.log"
echo "JobManager: logging to $log" >&2
# word splitting of the option strings is wanted: each holds several JVM options
# shellcheck disable=SC2086
exec "$JAVA_RUN" $jvm_params $java_opts ${JVM_ARGS:-} \
  "-Dlog.file=$log" "-Dlog4j.configurationFile=file:$FLINK_CONF_DIR/log4j.properties" \
  -classpath "$FLINK_CLASSPATH" org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint \
  --configDir "$FLINK_CONF_DIR" --executionMode cluster $dynamic_configs "$@"
