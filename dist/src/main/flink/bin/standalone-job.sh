#!/usr/bin/env bash
# Runs a JobManager in application mode (StandaloneApplicationClusterEntryPoint) in the foreground, as Flink's
# standalone-job.sh start-foreground does, which the Flink image's entrypoint runs for its standalone-job command: the job
# is the one in usrlib/ (next to lib/), started by the JobManager itself.
# Usage: bin/standalone-job.sh start-foreground [--job-classname <class>] [--job-id <id>] [--fromSavepoint <path>]
#        [-D key=value ...] [job arguments ...]   (Flink's options first: the first argument it does not know starts the job's)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/config.sh"

if [[ "${1:-}" != start-foreground ]]; then
  echo "Usage: $(basename "$0") start-foreground [Flink options] [job arguments]: only the foreground mode, as containers run it" >&2
  exit 2
fi
shift

# BashJavaUtils keeps only the -D options of the arguments and reads the configuration with them
load_flink_config "$@"
params=$(bash_java_utils GET_JM_RESOURCE_PARAMS "$@")
jvm_params=$(echo "$params" | head -n1)
dynamic_configs=$(echo "$params" | tail -n +2 | head -n1)
java_opts="$(flink_config env.java.opts.all) $(flink_config env.java.opts.jobmanager)"

log="$FLINK_LOG_DIR/flink-$(id -un)-standalonejob-${HOSTNAME:-$(uname -n)}.log"
echo "JobManager (application mode): logging to $log" >&2
# word splitting of the option strings is wanted: each holds several JVM options
# shellcheck disable=SC2086
exec "$JAVA_RUN" $jvm_params $java_opts ${JVM_ARGS:-} \
  "-Dlog.file=$log" "-Dlog4j.configurationFile=file:$FLINK_CONF_DIR/log4j.properties" \
  -classpath "$FLINK_CLASSPATH" org.apache.flink.container.entrypoint.StandaloneApplicationClusterEntryPoint \
  --configDir "$FLINK_CONF_DIR" $dynamic_configs "$@"
