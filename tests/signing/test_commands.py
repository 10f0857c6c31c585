from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from idrenew.signing import store
from idrenew.signing.domain.ca import Authority

from .conftest import garble_signature_contents


def _call(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_pdf_sample_then_verify_json(signing_ca: Authority, tmp_path: Path) -> None:
    target = tmp_path / "sample.pdf"
    assert "客户账户信息变更申请书" in _call("pdf", "sample", "--out", str(target))
    line = _call("pdf", "verify", str(target), "--json").strip()
    assert "\n" not in line
    report = json.loads(line)
    assert report["valid"] is True
    assert len(report["signatures"]) == 2
    for sig in report["signatures"]:
        assert set(sig) == {"field", "signer", "intact", "trusted", "timestamp", "revoked"}
        assert sig["intact"] and sig["trusted"] and sig["timestamp"]


def test_pdf_verify_of_a_tampered_file(
    signing_ca: Authority, signed_pair: dict[str, bytes], tmp_path: Path
) -> None:
    data = bytearray(signed_pair["change_application"])
    data[1000] ^= 0x01
    target = tmp_path / "t.pdf"
    target.write_bytes(bytes(data))
    assert json.loads(_call("pdf", "verify", str(target), "--json"))["valid"] is False
    assert "NOT VALID" in _call("pdf", "verify", str(target))


def test_pdf_verify_names_the_signature_whose_contents_are_garbage(
    signing_ca: Authority, signed_pair: dict[str, bytes], tmp_path: Path
) -> None:
    target = tmp_path / "garbled.pdf"
    target.write_bytes(garble_signature_contents(signed_pair["change_application"], 0))
    report = json.loads(_call("pdf", "verify", str(target), "--json"))
    assert report["valid"] is False
    assert [s["field"] for s in report["signatures"]] == ["CustomerSignature", "BrokerSignature"]
    customer, broker = report["signatures"]
    assert customer["intact"] is False and customer["trusted"] is False
    assert "CustomerSignature" in customer["error"] and "/Contents" in customer["error"]
    assert "CMS" in customer["error"] and len(customer["error"]) < 300
    # the broker's signature covers the garbled bytes: listed, and not intact
    assert broker["intact"] is False and broker["signer"] == "示例期货有限公司 电子签名"
    human = _call("pdf", "verify", str(target))
    assert "NOT VALID" in human and "签名域“CustomerSignature”无法验证" in human


def test_pdf_verify_json_says_why_an_unreadable_file_is_not_valid(tmp_path: Path) -> None:
    target = tmp_path / "junk.pdf"
    target.write_bytes(b"%PDF-1.7\nnot really")
    report = json.loads(_call("pdf", "verify", str(target), "--json"))
    assert report["valid"] is False and report["signatures"] == []
    assert report["error"].startswith("无法读取 PDF 文件")


def test_ca_init_refuses_to_overwrite_without_force(tmp_path: Path, settings: Any) -> None:
    settings.IDRENEW_SIGNING_DIR = tmp_path / "ca"
    store._cache.clear()
    out = _call("ca", "init")
    assert "CA created" in out
    bundle = tmp_path / "ca" / store.BUNDLE
    first = bundle.read_bytes()
    assert b"PRIVATE KEY" not in first  # encrypted at rest
    assert (tmp_path / "ca" / store.ROOT_PEM).read_bytes().startswith(b"-----BEGIN CERTIFICATE")
    with pytest.raises(CommandError, match="--force"):
        _call("ca", "init")
    assert bundle.read_bytes() == first
    _call("ca", "init", "--force")
    assert bundle.read_bytes() != first
    store._cache.clear()


def test_ca_is_created_on_first_use_outside_production(
    tmp_path: Path, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.IDRENEW_SIGNING_DIR = tmp_path / "fresh"
    store._cache.clear()
    with caplog.at_level("WARNING", logger="idrenew.signing.store"):
        authority = store.get_authority()
    assert "creating one" in caplog.text
    assert store.get_authority().ca_cert == authority.ca_cert  # loaded, not recreated
    settings.IDRENEW_SIGNING_DIR = tmp_path / "prod"
    settings.PRODUCTION = True
    with pytest.raises(store.AuthorityMissing):
        store.get_authority()
    store._cache.clear()
