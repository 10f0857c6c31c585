#!/usr/bin/env bash
# The H5 bundle is committed (so `make demo` needs no Node). When npm is available, rebuild
# it from frontend/ into a temporary folder and fail if it differs from the committed one;
# the generated API types are checked for freshness, and the frontend's type check and
# Vitest specs run, first.
set -euo pipefail
cd "$(dirname "$0")/.."
committed=src/idrenew/h5/static/h5
if [ "${SKIP_BUNDLE_CHECK:-0}" = "1" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "bundle check skipped: npm not found (the committed bundle is used as it is)"
  exit 0
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
(cd frontend && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
# The API types: a fresh export of the server's OpenAPI schema and a fresh generation of the
# TypeScript types from it must equal the committed ones (frontend/build/gen-api.sh).
bash frontend/build/gen-api.sh --out "$out/api" >/dev/null
stale=0
for f in openapi.json schema.d.ts; do
  if ! cmp -s "frontend/src/api/$f" "$out/api/$f"; then
    echo "frontend/src/api/$f differs from a fresh generation from the server's OpenAPI schema:" >&2
    diff -u "frontend/src/api/$f" "$out/api/$f" | head -40 >&2 || true
    stale=1
  fi
done
if [ "$stale" = 1 ]; then
  echo "The API changed: run 'cd frontend && npm run gen:api' (or 'make api-types'), fix what the" >&2
  echo "type check then reports, and commit frontend/src/api/openapi.json and schema.d.ts." >&2
  exit 1
fi
(cd frontend && npm run --silent typecheck && npx vitest run --reporter=dot \
  && npx vite build --outDir "$out/h5" --emptyOutDir --logLevel warn)
if ! diff -r "$committed" "$out/h5" >/dev/null; then
  echo "The committed H5 bundle differs from a fresh build of frontend/:" >&2
  diff -rq "$committed" "$out/h5" >&2 || true
  echo "Run 'make frontend' and commit src/idrenew/h5/static/h5." >&2
  exit 1
fi
echo "bundle check: committed H5 bundle matches frontend/"
