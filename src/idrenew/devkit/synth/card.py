"""Clean renderings of the two sides of a 2nd-generation resident ID card.

Geometry is in card pixels at 10 px/mm times ``scale`` (85.6 × 54 mm → 856 × 540 at scale 1).
Labels in the small blue-grey template style, values in black, the birth date spaced like the
real card (``1990 年 5 月 6 日`` with 年/月/日 part of the template), the number in a wide
monospaced digit style, a pale patterned background, the portrait on the right. The back
has an emblem-like drawing (drawn here, no artwork copied), the title, 签发机关 and 有效期限.
"""

from __future__ import annotations

import csv
import functools
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from idrenew.devkit.synth.identity import Identity, format_period_day
from idrenew.lib.fonts import cjk_font

CARD_MM = (85.6, 54.0)
BASE_W, BASE_H = 856, 540  # scale 1: 10 px/mm
CORNER_RADIUS = 32

LABEL = (58, 118, 160)  # blue-grey template print
INK = (18, 18, 20)
MONO_SC_INDEX = 7  # Noto Sans Mono CJK SC inside the collection

# Regions (scale-1 card pixels, x0, y0, x1, y1) where nothing is printed: a small glare spot on
# a good photo goes there so it never hides text.
FREE_REGIONS = {
    "front": ((440, 60, 540, 200), (40, 350, 260, 410), (560, 470, 830, 530)),
    "back": ((40, 300, 170, 500), (650, 250, 830, 360), (300, 250, 600, 350)),
}
# Where the text is (for heavy glare over it, a negative case).
TEXT_REGIONS = {
    "front": (160, 40, 520, 380),
    "back": (200, 370, 760, 490),
}

Size = tuple[int, int]


@dataclass(frozen=True)
class Layout:
    """Where and how the card's text is printed (scale-1 card pixels). The defaults are the
    classic layout every card had before (the demo cards keep it); ``random_layout`` draws
    the wider variety the OCR must cope with: label and value columns moved, the value close
    to or far from its label, the rows shifted and spaced differently, other type sizes, a
    bolder or lighter ink, paler and warmer backgrounds."""

    label_x: float = 60.0  # front: left edge of the label column
    value_gap: float = 36.0  # front: from the end of 姓名 to the values
    top: float = 0.0  # front: vertical shift of the text block
    row_pitch: float = 60.0  # front: name → sex → birth → address
    line_pitch: float = 44.0  # front: address lines
    label_size: float = 25.0
    value_size: float = 30.0
    name_size: float = 34.0
    number_x: float = 300.0
    bold: bool = False  # a heavier print of the values (stroke around the glyphs)
    ink: int = 18  # grey level of the values' ink
    back_label_x: float = 190.0
    back_value_gap: float = 22.0  # back: from the end of 签发机关 to the value
    back_top: float = 0.0
    paleness: float = 0.0  # background blended towards white (0–1)
    warmth: float = 0.0  # background shifted towards red/yellow (0–1)

    def value_x(self) -> float:
        return self.label_x + 2 * self.label_size + 14 + self.value_gap

    def back_value_x(self) -> float:
        return self.back_label_x + 4 * self.label_size + 3 * 6 + self.back_value_gap

    def row_y(self, row: int) -> float:
        """Top of the ``row``-th front row's labels (0 name, 1 sex, 2 birth, 3 address)."""
        return 58 + self.top + row * self.row_pitch

    def free_regions(self, side: str) -> tuple[tuple[int, int, int, int], ...]:
        """Where nothing is printed, for a small glare spot on a good photo."""
        if side == "back":
            y = round(self.back_top)
            return ((40, 300, 170, 370 + y), (650, 250, 830, 360 + y), (300, 250, 600, 350 + y))
        address_end = self.row_y(3) + 3 * self.line_pitch + 2
        regions = []
        # right of the values (past 日 and a three-character 民族), left of the portrait
        right_of_values = round(self.value_x() + 330 * self.value_size / 30)
        if 545 - right_of_values >= 50:
            regions.append(
                (right_of_values, round(self.row_y(0)) + 2, 545, round(self.row_y(2)) + 20)
            )
        if 438 - address_end >= 40:
            regions.append((40, round(address_end), 260, 428))
        regions.append((560, 490, 830, 532))
        return tuple(regions)


CLASSIC = Layout()


