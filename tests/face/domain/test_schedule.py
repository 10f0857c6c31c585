"""The prompt schedule and the timed decision on synthetic measure series (no model)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from idrenew.face.domain import liveness, schedule
from idrenew.face.domain.liveness import FrameMeasure

FPS = 25.0


def series(seconds: float = 9.0) -> list[FrameMeasure]:
    return [
        FrameMeasure(
            index=i,
            time=i / FPS,
            face=True,
            faces_detected=1,
            yaw=2.0,
            pitch=-5.0,
            mouth=0.08,
            eye=0.33,
            face_px=220.0,
            frame_short_side=480.0,
            brightness=120.0,
            sharpness=200.0,
        )
        for i in range(round(seconds * FPS))
    ]


def act(frames: list[FrameMeasure], action: str, at: float, length: float = 0.6) -> list:
    values = {
        "turn_left": {"yaw": 24.0},
        "turn_right": {"yaw": -20.0},
        "open_mouth": {"mouth": 0.5},
        "blink": {"eye": 0.08},
    }[action]
    first, last = round(at * FPS), round((at + (0.12 if action == "blink" else length)) * FPS)
    return [replace(f, **values) if first <= f.index <= last else f for f in frames]


def windows(actions: list[str], offset_ms: int | None = None) -> list[schedule.Window]:
    prompts = schedule.plan(actions, max_clip_seconds=15)
    return schedule.windows(prompts, offset_ms=offset_ms, tolerance_ms=500)


def test_plan_gives_a_neutral_start_then_each_prompt_for_3_5_s() -> None:
    prompts = schedule.plan(["blink", "turn_left"], max_clip_seconds=15)
    assert [(p.action, p.start_ms, p.end_ms) for p in prompts] == [
        ("blink", 1500, 5000),
        ("turn_left", 5000, 8500),
    ]
    assert prompts[0].as_dict()["prompt"] == "请眨眨眼"
    squeezed = schedule.plan(
        ["blink", "turn_left", "open_mouth", "turn_right"], max_clip_seconds=12
    )
    assert squeezed[-1].end_ms <= 12_000 - schedule.END_MARGIN_MS
    assert all(p.end_ms - p.start_ms >= schedule.MIN_ACTION_MS for p in squeezed)


def test_the_page_may_report_its_first_prompt_only_near_the_scheduled_time() -> None:
    prompts = schedule.plan(["blink", "turn_left"], max_clip_seconds=15)
    assert schedule.offset_allowed(prompts, 1500)
    assert schedule.offset_allowed(prompts, 1500 + schedule.OFFSET_LATE_MS)
    assert not schedule.offset_allowed(prompts, 1500 + schedule.OFFSET_LATE_MS + 1)
    assert not schedule.offset_allowed(prompts, 1500 - schedule.OFFSET_EARLY_MS - 1)
    assert not schedule.offset_allowed(prompts, -5000)
    late = schedule.windows(prompts, offset_ms=2300, tolerance_ms=500)
    assert (late[0].start, late[0].end) == (1.8, 6.3)  # moved by 0.8 s, widened by 0.5 s


@pytest.mark.parametrize(
    ("actions", "at"),
    [
        (["turn_left", "open_mouth"], [2.4, 6.0]),
        (["blink", "turn_right"], [2.2, 6.0]),
        (["open_mouth", "blink"], [4.8, 5.2]),  # late in its window, early in the next
    ],
)
def test_actions_inside_their_windows_pass(actions: list[str], at: list[float]) -> None:
    frames = series()
    for action, t in zip(actions, at, strict=True):
        frames = act(frames, action, t)
    decision, stray = liveness.decide_timed(windows(actions), frames, FPS)
    assert decision.passed, decision.failures
    assert [r.at for r in decision.actions] == at
    assert stray == []


def test_a_natural_blink_anywhere_is_not_counted() -> None:
    frames = act(act(series(), "turn_left", 2.4), "open_mouth", 6.0)
    frames = act(act(frames, "blink", 0.6), "blink", 4.0)
    decision, stray = liveness.decide_timed(windows(["turn_left", "open_mouth"]), frames, FPS)
    assert decision.passed and stray == []


def test_an_action_in_the_wrong_window_fails() -> None:
    # turn_left asked first, done during the second prompt (and open_mouth during the first)
    frames = act(act(series(), "open_mouth", 2.4), "turn_left", 6.0)
    decision, stray = liveness.decide_timed(windows(["turn_left", "open_mouth"]), frames, FPS)
    assert decision.failures == ["ACTION_OUT_OF_WINDOW"]
    assert {s.action for s in stray} == {"turn_left", "open_mouth"}


def test_an_action_before_the_first_prompt_fails() -> None:
    frames = act(act(series(), "turn_left", 0.3), "turn_left", 2.4)
    frames = act(frames, "open_mouth", 6.0)
    decision, stray = liveness.decide_timed(windows(["turn_left", "open_mouth"]), frames, FPS)
    assert decision.failures == ["ACTION_OUT_OF_WINDOW"]
    assert [(s.action, s.at) for s in stray] == [("turn_left", 0.32)]


def test_an_action_never_asked_for_fails() -> None:
    frames = act(act(series(), "turn_left", 2.4), "open_mouth", 6.0)
    frames = act(frames, "turn_right", 7.5)
    decision, stray = liveness.decide_timed(windows(["turn_left", "open_mouth"]), frames, FPS)
    assert decision.failures == ["ACTION_UNREQUESTED"]
    assert [s.action for s in stray] == ["turn_right"]


def test_all_four_in_a_row_fails_every_challenge() -> None:
    # One recording paced like a challenge of four: whichever two are asked, something else
    # that is not a blink happens too.
    frames = series(16.0)
    for action, t in [
        ("turn_left", 2.3),
        ("turn_right", 5.8),
        ("open_mouth", 9.3),
        ("blink", 12.8),
    ]:
        frames = act(frames, action, t)
    import itertools

    for pair in itertools.permutations(["blink", "open_mouth", "turn_left", "turn_right"], 2):
        decision, _ = liveness.decide_timed(windows(list(pair)), frames, FPS)
        assert {"ACTION_UNREQUESTED", "ACTION_OUT_OF_WINDOW"} & set(decision.failures), pair


def test_tolerance_covers_a_slightly_late_start() -> None:
    frames = act(act(series(), "turn_left", 5.7), "open_mouth", 6.8)  # 0.7 s after its prompt
    decision, _ = liveness.decide_timed(windows(["turn_left", "open_mouth"]), frames, FPS)
    assert decision.failures == ["ACTION_OUT_OF_WINDOW"]  # turn_left's window ends at 5.5 s...
    frames = act(act(series(), "turn_left", 5.7), "open_mouth", 6.8)
    decision, _ = liveness.decide_timed(
        windows(["turn_left", "open_mouth"], offset_ms=1900), frames, FPS
    )
    assert decision.passed  # ...unless the page says its prompts came 0.4 s late


def test_missing_stays_missing() -> None:
    frames = act(series(), "turn_left", 2.4)
    decision, _ = liveness.decide_timed(windows(["turn_left", "blink"]), frames, FPS)
    assert decision.failures == ["ACTION_MISSING"]


def test_a_second_face_for_a_stretch_counts_though_the_share_is_small() -> None:
    frames = series()
    assert liveness.check_presence(frames) == []
    # 9% of the clip (under MULTI_FACE_SHARE), all in one stretch of 0.8 s
    two = [replace(f, faces_detected=2) if 100 <= f.index < 120 else f for f in frames]
    assert sum(f.faces_detected == 2 for f in two) / len(two) < liveness.MULTI_FACE_SHARE
    assert liveness.check_presence(two) == ["FACE_MULTIPLE"]
    # the same count scattered one frame at a time is detector noise
    scattered = [replace(f, faces_detected=2) if f.index % 11 == 0 else f for f in frames]
    assert liveness.check_presence(scattered) == []
