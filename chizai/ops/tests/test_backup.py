"""`chizai backup` and `chizai restore`: a round trip gives back every table's rows and every upload, proven by
the manifest's per-table counts and checksums; a restore never overwrites data by accident."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

from chizai.ops import backup

pytestmark = pytest.mark.django_db


def _sqlite_copy_of_the_test_database(path: Path) -> BaseDatabaseWrapper:
    """A SQLite file holding the test database (the shared cast, the organisations, the migrations)."""
    connection.ensure_connection()
    # serialize(), not backup(): the test holds a write transaction that an online backup would wait for.
    path.write_bytes(connection.connection.serialize())
    return backup.database_named(str(path))


@pytest.fixture
def sqlite_world(tmp_path: Path) -> Iterator[dict[str, Any]]:
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite round trip runs on the SQLite pass; PostgreSQL has its own test below")
    source = _sqlite_copy_of_the_test_database(tmp_path / "source.sqlite3")
    with source.cursor() as cursor:
        cursor.execute("UPDATE organizations_organization SET name = name || '（写し）' WHERE code = 'pref-13'")
    media = tmp_path / "media"
    (media / "imports" / "2026" / "12").mkdir(parents=True)
    (media / "imports" / "2026" / "12" / "実績.csv").write_bytes("年度,件数\n2024,12\n".encode("cp932"))
    target = backup.database_named(str(tmp_path / "target.sqlite3"))
    yield {"source": source, "target": target, "media": media, "tmp": tmp_path}
    source.close()
    target.close()


def test_it_restores_every_table_and_upload_of_a_sqlite_backup(sqlite_world: dict[str, Any]) -> None:
    w = sqlite_world
    made = backup.create_backup(db=w["source"], directory=w["tmp"] / "backups", media_root=w["media"])
    manifest = json.loads((made / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tables"]["auth_user"]["rows"] > 0
    assert "imports/2026/12/実績.csv" in manifest["uploads"]

    restored_media = w["tmp"] / "restored-media"
    found = backup.restore_backup(db=w["target"], source=made, media_root=restored_media, force=False)

    assert found == []
    assert backup.table_checksums(w["target"]) == backup.table_checksums(w["source"]) == manifest["tables"]
    assert (restored_media / "imports/2026/12/実績.csv").read_bytes() == "年度,件数\n2024,12\n".encode("cp932")


def test_it_notices_a_table_that_differs_from_the_manifest(sqlite_world: dict[str, Any]) -> None:
    w = sqlite_world
    made = backup.create_backup(db=w["source"], directory=w["tmp"] / "backups", media_root=w["media"])
    backup.restore_backup(db=w["target"], source=made, media_root=w["tmp"] / "m", force=False)
    with w["target"].cursor() as cursor:
        cursor.execute("UPDATE organizations_organization SET name = '改ざん' WHERE code = 'pref-27'")
        cursor.execute("DELETE FROM django_session")
        cursor.execute("DELETE FROM auth_user_groups")

    found = backup.differences(backup.read_manifest(made), w["target"], w["tmp"] / "m")

    assert any("organizations_organization" in line and "内容" in line for line in found)


def test_it_refuses_to_overwrite_a_database_with_data_unless_forced(sqlite_world: dict[str, Any]) -> None:
    w = sqlite_world
    made = backup.create_backup(db=w["source"], directory=w["tmp"] / "backups", media_root=w["media"])
    with pytest.raises(backup.BackupError, match="--force"):
        backup.restore_backup(db=w["source"], source=made, media_root=None, force=False)

    assert backup.restore_backup(db=w["source"], source=made, media_root=None, force=True) == []


def test_the_commands_round_trip_and_fail_in_japanese_on_a_difference(
    sqlite_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch, settings: Any, capsys: Any
) -> None:
    w = sqlite_world
    settings.MEDIA_ROOT = w["media"]
    monkeypatch.setattr(backup, "default_database", lambda: w["source"])
    call_command("backup", output_dir=str(w["tmp"] / "backups"))
    made = next((w["tmp"] / "backups").iterdir())
    assert "バックアップを作成しました" in capsys.readouterr().out

    with pytest.raises(CommandError, match="--force"):
        call_command("restore", str(made))

    monkeypatch.setattr(backup, "default_database", lambda: w["target"])
    settings.MEDIA_ROOT = w["tmp"] / "restored-media"
    call_command("restore", str(made))
    assert "一致しています" in capsys.readouterr().out

    manifest = json.loads((made / "manifest.json").read_text(encoding="utf-8"))
    manifest["tables"]["auth_user"]["rows"] += 1
    (made / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(CommandError, match="auth_user"):
        call_command("restore", str(made), force=True)


def test_it_says_in_japanese_when_a_directory_is_no_backup(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="目録"):
        call_command("restore", str(tmp_path))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_round_trips_postgresql_through_pg_dump_and_pg_restore(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("DATABASE_URL is not PostgreSQL (CI's second pass runs this)")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump/pg_restore are not installed (postgresql-client)")
    source = backup.database_named(str(connection.settings_dict["NAME"]))
    maintenance = backup.database_named("postgres")
    scratch = f"{connection.settings_dict['NAME']}_restore"
    with maintenance.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        cursor.execute(f'CREATE DATABASE "{scratch}"')
    target = backup.database_named(scratch)
    try:
        made = backup.create_backup(db=source, directory=tmp_path / "backups", media_root=None)
        assert (made / "database.dump").stat().st_size > 0
        assert backup.restore_backup(db=target, source=made, media_root=None, force=False) == []
        assert backup.table_checksums(target) == backup.read_manifest(made)["tables"]
    finally:
        for db in (source, target):
            db.close()
        with maintenance.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        maintenance.close()
