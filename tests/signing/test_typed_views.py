"""Step 7-9 dataclasses: what the API answers and what the signing task stores agree."""

from __future__ import annotations

from dataclasses import asdict

from idrenew.signing.api import AgreementsOut, SignedOut
from idrenew.signing.steps import (
    AgreementsView,
    AgreementView,
    DocumentsView,
    SignedDocumentView,
    signature_stats,
)


def test_the_signing_task_result_is_the_documents_answer() -> None:
    view = DocumentsView(
        documents=(
            SignedDocumentView(
                key="application",
                title="《证件更新申请表》",
                sha256="ab" * 32,
                signed_at="2026-12-01T16:30:00+08:00",
                download_url="/api/cases/current/documents/application.pdf",
            ),
        ),
        case_state="signed",
    )
    assert view.to_json() == SignedOut.model_validate(view).model_dump()
    assert view.to_json()["documents"][0]["key"] == "application"


def test_agreements_answer_from_the_view() -> None:
    item = AgreementView("risk", "《风险揭示书》", "v1", "c0ffee", ("第一段", "第二段"), True)
    view = AgreementsView(agreements=(item,), all_read=True, min_read_seconds=10)
    assert AgreementsOut.model_validate(view).model_dump() == {
        "agreements": [{**asdict(item), "paragraphs": ["第一段", "第二段"]}],
        "all_read": True,
        "min_read_seconds": 10,
    }


def test_signature_stats_json_for_the_audit_event() -> None:
    assert signature_stats([], 300, 150).to_json() == {"points": 0, "strokes": 0, "extent": 0.0}
    stroke = [{"x": 0.0, "y": 0.0, "t": 0.0}, {"x": 300.0, "y": 150.0, "t": 1.0}]
    stats = signature_stats([stroke], 300, 150)
    assert stats.to_json() == {"points": 2, "strokes": 1, "extent": 1.0} == asdict(stats)
