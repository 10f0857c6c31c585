from __future__ import annotations

from typing import Any

from idrenew.core.tasks import register


@register("face.analyze")
def analyze(*, attempt_id: str) -> dict[str, Any]:
    from idrenew.face.services import face_attempt_analyze

    # The registry's TaskFunc returns dict[str, Any]; FaceAttemptJson types what is stored.
    return dict(face_attempt_analyze(attempt_id=attempt_id))
