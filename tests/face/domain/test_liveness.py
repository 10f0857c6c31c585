"""Action decisions on synthetic measure series: no model, no image, no database."""

from __future__ import annotations

import unittest
from dataclasses import replace

from idrenew.face.domain import liveness
from idrenew.face.domain.liveness import FrameMeasure

FPS = 25.0


def series(n: int = 100, **base: float) -> list[FrameMeasure]:
    values = {"yaw": 2.0, "pitch": -5.0, "mouth": 0.08, "eye": 0.33, **base}
    return [
        FrameMeasure(
            index=i,
            time=i / FPS,
            face=True,
            faces_detected=1 if i % 3 == 0 else None,
            face_px=220.0,
            frame_short_side=480.0,
            brightness=120.0,
            sharpness=200.0,
            **values,
        )
        for i in range(n)
    ]


def with_(frames: list[FrameMeasure], start: int, end: int, **values: float) -> list[FrameMeasure]:
    return [replace(f, **values) if start <= f.index <= end else f for f in frames]


class FindEventsTests(unittest.TestCase):
    def events(self, action: str, frames: list[FrameMeasure]) -> list[tuple[int, int]]:
        base = liveness.baseline(frames)
        return [(e.start, e.end) for e in liveness.find_events(action, frames, base, FPS)]

    def test_turns_are_measured_from_the_persons_own_yaw(self) -> None:
        # This person's neutral yaw reads +9° (camera off to one side): a turn is relative.
        frames = with_(series(yaw=9.0), 30, 45, yaw=27.0)
        frames = with_(frames, 60, 70, yaw=-9.0)
        self.assertEqual(self.events("turn_left", frames), [(30, 45)])
        self.assertEqual(self.events("turn_right", frames), [(60, 70)])

    def test_small_head_movements_are_not_turns(self) -> None:
        frames = with_(series(), 30, 60, yaw=10.0)  # 8° from neutral
        self.assertEqual(self.events("turn_left", frames), [])
        frames = with_(series(), 30, 60, yaw=16.0)  # 14°: past the span, short of the peak
        self.assertEqual(self.events("turn_left", frames), [])
        frames = with_(frames, 40, 42, yaw=19.0)  # ...until it peaks at 17°
        self.assertEqual(self.events("turn_left", frames), [(30, 60)])

    def test_turn_must_last(self) -> None:
        frames = with_(series(), 30, 31, yaw=30.0)  # 2 frames = 0.08 s
        self.assertEqual(self.events("turn_left", frames), [])

    def test_mouth_relative_to_a_half_open_resting_mouth(self) -> None:
        # Resting ratio 0.19 (seen on real people): 0.40 is not yet an opening, 0.50 is.
        frames = with_(series(mouth=0.19), 20, 40, mouth=0.40)
        self.assertEqual(self.events("open_mouth", frames), [])
        frames = with_(series(mouth=0.19), 20, 40, mouth=0.50)
        self.assertEqual(self.events("open_mouth", frames), [(20, 40)])

    def test_blink_needs_closing_and_reopening(self) -> None:
        frames = with_(series(), 50, 52, eye=0.08)
        self.assertEqual(self.events("blink", frames), [(50, 52)])
        closed_to_the_end = with_(series(), 95, 99, eye=0.08)
        self.assertEqual(self.events("blink", closed_to_the_end), [])
        eyes_shut_for_seconds = with_(series(), 20, 60, eye=0.05)
        self.assertEqual(self.events("blink", eyes_shut_for_seconds), [])

    def test_a_clip_that_starts_mid_action_does_not_count_it(self) -> None:
        frames = with_(series(), 0, 15, yaw=25.0)
        self.assertEqual(self.events("turn_left", frames), [])

    def test_frames_without_a_face_are_not_neutral(self) -> None:
        frames = series()
        frames = [replace(f, face=False) if f.index < 30 else f for f in frames]
        frames = with_(frames, 30, 40, yaw=25.0)
        self.assertEqual(self.events("turn_left", frames), [])


class DecideActionsTests(unittest.TestCase):
    def clip(self) -> list[FrameMeasure]:
        frames = with_(series(200), 40, 55, yaw=20.0)  # turn_left
        return with_(frames, 120, 140, mouth=0.5)  # then open_mouth

    def test_requested_actions_in_order_pass(self) -> None:
        decision = liveness.decide_actions(["turn_left", "open_mouth"], self.clip(), FPS)
        self.assertTrue(decision.passed)
        self.assertEqual([r.frames for r in decision.actions], [(40, 55), (120, 140)])

    def test_wrong_order_is_refused(self) -> None:
        decision = liveness.decide_actions(["open_mouth", "turn_left"], self.clip(), FPS)
        self.assertEqual(decision.failures, ["ACTION_ORDER"])
        self.assertEqual([r.passed for r in decision.actions], [True, False])

    def test_missing_action_is_refused(self) -> None:
        decision = liveness.decide_actions(["turn_left", "blink"], self.clip(), FPS)
        self.assertEqual(decision.failures, ["ACTION_MISSING"])
        self.assertEqual([r.passed for r in decision.actions], [True, False])

    def test_reversed_clip_fails_the_order(self) -> None:
        frames = self.clip()
        n = len(frames)
        reversed_ = [replace(f, index=n - 1 - f.index) for f in reversed(frames)]
        decision = liveness.decide_actions(["turn_left", "open_mouth"], reversed_, FPS)
        self.assertEqual(decision.failures, ["ACTION_ORDER"])


class PresenceAndQualityTests(unittest.TestCase):
    def test_one_face_throughout(self) -> None:
        self.assertEqual(liveness.check_presence(series()), [])

    def test_face_missing_in_more_than_a_tenth_of_frames(self) -> None:
        frames = [replace(f, face=False) if f.index % 8 == 0 else f for f in series()]
        self.assertEqual(liveness.check_presence(frames), ["FACE_NOT_FOUND"])

    def test_second_face(self) -> None:
        frames = [
            replace(f, faces_detected=2) if f.faces_detected and f.index > 50 else f
            for f in series()
        ]
        self.assertIn("FACE_MULTIPLE", liveness.check_presence(frames))

    def test_a_single_stray_detection_is_tolerated(self) -> None:
        frames = [replace(f, faces_detected=2) if f.index == 30 else f for f in series()]
        self.assertEqual(liveness.check_presence(frames), [])

    def test_small_and_dark_faces(self) -> None:
        small = [replace(f, face_px=50.0) for f in series()]
        self.assertEqual(liveness.check_quality(small), ["FACE_TOO_SMALL"])
        dark = [replace(f, brightness=20.0) for f in series()]
        self.assertEqual(liveness.check_quality(dark), ["FACE_TOO_DARK"])

    def test_best_frame_is_frontal_sharp_and_eyes_open(self) -> None:
        frames = with_(series(), 0, 99, sharpness=100.0)
        frames = with_(frames, 10, 10, sharpness=400.0, yaw=30.0)  # sharp but turned
        frames = with_(frames, 20, 20, sharpness=400.0, eye=0.05)  # sharp but eyes shut
        frames = with_(frames, 30, 30, sharpness=350.0)  # sharp and frontal
        best = liveness.best_frame(frames, liveness.baseline(frames))
        self.assertIsNotNone(best)
        assert best is not None
        self.assertEqual(best.index, 30)
