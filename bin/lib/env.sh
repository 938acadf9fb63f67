# Sourced by the bin/ scripts: finds a JDK >= 22 and sets JAVA_HOME, JAVA and LLMJ_ROOT.
#
# Order: $JAVA_HOME when it is new enough, else the newest JDK under /usr/lib/jvm (or
# $LLMJ_JVM_DIR). Exits 3 with a message naming what is needed when there is none.

LLMJ_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LLMJ_MIN_JDK=22

# Prints the feature release (17, 21, 25, ...) of the JDK at $1, or nothing.
llmj_jdk_major() {
  local home="$1"
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 0
  local v
  v=$("$home/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1)
  case "$v" in
    1.*) echo "${v#1.}" ;;
    *) echo "$v" ;;
  esac
}

llmj_find_jdk() {
  local major
  if [ -n "${JAVA_HOME:-}" ]; then
    major=$(llmj_jdk_major "$JAVA_HOME")
    if [ -n "$major" ] && [ "$major" -ge "$LLMJ_MIN_JDK" ]; then
      return 0
    fi
  fi
  local best="" best_major=0 dir
  for dir in "${LLMJ_JVM_DIR:-/usr/lib/jvm}"/*; do
    [ -d "$dir" ] && [ ! -L "$dir" ] || continue
    major=$(llmj_jdk_major "$dir")
    if [ -n "$major" ] && [ "$major" -ge "$LLMJ_MIN_JDK" ] && [ "$major" -gt "$best_major" ]; then
      best="$dir"; best_major="$major"
    fi
  done
  if [ -z "$best" ]; then
    echo "llmj: needs a JDK $LLMJ_MIN_JDK or newer (with jdk.incubator.vector and the final FFM API);" >&2
    echo "      JAVA_HOME=${JAVA_HOME:-<unset>} is not one and none was found under ${LLMJ_JVM_DIR:-/usr/lib/jvm}." >&2
    echo "      Install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2
    exit 3
  fi
  export JAVA_HOME="$best"
}

llmj_find_jdk
export JAVA_HOME
JAVA="$JAVA_HOME/bin/java"
# Maven 3.8's bundled Guava uses sun.misc.Unsafe; JDK 24+ warns about it on every build.
if [ "$(llmj_jdk_major "$JAVA_HOME")" -ge 24 ]; then
  case " ${MAVEN_OPTS:-} " in
    *sun-misc-unsafe-memory-access*) ;;
    *) export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" ;;
  esac
fi
LLMJ_JVM_FLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED)

# Maven, quiet about downloads; runs with the JDK found above.
llmj_mvn() {
  if ! command -v mvn >/dev/null 2>&1; then
    echo "llmj: Apache Maven (mvn) is needed to build; install it (e.g. apt-get install maven)." >&2
    exit 3
  fi
  (cd "$LLMJ_ROOT" && mvn -B -ntp "$@")
}