def random_layout(rng: np.random.Generator) -> Layout:
    """A layout drawn from the wider variety (every draw from ``rng``: reproducible)."""

    def u(lo: float, hi: float) -> float:
        return float(rng.uniform(lo, hi))

    label_size = u(22, 27)
    value_size = u(27, 32)
    return Layout(
        label_x=u(42, 78),
        value_gap=u(10, 50),
        top=u(-14, 12),
        row_pitch=u(56, 64),
        line_pitch=u(40, 47),
        label_size=label_size,
        value_size=value_size,
        name_size=value_size + u(1, 5),
        number_x=u(272, 318),
        bold=bool(rng.random() < 0.3),
        ink=int(rng.integers(8, 60)),
        back_label_x=u(165, 212),
        back_value_gap=u(3, 48),
        back_top=u(-12, 10),
        paleness=u(0.0, 0.65) if rng.random() < 0.6 else 0.0,
        warmth=u(0.0, 1.0) if rng.random() < 0.6 else 0.0,
    )


def card_size(scale: float = 1.0) -> Size:
    return round(BASE_W * scale), round(BASE_H * scale)


def _font(size: float) -> ImageFont.FreeTypeFont:
    return cjk_font(max(6, round(size)))


def _mono(size: float) -> ImageFont.FreeTypeFont:
    return cjk_font(max(6, round(size)), MONO_SC_INDEX)


# --- backgrounds ----------------------------------------------------------------------------


def _background(side: str, w: int, h: int, layout: Layout) -> npt.NDArray[np.uint8]:
    img = _pattern(side, w, h)
    if not (layout.paleness or layout.warmth):
        return img.copy()
    out = img.astype(np.float32)
    out += (255.0 - out) * layout.paleness
    # warmer: more red, less blue (RGB), as under a cream print or a yellowed laminate
    out += np.array([10.0, 4.0, -16.0], np.float32) * layout.warmth
    return np.clip(out, 0, 255).astype(np.uint8)


