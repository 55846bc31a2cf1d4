#!/usr/bin/env bash
# The nas launcher: builds the project on first use, then runs the picocli `nas` command.
#   ./nas demo            a real architecture search, end to end, on this machine
#   ./nas --help          every command
set -euo pipefail
NAS_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export NAS_HOME
JAR="$NAS_HOME/cli/target/nas.jar"

# Rebuild when the launcher jar is missing or any source or POM is newer than it.
if [ ! -f "$JAR" ] || [ -n "$(find "$NAS_HOME" \( -path "$NAS_HOME/.git" -o -name target -o -path "$NAS_HOME/out" \) -prune -o \
      \( -name '*.java' -o -name 'pom.xml' -o -path '*/src/main/resources/*' \) -newer "$JAR" -print -quit)" ]; then
  echo "nas: building (first run or sources changed)…" >&2
  ui=()
  if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    # the web UI's ECharts is vendored from npm at build time; without it the UI serves its tables but no charts
    echo "nas: node/npm not found: building the web UI without its charts (apt-get install nodejs npm to have them)" >&2
    ui=(-Dexec.skip=true)
  fi
  (cd "$NAS_HOME" && ./mvnw -q -B -ntp install -DskipTests -Djib.skip "${ui[@]}") >&2
fi

# Run from the user's directory: their relative paths resolve there; the project's own files (examples, the
# bundled dataset) are found through NAS_HOME, and what commands write by default goes to $XDG_STATE_HOME/nas.
# DJL must never download at run time: the PyTorch natives come from the jars on the classpath.
exec java ${NAS_JAVA_OPTS:--Xmx4g} -Dai.djl.offline=true -jar "$JAR" "$@"
