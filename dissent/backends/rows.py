"""Model instances from hand-written SQL, for the few statements of the hottest request.

Django's ORM builds and compiles every query afresh on each call: on the signing request
(bench/signature_storm.py) that was half of the request's CPU. The statements there are
written out once instead, and this module does the two things the ORM would still do for
them, exactly as it does them: adapt parameters to the database (`param`: a UUID is 32 hex
characters on SQLite, a uuid on PostgreSQL; a datetime is naive UTC text on SQLite) and turn
result columns back into model instances through the same converters (`Columns`), worked
out once per model and database instead of per row.

On PostgreSQL they also run on a cursor of their own (`cursor`): parameters bound by the
server, so that psycopg prepares a statement once it has run a few times on a connection and
PostgreSQL stops parsing and planning it on every call. Django's own cursors bind on the
client (each query is new text to PostgreSQL) and are left as they are.

Identifiers are quoted with double quotes, as both SQLite and PostgreSQL quote them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper

M = TypeVar("M", bound=models.Model)
Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


def database() -> BaseDatabaseWrapper:
    """This thread's connection itself. `django.db.connection` is a proxy that looks it up
    again on every attribute, which on these few statements was a twentieth of the time."""
    return connections[DEFAULT_DB_ALIAS]


def quote(name: str | None) -> str:
    if not name:
        raise ValueError("an SQL name is needed")
    return f'"{name}"'


def cursor(connection: BaseDatabaseWrapper) -> CursorWrapper:
    """A cursor for written-out statements: Django's, except that on PostgreSQL parameters are
    bound by the server and a statement that has run `prepare_threshold` times on the
    connection (settings.py) is prepared there. Same wrapper as `connection.cursor()`: errors
    become Django's, and queries are logged where Django logs them."""
    if connection.vendor != "postgresql":
        return connection.cursor()  # type: ignore[no-any-return]
    # Imported here: psycopg is needed on PostgreSQL only.
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, ServerBindingCursor
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw: Any = ServerBindingCursor(connection.connection)  # type: ignore[call-arg]
        # As Django's create_cursor does: timestamptz results in the connection's time zone.
        loader = raw.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        if connection.timezone != getattr(loader, "timezone", None):  # type: ignore[attr-defined]
            register_tzloader(connection.timezone, raw)  # type: ignore[attr-defined]
    connection.validate_thread_sharing()
    return (
        _AsWritten(raw, connection) if connection.queries_logged else CursorWrapper(raw, connection)
    )


class _AsWritten(CursorDebugWrapper):
    """Logs a statement as written: psycopg keeps no text of a prepared one, and Django's
    debug cursor would log None for it."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(sql, params):
            return CursorWrapper.execute(self, sql, params)  # errors wrapped, wrappers run


def lone_write(connection: BaseDatabaseWrapper) -> AbstractContextManager[object]:
    """Around one write statement run outside a transaction (autocommit: the statement is
    its own transaction, without a BEGIN and COMMIT round trip). On SQLite it takes the
    writers' turn (dissent/backends/sqlite), so it queues with the transactions."""
    turn = getattr(connection, "writer_turn", None)
    return turn() if turn is not None else nullcontext()


def fetch_one(connection: BaseDatabaseWrapper, sql: str, params: Any) -> tuple[Any, ...] | None:
    """The first row `sql` gives (a SELECT, or a write with RETURNING), or None."""
    with cursor(connection) as cursor_:
        cursor_.execute(sql, params)
        return cursor_.fetchone()  # type: ignore[no-any-return]


def param(
    model: type[models.Model], field: str, value: Any, connection: BaseDatabaseWrapper
) -> Any:
    """`value` as the database wants it for `model.field` (what a filter would pass)."""
    return model._meta.get_field(field).get_db_prep_value(value, connection)  # type: ignore[union-attr]


class Columns(Generic[M]):
    """Some concrete fields of `model` (default: all), selected from the table under `alias`,
    and the instance a row's slice of them becomes. Fields left out are deferred, as with
    `QuerySet.only`: reading one loads it with a query of its own."""

    def __init__(self, model: type[M], alias: str, fields: Sequence[str] = ()) -> None:
        wanted = set(fields)
        concrete = model._meta.concrete_fields
        self.model = model
        self.alias = alias
        # In the model's own field order, which Model.from_db expects.
        self.fields = [f for f in concrete if not wanted or f.name in wanted or f.attname in wanted]
        unknown = wanted - {n for f in self.fields for n in (f.name, f.attname)}
        if unknown:
            raise ValueError(f"{model.__name__} has no concrete fields {sorted(unknown)}")
        self.attnames = [f.attname for f in self.fields]
        self.width = len(self.fields)
        self._converters: dict[str, list[tuple[int, Any, list[Converter]]]] = {}

    def sql(self) -> str:
        """The select list: `"alias"."column", ...`."""
        a = quote(self.alias)
        return ", ".join(f"{a}.{quote(f.column)}" for f in self.fields)

    def values(
        self, row: Sequence[Any], connection: BaseDatabaseWrapper, start: int = 0
    ) -> list[Any]:
        """The Python values of row[start : start + width], in the order of `attnames`."""
        values = list(row[start : start + self.width])
        for i, expression, converters in self._for(connection):
            value = values[i]
            for convert in converters:
                value = convert(value, expression, connection)
            values[i] = value
        return values

    def build(self, row: Sequence[Any], connection: BaseDatabaseWrapper, start: int = 0) -> M:
        """The instance from row[start : start + width]."""
        values = self.values(row, connection, start)
        return self.model.from_db(connection.alias, self.attnames, values)

    def _for(self, connection: BaseDatabaseWrapper) -> list[tuple[int, Any, list[Converter]]]:
        """The converters the ORM's compiler applies to these columns, for this database."""
        found = self._converters.get(connection.alias)
        if found is None:
            found = []
            for i, field in enumerate(self.fields):
                expression = field.get_col(self.alias)
                converters = [
                    *connection.ops.get_db_converters(expression),
                    *expression.get_db_converters(connection),
                ]
                if converters:
                    found.append((i, expression, converters))
            self._converters[connection.alias] = found
        return found
