"""Signing's side of the case documents hook (``cases/hooks.py``), registered in
``SigningConfig.ready``: the customer's case pages list and serve the signed agreements."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from idrenew.cases.hooks import DocumentView
from idrenew.cases.models import RenewalCase
from idrenew.customers.models import Customer
from idrenew.signing import documents as signed_documents


class SignedCaseDocuments:
    def latest_by_case(self, cases: list[RenewalCase]) -> dict[uuid.UUID, list[Any]]:
        return signed_documents.documents_latest_by_case(cases)

    def views(
        self, *, case: RenewalCase, customer: Customer, docs: list[Any] | None
    ) -> list[DocumentView]:
        if docs is None:
            docs = signed_documents.documents_latest(case)
        now = timezone.now()
        out = []
        for doc in docs:
            doc.case = case
            link = signed_documents.document_link_mint(customer=customer, document=doc, now=now)
            out.append(
                DocumentView(
                    key=doc.agreement,
                    title=f"《{doc.title}》",
                    sha256=doc.pdf_sha256,
                    signed_at=timezone.localtime(doc.signed_at),
                    download_url=f"/api/cases/{case.reference}/documents/{doc.agreement}.pdf",
                    link_url=link.url,
                    link_expires_at=link.expires_at,
                )
            )
        return out

    def response(self, *, case: RenewalCase, key: str, request: HttpRequest) -> HttpResponse:
        doc = signed_documents.document_of_case(case, key)
        doc.case = case
        return signed_documents.document_response(document=doc, request=request, via="record")
