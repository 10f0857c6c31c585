"""The prompt schedule of a liveness challenge: when the page shows each prompt, counted
from the start of the recording, and the window in which each action must start.

The server draws the schedule with the challenge and keeps it; the page shows the prompts
at these offsets and reports only one number, how long after its recorder started the
first prompt appeared (``prompt_offset_ms``). The server accepts that number within
bounds (timers fire late, never much early) and shifts its own schedule by it; where the
actions happened is found by the analysis, never taken from the client.

A recording made in advance (one clip showing every action in a row, a public video) then
has to match the drawn order *and* the drawn times, and may show no turn or mouth opening
that was not asked for (``liveness.decide_timed``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from idrenew.face.domain.types import PROMPTS

NEUTRAL_MS = 1500  # the neutral start: the analysis measures actions against this face
ACTION_MS = 3500  # one prompt on screen (the rules say 放慢动作)
MIN_ACTION_MS = 2000  # never squeeze a prompt below this
END_MARGIN_MS = 1500  # the last prompt ends this long before the server's clip limit
# The first prompt may appear this much earlier (clock granularity) or later (a busy phone,
# a slow recorder start) than scheduled; outside these bounds the upload is refused.
OFFSET_EARLY_MS = 250
OFFSET_LATE_MS = 1500


@dataclass(frozen=True)
class Prompt:
    """One prompt: shown from ``start_ms`` to ``end_ms`` after the recording started."""

    action: str
    start_ms: int
    end_ms: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "prompt": PROMPTS.get(self.action, self.action),
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
        }


@dataclass(frozen=True)
class Window:
    """Where an action may start, in seconds of the clip (tolerance included)."""

    action: str
    start: float
    end: float

    def holds(self, t: float) -> bool:
        return self.start <= t <= self.end


def plan(
    actions: Sequence[str],
    *,
    max_clip_seconds: float,
    neutral_ms: int = NEUTRAL_MS,
    action_ms: int = ACTION_MS,
) -> list[Prompt]:
    """Neutral start, then each action for ``action_ms`` (shortened, not below
    ``MIN_ACTION_MS``, when the actions would not fit the clip limit)."""
    budget = int(max_clip_seconds * 1000) - END_MARGIN_MS - neutral_ms
    per = action_ms
    if actions and budget // len(actions) < per:
        per = max(MIN_ACTION_MS, budget // len(actions))
    return [
        Prompt(a, neutral_ms + i * per, neutral_ms + (i + 1) * per) for i, a in enumerate(actions)
    ]


def from_stored(rows: Iterable[Mapping[str, Any]]) -> list[Prompt]:
    return [Prompt(str(r["action"]), int(r["start_ms"]), int(r["end_ms"])) for r in rows]


def offset_allowed(prompts: Sequence[Prompt], offset_ms: int) -> bool:
    """The page's measured first-prompt offset is close enough to the scheduled one."""
    if not prompts:
        return True
    first = prompts[0].start_ms
    return first - OFFSET_EARLY_MS <= offset_ms <= first + OFFSET_LATE_MS


def windows(prompts: Sequence[Prompt], *, offset_ms: int | None, tolerance_ms: int) -> list[Window]:
    """The schedule moved so that the first prompt starts at ``offset_ms`` (the page's
    measurement; None = as scheduled), each window widened by ``tolerance_ms``."""
    if not prompts:
        return []
    shift = 0 if offset_ms is None else offset_ms - prompts[0].start_ms
    return [
        Window(
            p.action,
            (p.start_ms + shift - tolerance_ms) / 1000.0,
            (p.end_ms + shift + tolerance_ms) / 1000.0,
        )
        for p in prompts
    ]
