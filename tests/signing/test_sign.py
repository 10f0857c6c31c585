from __future__ import annotations

import io
import random
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader

from idrenew.signing.domain.ca import Authority, certificate_pem, issue_customer_certificate
from idrenew.signing.domain.sign import verify_pdf

from .test_pdf import _image_xobjects

NEEDS_PDFSIG = pytest.mark.skipif(
    shutil.which("pdfsig") is None, reason="pdfsig (Debian poppler-utils) is not installed"
)


def pdfsig(data: bytes, tmp_path: Path, root: x509.Certificate | None = None) -> str:
    path = tmp_path / "signed.pdf"
    path.write_bytes(data)
    cmd = ["pdfsig"]
    if root is not None and shutil.which("certutil"):
        nss = tmp_path / "nss"
        if not nss.exists():
            nss.mkdir()
            (tmp_path / "root.pem").write_bytes(certificate_pem(root))
            subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
            subprocess.run(
                [
                    "certutil",
                    "-A",
                    "-d",
                    f"sql:{nss}",
                    "-n",
                    "idrenew-root",
                    "-t",
                    "C,C,C",
                    "-i",
                    str(tmp_path / "root.pem"),
                ],
                check=True,
            )
        cmd += ["-nssdir", f"sql:{nss}"]
    result = subprocess.run([*cmd, str(path)], capture_output=True, text=True)
    return result.stdout


def signature_ranges(data: bytes) -> list[tuple[int, int, int, int]]:
    return [
        tuple(map(int, m.groups()))
        for m in re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)
    ]  # type: ignore[misc]


@pytest.mark.parametrize("agreement", ["change_application", "digital_certificate"])
def test_both_signatures_intact_trusted_and_timestamped(
    signed_pair: dict[str, bytes], authority: Authority, agreement: str
) -> None:
    report = verify_pdf(signed_pair[agreement], roots=[authority.ca_cert])
    assert report.valid, report
    assert [s.field for s in report.signatures] == ["CustomerSignature", "BrokerSignature"]
    customer, broker = report.signatures
    assert customer.signer == "关骨直"
    assert broker.signer == "示例期货有限公司 电子签名"
    for sig in report.signatures:
        assert sig.intact and sig.trusted and sig.timestamp
    assert broker.covers_whole_file
    assert report.as_json()["signatures"][0].keys() == {
        "field",
        "signer",
        "intact",
        "trusted",
        "timestamp",
        "revoked",
    }


def test_pades_subfilter_and_field_over_the_box(signed_pair: dict[str, bytes]) -> None:
    reader = PdfFileReader(io.BytesIO(signed_pair["change_application"]), strict=False)
    sigs = list(reader.embedded_signatures)
    assert all(s.sig_object["/SubFilter"] == "/ETSI.CAdES.detached" for s in sigs)
    rect = [float(v) for v in sigs[0].sig_field["/Rect"]]
    assert rect[2] - rect[0] > 150 and rect[3] - rect[1] > 60  # the 70 × 30 mm box


def test_signature_image_is_in_every_signed_document(signed_pair: dict[str, bytes]) -> None:
    for data in signed_pair.values():
        assert (600, 240) in _image_xobjects(data)


@NEEDS_PDFSIG
@pytest.mark.parametrize("agreement", ["change_application", "digital_certificate"])
def test_pdfsig_reports_every_signature_valid(
    signed_pair: dict[str, bytes], authority: Authority, agreement: str, tmp_path: Path
) -> None:
    out = pdfsig(signed_pair[agreement], tmp_path, authority.ca_cert)
    assert out.count("Signature #") == 2, out
    assert out.count("Signature Validation: Signature is Valid.") == 2, out
    if shutil.which("certutil"):
        assert out.count("Certificate Validation: Certificate is Trusted.") == 2, out


def _flip_positions(data: bytes) -> list[int]:
    """Positions inside the customer's signed ranges (not its /Contents hole), spread out."""
    a, b, c, d = signature_ranges(data)[0]
    rng = random.Random(6)
    inside = [rng.randrange(a + 200, a + b - 200) for _ in range(3)]
    inside += [rng.randrange(c + 10, c + d - 10)]
    return inside


