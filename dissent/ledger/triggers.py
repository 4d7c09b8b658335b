"""Database triggers that make the log append-only, per vendor.

Threat handled: an application bug, an admin page or an injected statement rewriting or
erasing history. The triggers refuse UPDATE and DELETE (and, on PostgreSQL, TRUNCATE) on the
log tables and on events_event, and let the log head's size only grow. The error is an
integrity error on both databases ('ledger is append-only: ...').

They do not stop the database's owner, who can drop them: `dissent ledger verify` and signed,
witnessed checkpoints catch what such a person changes.

The SQL is versioned (V1) and frozen: migration 0003 installs exactly this. A change means a
V2 here and a new migration, never an edit.
"""

from __future__ import annotations

from typing import Any

# Append-only tables (fixed names: migrations must not follow later model renames).
PROTECTED_TABLES_V1 = (
    "ledger_logentry",
    "ledger_subtree",
    "ledger_checkpoint",
    "ledger_cosignature",
    "events_event",
)
HEAD_TABLE_V1 = "ledger_loghead"
MESSAGE = "ledger is append-only"


def _sqlite_v1() -> tuple[list[str], list[str]]:
    create, drop = [], []
    for table in PROTECTED_TABLES_V1:
        for op in ("UPDATE", "DELETE"):
            name = f"{table}_refuse_{op.lower()}"
            create.append(
                f'CREATE TRIGGER IF NOT EXISTS "{name}" BEFORE {op} ON "{table}" '
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: {table} refuses {op}'); END"
            )
            drop.append(f'DROP TRIGGER IF EXISTS "{name}"')
    create += [
        f'CREATE TRIGGER IF NOT EXISTS "{HEAD_TABLE_V1}_refuse_delete" BEFORE DELETE ON '
        f"\"{HEAD_TABLE_V1}\" BEGIN SELECT RAISE(ABORT, '{MESSAGE}: the log head stays'); END",
        f'CREATE TRIGGER IF NOT EXISTS "{HEAD_TABLE_V1}_only_grows" BEFORE UPDATE ON '
        f'"{HEAD_TABLE_V1}" WHEN NEW.size < OLD.size OR NEW.id <> OLD.id '
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: the log size only grows'); END",
    ]
    drop += [
        f'DROP TRIGGER IF EXISTS "{HEAD_TABLE_V1}_refuse_delete"',
        f'DROP TRIGGER IF EXISTS "{HEAD_TABLE_V1}_only_grows"',
    ]
    return create, drop


def _postgresql_v1() -> tuple[list[str], list[str]]:
    # SQLSTATE 23001 (restrict_violation): Django raises IntegrityError, as on SQLite.
    create = [
        "CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        f"RAISE EXCEPTION '{MESSAGE}: % refuses %', TG_TABLE_NAME, TG_OP "
        "USING ERRCODE = 'restrict_violation'; END $$",
        "CREATE OR REPLACE FUNCTION ledger_head_only_grows() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP <> 'UPDATE' OR NEW.size < OLD.size OR NEW.id <> OLD.id THEN "
        f"RAISE EXCEPTION '{MESSAGE}: the log size only grows (%)', TG_OP "
        "USING ERRCODE = 'restrict_violation'; END IF; RETURN NEW; END $$",
    ]
    drop = []
    for table in PROTECTED_TABLES_V1:
        create += [
            f'CREATE OR REPLACE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()",
            f'CREATE OR REPLACE TRIGGER "{table}_no_truncate" BEFORE TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()",
        ]
        drop += [
            f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"',
            f'DROP TRIGGER IF EXISTS "{table}_no_truncate" ON "{table}"',
        ]
    create += [
        f'CREATE OR REPLACE TRIGGER "{HEAD_TABLE_V1}_only_grows" BEFORE UPDATE OR DELETE ON '
        f'"{HEAD_TABLE_V1}" FOR EACH ROW EXECUTE FUNCTION ledger_head_only_grows()',
        f'CREATE OR REPLACE TRIGGER "{HEAD_TABLE_V1}_no_truncate" BEFORE TRUNCATE ON '
        f'"{HEAD_TABLE_V1}" FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()',
    ]
    drop += [
        f'DROP TRIGGER IF EXISTS "{HEAD_TABLE_V1}_only_grows" ON "{HEAD_TABLE_V1}"',
        f'DROP TRIGGER IF EXISTS "{HEAD_TABLE_V1}_no_truncate" ON "{HEAD_TABLE_V1}"',
        "DROP FUNCTION IF EXISTS ledger_head_only_grows()",
        "DROP FUNCTION IF EXISTS ledger_refuse_change()",
    ]
    return create, drop


def statements_v1(vendor: str) -> tuple[list[str], list[str]]:
    """(create, drop) statements for a database vendor ('sqlite' or 'postgresql')."""
    if vendor == "sqlite":
        return _sqlite_v1()
    if vendor == "postgresql":
        return _postgresql_v1()
    raise NotImplementedError(f"no append-only triggers for {vendor}: use SQLite or PostgreSQL")


def install(connection: Any) -> None:
    create, _ = statements_v1(connection.vendor)
    with connection.cursor() as cursor:
        for sql in create:
            cursor.execute(sql)


def remove(connection: Any) -> None:
    _, drop = statements_v1(connection.vendor)
    with connection.cursor() as cursor:
        for sql in drop:
            cursor.execute(sql)
