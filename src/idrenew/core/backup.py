"""Backup and restore: the database, the stored files, the signing CA and the CFMMC batches.

``idrenew backup --out DIR`` writes one folder::

    manifest.json        what is in the archive: format, time, database engine and the
                         migrations it had, key fingerprints, and every payload file with its
                         SHA-256 and size
    manifest.hmac        HMAC-SHA256 of manifest.json (key from IDRENEW_BACKUP_KEY, else from
                         the first IDRENEW_ENCRYPTION_KEYS key): a changed manifest is refused
    database/…           PostgreSQL: ``pg_dump --format=custom`` by the pg_dump of the
                         server's major version; SQLite: a copy made by SQLite's backup API
    files/…              every object of the file storage (local folder or S3 bucket), as
                         stored: personal files are already encrypted (lib/files.py)
    ca/…                 the signing CA folder as it is: ``authority.json.enc`` stays
                         encrypted with ENCRYPTION_KEYS, ``ca.pem``, revocations, CRL
    cfmmc/…              the built-in CFMMC adapter's daily batches (encrypted already)

With ``IDRENEW_BACKUP_KEY`` (or ``_FILE``; production requires it) every payload is also
encrypted as a stream: ChaCha20-Poly1305 over 64 KiB chunks, a fresh key per file from HKDF
(key, random salt), the chunk counter and a last-chunk flag in the nonce (age's STREAM
construction), so a reordered, cut or extended file fails to decrypt.

The secrets themselves (IDRENEW_SECRET_KEY, IDRENEW_ENCRYPTION_KEYS, IDRENEW_LOOKUP_HASH_KEY,
IDRENEW_BACKUP_KEY) are never in the archive: they are kept apart (the operator's secret
store). The manifest carries short fingerprints of them so that a restore with other keys is
refused before anything is written.

Consistency: the database is dumped first, the files copied after. Every file is stored
before the row naming it is committed, so each file a dumped row names is in the archive; a
file stored during the backup may come along without a row (an orphan, harmless).

``idrenew restore DIR`` checks the manifest's HMAC and every payload's SHA-256 first, refuses
an archive made with other keys or for another database engine, refuses a target that is not
empty (a database with tables, a file storage with objects, a signing folder with a CA), then
restores the database, the files, the CA and the CFMMC batches, and checks the CA decrypts.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from idrenew.lib.env import envsecret

logger = logging.getLogger(__name__)

FORMAT = "idrenew-backup/1"
MANIFEST = "manifest.json"
MANIFEST_MAC = "manifest.hmac"
CHUNK = 64 * 1024
_TAG = 16
_MAGIC = b"IDRENEW-BACKUP-STREAM-1\n"
_SALT = 16


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says what to do."""


# --- keys --------------------------------------------------------------------------------


def backup_key() -> bytes | None:
    value = envsecret("IDRENEW_BACKUP_KEY")
    return value.strip().encode("utf-8") if value and value.strip() else None


