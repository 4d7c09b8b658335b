"""dissent/backends/rows.py: hand-written SQL must give the very instances and parameters
the ORM would, on SQLite (UUIDs as hex text, datetimes as naive UTC text) and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection

from dissent.accounts.models import ApiToken, User
from dissent.backends.rows import Columns, param, quote
from dissent.memos.models import Invitation, Version
from tests.memos.helpers import invite, make_memo

pytestmark = pytest.mark.django_db


def _select(columns: Columns, table: str, where: str, params: list[object]) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns.sql()} FROM {quote(table)} {quote(columns.alias)} WHERE {where}",  # noqa: S608
            params,
        )
        return cursor.fetchone()  # type: ignore[no-any-return]


def _field_values(instance: object, names: list[str]) -> dict[str, object]:
    return {name: getattr(instance, name) for name in names}


def test_built_instances_equal_what_the_orm_loads(alice: User, bob: User) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob)
    expected = Invitation.objects.get(memo=memo, user=bob)
    columns = Columns(Invitation, "i")
    row = _select(
        columns,
        Invitation._meta.db_table,
        '"i"."id" = %s',
        [param(Invitation, "id", expected.pk, connection)],
    )
    built = columns.build(row, connection)
    names = columns.attnames
    assert _field_values(built, names) == _field_values(expected, names)
    assert isinstance(built.pk, uuid.UUID) and built.invited_at.tzinfo is not None
    assert not built._state.adding and built._state.db == connection.alias

    user_columns = Columns(User, "u")
    row = _select(
        user_columns,
        User._meta.db_table,
        '"u"."id" = %s',
        [param(User, "id", alice.pk, connection)],
    )
    user = user_columns.build(row, connection)
    assert _field_values(user, user_columns.attnames) == _field_values(
        User.objects.get(pk=alice.pk), user_columns.attnames
    )
    assert user.is_active is True and user.get_deferred_fields() == set()


def test_fields_left_out_are_deferred_and_load_on_use(alice: User) -> None:
    memo = make_memo(alice)
    version = Version.objects.get(memo=memo, number=1)
    columns = Columns(Version, "v", ["id", "memo", "number"])
    assert columns.attnames == ["id", "memo_id", "number"]
    row = _select(
        columns,
        Version._meta.db_table,
        '"v"."id" = %s',
        [param(Version, "id", version.pk, connection)],
    )
    built = columns.build(row, connection)
    assert (built.memo_id, built.number) == (memo.pk, 1)
    assert "content_hash" in built.get_deferred_fields()
    assert built.content_hash == version.content_hash  # loaded with a query of its own


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
