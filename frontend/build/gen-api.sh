#!/usr/bin/env bash
# Regenerates the API contract the H5 is typed against (`npm run gen:api`):
#   src/api/openapi.json  the server's OpenAPI schema, exported from the Python app
#                         (django-ninja's export_openapi_schema on idrenew.core.api.api)
#   src/api/schema.d.ts   TypeScript types generated from it by openapi-typescript
# Both are committed; tools/bundle-check.sh fails when they differ from a fresh generation.
#
#   build/gen-api.sh              write both into src/api/
#   build/gen-api.sh --out DIR    write both into DIR instead (the freshness check)
#
# Needs the project's virtualenv (`make demo` or `make test` creates ../.venv; another
# `idrenew` executable can be named with IDRENEW_BIN) and `npm ci` in frontend/.
set -euo pipefail
frontend=$(cd "$(dirname "$0")/.." && pwd)
root=$(dirname "$frontend")
out="$frontend/src/api"
if [ "${1:-}" = "--out" ]; then
  out=${2:?usage: build/gen-api.sh [--out DIR]}
fi
idrenew=${IDRENEW_BIN:-$root/.venv/bin/idrenew}
if [ ! -x "$idrenew" ]; then
  echo "gen:api: $idrenew not found; create the project's virtualenv first (make demo, or" >&2
  echo "  python3 -m venv .venv && .venv/bin/pip install -c constraints.txt -e '.[dev]')" >&2
  exit 1
fi
if [ ! -x "$frontend/node_modules/.bin/openapi-typescript" ]; then
  echo "gen:api: openapi-typescript not installed; run 'npm ci' in frontend/ first" >&2
  exit 1
fi
mkdir -p "$out"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# A clean environment and a throwaway data dir: the schema must not depend on who runs the
# export (their IDRENEW_* settings, database, generated secrets).
env -i PATH="$PATH" HOME="$scratch" PYTHONUTF8=1 PYTHONIOENCODING=utf-8 \
  IDRENEW_DATA_DIR="$scratch/data" DJANGO_SETTINGS_MODULE=idrenew.settings \
  "$idrenew" export_openapi_schema --api idrenew.core.api.api --indent 2 --sorted \
  >"$scratch/openapi.json"
mv "$scratch/openapi.json" "$out/openapi.json"
(cd "$frontend" && node_modules/.bin/openapi-typescript "$out/openapi.json" --default-non-nullable false \
  --output "$out/schema.d.ts")
