"""The auditor's evidence bundle: complete, hashed, permission-bound, and on the record."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client

from idrenew.audit.models import AuditEvent
from idrenew.cases.models import RenewalCase
from idrenew.face.identity_services import identity_check_portrait, identity_check_record
from idrenew.face.models import FaceAttempt
from idrenew.review.evidence import IdentityEvidence, evidence_bundle
from idrenew.signing.models import SignedDocument
from tests.conftest import staff_login
from tests.idcard.conftest import new_period
from tests.review.test_retention import add_face_attempt, approve, store_card_files
from tests.vendors import FakeTencentCloud, tencent_error
from tests.vendors.faceid import install_faceid, police_record, use_faceid

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(make_staff: Callable[[str, str], User]) -> User:
    return make_staff("aud1", "审计员")


@pytest.fixture
def decided(submitted: RenewalCase, approver: User) -> RenewalCase:
    """Alice's case approved, with stored card images and a liveness best frame."""
    store_card_files(submitted)
    add_face_attempt(submitted, clip=False)
    approve(submitted, approver)
    submitted.refresh_from_db()
    return submitted


def url(case: RenewalCase) -> str:
    return f"/backoffice/review/cases/{case.id}/evidence.zip"


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_bundle_holds_everything_with_matching_hashes(
    decided: RenewalCase, auditor: User, alice: Any
) -> None:
    files = unzip(evidence_bundle(decided, auditor))

    manifest = json.loads(files.pop("manifest.json"))
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == set(files)
    for path, data in files.items():
        assert listed[path]["sha256"] == hashlib.sha256(data).hexdigest(), path
        assert listed[path]["bytes"] == len(data)
    assert manifest["case_reference"] == decided.reference

    # The signed PDFs, byte for byte as signed.
    pdfs = sorted(p for p in files if p.startswith("documents/"))
    docs = SignedDocument.objects.filter(case=decided)
    assert len(pdfs) == docs.count() == 2
    assert {hashlib.sha256(files[p]).hexdigest() for p in pdfs} == {d.pdf_sha256 for d in docs}
    assert all(files[p].startswith(b"%PDF-") for p in pdfs)

    # Images: card photos, rectified cards, the portrait, the best frame, the signature.
    images = [p for p in files if p.startswith("images/")]
    assert sum("-photo." in p for p in images) == 2
    assert sum("-rectified." in p for p in images) == 2
    assert sum("-portrait." in p for p in images) == 1
    assert sum(p.startswith("images/face/") for p in images) == 1
    assert any(p.startswith("images/signature/") and p.endswith(".png") for p in images)

    body = json.loads(files["case.json"])
    assert body["case"]["reference"] == decided.reference
    assert body["case"]["state"] == "approved"
    assert body["record_on_file"]["id_number"] == alice.id_number  # the full number
    assert body["record_update"]["status"] == "delivered"
    assert body["card_reading"]["ocr"]["id_number"] == alice.id_number
    assert [d["kind"] for d in body["decisions"]] == ["approve"]
    assert body["review"]["checks"]["checks"]
    assert all(d["pdf_sha256_matches"] for d in body["documents"])
    assert all(s["image_sha256_matches"] for s in body["signatures"])
    assert body["face"]["attempts"][0]["best_frame"].startswith("images/face/")
    assert body["missing_files"] == []
    # No verifier configured: the identity part is there, and empty.
    assert json.loads(files["identity.json"]) == [] and body["identity_checks"] == []

    audit = json.loads(files["audit.json"])
    actions = [e["action"] for e in audit]
    assert {"case.started", "case.submitted", "review.claimed", "case.approved"} <= set(actions)
    assert len(audit) == AuditEvent.objects.filter(case_id=decided.id).count() - 1

    # The export itself is on the record, with the digest of the manifest it produced.
    event = AuditEvent.objects.get(case_id=decided.id, action="evidence.exported")
    assert event.actor_type == "staff" and event.actor_id == str(auditor.pk)
    assert event.data["files"] == len(files)


def test_manifest_digest_in_the_audit_event_matches(decided: RenewalCase, auditor: User) -> None:
    files = unzip(evidence_bundle(decided, auditor))
    event = AuditEvent.objects.get(case_id=decided.id, action="evidence.exported")
    assert event.data["manifest_sha256"] == hashlib.sha256(files["manifest.json"]).hexdigest()


def test_purged_biometrics_and_missing_files_are_reported(
    submitted: RenewalCase, auditor: User
) -> None:
    # The API fixtures record card uploads without stored files: reported, not fatal.
    body = json.loads(unzip(evidence_bundle(submitted, auditor))["case.json"])
    assert len(body["missing_files"]) == 2
    assert body["card_uploads"][0]["photo"] is None


