"""The demo H5's shortcut at step 4 (``IDRENEW_DEMO=1`` only; production refuses the switch):
the signed-in demo customer's renewed card, printed with the face from step 3, uploaded as
both photos through the normal path. Everywhere else it answers 404 ``DEMO_DISABLED``."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema, Status

from idrenew.cases.services import case_current
from idrenew.core.auth import CustomerAuth, request_customer
from idrenew.core.schemas import ERROR_RESPONSES, StrictIn
from idrenew.devkit.idcards import demo_idcards_upload

router = Router(tags=["演示"], auth=CustomerAuth())


class DemoIdCardsIn(StrictIn):
    pass


class DemoTaskOut(Schema):
    task_id: str
    status: str


class DemoIdCardsOut(Schema):
    """The two uploads' OCR tasks; each task's ``result`` is an ``IdCardSideOut``."""

    front: DemoTaskOut
    back: DemoTaskOut


@router.post(
    "/demo/idcards",
    response={202: DemoIdCardsOut, **ERROR_RESPONSES},
    summary="演示：用本次人脸生成并上传证件照片（仅演示环境）",
)
def demo_idcards(request: HttpRequest, payload: DemoIdCardsIn) -> Status[DemoIdCardsOut]:
    case = case_current(customer=request_customer(request))
    tasks = demo_idcards_upload(case=case, request=request)
    return Status(
        202,
        DemoIdCardsOut(
            front=DemoTaskOut(task_id=str(tasks["front"].id), status=tasks["front"].status),
            back=DemoTaskOut(task_id=str(tasks["back"].id), status=tasks["back"].status),
        ),
    )
