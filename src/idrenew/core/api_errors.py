"""The errors each customer operation's services raise, for the OpenAPI contract.

Only what a service raises is listed here, by error class or by registered code (status and
message from the registry in ``core/errors.py``; a code no app registered fails the schema's
build): what follows from how an operation is built (the
sign-in, CSRF, a body, parameters, the idempotency key) is derived by ``core/openapi.py``.
New operations may declare theirs on the view instead (``@errors(...)`` from
``core.openapi``); ``tests/core/test_openapi_contract.py`` fails for an operation that has
neither, and for any answer whose status and code are not documented.
"""

from __future__ import annotations

from idrenew.cases.errors import (
    CaseAlreadyActive,
    CaseExpired,
    NoActiveCase,
    RenewalNotAllowed,
    StepOutOfOrder,
)
from idrenew.core.errors import RateLimited, ServiceClosed, TaskNotFound, ValidationFailed
from idrenew.core.openapi import ErrorSpec
from idrenew.core.ratelimit import RateLimitUnavailable
from idrenew.core.tasks import TaskQueueUnavailable
from idrenew.face import errors as face
from idrenew.face import identity_errors as identity
from idrenew.idcard.domain.address import MESSAGES as ADDRESS_MESSAGES
from idrenew.idcard.domain.rules import MESSAGES as RULE_MESSAGES
from idrenew.idcard.domain.types import FILE_ERRORS
from idrenew.signing.documents import DocumentLinkExpired, DocumentLinkInvalid, DocumentNotFound
from idrenew.verification import errors as signin

# Operation ids as ninja makes them: <module path>_<view name>.
NONE: tuple[ErrorSpec, ...] = ()

_CURRENT = (NoActiveCase, CaseExpired)  # every call on /cases/current: case_current()
_STEP = (*_CURRENT, StepOutOfOrder)  # a step of the case: the state it must be in
_SIGN_IN = (
    ServiceClosed,
    RateLimited,
    RateLimitUnavailable,
    ValidationFailed,
    signin.SignInLocked,
    signin.SignInSlowDown,
    signin.AccountRestricted,
)

# The card's codes, registered from the domain tables (idcard/errors.py).
_CARD_RULES: tuple[ErrorSpec, ...] = tuple(c for c in RULE_MESSAGES if c.startswith("IDCARD_"))
_UPDATE_RULES: tuple[ErrorSpec, ...] = tuple(c for c in RULE_MESSAGES if c.startswith("UPDATE_"))
_ADDRESS: tuple[ErrorSpec, ...] = (
    "TEXT_INVALID_CHARACTERS",
    "TEXT_TOO_LONG",
    *(code for code in ADDRESS_MESSAGES if code != "ADDRESS_TOO_SHORT"),
)
_FILE: tuple[ErrorSpec, ...] = tuple(FILE_ERRORS)
_CASE_NOT_FOUND = "CASE_NOT_FOUND"
_NOT_READY = "IDCARD_NOT_READY"
_SIGNING_STEP = "CASE_STEP_OUT_OF_ORDER"
_AGREEMENT = (
    "AGREEMENT_UNKNOWN",
    "AGREEMENT_VERSION_OUTDATED",
)

