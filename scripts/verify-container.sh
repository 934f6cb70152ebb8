#!/usr/bin/env bash
# Checks the Dockerfile as far as a machine without a container engine or the base images can. It does NOT build
# the image. What it does, each from the Dockerfile itself (so it cannot drift from it):
#   1. lints it (dockerfile-utils from npm);
#   2. checks the base images are pinned to the SDK and ASP.NET Core runtime this machine builds and tests with;
#   3. runs the build stage's COPY and RUN steps in an empty folder that gets only what those COPY lines copy
#      (less what .dockerignore leaves out), so a file the build needs but the Dockerfile forgets fails here;
#   4. runs the published output as the runtime stage does: its ENV, from its WORKDIR, as a user other than root
#      (when run as root), with its ENTRYPOINT, on PORT via ASPNETCORE_URLS as `docker run -e` would; then the
#      HEALTHCHECK command must pass and /health/ready answer 200.
# Not verified here: the base images' own contents, the image's layers and user (APP_UID), EXPOSE, and the
# HEALTHCHECK timings.
#   scripts/verify-container.sh [PORT]   (default 18080; PostgreSQL: ConnectionStrings__HeadlessNews, or a throwaway
#                                          cluster on HEADLESSNEWS_VERIFY_PG_PORT, default 54339)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
port=${1:-18080}
work=$(mktemp -d /tmp/headlessnews-container-XXXXXX)
# The throwaway PostgreSQL runs as the postgres user when this runs as root, and the app as nobody: both look in here.
chmod 755 "$work"
app_pid=""
stop_db=""
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null || true
  [ -n "$stop_db" ] && $stop_db >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
step() { echo "== $*" >&2; }

# The Dockerfile with continuation lines joined and comments dropped, one instruction a line.
instructions() { sed -e '/^[[:space:]]*#/d' Dockerfile | sed -e ':a' -e '/\\$/N; s/\\\n//; ta' | sed -e '/^[[:space:]]*$/d'; }
# The words of a JSON-array (exec form) instruction: ["dotnet", "x.dll"] -> dotnet x.dll
exec_form() { sed -e 's/^[^[]*\[//' -e 's/\][[:space:]]*$//' -e 's/"[[:space:]]*,[[:space:]]*"/ /g' -e 's/"//g'; }

step "1. lint"
if ! command -v npx >/dev/null; then
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm >&2
fi
lint=$(npx --yes dockerfile-utils@0.16.3 lint "$root/Dockerfile" 2>&1) || { echo "$lint" >&2; exit 1; }
# It prints one line per finding, and nothing for a clean file.
if [ -n "$(echo "$lint" | grep -v '^npm ' || true)" ]; then echo "$lint" >&2; echo "The Dockerfile has lint findings." >&2; exit 1; fi
echo "no findings" >&2