@functools.lru_cache(maxsize=8)
def _pattern(side: str, w: int, h: int) -> npt.NDArray[np.uint8]:
    """The printed security background: soft colour wash plus fine guilloche lines."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    s = w / BASE_W
    xs, ys = xx / s, yy / s
    if side == "front":
        a, b = np.array([226, 236, 242]), np.array([244, 236, 230])
    else:
        a, b = np.array([232, 238, 244]), np.array([246, 238, 226])
    t = 0.5 + 0.5 * np.sin(xs / 160.0 + ys / 310.0 + (0.8 if side == "back" else 0.0))
    img = a[None, None, :] * t[..., None] + b[None, None, :] * (1 - t[..., None])
    lines = np.zeros((h, w), np.float32)
    for period, fx, fy, amp, phase in (
        (11.0, 1.0, 0.35, 9.0, 0.0),
        (13.0, -0.4, 1.0, 7.0, 1.7),
        (17.0, 0.8, -0.6, 12.0, 0.6),
    ):
        u = (xs * fx + ys * fy + amp * np.sin(xs / 37.0 + ys / 53.0 + phase)) / period
        lines += np.exp(-((np.sin(np.pi * u)) ** 2) / 0.02)
    rx, ry = xs - (600 if side == "front" else 430), ys - 270
    rosette = 0.5 + 0.5 * np.cos(np.sqrt(rx**2 + ry**2) / 4.0 + 6 * np.arctan2(ry, rx))
    lines += 0.6 * (rosette > 0.93) * np.exp(-(rx**2 + ry**2) / (2 * 180.0**2))
    tint = np.array([150, 180, 205]) if side == "front" else np.array([200, 170, 150])
    alpha = np.clip(lines * 0.16, 0, 0.35)[..., None]
    img = img * (1 - alpha) + tint[None, None, :] * alpha
    out: npt.NDArray[np.uint8] = np.clip(img, 0, 255).astype(np.uint8)
    return out


def _rounded_mask(w: int, h: int, radius: int) -> Image.Image:
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, w - 1, h - 1), radius=radius, fill=255)
    return mask


def card_mask(scale: float = 1.0) -> Image.Image:
    w, h = card_size(scale)
    return _rounded_mask(w, h, round(CORNER_RADIUS * scale))


# --- portraits ------------------------------------------------------------------------------


def default_faces_dir() -> Path | None:
    """``../shared/testdata/faces`` beside the project (or beside the working directory)."""
    here = Path(__file__).resolve()
    candidates = [here.parents[4].parent / "shared" / "testdata" / "faces"]
    candidates.append(Path.cwd().parent / "shared" / "testdata" / "faces")
    for path in candidates:
        if (path / "identities.csv").is_file():
            return path
    return None


@functools.cache
def face_files(faces_dir: Path) -> tuple[Path, ...]:
    """Single-face photos listed in identities.csv (MULTI_FACE files are left out)."""
    with open(faces_dir / "identities.csv", newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("identity") != "MULTI_FACE"]
    return tuple(sorted(faces_dir / r["file"] for r in rows if (faces_dir / r["file"]).is_file()))


def _face_box(rgb: npt.NDArray[np.uint8]) -> tuple[float, float, float, float] | None:
    try:
        from idrenew.face.domain.detection import detect_photo
    except Exception:  # pragma: no cover - the face models are part of the project
        return None
    try:
        found = detect_photo(rgb)
    except Exception:  # pragma: no cover
        return None
    w = rgb.shape[1]
    # one clear, whole face: a confident detection inside the image and no second face
    best = found[0] if found else None  # detect_photo sorts by score
    if best is None or best.score < 0.8 or any(d.score >= 0.7 for d in found[1:]):
        return None
    x0, y0, x1, _ = best.box
    if x0 < -0.05 * best.width or x1 > w + 0.05 * best.width or y0 < -0.1 * best.height:
        return None
    return best.box


@functools.lru_cache(maxsize=64)
def _portrait_crop(path: Path) -> Image.Image | None:
    """Head and shoulders, 3:4, from a face photo, lightly desaturated; None when the photo
    has no single whole face. Cached per file."""
    return portrait_from_photo(np.asarray(Image.open(path).convert("RGB")))


def portrait_from_photo(rgb: npt.NDArray[np.uint8]) -> Image.Image | None:
    """The portrait input hook: any RGB photo of one person (e.g. a tester's own face) as
    the card's printed portrait; None when it has no single, whole, confident face."""
    box = _face_box(rgb)
    if box is None:
        return None
    fw = max(box[2] - box[0], box[3] - box[1])
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    cw = 2.3 * fw
    ch = cw * 4 / 3
    x0, y0 = cx - cw / 2, cy - 0.42 * ch
    pad = int(max(cw, ch))
    padded = cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(228, 231, 234))
    crop = padded[int(y0) + pad : int(y0 + ch) + pad, int(x0) + pad : int(x0 + cw) + pad]
    img = Image.fromarray(np.ascontiguousarray(crop)).resize((300, 400), Image.Resampling.LANCZOS)
    arr = np.asarray(img).astype(np.float32)
    gray = arr.mean(axis=2, keepdims=True)
    arr = 0.55 * arr + 0.45 * gray  # printed portraits are muted
    arr = 18 + arr * 0.9
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def silhouette(size: Size = (300, 400)) -> Image.Image:
    """A drawn head-and-shoulders stand-in when no face photos are available."""
    w, h = size
    img = Image.new("RGB", size, (214, 220, 226))
    d = ImageDraw.Draw(img)
    d.ellipse((w * 0.08, h * 0.62, w * 0.92, h * 1.25), fill=(70, 78, 92))
    d.rectangle((w * 0.41, h * 0.5, w * 0.59, h * 0.66), fill=(196, 160, 138))
    d.ellipse((w * 0.27, h * 0.14, w * 0.73, h * 0.6), fill=(206, 170, 148))
    d.chord((w * 0.25, h * 0.1, w * 0.75, h * 0.5), 180, 360, fill=(32, 30, 32))
    return img


def portrait_for(index: int, faces_dir: Path | None) -> tuple[Image.Image, str | None]:
    """The portrait for the ``index``-th draw: a face file when the folder exists."""
    if faces_dir is not None:
        files = face_files(faces_dir)
        for step in range(len(files)):
            path = files[(index + step) % len(files)]
            crop = _portrait_crop(path)
            if crop is not None:
                return crop, path.name
    return silhouette(), None


