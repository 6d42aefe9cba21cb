"""One model row by a WHERE clause, without the ORM's query compiler, for the paths every bridge
event takes.

On this machine the ORM spends ~0.3-0.5 ms of CPU building a one-row query (`.get()`,
`.filter().first()`, `select_related`) around a ~0.05 ms round trip. These few statements run on
every event, so they are written once here: the SELECT of a model's concrete columns is built
once per model, and the row becomes an instance through `Model.from_db()`, as the ORM itself
builds them (deferred fields, `_state`, `refresh_from_db()` all behave). Anything that is not a
one-row read by an indexed column stays with the ORM.

The table is unqualified: it is read in the connection's current schema (django-tenants'
search_path), like any ORM query.
"""

from __future__ import annotations

from functools import cache

from django.db import connection
from django.db.models import Model


@cache
def _select(model: type[Model]) -> tuple[str, list[str], list[tuple[int, list, object]]]:
    """The SELECT, the attribute names, and per column the converters the ORM would run on its
    value (a JSONField's text -> object, for one), as the compiler collects them."""
    fields = model._meta.concrete_fields
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((index, found, column))
    return (f"SELECT {columns} FROM {quote(model._meta.db_table)}", [field.attname for field in fields],
            converters)


def fetch_row(model: type[Model], where: str, params: list, *, for_update: bool = False,
              extra: dict[str, str] | None = None) -> Model | None:
    """The first row of `model` matching `where` (SQL on its columns, %s placeholders), or None.
    `for_update`: locked until the transaction ends (SELECT ... FOR UPDATE). `extra`: attribute
    name -> an SQL expression over the row (a subquery, say), each set on the instance; their
    placeholders come first in `params`, before the WHERE's."""
    select, attnames, converters = _select(model)
    if extra:
        head, _from, tail = select.partition(" FROM ")
        select = f"{head}, {', '.join(extra.values())} FROM {tail}"
    sql = f"{select} WHERE {where} LIMIT 1{' FOR UPDATE' if for_update else ''}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    row, computed = row[:len(attnames)], row[len(attnames):]
    if converters:
        row = list(row)
        for index, functions, column in converters:
            for function in functions:
                row[index] = function(row[index], column, connection)
    instance = model.from_db(connection.alias, attnames, row)
    for name, value in zip(extra or (), computed):
        setattr(instance, name, value)
    return instance


def set_prefetched(instance: Model, relation: str, rows: list[Model]) -> None:
    """Leave a many-to-many relation as `prefetch_related` would: `instance.<relation>.all()` gives
    `rows` without a query (anything filtered further queries, as after a prefetch)."""
    manager = getattr(instance, relation)
    queryset = manager.get_queryset()
    queryset._result_cache, queryset._prefetch_done = list(rows), True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[manager.prefetch_cache_name] = queryset


def fetch_rows(model: type[Model], where: str, params: list) -> list[Model]:
    """Every row of `model` matching `where`, as fetch_row reads one."""
    select, attnames, converters = _select(model)
    with connection.cursor() as cursor:
        cursor.execute(f"{select} WHERE {where}", params)
        rows = cursor.fetchall()
    found = []
    for row in rows:
        if converters:
            row = list(row)
            for index, functions, column in converters:
                for function in functions:
                    row[index] = function(row[index], column, connection)
        found.append(model.from_db(connection.alias, attnames, row))
    return found


def fetch_value(sql: str, params: list):
    """The first column of the first row of `sql`, or None."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else row[0]


@cache
def _insert(model: type[Model], conflict_column: str | None) -> tuple[str, list]:
    """The INSERT of a model's stored columns (not an auto primary key, not a generated column)."""
    pk = model._meta.pk
    fields = [field for field in model._meta.concrete_fields
              if not getattr(field, "generated", False) and not (field is pk and getattr(field, "db_returning", False))]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    conflict = f" ON CONFLICT ({quote(conflict_column)}) DO NOTHING" if conflict_column else ""
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders}){conflict} "
           f"RETURNING {quote(pk.column)}")
    return sql, fields


def insert_row(instance: Model, *, unless_exists: str | None = None, extra: dict[str, str] | None = None) -> bool:
    """Store a new instance as `Model.save()` would (defaults, auto_now, JSON and every other field
    prepared by the field itself), in one statement. `unless_exists`: a unique column; when a row
    with the same value is there already (or is being inserted by a transaction that then
    commits), nothing is stored and False comes back, with no error to roll back to a savepoint.
    `extra`: attribute name -> an SQL expression over the stored row, returned with it and set on
    the instance. No model signals are sent (none are connected to the models this is used for)."""
    model = type(instance)
    sql, fields = _insert(model, unless_exists)
    if extra:
        sql = f"{sql}, {', '.join(extra.values())}"
    params = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    for name, value in zip(extra or (), row[1:]):
        setattr(instance, name, value)
    setattr(instance, model._meta.pk.attname, row[0])
    instance._state.adding = False
    instance._state.db = connection.alias
    return True


def insert_rows(instances: list[Model], *, unless_exists: str) -> list[bool]:
    """insert_row for many instances of one model in one statement; each one's flag says whether it
    was stored (False: a row with its `unless_exists` value was there, or came earlier in the list)."""
    if not instances:
        return []
    model = type(instances[0])
    sql, fields = _insert(model, unless_exists)
    head, _values, tail = sql.partition(" VALUES (")
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    conflict_field = model._meta.get_field(unless_exists)
    returning = f" RETURNING {connection.ops.quote_name(model._meta.pk.column)}, {connection.ops.quote_name(conflict_field.column)}"
    conflict = tail[tail.index(" ON CONFLICT"):tail.index(" RETURNING")]
    params = [field.get_db_prep_save(field.pre_save(instance, True), connection)
              for instance in instances for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(f"{head} VALUES {', '.join([one] * len(instances))}{conflict}{returning}", params)
        stored = {key: pk for pk, key in cursor.fetchall()}
    flags = []
    for instance in instances:
        key = getattr(instance, conflict_field.attname)
        pk = stored.pop(key, None)
        flags.append(pk is not None)
        if pk is not None:
            setattr(instance, model._meta.pk.attname, pk)
            instance._state.adding = False
            instance._state.db = connection.alias
    return flags
