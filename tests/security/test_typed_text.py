"""Issue #10, item 13: text a customer types (the step-6 address) is normalised, and refused
with a coded message naming the field when it hides control, direction or invisible
characters, markup or a spreadsheet formula, or is too long."""

from __future__ import annotations

import unicodedata
from typing import Any
from unittest import TestCase

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idrenew.idcard.models import CardReading
from tests.conftest import ApiClient
from tests.idcard.conftest import CASES, at_step_4, confirm, new_period, store_reading

__all__ = ["at_step_4"]  # the fixture, imported for its name

GOOD = "上海市浦东新区世纪大道100号"

HIDDEN = {
    "rtl override": "上海市\u202e号001道大纪世区新东浦",
    "rtl isolate": "上海市浦东新区\u2067世纪大道\u2069100号",
    "zero width space": "上海市浦东\u200b新区世纪大道100号",
    "zero width joiner": "上海市浦东新区\u200d世纪大道100号",
    "word joiner": "上海市浦东新区世纪大道\u2060100号",
    "bom": "\ufeff上海市浦东新区世纪大道100号",
    "nul": "上海市浦东新区\x00世纪大道100号",
    "ansi escape": "上海市浦东新区世纪大道100号\x1b[2J\x1b[31m",
    "line separator": "上海市浦东新区\u2028世纪大道100号",
    "newline": "上海市浦东新区\n世纪大道100号",
    "private use": "上海市浦东新区\ue000世纪大道100号",
    "hangul filler": "上海市浦东新区\u3164世纪大道100号",
}

REFUSED = {
    "html": ("上海市<script>alert(1)</script>", "ADDRESS_INVALID"),
    "html img": ('<img src=x onerror="alert(1)">上海市浦东', "ADDRESS_INVALID"),
    "formula": ("=cmd|' /C calc'!A0上海市浦东新区", "ADDRESS_INVALID"),
    "formula plus": ("+上海市浦东新区世纪大道100号", "ADDRESS_INVALID"),
    "formula at": ("@SUM(1+1)*cmd|'/C calc'!A0上海市", "ADDRESS_INVALID"),
    "formula minus": ("-上海市浦东新区世纪大道100号", "ADDRESS_INVALID"),
    "invisible only": ("\u3164\u3164\u3164\u3164\u3164\u3164", "TEXT_INVALID_CHARACTERS"),
    "no chinese": ("Room 1234 Block 5", "ADDRESS_INVALID"),
    "cyrillic": ("上海市浦东新区世纪大道100号кв", "ADDRESS_INVALID"),
    "too long": ("上海市浦东新区世纪大道" * 10 + "100号", "ADDRESS_TOO_LONG"),
}


@pytest.fixture
def at_step_6(at_step_4: ApiClient, alice: Any) -> ApiClient:
    store_reading(alice)
    assert confirm(at_step_4).status_code == 200
    assert at_step_4.post_json(f"{CASES}/identity/confirm", {}, key="k-id").status_code == 200
    return at_step_4


def submit(api: ApiClient, customer: Any, address: str) -> Any:
    start, end = new_period(customer)
    payload = {
        "valid_from": start.isoformat(),
        "valid_to": end.isoformat() if end else None,
        "long_term": end is None,
        "address": address,
    }
    return api.post_json(f"{CASES}/update", payload, key=api.new_key())


@pytest.mark.django_db
@pytest.mark.parametrize("address", list(HIDDEN.values()), ids=list(HIDDEN))
def test_step6_refuses_hidden_characters(at_step_6: ApiClient, alice: Any, address: str) -> None:
    resp = submit(at_step_6, alice, address)
    assert resp.status_code == 422, resp.content
    body = resp.json()
    assert body["code"] == "TEXT_INVALID_CHARACTERS"
    assert body["fields"] == {"address": "证件地址含有不可见或控制字符，请删除后重新输入"}
    assert body["message"] == body["fields"]["address"]
    assert CardReading.objects.get().edits == {}


@pytest.mark.django_db
@pytest.mark.parametrize(("address", "code"), list(REFUSED.values()), ids=list(REFUSED))
def test_step6_refuses_markup_formulas_and_overlong(
    at_step_6: ApiClient, alice: Any, address: str, code: str
) -> None:
    resp = submit(at_step_6, alice, address)
    assert resp.status_code == 422, resp.content
    body = resp.json()
    assert body["code"] == code, body
    assert set(body["fields"]) == {"address"} and "证件地址" in body["fields"]["address"]
    assert CardReading.objects.get().edits == {}


