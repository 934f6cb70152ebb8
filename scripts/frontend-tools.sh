#!/usr/bin/env bash
# Makes sure the tools the client and browser tests use are here: Node.js with npm, and Debian's chromium
# (driven by Playwright; no browser download). Installs what is missing with apt.
set -euo pipefail
missing=()
command -v npm >/dev/null || missing+=(nodejs npm)
{ [ -x /usr/bin/chromium ] || [ -x /usr/bin/chromium-browser ]; } || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} with apt..." >&2
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
fi
