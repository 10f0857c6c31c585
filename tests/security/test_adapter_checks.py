"""Issue #10, item 7: each adapter interface has ``check_config()``, the built-in ones find
real problems, and the deployment check reports them under stable ids."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path
from typing import Any

import pytest

from idrenew.core.checks import ADAPTERS, check_adapters, check_adapters_load
from idrenew.customers.gateway import CounterGateway, DatabaseCounterGateway
from idrenew.face.domain import runtime
from idrenew.face.domain.engine import LocalFaceEngine
from idrenew.face.domain.spoof import ExpoAntiSpoofDetector, NoSpoofDetector, SpoofDetector
from idrenew.face.domain.types import FaceEngine
from idrenew.face.identity import IdentityVerifier
from idrenew.outbox.cfmmc import CfmmcAdapter, DailyFileCfmmcAdapter
from idrenew.signing import store
from idrenew.verification.sms import ConsoleSmsBackend, LocmemSmsBackend, SmsBackend


def test_every_adapter_interface_has_check_config() -> None:
    interfaces = [SmsBackend, CounterGateway, CfmmcAdapter, FaceEngine, SpoofDetector]
    for interface in [*interfaces, IdentityVerifier]:
        assert callable(getattr(interface, "check_config", None)), interface
    assert [a.id for a in ADAPTERS] == [f"idrenew.E00{n}" for n in range(1, 9)]


def test_demo_sms_backends_say_they_are_not_for_production() -> None:
    assert SmsBackend.production_ready
    assert not ConsoleSmsBackend.production_ready
    assert not LocmemSmsBackend.production_ready


def test_shipped_face_models_pass_and_an_altered_one_is_named(tmp_path: Path) -> None:
    assert LocalFaceEngine().check_config() == []
    assert ExpoAntiSpoofDetector().check_config() == []
    assert NoSpoofDetector().check_config() == []
    copy = tmp_path / "models"
    shutil.copytree(runtime.MODELS_DIR, copy)
    (copy / "mobilefacenet.onnx").write_bytes(b"not a model")
    (copy / "iris_landmark.onnx").unlink()
    problems = runtime.model_problems([runtime.EMBEDDER, runtime.IRIS], copy)
    assert len(problems) == 2
    assert "mobilefacenet.onnx does not match its checksum" in problems[0]
    assert "face model missing" in problems[1]


def test_cfmmc_folder_must_be_writable(tmp_path: Path) -> None:
    assert DailyFileCfmmcAdapter(tmp_path / "cfmmc").check_config() == []
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    problems = DailyFileCfmmcAdapter(blocker / "cfmmc").check_config()
    assert problems and "IDRENEW_CFMMC_DIR" in problems[0]


def test_signing_ca_must_exist_in_production_and_decrypt(settings: Any, tmp_path: Path) -> None:
    settings.IDRENEW_SIGNING_DIR = tmp_path / "ca"
    assert store.check_config() == []  # embedded: created on first use
    settings.PRODUCTION = True
    assert "idrenew ca init" in store.check_config()[0]
    store.ca_init()
    assert store.check_config() == []
    settings.ENCRYPTION_KEYS = [secrets.token_urlsafe(32)]  # the key was lost
    assert "cannot be decrypted" in store.check_config()[0]


@pytest.mark.django_db
def test_deploy_check_is_clean_in_the_test_environment(settings: Any, tmp_path: Path) -> None:
    settings.IDRENEW_CFMMC_DIR = tmp_path / "cfmmc"
    settings.MEDIA_ROOT = tmp_path / "files"
    assert DatabaseCounterGateway().check_config() == []
    assert check_adapters() == []
    assert check_adapters_load() == []


@pytest.mark.django_db
def test_deploy_check_reports_each_problem_with_its_id(settings: Any, tmp_path: Path) -> None:
    settings.PRODUCTION = True
    settings.IDRENEW_SIGNING_DIR = tmp_path / "no-ca"
    settings.IDRENEW_SMS_BACKEND = "idrenew.verification.sms.ConsoleSmsBackend"
    settings.IDRENEW_CFMMC_ADAPTER = "idrenew.outbox.cfmmc.NoSuchAdapter"
    found = {m.id: m.msg for m in check_adapters()}
    assert set(found) == {"idrenew.E001", "idrenew.E005", "idrenew.E007"}
    assert found["idrenew.E001"].startswith("短信通道 / SMS backend: ")
    assert "cannot be loaded" in found["idrenew.E005"]
    assert [m.id for m in check_adapters_load()] == ["idrenew.E005"]
