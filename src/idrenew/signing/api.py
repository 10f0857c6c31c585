"""Steps 7–10 endpoints: read the agreements, sign by hand, the signed PDFs, submit; and the
signed download link for app clients (``/api/documents/{token}``, no session needed)."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from idrenew.cases.api import CaseOut, case_out
from idrenew.cases.services import case_current
from idrenew.core.auth import CustomerAuth, request_customer
from idrenew.core.schemas import ERROR_RESPONSES, EmptyIn, StrictIn, TaskAccepted
from idrenew.signing import documents as signed_documents
from idrenew.signing import steps

router = Router(tags=["协议签署"], auth=CustomerAuth())
# The link is the credential (signed, 5 minutes, one document): no cookie, no bearer token.
link_router = Router(tags=["协议签署"], auth=None)
Errors = ERROR_RESPONSES


class AgreementOut(Schema):
    key: str
    title: str
    version: str
    content_hash: str
    paragraphs: list[str]
    read: bool


class AgreementsOut(Schema):
    agreements: list[AgreementOut]
    all_read: bool
    min_read_seconds: int


class EventIn(StrictIn):
    version: str = Field(..., min_length=1, max_length=40)
    event: Literal["opened", "scrolled_to_end", "closed"]
    elapsed_ms: int = Field(0, ge=0, le=24 * 3600 * 1000)


class RecordedOut(Schema):
    recorded: bool


class ReadIn(StrictIn):
    version: str = Field(..., min_length=1, max_length=40)


class ReadOut(Schema):
    key: str
    read: bool
    all_read: bool


class Point(StrictIn):
    x: float = Field(..., ge=-10, le=10_000)
    y: float = Field(..., ge=-10, le=10_000)
    t: float = Field(..., ge=0, le=4_102_444_800_000)


class SignatureIn(StrictIn):
    """The strokes make the signature (the server draws its image from them; how many strokes
    and points are allowed is checked there, with coded refusals). ``png`` is accepted from
    older app versions, checked from its header and not used."""

    strokes: list[list[Point]]
    width: int = Field(..., ge=50, le=4000)
    height: int = Field(..., ge=50, le=4000)
    png: str | None = Field(None, min_length=1, max_length=1_000_000)


class DocumentOut(Schema):
    key: str
    title: str
    sha256: str
    signed_at: str
    download_url: str


class SignedOut(Schema):
    documents: list[DocumentOut]
    case_state: str


@router.get("/agreements", response={200: AgreementsOut, **Errors}, summary="协议列表与正文")
def agreements(request: HttpRequest) -> AgreementsOut:
    case = case_current(customer=request_customer(request))
    return AgreementsOut.model_validate(steps.agreements_view(case))


@router.post("/agreements/done", response={200: CaseOut, **Errors}, summary="全部已阅读，下一步")
def agreements_done(request: HttpRequest, payload: EmptyIn) -> CaseOut:
    case = case_current(customer=request_customer(request))
    return case_out(steps.agreements_done(case=case, request=request))


@router.post(
    "/agreements/{key}/events", response={200: RecordedOut, **Errors}, summary="阅读过程记录"
)
def agreement_event(request: HttpRequest, key: str, payload: EventIn) -> RecordedOut:
    case = case_current(customer=request_customer(request))
    steps.agreement_event(
        case=case,
        key=key,
        version=payload.version,
        event=payload.event,
        elapsed_ms=payload.elapsed_ms,
        request=request,
    )
    return RecordedOut(recorded=True)


@router.post("/agreements/{key}/read", response={200: ReadOut, **Errors}, summary="确认已阅读")
def agreement_read(request: HttpRequest, key: str, payload: ReadIn) -> ReadOut:
    case = case_current(customer=request_customer(request))
    read = steps.agreement_mark_read(case=case, key=key, version=payload.version, request=request)
    return ReadOut(key=read.key, read=read.read, all_read=read.all_read)


@router.post("/signature", response={202: TaskAccepted, **Errors}, summary="提交手写签名并签署")
def signature(request: HttpRequest, payload: SignatureIn) -> Status[TaskAccepted]:
    case = case_current(customer=request_customer(request))
    strokes: steps.Strokes = [[p.model_dump() for p in stroke] for stroke in payload.strokes]
    task = steps.signature_submit(
        case=case,
        png_data_url=payload.png,
        strokes=strokes,
        width=payload.width,
        height=payload.height,
        request=request,
    )
    return Status(202, TaskAccepted(task_id=str(task.id), status=task.status))


@router.get("/documents", response={200: SignedOut, **Errors}, summary="已签署的协议")
def documents(request: HttpRequest) -> SignedOut:
    case = case_current(customer=request_customer(request))
    return SignedOut.model_validate(steps.documents_view(case))


@router.get("/documents/{key}.pdf", response={200: None, **Errors}, summary="下载已签署的协议")
def document_pdf(request: HttpRequest, key: str) -> HttpResponse:
    case = case_current(customer=request_customer(request))
    data = steps.document_pdf(case=case, key=key, request=request)
    return signed_documents.pdf_response(
        data, disposition=f'inline; filename="{case.reference}-{key}.pdf"'
    )


@link_router.get(
    "/{token}", response={200: None, **Errors}, summary="下载已签署的协议（限时签名链接）"
)
def document_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """A link from ``link_url`` of 我的办理记录 / the status answer: valid 5 minutes, bound to
    the customer, the case, the document and its SHA-256. Expired: ``410
    DOCUMENT_LINK_EXPIRED``; altered or not a link: ``404 DOCUMENT_LINK_INVALID``."""
    doc = signed_documents.document_link_open(token=token)
    return signed_documents.document_response(document=doc, request=request, via="link")


@router.post("/submit", response={200: CaseOut, **Errors}, summary="提交，等待办理")
def submit(request: HttpRequest, payload: EmptyIn) -> CaseOut:
    case = case_current(customer=request_customer(request))
    return case_out(steps.case_submit(case=case, request=request))
