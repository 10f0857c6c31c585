"""Check the shipped ONNX face models against the tflite originals, and time them.

Build-time only: runs in the build virtualenv (tensorflow for the tflite interpreter,
onnxruntime, numpy, Pillow). Never imported by the idrenew package.

For every model it feeds the same input to the tflite interpreter and to onnxruntime and
reports the largest absolute difference of each output:

* random inputs, uniform over the model's input range (a few seeds);
* real inputs: crops of the faces in the shared test photos, made the way the models
  expect them (detector: letterboxed whole photo; face mesh: 1.5x square box around the
  detection; iris: 2.3x square box around the eye corners of the mesh, right eye
  mirrored; MobileFaceNet: 112x112 similarity-aligned to the ArcFace template from five
  mesh points; anti-spoofing: the square detection box at 256x256). The crops come from
  the tflite models, so that both runtimes get identical pixels.

It also checks that the ONNX files equal the raw tf2onnx output (the post-processing is
meant to be lossless), runs MobileFaceNet with batch sizes 1 and 3 (dynamic batch), times
each model in onnxruntime on one thread, and writes everything to a JSON report.

The face-pair cosine and the anti-spoofing scores it prints are smoke checks that the
conversion and the documented normalisation are sane, not accuracy measurements.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # after TF_CPP_MIN_LOG_LEVEL is set

ARCFACE_112 = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float64,
)


@dataclass
class Spec:
    name: str  # file stem in the models directory
    tflite: Path
    low: float  # input range for random inputs
    high: float
    raw_onnx: Path | None = None


@dataclass
class Stats:
    max_abs: dict[str, float] = field(default_factory=dict)
    max_ref: dict[str, float] = field(default_factory=dict)
    count: int = 0

    def add(self, names: list[str], ref: list[np.ndarray], got: list[np.ndarray]) -> None:
        self.count += 1
        for n, r, g in zip(names, ref, got, strict=True):
            if r.shape != g.shape:
                raise SystemExit(f"{n}: shape {g.shape} != tflite {r.shape}")
            d = float(np.max(np.abs(r.astype(np.float64) - g.astype(np.float64))))
            self.max_abs[n] = max(self.max_abs.get(n, 0.0), d)
            self.max_ref[n] = max(self.max_ref.get(n, 0.0), float(np.max(np.abs(r))))

    def as_dict(self) -> dict[str, object]:
        return {"inputs": self.count, "max_abs_diff": self.max_abs, "max_abs_ref": self.max_ref}


class Tflite:
    def __init__(self, path: Path) -> None:
        self.it = tf.lite.Interpreter(model_path=str(path), num_threads=1)
        self.it.allocate_tensors()
        self.inp = self.it.get_input_details()[0]
        self.outs = self.it.get_output_details()

    @property
    def names(self) -> list[str]:
        return [d["name"] for d in self.outs]

    def __call__(self, x: np.ndarray) -> list[np.ndarray]:
        self.it.set_tensor(self.inp["index"], x.astype(np.float32))
        self.it.invoke()
        return [self.it.get_tensor(d["index"]).copy() for d in self.outs]


class Onnx:
    def __init__(self, path: Path, threads: int = 1) -> None:
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self.sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.inp = self.sess.get_inputs()[0].name
        self.names = [o.name for o in self.sess.get_outputs()]

    def __call__(self, x: np.ndarray) -> list[np.ndarray]:
        return list(self.sess.run(None, {self.inp: x.astype(np.float32)}))


# ---------------------------------------------------------------- image helpers


def load_rgb(path: Path) -> Image.Image:
    img = Image.open(path)
    img.load()
    return img.convert("RGB")


def square_crop(img: Image.Image, cx: float, cy: float, size: float, out: int) -> np.ndarray:
    """Axis-aligned square crop (black outside the photo), resized to out x out, uint8 HWC."""
    half = size / 2
    box = (round(cx - half), round(cy - half), round(cx + half), round(cy + half))
    crop = img.crop(box).resize((out, out), Image.Resampling.BILINEAR)
    return np.asarray(crop, dtype=np.uint8)


def letterbox(img: Image.Image, out: int) -> tuple[np.ndarray, float, float, float]:
    """Fit the photo into out x out keeping its aspect, black borders; return map back."""
    scale = out / max(img.width, img.height)
    w, h = round(img.width * scale), round(img.height * scale)
    canvas = Image.new("RGB", (out, out))
    dx, dy = (out - w) // 2, (out - h) // 2
    canvas.paste(img.resize((w, h), Image.Resampling.BILINEAR), (dx, dy))
    return np.asarray(canvas, dtype=np.uint8), scale, dx, dy


def similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity transform (Umeyama) mapping src points onto dst; 2x3."""
    mu_s, mu_d = src.mean(0), dst.mean(0)
    s, d = src - mu_s, dst - mu_d
    cov = d.T @ s / len(src)
    u, sig, vt = np.linalg.svd(cov)
    sign = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[1, 1] = -1
    rot = u @ sign @ vt
    scale = np.trace(np.diag(sig) @ sign) / s.var(0).sum()
    t = mu_d - scale * rot @ mu_s
    return np.hstack([scale * rot, t[:, None]])


