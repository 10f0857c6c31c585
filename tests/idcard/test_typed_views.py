"""Step 4-6 dataclasses: the upload task's presented result and the API's answer agree."""

from __future__ import annotations

from idrenew.idcard.api import IdCardSideOut, IdCardStateOut
from idrenew.idcard.services import IdcardState, SideSummary


def test_the_upload_task_result_is_the_side_answer() -> None:
    side = SideSummary(
        side="back",
        status="accepted",
        accepted=True,
        fields={"issuer": "某市公安局", "valid_from": "2026-01-01", "long_term": True},
        warnings=({"code": "IDCARD_GLARE", "message": "照片反光", "blocking": False},),
        uploaded_at="2026-12-01T16:30:00+08:00",
    )
    assert side.to_json() == IdCardSideOut.model_validate(side).model_dump()
    state = IdCardStateOut.model_validate(IdcardState(front=None, back=side, ready=False))
    assert state.model_dump() == {"front": None, "back": side.to_json(), "ready": False}
