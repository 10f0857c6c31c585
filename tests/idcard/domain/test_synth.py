"""The synthetic ID card generator: valid identities, the law's validity periods, byte-exact
reproducibility, labelled negatives, and the Simplified Chinese font face."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from idrenew.customers.domain.idnumber import age_on, check_char, parse_id_number
from idrenew.customers.domain.validity import expected_end
from idrenew.devkit.synth import (
    NEGATIVE_KINDS,
    areas,
    generate,
    make_identity,
    render_back,
    render_front,
)
from idrenew.devkit.synth.card import card_size, wrap_address
from idrenew.devkit.synth.identity import FIRST_START, REFERENCE_DAY
from idrenew.idcard.domain.types import BACK_FIELDS, FRONT_FIELDS, WARNING_MESSAGES
from idrenew.lib.fonts import cjk_font

IDENTITIES = [make_identity(np.random.default_rng(seed)) for seed in range(1500)]


def test_id_numbers_pass_the_check_digit_and_agree_with_birth_and_sex() -> None:
    for ident in IDENTITIES:
        parsed = parse_id_number(ident.id_number)
        assert check_char(ident.id_number[:17]) == ident.id_number[17]
        assert parsed.birth_date == ident.birth
        assert parsed.male == (ident.sex == "男")
        assert parsed.area_code == ident.area.code
        assert 16 <= age_on(ident.birth, REFERENCE_DAY) <= 80


def test_addresses_and_issuers_come_from_the_real_area() -> None:
    codes = {a.code for a in areas()}
    assert len(codes) >= 300
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    font = cjk_font(30)
    for ident in IDENTITIES[:300]:
        assert ident.address.startswith(ident.area.prefix)
        assert ident.issuer.endswith(("分局", "公安局"))
        assert 2 <= len(ident.name) <= 4
        assert 1 <= len(wrap_address(ident.address, font, 11 * 30 + 1)) <= 3


def test_validity_follows_the_law() -> None:
    leap_starts = 0
    for ident in IDENTITIES:
        start, end = ident.valid_from, ident.valid_to
        assert FIRST_START <= start <= REFERENCE_DAY
        assert end == expected_end(ident.birth, start)
        age = age_on(ident.birth, start)
        if age >= 46:
            assert end is None
            assert ident.back_fields()["valid_to"] == "长期"
        else:
            assert end is not None
            years = 5 if age < 16 else 10 if age <= 25 else 20
            assert end.year - start.year == years
            if (start.month, start.day) == (2, 29):
                leap_starts += 1
                assert (end.month, end.day) in {(2, 28), (2, 29)}
            else:
                assert (end.month, end.day) == (start.month, start.day)
    assert leap_starts > 0  # the 29 February edge is exercised


def test_field_formats_match_the_ocr_contract() -> None:
    ident = IDENTITIES[0]
    fields = ident.fields()
    assert set(fields) == set(FRONT_FIELDS) | set(BACK_FIELDS)
    assert date.fromisoformat(fields["birth_date"]) == ident.birth
    assert len(fields["valid_from"]) == 10 and fields["valid_from"][4] == "."
    assert fields["valid_to"] == "长期" or len(fields["valid_to"]) == 10


def test_clean_renderings_have_the_card_size() -> None:
    ident = IDENTITIES[1]
    assert render_front(ident).size == card_size(1.0) == (856, 540)
    assert render_back(ident, scale=1.5).size == card_size(1.5)


def _glyph(index: int, char: str) -> np.ndarray:
    img = Image.new("L", (96, 96), 0)
    ImageDraw.Draw(img).text((8, 0), char, font=cjk_font(80, index), fill=255)
    return np.asarray(img) > 127


def test_font_index_2_is_simplified_chinese_and_differs_from_japanese() -> None:
    assert "SC" in " ".join(cjk_font(20).getname())
    for char in "骨直":
        sc, jp = _glyph(2, char), _glyph(0, char)
        assert (sc ^ jp).sum() > 100, char


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, 10, seed=11, negatives=0.9, faces_dir=None)  # 1 good + one of each negative
    return out


def _docs(folder: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def test_generate_writes_photos_and_ground_truth(generated: Path) -> None:
    docs = _docs(generated)
    assert len(docs) == 10
    good = [d for d in docs if d["kind"] == "good"]
    assert len(good) == 1
    doc = good[0]
    assert doc["expected_warnings"] == []
    assert set(doc["fields"]) == set(FRONT_FIELDS) | set(BACK_FIELDS)
    parse_id_number(doc["fields"]["id_number"])
    for side in ("front", "back"):
        img = Image.open(generated / doc["files"][side])
        assert img.format == "JPEG"
        assert 1200 <= max(img.size) <= 1600
        info = doc["distortions"][side]
        fw, fh = info["frame"]
        quad = np.array(info["card_quad"])
        assert (quad >= 0).all() and (quad[:, 0] <= fw).all() and (quad[:, 1] <= fh).all()
        assert 0.35 <= info["card_width_frac"] <= 0.86


def test_negatives_carry_their_expected_codes(generated: Path) -> None:
    negatives = {d["expected_warnings"][0]: d for d in _docs(generated) if d["kind"] == "negative"}
    assert set(negatives) == set(NEGATIVE_KINDS)
    assert set(NEGATIVE_KINDS) <= set(WARNING_MESSAGES)
    for code, doc in negatives.items():
        assert doc["expected_warnings"] == [code]
        (side,) = doc["files"]
        assert doc["side"] == side
        assert (generated / doc["files"][side]).is_file()
        keys = set(FRONT_FIELDS) if side == "front" else set(BACK_FIELDS)
        if code in {"IDCARD_NOT_A_CARD", "IDCARD_MULTIPLE_CARDS"}:
            assert doc["fields"] == {}
        else:
            assert set(doc["fields"]) == keys

    def image(code: str) -> np.ndarray:
        doc = negatives[code]
        return np.asarray(Image.open(generated / doc["files"][doc["side"]]).convert("RGB"))

    def info(code: str) -> dict:
        doc = negatives[code]
        return doc["distortions"][doc["side"]]

    cut = info("IDCARD_EDGE_CUT")
    fw, fh = cut["frame"]
    quad = np.array(cut["card_quad"])
    assert (
        (quad[:, 0] < 0).any()
        or (quad[:, 0] > fw).any()
        or (quad[:, 1] < 0).any()
        or (quad[:, 1] > fh).any()
    )
    assert info("IDCARD_TOO_SMALL")["card_width_frac"] < 0.25
    assert image("IDCARD_TOO_DARK").mean() < 50
    copy = image("IDCARD_PHOTOCOPY").astype(int)
    assert np.abs(copy[..., 0] - copy[..., 2]).max() <= 8  # grey (JPEG leaves a little chroma)
    assert len(info("IDCARD_MULTIPLE_CARDS")["card_quads"]) == 2


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", 3, seed=5, negatives=0.34, faces_dir=None)
    b = generate(tmp_path / "b", 3, seed=5, negatives=0.34, faces_dir=None)
    c = generate(tmp_path / "c", 3, seed=6, negatives=0.34, faces_dir=None)
    assert [p.name for p in a] == [p.name for p in b]
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes(), pa.name
    jpegs_a = sorted(p.read_bytes() for p in a if p.suffix == ".jpg")
    jpegs_c = sorted(p.read_bytes() for p in c if p.suffix == ".jpg")
    assert not set(jpegs_a) & set(jpegs_c)


def test_card_does_not_depend_on_the_set_size(tmp_path: Path) -> None:
    small = generate(tmp_path / "s", 1, seed=9, negatives=0.0, faces_dir=None)
    large = generate(tmp_path / "l", 2, seed=9, negatives=0.0, faces_dir=None)
    by_name = {p.name: p.read_bytes() for p in large}
    for p in small:
        assert by_name[p.name] == p.read_bytes()


FACES = Path(__file__).resolve().parents[3].parent / "shared" / "testdata" / "faces"


@pytest.mark.skipif(not FACES.exists(), reason="../shared/testdata/faces absent")
def test_portraits_come_from_single_face_photos(tmp_path: Path) -> None:
    generate(tmp_path, 2, seed=3, negatives=0.0, faces_dir=FACES)
    for doc in _docs(tmp_path):
        assert doc["portrait_source"] is not None
        assert "couple" not in doc["portrait_source"]


# --- the wide variety (#12): the parser must not depend on one layout


def test_wide_variety_is_reproducible_and_varies_the_layout(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", 6, seed=21, negatives=0.0, faces_dir=None)
    b = generate(tmp_path / "b", 6, seed=21, negatives=0.0, faces_dir=None, variety="wide")
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes(), pa.name  # wide is the default, and seeded
    docs = _docs(tmp_path / "a")
    layouts = [d["distortions"]["front"]["layout"] for d in docs]
    assert len({json.dumps(lo, sort_keys=True) for lo in layouts}) == len(layouts)
    for key in ("label_x", "value_gap", "back_value_gap", "value_size"):
        values = [lo[key] for lo in layouts]
        assert max(values) - min(values) > 1.5, key
    assert all(
        d["distortions"]["front"]["layout"] == d["distortions"]["back"]["layout"] for d in docs
    )
    classic = generate(tmp_path / "c", 6, seed=21, negatives=0.0, faces_dir=None, variety="classic")
    assert "layout" not in _docs(tmp_path / "c")[0]["distortions"]["front"]
    assert {p.read_bytes() for p in classic if p.suffix == ".jpg"}.isdisjoint(
        p.read_bytes() for p in a if p.suffix == ".jpg"
    )
    with pytest.raises(ValueError):
        generate(tmp_path / "d", 1, seed=21, variety="other")  # type: ignore[arg-type]


def test_random_layouts_keep_the_text_on_the_card_and_off_the_portrait() -> None:
    from idrenew.devkit.synth.card import random_layout

    rng = np.random.default_rng(0)
    font_widths = []
    for k in range(300):
        layout = random_layout(rng)
        ident = IDENTITIES[k]
        value = cjk_font(round(layout.value_size))
        lines = wrap_address(ident.address, value, 11 * layout.value_size + 1)
        assert len(lines) <= 3
        widest = max(value.getlength(line) for line in lines)
        assert layout.value_x() + widest < 555  # the portrait starts at 555
        assert layout.back_value_x() + len(ident.issuer) * layout.value_size < 856
        assert layout.row_y(3) + 2 * layout.line_pitch + layout.value_size < 438  # number row
        font_widths.append(layout.value_x() - layout.label_x)
        for x0, y0, x1, y1 in layout.free_regions("front") + layout.free_regions("back"):
            assert x1 - x0 >= 40 and y1 - y0 >= 30
    assert max(font_widths) - min(font_widths) > 30  # the values really move


def test_issuer_variant_is_the_districts_full_name() -> None:
    from idrenew.devkit.synth.identity import issuer_variant

    districts = [a for a in areas() if a.county.endswith("区") and a.issuer.endswith("分局")]
    assert districts
    for area in districts:
        variant = issuer_variant(area)
        if variant is not None:
            assert variant.endswith(area.county + "分局")
            assert len(variant) == len(area.issuer) + 1
    county = next(a for a in areas() if a.county.endswith("县"))
    assert issuer_variant(county) is None


def test_wide_negatives_include_milder_defects(tmp_path: Path) -> None:
    """Half of the wide variety's blurred and glare negatives are the milder ones."""
    generate(tmp_path, 36, seed=8, negatives=1.0, faces_dir=None)
    kinds = {"mild_blur": 0, "local_glare": 0}
    for doc in _docs(tmp_path):
        info = doc["distortions"][doc["side"]] if doc["side"] != "both" else {}
        if "mild_blur" in info:
            kinds["mild_blur"] += 1
            assert doc["expected_warnings"] == ["IDCARD_BLURRED"]
            assert 2.4 <= info["mild_blur"]["sigma_card_px"] <= 3.4
        if info.get("glare", {}).get("local"):
            kinds["local_glare"] += 1
            assert doc["expected_warnings"] == ["IDCARD_GLARE"]
    assert kinds["mild_blur"] >= 1 and kinds["local_glare"] >= 1
