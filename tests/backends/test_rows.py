"""dissent/backends/rows.py: hand-written SQL must give the very instances and parameters
the ORM would, on SQLite (UUIDs as hex text, datetimes as naive UTC text) and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from dissent.accounts.models import ApiToken, User
from dissent.backends.rows import Columns, cursor, database, fetch_one, param, quote
from dissent.memos.models import Invitation, Version
from tests.memos.helpers import invite, make_memo

pytestmark = pytest.mark.django_db


def _built(columns: Columns, pk: object) -> object:
    """The row of `columns.model` with primary key `pk`, selected and built by rows.py."""
    model = columns.model
    sql = (
        f"SELECT {columns.sql()} FROM {quote(model._meta.db_table)} {quote(columns.alias)}"  # noqa: S608
        f" WHERE {quote(columns.alias)}.{quote('id')} = %s"
    )
    row = fetch_one(connection, sql, [param(model, "id", pk, connection)])
    assert row is not None
    return columns.build(row, connection)


def _field_values(instance: object, names: list[str]) -> dict[str, object]:
    return {name: getattr(instance, name) for name in names}


def test_built_instances_equal_what_the_orm_loads(alice: User, bob: User) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob)
    expected = Invitation.objects.get(memo=memo, user=bob)
    columns = Columns(Invitation, "i")
    built = _built(columns, expected.pk)
    names = columns.attnames
    assert _field_values(built, names) == _field_values(expected, names)
    assert isinstance(built.pk, uuid.UUID) and built.invited_at.tzinfo is not None
    assert not built._state.adding and built._state.db == connection.alias

    user_columns = Columns(User, "u")
    user = _built(user_columns, alice.pk)
    assert _field_values(user, user_columns.attnames) == _field_values(
        User.objects.get(pk=alice.pk), user_columns.attnames
    )
    assert user.is_active is True and user.get_deferred_fields() == set()


def test_fields_left_out_are_deferred_and_load_on_use(alice: User) -> None:
    memo = make_memo(alice)
    version = Version.objects.get(memo=memo, number=1)
    columns = Columns(Version, "v", ["id", "memo", "number"])
    assert columns.attnames == ["id", "memo_id", "number"]
    built = _built(columns, version.pk)
    assert (built.memo_id, built.number) == (memo.pk, 1)
    assert "content_hash" in built.get_deferred_fields()
    assert built.content_hash == version.content_hash  # loaded with a query of its own


def test_a_missing_row_is_none() -> None:
    columns = Columns(Version, "v", ["id"])
    sql = f'SELECT {columns.sql()} FROM "memos_version" "v" WHERE "v"."number" = %s'  # noqa: S608
    assert fetch_one(connection, sql, [-1]) is None


def test_an_unknown_field_is_named() -> None:
    with pytest.raises(ValueError, match=r"ApiToken has no concrete fields \['secret'\]"):
        Columns(ApiToken, "t", ["id", "secret"])


def test_param_adapts_values_as_a_filter_does() -> None:
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    adapted = param(Invitation, "memo", value, connection)
    if connection.vendor == "sqlite":
        assert adapted == value.hex  # Django stores UUIDs as 32 hex characters on SQLite
    else:
        assert adapted == value


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor_:
        cursor_.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor_.fetchall()]


def test_a_statement_run_again_and_again_gives_the_same_instances(alice: User) -> None:
    """Past psycopg's prepare_threshold the statement runs prepared on PostgreSQL; the rows
    must not change when it does."""
    columns = Columns(User, "u")
    expected = _field_values(User.objects.get(pk=alice.pk), columns.attnames)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(8):
            assert _field_values(_built(columns, alice.pk), columns.attnames) == expected
    # Logged with their text each time (psycopg keeps none for a prepared statement).
    assert [q["sql"][:30] for q in queries] == [f"SELECT {columns.sql()}"[:30]] * 8
    if connection.vendor == "postgresql":
        assert any('FROM "accounts_user" "u"' in text for text in _prepared_statements())


def test_errors_are_djangos(alice: User) -> None:
    sql = 'INSERT INTO "accounts_user" SELECT * FROM "accounts_user" WHERE "id" = %s'
    params = [param(User, "id", alice.pk, connection)]
    for _ in range(7):
        with pytest.raises(IntegrityError), transaction.atomic(), cursor(database()) as cursor_:
            cursor_.execute(sql, params)
    assert User.objects.count() == 1
