"""Issue #10, item 10: the signature image is drawn on the server from capped strokes; a client
PNG is never decoded (a small PNG may claim 9500 × 9500 pixels)."""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import struct
import time
import zlib
from typing import Any

import pytest
from PIL import Image

from idrenew.cases.models import RenewalCase
from idrenew.lib.files import read_encrypted
from idrenew.signing.domain import strokes as limits
from idrenew.signing.models import HandSignature
from tests.conftest import ApiClient
from tests.idcard.conftest import CASES, at_step_4
from tests.signing.test_steps_api import at_step_7, at_step_8, png_data_url, strokes

__all__ = ["at_step_4", "at_step_7", "at_step_8"]  # fixtures, imported for their names

pytestmark = pytest.mark.django_db


def png_claiming(width: int, height: int) -> str:
    """A valid-looking PNG of a few bytes whose header claims width × height."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    raw = zlib.compress(b"\x00" * 64)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
    return "data:image/png;base64," + base64.b64encode(data).decode()


def send(api: ApiClient, body: dict[str, Any]) -> Any:
    return api.post_json(f"{CASES}/signature", body, key=api.new_key())


def wave(n_strokes: int, points: int, *, width: int = 600, height: int = 300) -> list[Any]:
    out = []
    for s in range(n_strokes):
        out.append(
            [
                {
                    "x": 20 + (i * 7 + s * 3) % (width - 40),
                    "y": 40 + (i * 5 + s * 11) % (height - 80),
                    "t": 1_700_000_000_000 + s * 1000 + i * 8,
                }
                for i in range(points)
            ]
        )
    return out


@functools.cache
def real_bomb() -> str:
    """A genuine 9500 × 9500 PNG of 23 KB (decoding it cost a gigabyte and seconds)."""
    buf = io.BytesIO()
    Image.new("1", (9500, 9500), 1).save(buf, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


@pytest.mark.parametrize("png", ["real-9500", "header-30000"])
def test_a_png_claiming_a_huge_size_is_refused_without_decoding(
    at_step_8: ApiClient, png: str
) -> None:
    data_url = real_bomb() if png == "real-9500" else png_claiming(30_000, 30_000)
    assert len(data_url) < 40_000
    started = time.monotonic()
    resp = send(
        at_step_8,
        {"png": data_url, "strokes": strokes(40, 10.0), "width": 600, "height": 300},
    )
    assert time.monotonic() - started < 2.0
    assert resp.status_code == 422 and resp.json()["code"] == "SIGNATURE_INVALID"
    assert not HandSignature.objects.exists()


def test_strokes_alone_make_the_signature(at_step_8: ApiClient) -> None:
    resp = send(at_step_8, {"strokes": strokes(40, 10.0), "width": 600, "height": 300})
    assert resp.status_code == 202, resp.content
    signature = HandSignature.objects.get()
    png = read_encrypted(signature.image_name)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.size[0] <= limits.CANVAS_MAX_W and image.size[1] <= limits.CANVAS_MAX_H
        assert image.size[0] / image.size[1] == pytest.approx(2.0, rel=0.01)
        assert image.convert("L").getextrema()[0] < 64  # there is ink


def test_the_client_png_is_not_the_evidence(at_step_8: ApiClient) -> None:
    client_png = png_data_url(True)
    resp = send(
        at_step_8, {"png": client_png, "strokes": strokes(40, 10.0), "width": 600, "height": 300}
    )
    assert resp.status_code == 202, resp.content
    signature = HandSignature.objects.get()
    sent = base64.b64decode(client_png.split(",", 1)[1])
    assert signature.image_sha256 != hashlib.sha256(sent).hexdigest()
    assert (
        signature.image_sha256 == hashlib.sha256(read_encrypted(signature.image_name)).hexdigest()
    )


@pytest.mark.parametrize(
    ("n_strokes", "points"),
    [
        (limits.MAX_STROKES + 1, 20),  # too many strokes
        (1, limits.MAX_POINTS_PER_STROKE + 1),  # one endless stroke
        (10, limits.MAX_POINTS // 10 + 1),  # too many points in all
    ],
    ids=["strokes", "points-per-stroke", "points"],
)
def test_over_complex_signatures_are_refused_with_a_code(
    at_step_8: ApiClient, n_strokes: int, points: int
) -> None:
    resp = send(at_step_8, {"strokes": wave(n_strokes, points), "width": 600, "height": 300})
    assert resp.status_code == 422 and resp.json()["code"] == "SIGNATURE_TOO_COMPLEX"
    assert resp.json()["detail"]["max_points"] == limits.MAX_POINTS
    assert not HandSignature.objects.exists()
    assert RenewalCase.objects.get().state == "agreements_read"


def test_the_largest_allowed_signature_is_stored_small(at_step_8: ApiClient) -> None:
    body = {"strokes": wave(50, limits.MAX_POINTS // 50), "width": 600, "height": 300}
    resp = send(at_step_8, body)
    assert resp.status_code == 202, resp.content
    signature = HandSignature.objects.get()
    assert signature.point_count == limits.MAX_POINTS
    assert len(signature.strokes_json) < 300_000


def test_200_strokes_of_2900_points_never_reach_the_database(at_step_8: ApiClient) -> None:
    body = json.dumps({"strokes": wave(200, 2900), "width": 600, "height": 300})
    resp = at_step_8.generic(
        "POST",
        f"{CASES}/signature",
        body,
        content_type="application/json",
        headers={"X-CSRFToken": at_step_8.csrf(), "Idempotency-Key": "k-huge"},
    )
    assert resp.status_code in (413, 422) and resp.json()["code"] in (
        "REQUEST_TOO_LARGE",
        "SIGNATURE_TOO_COMPLEX",
    )
    assert not HandSignature.objects.exists()


@pytest.mark.parametrize(
    "point",
    [{"x": 900.0, "y": 100.0, "t": 0.0}, {"x": 100.0, "y": 450.0, "t": 0.0}],
    ids=["x-off-the-pad", "y-off-the-pad"],
)
def test_points_off_the_pad_are_refused(at_step_8: ApiClient, point: dict[str, float]) -> None:
    pts = strokes(40, 10.0)
    pts[0].append(point)
    resp = send(at_step_8, {"strokes": pts, "width": 600, "height": 300})
    assert resp.status_code == 422 and resp.json()["code"] == "SIGNATURE_INVALID"


def test_quality_rules_still_apply_to_the_drawn_image(at_step_8: ApiClient) -> None:
    resp = send(at_step_8, {"strokes": [], "width": 600, "height": 300})
    assert resp.status_code == 422 and resp.json()["code"] == "SIGNATURE_EMPTY"
    resp = send(at_step_8, {"strokes": strokes(4, 2.0), "width": 600, "height": 300})
    assert resp.status_code == 422 and resp.json()["code"] == "SIGNATURE_TOO_SMALL"


def test_drawing_the_largest_input_is_cheap() -> None:
    lines = [[(float(10 + i % 580), float(10 + (i * 3) % 280)) for i in range(100)]] * 50
    started = time.monotonic()
    drawn = limits.strokes_draw(lines, width=600, height=300)
    assert time.monotonic() - started < 2.0
    assert drawn.width <= limits.CANVAS_MAX_W and len(drawn.png) < 200_000
