#!/usr/bin/env bash
# The reference front end against the API, in one command: http://127.0.0.1:5173
# Starts the API with the demo newsroom and the development sign-in (scripts/run-local.sh) unless one already answers at HEADLESSNEWS_API,
# builds the pages with the client generated from openapi.yaml, and serves frontend/public.
set -euo pipefail
cd "$(dirname "$0")/.."
api=${HEADLESSNEWS_API:-http://127.0.0.1:5080}
port=${FRONTEND_PORT:-5173}

scripts/frontend-tools.sh
mkdir -p .data
if ! curl -sf -o /dev/null "$api/health/live"; then
  # With the development sign-in (docs/conversation.md), so "Sign in to join the conversation" works locally.
  ASPNETCORE_URLS=$api ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Development} \
    HeadlessNews__Readers__DevSignIn=${HeadlessNews__Readers__DevSignIn:-true} \
    HeadlessNews__Readers__SigningKey=${HeadlessNews__Readers__SigningKey:-dev-reader-signing-key-32-bytes-long!!} \
    HeadlessNews__Readers__Issuer=${HeadlessNews__Readers__Issuer:-http://localhost/dev-sign-in} \
    HeadlessNews__Readers__Audience=${HeadlessNews__Readers__Audience:-headlessnews-dev} \
    scripts/run-local.sh > .data/api.log 2>&1 &
  trap 'kill %1 2>/dev/null || true' EXIT
  echo "Starting the API at $api (log: .data/api.log)..." >&2
  for _ in $(seq 120); do curl -sf -o /dev/null "$api/health/ready" && break; sleep 1; done
fi
(cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
# serve.mjs prints the URL to open.
cd frontend && node serve.mjs "$port" "$api"
