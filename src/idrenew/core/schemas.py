"""Base classes for API schemas: strict, no coercion, unknown fields refused."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import ConfigDict


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)


class ErrorOut(Schema):
    code: str
    message: str
    retryable: bool
    fields: dict[str, str] | None = None
    detail: dict[str, Any] | None = None
