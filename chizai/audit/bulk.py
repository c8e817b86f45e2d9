"""Raw multi-row INSERT … RETURNING for the bulk writers: `insert_rows`, and `Inserter` for rows prepared ahead.

Django's `bulk_create` compiles every value of every row through the query compiler, which costs about ten
times the database's own work for the tens of thousands of rows an import writes (actuals and their audit
entries) — time spent inside the write transaction, holding up everyone else's saves. This writes the same
rows with the same adapted values (`Field.get_db_prep_save` for the field types that need it), and sets each
object's primary key from RETURNING, as `bulk_create` does on SQLite ≥ 3.35 and PostgreSQL. No signals are sent
(bulk_create sends none either). Here, below every app that writes in bulk: the audit log and the KPI writers.

On PostgreSQL `Inserter.run` draws the ids from the sequence and sends the rows with COPY instead (see `_copy`).

`Inserter.values` adapts one object's values to a plain list, so a writer can do that work before its
transaction and only fill in what is known inside it (an id, a time, a hash) before `Inserter.run`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import connections, models, router
from django.db.backends.base.operations import BaseDatabaseOperations

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
# Field types whose None is None to the database, so that only a value needs adapting.
NONE_TYPES = {"DateField", "DateTimeField", "DecimalField", "JSONField"}
Adapter = Callable[[Any], Any]
JsonTexts = Mapping[str, Callable[[Any], str | None]]
POSTGRESQL_PARAMETERS = 65535
COPY_ROWS = 500
"""From this many rows on, PostgreSQL gets them with COPY (two statements, whatever the count); fewer, one INSERT."""


class Inserter[M: models.Model]:
    """The INSERT statements of one model: every concrete field but the primary key, in `fields` order."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        self.connection = connections[router.db_for_write(model)]
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.stamped = [f for f in self.fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
        self.relations = [f.is_relation for f in self.fields]
        self.adapters = [_adapter(f, self.connection) for f in self.fields]
        self.attnames = frozenset(f.attname for f in self.fields)
        self.defaults = {f.attname: _default(f) for f in self.fields}
        self.with_json: dict[tuple[Any, ...], list[Adapter | None]] = {}
        limit = self.connection.features.max_query_params or POSTGRESQL_PARAMETERS
        self.batch_size = max(1, min(2000, limit // len(self.fields)))
        quote = self.connection.ops.quote_name
        columns = ", ".join(quote(str(f.column)) for f in self.fields)
        self.placeholder = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
        self.head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "
        primary_key = model._meta.pk
        assert primary_key is not None
        self.tail = f" RETURNING {quote(str(primary_key.column))}"

    def index(self, name: str) -> int:
        """The position of field `name` in a row of `values`."""
        return next(i for i, f in enumerate(self.fields) if f.name == name)

    def adapt(self, name: str, value: Any) -> Any:
        """`value` as the database takes it for field `name` (for a value filled in after `values`)."""
        field = self.fields[self.index(name)]
        return field.get_db_prep_save(value, self.connection)

    def values(self, obj: M) -> list[Any]:
        """The row of `obj` (primary key unset) as inserted; auto_now fields are stamped now."""
        for field in self.stamped:
            field.pre_save(obj, True)
        return [
            _value(obj, field, relation, adapter)
            for field, relation, adapter in zip(self.fields, self.relations, self.adapters, strict=True)
        ]

    def row(self, values: Mapping[str, Any], *, json: JsonTexts | None = None) -> list[Any]:
        """A row from plain values by field attname (`kpi_id`, not `kpi`), adapted where needed; no model instance.

        `json` may give, for a JSON field, a function that writes its value as the JSON text the field would store
        (returning None when it cannot: the field then encodes the value itself)."""
        adapters = self.adapters if json is None else self._json_adapters(json)
        return [
            values[field.attname] if adapter is None else adapter(values[field.attname])
            for field, adapter in zip(self.fields, adapters, strict=True)
        ]

    def _json_adapters(self, json: JsonTexts) -> list[Adapter | None]:
        key = tuple(json.items())
        if key not in self.with_json:
            adapters = list(self.adapters)
            for name, render in json.items():
                index = self.index(name)
                stored, usual = _json_text(self.fields[index], self.connection), adapters[index]
                if stored is not None and usual is not None:
                    adapters[index] = _rendered(render, stored, usual)
            self.with_json[key] = adapters
        return self.with_json[key]

    def new_row(self, values: Mapping[str, Any]) -> list[Any]:
        """As `row`, with each field's default for an attname not in `values` (what `Model(**values)` would hold;
        an auto_now field is left None for the caller to stamp)."""
        missing = self.attnames.difference(values)
        if missing:
            values = {**values, **{name: self.defaults[name]() for name in missing}}
        return self.row(values)

    def run(self, rows: Sequence[Sequence[Any]]) -> list[Any]:
        """Insert the rows (from `values`) in multi-row statements; returns their primary keys in order."""
        if self.connection.vendor == "postgresql" and len(rows) >= COPY_ROWS:
            return self._copy(rows)
        keys: list[Any] = []
        with self.connection.cursor() as cursor:
            for start in range(0, len(rows), self.batch_size):
                batch = rows[start : start + self.batch_size]
                params = [value for row in batch for value in row]
                cursor.execute(self.head + ", ".join([self.placeholder] * len(batch)) + self.tail, params)
                keys.extend(pk for (pk,) in cursor.fetchall())
        if len(keys) != len(rows):
            raise AssertionError("RETURNING gave fewer ids than rows inserted")
        return keys

    def _copy(self, rows: Sequence[Sequence[Any]]) -> list[Any]:
        """PostgreSQL: ids drawn from the table's sequence in one query, then one COPY with them.

        psycopg binds a multi-row INSERT's thousands of parameters by parsing the statement in Python each time
        (most of the write's time); COPY sends the rows as they are. The ids are drawn first, in ascending order,
        because the caller needs them (an audit entry names its row; the chain runs in id order).
        """
        quote = self.connection.ops.quote_name
        table, primary_key = self.model._meta.db_table, self.model._meta.pk
        assert primary_key is not None
        columns = ", ".join(quote(str(c)) for c in [primary_key.column, *(f.column for f in self.fields)])
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [quote(table), primary_key.column, len(rows)],
            )
            keys = sorted(pk for (pk,) in cursor.fetchall())
            # The driver's own cursor (Django's has no COPY); its errors as Django's, e.g. IntegrityError.
            with (
                self.connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy,
            ):
                for pk, row in zip(keys, rows, strict=True):
                    copy.write_row((pk, *row))
        return keys


def insert_rows[M: models.Model](model: type[M], objs: Sequence[M]) -> Sequence[M]:
    """Insert new `objs` of `model` (primary key unset) and set their primary keys; returns them."""
    if not objs:
        return objs
    inserter = Inserter(model)
    keys = inserter.run([inserter.values(obj) for obj in objs])
    mark_inserted(objs, keys, inserter.connection.alias)
    return objs


def mark_inserted[M: models.Model](objs: Sequence[M], keys: Sequence[Any], alias: str) -> None:
    """Give inserted objects their primary keys, as `save()` would."""
    for obj, pk in zip(objs, keys, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = alias


def _value(obj: models.Model, field: models.Field[Any, Any], relation: bool, adapter: Adapter | None) -> Any:
    value = getattr(obj, field.attname)
    if relation and value is None:
        # A related object saved after it was assigned (a KPI the same import created): take its key now.
        related = field.get_cached_value(obj, None)  # type: ignore[attr-defined]
        if related is not None and related.pk is not None:
            value = related.pk
            setattr(obj, field.attname, value)
    return value if adapter is None else adapter(value)


def _adapter(field: models.Field[Any, Any], connection: Any) -> Adapter | None:
    """`field.get_db_prep_save` for this connection, or None where the driver takes the value as it is.

    It is called for every value of every row an import writes: a Decimal goes straight to the backend's
    `adapt_decimalfield_value` (what `DecimalField.get_db_prep_value` ends in), and a None of a type that stores
    None as NULL is passed as it is, instead of through Django's chain of calls."""
    kind = field.get_internal_type()
    if kind in PLAIN_TYPES:
        return None
    prep = field.get_db_prep_save
    if kind == "DecimalField":
        adapt_decimal, digits, places = connection.ops.adapt_decimalfield_value, field.max_digits, field.decimal_places  # type: ignore[attr-defined]

        def decimal(value: Any) -> Any:
            if value is None:
                return None
            if type(value) is Decimal:
                return adapt_decimal(value, digits, places)
            return prep(value, connection)

        return decimal
    if kind in NONE_TYPES:
        return lambda value: None if value is None else prep(value, connection)
    return lambda value: prep(value, connection)


def _rendered(render: Callable[[Any], str | None], stored: Adapter, usual: Adapter) -> Adapter:
    def adapt(value: Any) -> Any:
        text = None if value is None else render(value)
        return usual(value) if text is None else stored(text)

    return adapt


def _json_text(field: models.Field[Any, Any], connection: Any) -> Adapter | None:
    if getattr(field, "encoder", None) is not None:
        return None
    if type(connection.ops).adapt_json_value is BaseDatabaseOperations.adapt_json_value:
        return _as_is  # json.dumps(value): the text itself
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        return lambda text: Jsonb(text, dumps=_as_is)  # what Django sends, with the text already written
    return None


def _as_is(text: Any) -> Any:
    return text


def _default(field: models.Field[Any, Any]) -> Callable[[], Any]:
    """The field's default as `Model()` gives it (a callable default is called for each row)."""
    if field.has_default() and callable(field.default):
        return field.get_default
    value = field.get_default()
    return lambda: value
