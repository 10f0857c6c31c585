"""Image captchas drawn with Pillow: distorted characters over noise, no confusable glyphs."""

from __future__ import annotations

import base64
import io
import random
import secrets

from PIL import Image, ImageDraw, ImageFilter, ImageFont

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
LENGTH = 4


def new_answer() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def _colour(rng: random.Random, low: int, high: int) -> tuple[int, int, int]:
    return (rng.randint(low, high), rng.randint(low, high), rng.randint(low, high))


def render_png(answer: str, *, width: int = 120, height: int = 44) -> bytes:
    rng = random.Random(secrets.randbits(64))  # noqa: S311 - visual noise, not a secret
    image = Image.new("RGB", (width, height), (rng.randint(225, 250),) * 3)
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        draw.line(
            [(rng.randint(0, width), rng.randint(0, height)) for _ in range(2)],
            fill=_colour(rng, 120, 200),
            width=1,
        )
    font = ImageFont.load_default(size=30)
    step = (width - 12) / len(answer)
    for i, char in enumerate(answer):
        glyph = Image.new("RGBA", (36, 40), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((4, 0), char, font=font, fill=_colour(rng, 10, 110))
        glyph = glyph.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BICUBIC)
        image.paste(glyph, (int(6 + i * step + rng.uniform(-2, 2)), rng.randint(0, 6)), glyph)
    for _ in range(width * height // 25):
        draw.point(
            (rng.randrange(width), rng.randrange(height)),
            fill=_colour(rng, 60, 200),
        )
    image = image.filter(ImageFilter.SMOOTH)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
