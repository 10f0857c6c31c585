"""Face alignment and the 192-D MobileFaceNet embedding (``MODELS.md``).

A face is aligned by a similarity transform from five mesh points (eye centres, nose tip,
mouth corners) onto the ArcFace 112×112 template, embedded, and L2-normalised; two faces
are compared by cosine similarity.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from idrenew.face.domain.runtime import EMBEDDER, model

FloatArray = npt.NDArray[np.float32]
ImageRGB = npt.NDArray[np.uint8]

SIZE = 112
TEMPLATE = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float32,
)


def align(image: ImageRGB, five: FloatArray) -> ImageRGB:
    """The 112×112 aligned face (RGB)."""
    matrix, _ = cv2.estimateAffinePartial2D(five, TEMPLATE, method=cv2.LMEDS)
    if matrix is None:  # degenerate points: fall back to the exact least-squares fit
        matrix = _similarity(five, TEMPLATE)
    out = cv2.warpAffine(image, matrix, (SIZE, SIZE), flags=cv2.INTER_LINEAR)
    return np.asarray(out, dtype=np.uint8)


def _similarity(src: FloatArray, dst: FloatArray) -> npt.NDArray[np.float64]:
    """Umeyama: the similarity transform taking ``src`` onto ``dst`` (least squares)."""
    s, d = src.astype(np.float64), dst.astype(np.float64)
    ms, md = s.mean(0), d.mean(0)
    sc, dc = s - ms, d - md
    cov = dc.T @ sc / len(s)
    u, sig, vt = np.linalg.svd(cov)
    sign = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[1, 1] = -1
    rot = u @ sign @ vt
    var = (sc**2).sum() / len(s)
    scale = float(np.trace(np.diag(sig) @ sign) / var) if var > 0 else 1.0
    t = md - scale * rot @ ms
    return np.hstack([scale * rot, t[:, None]])


def embed(faces: list[ImageRGB]) -> FloatArray:
    """L2-normalised embeddings (n × 192) of aligned faces."""
    batch = np.stack(faces).astype(np.float32)
    (raw,) = model(EMBEDDER)((batch - 127.5) / 128.0)
    norms = np.linalg.norm(raw, axis=1, keepdims=True)
    result: FloatArray = (raw / np.maximum(norms, 1e-9)).astype(np.float32)
    return result


def cosine(a: FloatArray, b: FloatArray) -> float:
    a = a / max(float(np.linalg.norm(a)), 1e-9)
    b = b / max(float(np.linalg.norm(b)), 1e-9)
    return float(np.dot(a, b))


def sharpness(aligned: ImageRGB) -> float:
    """Variance of the Laplacian of the aligned face's centre (focus measure)."""
    grey = cv2.cvtColor(aligned[16:104, 16:96], cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_32F).var())


def brightness(aligned: ImageRGB) -> float:
    return float(cv2.cvtColor(aligned[16:104, 16:96], cv2.COLOR_RGB2GRAY).mean())
