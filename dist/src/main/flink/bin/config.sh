#!/usr/bin/env bash
# Sourced by the launchers: where things are, lib/'s class path, and Flink's own BashJavaUtils, as Flink's config.sh uses it.

FLINK_BIN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FLINK_HOME=${FLINK_HOME:-$(dirname "$FLINK_BIN_DIR")}
FLINK_CONF_DIR=${FLINK_CONF_DIR:-$FLINK_HOME/conf}
FLINK_LIB_DIR=${FLINK_LIB_DIR:-$FLINK_HOME/lib}
FLINK_PLUGINS_DIR=${FLINK_PLUGINS_DIR:-$FLINK_HOME/plugins}
FLINK_LOG_DIR=${FLINK_LOG_DIR:-$FLINK_HOME/log}
# Flink reads these from the environment (the plugins directory otherwise defaults to ./plugins)
export FLINK_HOME FLINK_BIN_DIR FLINK_CONF_DIR FLINK_LIB_DIR FLINK_PLUGINS_DIR FLINK_LOG_DIR

if [[ -n "${JAVA_HOME:-}" ]]; then JAVA_RUN=$JAVA_HOME/bin/java; else JAVA_RUN=java; fi
# the jars flink-dist would bundle, one by one, sorted as Flink's config.sh sorts lib/ (a wildcard's order is the file system's)
FLINK_CLASSPATH=$(find "$FLINK_LIB_DIR" -maxdepth 1 -name '*.jar' | sort | paste -sd: -)
mkdir -p "$FLINK_LOG_DIR"

# Runs a BashJavaUtils command with the configuration and -D arguments given; prints its result lines, or fails with its output.
bash_java_utils() {
  local command=$1
  shift
  local output
  if ! output=$("$JAVA_RUN" -classpath "$FLINK_CLASSPATH" -Dlog4j2.level=ERROR \
      org.apache.flink.runtime.util.bash.BashJavaUtils "$command" --configDir "$FLINK_CONF_DIR" "$@" 2>&1); then
    echo "BashJavaUtils $command failed:" >&2
    echo "$output" >&2
    exit 1
  fi
  echo "$output" | grep '^BASH_JAVA_UTILS_EXEC_RESULT:' | sed 's/^BASH_JAVA_UTILS_EXEC_RESULT://'
}

# The value of a configuration key (nested config.yaml keys flattened, -D arguments applied), as Flink itself reads it.
flink_config() {
  local key=$1
  shift
  echo "$FLINK_FLAT_CONFIG" | sed -n "s/^$key: //p" | head -n1
}

# Reads the configuration once per launcher.
load_flink_config() {
  FLINK_FLAT_CONFIG=$(bash_java_utils UPDATE_AND_GET_FLINK_CONFIGURATION --flatten "$@")
}
