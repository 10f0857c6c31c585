"""Phone-photo simulation: a rendered card placed on a procedural background, tilted, rotated,
lit unevenly, blurred, noised and JPEG-compressed; and the labelled bad photos (negatives).

All randomness comes from the ``numpy.random.Generator`` passed in; OpenCV and Pillow calls are
deterministic, so a seed fixes every byte of the output.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from idrenew.devkit.synth.card import BASE_W, FREE_REGIONS, TEXT_REGIONS
from idrenew.lib.fonts import cjk_font

Rgb = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


# --- backgrounds ----------------------------------------------------------------------------


def _smooth_noise(rng: np.random.Generator, w: int, h: int, cells: int) -> F32:
    """Value noise in [0, 1]: a small random grid upscaled smoothly."""
    gw, gh = max(2, cells), max(2, round(cells * h / w))
    grid = rng.random((gh, gw)).astype(np.float32)
    return cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC).clip(0, 1)


def _muted(rng: np.random.Generator, lo: float, hi: float, sat: float = 0.35) -> F32:
    """A plausible surface colour: a grey level with a limited tint."""
    grey = _u(rng, lo, hi)
    tint = rng.uniform(-1, 1, 3).astype(np.float32) * sat * grey * 0.5
    colour: F32 = np.clip(grey + tint, 0, 255).astype(np.float32)
    return colour


def background(rng: np.random.Generator, w: int, h: int) -> tuple[Rgb, str]:
    """A desk, cloth, paper or stone surface, procedurally."""
    kind = ("wood", "cloth", "paper", "desk", "stone", "dark_desk")[int(rng.integers(6))]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == "wood":
        base = np.array([_u(rng, 120, 190), _u(rng, 80, 130), _u(rng, 45, 80)], np.float32)
        warp = _smooth_noise(rng, w, h, 6) * 40
        ang = _u(rng, -0.3, 0.3)
        u = (xx * math.sin(ang) + yy * math.cos(ang) + warp) / _u(rng, 9, 18)
        grain = 0.5 + 0.5 * np.sin(u + 3 * _smooth_noise(rng, w, h, 30))
        shade = 0.75 + 0.3 * grain[..., None]
        img = base[None, None, :] * shade
    elif kind == "cloth":
        base = _muted(rng, 40, 200)
        period = _u(rng, 3, 6)
        weave = 0.5 + 0.25 * np.sin(2 * np.pi * xx / period) * np.sin(2 * np.pi * yy / period)
        img = base[None, None, :] * (0.8 + 0.3 * weave[..., None])
        img *= (0.85 + 0.3 * _smooth_noise(rng, w, h, 8))[..., None]
    elif kind == "paper":
        base = np.array([_u(rng, 225, 250)] * 3, np.float32) - np.array([0, 2, 8], np.float32)
        fibres = _smooth_noise(rng, w, h, 200) * 10
        img = base[None, None, :] - fibres[..., None]
    elif kind == "stone":
        base = _muted(rng, 160, 225, 0.15)
        veins = np.abs(np.sin(6 * _smooth_noise(rng, w, h, 4) + 3 * _smooth_noise(rng, w, h, 23)))
        img = base[None, None, :] * (0.9 + 0.1 * veins[..., None])
    elif kind == "dark_desk":
        base = _muted(rng, 25, 70)
        img = base[None, None, :] * (0.85 + 0.3 * _smooth_noise(rng, w, h, 10))[..., None]
    else:
        base = _muted(rng, 90, 235)
        img = base[None, None, :] * (0.9 + 0.15 * _smooth_noise(rng, w, h, 12))[..., None]
    img = img + rng.normal(0, 3, (h, w, 1)).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8), kind


# --- geometry -------------------------------------------------------------------------------


def _rotation(rx: float, ry: float, rz: float) -> npt.NDArray[np.float64]:
    a, b, c = (math.radians(v) for v in (rx, ry, rz))
    mx = np.array([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]])
    my = np.array([[math.cos(b), 0, math.sin(b)], [0, 1, 0], [-math.sin(b), 0, math.cos(b)]])
    mz = np.array([[math.cos(c), -math.sin(c), 0], [math.sin(c), math.cos(c), 0], [0, 0, 1]])
    rotation: npt.NDArray[np.float64] = mz @ my @ mx
    return rotation


def projected_corners(w: float, h: float, tilt_x: float, tilt_y: float, rot: float) -> F32:
    """Card corners (TL, TR, BR, BL) after a 3D tilt and in-plane rotation, seen by a camera
    with a normal lens; arbitrary scale, centred on the origin."""
    pts = np.array([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]])
    r = _rotation(tilt_x, tilt_y, rot)
    cam = pts @ r.T
    f = 1.3 * max(w, h)
    z = cam[:, 2] + 2.2 * max(w, h)
    uv = np.stack([f * cam[:, 0] / z, f * cam[:, 1] / z], axis=1)
    corners: F32 = (uv - uv.mean(axis=0)).astype(np.float32)
    return corners


def place(
    quad: F32,
    frame: tuple[int, int],
    width_frac: float,
    rng: np.random.Generator,
    margin: float = 0.03,
) -> F32:
    """Scale the quad so its bounding box is ``width_frac`` of the frame width (less when it
    would not fit the height) and put it at a random spot fully inside the frame."""
    fw, fh = frame
    bw = float(quad[:, 0].max() - quad[:, 0].min())
    bh = float(quad[:, 1].max() - quad[:, 1].min())
    k = width_frac * fw / bw
    k = min(k, (1 - 2 * margin) * fh / bh, (1 - 2 * margin) * fw / bw)
    q = quad * k
    x0, y0 = q[:, 0].min(), q[:, 1].min()
    x1, y1 = q[:, 0].max(), q[:, 1].max()
    mx, my = margin * fw, margin * fh
    tx = _u(rng, mx - x0, max(mx - x0, fw - mx - x1))
    ty = _u(rng, my - y0, max(my - y0, fh - my - y1))
    return (q + np.array([tx, ty], np.float32)).astype(np.float32)


def composite(
    frame: Rgb,
    card: Rgb,
    mask: npt.NDArray[np.uint8],
    quad: F32,
    rng: np.random.Generator,
    shadow: bool = True,
) -> tuple[Rgb, npt.NDArray[np.float64]]:
    """Warp the card onto the frame at ``quad``; a soft contact shadow under it."""
    h, w = card.shape[:2]
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    hom = np.asarray(cv2.getPerspectiveTransform(src, quad), np.float64)
    fh, fw = frame.shape[:2]
    warped = cv2.warpPerspective(card, hom, (fw, fh), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
    alpha = (
        cv2.warpPerspective(mask, hom, (fw, fh), flags=cv2.INTER_LINEAR).astype(np.float32) / 255
    )
    out = frame.astype(np.float32)
    if shadow:
        sigma = _u(rng, 4, 14) * fw / 1400
        dx, dy = _u(rng, -1, 1) * sigma, _u(rng, 0.3, 1.2) * sigma
        shift = np.array([[1, 0, dx], [0, 1, dy]], np.float32)
        moved = np.asarray(cv2.warpAffine(alpha, shift, (fw, fh)), np.float32)
        sh = np.asarray(cv2.GaussianBlur(moved, (0, 0), sigma), np.float32)
        out *= (1 - _u(rng, 0.25, 0.5) * sh)[..., None]
    a = alpha[..., None]
    mixed = out * (1 - a) + np.asarray(warped, np.float32) * a
    return np.clip(mixed, 0, 255).astype(np.uint8), hom


def map_points(hom: npt.NDArray[np.float64], pts: list[tuple[float, float]]) -> F32:
    arr = np.array(pts, np.float32).reshape(-1, 1, 2)
    return np.asarray(cv2.perspectiveTransform(arr, hom), np.float32).reshape(-1, 2)


# --- photometric ----------------------------------------------------------------------------


def lighting(
    img: Rgb, rng: np.random.Generator, strength: float = 1.0, warm: float = 0.0
) -> tuple[Rgb, dict[str, Any]]:
    """Uneven light: a gradient across the frame, a vignette, a slight colour cast (``warm``:
    0–1 more of a tungsten lamp's yellow)."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ang = _u(rng, 0, 2 * math.pi)
    grad = (
        ((xx / w - 0.5) * math.cos(ang) + (yy / h - 0.5) * math.sin(ang))
        * _u(rng, 0.1, 0.35)
        * strength
    )
    r2 = ((xx / w - 0.5) ** 2 + (yy / h - 0.5) ** 2) / 0.5
    vig = _u(rng, 0.05, 0.3) * strength
    gain = _u(rng, 0.9, 1.1)
    field = gain * (1 + grad) * (1 - vig * r2)
    cast = rng.uniform(0.95, 1.05, 3).astype(np.float32)
    if warm:
        cast = cast * np.array([1 + 0.06 * warm, 1.0, 1 - 0.16 * warm], np.float32)
    out = img.astype(np.float32) * field[..., None] * cast[None, None, :]
    info = {
        "gradient": round(float(np.ptp(grad)), 3),
        "vignette": round(vig, 3),
        "gain": round(gain, 3),
    }
    if warm:
        info["warm"] = round(warm, 3)
    return np.clip(out, 0, 255).astype(np.uint8), info


def glare(img: Rgb, centre: tuple[float, float], radius: float, power: float) -> Rgb:
    """A specular highlight: brightness towards white, saturating where ``power`` > 1."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d2 = ((xx - centre[0]) ** 2 + ((yy - centre[1]) * 1.3) ** 2) / radius**2
    blob = np.clip(power * np.exp(-d2 * 1.6), 0, 1)[..., None]
    out = img.astype(np.float32) + (255 - img.astype(np.float32)) * blob
    lit: Rgb = np.clip(out, 0, 255).astype(np.uint8)
    return lit


def blur(img: Rgb, sigma: float) -> Rgb:
    if sigma <= 0.05:
        return img
    return np.asarray(cv2.GaussianBlur(img, (0, 0), sigma), np.uint8)


def motion_blur(img: Rgb, length: int, angle: float) -> Rgb:
    k = np.zeros((length, length), np.float32)
    k[length // 2, :] = 1
    rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle, 1.0)
    k = np.asarray(cv2.warpAffine(k, rot, (length, length)), np.float32)
    k /= max(k.sum(), 1e-6)
    return np.asarray(cv2.filter2D(img, -1, k), np.uint8)


def noise(img: Rgb, rng: np.random.Generator, sigma: float) -> Rgb:
    n = rng.normal(0, sigma, (*img.shape[:2], 1)) + rng.normal(0, sigma * 0.4, img.shape)
    return np.clip(img.astype(np.float32) + n.astype(np.float32), 0, 255).astype(np.uint8)


def jpeg(img: Rgb, quality: int) -> bytes:
    """JPEG with fixed encoder settings (4:2:0, no optimisation, no EXIF): reproducible."""
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=quality, subsampling=2, optimize=False)
    return buf.getvalue()


# --- the shot -------------------------------------------------------------------------------


@dataclass
class Shot:
    """Parameters of one photo; defaults are drawn by ``random_shot``."""

    long_side: int
    portrait_frame: bool
    width_frac: float  # card bounding box / frame width
    tilt_x: float
    tilt_y: float
    rotation: float  # in-plane, degrees (0 = upright, 180 = upside down)
    blur_sigma: float
    noise_sigma: float
    quality: int
    glare_spot: bool
    extras: dict[str, Any] = field(default_factory=dict)


def random_shot(rng: np.random.Generator) -> Shot:
    r = rng.random()
    if r < 0.82:
        rotation = _u(rng, -10, 10)
    elif r < 0.9:
        rotation = 180 + _u(rng, -6, 6)
    elif r < 0.95:
        rotation = 90 + _u(rng, -6, 6)
    else:
        rotation = -90 + _u(rng, -6, 6)
    upright = abs(((rotation + 90) % 180) - 90) < 45
    return Shot(
        long_side=int(rng.integers(1200, 1601)),
        portrait_frame=not upright,
        width_frac=_u(rng, 0.40, 0.85),
        tilt_x=_u(rng, -9, 9),
        tilt_y=_u(rng, -9, 9),
        rotation=rotation,
        blur_sigma=_u(rng, 0.0, 1.1),
        noise_sigma=_u(rng, 1.0, 4.5),
        quality=int(rng.integers(60, 96)),
        glare_spot=bool(rng.random() < 0.2),
    )


def widen_shot(shot: Shot, rng: np.random.Generator) -> Shot:
    """The wider variety of the ``wide`` generator: lower JPEG quality, stronger and warmer
    uneven light (drawn from a separate stream so the classic draws stay as they were)."""
    shot.quality = int(rng.integers(45, 96))
    strength = _u(rng, 1.0, 1.7)
    warm = _u(rng, 0.0, 1.0) if rng.random() < 0.5 else 0.0
    shot.extras["light"] = (strength, warm)
    return shot


def frame_size(shot: Shot, rng: np.random.Generator) -> tuple[int, int]:
    aspect = 4 / 3 if rng.random() < 0.8 else 16 / 9
    long_ = shot.long_side
    short = round(long_ / aspect)
    return (short, long_) if shot.portrait_frame else (long_, short)


def _round(v: float, n: int = 2) -> float:
    return round(float(v), n)


def photograph(
    card: Rgb, mask: npt.NDArray[np.uint8], side: str, rng: np.random.Generator, shot: Shot
) -> tuple[Rgb, dict[str, Any]]:
    """The card photographed; returns the image (RGB, before JPEG) and what was done."""
    fw, fh = frame_size(shot, rng)
    frame, bg_kind = background(rng, fw, fh)
    ch, cw = card.shape[:2]
    quad = projected_corners(cw, ch, shot.tilt_x, shot.tilt_y, shot.rotation)
    quad = place(quad, (fw, fh), shot.width_frac, rng)
    if "cut" in shot.extras:  # edge cut: push an edge (or a corner) out of the frame
        horizontal, vertical, out_x, out_y = shot.extras["cut"]
        bw = float(quad[:, 0].max() - quad[:, 0].min())
        bh = float(quad[:, 1].max() - quad[:, 1].min())
        dx = dy = 0.0
        if horizontal < 0:
            dx = -float(quad[:, 0].min()) - out_x * bw
        elif horizontal > 0:
            dx = fw - float(quad[:, 0].max()) + out_x * bw
        if vertical < 0:
            dy = -float(quad[:, 1].min()) - out_y * bh
        elif vertical > 0:
            dy = fh - float(quad[:, 1].max()) + out_y * bh
        quad = (quad + np.array([dx, dy], np.float32)).astype(np.float32)
    img, hom = composite(frame, card, mask, quad, rng)
    strength, warm = shot.extras.get("light", (1.0, 0.0))
    img, light = lighting(img, rng, strength, warm)
    scale = cw / BASE_W
    info: dict[str, Any] = {
        "frame": [fw, fh],
        "background": bg_kind,
        "card_quad": [[_round(x, 1), _round(y, 1)] for x, y in quad],
        "card_width_frac": _round((quad[:, 0].max() - quad[:, 0].min()) / fw, 3),
        "tilt_x": _round(shot.tilt_x),
        "tilt_y": _round(shot.tilt_y),
        "rotation": _round(shot.rotation),
        "lighting": light,
    }
    if shot.glare_spot:
        regions = shot.extras.get("free_regions") or FREE_REGIONS[side]
        x0, y0, x1, y1 = regions[int(rng.integers(len(regions)))]
        cx, cy = _u(rng, x0 + 20, x1 - 20) * scale, _u(rng, y0 + 15, y1 - 15) * scale
        centre = map_points(hom, [(cx, cy)])[0]
        radius = _u(rng, 18, 30) * scale * (float(np.ptp(quad[:, 0])) / cw)
        img = glare(img, (float(centre[0]), float(centre[1])), radius, _u(rng, 0.5, 0.85))
        info["glare_spot"] = {
            "centre": [_round(centre[0], 1), _round(centre[1], 1)],
            "radius": _round(radius, 1),
        }
    img = blur(img, shot.blur_sigma)
    img = noise(img, rng, shot.noise_sigma)
    info.update(
        {
            "blur_sigma": _round(shot.blur_sigma),
            "noise_sigma": _round(shot.noise_sigma),
            "jpeg_quality": shot.quality,
        }
    )
    info["homography"] = [[_round(v, 6) for v in row] for row in hom]
    return img, info


# --- negatives ------------------------------------------------------------------------------

NEGATIVE_KINDS = (
    "IDCARD_EDGE_CUT",
    "IDCARD_BLURRED",
    "IDCARD_GLARE",
    "IDCARD_PHOTOCOPY",
    "IDCARD_SCREEN",
    "IDCARD_TOO_DARK",
    "IDCARD_TOO_SMALL",
    "IDCARD_NOT_A_CARD",
    "IDCARD_MULTIPLE_CARDS",
)


def upright_shot(rng: np.random.Generator) -> Shot:
    shot = random_shot(rng)
    shot.rotation = _u(rng, -8, 8)
    shot.portrait_frame = False
    shot.glare_spot = False
    return shot


def edge_cut(
    card: Rgb, mask: npt.NDArray[np.uint8], side: str, rng: np.random.Generator
) -> tuple[Rgb, dict[str, Any]]:
    shot = upright_shot(rng)
    shot.width_frac = _u(rng, 0.6, 0.85)
    # one edge or one corner 8–22 % of the card's size outside the frame
    which = ["left", "right", "top", "bottom", "corner"][int(rng.integers(5))]
    horizontal = {"left": -1, "right": 1}.get(which, 0)
    vertical = {"top": -1, "bottom": 1}.get(which, 0)
    if which == "corner":
        horizontal, vertical = int(rng.choice([-1, 1])), int(rng.choice([-1, 1]))
    shot.extras["cut"] = (horizontal, vertical, _u(rng, 0.08, 0.22), _u(rng, 0.1, 0.25))
    img, info = photograph(card, mask, side, rng, shot)
    info["edge_cut"] = which
    return img, info


def heavy_blur(
    card: Rgb, mask: npt.NDArray[np.uint8], side: str, rng: np.random.Generator
) -> tuple[Rgb, dict[str, Any]]:
    shot = upright_shot(rng)
    img, info = photograph(card, mask, side, rng, shot)
    if rng.random() < 0.5:
        sigma = _u(rng, 5.0, 9.0) * img.shape[1] / 1400
        img = blur(img, sigma)
        info["heavy_blur"] = {"gaussian_sigma": _round(sigma)}
    else:
        length = int(rng.integers(30, 55)) | 1
        angle = _u(rng, 0, 180)
        img = motion_blur(img, length, angle)
        info["heavy_blur"] = {"motion_length": length, "angle": _round(angle)}
    return img, info


def glare_over_text(
    card: Rgb, mask: npt.NDArray[np.uint8], side: str, rng: np.random.Generator
) -> tuple[Rgb, dict[str, Any]]:
    shot = upright_shot(rng)
    shot.width_frac = _u(rng, 0.55, 0.85)
    img, info = photograph(card, mask, side, rng, shot)
    hom = np.array(info["homography"], np.float64)
    scale = card.shape[1] / BASE_W
    x0, y0, x1, y1 = TEXT_REGIONS[side]
    cx, cy = _u(rng, x0 + 60, x1 - 60) * scale, _u(rng, y0 + 30, y1 - 30) * scale
    centre = map_points(hom, [(cx, cy)])[0]
    quad = np.array(info["card_quad"], np.float32)
    card_w = float(quad[:, 0].max() - quad[:, 0].min())
    radius = _u(rng, 0.16, 0.26) * card_w
    img = glare(img, (float(centre[0]), float(centre[1])), radius, _u(rng, 1.6, 2.4))
    info["glare"] = {
        "centre": [_round(centre[0], 1), _round(centre[1], 1)],
        "radius": _round(radius, 1),
    }
    return img, info


def mild_blur(
    card: Rgb, mask: npt.NDArray[np.uint8], side: str, rng: np.random.Generator
) -> tuple[Rgb, dict[str, Any]]:
    """A slightly out-of-focus card: a Gaussian blur of 2.4–3.4 of the card's own pixels
    (10 px/mm; a value stroke is about 3 of them), whatever its size in the photo. The text
    stays legible to a person; a reviewer would still ask for a sharper photo."""
    shot = upright_shot(rng)
    shot.width_frac = _u(rng, 0.5, 0.85)
    in_card = _u(rng, 2.4, 3.4)
    # the card's width in the photo is about width_frac of the (landscape) frame
    shot.blur_sigma = in_card * shot.width_frac * shot.long_side / BASE_W
    img, info = photograph(card, mask, side, rng, shot)
    info["mild_blur"] = {
        "sigma_card_px": _round(in_card),
        "sigma_photo_px": _round(shot.blur_sigma),
    }
    return img, info


def glare_over_line(
    card: Rgb,
    mask: npt.NDArray[np.uint8],
    side: str,
    rng: np.random.Generator,
    line: tuple[float, float, float],
) -> tuple[Rgb, dict[str, Any]]:
    """A small highlight washing out a few characters of one text line (``line``: x0, x1, y
    centre in scale-1 card pixels) — an address or an issuer that loses characters while the
    rest reads cleanly."""
    shot = upright_shot(rng)
    shot.width_frac = _u(rng, 0.55, 0.85)
    img, info = photograph(card, mask, side, rng, shot)
    hom = np.array(info["homography"], np.float64)
    scale = card.shape[1] / BASE_W
    x0, x1, y = line
    cx = _u(rng, x0 + 0.25 * (x1 - x0), x0 + 0.75 * (x1 - x0)) * scale
    centre = map_points(hom, [(cx, y * scale)])[0]
    quad = np.array(info["card_quad"], np.float32)
    card_w = float(quad[:, 0].max() - quad[:, 0].min())
    radius = _u(rng, 0.045, 0.075) * card_w
    img = glare(img, (float(centre[0]), float(centre[1])), radius, _u(rng, 1.6, 2.4))
    info["glare"] = {
        "centre": [_round(centre[0], 1), _round(centre[1], 1)],
        "radius": _round(radius, 1),
        "local": True,
    }
    return img, info


def too_dark(
    card: Rgb, mask: npt.NDArray[np.uint8], side: str, rng: np.random.Generator
) -> tuple[Rgb, dict[str, Any]]:
    shot = upright_shot(rng)
    shot.noise_sigma = 0.5
    img, info = photograph(card, mask, side, rng, shot)
    gain = _u(rng, 0.1, 0.22)
    dark = np.power(img.astype(np.float32) / 255, _u(rng, 1.1, 1.5)) * 255 * gain
    img = noise(np.clip(dark, 0, 255).astype(np.uint8), rng, _u(rng, 2.0, 4.0))
    info["too_dark"] = {"gain": _round(gain, 3)}
    return img, info


def too_small(
    card: Rgb, mask: npt.NDArray[np.uint8], side: str, rng: np.random.Generator
) -> tuple[Rgb, dict[str, Any]]:
    shot = random_shot(rng)
    shot.width_frac = _u(rng, 0.12, 0.21)
    shot.glare_spot = False
    return photograph(card, mask, side, rng, shot)


def photocopy(
    card: Rgb, mask: npt.NDArray[np.uint8], side: str, rng: np.random.Generator
) -> tuple[Rgb, dict[str, Any]]:
    """A grey, high-contrast copy of the card on a sheet of paper, photographed or scanned."""
    gray = cv2.cvtColor(card, cv2.COLOR_RGB2GRAY).astype(np.float32)
    lo, hi = _u(rng, 90, 140), _u(rng, 185, 215)
    copy = np.clip((gray - lo) / (hi - lo), 0, 1) * 255
    copy = copy * 0.92 + 8
    toner = rng.random(copy.shape) < _u(rng, 0.002, 0.006)
    copy[toner] = rng.uniform(20, 80)
    copy_rgb = np.repeat(copy.astype(np.uint8)[..., None], 3, axis=2)
    ch, cw = card.shape[:2]
    page_w = int(cw * _u(rng, 1.15, 1.35))
    page_h = int(page_w * 1.414)
    page = np.full((page_h, page_w, 3), _u(rng, 236, 250), np.float32)
    page += (_smooth_noise(rng, page_w, page_h, 40) * 6)[..., None]
    x = int(_u(rng, 0.03, 0.9) * (page_w - cw))
    y = int(_u(rng, 0.05, 0.4) * page_h)
    # the copy has a faint grey frame where the card edge was
    page[y : y + ch, x : x + cw] = np.minimum(
        page[y : y + ch, x : x + cw], copy_rgb.astype(np.float32)
    )
    cv2.rectangle(page, (x, y), (x + cw, y + ch), (110, 110, 110), 2)
    page_u8 = np.clip(page, 0, 255).astype(np.uint8)
    page_mask = np.full((page_h, page_w), 255, np.uint8)
    shot = upright_shot(rng)
    shot.portrait_frame = True
    shot.tilt_x, shot.tilt_y = _u(rng, -5, 5), _u(rng, -5, 5)
    shot.rotation = _u(rng, -4, 4)
    shot.width_frac = _u(rng, 0.8, 0.95)
    img, info = photograph(page_u8, page_mask, side, rng, shot)
    img = np.asarray(
        cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB), np.uint8
    )
    info["photocopy"] = {"levels": [_round(lo), _round(hi)], "card_on_page": [x, y]}
    return img, info


def screen(
    card: Rgb, mask: npt.NDArray[np.uint8], side: str, rng: np.random.Generator
) -> tuple[Rgb, dict[str, Any]]:
    """The card as shown on a phone or monitor screen, photographed: pixel grid, moiré,
    bezel, blue cast and a lifted black level."""
    shot = upright_shot(rng)
    shot.long_side = 900
    shot.width_frac = _u(rng, 0.65, 0.9)
    shot.blur_sigma, shot.noise_sigma = 0.3, 1.0
    content, _ = photograph(card, mask, side, rng, shot)
    sh, sw = content.shape[:2]
    # each content pixel becomes 3×3 screen sub-pixels: R, G, B columns with dark gaps
    sub = np.repeat(np.repeat(content, 3, axis=0), 3, axis=1).astype(np.float32)
    stripes = np.zeros((3, 3, 3), np.float32)
    for c in range(3):
        stripes[:, c, c] = 1.0
    stripes[2, :, :] *= 0.35  # row gap
    pattern = np.tile(stripes, (sh, sw, 1)) * 1.35 + 0.18
    panel = np.clip(sub * pattern, 0, 255)
    cast = np.array([_u(rng, 0.82, 0.92), _u(rng, 0.95, 1.02), _u(rng, 1.05, 1.15)], np.float32)
    panel = panel * cast[None, None, :] * 0.85 + 28
    bezel = int(_u(rng, 0.04, 0.08) * panel.shape[1])
    ph, pw = panel.shape[:2]
    device = np.full((ph + 2 * bezel, pw + 2 * bezel, 3), _u(rng, 8, 30), np.float32)
    device[bezel : bezel + ph, bezel : bezel + pw] = panel
    device_u8 = np.clip(device, 0, 255).astype(np.uint8)
    dmask = np.full((ph + 2 * bezel, pw + 2 * bezel), 255, np.uint8)
    outer = upright_shot(rng)
    outer.width_frac = _u(rng, 0.7, 0.95)
    outer.tilt_x, outer.tilt_y = _u(rng, -8, 8), _u(rng, -8, 8)
    outer.blur_sigma = _u(rng, 0.3, 0.8)
    img, info = photograph(device_u8, dmask, side, rng, outer)
    # interference fringes of the grid with the camera sensor, made visible
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ang, period = _u(rng, 0, math.pi), _u(rng, 5, 12)
    fringe = 1 + _u(rng, 0.06, 0.12) * np.sin(
        2 * np.pi * (xx * math.cos(ang) + yy * math.sin(ang)) / period
    )
    on_screen = np.zeros((h, w), np.float32)
    cv2.fillConvexPoly(on_screen, np.array(info["card_quad"], np.int32), 1.0)
    fringe = 1 + (fringe - 1) * cv2.GaussianBlur(on_screen, (0, 0), 3)
    img = np.clip(img.astype(np.float32) * fringe[..., None], 0, 255).astype(np.uint8)
    info["screen"] = {
        "bezel_px": bezel,
        "cast": [_round(c, 3) for c in cast],
        "moire_period": _round(period),
    }
    return img, info


CORPUS = (
    "期货市场监控中心关于进一步加强客户资料管理的通知各期货公司应当按照有关规定做好客户身份识别工作"
    "对于身份证件有效期已过的客户应当及时提醒其更新证件信息并在系统中登记营业部应当妥善保管客户资料"
    "本次会议听取了关于年度工作计划的汇报讨论了风险管理制度的修订稿并对下一阶段的重点任务作出安排"
)


def not_a_card(
    card: Rgb, mask: npt.NDArray[np.uint8], side: str, rng: np.random.Generator
) -> tuple[Rgb, dict[str, Any]]:
    """A photo of something else: a page of printed text, or a random scene."""
    if rng.random() < 0.5:
        pw, ph = 900, 1270
        page = Image.new("RGB", (pw, ph), (246, 245, 240))
        d = ImageDraw.Draw(page)
        font = cjk_font(30)
        d.text((120, 80), "关于客户资料管理的通知", font=cjk_font(44), fill=(20, 20, 20))
        y = 180
        start = int(rng.integers(len(CORPUS)))
        while y < ph - 100:
            n = int(rng.integers(18, 23))
            line = "".join(CORPUS[(start + k) % len(CORPUS)] for k in range(n))
            start += n
            d.text((80, y), line, font=font, fill=(30, 30, 30))
            y += 52
        arr = np.asarray(page).copy()
        shot = upright_shot(rng)
        shot.portrait_frame = True
        shot.width_frac = _u(rng, 0.75, 0.92)
        img, info = photograph(arr, np.full((ph, pw), 255, np.uint8), side, rng, shot)
        info["not_a_card"] = "text_page"
        return img, info
    w, h = 1400, 1050
    sky = np.linspace(_u(rng, 120, 200), _u(rng, 200, 250), h // 2, dtype=np.float32)
    img = np.zeros((h, w, 3), np.float32)
    img[: h // 2] = sky[:, None, None] * np.array([0.6, 0.8, 1.0], np.float32)
    img[h // 2 :] = (
        rng.uniform(50, 140, 3).astype(np.float32)
        * (0.8 + 0.4 * _smooth_noise(rng, w, h - h // 2, 9))[..., None]
    )
    for _ in range(int(rng.integers(5, 12))):
        color = tuple(int(v) for v in rng.uniform(20, 230, 3))
        cx, cy = int(rng.integers(0, w)), int(rng.integers(h // 3, h))
        ax, ay = int(rng.integers(30, 220)), int(rng.integers(30, 180))
        cv2.ellipse(img, (cx, cy), (ax, ay), float(rng.uniform(0, 180)), 0, 360, color, -1)
    img = np.asarray(cv2.GaussianBlur(img, (0, 0), 2.0), np.float32)
    out, light = lighting(np.clip(img, 0, 255).astype(np.uint8), rng)
    out = noise(out, rng, 3.0)
    return out, {"frame": [w, h], "not_a_card": "scene", "lighting": light}


def two_cards(
    cards: list[tuple[Rgb, npt.NDArray[np.uint8]]], side: str, rng: np.random.Generator
) -> tuple[Rgb, dict[str, Any]]:
    """Two cards side by side (or one above the other) in one frame."""
    shot = upright_shot(rng)
    fw, fh = frame_size(shot, rng)
    frame, bg_kind = background(rng, fw, fh)
    quads = []
    img = frame
    horizontal = rng.random() < 0.6
    for k, (card, mask) in enumerate(cards[:2]):
        ch, cw = card.shape[:2]
        quad = projected_corners(cw, ch, _u(rng, -6, 6), _u(rng, -6, 6), _u(rng, -10, 10))
        sub = (fw // 2, fh) if horizontal else (fw, fh // 2)
        frac = _u(rng, 0.75, 0.9) if horizontal else _u(rng, 0.4, 0.55)
        q = place(quad, sub, frac, rng, margin=0.05)
        q = q + (
            np.array([k * fw // 2, 0], np.float32)
            if horizontal
            else np.array([0, k * fh // 2], np.float32)
        )
        img, _ = composite(img, card, mask, q, rng)
        quads.append([[_round(x, 1), _round(y, 1)] for x, y in q])
    img, light = lighting(img, rng)
    img = noise(blur(img, shot.blur_sigma), rng, shot.noise_sigma)
    return img, {"frame": [fw, fh], "background": bg_kind, "card_quads": quads, "lighting": light}