def align112(img: Image.Image, points: np.ndarray) -> np.ndarray:
    """Warp the face so that its five points land on the ArcFace 112x112 template."""
    inverse = similarity(ARCFACE_112, points)  # output pixel -> photo pixel
    warped = img.transform(
        (112, 112), Image.Transform.AFFINE, tuple(inverse.ravel()), Image.Resampling.BILINEAR
    )
    return np.asarray(warped, dtype=np.uint8)


# ---------------------------------------------------------------- detector decoding


def ssd_anchors() -> np.ndarray:
    """MediaPipe SsdAnchorsCalculator for face_detection_short_range: 896 x (cx, cy)."""
    anchors = []
    strides = [8, 16, 16, 16]
    layer = 0
    while layer < len(strides):
        same = 0
        while layer + same < len(strides) and strides[layer + same] == strides[layer]:
            same += 1
        n_per_cell = 2 * same  # aspect ratio 1.0 plus the interpolated scale, per layer
        size = math.ceil(128 / strides[layer])
        for y in range(size):
            for x in range(size):
                for _ in range(n_per_cell):
                    anchors.append(((x + 0.5) / size, (y + 0.5) / size))
        layer += same
    return np.array(anchors, dtype=np.float64)


ANCHORS = ssd_anchors()


def best_face(regressors: np.ndarray, scores: np.ndarray) -> tuple[float, np.ndarray] | None:
    """Highest-scoring detection: (score, 16 values in [0,1] of the 128 input)."""
    logits = np.clip(scores.reshape(-1).astype(np.float64), -100, 100)
    prob = 1 / (1 + np.exp(-logits))
    i = int(np.argmax(prob))
    if prob[i] < 0.5:
        return None
    r = regressors.reshape(-1, 16).astype(np.float64)[i] / 128.0
    out = r.copy()
    out[0::2] += ANCHORS[i, 0]  # x of centre and of the 6 keypoints (w at 2 is fixed below)
    out[1::2] += ANCHORS[i, 1]
    out[2], out[3] = r[2], r[3]  # width, height are not offsets
    return float(prob[i]), out


# ---------------------------------------------------------------- the checks


def compare_random(spec: Spec, models: Path, stats_out: dict[str, object]) -> None:
    lite = Tflite(spec.tflite)
    onnx = Onnx(models / f"{spec.name}.onnx")
    shape = tuple(int(v) for v in lite.inp["shape"])
    st = Stats()
    raw = Stats()
    raw_sess = Onnx(spec.raw_onnx) if spec.raw_onnx else None
    for seed in range(5):
        x = np.random.default_rng(seed).uniform(spec.low, spec.high, shape).astype(np.float32)
        got = onnx(x)
        st.add(lite.names, lite(x), got)
        if raw_sess is not None:
            raw.add(lite.names, raw_sess(x), got)
    stats_out["random"] = st.as_dict()
    if raw_sess is not None:
        stats_out["vs_raw_tf2onnx"] = raw.as_dict()


