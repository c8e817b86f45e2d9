"""Backups (バックアップ) of the database and the uploaded files, with a manifest that proves a restore.

A backup is a directory named by its time: the database (SQLite's online backup, or `pg_dump --format=custom`),
the uploads directory copied as it is, and manifest.json with every table's row count and checksum and every
upload's checksum. `restore` puts them back and recomputes the same figures; any difference is an error.

The checksum of a table does not depend on row order (SHA-256 over the sorted SHA-256 of each row), and it is
computed through Django's database connection, so the same code serves SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend
from django.utils import timezone

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
POSTGRESQL_FILE = "database.dump"
UPLOADS = "uploads"
# Rows Django writes into any migrated database: their presence alone does not make a database "in use".
BOOKKEEPING_TABLES = {"django_migrations", "django_content_type", "auth_permission"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is Japanese and shown as it is."""


def default_database() -> BaseDatabaseWrapper:
    return connections["default"]


def database_named(name: str) -> BaseDatabaseWrapper:
    """Another database of the default one's engine and server (a file for SQLite), on its own connection."""
    settings_dict = {**connections["default"].settings_dict, "NAME": name}
    backend = load_backend(settings_dict["ENGINE"])
    wrapper: BaseDatabaseWrapper = backend.DatabaseWrapper(settings_dict, alias=f"chizai-ops-{name}")
    return wrapper


