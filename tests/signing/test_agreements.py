from __future__ import annotations

import shutil
import unittest
from datetime import date
from pathlib import Path

from idrenew.signing.demo import demo_case
from idrenew.signing.domain.agreements import (
    PLACEHOLDERS,
    FormTable,
    Paragraph,
    SignatureBox,
    TemplateError,
    all_templates,
    current_versions,
    load_template,
    parse_template,
    render,
    render_current,
)

CASE = demo_case(today=date(2026, 11, 30))


class AgreementTemplateTests(unittest.TestCase):
    def test_both_agreements_have_a_current_version(self) -> None:
        current = current_versions()
        self.assertEqual(set(current), {"change_application", "digital_certificate"})
        self.assertEqual(current["change_application"].title, "客户账户信息变更申请书")
        self.assertEqual(current["digital_certificate"].title, "数字证书协议")

    def test_every_template_parses_and_uses_known_placeholders(self) -> None:
        for template in all_templates():
            self.assertLessEqual(template.placeholders, PLACEHOLDERS)
            render(template, CASE)  # exactly one signature box, rows well formed

    def test_application_form_is_filled_from_the_case(self) -> None:
        rendered = render_current("change_application", CASE)
        table = next(b for b in rendered.blocks if isinstance(b, FormTable))
        rows = dict(table.rows)
        self.assertEqual(rows["客户姓名"], CASE.customer_name)
        self.assertEqual(rows["资金账号"], CASE.fund_account)
        self.assertEqual(rows["证件号码"], CASE.id_number)
        self.assertEqual(rows["新证件有效期"], "2026年05月20日至长期")
        self.assertEqual(rows["原证件有效期"], "2006年06月01日至2026年06月01日")
        self.assertEqual(rows["证件地址"], CASE.address)
        box = next(b for b in rendered.blocks if isinstance(b, SignatureBox))
        self.assertEqual(box.date_text, "2026年11月30日")

    def test_screen_view_masks_the_id_number_and_keeps_the_hash(self) -> None:
        rendered = render_current("change_application", CASE)
        screen = rendered.for_screen()
        self.assertEqual(screen.content_hash, rendered.content_hash)
        rows = dict(next(b for b in screen.blocks if isinstance(b, FormTable)).rows)
        self.assertEqual(rows["证件号码"], CASE.id_number[:6] + "********" + CASE.id_number[-4:])
        self.assertNotIn(CASE.id_number, screen.plain_text())

    def test_hash_changes_with_the_data_and_the_version(self) -> None:
        a = render_current("change_application", CASE)
        b = render_current(
            "change_application",
            CASE.__class__(**{**CASE.__dict__, "address": CASE.address + "甲"}),
        )
        self.assertNotEqual(a.content_hash, b.content_hash)
        self.assertEqual(a.content_hash, render_current("change_application", CASE).content_hash)
        self.assertIn("version\t2026-11", a.canonical_text)

    def test_a_new_file_is_a_new_current_version(self) -> None:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            for t in all_templates():
                shutil.copy(t.path, directory / t.path.name)
            old = load_template("digital_certificate", directory=directory)
            text = old.path.read_text("utf-8").replace("version: 2026-11", "version: 2027-01")
            (directory / "digital_certificate.v2027-01.md").write_text(
                text + "\n补充条款。\n", "utf-8"
            )
            new = current_versions(directory)["digital_certificate"]
            self.assertEqual(new.version, "2027-01")
            self.assertNotEqual(render(new, CASE).content_hash, render(old, CASE).content_hash)
            self.assertEqual(
                load_template("digital_certificate", "2026-11", directory).version, "2026-11"
            )

    def test_unknown_placeholder_is_refused(self) -> None:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "x.v1.md"
            path.write_text(
                "agreement: x\nversion: 1\ntitle: X\n---\n{nmae}\n\n@signature 签名\n", "utf-8"
            )
            with self.assertRaises(TemplateError):
                parse_template(path)

    def test_certificate_agreement_covers_rights_validity_revocation(self) -> None:
        text = render_current("digital_certificate", CASE).plain_text()
        for words in ("权利和义务", "有效期", "废止", "电子签名法", "私钥"):
            self.assertIn(words, text)
        self.assertTrue(
            any(
                isinstance(b, Paragraph) for b in render_current("digital_certificate", CASE).blocks
            )
        )