def _blend_portrait(
    card: Image.Image, portrait: Image.Image, box: tuple[int, int, int, int]
) -> None:
    """Print the portrait into the card: edges fade into the background like the real print."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    p = np.asarray(portrait.resize((w, h), Image.Resampling.LANCZOS)).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    edge = np.minimum.reduce([xx, w - 1 - xx, yy * 1.6, (h - 1 - yy) * 0.0 + 1e6])
    fade = np.clip(edge / (0.12 * w), 0, 1)[..., None]
    bg = np.asarray(card.crop(box)).astype(np.float32)
    # multiply keeps the pattern faintly visible through light parts of the photo
    printed = bg * (p / 255.0) * 0.35 + p * 0.65
    out = bg * (1 - fade) + printed * fade
    card.paste(Image.fromarray(np.clip(out, 0, 255).astype(np.uint8)), (x0, y0))


# --- front ----------------------------------------------------------------------------------


def _spaced(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    font: ImageFont.FreeTypeFont,
    fill: tuple[int, int, int],
    gap: float,
) -> float:
    x, y = xy
    for ch in text:
        draw.text((x, y), ch, font=font, fill=fill)
        x += font.getlength(ch) + gap
    return x


def wrap_address(address: str, font: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    """Break the address into card lines by printed width (11 CJK characters a line)."""
    lines: list[str] = []
    current = ""
    for ch in address:
        if current and font.getlength(current + ch) > max_width:
            lines.append(current)
            current = ch
        else:
            current += ch
    if current:
        lines.append(current)
    return lines


def render_front(
    identity: Identity,
    portrait: Image.Image | None = None,
    scale: float = 1.0,
    *,
    layout: Layout = CLASSIC,
) -> Image.Image:
    """The portrait side (人像面), RGB, corners square (see ``card_mask`` for the shape).
    ``portrait``: a head-and-shoulders image (3:4); a drawn silhouette when None.
    ``layout``: where the text goes (the classic layout unless told otherwise)."""
    w, h = card_size(scale)
    img = Image.fromarray(_background("front", w, h, layout))
    d = ImageDraw.Draw(img)
    s = scale
    lo = layout
    label = _font(lo.label_size * s)
    value = _font(lo.value_size * s)
    ink = (lo.ink, lo.ink, lo.ink + 2)
    stroke = max(1, round(s)) if lo.bold else 0
    k = lo.value_size / 30.0  # horizontal offsets inside a row follow the type size
    vx = lo.value_x()

    def lab(x: float, y: float, text: str, gap: float = 6) -> None:
        _spaced(d, (x * s, y * s), text, label, LABEL, gap * s)

    def val(x: float, y: float, text: str, font: ImageFont.FreeTypeFont = value) -> None:
        d.text((x * s, y * s), text, font=font, fill=ink, stroke_width=stroke, stroke_fill=ink)

    lx = lo.label_x
    y0, y1, y2, y3 = (lo.row_y(r) for r in range(4))
    lab(lx, y0, "姓名", 14)
    val(vx, y0 - 8, identity.name, _font(lo.name_size * s))
    lab(lx, y1, "性别", 14)
    val(vx, y1 - 5, identity.sex)
    lab(vx + 110 * k, y1, "民族", 14)
    val(vx + 210 * k, y1 - 5, identity.ethnicity)
    lab(lx, y2, "出生", 14)
    val(vx, y2 - 5, f"{identity.birth.year}")
    lab(vx + 80 * k, y2, "年")
    month = f"{identity.birth.month}"
    val(vx + 140 * k - value.getlength(month) / (2 * s), y2 - 5, month)
    lab(vx + 170 * k, y2, "月")
    day = f"{identity.birth.day}"
    val(vx + 225 * k - value.getlength(day) / (2 * s), y2 - 5, day)
    lab(vx + 255 * k, y2, "日")
    lab(lx, y3, "住址", 14)
    lines = wrap_address(identity.address, value, 11 * lo.value_size * s + 1)
    for i, line in enumerate(lines[:3]):
        val(vx, y3 - 6 + lo.line_pitch * i, line)
    lab(lx, 448, "公民身份号码", 4)
    mono = _mono(38 * s)
    x = lo.number_x * s
    for ch in identity.id_number:
        d.text((x, 438 * s), ch, font=mono, fill=ink, stroke_width=stroke, stroke_fill=ink)
        x += 27.5 * s
    face = portrait if portrait is not None else silhouette()
    _blend_portrait(img, face, (round(555 * s), round(55 * s), round(815 * s), round(402 * s)))
    return img


# --- back -----------------------------------------------------------------------------------


def _star(cx: float, cy: float, r: float, rot: float = -math.pi / 2) -> list[tuple[float, float]]:
    pts = []
    for k in range(10):
        rad = r if k % 2 == 0 else r * 0.382
        a = rot + k * math.pi / 5
        pts.append((cx + rad * math.cos(a), cy + rad * math.sin(a)))
    return pts


def draw_emblem(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    """An emblem-like red and gold seal: wheat-ear ring, stars, a gate, a cog. Drawn, simple."""
    gold = (222, 176, 52)
    red = (200, 30, 36)
    # wheat ring: gold leaves around the disk
    for k in range(36):
        a = math.pi * 0.62 + k * (math.pi * 1.76) / 35
        x, y = cx + r * 0.93 * math.cos(a), cy + r * 0.93 * math.sin(a)
        d.ellipse((x - r * 0.09, y - r * 0.05, x + r * 0.09, y + r * 0.05), fill=gold)
    d.ellipse((cx - r * 0.8, cy - r * 0.8, cx + r * 0.8, cy + r * 0.8), fill=red)
    d.polygon(_star(cx - r * 0.25, cy - r * 0.42, r * 0.2), fill=gold)
    for k, (dx, dy) in enumerate(((0.05, -0.6), (0.16, -0.46), (0.2, -0.3), (0.14, -0.14))):
        d.polygon(_star(cx + dx * r, cy + dy * r, r * 0.07, -math.pi / 2 + 0.3 * k), fill=gold)
    # gate: roof, body, five doors
    d.polygon(
        [
            (cx - r * 0.55, cy + r * 0.05),
            (cx + r * 0.55, cy + r * 0.05),
            (cx + r * 0.42, cy - r * 0.07),
            (cx - r * 0.42, cy - r * 0.07),
        ],
        fill=gold,
    )
    d.rectangle((cx - r * 0.45, cy + r * 0.05, cx + r * 0.45, cy + r * 0.32), fill=gold)
    for k in range(-2, 3):
        d.rectangle(
            (
                cx + k * r * 0.16 - r * 0.04,
                cy + r * 0.14,
                cx + k * r * 0.16 + r * 0.04,
                cy + r * 0.32,
            ),
            fill=red,
        )
    d.rectangle((cx - r * 0.62, cy + r * 0.34, cx + r * 0.62, cy + r * 0.42), fill=gold)
    # cog at the bottom and the ribbon
    d.ellipse((cx - r * 0.16, cy + r * 0.62, cx + r * 0.16, cy + r * 0.94), fill=gold)
    for k in range(10):
        a = k * math.pi / 5
        x, y = cx + r * 0.17 * math.cos(a), cy + r * 0.78 + r * 0.17 * math.sin(a)
        d.ellipse((x - r * 0.04, y - r * 0.04, x + r * 0.04, y + r * 0.04), fill=gold)
    d.ellipse((cx - r * 0.06, cy + r * 0.72, cx + r * 0.06, cy + r * 0.84), fill=red)
    d.polygon(
        [
            (cx - r * 0.75, cy + r * 0.6),
            (cx - r * 0.2, cy + r * 0.8),
            (cx - r * 0.25, cy + r * 0.9),
            (cx - r * 0.8, cy + r * 0.72),
        ],
        fill=red,
    )
    d.polygon(
        [
            (cx + r * 0.75, cy + r * 0.6),
            (cx + r * 0.2, cy + r * 0.8),
            (cx + r * 0.25, cy + r * 0.9),
            (cx + r * 0.8, cy + r * 0.72),
        ],
        fill=red,
    )


def render_back(identity: Identity, scale: float = 1.0, *, layout: Layout = CLASSIC) -> Image.Image:
    """The emblem side (国徽面), RGB."""
    w, h = card_size(scale)
    img = Image.fromarray(_background("back", w, h, layout))
    d = ImageDraw.Draw(img)
    s = scale
    lo = layout
    draw_emblem(d, 140 * s, 142 * s, 96 * s)
    _spaced(d, (300 * s, 70 * s), "中华人民共和国", _font(44 * s), INK, 22 * s)
    _spaced(d, (300 * s, 160 * s), "居民身份证", _font(68 * s), INK, 30 * s)
    label = _font(lo.label_size * s)
    value = _font(lo.value_size * s)
    ink = (lo.ink, lo.ink, lo.ink + 2)
    stroke = max(1, round(s)) if lo.bold else 0
    lx, vx, top = lo.back_label_x, lo.back_value_x(), lo.back_top
    _spaced(d, (lx * s, (400 + top) * s), "签发机关", label, LABEL, 6 * s)
    d.text(
        (vx * s, (394 + top) * s),
        identity.issuer,
        font=value,
        fill=ink,
        stroke_width=stroke,
        stroke_fill=ink,
    )
    _spaced(d, (lx * s, (458 + top) * s), "有效期限", label, LABEL, 6 * s)
    end = "长期" if identity.valid_to is None else format_period_day(identity.valid_to)
    d.text(
        (vx * s, (452 + top) * s),
        f"{format_period_day(identity.valid_from)}-{end}",
        font=value,
        fill=ink,
        stroke_width=stroke,
        stroke_fill=ink,
    )
    return img
