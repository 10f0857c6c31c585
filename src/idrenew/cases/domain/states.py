"""The renewal case's states, the seed's ten steps, and the allowed transitions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    STARTED = "started"  # signed in; next: face (step 3)
    FACE_PASSED = "face_passed"  # next: ID card photos (4)
    IDCARD_READ = "idcard_read"  # next: confirm identity (5)
    IDENTITY_CONFIRMED = "identity_confirmed"  # next: confirm the update (6)
    UPDATE_CONFIRMED = "update_confirmed"  # next: read agreements (7)
    AGREEMENTS_READ = "agreements_read"  # next: sign (8)
    SIGNED = "signed"  # next: confirm signing done (9)
    SUBMITTED = "submitted"  # waiting for review (10)
    RETURNED = "returned"  # staff asked for a correction
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


LABELS: dict[State, str] = {
    State.STARTED: "待人脸识别",
    State.FACE_PASSED: "待上传身份证",
    State.IDCARD_READ: "待确认身份信息",
    State.IDENTITY_CONFIRMED: "待确认更新信息",
    State.UPDATE_CONFIRMED: "待阅读协议",
    State.AGREEMENTS_READ: "待签署协议",
    State.SIGNED: "签署完成",
    State.SUBMITTED: "已提交，等待办理",
    State.RETURNED: "需补充材料",
    State.APPROVED: "已通过",
    State.REJECTED: "未通过",
    State.CANCELLED: "已取消",
    State.EXPIRED: "已过期",
}


@dataclass(frozen=True)
class Step:
    number: int
    key: str
    title: str


STEPS: tuple[Step, ...] = (
    Step(1, "select", "选择业务"),
    Step(2, "verify", "账户验证"),
    Step(3, "face", "人脸识别"),
    Step(4, "idcard", "上传身份证"),
    Step(5, "identity", "身份信息确认"),
    Step(6, "update", "证件更新信息确认"),
    Step(7, "read", "阅读协议"),
    Step(8, "sign", "签署协议"),
    Step(9, "signed", "签署完成"),
    Step(10, "status", "提交完成"),
)
STEP_BY_KEY = {s.key: s for s in STEPS}

# The step the customer is on while the case is in a state.
STEP_OF_STATE: dict[State, int] = {
    State.STARTED: 3,
    State.FACE_PASSED: 4,
    State.IDCARD_READ: 5,
    State.IDENTITY_CONFIRMED: 6,
    State.UPDATE_CONFIRMED: 7,
    State.AGREEMENTS_READ: 8,
    State.SIGNED: 9,
    State.SUBMITTED: 10,
    State.RETURNED: 10,
    State.APPROVED: 10,
    State.REJECTED: 10,
    State.CANCELLED: 10,
    State.EXPIRED: 10,
}

# The state a case re-enters to redo a step (used when going back or returned by staff).
STATE_BEFORE_STEP: dict[int, State] = {
    3: State.STARTED,
    4: State.FACE_PASSED,
    5: State.IDCARD_READ,
    6: State.IDENTITY_CONFIRMED,
    7: State.UPDATE_CONFIRMED,
    8: State.AGREEMENTS_READ,
}

FINAL: frozenset[State] = frozenset(
    {State.APPROVED, State.REJECTED, State.CANCELLED, State.EXPIRED}
)
ACTIVE: frozenset[State] = frozenset(set(State) - FINAL)
# States in which the customer is still filling the case in (it can expire or be cancelled).
IN_PROGRESS: frozenset[State] = frozenset(ACTIVE - {State.SUBMITTED})

_FORWARD: dict[State, set[State]] = {
    State.STARTED: {State.FACE_PASSED},
    State.FACE_PASSED: {State.IDCARD_READ},
    # Photos may be retaken before confirming, and "信息有误" goes back to step 4.
    State.IDCARD_READ: {State.IDCARD_READ, State.IDENTITY_CONFIRMED, State.FACE_PASSED},
    State.IDENTITY_CONFIRMED: {State.UPDATE_CONFIRMED, State.FACE_PASSED},
    State.UPDATE_CONFIRMED: {State.AGREEMENTS_READ, State.IDENTITY_CONFIRMED},
    # A new agreement version published mid-case sends the customer back to read it.
    State.AGREEMENTS_READ: {State.SIGNED, State.UPDATE_CONFIRMED},
    State.SIGNED: {State.SUBMITTED},
    State.SUBMITTED: {State.APPROVED, State.REJECTED, State.RETURNED},
    State.RETURNED: set(STATE_BEFORE_STEP.values()),
}


class TransitionRefused(Exception):
    def __init__(self, current: State, target: State) -> None:
        self.current = current
        self.target = target
        super().__init__(f"{current} -> {target} is not allowed")


def allowed_targets(current: State) -> frozenset[State]:
    targets = set(_FORWARD.get(current, set()))
    if current in IN_PROGRESS:
        targets |= {State.CANCELLED, State.EXPIRED}
    return frozenset(targets)


def check_transition(current: State, target: State) -> None:
    if target not in allowed_targets(current):
        raise TransitionRefused(current, target)


def step_of(state: State) -> Step:
    return STEPS[STEP_OF_STATE[state] - 1]
