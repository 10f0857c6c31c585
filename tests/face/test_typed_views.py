"""The attempt summary: what the API answers and what the analysis task stores agree."""

from __future__ import annotations

from idrenew.face.api import AttemptOut
from idrenew.face.services import FaceAttemptSummary


def test_the_analysis_task_result_is_the_attempt_answer() -> None:
    summary = FaceAttemptSummary(
        attempt_id="8d1f0c7e-0000-4000-8000-000000000001",
        passed=False,
        status="failed",
        actions=({"action": "blink", "passed": False, "frames": None, "at": None},),
        failures=({"code": "ACTION_MISSING", "message": "未检测到指定动作"},),
        case_state="started",
        current_step=3,
    )
    assert summary.to_json() == AttemptOut.model_validate(summary).model_dump()
