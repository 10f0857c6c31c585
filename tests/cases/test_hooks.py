"""The case hooks: review plugs in at start-up; without it, submitting is a configuration
error instead of a case that silently never reaches the queue."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from idrenew.cases import hooks
from idrenew.review.case_hooks import ReviewDecider


def test_review_registers_the_decider_when_django_starts() -> None:
    assert isinstance(hooks.decider(), ReviewDecider)


def test_no_decider_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hooks, "_decider", None)
    with pytest.raises(ImproperlyConfigured, match=r"idrenew\.review"):
        hooks.decider()


def test_signing_registers_the_case_documents() -> None:
    from idrenew.signing.case_documents import SignedCaseDocuments

    assert isinstance(hooks.documents(), SignedCaseDocuments)


def test_no_case_documents_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hooks, "_documents", None)
    with pytest.raises(ImproperlyConfigured, match=r"idrenew\.signing"):
        hooks.documents()