def test_view_serves_the_zip_to_auditors_only(
    decided: RenewalCase, auditor: User, reviewer: User, approver: User
) -> None:
    client = Client()
    resp = client.get(url(decided))
    assert resp.status_code == 302 and "/admin/login/" in resp["Location"]

    for user in (reviewer, approver):  # staff, but not holding review.export_evidence
        staff_login(client, user)
        assert client.get(url(decided)).status_code == 403
    assert not AuditEvent.objects.filter(action="evidence.exported").exists()

    staff_login(client, auditor)
    resp = client.get(url(decided))
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/zip"
    assert f"evidence-{decided.reference}.zip" in resp["Content-Disposition"]
    assert "no-store" in resp["Cache-Control"]
    assert "manifest.json" in unzip(resp.content)
    client.get(url(decided))
    events = AuditEvent.objects.filter(case_id=decided.id, action="evidence.exported")
    assert events.count() == 2
    assert all(e.ip for e in events)


def test_service_refuses_without_the_permission(decided: RenewalCase, reviewer: User) -> None:
    with pytest.raises(PermissionDenied):
        evidence_bundle(decided, reviewer)
    assert not AuditEvent.objects.filter(action="evidence.exported").exists()


def test_command_writes_the_bundle(
    decided: RenewalCase, auditor: User, reviewer: User, tmp_path: Path
) -> None:
    out = tmp_path / "bundle.zip"
    stdout = io.StringIO()
    call_command("evidence_export", decided.reference, "--out", str(out), stdout=stdout)
    assert decided.reference in stdout.getvalue()
    assert "manifest.json" in unzip(out.read_bytes())
    event = AuditEvent.objects.get(action="evidence.exported")
    assert event.actor_type == "system" and event.actor_id == "cli"

    call_command(
        "evidence_export", decided.reference, "--out", str(out), "--staff", "aud1", stdout=stdout
    )
    with pytest.raises(CommandError):
        call_command("evidence_export", decided.reference, "--out", str(out), "--staff", "rev1")
    with pytest.raises(CommandError):
        call_command("evidence_export", "ZJ0000", "--out", str(out))
    assert AuditEvent.objects.filter(action="evidence.exported").count() == 2


def test_identity_checks_are_their_own_part_without_personal_data(
    decided: RenewalCase, auditor: User, alice: Any, settings: Any
) -> None:
    """With Tencent FaceID (the fake) configured: the portrait matched, the record check met
    throttling and waits for its retry. Both are in identity.json, listed in the manifest,
    and one line each in case.json; no name, ID number, photo or vendor key."""
    start, end = new_period(alice)
    police = {alice.id_number: police_record(alice.name, start, end)}
    secret_id, secret_key = "AKIDevidence", "evidence-secret-0123456789"
    with FakeTencentCloud(secret_id=secret_id, secret_key=secret_key) as fake:
        install_faceid(fake, police)
        use_faceid(settings, fake, secret_id, secret_key)
        attempt = FaceAttempt.objects.get(case=decided)
        portrait = identity_check_portrait(attempt)
        fake.script("IdCardVerification", tencent_error("RequestLimitExceeded"))
        record = identity_check_record(case=decided, valid_from=start, valid_to=end)
    assert portrait is not None and record is not None

    files = unzip(evidence_bundle(decided, auditor))
    manifest = json.loads(files["manifest.json"])
    listed = {f["path"]: f for f in manifest["files"]}
    assert listed["identity.json"]["sha256"] == hashlib.sha256(files["identity.json"]).hexdigest()

    rows = json.loads(files["identity.json"])
    assert [r["kind"] for r in rows] == ["portrait", "record"]
    assert all(set(r) == set(IdentityEvidence.__annotations__) for r in rows)
    first, second = rows
    assert first["id"] == str(portrait.id) and first["kind_label"] == "公安人像比对"
    assert (first["outcome"], first["outcome_label"], first["vendor_code"]) == (
        "match",
        "一致",
        "Success",
    )
    assert first["request_id"] == portrait.vendor_reference != ""
    assert first["similarity"] == pytest.approx(91.37) and first["attempts"] == 1
    assert first["face_attempt_id"] == str(attempt.id) and first["checked_at"]
    assert first["valid_from_asked"] is None and not first["pending"]
    assert second["kind_label"] == "公民身份信息核验" and second["pending"] is True
    assert (second["outcome"], second["vendor_code"]) == ("unavailable", "RequestLimitExceeded")
    assert second["valid_from_asked"] == start.isoformat()
    assert second["summary"].startswith("公民身份信息核验：核验服务暂不可用；等待重试")

    body = json.loads(files["case.json"])
    assert body["identity_checks"] == [first["summary"], second["summary"]]
    assert first["summary"].startswith("公安人像比对：一致；相似度 91.37")
    assert portrait.vendor_reference in first["summary"]

    text = files["identity.json"].decode("utf-8")
    for secret in (alice.name, alice.id_number, secret_id, secret_key):
        assert secret not in text
    assert not any("photo" in key or "image" in key or "frame" in key for key in rows[0])
    # The bundle holds no new image: the best frame is the one it held before.
    assert sum(p.startswith("images/face/") for p in files) == 1
