"""One CA per test session (RSA keys are slow to make), in a temporary directory."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from idrenew.signing.domain.ca import Authority, authority_to_bundle, create_authority


@pytest.fixture(scope="session")
def authority() -> Authority:
    return create_authority(broker_name="示例期货有限公司", now=datetime.now(UTC))


@pytest.fixture(scope="session")
def other_authority() -> Authority:
    return create_authority(broker_name="另一家期货公司", now=datetime.now(UTC))


@pytest.fixture(scope="session")
def _ca_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ca")


@pytest.fixture
def signing_ca(authority: Authority, _ca_dir: Path, settings: Any) -> Iterator[Authority]:
    """The session's CA stored where the app looks for it (encrypted, as `ca init` does)."""
    from idrenew.lib.crypto import encrypt_bytes
    from idrenew.signing import store
    from idrenew.signing.domain.ca import certificate_pem

    settings.IDRENEW_SIGNING_DIR = _ca_dir
    bundle = _ca_dir / store.BUNDLE
    if not bundle.exists():
        bundle.write_bytes(encrypt_bytes(authority_to_bundle(authority)))
        (_ca_dir / store.ROOT_PEM).write_bytes(certificate_pem(authority.ca_cert))
    store._cache.clear()
    yield authority
    store._cache.clear()


@pytest.fixture(scope="session")
def signed_pair(authority: Authority) -> dict[str, bytes]:
    """Both agreements for the demo case, rendered and signed once per session."""
    from idrenew.lib.fonts import cjk_font_path
    from idrenew.signing.demo import demo_audit, demo_case, demo_signature_png
    from idrenew.signing.domain.agreements import render_current
    from idrenew.signing.domain.pdf import render_pdf
    from idrenew.signing.domain.sign import sign_document

    now = datetime.now(UTC)
    case = demo_case(today=now.date())
    out = {}
    for name in ("change_application", "digital_certificate"):
        doc = render_pdf(
            render_current(name, case),
            signature_png=demo_signature_png(),
            audit=demo_audit(case, now=now),
            font_path=cjk_font_path(),
        )
        out[name] = sign_document(
            doc.data,
            authority=authority,
            placement=doc.signature_box,
            customer_name=case.customer_name,
            pseudonym="IDR-TEST",
            now=now,
        ).pdf
    return out


def pdftotext(data: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian poppler-utils) is not installed")
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def garble_signature_contents(data: bytes, which: int = 0) -> bytes:
    """The PDF with the ``which``-th signature's ``/Contents`` hex replaced by garbage of the
    same length: the file still parses, that signature's CMS does not."""
    found = list(re.finditer(rb"/Contents\s*<([0-9a-fA-F]+)>", data))
    assert len(found) > which, "no such signature"
    start, end = found[which].span(1)
    garbage = (b"deadbeef" * ((end - start) // 8 + 1))[: end - start]
    return data[:start] + garbage + data[end:]
