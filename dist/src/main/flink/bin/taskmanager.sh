#!/usr/bin/env bash
# Runs a TaskManager (TaskManagerRunner) in the foreground, as Flink's taskmanager.sh start-foreground does.
# Usage: bin/taskmanager.sh [start-foreground] [-D key=value ...]   (each -D overrides conf/config.yaml); start as many as wanted.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/config.sh"
# start-foreground, as the Flink image's entrypoint passes it, is the only mode: taken and dropped
if [[ "${1:-}" == start-foreground ]]; then shift; fi

load_flink_config "$@"
# JVM memory options, and the memory sizes Flink computed from taskmanager.memory.*, passed on as -D arguments
params=$(bash_java_utils GET_TM_RESOURCE_PARAMS "$@")
jvm_params=$(echo "$params" | head -n1)
dynamic_configs=$(echo "$params" | tail -n +2 | head -n1)
java_opts="$(flink_config env.java.opts.all) $(flink_config env.java.opts.taskmanager)"

# one log per TaskManager: several may run on one host
log="$FLINK_LOG_DIR/flink-$(id -un)-taskexecutor-$$-${HOSTNAME:-$(uname -n)}.log"
echo "TaskManager: logging to $log" >&2
# word splitting of the option strings is wanted: each holds several JVM options
# shellcheck disable=SC2086
exec "$JAVA_RUN" $jvm_params $java_opts ${JVM_ARGS:-} \
  "-Dlog.file=$log" "-Dlog4j.configurationFile=file:$FLINK_CONF_DIR/log4j.properties" \
  -classpath "$FLINK_CLASSPATH" org.apache.flink.runtime.taskexecutor.TaskManagerRunner \
  --configDir "$FLINK_CONF_DIR" $dynamic_configs "$@"
