"""``idrenew synth-idcards --out DIR --count N --seed S [--negatives 0.2]``: synthetic ID card
photos with ground-truth JSON (layout: ``idrenew.devkit.synth``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import cv2
from django.core.management.base import BaseCommand, CommandError, CommandParser

from idrenew.devkit.synth import generate
from idrenew.devkit.synth.card import default_faces_dir


class Command(BaseCommand):
    help = "Render synthetic resident ID card photos (good and negative) with ground truth."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="output folder (created if missing)")
        parser.add_argument("--count", type=int, required=True, help="number of cards")
        parser.add_argument("--seed", type=int, required=True, help="same seed, same bytes")
        parser.add_argument(
            "--negatives", type=float, default=0.2, help="share of negative cases (0–1)"
        )
        parser.add_argument(
            "--faces",
            default=None,
            help="folder of face photos with identities.csv (default ../shared/testdata/faces "
            "when present; 'none' for drawn silhouettes)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count, negatives = options["count"], options["negatives"]
        if count < 1:
            raise CommandError("--count must be at least 1")
        if not 0 <= negatives <= 1:
            raise CommandError("--negatives must be between 0 and 1")
        faces: Path | bool | None = True
        if options["faces"] == "none":
            faces = None
        elif options["faces"]:
            faces = Path(options["faces"])
            if not (faces / "identities.csv").is_file():
                raise CommandError(f"{faces} has no identities.csv")
        cv2.setNumThreads(1)
        started = time.monotonic()
        out = Path(options["out"])
        written = generate(out, count, options["seed"], negatives, faces_dir=faces)
        portraits = faces if faces is not True else default_faces_dir()
        self.stdout.write(
            f"{count} cards, {len(written)} files in {out} "
            f"({time.monotonic() - started:.1f} s; portraits: {portraits or 'drawn silhouettes'})"
        )
