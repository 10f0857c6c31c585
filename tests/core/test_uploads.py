"""core.uploads.upload_read: the size limit from the declared size and from the bytes read."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from idrenew.core.uploads import upload_read


class TooLarge(Exception):
    pass


def _file(data: bytes, size: int | None = -1) -> SimpleUploadedFile:
    upload = SimpleUploadedFile("x.bin", data)
    if size != -1:
        upload.size = size  # type: ignore[assignment]
    return upload


def test_reads_within_the_limit() -> None:
    assert upload_read(_file(b"a" * 10), max_bytes=10, too_large=TooLarge) == b"a" * 10


def test_declared_size_over_the_limit() -> None:
    with pytest.raises(TooLarge):
        upload_read(_file(b"a" * 5, size=11), max_bytes=10, too_large=TooLarge)


def test_bytes_over_the_limit_despite_a_small_declared_size() -> None:
    with pytest.raises(TooLarge):
        upload_read(_file(b"a" * 11, size=3), max_bytes=10, too_large=TooLarge)


def test_missing_size_refused_only_when_required() -> None:
    assert upload_read(_file(b"abc", size=None), max_bytes=10, too_large=TooLarge) == b"abc"
    with pytest.raises(TooLarge):
        upload_read(_file(b"abc", size=None), max_bytes=10, too_large=TooLarge, size_required=True)
