from __future__ import annotations

from typing import Any

from idrenew.core.tasks import register


@register("idcard.read")
def read(*, upload_id: str) -> dict[str, Any]:
    from idrenew.idcard.services import idcard_upload_analyze

    return idcard_upload_analyze(upload_id=upload_id)
