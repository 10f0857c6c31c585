"""Backup and restore (issue #13 item 6): a decided case's database rows, stored files, signed
PDFs, signing CA and CFMMC batch survive `idrenew backup` and `idrenew restore` into an EMPTY
environment (new database, new data dir, the same secrets); the restored PDFs pass the
project's own verifier and the case's evidence bundle is the same; a changed archive, a wrong
backup key or a non-empty target is refused.

Runs on SQLite in the normal suite and on PostgreSQL (pg_dump / pg_restore) when
IDRENEW_DATABASE_URL is postgres (CI's first pass)."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from idrenew.audit.models import AuditEvent
from idrenew.cases.models import RenewalCase
from idrenew.core import backup
from idrenew.outbox.models import OutboxEvent
from idrenew.review.evidence import evidence_bundle
from idrenew.review.models import Decision
from idrenew.signing.models import SignedDocument
from tests.ops.drills import new_postgres_database, run_idrenew, same_secrets_env, uses_postgres
from tests.review.conftest import (  # noqa: F401 (fixtures)
    _ca_dir,
    approver,
    at_step_4,
    at_step_7,
    at_step_8,
    authority,
    make_staff,
    signing_ca,
    submitted,
)
from tests.review.test_retention import add_face_attempt, approve, store_card_files

BACKUP_KEY = "drill-backup-key-0123456789-abcdefghijklmnopqrstuvwxyz"

# In the restored environment: every signed PDF out of storage, through `idrenew pdf verify`
# (the command itself), the case's evidence bundle through `idrenew evidence-export`, and the
# counts of what must be neither lost nor duplicated.
VERIFY_SCRIPT = """
import io, json
from pathlib import Path
from django.core.management import call_command
from idrenew.audit.models import AuditEvent
from idrenew.cases.models import RenewalCase
from idrenew.lib.files import read_encrypted
from idrenew.outbox.models import OutboxEvent
from idrenew.review.models import Decision
from idrenew.signing.models import SignedDocument

out = Path({out!r})
report = {{"pdfs": {{}}}}
for doc in SignedDocument.objects.order_by("pk"):
    pdf = out / f"{{doc.pk}}.pdf"
    pdf.write_bytes(read_encrypted(doc.pdf_name))
    buffer = io.StringIO()
    call_command("pdf", "verify", str(pdf), "--json", stdout=buffer)
    report["pdfs"][doc.pdf_sha256] = json.loads(buffer.getvalue())