# --- checksums -----------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _row_hash(row: tuple[Any, ...], order: list[int]) -> str:
    text = json.dumps([_plain(row[index]) for index in order], ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def table_checksums(db: BaseDatabaseWrapper) -> dict[str, dict[str, Any]]:
    """Table → {"rows": count, "sha256": order-independent checksum of its contents}."""
    result: dict[str, dict[str, Any]] = {}
    with db.cursor() as cursor:
        for table in sorted(db.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {db.ops.quote_name(table)}")  # noqa: S608 (names from introspection)
            columns = [column[0] for column in cursor.description]
            order = sorted(range(len(columns)), key=columns.__getitem__)
            hashes: list[str] = []
            while rows := cursor.fetchmany(1000):
                hashes.extend(_row_hash(row, order) for row in rows)
            digest = hashlib.sha256("\n".join(sorted(hashes)).encode()).hexdigest()
            result[table] = {"rows": len(hashes), "sha256": digest}
    return result


def file_checksums(directory: Path) -> dict[str, str]:
    """Relative path → SHA-256 of every file under the directory (empty when it does not exist)."""
    if not directory.is_dir():
        return {}
    return {
        path.relative_to(directory).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def has_data(db: BaseDatabaseWrapper) -> bool:
    """Whether the database holds anything beyond what `migrate` writes by itself."""
    with db.cursor() as cursor:
        for table in db.introspection.table_names(cursor):
            if table not in BOOKKEEPING_TABLES:
                cursor.execute(f"SELECT 1 FROM {db.ops.quote_name(table)} LIMIT 1")  # noqa: S608
                if cursor.fetchone() is not None:
                    return True
    return False


def differences(manifest: dict[str, Any], db: BaseDatabaseWrapper, media_root: Path | None) -> list[str]:
    """What the restored database and uploads lack or hold differently from the manifest, in Japanese."""
    found: list[str] = []
    expected, actual = manifest["tables"], table_checksums(db)
    for table in sorted(set(expected) | set(actual)):
        if table not in actual:
            found.append(f"表 {table} がありません。")
        elif table not in expected:
            found.append(f"表 {table} はバックアップにありません。")
        elif actual[table]["rows"] != expected[table]["rows"]:
            found.append(f"表 {table}: {actual[table]['rows']} 件（バックアップでは {expected[table]['rows']} 件）。")
        elif actual[table]["sha256"] != expected[table]["sha256"]:
            found.append(f"表 {table}: 件数は同じですが内容がバックアップと一致しません。")
    if media_root is None:  # the caller restored the database only
        return found
    files = file_checksums(media_root)
    for name, digest in sorted(manifest.get("uploads", {}).items()):
        if files.get(name) != digest:
            found.append(f"アップロードファイル {name} がバックアップと一致しません（または見つかりません）。")
    return found


# --- SQLite --------------------------------------------------------------------------------------------------


def _sqlite_path(db: BaseDatabaseWrapper) -> str:
    return str(db.settings_dict["NAME"])


def _sqlite_connect(name: str) -> sqlite3.Connection:
    return sqlite3.connect(name, uri=name.startswith("file:"))


def _sqlite_backup(db: BaseDatabaseWrapper, target: Path) -> dict[str, dict[str, Any]]:
    db.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        db.connection.backup(copy)  # SQLite's online backup: a consistent copy while others keep working
    finally:
        copy.close()
    snapshot = database_named(str(target))
    try:
        return table_checksums(snapshot)
    finally:
        snapshot.close()


def _sqlite_restore(db: BaseDatabaseWrapper, source: Path) -> None:
    db.close()
    origin, target = sqlite3.connect(source), _sqlite_connect(_sqlite_path(db))
    try:
        origin.backup(target)
    finally:
        origin.close()
        target.close()


# --- PostgreSQL ----------------------------------------------------------------------------------------------


def _pg_environment(db: BaseDatabaseWrapper) -> dict[str, str]:
    """libpq's variables for the connection: the password travels in PGPASSWORD, never on a command line."""
    environment = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.settings_dict.get(key):
            environment[variable] = str(db.settings_dict[key])
    return environment


def _run(command: list[str], db: BaseDatabaseWrapper) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(
            f"{command[0]} が見つかりません。PostgreSQL のクライアント（postgresql-client）を入れてください。"
        )
    result = subprocess.run(command, env=_pg_environment(db), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} が失敗しました: {result.stderr.strip()}")


def _pg_backup(db: BaseDatabaseWrapper, target: Path) -> dict[str, dict[str, Any]]:
    """pg_dump reads the very snapshot the checksums are computed in, so the manifest matches the dump."""
    db.ensure_connection()
    with db.cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            tables = table_checksums(db)
            name = str(db.settings_dict["NAME"])
            _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target}", name], db)
        finally:
            cursor.execute("COMMIT")
    return tables


def _pg_restore(db: BaseDatabaseWrapper, source: Path) -> None:
    db.close()
    name = str(db.settings_dict["NAME"])
    command = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--exit-on-error", "--single-transaction"]
    _run([*command, f"--dbname={name}", str(source)], db)


# --- the two operations --------------------------------------------------------------------------------------


def create_backup(*, db: BaseDatabaseWrapper, directory: Path, media_root: Path | None) -> Path:
    """Back up the database and the uploads into a new directory under `directory`; returns it."""
    target = directory / timezone.localtime().strftime("chizai-%Y%m%d-%H%M%S")
    target.mkdir(parents=True, exist_ok=False)
    if db.vendor == "sqlite":
        database_file, tables = SQLITE_FILE, _sqlite_backup(db, target / SQLITE_FILE)
    elif db.vendor == "postgresql":
        database_file, tables = POSTGRESQL_FILE, _pg_backup(db, target / POSTGRESQL_FILE)
    else:
        raise BackupError(f"{db.vendor} のバックアップには対応していません（SQLite と PostgreSQL のみ）。")
    if media_root is not None and media_root.is_dir():
        shutil.copytree(media_root, target / UPLOADS)
    manifest = {
        "format": 1,
        "created_at": timezone.now().isoformat(),
        "vendor": db.vendor,
        "database_file": database_file,
        "tables": tables,
        "uploads": file_checksums(target / UPLOADS),
    }
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return target


def read_manifest(source: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupError(f"{source} にはバックアップの目録（{MANIFEST}）がありません。") from None
    return manifest


def restore_backup(*, db: BaseDatabaseWrapper, source: Path, media_root: Path | None, force: bool) -> list[str]:
    """Restore a backup into the database and the uploads directory; returns the differences found afterwards."""
    manifest = read_manifest(source)
    if manifest["vendor"] != db.vendor:
        raise BackupError(f"このバックアップは {manifest['vendor']} のものです。{db.vendor} には復元できません。")
    if not force and has_data(db):
        raise BackupError(
            "復元先のデータベースにはすでにデータがあります。上書きしてよい場合は --force を付けてください。"
        )
    if db.vendor == "sqlite":
        _sqlite_restore(db, source / manifest["database_file"])
    else:
        _pg_restore(db, source / manifest["database_file"])
    if media_root is not None and (source / UPLOADS).is_dir():
        shutil.copytree(source / UPLOADS, media_root, dirs_exist_ok=True)
    return differences(manifest, db, media_root)
