from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from idrenew.signing.domain.ca import Authority
from tests.conftest import staff_login

from .conftest import garble_signature_contents

URL = "/backoffice/verify"


@pytest.fixture
def staff_client(db: Any) -> Client:
    user = User.objects.create_user("reviewer-x", password="pw-Secret-123", is_staff=True)
    client = Client(enforce_csrf_checks=True)
    staff_login(client, user)
    return client


def _post(client: Client, data: bytes, name: str = "a.pdf") -> Any:
    page = client.get(URL)
    token = (
        page.cookies["csrftoken"].value
        if "csrftoken" in page.cookies
        else client.cookies["csrftoken"].value
    )
    return client.post(
        URL,
        {"pdf": SimpleUploadedFile(name, data, "application/pdf"), "csrfmiddlewaretoken": token},
    )


def test_anonymous_is_sent_to_login(db: Any) -> None:
    resp = Client().get(URL)
    assert resp.status_code == 302
    assert "/admin/login/" in resp["Location"]


def test_non_staff_is_sent_to_login(db: Any) -> None:
    client = Client()
    client.force_login(User.objects.create_user("customer-like", password="pw-Secret-123"))
    assert client.get(URL).status_code == 302


def test_staff_sees_the_form(staff_client: Client) -> None:
    resp = staff_client.get(URL)
    assert resp.status_code == 200
    assert "将已签署的 PDF 文件拖放到此处" in resp.content.decode()
    assert "csrfmiddlewaretoken" in resp.content.decode()


def test_staff_gets_the_report(
    staff_client: Client, signing_ca: Authority, signed_pair: dict[str, bytes]
) -> None:
    resp = _post(staff_client, signed_pair["change_application"])
    assert resp.status_code == 200
    html = resp.content.decode()
    assert '验证结果：<span class="ok">有效</span>' in html
    assert "关骨直" in html and "示例期货有限公司 电子签名" in html
    report = resp.context["report"]
    assert report.valid and len(report.signatures) == 2


def test_tampered_file_reports_invalid(
    staff_client: Client, signing_ca: Authority, signed_pair: dict[str, bytes]
) -> None:
    data = bytearray(signed_pair["change_application"])
    data[1500] ^= 0x01
    resp = _post(staff_client, bytes(data))
    assert resp.status_code == 200
    assert "无效" in resp.content.decode()


def test_unparseable_signature_is_listed_with_its_field_and_reason(
    staff_client: Client, signing_ca: Authority, signed_pair: dict[str, bytes]
) -> None:
    data = garble_signature_contents(signed_pair["change_application"], 1)
    resp = _post(staff_client, data)
    assert resp.status_code == 200
    report = resp.context["report"]
    assert not report.valid
    assert [s.field for s in report.signatures] == ["CustomerSignature", "BrokerSignature"]
    customer, broker = report.signatures
    assert customer.intact and customer.trusted and not customer.error  # untouched revision
    assert not broker.intact and not broker.trusted
    assert "BrokerSignature" in broker.error and "/Contents" in broker.error
    html = resp.content.decode()
    assert '验证结果：<span class="bad">无效</span>' in html
    assert "<td>BrokerSignature</td>" in html
    assert "签名域“BrokerSignature”无法验证：签名数据（/Contents）不是可解析的 CMS 签名结构" in html


def test_post_without_csrf_is_refused(staff_client: Client) -> None:
    resp = staff_client.post(
        URL, {"pdf": SimpleUploadedFile("a.pdf", b"%PDF-1.7", "application/pdf")}
    )
    assert resp.status_code == 403


def test_size_limit_and_type(staff_client: Client, settings: Any) -> None:
    settings.IDRENEW_SIGNING_VERIFY_MAX_BYTES = 100
    assert _post(staff_client, b"%PDF-" + b"0" * 200).status_code == 413
    settings.IDRENEW_SIGNING_VERIFY_MAX_BYTES = 10_000
    resp = _post(staff_client, b"GIF89a not a pdf")
    assert resp.status_code == 400
    assert "这不是 PDF 文件" in resp.content.decode()
