"""Who among the back-office staff sees what: the one access policy (docs/access-policy.md).

Every view, admin page and download that serves customer data to staff asks this module
(``can_view_full_id(user)`` …) instead of checking permissions itself, so the written table and
the code cannot drift apart: ``POLICY`` holds, per kind of data, the permissions that open it
and the roles the table grants it to, and a test checks each row against the roles' actual
permissions (``core.staff.ROLE_PERMISSIONS``) and against the table in the docs.

A kind of data whose permissions are empty is shown to no one in the back office (task
results, outbox payloads: they stay encrypted at rest and reach people only inside the
auditor's evidence bundle, or not at all).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Data(StrEnum):
    FULL_ID_NUMBER = "full_id_number"
    MASKED_ID_NUMBER = "masked_id_number"
    PERSONAL_DETAILS = "personal_details"
    CARD_IMAGES = "card_images"
    BIOMETRIC_IMAGES = "biometric_images"
    SIGNATURE_IMAGE = "signature_image"
    SIGNED_PDF = "signed_pdf"
    PDF_VERIFICATION = "pdf_verification"
    TASK_RECORDS = "task_records"
    TASK_RESULTS = "task_results"
    OUTBOX_EVENTS = "outbox_events"
    OUTBOX_PAYLOADS = "outbox_payloads"
    SMS_TEXTS = "sms_texts"
    AUDIT_TRAIL = "audit_trail"
    EVIDENCE_BUNDLE = "evidence_bundle"


REVIEWER, APPROVER, AUDITOR, OPERATOR = "审核员", "审批员", "审计员", "管理员"
ROLES = (REVIEWER, APPROVER, AUDITOR, OPERATOR)


@dataclass(frozen=True)
class Rule:
    label: str  # the row's name in docs/access-policy.md
    permissions: tuple[str, ...]  # all needed; empty: no one in the back office
    roles: frozenset[str]  # who the table grants it to
    where: str  # where staff see it


POLICY: dict[Data, Rule] = {
    Data.FULL_ID_NUMBER: Rule(
        "完整证件号码（明文）",
        ("customers.unmask_id_number",),
        frozenset({APPROVER, AUDITOR}),
        "申请页“显示完整证件号”（每次查看记审计）",
    ),
    Data.MASKED_ID_NUMBER: Rule(
        "脱敏证件号码（前6后4）",
        ("cases.view_renewalcase",),
        frozenset({REVIEWER, APPROVER, AUDITOR}),
        "审核队列、申请页、客户与识别记录",
    ),
    Data.PERSONAL_DETAILS: Rule(
        "姓名、住址、出生日期、证件有效期",
        ("cases.view_renewalcase",),
        frozenset({REVIEWER, APPROVER, AUDITOR}),
        "申请页的留档与新证件对照、证件识别记录、到期提醒",
    ),
    Data.CARD_IMAGES: Rule(
        "身份证照片与校正后证件图",
        ("idcard.view_cardupload",),
        frozenset({REVIEWER, APPROVER, AUDITOR}),
        "申请页图片（每次查看记审计）",
    ),
    Data.BIOMETRIC_IMAGES: Rule(
        "证件人像与活体最佳帧",
        ("face.view_faceattempt",),
        frozenset({REVIEWER, APPROVER, AUDITOR}),
        "申请页图片、人脸识别记录（每次查看记审计；保存期满删除）",
    ),
    Data.SIGNATURE_IMAGE: Rule(
        "手写签名图片",
        ("signing.view_handsignature",),
        frozenset({REVIEWER, APPROVER, AUDITOR}),
        "手写签名记录（每次查看记审计）",
    ),
    Data.SIGNED_PDF: Rule(
        "已签署协议 PDF（含完整证件号码）",
        ("signing.view_signeddocument", "customers.unmask_id_number"),
        frozenset({APPROVER, AUDITOR}),
        "申请页“下载 PDF”（每次下载记审计）",
    ),
    Data.PDF_VERIFICATION: Rule(
        "协议验签结果摘要",
        ("signing.view_signeddocument",),
        frozenset({REVIEWER, APPROVER, AUDITOR}),
        "申请页“已签署协议”一栏",
    ),
    Data.TASK_RECORDS: Rule(
        "后台任务记录（编号、类型、状态、时间、错误代码）",
        ("core.view_taskrecord",),
        frozenset({AUDITOR, OPERATOR}),
        "后台任务列表",
    ),
    Data.TASK_RESULTS: Rule(
        "后台任务结果与参数（识别值、个人信息）",
        (),
        frozenset(),
        "不在后台显示",
    ),
    Data.OUTBOX_EVENTS: Rule(
        "对外投递记录（类型、状态、次数、错误）",
        ("outbox.view_outboxevent",),
        frozenset({REVIEWER, APPROVER, AUDITOR, OPERATOR}),
        "对外投递列表",
    ),
    Data.OUTBOX_PAYLOADS: Rule(
        "对外投递内容（含证件号码）",
        (),
        frozenset(),
        "不在后台显示（审计员的证据包含柜台更新内容）",
    ),
    Data.SMS_TEXTS: Rule(
        "短信记录（脱敏手机号、去除验证码的正文）",
        ("verification.view_outboundsms",),
        frozenset({REVIEWER, APPROVER, AUDITOR}),
        "短信发送记录",
    ),
    Data.AUDIT_TRAIL: Rule(
        "审计记录（编号，不含个人信息）",
        ("audit.view_auditevent",),
        frozenset({REVIEWER, APPROVER, AUDITOR, OPERATOR}),
        "审计事件列表、申请页审计记录",
    ),
    Data.EVIDENCE_BUNDLE: Rule(
        "证据包导出（ZIP，含以上全部）",
        ("review.export_evidence",),
        frozenset({AUDITOR}),
        "申请的证据包下载（每次导出记审计）",
    ),
}


def can(user: Any, data: Data) -> bool:
    """Whether ``user`` (a signed-in staff member) may see ``data``."""
    rule = POLICY[data]
    if not rule.permissions or user is None:
        return False
    if not (getattr(user, "is_active", False) and getattr(user, "is_staff", False)):
        return False
    return all(user.has_perm(p) for p in rule.permissions)


def can_view_full_id(user: Any) -> bool:
    return can(user, Data.FULL_ID_NUMBER)


def can_view_personal_details(user: Any) -> bool:
    return can(user, Data.PERSONAL_DETAILS)


def can_view_card_images(user: Any) -> bool:
    return can(user, Data.CARD_IMAGES)


def can_view_biometric_images(user: Any) -> bool:
    return can(user, Data.BIOMETRIC_IMAGES)


def can_view_signature_image(user: Any) -> bool:
    return can(user, Data.SIGNATURE_IMAGE)


def can_download_signed_pdf(user: Any) -> bool:
    return can(user, Data.SIGNED_PDF)


def can_view_pdf_verification(user: Any) -> bool:
    return can(user, Data.PDF_VERIFICATION)


def can_view_task_results(user: Any) -> bool:
    return can(user, Data.TASK_RESULTS)


def can_view_outbox_payloads(user: Any) -> bool:
    return can(user, Data.OUTBOX_PAYLOADS)


def can_export_evidence(user: Any) -> bool:
    return can(user, Data.EVIDENCE_BUNDLE)


SIGNED_PDF_REFUSED = (
    "已签署协议 PDF 含客户完整证件号码，仅限有“查看完整证件号码”权限的人员（审批员、审计员）"
    "下载。验签结果（签名是否有效、文件是否完整、时间戳）可在申请页“已签署协议”一栏查看。"
)