@pytest.mark.django_db
def test_step6_stores_the_normalised_address(at_step_6: ApiClient, alice: Any) -> None:
    # Full-width digits, letters and brackets, the ideographic space: NFKC, spaces removed.
    resp = submit(at_step_6, alice, "上海市浦东新区　世纪大道１００号（Ａ座）３－２")
    assert resp.status_code == 200, resp.content
    assert CardReading.objects.get().edits["address"] == "上海市浦东新区世纪大道100号(A座)3-2"


@pytest.mark.django_db
def test_step6_too_short_keeps_the_form_code(at_step_6: ApiClient, alice: Any) -> None:
    resp = submit(at_step_6, alice, "北京")
    assert resp.status_code == 422
    assert resp.json()["code"] == "VALIDATION_ERROR"
    assert resp.json()["fields"] == {"address": "请填写完整的证件地址"}


class CleanAddressTests(TestCase):
    def clean(self, value: str) -> str:
        from idrenew.idcard.domain.address import clean_address

        return clean_address(value)

    def refused(self, value: str) -> Any:
        from idrenew.lib.text import TextRefused

        with self.assertRaises(TextRefused) as ctx:
            self.clean(value)
        self.assertEqual(ctx.exception.field, "address")
        return ctx.exception

    def test_every_hidden_character_is_refused(self) -> None:
        for name, value in HIDDEN.items():
            with self.subTest(name):
                self.assertEqual(self.refused(value).code, "TEXT_INVALID_CHARACTERS")

    def test_markup_formulas_and_length(self) -> None:
        for name, (value, code) in REFUSED.items():
            with self.subTest(name):
                self.assertEqual(self.refused(value).code, code)

    def test_genuine_addresses_pass(self) -> None:
        for value in (
            "北京市东城区东华门街道南池子大街12号",
            "湖南省长沙市开福区四方坪街道三一大道478号1栋3单元402室",
            "新疆维吾尔自治区乌鲁木齐市天山区解放南路〇号",
            "广东省深圳市南山区粤海街道科技园(南区)T3-2#",
            "内蒙古自治区呼和浩特市新城区阿拉坦·乌拉路1号",
        ):
            with self.subTest(value):
                self.assertEqual(self.clean(value), value)

    def test_the_cap_is_one_hundred_characters(self) -> None:
        base = "上海市" + "一" * 97
        self.assertEqual(len(self.clean(base)), 100)
        self.assertEqual(self.refused(base + "号").code, "ADDRESS_TOO_LONG")

    def test_generic_cleaner_names_the_field(self) -> None:
        from idrenew.lib.text import TextRefused, clean_customer_text

        self.assertEqual(
            clean_customer_text("  张　三  ", field="name", label="姓名", max_length=20), "张 三"
        )
        with self.assertRaises(TextRefused) as ctx:
            clean_customer_text("\u200b\u200b", field="name", label="姓名", max_length=20)
        self.assertEqual(ctx.exception.code, "TEXT_INVALID_CHARACTERS")
        self.assertIn("姓名", ctx.exception.message)
        with self.assertRaises(TextRefused) as ctx:
            clean_customer_text("  ", field="name", label="姓名", max_length=20)
        self.assertEqual(ctx.exception.code, "TEXT_EMPTY")


REFUSED_CATEGORIES = {"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"}


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=140))
def test_whatever_is_accepted_is_visible_bounded_and_stable(value: str) -> None:
    from idrenew.idcard.domain.address import clean_address
    from idrenew.lib.text import TextRefused

    try:
        cleaned = clean_address(value)
    except TextRefused as exc:
        assert exc.field == "address" and exc.code and exc.message
        return
    assert 5 <= len(cleaned) <= 100
    assert not any(unicodedata.category(ch) in REFUSED_CATEGORIES for ch in cleaned)
    assert not set(cleaned) & set("<>=+@|\"'`;\\ \t")
    assert clean_address(cleaned) == cleaned


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.characters(categories=["Lo"]), min_size=3, max_size=40),
    st.characters(categories=["Cc", "Cf", "Co", "Zl", "Zp"]),
    st.integers(min_value=0, max_value=40),
)
def test_a_hidden_character_anywhere_is_refused(text: str, hidden: str, at: int) -> None:
    from idrenew.idcard.domain.address import clean_address
    from idrenew.lib.text import TextRefused

    value = "上海市" + text[:at] + hidden + text[at:]
    with pytest.raises(TextRefused) as ctx:
        clean_address(value)
    assert ctx.value.code == "TEXT_INVALID_CHARACTERS"
