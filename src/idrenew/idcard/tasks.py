from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from idrenew.core.tasks import register

if TYPE_CHECKING:
    from idrenew.idcard.services import SideSummaryJson


class ReadStored(TypedDict):
    """What the record keeps of an OCR task: the upload's id, not the fields it read."""

    upload_id: str


def present(stored: dict[str, Any]) -> SideSummaryJson | dict[str, Any] | None:
    """The side as the client reads it, from the (encrypted) upload: the task record keeps
    only the upload's id, not the fields read from the card."""
    if "upload_id" not in stored:
        return stored
    from idrenew.idcard.models import CardUpload
    from idrenew.idcard.services import idcard_side_summary

    upload = CardUpload.objects.filter(pk=stored["upload_id"]).first()
    return idcard_side_summary(upload).to_json() if upload is not None else None


@register("idcard.read", present=present)
def read(*, upload_id: str) -> ReadStored:
    from idrenew.idcard.services import idcard_upload_analyze

    idcard_upload_analyze(upload_id=upload_id)
    return {"upload_id": upload_id}
