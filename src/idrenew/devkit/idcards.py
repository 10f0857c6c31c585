"""Photos of each demo customer's renewed card, so that a tester can take a demo customer
from step 4 to step 6 (``idrenew demo-idcards``; ``idrenew demo`` writes them too).

The card carries the record's name, number, birth date, sex and address, a validity that
starts a few days before today and ends as the law says, and is photographed the way the
synthetic set is (upright, mild distortions).

The printed portrait is someone from the shared face photos unless a tester gives their own
face: ``idrenew demo-idcards --portrait PHOTO``, or, in the demo H5 (``IDRENEW_DEMO=1``),
``POST /api/cases/current/demo/idcards``, which prints the liveness best frame of the case
on the card and uploads both sides through the normal upload path (OCR as usual). Then the
card portrait is the customer's own face and the demo can show straight-through approval.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.utils import timezone
from PIL import Image, ImageOps

from idrenew.audit.services import audit_customer
from idrenew.cases.domain.states import State
from idrenew.cases.models import RenewalCase
from idrenew.cases.services import case_require_state
from idrenew.core.errors import CodedError
from idrenew.core.models import TaskRecord
from idrenew.customers.domain.idnumber import parse_id_number
from idrenew.customers.domain.validity import expected_end
from idrenew.customers.models import Customer
from idrenew.devkit.customers import demo_customers
from idrenew.devkit.synth import card_mask, render_back, render_front
from idrenew.devkit.synth import photo as synth_photo
from idrenew.devkit.synth.card import default_faces_dir, portrait_for, portrait_from_photo
from idrenew.devkit.synth.generate import card_rng
from idrenew.devkit.synth.identity import Area, Identity, areas
from idrenew.face.models import FaceAttempt
from idrenew.idcard.domain.types import Side
from idrenew.idcard.services import idcard_upload
from idrenew.lib.files import read_encrypted

RENEWED_DAYS_AGO = 7


def _area(code: str, address: str) -> Area:
    for area in areas():
        if area.code == code:
            return area
    return Area(code=code, province="", city="", county=address[:6], issuer="公安局")


def renewed_identity(customer: Customer, today: date) -> Identity:
    parsed = parse_id_number(customer.id_number)
    start = today - timedelta(days=RENEWED_DAYS_AGO)
    return Identity(
        name=customer.name,
        sex="男" if parsed.male else "女",
        ethnicity="汉",
        birth=parsed.birth_date,
        area=_area(parsed.area_code, customer.address),
        address=customer.address,
        id_number=customer.id_number,
        valid_from=start,
        valid_to=expected_end(parsed.birth_date, start),
    )


class PortraitRefused(Exception):
    """The photo has no single, whole, clear face to print on the card."""


def portrait_from_image(rgb: npt.NDArray[np.uint8]) -> Image.Image:
    """A tester's face as the card's portrait (found and cropped by the project's detector)."""
    portrait = portrait_from_photo(np.ascontiguousarray(rgb))
    if portrait is None:
        raise PortraitRefused(
            "no single, whole, clear face found: use a frontal photo of one person"
        )
    return portrait


def portrait_from_file(path: Path) -> Image.Image:
    try:
        with Image.open(path) as img:
            rgb = np.asarray(ImageOps.exif_transpose(img).convert("RGB"))
    except (OSError, ValueError) as exc:
        raise PortraitRefused(f"cannot read the photo: {exc}") from exc
    return portrait_from_image(rgb)


def demo_card_photos(
    customer: Customer, today: date, portrait: Image.Image | None = None
) -> dict[str, bytes]:
    """Both sides photographed (JPEG); ``portrait``: the face to print (default: one of the
    shared face photos, always the same one per customer)."""
    identity = renewed_identity(customer, today)
    rng = card_rng(int(customer.fund_account), 0, 7)
    if portrait is None:
        portrait, _ = portrait_for(int(customer.fund_account), default_faces_dir())
    photos = {}
    for side in ("front", "back"):
        card = render_front(identity, portrait) if side == "front" else render_back(identity)
        shot = synth_photo.upright_shot(rng)
        image, _info = synth_photo.photograph(
            np.asarray(card).copy(), np.asarray(card_mask()).copy(), side, rng, shot
        )
        photos[side] = synth_photo.jpeg(image, max(shot.quality, 85))
    return photos


def write_demo_card(
    customer: Customer, out_dir: Path, today: date, portrait: Image.Image | None = None
) -> list[Path]:
    """``<fund account>_front.jpg`` and ``_back.jpg`` in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for side, data in demo_card_photos(customer, today, portrait).items():
        path = out_dir / f"{customer.fund_account}_{side}.jpg"
        path.write_bytes(data)
        written.append(path)
    return written


# --- the demo H5's 用我的人脸生成演示证件 (IDRENEW_DEMO=1 only) ------------------------------


def _demo_error(code: str, message: str, status: int) -> CodedError:
    return CodedError(code, message, status=status, retryable=False)


def demo_idcards_upload(
    *, case: RenewalCase, request: HttpRequest | None, today: date | None = None
) -> dict[str, TaskRecord]:
    """Print the case's liveness best frame on the signed-in demo customer's renewed card
    and upload both sides as the customer would (step 4): the OCR tasks run as usual."""
    if not settings.IDRENEW_DEMO:
        raise _demo_error("DEMO_DISABLED", "仅演示环境提供此功能，请拍摄或上传您的身份证照片", 404)
    customer = case.customer
    today = today or timezone.localdate()
    if customer.fund_account not in {d.fund_account for d in demo_customers(today)}:
        raise _demo_error(
            "DEMO_CUSTOMER_ONLY", "仅演示客户可生成演示证件，请拍摄或上传您的身份证照片", 403
        )
    case_require_state(case, [State.FACE_PASSED])
    attempt = (
        FaceAttempt.objects.filter(
            case=case, status=FaceAttempt.Status.PASSED, biometrics_deleted_at=None
        )
        .exclude(best_frame_name="")
        .order_by("-created_at")
        .first()
    )
    if attempt is None:
        raise _demo_error(
            "DEMO_NO_BEST_FRAME", "未找到本次人脸识别的照片，请拍摄或上传身份证照片", 409
        )
    frame = cv2.imdecode(
        np.frombuffer(read_encrypted(attempt.best_frame_name), np.uint8), cv2.IMREAD_COLOR
    )
    try:
        if frame is None:
            raise PortraitRefused("best frame undecodable")
        portrait = portrait_from_image(
            np.asarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), dtype=np.uint8)
        )
    except PortraitRefused:
        raise _demo_error(
            "DEMO_PORTRAIT_NO_FACE",
            "人脸识别的照片无法用作证件人像，请拍摄或上传身份证照片",
            409,
        ) from None
    photos = demo_card_photos(customer, today, portrait)
    audit_customer(
        action="idcard.demo_generated",
        customer_id=customer.pk,
        case_id=case.id,
        request=request,
        data={"face_attempt": str(attempt.pk)},
    )
    sides: tuple[Side, Side] = ("front", "back")
    return {
        side: idcard_upload(
            case=case,
            side=side,
            image=SimpleUploadedFile(f"demo_{side}.jpg", photos[side], content_type="image/jpeg"),
            request=request,
        )
        for side in sides
    }