def _hkdf(secret: bytes, *, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(secret)


def fingerprint(secret: str | bytes) -> str:
    """A short, one-way name of a key (to tell keys apart; reveals nothing of the key)."""
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(raw, b"idrenew-backup key fingerprint v1", hashlib.sha256).hexdigest()[:16]


def _manifest_keys() -> list[bytes]:
    """Keys the manifest may be authenticated with: the backup key when set, else the
    encryption keys (the first signs, all verify)."""
    key = backup_key()
    if key is not None:
        return [key]
    return [k.encode("utf-8") for k in settings.ENCRYPTION_KEYS]


def _manifest_mac(key: bytes, data: bytes) -> str:
    mac_key = _hkdf(key, salt=b"idrenew-backup-v1", info=b"manifest")
    return hmac.new(mac_key, data, hashlib.sha256).hexdigest()


# --- streaming encryption ----------------------------------------------------------------


def _pieces(chunks: Iterable[bytes]) -> Iterator[tuple[bytes, bool]]:
    """Cut a stream into CHUNK-sized pieces; the last one is shorter than CHUNK (maybe
    empty) and flagged."""
    buffer = bytearray()
    for chunk in chunks:
        buffer.extend(chunk)
        while len(buffer) >= CHUNK:
            yield bytes(buffer[:CHUNK]), False
            del buffer[:CHUNK]
    yield bytes(buffer), True


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def encrypt_stream(key: bytes, chunks: Iterable[bytes]) -> Iterator[bytes]:
    salt = os.urandom(_SALT)
    aead = ChaCha20Poly1305(_hkdf(key, salt=salt, info=b"idrenew-backup-v1 payload"))
    yield _MAGIC + salt
    for counter, (piece, last) in enumerate(_pieces(chunks)):
        yield aead.encrypt(_nonce(counter, last), piece, _MAGIC)


def _read_up_to(fh: IO[bytes], size: int) -> bytes:
    parts = []
    while size > 0:
        data = fh.read(size)
        if not data:
            break
        parts.append(data)
        size -= len(data)
    return b"".join(parts)


def decrypt_stream(key: bytes, fh: IO[bytes], *, what: str) -> Iterator[bytes]:
    header = _read_up_to(fh, len(_MAGIC) + _SALT)
    if not header.startswith(_MAGIC) or len(header) != len(_MAGIC) + _SALT:
        raise BackupError(f"{what}: not an encrypted backup payload")
    aead = ChaCha20Poly1305(
        _hkdf(key, salt=header[len(_MAGIC) :], info=b"idrenew-backup-v1 payload")
    )
    counter = 0
    while True:
        block = _read_up_to(fh, CHUNK + _TAG)
        last = len(block) < CHUNK + _TAG
        if len(block) < _TAG:
            raise BackupError(f"{what}: cut short (truncated archive)")
        try:
            yield aead.decrypt(_nonce(counter, last), block, _MAGIC)
        except InvalidTag:
            raise BackupError(
                f"{what}: cannot be decrypted: wrong IDRENEW_BACKUP_KEY or a damaged archive"
            ) from None
        counter += 1
        if last:
            return


def _read_chunks(fh: IO[bytes]) -> Iterator[bytes]:
    return iter(lambda: fh.read(CHUNK), b"")


# --- the archive folder --------------------------------------------------------------------


@dataclass
class _Entry:
    path: str  # inside the archive
    name: str  # where it came from (storage name, file name)
    sha256: str
    bytes: int

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "name": self.name, "sha256": self.sha256, "bytes": self.bytes}


@dataclass
class _Writer:
    root: Path
    key: bytes | None
    entries: list[_Entry] = field(default_factory=list)

    def add(self, section: str, name: str, chunks: Iterable[bytes]) -> _Entry:
        path = f"{section}/{name}" + (".enc" if self.key else "")
        _check_relative(path)
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        digest, size = hashlib.sha256(), 0
        stream = encrypt_stream(self.key, chunks) if self.key else chunks
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            for block in stream:
                out.write(block)
                digest.update(block)
                size += len(block)
        entry = _Entry(path=path, name=name, sha256=digest.hexdigest(), bytes=size)
        self.entries.append(entry)
        return entry


def _check_relative(path: str) -> None:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or "\\" in path or not path:
        raise BackupError(f"unsafe path in the archive: {path!r}")


# --- database --------------------------------------------------------------------------------


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in {"postgresql", "sqlite"}:
        raise BackupError(f"backup supports PostgreSQL and SQLite, not {vendor}")
    return vendor


def _pg_env() -> dict[str, str]:
    conf = connection.settings_dict
    env = dict(os.environ)
    pairs = {
        "PGHOST": conf.get("HOST") or "",
        "PGPORT": str(conf.get("PORT") or ""),
        "PGUSER": conf.get("USER") or "",
        "PGPASSWORD": conf.get("PASSWORD") or "",
        "PGDATABASE": conf["NAME"],
        "PGSSLMODE": (conf.get("OPTIONS") or {}).get("sslmode", ""),
    }
    env.update({k: v for k, v in pairs.items() if v})
    return env


def pg_binary(name: str) -> str:
    """``pg_dump`` / ``pg_restore`` of the server's major version (or newer on PATH)."""
    connection.ensure_connection()
    major = int(connection.pg_version) // 10000  # type: ignore[attr-defined]
    candidate = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found:
        out = subprocess.run(  # noqa: S603 (a binary found on PATH, fixed argument)
            [found, "--version"], capture_output=True, text=True, check=False
        )
        match = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
        if match and int(match.group(1)) >= major:
            return found
    raise BackupError(
        f"no {name} for PostgreSQL {major}: install postgresql-client-{major} "
        f"(Debian) so that /usr/lib/postgresql/{major}/bin/{name} exists"
    )


