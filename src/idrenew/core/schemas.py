"""Base classes for API schemas: strict, no coercion, unknown fields refused."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import ConfigDict


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)


class EmptyIn(StrictIn):
    """A POST that takes no fields (the body must still be a JSON object)."""


class TaskAccepted(Schema):
    """202: the slow step runs as a task; poll ``GET /api/tasks/{task_id}``."""

    task_id: str
    status: str


class ErrorOut(Schema):
    code: str
    message: str
    retryable: bool
    fields: dict[str, str] | None = None
    detail: dict[str, Any] | None = None


# The error answers a customer endpoint may give (OpenAPI); every one has the ErrorOut shape.
ERROR_RESPONSES: dict[int, type[ErrorOut]] = {
    status: ErrorOut for status in (400, 401, 403, 404, 409, 410, 413, 422, 429)
}
