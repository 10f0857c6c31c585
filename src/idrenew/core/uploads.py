"""The customer upload sequence shared by the face clip (step 3) and the card photos (step 4).

Size first (the declared size, then the bytes actually read, never more than the limit + 1),
then the caller's content probe, then the file stored encrypted, its record created, the
upload audited (no content, only ids, type and size) and the analysis task submitted. Each
app keeps its own error codes and messages: it passes the exception to raise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest

from idrenew.audit.services import audit_customer
from idrenew.core.models import TaskRecord
from idrenew.core.tasks import task_submit
from idrenew.lib.files import save_encrypted


class _Case(Protocol):
    @property
    def id(self) -> Any: ...

    @property
    def customer_id(self) -> Any: ...


class _Record(Protocol):
    @property
    def id(self) -> Any: ...


R = TypeVar("R", bound=_Record)


def upload_read(
    file: UploadedFile[bytes],
    *,
    max_bytes: int,
    too_large: Callable[[], Exception],
    size_required: bool = False,
) -> bytes:
    """The uploaded bytes, refused with ``too_large()`` over ``max_bytes`` (declared or read).
    ``size_required``: an upload that declares no size is refused too."""
    if file.size is None:
        if size_required:
            raise too_large()
    elif file.size > max_bytes:
        raise too_large()
    data: bytes = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large()
    return data


def upload_submit(
    *,
    case: _Case,
    data: bytes,
    folder: str,
    suffix: str,
    record: Callable[[str], R],
    action: str,
    audit_data: Callable[[R], dict[str, Any]],
    task: str,
    task_argument: str,
    request: HttpRequest | None,
) -> TaskRecord:
    """Store ``data`` encrypted under ``folder``, create its record (``record(file_name)``),
    audit ``action`` and submit ``task`` with ``{task_argument: record id}``."""
    created = record(save_encrypted(folder, data, suffix=suffix))
    audit_customer(
        action=action,
        customer_id=case.customer_id,
        case_id=case.id,
        request=request,
        data=audit_data(created),
    )
    return task_submit(
        name=task,
        arguments={task_argument: str(created.id)},
        owner_customer_id=case.customer_id,
    )