step "2. pinned base images"
sdk_tag=$(instructions | awk 'toupper($1)=="FROM" && $2 ~ /dotnet\/sdk:/ {split($2, a, ":"); print a[2]; exit}')
runtime_tag=$(instructions | awk 'toupper($1)=="FROM" && $2 ~ /dotnet\/aspnet:/ {split($2, a, ":"); print a[2]; exit}')
[[ "$sdk_tag" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "The SDK image is not pinned to a version: '$sdk_tag'" >&2; exit 1; }
[[ "$runtime_tag" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "The runtime image is not pinned to a version: '$runtime_tag'" >&2; exit 1; }
[ "$sdk_tag" = "$(dotnet --version)" ] || { echo "sdk:$sdk_tag, but this machine builds with SDK $(dotnet --version)" >&2; exit 1; }
dotnet --list-runtimes | grep -q "^Microsoft.AspNetCore.App $runtime_tag " \
  || { echo "aspnet:$runtime_tag, but this machine runs ASP.NET Core $(dotnet --list-runtimes | awk '/AspNetCore/ {print $2}' | xargs)" >&2; exit 1; }
echo "sdk:$sdk_tag and aspnet:$runtime_tag are what this machine builds and runs with" >&2

step "3. the build stage, in a folder with only what it copies"
context=$work/src
out=$work/app
mkdir -p "$context"
# What .dockerignore leaves out of the build context, as tar exclusions for a folder copied from SOURCE: "**/name/"
# anywhere below it, "path/" when it lies inside it (the only two forms this repository's .dockerignore uses).
excludes_for() {
  local source=${1%/}/ pattern
  while IFS= read -r pattern; do
    pattern=${pattern%/}
    { [ -z "$pattern" ] || [[ "$pattern" == \#* ]]; } && continue
    if [[ "$pattern" == \*\*/* ]]; then echo "--no-anchored --exclude=${pattern#\*\*/}"
    elif [[ "$pattern" == "$source"* ]]; then echo "--anchored --exclude=./${pattern#"$source"}"
    fi
  done < .dockerignore
}
stage=0
while IFS= read -r line; do
  keyword=$(echo "$line" | awk '{print toupper($1)}')
  rest=${line#* }
  if [ "$keyword" = FROM ]; then stage=$((stage + 1)); continue; fi
  [ "$stage" = 1 ] || continue
  case "$keyword" in
    WORKDIR) ;;
    COPY)
      read -r -a words <<<"$rest"
      dest=${words[-1]}
      for source in "${words[@]:0:${#words[@]}-1}"; do
        mkdir -p "$context/$dest"
        echo "COPY $source $dest" >&2
        if [ -d "$source" ]; then
          # shellcheck disable=SC2046
          tar -C "$source" $(excludes_for "$source") -cf - . | tar -C "$context/$dest" -xf -
        else
          cp "$source" "$context/$dest/"
        fi
      done ;;
    RUN)
      command=${rest//\/app/$out}
      echo "RUN $command" >&2
      (cd "$context" && bash -c "$command" >&2) ;;
    *) echo "The build stage has an instruction this script does not know: $line" >&2; exit 1 ;;
  esac
done < <(instructions)
[ -f "$out/HeadlessNews.Api.dll" ] || { echo "The build stage did not publish HeadlessNews.Api.dll" >&2; exit 1; }

step "4. the runtime stage: its ENV and ENTRYPOINT, then its HEALTHCHECK"
if [ -z "${ConnectionStrings__HeadlessNews:-}" ]; then
  pg_port=${HEADLESSNEWS_VERIFY_PG_PORT:-54339}
  ConnectionStrings__HeadlessNews=$(scripts/local-postgres.sh "$work/postgres" "$pg_port")
  stop_db="scripts/local-postgres.sh $work/postgres $pg_port stop"
fi
environment=(env -i PATH="$PATH" HOME=/tmp DOTNET_CLI_HOME=/tmp)
entrypoint=""
healthcheck=""
stage=0
while IFS= read -r line; do
  keyword=$(echo "$line" | awk '{print toupper($1)}')
  rest=${line#* }
  if [ "$keyword" = FROM ]; then stage=$((stage + 1)); continue; fi
  [ "$stage" = 2 ] || continue
  case "$keyword" in
    ENV) for pair in $rest; do environment+=("$pair"); done ;;
    ENTRYPOINT) entrypoint=$(echo "$rest" | exec_form) ;;
    HEALTHCHECK) healthcheck=$(echo "${rest#*CMD }" | exec_form) ;;
  esac
done < <(instructions)
[ -n "$entrypoint" ] && [ -n "$healthcheck" ] || { echo "The runtime stage has no ENTRYPOINT or HEALTHCHECK" >&2; exit 1; }
# As `docker run -e ConnectionStrings__HeadlessNews=… -e ASPNETCORE_URLS=http://+:PORT` would set them.
environment+=(ConnectionStrings__HeadlessNews="$ConnectionStrings__HeadlessNews" ASPNETCORE_URLS="http://+:$port")
# The image runs as a non-root user: so does this, when it can.
as_app=()
if [ "$(id -u)" = 0 ]; then
  chmod -R a+rX "$work"
  as_app=(runuser -u nobody --)
fi
echo "ENTRYPOINT $entrypoint  (ASPNETCORE_URLS=http://+:$port${as_app:+, as nobody})" >&2
(cd "$out" && exec "${as_app[@]}" "${environment[@]}" $entrypoint) &
app_pid=$!
ready=""
for _ in $(seq 90); do
  kill -0 "$app_pid" 2>/dev/null || { echo "The published app stopped before it was ready." >&2; exit 1; }
  if (cd "$out" && "${as_app[@]}" "${environment[@]}" $healthcheck >/dev/null 2>&1); then ready=1; break; fi
  sleep 1
done
[ -n "$ready" ] || { echo "HEALTHCHECK ($healthcheck) did not pass within 90 s." >&2; exit 1; }
echo "HEALTHCHECK $healthcheck: passed" >&2
status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready")
[ "$status" = 200 ] || { echo "/health/ready answered $status" >&2; exit 1; }
echo "/health/ready: 200" >&2
echo "OK: lint, pins, build stage and runtime stage verified without the base images; the image itself was not built." >&2