case = RenewalCase.objects.get(reference={reference!r})
call_command("evidence_export", case.reference, "--out", str(out / "evidence.zip"))
report["counts"] = {{
    "cases": RenewalCase.objects.count(),
    "decisions": Decision.objects.count(),
    "documents": SignedDocument.objects.count(),
    "outbox": OutboxEvent.objects.count(),
    "audit_before_export": AuditEvent.objects.count() - 1,
}}
report["state"] = case.state
print("REPORT " + json.dumps(report))
"""


@pytest.fixture
def decided(submitted: RenewalCase, approver: User) -> RenewalCase:  # noqa: F811
    """Alice's case approved (counter update and CFMMC report delivered), with stored card
    images and a liveness best frame."""
    store_card_files(submitted)
    add_face_attempt(submitted, clip=False)
    approve(submitted, approver)
    submitted.refresh_from_db()
    return submitted


@pytest.fixture
def own_storage(settings: Any, tmp_path: Path) -> Path:
    """A file storage and CFMMC folder of this test only (the suite's are shared)."""
    files = tmp_path / "source-files"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(files), "base_url": None},
        },
    }
    settings.IDRENEW_CFMMC_DIR = tmp_path / "source-cfmmc"
    return files


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def copy_archive(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def refused(archive: Path, match: str) -> None:
    with pytest.raises(CommandError, match=match):
        call_command("restore", str(archive), "--verify-only")


@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_an_empty_environment(
    own_storage: Path,
    decided: RenewalCase,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IDRENEW_BACKUP_KEY", BACKUP_KEY)
    source_bundle = unzip(evidence_bundle(decided, None))
    source_counts = {
        "cases": RenewalCase.objects.count(),
        "decisions": Decision.objects.count(),
        "documents": SignedDocument.objects.count(),
        "outbox": OutboxEvent.objects.count(),
        "audit_before_export": AuditEvent.objects.count(),
    }
    assert source_counts["documents"] == 2 and source_counts["decisions"] >= 1
    assert list((tmp_path / "source-cfmmc").rglob("*")), "the approval wrote a CFMMC batch"

    archive = tmp_path / "backup"
    call_command("backup", "--out", str(archive))
    manifest = json.loads((archive / backup.MANIFEST).read_text())
    sections = {e["path"].split("/", 1)[0] for e in manifest["files"]}
    assert sections == {"database", "files", "ca", "cfmmc"}
    assert manifest["encrypted"] and manifest["database"]["engine"] == (
        "postgresql" if uses_postgres() else "sqlite"
    )
    assert any(e["name"] == "authority.json.enc" for e in manifest["files"])
    stored = {e["name"] for e in manifest["files"] if e["path"].startswith("files/")}
    assert {d.pdf_name for d in SignedDocument.objects.all()} <= stored
    # Encrypted through: nothing of the PDFs or the database is readable in the archive.
    for entry in manifest["files"]:
        head = (archive / entry["path"]).read_bytes()[:64]
        assert head.startswith(b"IDRENEW-BACKUP-STREAM-1\n"), entry["path"]

    # A changed archive is refused, before anything is restored.
    flipped = copy_archive(archive, tmp_path / "flipped")
    target = next(e for e in manifest["files"] if e["path"].startswith("files/"))
    data = bytearray((flipped / target["path"]).read_bytes())
    data[len(data) // 2] ^= 0x01
    (flipped / target["path"]).write_bytes(bytes(data))
    refused(flipped, "SHA-256 differs")
    edited = copy_archive(archive, tmp_path / "edited")
    edited_manifest = json.loads((edited / backup.MANIFEST).read_text())
    edited_manifest["files"] = [e for e in edited_manifest["files"] if e is not None]
    edited_manifest["files"][0]["sha256"] = hashlib.sha256(b"other").hexdigest()
    (edited / backup.MANIFEST).write_text(json.dumps(edited_manifest))
    refused(edited, "HMAC does not match")
    dropped = copy_archive(archive, tmp_path / "dropped")
    (dropped / target["path"]).unlink()
    refused(dropped, "missing")
    monkeypatch.setenv("IDRENEW_BACKUP_KEY", BACKUP_KEY + "-wrong")
    refused(archive, "HMAC does not match")
    monkeypatch.setenv("IDRENEW_BACKUP_KEY", BACKUP_KEY)
    # This (non-empty) environment is no restore target.
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive))

    # Restore into an empty environment: new data dir and database, the same secrets.
    restored_dir = tmp_path / "restored"
    out = tmp_path / "checked"
    out.mkdir()
    with _empty_database(restored_dir) as database:
        env = same_secrets_env(restored_dir, database, IDRENEW_BACKUP_KEY=BACKUP_KEY)
        restored = run_idrenew(["restore", str(archive)], env)
        assert "restored the backup" in restored.stdout, restored.stdout
        script = VERIFY_SCRIPT.format(out=str(out), reference=decided.reference)
        proc = run_idrenew(["shell", "-c", script], env)

    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("REPORT "))
    report = json.loads(line.removeprefix("REPORT "))
    assert report["counts"] == source_counts  # nothing lost, nothing duplicated
    assert report["state"] == decided.state == "approved"
    assert set(report["pdfs"]) == {d.pdf_sha256 for d in SignedDocument.objects.all()}
    for sha, verdict in report["pdfs"].items():
        assert verdict["valid"] is True, (sha, verdict)
        assert verdict["signatures"] and all(
            s["intact"] and s["trusted"] and not s["revoked"] for s in verdict["signatures"]
        ), verdict
    for pdf in out.glob("*.pdf"):
        assert hashlib.sha256(pdf.read_bytes()).hexdigest() in report["pdfs"]

    restored_bundle = unzip((out / "evidence.zip").read_bytes())
    bundle_manifest = json.loads(restored_bundle.pop("manifest.json"))
    for entry in bundle_manifest["files"]:
        assert hashlib.sha256(restored_bundle[entry["path"]]).hexdigest() == entry["sha256"]
    source_bundle.pop("manifest.json")
    assert set(restored_bundle) == set(source_bundle)
    for path in source_bundle:
        if path.startswith(("images/", "documents/")):
            assert restored_bundle[path] == source_bundle[path], path
    source_case = json.loads(source_bundle["case.json"])
    restored_case = json.loads(restored_bundle["case.json"])
    for body in (source_case, restored_case):  # the time of each export
        body.pop("export")
        body["record_on_file"].pop("as_of")
    assert restored_case == source_case
    source_audit = json.loads(source_bundle["audit.json"])
    restored_audit = json.loads(restored_bundle["audit.json"])
    # The same trail, plus the source's own export (made before the backup; sorted by time
    # among the others, some of which the fixtures date ahead).
    source_ids = {e["id"] for e in source_audit}
    added = [e for e in restored_audit if e["id"] not in source_ids]
    assert [e for e in restored_audit if e["id"] in source_ids] == source_audit
    assert [e["action"] for e in added] == ["evidence.exported"]


