"""Safe decoding: size, sniffed type, pixel limit before decoding, corrupt files, EXIF."""

from __future__ import annotations

import io
import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image

from idrenew.idcard.domain.decode import MAX_SIDE, decode_image, sniff
from idrenew.idcard.domain.types import (
    DEFAULT_BLOCKING,
    DEFAULT_IMAGE_LIMITS,
    FILE_ERRORS,
    ImageLimits,
    ImageRefused,
)


def _jpeg(width: int = 400, height: int = 250, **save: object) -> bytes:
    im = Image.new("RGB", (width, height), (200, 30, 30))
    im.paste((30, 30, 200), (0, 0, width // 4, height // 4))  # blue mark at the top-left
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90, **save)
    return buf.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width × height pixels but carries almost no data (a bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _refused(data: bytes) -> str:
    with pytest.raises(ImageRefused) as info:
        decode_image(data)
    assert info.value.code in FILE_ERRORS
    return info.value.code


def test_sniffs_types_from_content() -> None:
    assert sniff(_jpeg()) == "JPEG"
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "PNG")
    assert sniff(buf.getvalue()) == "PNG"
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "WEBP")
    assert sniff(buf.getvalue()) == "WEBP"
    assert sniff(b"GIF89a" + b"\x00" * 20) is None
    assert sniff(b"%PDF-1.7") is None


def test_decodes_jpeg_to_bgr() -> None:
    image = decode_image(_jpeg())
    assert image.shape == (250, 400, 3)
    assert image.dtype == np.uint8
    b, _g, r = image[200, 300]
    assert r > 150 and b < 80  # red stays red: BGR order for OpenCV


def test_downscales_to_max_side() -> None:
    image = decode_image(_jpeg(4000, 3000))
    assert max(image.shape[:2]) == MAX_SIDE
    assert image.shape[:2] == (1200, 1600)


def test_oversized_file() -> None:
    assert _refused(_jpeg() + b"\x00" * DEFAULT_IMAGE_LIMITS.max_bytes) == "IMAGE_TOO_LARGE"


def test_unknown_type() -> None:
    assert _refused(b"GIF89a" + b"\x00" * 100) == "IMAGE_TYPE_UNSUPPORTED"
    assert _refused(b"<svg xmlns='http://www.w3.org/2000/svg'/>") == "IMAGE_TYPE_UNSUPPORTED"
    assert _refused(b"") == "IMAGE_TYPE_UNSUPPORTED"


def test_truncated_jpeg() -> None:
    data = _jpeg(800, 500)
    assert _refused(data[: len(data) // 2]) == "IMAGE_UNDECODABLE"
    assert _refused(data[:40]) == "IMAGE_UNDECODABLE"


def test_corrupt_png() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 20, 30)).save(buf, "PNG")
    data = bytearray(buf.getvalue())
    data[60:80] = b"\xff" * 20
    assert _refused(bytes(data)) == "IMAGE_UNDECODABLE"


def test_png_bomb_refused_from_header_quickly() -> None:
    bomb = _png_header_only(30000, 30000)
    assert len(bomb) < 2000
    started = time.perf_counter()
    assert _refused(bomb) == "IMAGE_TOO_MANY_PIXELS"
    assert time.perf_counter() - started < 1.0  # never allocated 2.7 GB


def test_moderate_pixel_bomb_below_pillow_limit() -> None:
    # 9000 × 6000 = 54 MP: under Pillow's own bomb limit, over ours.
    assert _refused(_png_header_only(9000, 6000)) == "IMAGE_TOO_MANY_PIXELS"


def test_exif_orientation_applied() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    data = _jpeg(400, 250, exif=exif)
    image = decode_image(data)
    assert image.shape[:2] == (400, 250)  # now portrait
    # The blue mark (top-left of the stored pixels) ends up at the top-right.
    b, _g, r = image[10, 240]
    assert b > 150 and r < 80


def test_png_with_alpha_and_grayscale() -> None:
    buf = io.BytesIO()
    Image.new("RGBA", (40, 30), (0, 0, 0, 0)).save(buf, "PNG")
    image = decode_image(buf.getvalue())
    assert image.shape == (30, 40, 3)
    assert image.min() == 255  # transparent → white
    buf = io.BytesIO()
    Image.new("L", (40, 30), 77).save(buf, "PNG")
    assert decode_image(buf.getvalue())[0, 0].tolist() == [77, 77, 77]


def test_limits_are_parameters() -> None:
    # The API's limits (JPEG/PNG, 40 MP) are the default; a caller may pass others.
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "WEBP")
    assert _refused(buf.getvalue()) == "IMAGE_TYPE_UNSUPPORTED"
    webp = ImageLimits(formats=frozenset({"JPEG", "PNG", "WEBP"}))
    assert decode_image(buf.getvalue(), limits=webp).shape == (8, 8, 3)
    small = ImageLimits(max_pixels=400 * 250 - 1)
    with pytest.raises(ImageRefused) as refused:
        decode_image(_jpeg(), limits=small)
    assert refused.value.code == "IMAGE_TOO_MANY_PIXELS"
    assert decode_image(_jpeg(), limits=ImageLimits(max_pixels=400 * 250)).shape[:2] == (250, 400)


def test_settings_start_from_the_domain_defaults() -> None:
    from django.conf import settings

    assert settings.IDRENEW_IDCARD_MAX_PIXELS == DEFAULT_IMAGE_LIMITS.max_pixels == 40_000_000
    assert DEFAULT_IMAGE_LIMITS.max_bytes == settings.IDRENEW_IDCARD_MAX_BYTES
    assert settings.IDRENEW_IDCARD_BLOCKING_WARNINGS == DEFAULT_BLOCKING