OPERATION_ERRORS: dict[str, tuple[ErrorSpec, ...]] = {
    # meta, session, tasks
    "idrenew_core_api_meta_meta": NONE,
    "idrenew_core_api_meta_task_status": (TaskNotFound,),
    "idrenew_verification_api_session": NONE,
    # step 2: sign-in
    "idrenew_verification_api_sms_send": (
        *_SIGN_IN,
        signin.SmsCooldown,
        signin.SmsDailyLimit,
        signin.SmsSendFailed,
        signin.SmsUndeliverable,
    ),
    "idrenew_verification_api_sms_verify": (
        *_SIGN_IN,
        signin.SmsCodeInvalid,
        signin.SmsCodeExpired,
        signin.SmsCodeExhausted,
        "CSRF_FAILED",
    ),
    "idrenew_verification_api_captcha": (signin.CaptchaRateLimited, RateLimitUnavailable),
    "idrenew_verification_api_password": (
        *_SIGN_IN,
        signin.CaptchaInvalid,
        signin.CaptchaExpired,
        signin.CredentialsInvalid,
        "CSRF_FAILED",
    ),
    "idrenew_verification_api_logout": NONE,
    # the case
    "idrenew_cases_api_case_start": (RenewalNotAllowed, CaseAlreadyActive),
    "idrenew_cases_api_case_current": _CURRENT,
    "idrenew_cases_api_case_latest": ("NO_CASE",),
    "idrenew_cases_api_case_cancel": _STEP,
    "idrenew_cases_api_case_redo": (*_STEP, "CASE_NOT_RETURNED"),
    # 我的办理记录: a stranger's reference looks like a missing one
    "idrenew_cases_api_case_records": NONE,
    "idrenew_cases_api_case_record": (_CASE_NOT_FOUND,),
    "idrenew_cases_api_case_record_document": (_CASE_NOT_FOUND, DocumentNotFound),
    "idrenew_signing_api_document_by_link": (
        DocumentLinkInvalid,
        DocumentLinkExpired,
        DocumentNotFound,
    ),
    # step 3: face
    "idrenew_face_api_notice": NONE,
    "idrenew_face_api_consent": (*_STEP, face.NoticeOutdated),
    "idrenew_face_api_decline": _STEP,
    "idrenew_face_api_challenge": (
        *_STEP,
        face.ConsentRequired,
        face.AttemptsExhausted,
        identity.IdentityNotSamePerson,
        identity.IdentityRecordMismatch,
    ),
    "idrenew_face_api_clip": (
        *_STEP,
        face.NonceUnknown,
        face.NonceExpired,
        face.NonceReused,
        face.ClipRejected,
        face.ClipTooLarge,
        face.ClipTimingInvalid,
        TaskQueueUnavailable,
    ),
    "idrenew_face_api_latest": (*_CURRENT, face.NoAttempt),
    # steps 4-6: the card
    "idrenew_idcard_api_state": _CURRENT,
    "idrenew_idcard_api_confirm": (*_STEP, _NOT_READY, *_CARD_RULES),
    "idrenew_idcard_api_upload": (
        *_STEP,
        *_FILE,
        TaskQueueUnavailable,
    ),
    # the demo's shortcut at step 4 (IDRENEW_DEMO=1 only)
    "idrenew_idcard_demo_api_demo_idcards": (
        *_STEP,
        "DEMO_DISABLED",
        "DEMO_CUSTOMER_ONLY",
        "DEMO_NO_BEST_FRAME",
        "DEMO_PORTRAIT_NO_FACE",
        TaskQueueUnavailable,
    ),
    "idrenew_idcard_api_identity": (*_CURRENT, _NOT_READY, _SIGNING_STEP),
    "idrenew_idcard_api_identity_confirm": _STEP,
    "idrenew_idcard_api_identity_retake": _STEP,
    "idrenew_idcard_api_update": (*_CURRENT, _NOT_READY, _SIGNING_STEP),
    "idrenew_idcard_api_update_submit": (
        *_STEP,
        _NOT_READY,
        *_UPDATE_RULES,
        *_ADDRESS,
        identity.IdentityNotSamePerson,
        identity.IdentityRecordMismatch,
        identity.IdentityValidityMismatch,
    ),
    # steps 7-10: agreements, signature, documents, submission
    "idrenew_signing_api_agreements": (*_CURRENT, _SIGNING_STEP),
    "idrenew_signing_api_agreements_done": (
        *_STEP,
        "AGREEMENTS_NOT_READ",
    ),
    "idrenew_signing_api_agreement_event": (*_STEP, *_AGREEMENT),
    "idrenew_signing_api_agreement_read": (
        *_STEP,
        *_AGREEMENT,
        "AGREEMENT_NOT_SCROLLED",
        "AGREEMENT_TOO_FAST",
    ),
    "idrenew_signing_api_signature": (
        *_STEP,
        (409, "AGREEMENT_VERSION_OUTDATED", "协议已更新，请重新阅读最新版本后再签署"),
        "SIGNATURE_EMPTY",
        "SIGNATURE_TOO_SMALL",
        "SIGNATURE_TOO_COMPLEX",
        "SIGNATURE_INVALID",
        TaskQueueUnavailable,
    ),
    "idrenew_signing_api_documents": _CURRENT,
    "idrenew_signing_api_document_pdf": (
        *_CURRENT,
        (404, "DOCUMENT_NOT_FOUND", "未找到该文件，请返回重试"),
    ),
    "idrenew_signing_api_submit": (
        *_STEP,
        identity.IdentityNotSamePerson,
        identity.IdentityRecordMismatch,
    ),
}


def documented_for(operation_id: str) -> tuple[ErrorSpec, ...]:
    return OPERATION_ERRORS.get(operation_id, ())
