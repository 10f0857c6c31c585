"""The case hooks' dataclasses as the cases API maps them to its schemas."""

from __future__ import annotations

from datetime import UTC, datetime

from idrenew.cases.api import decision_out, outcome_out
from idrenew.cases.hooks import CaseOutcome, CustomerDecision, RedoStep, RedoTarget

WHEN = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)


def test_no_decision_yet_is_an_empty_outcome() -> None:
    out = outcome_out(CaseOutcome(), can_reapply=False)
    assert out.model_dump() == {
        "reasons": [],
        "note": "",
        "redo_steps": [],
        "redo_step": None,
        "decided_at": None,
        "can_reapply": False,
    }


def test_a_returned_case_names_its_steps_and_where_to_start() -> None:
    outcome = CaseOutcome(
        reasons=("证件照片不清晰",),
        note="请重拍",
        redo_steps=(RedoStep(4, "上传身份证"), RedoStep(6, "证件更新信息")),
        redo_step=RedoTarget(4, "idcard"),
        decided_at=WHEN,
    )
    assert outcome_out(outcome, can_reapply=False).model_dump() == {
        "reasons": ["证件照片不清晰"],
        "note": "请重拍",
        "redo_steps": [
            {"number": 4, "title": "上传身份证"},
            {"number": 6, "title": "证件更新信息"},
        ],
        "redo_step": {"number": 4, "key": "idcard"},
        "decided_at": WHEN,
        "can_reapply": False,
    }


def test_a_customer_decision_maps_field_for_field() -> None:
    decision = CustomerDecision("return", "需补充", ("证件照片不清晰",), "请重拍", WHEN)
    assert decision_out(decision).model_dump() == {
        "kind": "return",
        "label": "需补充",
        "reasons": ["证件照片不清晰"],
        "note": "请重拍",
        "decided_at": WHEN,
    }