def test_a_flipped_byte_breaks_integrity_in_pyhanko_and_pdfsig(
    signed_pair: dict[str, bytes], authority: Authority, tmp_path: Path
) -> None:
    data = signed_pair["change_application"]
    for pos in _flip_positions(data):
        tampered = bytearray(data)
        tampered[pos] ^= 0x01
        report = verify_pdf(bytes(tampered), roots=[authority.ca_cert])
        assert not report.valid, pos
        assert report.signatures == () or not any(s.intact for s in report.signatures), (
            pos,
            report,
        )
        if shutil.which("pdfsig"):
            out = pdfsig(bytes(tampered), tmp_path)
            assert "Signature is Valid." not in out, (pos, out)


def test_a_flipped_byte_in_the_broker_revision_breaks_the_broker_signature(
    signed_pair: dict[str, bytes], authority: Authority, tmp_path: Path
) -> None:
    data = signed_pair["digital_certificate"]
    first, second = signature_ranges(data)[:2]
    pos = first[2] + first[3] + 20  # after the customer's revision, inside the broker's range
    assert pos < second[1]
    tampered = bytearray(data)
    tampered[pos] ^= 0x01
    report = verify_pdf(bytes(tampered), roots=[authority.ca_cert])
    assert not report.valid
    assert not report.signatures[-1].intact
    if shutil.which("pdfsig"):
        out = pdfsig(bytes(tampered), tmp_path)
        assert out.count("Signature is Valid.") <= 1, out


def test_signed_by_another_ca_is_not_trusted(
    other_authority: Authority, authority: Authority
) -> None:
    from idrenew.lib.fonts import cjk_font_path
    from idrenew.signing.demo import demo_audit, demo_case, demo_signature_png
    from idrenew.signing.domain.agreements import render_current
    from idrenew.signing.domain.pdf import render_pdf
    from idrenew.signing.domain.sign import sign_document

    now = datetime.now(UTC)
    case = demo_case(today=now.date())
    doc = render_pdf(
        render_current("change_application", case),
        signature_png=demo_signature_png(),
        audit=demo_audit(case, now=now),
        font_path=cjk_font_path(),
    )
    foreign = sign_document(
        doc.data,
        authority=other_authority,
        placement=doc.signature_box,
        customer_name=case.customer_name,
        pseudonym="X",
        now=now,
    ).pdf
    report = verify_pdf(foreign, roots=[authority.ca_cert])
    assert not report.valid
    assert all(s.intact and not s.trusted for s in report.signatures), report
    assert verify_pdf(foreign, roots=[other_authority.ca_cert]).valid


def test_customer_certificate_is_short_lived_and_pseudonymous(authority: Authority) -> None:
    now = datetime.now(UTC)
    _key, cert, record = issue_customer_certificate(
        authority,
        customer_name="关骨直",
        pseudonym="IDR-ABC",
        now=now,
        lifetime=timedelta(hours=24),
    )
    assert record.not_after - record.not_before <= timedelta(hours=24, minutes=1)
    assert "serialNumber=IDR-ABC" in record.subject or "2.5.4.5=IDR-ABC" in record.subject
    assert "CN=关骨直" in record.subject
    assert record.serial == f"{cert.serial_number:x}"
    assert len(record.fingerprint_sha256) == 64
    assert record.key_generated_at == now
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and ku.content_commitment
    assert cert.issuer == authority.ca_cert.subject


def test_ca_extensions(authority: Authority) -> None:
    bc = authority.ca_cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca and bc.value.path_length == 0
    ku = authority.ca_cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.key_cert_sign and ku.crl_sign
    eku = authority.tsa_cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [x509.oid.ExtendedKeyUsageOID.TIME_STAMPING]


def test_garbage_is_not_valid(authority: Authority) -> None:
    report = verify_pdf(b"%PDF-1.7\nnot really", roots=[authority.ca_cert])
    assert not report.valid and report.signatures == ()
    assert report.error.startswith("无法读取 PDF 文件")