class _empty_database:
    """A new empty database for the restored environment: a new PostgreSQL database beside
    the test one, or a new SQLite file in the new data dir."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._pg: Any = None

    def __enter__(self) -> str:
        if uses_postgres():
            self._pg = new_postgres_database()
            return str(self._pg.__enter__())
        return f"sqlite:///{self.data_dir / 'idrenew.sqlite3'}"

    def __exit__(self, *exc: object) -> None:
        if self._pg is not None:
            self._pg.__exit__(*exc)


def test_stream_encryption_refuses_cut_reordered_and_extended_payloads() -> None:
    key = b"k" * 40
    plain = bytes(range(256)) * 700  # 179,200 bytes: two full chunks and a short last one
    sealed = b"".join(backup.encrypt_stream(key, [plain[:1000], plain[1000:]]))

    def opened(data: bytes) -> bytes:
        return b"".join(backup.decrypt_stream(key, io.BytesIO(data), what="payload"))

    assert opened(sealed) == plain
    header = len(b"IDRENEW-BACKUP-STREAM-1\n") + 16
    block = backup.CHUNK + 16
    first, second = sealed[header : header + block], sealed[header + block : header + 2 * block]
    with pytest.raises(backup.BackupError, match="cut short"):
        opened(sealed[: header + 2 * block])  # the last chunk dropped
    with pytest.raises(backup.BackupError, match="cannot be decrypted"):
        opened(sealed[:header] + second + first + sealed[header + 2 * block :])
    with pytest.raises(backup.BackupError, match="cannot be decrypted"):
        opened(sealed + b"x")
    with pytest.raises(backup.BackupError, match="cannot be decrypted"):
        b"".join(backup.decrypt_stream(b"other" * 8, io.BytesIO(sealed), what="payload"))
    empty = b"".join(backup.encrypt_stream(key, []))
    assert opened(empty) == b""
    exact = bytes(backup.CHUNK)
    assert opened(b"".join(backup.encrypt_stream(key, [exact]))) == exact


@pytest.mark.django_db
def test_stored_files_in_an_s3_bucket_are_backed_up_and_restored(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files part through the storage backend when the files live in S3 (moto's
    in-process S3): every object into the archive, and back into a new, empty bucket."""
    import boto3
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from moto import mock_aws

    from idrenew.lib.files import read_encrypted, save_encrypted

    for name, value in {
        "AWS_ACCESS_KEY_ID": "drill",
        "AWS_SECRET_ACCESS_KEY": "drill-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("IDRENEW_BACKUP_KEY", BACKUP_KEY)

    def use_bucket(bucket: str) -> None:
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {"bucket_name": bucket, "region_name": "us-east-1"},
            },
        }

    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="drill-source")
        s3.create_bucket(Bucket="drill-restored")
        settings.IDRENEW_CFMMC_DIR = tmp_path / "cfmmc"
        use_bucket("drill-source")
        names = [save_encrypted("idcard/photos", b"\xff\xd8photo-%d" % i) for i in range(3)]
        names.append(default_storage.save("reference-faces/plain.jpg", ContentFile(b"face")))
        summary = backup.backup_create(out=tmp_path / "backup")
        assert summary.files == 4
        manifest = backup.backup_verify(tmp_path / "backup", decrypt=True)
        entries = [e for e in manifest["files"] if e["path"].startswith("files/")]
        assert sorted(e["name"] for e in entries) == sorted(names)

        use_bucket("drill-restored")
        assert next(backup.storage_names(), None) is None
        backup.restore_files(tmp_path / "backup", manifest, entries)
        assert sorted(backup.storage_names()) == sorted(names)
        assert read_encrypted(names[0]) == b"\xff\xd8photo-0"
        with default_storage.open(names[-1], "rb") as fh:
            assert fh.read() == b"face"
