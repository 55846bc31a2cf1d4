#!/usr/bin/env bash
# The nas launcher: builds the project on first use, then runs the picocli `nas` command.
#   ./nas demo            a real architecture search, end to end, on this machine
#   ./nas --help          every command
set -euo pipefail
NAS_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export NAS_HOME
JAR="$NAS_HOME/cli/target/nas.jar"

# Rebuild when the launcher jar is missing or any source or POM is newer than it.
stale() {
  [ ! -f "$JAR" ] || [ -n "$(find "$NAS_HOME" \( -path "$NAS_HOME/.git" -o -name target -o -name node_modules -o -path "$NAS_HOME/out" \) -prune -o \
      \( -name '*.java' -o -name 'pom.xml' -o -path '*/src/main/resources/*' \) -newer "$JAR" -print -quit)" ]
}
# Several nas commands started at once (broker, controller, worker in the background) build once: the others wait.
if stale && command -v flock >/dev/null 2>&1; then
  exec 9>"${TMPDIR:-/tmp}/nas-build-$(id -u)-$(printf '%s' "$NAS_HOME" | cksum | cut -d' ' -f1).lock"
  flock 9
fi
if stale; then
  echo "nas: building (first run or sources changed)…" >&2
  ui=()
  if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    # the web UI's ECharts is vendored from npm at build time; without it the UI serves its tables but no charts
    echo "nas: node/npm not found: building the web UI without its charts (apt-get install nodejs npm to have them)" >&2
    ui=(-Dexec.skip=true)
  fi
  (cd "$NAS_HOME" && ./mvnw -q -B -ntp install -DskipTests -Djib.skip "${ui[@]}") >&2
fi
exec 9>&- # the build lock, if taken: released before the command runs (a broker or worker runs for long)

# The services started through this launcher keep their state and models in the user's state directory unless
# told otherwise (the images and service jars keep their own defaults).
nas_state="${XDG_STATE_HOME:-$HOME/.local/state}/nas"
export NAS_STATE_DIR="${NAS_STATE_DIR:-$nas_state/controller}"
export NAS_ARTIFACT_DIR="${NAS_ARTIFACT_DIR:-$nas_state/artifacts}"

# Run from the user's directory: their relative paths resolve there; the project's own files (examples, the
# bundled dataset) are found through NAS_HOME, and what commands write by default goes to $XDG_STATE_HOME/nas.
# DJL must never download at run time: the PyTorch natives come from the jars on the classpath.
exec java ${NAS_JAVA_OPTS:--Xmx4g} -Dai.djl.offline=true -jar "$JAR" "$@"
