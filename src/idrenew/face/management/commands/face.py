"""``idrenew face compare`` and ``idrenew face liveness``: the face engine from the shell.

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

from idrenew.face.domain.types import ACTIONS, FAILURE_MESSAGES, FaceError
from idrenew.face.engine import face_engine

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
        live.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        cv2.setNumThreads(1)
        if options["action"] == "compare":
            self._compare(options)
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
        try:
            report = face_engine().analyze_clip(options["clip"], actions)
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
            }
        self._emit(result, options["json"])

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
