"""Certificate revocation: `ca revoke`, `ca crl`, `/backoffice/ca.crl`, and verification."""

from __future__ import annotations

import io
import json
import re
import shutil
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.core.management import CommandError, call_command
from django.test import Client
from pyhanko.pdf_utils.reader import PdfFileReader

from idrenew.signing import store
from idrenew.signing.domain.ca import Authority, RevokedEntry, build_crl
from idrenew.signing.domain.sign import verify_pdf
from tests.conftest import staff_login

from .test_sign import NEEDS_PDFSIG, pdfsig


def _call(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def ca_store(signing_ca: Authority) -> Iterator[Authority]:
    """The session CA in the store, with an empty revocation list before and after the test."""

    def clean() -> None:
        for name in (store.REVOCATIONS, store.CRL_DER):
            (store.signing_dir() / name).unlink(missing_ok=True)

    clean()
    yield signing_ca
    clean()


def _customer_serial(pdf: bytes) -> str:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    first = next(iter(reader.embedded_signatures))
    return f"{first.signer_cert.serial_number:x}"


def _timestamps(pdf: bytes, authority: Authority) -> datetime:
    report = verify_pdf(pdf, roots=[authority.ca_cert])
    stamp = report.signatures[0].timestamp
    assert stamp
    return datetime.fromisoformat(stamp)


def _crl(authority: Authority, *entries: RevokedEntry, number: int = 1) -> bytes:
    now = max([e.revoked_at for e in entries], default=datetime.now().astimezone())
    crl = build_crl(authority, list(entries), number=number, now=now + timedelta(seconds=1))
    return crl.public_bytes(serialization.Encoding.DER)


def test_sample_is_valid_until_its_customer_certificate_is_revoked(
    ca_store: Authority, tmp_path: Path
) -> None:
    target = tmp_path / "sample.pdf"
    out = _call("pdf", "sample", "--out", str(target))
    serial = re.search(r"customer certificate serial ([0-9a-f]+)", out)
    assert serial is not None
    assert serial.group(1) == _customer_serial(target.read_bytes())

    before = json.loads(_call("pdf", "verify", str(target), "--json"))
    assert before["valid"] is True
    assert [s["revoked"] for s in before["signatures"]] == [False, False]
    assert set(before["signatures"][0]) == {
        "field",
        "signer",
        "intact",
        "trusted",
        "timestamp",
        "revoked",
    }

    time.sleep(1.05)  # CRL times have whole seconds: revoke in a later second than signing
    assert "revoked " + serial.group(1) in _call("ca", "revoke", serial.group(1))

    after = json.loads(_call("pdf", "verify", str(target), "--json"))
    assert after["valid"] is False
    customer, broker = after["signatures"]
    assert customer["revoked"] is True and broker["revoked"] is False
    assert customer["revocation_reason"] == "unspecified"
    assert customer["revoked_at"]
    assert "after the signature timestamp" in customer["revocation_rule"]
    # revoked after signing: the chain itself was fine at the timestamp
    assert customer["intact"] and customer["trusted"]
    text = _call("pdf", "verify", str(target))
    assert "NOT VALID" in text and "revoked=True" in text


def test_revoke_refuses_duplicates_bad_serials_and_the_root(ca_store: Authority) -> None:
    _call("ca", "revoke", "0x00AB:CD", "--reason", "superseded")
    assert [(e.serial, e.reason) for e in store.revocations()] == [("abcd", "superseded")]
    with pytest.raises(CommandError, match="revoked already"):
        _call("ca", "revoke", "abcd")
    with pytest.raises(CommandError):
        _call("ca", "revoke", "not-hex")
    with pytest.raises(CommandError, match="CA root"):
        _call("ca", "revoke", f"{ca_store.ca_cert.serial_number:x}")
    with pytest.raises(CommandError):
        _call("ca", "revoke", "abce", "--reason", "becauseISaidSo")


def test_crl_command_writes_a_signed_crl_listing_the_serial(
    ca_store: Authority, signed_pair: dict[str, bytes], tmp_path: Path
) -> None:
    first = tmp_path / "first.crl"
    _call("ca", "crl", "--out", str(first))
    empty = x509.load_der_x509_crl(first.read_bytes())
    assert len(empty) == 0

    serial = _customer_serial(signed_pair["digital_certificate"])
    _call("ca", "revoke", serial, "--reason", "keyCompromise")
    target = tmp_path / "ca.crl"
    assert "1 revoked" in _call("ca", "crl", "--out", str(target))
    crl = x509.load_der_x509_crl(target.read_bytes())
    assert crl.is_signature_valid(ca_store.ca_key.public_key())
    assert crl.issuer == ca_store.ca_cert.subject
    entry = crl.get_revoked_certificate_by_serial_number(int(serial, 16))
    assert entry is not None
    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason == x509.ReasonFlags.key_compromise
    assert crl.next_update_utc is not None and crl.next_update_utc > crl.last_update_utc

    def number(c: x509.CertificateRevocationList) -> int:
        return c.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number

    assert number(crl) > number(empty)
    # unchanged list, still fresh: the same CRL is served again, not a new number
    assert store.current_crl() == target.read_bytes()


def test_crl_view_is_public(ca_store: Authority, db: Any) -> None:
    _call("ca", "revoke", "1234abcd", "--reason", "cessationOfOperation")
    resp = Client().get("/backoffice/ca.crl")
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/pkix-crl"
    crl = x509.load_der_x509_crl(resp.content)
    assert crl.get_revoked_certificate_by_serial_number(0x1234ABCD) is not None
    assert Client().post("/backoffice/ca.crl").status_code == 405


# --- the rule for revocations after the signature timestamp (domain level, no store) --------
@pytest.mark.parametrize(
    ("reason", "offset", "valid", "trusted"),
    [
        ("superseded", timedelta(minutes=5), True, True),  # administrative, after: ETSI rule
        ("keyCompromise", timedelta(minutes=5), False, True),  # repudiated, after: our rule
        ("unspecified", timedelta(minutes=5), False, True),
        ("superseded", -timedelta(seconds=30), False, False),  # before the timestamp
    ],
)
def test_revocation_rule(
    authority: Authority,
    signed_pair: dict[str, bytes],
    reason: str,
    offset: timedelta,
    valid: bool,
    trusted: bool,
) -> None:
    pdf = signed_pair["change_application"]
    signed_at = _timestamps(pdf, authority)
    entry = RevokedEntry(serial=_customer_serial(pdf), revoked_at=signed_at + offset, reason=reason)
    report = verify_pdf(pdf, roots=[authority.ca_cert], crls=[_crl(authority, entry)])
    customer, broker = report.signatures
    assert report.valid is valid, customer
    assert customer.revoked and customer.revocation_reason == reason
    assert customer.trusted is trusted  # pyHanko: revoked before the moment → path fails
    assert customer.revocation_rule
    assert not broker.revoked and broker.trusted
    assert report.as_json()["signatures"][0]["revocation_rule"] == customer.revocation_rule


def test_empty_crl_keeps_documents_valid(
    authority: Authority, signed_pair: dict[str, bytes]
) -> None:
    for pdf in signed_pair.values():
        report = verify_pdf(pdf, roots=[authority.ca_cert], crls=[_crl(authority)])
        assert report.valid, report
        assert not any(s.revoked for s in report.signatures)


def test_a_crl_from_another_ca_covers_nothing(
    authority: Authority, other_authority: Authority, signed_pair: dict[str, bytes]
) -> None:
    pdf = signed_pair["change_application"]
    report = verify_pdf(pdf, roots=[authority.ca_cert], crls=[_crl(other_authority)])
    assert not report.valid  # revocation status cannot be established: not trusted
    assert not any(s.trusted for s in report.signatures)


def test_verify_page_shows_revoked(
    ca_store: Authority, signed_pair: dict[str, bytes], db: Any
) -> None:
    from django.contrib.auth.models import User

    user = User.objects.create_user("reviewer-r", password="pw-Secret-123", is_staff=True)
    client = Client()
    staff_login(client, user)
    pdf = signed_pair["change_application"]
    _call("ca", "revoke", _customer_serial(pdf), "--reason", "privilegeWithdrawn")
    from django.core.files.uploadedfile import SimpleUploadedFile

    resp = client.post(
        "/backoffice/verify", {"pdf": SimpleUploadedFile("a.pdf", pdf, "application/pdf")}
    )
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "无效" in html and "privilegeWithdrawn" in html
    assert resp.context["report"].signatures[0].revoked


@NEEDS_PDFSIG
def test_pdfsig_does_not_crash_on_a_revoked_document(
    ca_store: Authority, signed_pair: dict[str, bytes], tmp_path: Path
) -> None:
    """pdfsig knows nothing of our CRL (no distribution point, no DSS): it still says valid."""
    pdf = signed_pair["change_application"]
    _call("ca", "revoke", _customer_serial(pdf), "--reason", "keyCompromise")
    out = pdfsig(pdf, tmp_path, root=ca_store.ca_cert)
    assert out.count("Signature Validation: Signature is Valid.") == 2, out
    assert "revoked" not in out.lower()
    assert shutil.which("pdfsig")
