"""Image captchas drawn with Pillow, made for people and against stock OCR.

What a person reads easily and a line-reading OCR (RapidOCR's CRNN, measured in
``tests/security/test_captcha.py``: under 2 % of 200 solved, about 36 % full pipeline and 73 %
recognition-only before) does not:

* the four characters zigzag up and down and overlap sideways by about a third, so no single
  text line holds them in order (the recogniser drops or merges characters);
* each character has its own hue and a random tilt; the layer is bent by a sine wave and
  sliced once across with the halves shifted a little;
* one tilted boundary inverts the colours of one side, so the characters change polarity
  halfway along;
* two thin lines cross the text, one thin gap is cut through it, and a few dots.

Bold strokes, large glyphs (about 40 % of the image height) and an alphabet without
look-alikes (no 0, O, 1, I, L; of the pairs 2/Z, 4/A, 5/S, 6/G, 8/B only the letter) keep
it readable. Answers are compared case-insensitively after removing blanks (``normalise``).
"""

from __future__ import annotations

import base64
import colorsys
import io
import math
import random
import secrets

from PIL import Image, ImageChops, ImageDraw, ImageFont

from idrenew.lib.fonts import FontMissing, cjk_font

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ379"  # no 0/O, 1/I/L, 2/Z, 4/A, 5/S, 6/G, 8/B
LENGTH = 4
WIDTH, HEIGHT = 120, 44
SCALE = 3  # drawn at 3x, then downsampled: smooth edges at the small size


def new_answer() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(answer: str) -> str:
    """What the server compares: blanks removed, upper case."""
    return "".join(answer.split()).upper()


def _font(rng: random.Random, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's own sans or Noto Sans CJK (the agreements' font), at random."""
    if rng.random() < 0.5:
        try:
            return cjk_font(size)
        except FontMissing:  # pragma: no cover - it is a dependency
            pass
    return ImageFont.load_default(size=size)


def _hue(rng: random.Random, hue: float, lightness: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hls_to_rgb(hue % 1.0, lightness, rng.uniform(0.55, 0.85))
    return (int(r * 255), int(g * 255), int(b * 255))


def _glyph(rng: random.Random, char: str, hue: float) -> Image.Image:
    size = rng.randint(22, 26) * SCALE
    glyph = Image.new("RGBA", (size * 2, size * 2), (0, 0, 0, 0))
    ImageDraw.Draw(glyph).text(
        (size // 2, size // 4),
        char,
        font=_font(rng, size),
        fill=(*_hue(rng, hue, rng.uniform(0.24, 0.32)), 255),
        stroke_width=SCALE,  # bold
    )
    glyph = glyph.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BICUBIC)
    box = glyph.getchannel("A").getbbox()
    return glyph.crop(box) if box else glyph


def _layout(rng: random.Random, glyphs: list[Image.Image], w: int, h: int) -> Image.Image:
    """Zigzag: characters alternate high and low and overlap sideways by about 30 %."""
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    overlap = 0.3
    total = sum(g.width for g in glyphs) - sum(int(g.width * overlap) for g in glyphs[1:])
    x = max(0, (w - total) // 2) + int(rng.uniform(-3, 3) * SCALE)
    high = rng.random() < 0.5
    for g in glyphs:
        room = max(0, h - g.height)
        y = int(room * (rng.uniform(0, 0.25) if high else rng.uniform(0.75, 1)))
        high = not high
        layer.alpha_composite(g, (max(0, min(w - g.width, x)), y))
        x += int(g.width * (1 - overlap))
    return layer


def _wave(layer: Image.Image, rng: random.Random) -> Image.Image:
    w, h = layer.size
    amp = rng.uniform(2.0, 3.5) * SCALE
    period = rng.uniform(0.6, 1.1) * w
    phase = rng.uniform(0, 2 * math.pi)
    mesh = []
    strip = 4 * SCALE
    for x0 in range(0, w, strip):
        x1 = min(w, x0 + strip)
        dy0 = amp * math.sin(2 * math.pi * x0 / period + phase)
        dy1 = amp * math.sin(2 * math.pi * x1 / period + phase)
        mesh.append(((x0, 0, x1, h), (x0, dy0, x0, h + dy0, x1, h + dy1, x1, dy1)))
    return layer.transform(layer.size, Image.Transform.MESH, mesh, Image.Resampling.BICUBIC)


def _slice(layer: Image.Image, rng: random.Random) -> Image.Image:
    w, h = layer.size
    cut = int(rng.uniform(0.42, 0.58) * h)
    shift = rng.choice([-1, 1]) * int(rng.uniform(1.5, 2.5) * SCALE)
    out = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    top, bottom = layer.crop((0, 0, w, cut)), layer.crop((0, cut, w, h))
    out.paste(top, (0, 0), top)
    out.paste(bottom, (shift, cut), bottom)
    return out


def _curve(
    rng: random.Random, w: int, h: int, amp: tuple[float, float]
) -> list[tuple[float, float]]:
    a = rng.uniform(*amp) * SCALE
    period = rng.uniform(0.6, 1.6) * w
    phase = rng.uniform(0, 2 * math.pi)
    mid = rng.uniform(0.3, 0.7) * h
    slope = rng.uniform(-0.2, 0.2)
    return [
        (x, mid + slope * (x - w / 2) + a * math.sin(2 * math.pi * x / period + phase))
        for x in range(0, w + 1, SCALE * 2)
    ]


def _invert_one_side(image: Image.Image, rng: random.Random) -> Image.Image:
    w, h = image.size
    edge = rng.uniform(0.25, 0.75) * w
    tilt = rng.uniform(-0.4, 0.4) * h
    mask = Image.new("L", (w, h), 0)
    left = rng.random() < 0.5
    a, b = (-w, edge) if left else (edge, 2 * w)
    ImageDraw.Draw(mask).polygon([(a - tilt, 0), (b - tilt, 0), (b + tilt, h), (a + tilt, h)], 255)
    return Image.composite(ImageChops.invert(image), image, mask)


def render_png(answer: str, *, width: int = WIDTH, height: int = HEIGHT) -> bytes:
    rng = random.Random(secrets.randbits(64))  # noqa: S311 - visual noise, not a secret
    w, h = width * SCALE, height * SCALE
    base = rng.random()
    background = _hue(rng, base + 0.5, rng.uniform(0.92, 0.95))
    image = Image.new("RGB", (w, h), background)
    hues = [base + i / len(answer) + rng.uniform(-0.05, 0.05) for i in range(len(answer))]
    rng.shuffle(hues)
    layer = _layout(rng, [_glyph(rng, c, hue) for c, hue in zip(answer, hues, strict=True)], w, h)
    layer = _slice(_wave(layer, rng), rng)
    alpha = layer.getchannel("A")
    ImageDraw.Draw(alpha).line(_curve(rng, w, h, (3, 9)), fill=0, width=SCALE)  # a thin gap
    layer.putalpha(alpha)
    image.paste(layer, (0, 0), layer)
    draw = ImageDraw.Draw(image)
    for _ in range(2):
        colour = _hue(rng, rng.random(), 0.35)
        draw.line(_curve(rng, w, h, (5, 10)), fill=colour, width=int(1.4 * SCALE))
    for _ in range(40):
        r = rng.randint(1, 2) * SCALE // 2
        x, y = rng.randrange(w), rng.randrange(h)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=_hue(rng, rng.random(), 0.5))
    image = _invert_one_side(image, rng).resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
