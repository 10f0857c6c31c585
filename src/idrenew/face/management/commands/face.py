"""``idrenew face compare``, ``idrenew face liveness`` and ``idrenew face calibrate``: the
face engine from the shell.

The models load once per process, so ``compare --pairs`` runs many pairs at model speed.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser

from idrenew.face.domain import schedule
from idrenew.face.domain.calibration import Calibration, Rate, calibrate
from idrenew.face.domain.types import ACTIONS, FAILURE_MESSAGES, FaceError
from idrenew.face.engines import face_engine

IMAGE_ERRORS = {
    "IMAGE_UNREADABLE": "图片无法读取，请换一张清晰的照片",
}


class Command(BaseCommand):
    help = "Face engine: compare two face images, or check a liveness clip."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        cmp = sub.add_parser("compare", help="same person? (1:1)")
        cmp.add_argument("files", nargs="*", help="two images A B")
        cmp.add_argument("--pairs", help="CSV with columns file_a,file_b")
        cmp.add_argument("--root", default=".", help="folder the CSV's paths are relative to")
        cmp.add_argument("--json", action="store_true", help="one JSON line per pair")
        live = sub.add_parser("liveness", help="check a clip for actions")
        live.add_argument("clip")
        live.add_argument("--actions", required=True, help=f"comma-separated: {','.join(ACTIONS)}")
        live.add_argument(
            "--prompt-offset-ms",
            type=int,
            help="check the timing too: the page's first prompt came this many ms after the "
            "recording started (the server's schedule for these actions)",
        )
        live.add_argument("--json", action="store_true")
        cal = sub.add_parser(
            "calibrate", help="threshold on labelled pairs: distributions, FAR/FRR, a suggestion"
        )
        cal.add_argument("--pairs", required=True, help="CSV: file_a,file_b,same_person (1/0)")
        cal.add_argument("--root", default=".", help="folder the CSV's paths are relative to")
        cal.add_argument("--target-far", type=float, default=1e-4)
        cal.add_argument("--json", action="store_true", help="the report as one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        cv2.setNumThreads(1)
        if options["action"] == "compare":
            self._compare(options)
        elif options["action"] == "calibrate":
            self._calibrate(options)
        else:
            self._liveness(options)

    # --- compare --------------------------------------------------------------------------

    def _compare(self, options: dict[str, Any]) -> None:
        if options["pairs"]:
            if options["files"]:
                raise CommandError("give either two files or --pairs CSV, not both")
            root = Path(options["root"])
            with open(options["pairs"], newline="", encoding="utf-8") as fh:
                rows = list(csv.DictReader(fh))
            if rows and not {"file_a", "file_b"} <= set(rows[0]):
                raise CommandError("the CSV needs the columns file_a,file_b")
            pairs = [(r["file_a"], r["file_b"], root) for r in rows]
        elif len(options["files"]) == 2:
            pairs = [(options["files"][0], options["files"][1], Path("."))]
        else:
            raise CommandError("give two image files, or --pairs CSV [--root DIR]")
        cache: dict[str, Any] = {}
        for a, b, root in pairs:
            self._emit(_compare_pair(a, b, root, cache), options["json"])

    # --- liveness -------------------------------------------------------------------------

    def _liveness(self, options: dict[str, Any]) -> None:
        actions = [a.strip() for a in options["actions"].split(",") if a.strip()]
        unknown = [a for a in actions if a not in ACTIONS]
        if unknown or not actions:
            raise CommandError(f"unknown action(s) {unknown}; choose from {', '.join(ACTIONS)}")
        if not Path(options["clip"]).is_file():
            raise CommandError(f"no such file: {options['clip']}")
        windows = None
        if options.get("prompt_offset_ms") is not None:
            from django.conf import settings

            prompts = schedule.plan(
                actions, max_clip_seconds=settings.IDRENEW_FACE_MAX_CLIP_SECONDS
            )
            windows = schedule.windows(
                prompts,
                offset_ms=options["prompt_offset_ms"],
                tolerance_ms=settings.IDRENEW_FACE_PROMPT_TOLERANCE_MS,
            )
        try:
            report = face_engine().analyze_clip(options["clip"], actions, windows=windows)
        except FaceError as exc:
            result: dict[str, Any] = {
                "passed": False,
                "actions": [{"action": a, "passed": False, "frames": None} for a in actions],
                "failures": [exc.code],
                "best_frame": None,
            }
        else:
            result = {
                "passed": report.passed,
                "actions": [
                    {
                        "action": r.action,
                        "passed": r.passed,
                        "frames": list(r.frames) if r.frames else None,
                    }
                    for r in report.actions
                ],
                "failures": report.failures,
                "best_frame": report.best_frame,
                "stray": [{"action": r.action, "at": r.at} for r in report.stray],
            }
        self._emit(result, options["json"])

    # --- calibrate ------------------------------------------------------------------------

    def _calibrate(self, options: dict[str, Any]) -> None:
        if not 0.0 < options["target_far"] < 1.0:
            raise CommandError("--target-far must be between 0 and 1, e.g. 1e-4")
        root = Path(options["root"])
        try:
            with open(options["pairs"], newline="", encoding="utf-8") as fh:
                rows = list(csv.DictReader(fh))
        except OSError as exc:
            raise CommandError(f"cannot read {options['pairs']}: {exc}") from None
        if not rows or not {"file_a", "file_b", "same_person"} <= set(rows[0]):
            raise CommandError("the CSV needs the columns file_a,file_b,same_person")
        cache: dict[str, Any] = {}
        genuine: list[float] = []
        impostor: list[float] = []
        refused: list[dict[str, Any]] = []
        for row in rows:
            label = row["same_person"].strip()
            if label not in ("0", "1"):
                raise CommandError(f"same_person must be 1 or 0: {row}")
            result = _compare_pair(row["file_a"], row["file_b"], root, cache)
            if result["similarity"] is None:
                refused.append(result)
                continue
            (genuine if label == "1" else impostor).append(float(result["similarity"]))
        report = calibrate(
            genuine,
            impostor,
            threshold=face_engine().threshold,
            target_far=options["target_far"],
        )
        if options["json"]:
            data = report.as_dict() | {"refused_pairs": len(refused)}
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        self._print_calibration(report, refused)

    def _print_calibration(self, c: Calibration, refused: list[dict[str, Any]]) -> None:
        def rate(r: Rate) -> str:
            return f"{r.errors}/{r.pairs} = {r.rate:.4%} (95% CI {r.low:.4%}–{r.high:.4%})"

        out = self.stdout.write
        out(f"same-person pairs:      {c.genuine}")
        out(f"different-person pairs: {c.impostor}")
        if refused:
            out(f"pairs not compared (no single face in a photo): {len(refused)}")
        out(f"threshold in use {c.threshold:.4f}: FAR {rate(c.far)}; FRR {rate(c.frr)}")
        if c.suggested is None:
            out(f"no threshold suggested: {c.refusal}")
            return
        assert c.suggested_far is not None and c.suggested_frr is not None
        out(
            f"suggested threshold {c.suggested:.4f} for FAR ≤ {c.target_far:g}: "
            f"FAR {rate(c.suggested_far)}, one-sided 95% upper bound "
            f"{c.suggested_far_upper:.2e}; FRR {rate(c.suggested_frr)}"
        )

    def _emit(self, result: dict[str, Any], as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write("  ".join(f"{k}={v}" for k, v in result.items()))


def _embedding(path: Path, cache: dict[str, Any]) -> Any:
    """The face embedding of an image, or an error dict (cached per path)."""
    key = str(path)
    if key not in cache:
        image = cv2.imread(key, cv2.IMREAD_COLOR)
        if image is None:
            cache[key] = {"code": "IMAGE_UNREADABLE", "message": IMAGE_ERRORS["IMAGE_UNREADABLE"]}
        else:
            try:
                cache[key] = face_engine().embed_image(np.asarray(image, dtype=np.uint8))
            except FaceError as exc:
                cache[key] = {"code": exc.code, "message": FAILURE_MESSAGES[exc.code]}
    return cache[key]


def _compare_pair(a: str, b: str, root: Path, cache: dict[str, Any]) -> dict[str, Any]:
    engine = face_engine()
    ea, eb = _embedding(root / a, cache), _embedding(root / b, cache)
    result: dict[str, Any] = {
        "file_a": a,
        "file_b": b,
        "similarity": None,
        "same_person": False,
        "threshold": engine.threshold,
        "error": None,
    }
    for side, found in (("file_a", ea), ("file_b", eb)):
        if isinstance(found, dict):
            result["error"] = {**found, "file": side}
            return result
    similarity = engine.similarity(ea, eb)
    result["similarity"] = round(similarity, 4)
    result["same_person"] = similarity >= engine.threshold
    return result
