"""The database itself refuses to change a recorded audit entry (its own migration: on PostgreSQL a trigger is
created in a transaction apart from the backfill's row updates)."""

from django.db import migrations

# Every column but `actor_id`, which Django clears when a user is deleted (the name stays in actor_label).
GUARDED = (
    "id, at, actor_label, action, kind, object_type, object_id, object_repr, kpi_id, plan_id, changes, reason, "
    "request_id, previous_hash, entry_hash"
)
MESSAGE = "変更履歴は追記のみです。記録済みの項目は変更も削除もできません。"


def refuse_changes_in_the_database(apps, schema_editor):
    """PostgreSQL refuses UPDATE and DELETE of a recorded entry (TRUNCATE, as the test flush uses, still works).

    SQLite refuses UPDATE only: Django's flush empties tables with DELETE, which a DELETE trigger would block;
    a removed entry is still found by `chizai verify_audit`.
    """
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql"
        )
        schema_editor.execute(
            f"CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OF {GUARDED} OR DELETE ON audit_auditentry "
            "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OF {GUARDED} ON audit_auditentry "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )


def allow_changes_again(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry")
        schema_editor.execute("DROP FUNCTION IF EXISTS audit_entry_append_only()")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_entry_append_only")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_chain_entries_and_record_access")]

    operations = [migrations.RunPython(refuse_changes_in_the_database, allow_changes_again)]
