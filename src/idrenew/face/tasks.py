from __future__ import annotations

from typing import TYPE_CHECKING

from idrenew.core.tasks import register

if TYPE_CHECKING:
    from idrenew.face.services import FaceAttemptJson


@register("face.analyze")
def analyze(*, attempt_id: str) -> FaceAttemptJson:
    from idrenew.face.services import face_attempt_analyze

    return face_attempt_analyze(attempt_id=attempt_id)
