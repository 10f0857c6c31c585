"""The whole pipeline on generated cards (``synth``) and the shared specimens.

Kept short: about twenty OCR calls. The generated cards are made once per session.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from PIL import Image

from idrenew.customers.domain.idnumber import InvalidIdNumber, parse_id_number
from idrenew.idcard.domain.pipeline import read_side, read_side_image
from idrenew.idcard.domain.types import (
    BACK_FIELDS,
    DEFAULT_BLOCKING,
    FRONT_FIELDS,
    WARNING_MESSAGES,
    ImageRefused,
    is_blocking,
)

SPECIMENS = Path(__file__).resolve().parents[3].parent / "shared" / "testdata" / "idcards"
needs_specimens = pytest.mark.skipif(
    not SPECIMENS.is_dir(), reason="../shared/testdata/idcards is absent (a user's clone)"
)


@pytest.fixture(scope="module")
def cards(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from idrenew.idcard.domain.synth import generate

    folder = tmp_path_factory.mktemp("cards")
    generate(folder, 4, seed=5, negatives=0.0, faces_dir=False)
    truths = [json.loads(p.read_text("utf-8")) for p in sorted(folder.glob("*.json"))]
    return {"folder": folder, "truths": truths}


def _photo(cards: dict[str, Any], index: int, side: str) -> tuple[bytes, dict[str, str]]:
    truth = cards["truths"][index]
    return (cards["folder"] / truth["files"][side]).read_bytes(), truth["fields"]


def test_generated_cards_read_exactly(cards: dict[str, Any]) -> None:
    right = total = 0
    for index in range(2):
        for side, keys in (("front", FRONT_FIELDS), ("back", BACK_FIELDS)):
            data, truth = _photo(cards, index, side)
            reading = read_side(data, side)  # type: ignore[arg-type]
            assert reading.side == side
            assert set(reading.confidence) == set(reading.fields)
            assert all(code in WARNING_MESSAGES for code in reading.warnings)
            assert reading.card_jpeg and reading.card_jpeg[:2] == b"\xff\xd8"
            if side == "front":
                assert reading.portrait_jpeg and reading.portrait_jpeg[:2] == b"\xff\xd8"
            else:
                assert reading.portrait_jpeg is None
            total += len(keys)
            right += sum(reading.fields.get(k) == truth[k] for k in keys)
    assert right >= total - 1  # the benchmark measures the rate; here: nearly all


def test_wrong_side(cards: dict[str, Any]) -> None:
    data, _ = _photo(cards, 2, "back")
    reading = read_side(data, "front")
    assert reading.side == "back"
    assert reading.warnings[0] == "IDCARD_WRONG_SIDE"
    assert is_blocking(reading.warnings, DEFAULT_BLOCKING)


def test_upside_down_card_is_turned(cards: dict[str, Any]) -> None:
    data, truth = _photo(cards, 3, "front")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    reading = read_side_image(np.ascontiguousarray(image[::-1, ::-1]), "front")
    assert reading.fields.get("id_number") == truth["id_number"]
    assert reading.fields.get("name") == truth["name"]


def test_exif_rotated_photo(cards: dict[str, Any]) -> None:
    data, truth = _photo(cards, 3, "back")
    im = Image.open(io.BytesIO(data))
    stored = im.transpose(Image.Transpose.ROTATE_90)  # stored on its side…
    exif = Image.Exif()
    exif[0x0112] = 6  # …with the tag that turns it back for display
    buf = io.BytesIO()
    stored.save(buf, "JPEG", quality=92, exif=exif)
    reading = read_side(buf.getvalue(), "back")
    assert reading.side == "back"
    assert reading.fields.get("valid_from") == truth["valid_from"]


def test_not_a_card() -> None:
    rng = np.random.default_rng(1)
    image = (rng.random((900, 1200, 3)) * 40 + 100).astype(np.uint8)
    cv2.putText(image, "HELLO WORLD", (100, 450), cv2.FONT_HERSHEY_SIMPLEX, 3, (0, 0, 0), 6)
    _ok, buf = cv2.imencode(".jpg", image)
    reading = read_side(buf.tobytes(), "front")
    assert "IDCARD_NOT_A_CARD" in reading.warnings
    assert reading.fields == {}
    assert is_blocking(reading.warnings)


def test_refusals_reach_the_caller() -> None:
    with pytest.raises(ImageRefused) as info:
        read_side(b"GIF89a" + b"\x00" * 64, "front")
    assert info.value.code == "IMAGE_TYPE_UNSUPPORTED"
    with pytest.raises(ImageRefused) as info:
        read_side(b"\xff\xd8\xff\xe0" + b"\x00" * 64, "front")
    assert info.value.code == "IMAGE_UNDECODABLE"


@needs_specimens
def test_specimen_erha_reads_correctly() -> None:
    reading = read_side((SPECIMENS / "specimen_qbc_erha.jpg").read_bytes(), "front")
    assert reading.side == "front"
    assert reading.fields == {
        "name": "二哈",
        "sex": "男",
        "ethnicity": "汉",
        "birth_date": "2015-03-08",
        "address": "河南省安阳市文峰区",
        "id_number": "410502201503081234",
    }
    parse_id_number(reading.fields["id_number"])


@needs_specimens
def test_specimen_upside_down_with_bad_check_digit() -> None:
    reading = read_side((SPECIMENS / "specimen_chineseocr_demo.jpeg").read_bytes(), "front")
    assert reading.side == "front"
    assert reading.fields["id_number"] == "430512198908131367"  # as printed
    assert reading.fields["name"] == "代用名"
    with pytest.raises(InvalidIdNumber) as info:
        parse_id_number(reading.fields["id_number"])
    assert info.value.reason == "check_digit"


@needs_specimens
def test_cli_reports_check_digit(capsys: pytest.CaptureFixture[str]) -> None:
    from django.core.management import call_command

    call_command(
        "ocr",
        str(SPECIMENS / "specimen_chineseocr_demo.jpeg"),
        str(SPECIMENS / "specimen_qbc_erha.jpg"),
        "--side",
        "front",
        "--json",
    )
    bad, good = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert bad["error"]["code"] == "IDCARD_NUMBER_INVALID"
    assert bad["blocking"] is True
    assert good["error"] is None
    assert good["fields"]["id_number"] == "410502201503081234"
    assert set(good) == {"image", "side", "fields", "confidence", "warnings", "blocking", "error"}
