"""Threshold calibration on labelled pairs: pure statistics on synthetic score sets, then the
command on the shared development pairs (skipped where they are absent)."""

from __future__ import annotations

import json
import random
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from idrenew.face.domain import calibration
from idrenew.face.domain.calibration import calibrate
from tests.conftest import SHARED

FACES = SHARED / "testdata" / "faces"


def test_clopper_pearson_bounds() -> None:
    # none in n: the one-sided 95% bound is 1 - 0.05^(1/n), about 3/n (the rule of three)
    assert calibration.upper_bound(0, 3000) == pytest.approx(1 - 0.05 ** (1 / 3000), rel=1e-6)
    assert calibration.upper_bound(0, 3000) == pytest.approx(3 / 3000, rel=0.01)
    low, high = calibration.interval(5, 100)  # textbook: 1.64%–11.28%
    assert low == pytest.approx(0.0164, abs=2e-4) and high == pytest.approx(0.1128, abs=2e-4)
    assert calibration.interval(0, 75) == (0.0, pytest.approx(0.048, abs=1e-3))
    assert calibration.pairs_needed(1e-4) == 29958
    assert calibration.pairs_needed(1e-3) == 2996


def test_refuses_to_suggest_with_too_few_impostor_pairs() -> None:
    rng = random.Random(1)
    genuine = [rng.gauss(0.8, 0.08) for _ in range(500)]
    impostor = [rng.gauss(0.0, 0.12) for _ in range(2000)]
    c = calibrate(genuine, impostor, threshold=0.52, target_far=1e-4)
    assert c.suggested is None and c.suggested_far is None
    assert c.refusal is not None and "29958" in c.refusal
    assert c.far.pairs == 2000 and c.frr.pairs == 500  # the rates at 0.52 are still reported
    assert c.impostor["n"] == 2000 and c.genuine["median"] == pytest.approx(0.8, abs=0.02)


def test_suggests_the_lowest_threshold_whose_far_bound_meets_the_target() -> None:
    rng = random.Random(2)
    genuine = [rng.gauss(0.75, 0.1) for _ in range(2000)]
    impostor = [rng.gauss(0.05, 0.12) for _ in range(40_000)]
    c = calibrate(genuine, impostor, threshold=0.52, target_far=1e-4)
    assert c.refusal is None and c.suggested is not None
    assert c.suggested_far_upper is not None and c.suggested_far_upper <= 1e-4
    accepted = sum(1 for s in impostor if s >= c.suggested)
    assert accepted == c.suggested_far.errors  # type: ignore[union-attr]
    assert calibration.upper_bound(accepted, len(impostor)) <= 1e-4
    # one step lower would accept one more impostor and break the bound
    ordered = sorted(impostor, reverse=True)
    assert calibration.upper_bound(accepted + 1, len(impostor)) > 1e-4
    assert ordered[accepted] < c.suggested <= ordered[accepted - 1] if accepted else True
    frr = sum(1 for s in genuine if s < c.suggested) / len(genuine)
    assert c.suggested_frr.rate == pytest.approx(frr)  # type: ignore[union-attr]


def test_rates_at_the_current_threshold() -> None:
    c = calibrate([0.9, 0.6, 0.5, 0.51], [0.1, 0.53, -0.2], threshold=0.52, target_far=0.5)
    assert (c.frr.errors, c.frr.pairs) == (2, 4)
    assert (c.far.errors, c.far.pairs) == (1, 3)
    with pytest.raises(ValueError):
        calibrate([0.9], [0.1], threshold=0.52, target_far=0)


@pytest.mark.skipif(not FACES.exists(), reason="../shared/testdata/faces absent")
def test_command_on_the_shared_pairs() -> None:
    out = StringIO()
    call_command(
        "face",
        "calibrate",
        "--pairs",
        str(FACES / "pairs.csv"),
        "--root",
        str(FACES),
        "--json",
        stdout=out,
    )
    report = json.loads(out.getvalue())
    assert report["genuine"]["n"] == 75 and report["impostor"]["n"] == 75
    assert report["far"]["errors"] == 0 and report["frr"]["errors"] == 0
    assert report["far"]["high"] == pytest.approx(0.048, abs=1e-3)  # 0 of 75, 95% CI
    assert report["suggested"] is None and "29958" in report["refusal"]
    text = StringIO()
    call_command(
        "face",
        "calibrate",
        "--pairs",
        str(FACES / "pairs.csv"),
        "--root",
        str(FACES),
        "--target-far",
        "0.05",
        stdout=text,
    )
    assert "suggested threshold" in text.getvalue()


def test_command_needs_the_label_column(tmp_path: Path) -> None:
    pairs = tmp_path / "p.csv"
    pairs.write_text("file_a,file_b\na.jpg,b.jpg\n")
    with pytest.raises(CommandError, match="same_person"):
        call_command("face", "calibrate", "--pairs", str(pairs))
