"""`insert_rows`: many new rows in a few multi-row INSERT … RETURNING statements, for the bulk writers.

Django's `bulk_create` compiles every value of every row through the query compiler, which costs about ten
times the database's own work for the tens of thousands of rows an import writes (actuals and their audit
entries) — time spent inside the write transaction, holding up everyone else's saves. This writes the same
rows with the same adapted values (`Field.get_db_prep_save` for the field types that need it), and sets each
object's primary key from RETURNING, as `bulk_create` does on SQLite ≥ 3.35 and PostgreSQL. No signals are sent
(bulk_create sends none either). Here, below every app that writes in bulk: the audit log and the KPI writers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, models, router

# Field types whose Python value the driver takes as it is on both databases.
PLAIN_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}
POSTGRESQL_PARAMETERS = 65535


def insert_rows[M: models.Model](model: type[M], objs: Sequence[M]) -> Sequence[M]:
    """Insert new `objs` of `model` (primary key unset) and set their primary keys; returns them."""
    if not objs:
        return objs
    connection = connections[router.db_for_write(model)]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    prepared = [(f, f.is_relation, f.get_internal_type() not in PLAIN_TYPES) for f in fields]
    limit = connection.features.max_query_params or POSTGRESQL_PARAMETERS
    batch_size = max(1, min(2000, limit // len(fields)))
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "
    primary_key = model._meta.pk
    assert primary_key is not None
    tail = f" RETURNING {quote(str(primary_key.column))}"
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            batch = objs[start : start + batch_size]
            params: list[Any] = []
            for obj in batch:
                for field in stamped:
                    field.pre_save(obj, True)
                params.extend(_value(obj, field, relation, adapt, connection) for field, relation, adapt in prepared)
            cursor.execute(head + ", ".join([placeholder] * len(batch)) + tail, params)
            for obj, (pk,) in zip(batch, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = connection.alias
    return objs


def _value(obj: models.Model, field: models.Field[Any, Any], relation: bool, adapt: bool, connection: Any) -> Any:
    value = getattr(obj, field.attname)
    if relation and value is None:
        # A related object saved after it was assigned (a KPI the same import created): take its key now.
        related = field.get_cached_value(obj, None)  # type: ignore[attr-defined]
        if related is not None and related.pk is not None:
            value = related.pk
            setattr(obj, field.attname, value)
    return field.get_db_prep_save(value, connection) if adapt else value
