"""Bulk inserts of thousands of rows, which the ORM makes slowly.

`bulk_create` prepares every value of every row through its field (about 4 µs each here) and
sends them as arrays; for a 5,000-shot matrix that was most of the time it took to queue. On
PostgreSQL, `bulk_insert` streams the rows with COPY instead, converting only the fields that
need it; elsewhere (the embedded SQLite) it is `bulk_create`.
"""

from collections.abc import Callable, Sequence
from functools import cache
from operator import attrgetter
from typing import Any, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)

# The largest value an integer column holds. Inputs are checked against these, so that a number
# out of range is refused with a clear error: PostgreSQL answers it with an error, and SQLite
# cannot even take it as a parameter.
ID_MAX = 2**63 - 1  # bigint: every primary key (BigAutoField)
INT_MAX = 2**31 - 1  # integer: PositiveIntegerField

# Values of these fields go to the database as they are (psycopg adapts them, enum choices
# included); any other field's value goes through the field, as bulk_create would do.
AS_IS = {
    "AutoField", "BigAutoField", "SmallAutoField", "BigIntegerField", "BooleanField",
    "CharField", "DateField", "DateTimeField", "FloatField", "ForeignKey", "IntegerField",
    "OneToOneField", "PositiveBigIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
    "SlugField", "SmallIntegerField", "TextField", "UUIDField",
}  # fmt: skip


@cache
def _columns(model: type[models.Model]) -> tuple[str, Callable[[Any], list[Any]]]:
    """The column list of ``model`` for COPY, and a function that gives an object's row."""
    fields = [field for field in model._meta.concrete_fields if field.column]
    take = attrgetter(*(field.attname for field in fields))
    prepared = [
        (n, field)
        for n, field in enumerate(fields)
        if field.get_internal_type() not in AS_IS  # e.g. JSON, files
        or getattr(field, "auto_now", False)
        or getattr(field, "auto_now_add", False)
    ]

    def row(obj: Any) -> list[Any]:
        values = list(take(obj))
        for n, field in prepared:
            values[n] = field.get_db_prep_save(field.pre_save(obj, True), connection)
        return values

    return ", ".join(connection.ops.quote_name(str(field.column)) for field in fields), row


def bulk_insert(objs: Sequence[M]) -> Sequence[M]:
    """Insert new ``objs`` (all of one model) in one COPY, after one query for auto ids if the
    model has them, and give them their ids as bulk_create does. No signals are sent and no
    save() runs, as with bulk_create. A constraint violation raises IntegrityError and inserts
    nothing."""
    if not objs:
        return objs
    model = type(objs[0])
    if connection.vendor != "postgresql":
        return model._default_manager.bulk_create(objs)
    pk = model._meta.pk
    if pk is not None and pk.get_internal_type().endswith("AutoField"):
        missing = [obj for obj in objs if obj.pk is None]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, pk.column, len(missing)],
            )
            for obj, (new_id,) in zip(missing, cursor.fetchall(), strict=True):
                obj.pk = new_id
    columns, row = _columns(model)
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    # (Django's debug cursor counts the COPY as one query, e.g. for assertNumQueries.)
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.copy(sql) as copy,
    ):
        for obj in objs:
            copy.write_row(row(obj))
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias
    return objs
