#!/usr/bin/env bash
# Installs the Debian packages the tests and tools use, when they are missing
# (`bench` as the first argument adds what only the benchmarks use).
# Needs root and Debian's apt; elsewhere it says what is missing and the tests that need
# those packages skip with a reason.
set -uo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || need+=(fonts-noto-cjk)  # no -q: SIGPIPE + pipefail
command -v pdfsig >/dev/null 2>&1 || need+=(poppler-utils)
command -v certutil >/dev/null 2>&1 || need+=(libnss3-tools)  # pdfsig's trust database
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v pg_dump >/dev/null 2>&1 || need+=(postgresql-client)  # idrenew backup / restore
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)  # failure drills' private Redis
command -v nginx >/dev/null 2>&1 || need+=(nginx)  # the production topology test (tests/ops)
command -v ip >/dev/null 2>&1 || need+=(iproute2)  # its two-host scale-out (network namespaces)
if [ "${1:-}" = "bench" ]; then  # the OCR benchmark's peer; the tests do not need it
  command -v tesseract >/dev/null 2>&1 || need+=(tesseract-ocr)
  tesseract --list-langs 2>/dev/null | grep -x chi_sim >/dev/null || need+=(tesseract-ocr-chi-sim)
fi
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "note: missing Debian packages (${need[*]}); tests that need them will be skipped" >&2
  exit 0
fi
echo "installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
  || echo "warning: apt-get could not install ${need[*]}" >&2
