"""Safe decoding of an uploaded card photo.

Order matters: the size of the file, then its type sniffed from the first bytes (never the
name or the declared content type), then the pixel count read from the header alone — a
decompression bomb (a small PNG that would expand to gigabytes) is refused before any pixel
is allocated — then the full decode, the EXIF orientation and a downscale to the size the
rest of the pipeline works at. Every refusal is a :class:`ImageRefused` with a code from
``types.FILE_ERRORS``.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageOps

from .types import DEFAULT_IMAGE_LIMITS, ImageLimits, ImageRefused

MAX_SIDE = 1600  # long side after decoding (the H5 page downscales to the same)

_MAGIC = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
)


def sniff(data: bytes) -> str | None:
    """The image type from the content: ``JPEG``, ``PNG``, ``WEBP`` or None."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def probe(data: bytes, limits: ImageLimits = DEFAULT_IMAGE_LIMITS) -> tuple[Image.Image, str]:
    """Check a file against ``limits`` from its size and header alone (no pixel decoded):
    the opened, not yet loaded image and its type, or :class:`ImageRefused`."""
    if len(data) > limits.max_bytes:
        raise ImageRefused("IMAGE_TOO_LARGE", f"{len(data)} bytes")
    kind = sniff(data)
    if kind is None or kind not in limits.formats:
        raise ImageRefused("IMAGE_TYPE_UNSUPPORTED", data[:8].hex())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data), formats=[kind])  # reads the header only
    except Image.DecompressionBombError as exc:
        raise ImageRefused("IMAGE_TOO_MANY_PIXELS", str(exc)) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageRefused("IMAGE_UNDECODABLE", str(exc)) from None
    width, height = im.size
    if width <= 0 or height <= 0:
        raise ImageRefused("IMAGE_UNDECODABLE", "empty image")
    if width * height > limits.max_pixels:
        raise ImageRefused("IMAGE_TOO_MANY_PIXELS", f"{width}x{height}")
    return im, kind


def decode_image(
    data: bytes, *, max_side: int = MAX_SIDE, limits: ImageLimits = DEFAULT_IMAGE_LIMITS
) -> np.ndarray:
    """Decode to a BGR ``uint8`` array (OpenCV's order), upright, long side ≤ ``max_side``."""
    im, kind = probe(data, limits)
    width, height = im.size
    try:
        if kind == "JPEG":
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when that still covers max_side:
            # a 12 MP photo decodes several times faster.
            scale = max(width, height) / max_side
            if scale >= 2:
                im.draft("RGB", (int(width / scale) + 1, int(height / scale) + 1))
        im.load()
        im = ImageOps.exif_transpose(im)
        if im.mode != "RGB":
            im = _to_rgb(im)
    except Image.DecompressionBombError as exc:
        raise ImageRefused("IMAGE_TOO_MANY_PIXELS", str(exc)) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow: "image file is truncated", "broken data stream", bad Huffman tables…
        raise ImageRefused("IMAGE_UNDECODABLE", str(exc)) from None
    if max(im.size) > max_side:
        ratio = max_side / max(im.size)
        im = im.resize(
            (max(1, round(im.width * ratio)), max(1, round(im.height * ratio))),
            Image.Resampling.LANCZOS,
            reducing_gap=2.0,
        )
    rgb = np.asarray(im, dtype=np.uint8)
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode in {"RGBA", "LA", "PA"} or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        background = Image.new("RGB", im.size, (255, 255, 255))
        background.paste(im, mask=im.getchannel("A"))
        return background
    if im.mode in {"I;16", "I;16B", "I;16L", "I"}:
        arr = np.asarray(im, dtype=np.float64)
        top = float(arr.max()) or 1.0
        return Image.fromarray((arr * (255.0 / top)).astype(np.uint8)).convert("RGB")
    return im.convert("RGB")
