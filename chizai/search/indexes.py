"""The database indexes behind the search box, one definition for both databases.

PostgreSQL: the pg_trgm extension and GIN trigram indexes on UPPER(column), the expression Django's
`icontains` compares, so a partial match in Japanese (or any script) uses the index.
SQLite: one external-content FTS5 table per searched table with the trigram tokenizer, kept current by
triggers (so every writer, including the admin and bulk imports, keeps it in step without knowing of it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper


@dataclass(frozen=True)
class Indexed:
    """A searched table and its text columns."""

    table: str
    columns: tuple[str, ...]

    @property
    def fts(self) -> str:
        return f"search_{self.table}_fts"


INDEXED = (
    Indexed("cases_company", ("name", "corporate_number")),
    Indexed("kpis_kpi", ("name",)),
    Indexed("organizations_organization", ("name", "short_name")),
)


def postgresql_statements() -> list[str]:
    statements = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"]
    for item in INDEXED:
        for column in item.columns:
            statements.append(
                f"CREATE INDEX IF NOT EXISTS search_{item.table}_{column}_trgm "
                f'ON "{item.table}" USING gin (UPPER("{column}"::text) gin_trgm_ops)'
            )
    return statements


def sqlite_statements(item: Indexed) -> list[str]:
    columns = ", ".join(item.columns)
    new = ", ".join(f"new.{c}" for c in item.columns)
    old = ", ".join(f"old.{c}" for c in item.columns)
    delete = f"INSERT INTO {item.fts}({item.fts}, rowid, {columns}) VALUES('delete', old.id, {old});"
    insert = f"INSERT INTO {item.fts}(rowid, {columns}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {item.fts} USING fts5({columns}, "
        f"content='{item.table}', content_rowid='id', tokenize='trigram')",
        f"CREATE TRIGGER IF NOT EXISTS {item.fts}_ai AFTER INSERT ON {item.table} BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {item.fts}_ad AFTER DELETE ON {item.table} BEGIN {delete} END",
        f"CREATE TRIGGER IF NOT EXISTS {item.fts}_au AFTER UPDATE ON {item.table} BEGIN {delete} {insert} END",
    ]


def _sqlite_triggers_missing(connection: BaseDatabaseWrapper) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search_%_fts_a_'")
        (count,) = cursor.fetchone()
    return bool(count != 3 * len(INDEXED))


def create(connection: BaseDatabaseWrapper) -> None:
    """Create the indexes (idempotent); on SQLite also fill the FTS tables from the rows already there."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for statement in postgresql_statements():
                cursor.execute(statement)
        elif connection.vendor == "sqlite":
            for item in INDEXED:
                for statement in sqlite_statements(item):
                    cursor.execute(statement)
                cursor.execute(f"INSERT INTO {item.fts}({item.fts}) VALUES('rebuild')")


def drop(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for item in INDEXED:
            if connection.vendor == "postgresql":
                for column in item.columns:
                    cursor.execute(f"DROP INDEX IF EXISTS search_{item.table}_{column}_trgm")
            elif connection.vendor == "sqlite":
                for suffix in ("ai", "ad", "au"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {item.fts}_{suffix}")
                cursor.execute(f"DROP TABLE IF EXISTS {item.fts}")


def ensure_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """After `migrate`: re-create SQLite triggers that a table rebuild dropped (and refill the index)."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    if sender.label != "search":
        return
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    if not MigrationRecorder(connection).migration_qs.filter(app="search", name="0001_trigram_indexes").exists():
        return
    if _sqlite_triggers_missing(connection):
        create(connection)
