"""Trigram indexes for the search box: pg_trgm GIN indexes on PostgreSQL, FTS5 trigram tables on SQLite."""

from typing import Any

from django.db import migrations


def forwards(apps: Any, schema_editor: Any) -> None:
    from chizai.search import indexes

    indexes.create(schema_editor.connection)


def backwards(apps: Any, schema_editor: Any) -> None:
    from chizai.search import indexes

    indexes.drop(schema_editor.connection)


class Migration(migrations.Migration):
    # CREATE INDEX / CREATE EXTENSION and FTS5 virtual tables do not need to share the migration's transaction.
    atomic = False

    dependencies = [
        ("cases", "0002_company_per_body_bounded_texts_displayable_dates"),
        ("kpis", "0004_kpi_counting_rule"),
        ("organizations", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