def timing(path: Path, x: np.ndarray, runs: int) -> dict[str, float]:
    sess = Onnx(path, threads=1)
    for _ in range(10):
        sess(x)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        sess(x)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 3),
        "p90_ms": round(times[int(0.9 * (len(times) - 1))], 3),
        "runs": runs,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, required=True, help="dir with the shipped .onnx")
    ap.add_argument("--raw", type=Path, help="dir with tf2onnx's raw outputs")
    ap.add_argument("--npm-root", type=Path, required=True, help="unpacked npm 'package' dir")
    ap.add_argument("--wheel-root", type=Path, required=True, help="unzipped mediapipe wheel")
    ap.add_argument("--faces", type=Path, required=True)
    ap.add_argument("--spoof", type=Path)
    ap.add_argument("--report", type=Path, required=True)
    args = ap.parse_args()

    assets = args.npm_root / "android/src/main/assets"
    mods = args.wheel_root / "mediapipe/modules"
    specs = {
        "mobilefacenet": Spec("mobilefacenet", assets / "MobileFaceNet.tflite", -1.0, 1.0),
        "face_antispoofing": Spec("face_antispoofing", assets / "FaceAntiSpoofing.tflite", 0, 1),
        "face_detection_short_range": Spec(
            "face_detection_short_range",
            mods / "face_detection/face_detection_short_range.tflite",
            -1.0,
            1.0,
        ),
        "face_landmark": Spec("face_landmark", mods / "face_landmark/face_landmark.tflite", 0, 1),
        "iris_landmark": Spec("iris_landmark", mods / "iris_landmark/iris_landmark.tflite", 0, 1),
    }
    if args.raw:
        for s in specs.values():
            s.raw_onnx = args.raw / f"{s.name}.onnx"

    report: dict[str, dict[str, object]] = {name: {} for name in specs}
    for name, spec in specs.items():
        compare_random(spec, args.models, report[name])

    lite = {name: Tflite(s.tflite) for name, s in specs.items()}
    onnx = {name: Onnx(args.models / f"{name}.onnx") for name in specs}
    real = {name: Stats() for name in specs}

    def both(name: str, x: np.ndarray) -> list[np.ndarray]:
        ref = lite[name](x)
        real[name].add(lite[name].names, ref, onnx[name](x))
        return ref

    def analyse(path: Path) -> dict[str, object] | None:
        img = load_rgb(path)
        box128, scale, dx, dy = letterbox(img, 128)
        det = both("face_detection_short_range", (box128[None] / 127.5 - 1.0))
        found = best_face(det[0], det[1])
        if found is None:
            return None
        score, d = found

        def to_img(u: float, v: float) -> tuple[float, float]:
            return (u * 128 - dx) / scale, (v * 128 - dy) / scale

        cx, cy = to_img(d[0], d[1])
        w, h = d[2] * 128 / scale, d[3] * 128 / scale
        # face mesh: 1.5x square box around the detection (rotation ignored here)
        size = 1.5 * max(w, h)
        crop = square_crop(img, cx, cy, size, 192)
        mesh_out = both("face_landmark", crop[None] / 255.0)
        mesh = mesh_out[0].reshape(468, 3)[:, :2] * (size / 192) + [cx - size / 2, cy - size / 2]
        presence = 1 / (1 + math.exp(-float(mesh_out[1].reshape(-1)[0])))
        # iris: 2.3x square box around each eye's corners; the 362/263 eye is mirrored
        for a, b, flip in ((33, 133, False), (362, 263, True)):
            ecx, ecy = (mesh[a] + mesh[b]) / 2
            esize = 2.3 * float(np.linalg.norm(mesh[a] - mesh[b]))
            eye = square_crop(img, ecx, ecy, esize, 64)
            if flip:
                eye = eye[:, ::-1]
            both("iris_landmark", np.ascontiguousarray(eye)[None] / 255.0)
        # MobileFaceNet: 5 points -> ArcFace template; tflite needs its fixed batch of 2
        five = np.array(
            [
                (mesh[33] + mesh[133]) / 2,
                (mesh[362] + mesh[263]) / 2,
                mesh[1],
                mesh[61],
                mesh[291],
            ]
        )
        face = align112(img, five)
        x = (face.astype(np.float32) - 127.5) / 128.0
        emb = both("mobilefacenet", np.stack([x, x]))[0][0]
        # anti-spoofing: square detection box, 256x256, RGB / 255
        spoof_in = square_crop(img, cx, cy, max(w, h), 256)
        cls, mask = both("face_antispoofing", spoof_in[None] / 255.0)
        spoof_score = float(np.sum(np.abs(cls) * mask))
        return {
            "score": score,
            "presence": presence,
            "embedding": emb / np.linalg.norm(emb),
            "spoof_score": spoof_score,
            "det_kp0_left_of_kp1": bool(d[4] < d[6]),
            "mesh_33_left_of_263": bool(five[0][0] < five[1][0]),
        }

    results: dict[str, dict[str, object]] = {}
    skipped = []
    for path in sorted(args.faces.iterdir()):
        if path.suffix.lower() not in {".jpg", ".jpeg", ".png"}:
            continue
        r = analyse(path)
        if r is None:
            skipped.append(path.name)
        else:
            results[path.name] = r
    spoof_scores = {}
    if args.spoof and args.spoof.is_dir():
        for path in sorted(args.spoof.glob("*.jpg")):
            r = analyse(path)
            spoof_scores[path.name] = None if r is None else round(float(r["spoof_score"]), 4)

    for name in specs:
        report[name]["real"] = real[name].as_dict()

    # MobileFaceNet with batch 1 and 3 (dynamic batch) against the tflite rows
    mfn = onnx["mobilefacenet"]
    rng = np.random.default_rng(7)
    xs = rng.uniform(-1, 1, (3, 112, 112, 3)).astype(np.float32)
    ref = np.concatenate([lite["mobilefacenet"](xs[0:2])[0], lite["mobilefacenet"](xs[1:3])[0]])
    ref = np.stack([ref[0], ref[1], ref[3]])
    b3 = mfn(xs)[0]
    b1 = np.concatenate([mfn(xs[i : i + 1])[0] for i in range(3)])
    report["mobilefacenet"]["dynamic_batch"] = {
        "batch3_vs_tflite": float(np.max(np.abs(b3 - ref))),
        "batch1_vs_tflite": float(np.max(np.abs(b1 - ref))),
    }

    # smoke check of the embedding: cosine on the shared pairs (not a measurement)
    genuine, impostor = [], []
    with open(args.faces / "pairs.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            a, b = results.get(row["file_a"]), results.get(row["file_b"])
            if a is None or b is None:
                continue
            cos = float(np.dot(a["embedding"], b["embedding"]))  # type: ignore[arg-type]
            (genuine if row["same_person"] == "1" else impostor).append(cos)
    auc = float(np.mean([[g > i for i in impostor] for g in genuine])) if genuine else math.nan
    report["mobilefacenet"]["smoke_pairs"] = {
        "genuine": len(genuine),
        "impostor": len(impostor),
        "genuine_mean_cos": round(statistics.mean(genuine), 4) if genuine else None,
        "impostor_mean_cos": round(statistics.mean(impostor), 4) if impostor else None,
        "auc": round(auc, 4),
    }
    report["face_antispoofing"]["smoke_scores"] = spoof_scores
    face_scores = sorted(float(r["spoof_score"]) for r in results.values())  # type: ignore[arg-type]
    report["face_antispoofing"]["smoke_face_photos"] = {
        "n": len(face_scores),
        "min": round(face_scores[0], 4),
        "median": round(statistics.median(face_scores), 4),
        "max": round(face_scores[-1], 4),
        "below_0.2": sum(s < 0.2 for s in face_scores),
    }
    report["face_detection_short_range"]["photos"] = {
        "with_face": len(results),
        "without": skipped,
        "detector_keypoint0_left_of_keypoint1": sum(
            bool(r["det_kp0_left_of_kp1"]) for r in results.values()
        ),
        "mesh_eye_33_133_left_of_eye_362_263": sum(
            bool(r["mesh_33_left_of_263"]) for r in results.values()
        ),
    }

    # onnxruntime time per call, one thread
    inputs: dict[str, Callable[[], np.ndarray]] = {
        "mobilefacenet": lambda: np.zeros((1, 112, 112, 3), np.float32),
        "face_antispoofing": lambda: np.zeros((1, 256, 256, 3), np.float32),
        "face_detection_short_range": lambda: np.zeros((1, 128, 128, 3), np.float32),
        "face_landmark": lambda: np.zeros((1, 192, 192, 3), np.float32),
        "iris_landmark": lambda: np.zeros((1, 64, 64, 3), np.float32),
    }
    for name, make in inputs.items():
        report[name]["ort_one_thread"] = timing(args.models / f"{name}.onnx", make(), 100)
    report["mobilefacenet"]["ort_one_thread_batch2"] = timing(
        args.models / "mobilefacenet.onnx", np.zeros((2, 112, 112, 3), np.float32), 100
    )

    meta = {
        "onnxruntime": ort.__version__,
        "tensorflow": tf.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
    }
    args.report.write_text(json.dumps({"env": meta, "models": report}, indent=2, sort_keys=True))

    print(f"{'model':28} {'random max|d|':>14} {'real max|d|':>12} {'n real':>6} {'ort ms':>7}")
    for name in specs:
        r = report[name]
        rnd = max(r["random"]["max_abs_diff"].values())  # type: ignore[index]
        rl = max(r["real"]["max_abs_diff"].values(), default=math.nan)  # type: ignore[index]
        n = r["real"]["inputs"]  # type: ignore[index]
        ms = r["ort_one_thread"]["median_ms"]  # type: ignore[index]
        print(f"{name:28} {rnd:14.3g} {rl:12.3g} {n:6} {ms:7.2f}")
        if "vs_raw_tf2onnx" in r:
            d = max(r["vs_raw_tf2onnx"]["max_abs_diff"].values())  # type: ignore[index]
            print(f"{'':28} shipped vs raw tf2onnx output: max|d| = {d:.3g}")
    print("mobilefacenet dynamic batch:", report["mobilefacenet"]["dynamic_batch"])
    print("mobilefacenet smoke pairs:", report["mobilefacenet"]["smoke_pairs"])
    print("anti-spoofing smoke scores (higher = more likely attack):", spoof_scores)
    print("anti-spoofing on the face photos:", report["face_antispoofing"]["smoke_face_photos"])
    print("photos:", report["face_detection_short_range"]["photos"])
    print(f"report: {args.report}")

    failures = check(report)
    for f in failures:
        print("FAIL:", f)
    if failures:
        raise SystemExit(1)


def check(report: dict[str, dict[str, object]]) -> list[str]:
    """Tolerances: |onnx - tflite| <= 1e-4 * max(1, |tflite|), shipped == raw to 1e-6."""
    failures = []
    for name, r in report.items():
        for kind in ("random", "real"):
            st = r[kind]
            for out, d in st["max_abs_diff"].items():  # type: ignore[index]
                ref = st["max_abs_ref"][out]  # type: ignore[index]
                if not d <= 1e-4 * max(1.0, ref):
                    failures.append(f"{name} {kind} {out}: max|d| {d:.3g} (max|ref| {ref:.3g})")
            if kind == "real" and st["inputs"] == 0:  # type: ignore[index]
                failures.append(f"{name}: no real input was checked")
        if "vs_raw_tf2onnx" in r:
            for out, d in r["vs_raw_tf2onnx"]["max_abs_diff"].items():  # type: ignore[index]
                if not d <= 1e-6:
                    failures.append(f"{name} shipped vs raw {out}: max|d| {d:.3g}")
    for key, d in report["mobilefacenet"]["dynamic_batch"].items():  # type: ignore[union-attr]
        if not d <= 1e-4:
            failures.append(f"mobilefacenet {key}: {d:.3g}")
    return failures


if __name__ == "__main__":
    main()
