#!/usr/bin/env bash
# The H5 bundle is committed (so `make demo` needs no Node). When npm is available, rebuild
# it from frontend/ into a temporary folder and fail if it differs from the committed one;
# the frontend's type check and Vitest specs run first.
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
(cd frontend && npm ci --no-audit --no-fund --loglevel=error >/dev/null \
  && npm run --silent typecheck && npx vitest run --reporter=dot \
  && npx vite build --outDir "$out/h5" --emptyOutDir --logLevel warn)
if ! diff -r "$committed" "$out/h5" >/dev/null; then
  echo "The committed H5 bundle differs from a fresh build of frontend/:" >&2
  diff -rq "$committed" "$out/h5" >&2 || true
  echo "Run 'make frontend' and commit src/idrenew/h5/static/h5." >&2
  exit 1
fi
echo "bundle check: committed H5 bundle matches frontend/"