def _dump_postgres(writer: _Writer) -> _Entry:
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(  # noqa: S603 (fixed arguments, no shell)
            [pg_binary("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"],
            stdout=subprocess.PIPE,
            stderr=errors,
            env=_pg_env(),
        )
        assert proc.stdout is not None
        try:
            entry = writer.add("database", "database.pgdump", _read_chunks(proc.stdout))
        finally:
            proc.stdout.close()
            code = proc.wait()
        if code != 0:
            errors.seek(0)
            raise BackupError(
                f"pg_dump failed ({code}): {errors.read()[-2000:].decode(errors='replace')}"
            )
    return entry


def _dump_sqlite(writer: _Writer) -> _Entry:
    name = connection.settings_dict["NAME"]
    fd, tmp_name = tempfile.mkstemp(prefix=".db-", dir=writer.root)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        source = sqlite3.connect(f"file:{name}?mode=ro", uri=True)
        target = sqlite3.connect(tmp)
        try:
            source.backup(target)  # a consistent copy, also while others write (WAL)
        finally:
            target.close()
            source.close()
        with tmp.open("rb") as fh:
            return writer.add("database", "database.sqlite3", _read_chunks(fh))
    finally:
        tmp.unlink(missing_ok=True)


def _migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


# --- files -----------------------------------------------------------------------------------


def storage_names() -> Iterator[str]:
    """Every object in the file storage (local folder or S3 bucket), sorted."""

    def walk(prefix: str) -> Iterator[str]:
        dirs, files = default_storage.listdir(prefix)
        for name in sorted(files):
            yield f"{prefix}{name}"
        for sub in sorted(dirs):
            yield from walk(f"{prefix}{sub}/")

    try:
        yield from walk("")
    except FileNotFoundError:  # a local storage whose folder is not created yet
        return


def _folder_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".tmp"))


# --- backup ------------------------------------------------------------------------------------


@dataclass
class BackupSummary:
    out: Path
    engine: str
    files: int
    ca_files: int
    cfmmc_files: int
    bytes: int
    encrypted: bool


def backup_create(*, out: Path) -> BackupSummary:
    key = backup_key()
    if key is None and settings.PRODUCTION:
        raise BackupError(
            "production backups must be encrypted: set IDRENEW_BACKUP_KEY (or "
            "IDRENEW_BACKUP_KEY_FILE) to a long random secret kept apart from the archive"
        )
    engine = _engine()
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} is not empty: give a new folder for each backup")
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(out, 0o700)
    writer = _Writer(root=out, key=key)

    # The database first: every file a dumped row names was stored before the row existed.
    migrations = _migrations()
    (_dump_postgres if engine == "postgresql" else _dump_sqlite)(writer)
    files = 0
    for name in storage_names():
        _check_relative(name)
        with default_storage.open(name, "rb") as fh:
            writer.add("files", name, _read_chunks(fh))
        files += 1
    ca_dir = Path(settings.IDRENEW_SIGNING_DIR)
    ca_files = _folder_files(ca_dir)
    for path in ca_files:
        with path.open("rb") as fh:
            writer.add("ca", path.relative_to(ca_dir).as_posix(), _read_chunks(fh))
    cfmmc_dir = Path(settings.IDRENEW_CFMMC_DIR)
    cfmmc_files = _folder_files(cfmmc_dir)
    for path in cfmmc_files:
        with path.open("rb") as fh:
            writer.add("cfmmc", path.relative_to(cfmmc_dir).as_posix(), _read_chunks(fh))

    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "database": {"engine": engine, "migrations": migrations},
        "storage": default_storage.__class__.__name__,
        "encrypted": key is not None,
        "keys": {
            "encryption": [fingerprint(k) for k in settings.ENCRYPTION_KEYS],
            "lookup_hash": fingerprint(settings.LOOKUP_HASH_KEY),
            "backup": fingerprint(key) if key else None,
        },
        "files": [e.as_json() for e in sorted(writer.entries, key=lambda e: e.path)],
    }
    data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    signer = key if key is not None else settings.ENCRYPTION_KEYS[0].encode("utf-8")
    _write_new(out / MANIFEST, data)
    _write_new(out / MANIFEST_MAC, (_manifest_mac(signer, data) + "\n").encode("ascii"))
    total = sum(e.bytes for e in writer.entries)
    logger.info(
        "backup written: %s database, %d stored files, %d CA files, %d bytes%s",
        engine,
        files,
        len(ca_files),
        total,
        ", encrypted" if key else "",
    )
    return BackupSummary(
        out=out,
        engine=engine,
        files=files,
        ca_files=len(ca_files),
        cfmmc_files=len(cfmmc_files),
        bytes=total,
        encrypted=key is not None,
    )


