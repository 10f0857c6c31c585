"""Straight-through processing: the share of generated demo cases the automatic rule passes.

Generates N good card photo pairs with the project's generator (seeded; portraits from
``../shared/testdata/faces`` when present), reads both sides with the ID-card pipeline and
applies the card and face parts of the straight-through rule (``review/checks.py``):

- no quality warning on either side (any code, blocking or not) and the ID number valid;
- the lowest field confidence >= IDRENEW_STP_MIN_OCR_CONFIDENCE (default 0.90);
- the card portrait (cropped by the pipeline from the photo) against the face photo the card
  was printed from: similarity >= face threshold + IDRENEW_STP_MIN_FACE_MARGIN (0.52 + 0.10).
  Same source photo, so this part is an upper bound for a live frame; bench/face.py
  measures live-vs-photo similarity on real clips.

- the address as read equals the address on file (here: the customer did not move, so the
  record holds the card's true address); an address change always goes to a person.

It also counts the cases that would pass while a field the approval writes to the record
was misread (the customer did not correct it at step 6): the rule's real risk.

Liveness, signed documents, no customer edits and the account status are assumed passed (a
demo customer who follows the flow). Prints the share passing each part and all of them.

    .venv/bin/python bench/stp.py [--count 60] [--seed 4321]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from idrenew.customers.domain.idnumber import InvalidIdNumber, parse_id_number  # noqa: E402
from idrenew.idcard.domain.pipeline import read_side  # noqa: E402

FACE_THRESHOLD = 0.52
FACE_MARGIN = float(os.environ.get("IDRENEW_STP_MIN_FACE_MARGIN", "0.10"))
# The fields approval writes to the record (name and number must equal the record already).
RECORD_FIELDS = ("valid_from", "valid_to", "address")
OCR_CONFIDENCE = float(os.environ.get("IDRENEW_STP_MIN_OCR_CONFIDENCE", "0.90"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--seed", type=int, default=4321)
    args = parser.parse_args()
    cv2.setNumThreads(1)

    from idrenew.devkit.synth import generate
    from idrenew.face.domain.engine import LocalFaceEngine

    folder = Path(tempfile.mkdtemp(prefix="idrenew-stp-bench-"))
    generate(folder, args.count, args.seed, negatives=0.0)
    engine = LocalFaceEngine()
    faces = ROOT.parent / "shared" / "testdata" / "faces"
    passed: Counter[str] = Counter()
    n = 0
    low_conf: list[float] = []
    wrongly_passed: list[str] = []
    for truth_path in sorted(folder.glob("*.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        if truth["kind"] != "good":
            continue
        n += 1
        readings = {
            side: read_side((folder / name).read_bytes(), side)
            for side, name in truth["files"].items()
        }
        warnings = [w for r in readings.values() for w in r.warnings]
        number = readings["front"].fields.get("id_number", "")
        try:
            parse_id_number(number)
            number_ok = True
        except InvalidIdNumber:
            number_ok = False
        card_ok = not warnings and number_ok
        confidences = [c for r in readings.values() for c in r.confidence.values()]
        lowest = min(confidences) if confidences else 0.0
        low_conf.append(lowest)
        conf_ok = lowest >= OCR_CONFIDENCE
        face_ok = False
        source = truth.get("portrait_source")
        portrait = readings["front"].portrait_jpeg
        if source and portrait and (faces / Path(source).name).exists():
            try:
                a = engine.embed_image(cv2.imread(str(faces / Path(source).name)))
                crop = cv2.imdecode(np.frombuffer(portrait, np.uint8), cv2.IMREAD_COLOR)
                b = engine.embed_image(crop)
                face_ok = engine.similarity(a, b) >= FACE_THRESHOLD + FACE_MARGIN
            except Exception:
                face_ok = False
        read = {**readings["front"].fields, **readings["back"].fields}
        wrong = [k for k in RECORD_FIELDS if read.get(k) != truth["fields"].get(k)]
        # The customer did not move: the address on file is the card's true address, so a
        # misread address differs from it and the rule hands the case to a person.
        address_ok = "".join(read.get("address", "").split()) == "".join(
            truth["fields"]["address"].split()
        )
        passes = card_ok and conf_ok and face_ok and address_ok
        if passes and wrong:
            wrongly_passed.append(f"{truth_path.stem}: {', '.join(wrong)}")
        for key, ok in (
            ("card", card_ok),
            ("confidence", conf_ok),
            ("face", face_ok),
            ("address", address_ok),
            ("all", passes),
        ):
            passed[key] += ok
    print(f"generated good cases: {n} (seed {args.seed}); folder {folder}")
    labels = {
        "card": "no warnings, valid ID number",
        "confidence": f"lowest field confidence >= {OCR_CONFIDENCE:.2f}",
        "face": f"card portrait vs source face >= {FACE_THRESHOLD + FACE_MARGIN:.2f}",
        "address": "address as read equals the one on file",
        "all": "straight-through (all parts)",
    }
    for key, label in labels.items():
        print(f"{label:<48} {passed[key]:>4}/{n}  {100 * passed[key] / max(n, 1):5.1f}%")
    print(
        f"passed with a misread record field ({', '.join(RECORD_FIELDS)}): "
        f"{len(wrongly_passed)}/{passed['all']}"
    )
    for line in wrongly_passed:
        print(f"  {line}")
    if low_conf:
        print(f"lowest field confidence: median {float(np.median(low_conf)):.3f}")


if __name__ == "__main__":
    main()