def _write_new(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


# --- verify ------------------------------------------------------------------------------------


def backup_verify(archive: Path, *, decrypt: bool = False) -> dict[str, Any]:
    """The manifest, once its HMAC, every payload's SHA-256 and the file list check out (and
    with ``decrypt``, every encrypted payload decrypts). Raises :class:`BackupError`."""
    try:
        data = (archive / MANIFEST).read_bytes()
        mac = (archive / MANIFEST_MAC).read_text("ascii").strip()
    except FileNotFoundError:
        raise BackupError(
            f"{archive} has no {MANIFEST} / {MANIFEST_MAC}: not a backup, or one that did not "
            "finish; use another backup"
        ) from None
    if not any(hmac.compare_digest(_manifest_mac(k, data), mac) for k in _manifest_keys()):
        which = "IDRENEW_BACKUP_KEY" if backup_key() else "IDRENEW_ENCRYPTION_KEYS"
        raise BackupError(
            f"the manifest's HMAC does not match: the archive was changed, or {which} is not "
            "the key it was made with; refusing to restore"
        )
    manifest: dict[str, Any] = json.loads(data)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    listed = {e["path"]: e for e in manifest["files"]}
    present = {
        p.relative_to(archive).as_posix()
        for p in archive.rglob("*")
        if p.is_file() and p.name not in {MANIFEST, MANIFEST_MAC}
    }
    if missing := sorted(set(listed) - present):
        raise BackupError(f"{len(missing)} file(s) of the manifest are missing, e.g. {missing[0]}")
    if extra := sorted(present - set(listed)):
        raise BackupError(f"{len(extra)} file(s) not in the manifest, e.g. {extra[0]}")
    key = backup_key()
    if manifest["encrypted"] and key is None:
        raise BackupError("the archive is encrypted: set IDRENEW_BACKUP_KEY (or _FILE)")
    for path, entry in sorted(listed.items()):
        _check_relative(path)
        _check_relative(entry["name"])
        digest, size = hashlib.sha256(), 0
        with (archive / path).open("rb") as fh:
            for chunk in _read_chunks(fh):
                digest.update(chunk)
                size += len(chunk)
        if digest.hexdigest() != entry["sha256"] or size != entry["bytes"]:
            raise BackupError(f"{path}: SHA-256 differs from the manifest (changed or damaged)")
        if decrypt and manifest["encrypted"] and key is not None:
            with (archive / path).open("rb") as fh:
                for _ in decrypt_stream(key, fh, what=path):
                    pass
    return manifest


def _payload(archive: Path, manifest: dict[str, Any], entry: dict[str, Any]) -> Iterator[bytes]:
    with (archive / entry["path"]).open("rb") as fh:
        if manifest["encrypted"]:
            key = backup_key()
            assert key is not None
            yield from decrypt_stream(key, fh, what=entry["path"])
        else:
            yield from _read_chunks(fh)


# --- restore -----------------------------------------------------------------------------------


@dataclass
class RestoreSummary:
    engine: str
    files: int
    ca_files: int
    cfmmc_files: int
    created_at: str
    unapplied_migrations: bool


def _check_keys(manifest: dict[str, Any]) -> None:
    keys = manifest["keys"]
    current = [fingerprint(k) for k in settings.ENCRYPTION_KEYS]
    if keys["encryption"][0] not in current:
        raise BackupError(
            "the archive's data is encrypted with an IDRENEW_ENCRYPTION_KEYS key this "
            "environment does not have: set the keys the backup was made with (the old key "
            "after the new one when rotating)"
        )
    if keys["lookup_hash"] != fingerprint(settings.LOOKUP_HASH_KEY):
        raise BackupError(
            "IDRENEW_LOOKUP_HASH_KEY differs from the one the backup was made with: customers "
            "could not be found by ID number or account; set the original key"
        )
    missing = [fp for fp in keys["encryption"][1:] if fp not in current]
    if missing:
        logger.warning(
            "%d older encryption key(s) of the backup are not configured: rows still "
            "encrypted with them cannot be read",
            len(missing),
        )


def _check_empty_target(manifest: dict[str, Any]) -> None:
    engine = _engine()
    if engine != manifest["database"]["engine"]:
        raise BackupError(
            f"the archive holds a {manifest['database']['engine']} database and this "
            f"environment uses {engine}: restore into the same kind of database"
        )
    tables = connection.introspection.table_names()
    if tables:
        raise BackupError(
            f"the database is not empty ({len(tables)} tables): restore needs a new, empty "
            "database (createdb; do not run migrate before restore)"
        )
    if next(storage_names(), None) is not None:
        raise BackupError("the file storage is not empty: restore needs a new folder or bucket")
    if (Path(settings.IDRENEW_SIGNING_DIR) / "authority.json.enc").exists():
        raise BackupError(
            f"{settings.IDRENEW_SIGNING_DIR} already holds a signing CA: restore needs an "
            "empty signing folder"
        )
    if _folder_files(Path(settings.IDRENEW_CFMMC_DIR)):
        raise BackupError(f"{settings.IDRENEW_CFMMC_DIR} is not empty")


def _restore_postgres(chunks: Iterable[bytes]) -> None:
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(  # noqa: S603 (fixed arguments, no shell)
            [
                pg_binary("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                "--dbname",
                connection.settings_dict["NAME"],
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=_pg_env(),
        )
        assert proc.stdin is not None
        try:
            for chunk in chunks:
                proc.stdin.write(chunk)
        except BrokenPipeError:
            pass  # pg_restore stopped: its exit code and messages say why
        finally:
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.close()
            code = proc.wait()
        if code != 0:
            errors.seek(0)
            raise BackupError(
                f"pg_restore failed ({code}): {errors.read()[-2000:].decode(errors='replace')}"
            )
    connection.close()


def _restore_sqlite(chunks: Iterable[bytes]) -> None:
    target = Path(connection.settings_dict["NAME"])
    connection.close()
    fd, tmp_name = tempfile.mkstemp(prefix=".restore-", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        check = sqlite3.connect(tmp)
        try:
            result = check.execute("PRAGMA integrity_check").fetchone()
        finally:
            check.close()
        if not result or result[0] != "ok":
            raise BackupError("the database copy in the archive fails SQLite's integrity check")
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.chmod(tmp, 0o600)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def restore_files(archive: Path, manifest: dict[str, Any], entries: list[dict[str, Any]]) -> None:
    """Put the archived objects back into the file storage (local folder or S3 bucket)
    under their own names."""
    for entry in entries:
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
            for chunk in _payload(archive, manifest, entry):
                spool.write(chunk)
            spool.seek(0)
            saved = default_storage.save(entry["name"], File(spool, name=entry["name"]))
        if saved != entry["name"]:
            raise BackupError(f"the storage renamed {entry['name']!r} to {saved!r}")


def _write_file(path: Path, chunks: Iterable[bytes], *, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as out:
        for chunk in chunks:
            out.write(chunk)
    tmp.replace(path)


def backup_restore(
    *, archive: Path, progress: Callable[[str], None] | None = None
) -> RestoreSummary:
    say = progress or (lambda _message: None)
    manifest = backup_verify(archive, decrypt=True)
    say(f"archive checked: {len(manifest['files'])} files, HMAC and SHA-256 match")
    _check_keys(manifest)
    _check_empty_target(manifest)
    by_section: dict[str, list[dict[str, Any]]] = {}
    for entry in manifest["files"]:
        by_section.setdefault(entry["path"].split("/", 1)[0], []).append(entry)

    (database,) = by_section.get("database", [])
    if manifest["database"]["engine"] == "postgresql":
        _restore_postgres(_payload(archive, manifest, database))
    else:
        _restore_sqlite(_payload(archive, manifest, database))
    say("database restored")

    files = by_section.get("files", [])
    restore_files(archive, manifest, files)
    say(f"{len(files)} stored files restored")

    ca_dir = Path(settings.IDRENEW_SIGNING_DIR)
    ca_entries = by_section.get("ca", [])
    for entry in ca_entries:
        mode = 0o644 if entry["name"].endswith((".pem", ".crl")) else 0o600
        _write_file(ca_dir / entry["name"], _payload(archive, manifest, entry), mode=mode)
    cfmmc_dir = Path(settings.IDRENEW_CFMMC_DIR)
    cfmmc_entries = by_section.get("cfmmc", [])
    for entry in cfmmc_entries:
        _write_file(cfmmc_dir / entry["name"], _payload(archive, manifest, entry), mode=0o600)

    from idrenew.signing import store

    store._cache.clear()
    problems = store.check_config() if ca_entries else []
    if problems:
        raise BackupError("restored, but the signing CA is not usable: " + "; ".join(problems))
    say(f"signing CA restored ({len(ca_entries)} files), {len(cfmmc_entries)} CFMMC files")

    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    unapplied = bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    return RestoreSummary(
        engine=manifest["database"]["engine"],
        files=len(files),
        ca_files=len(ca_entries),
        cfmmc_files=len(cfmmc_entries),
        created_at=manifest["created_at"],
        unapplied_migrations=unapplied,
    )
