from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.core.management.commands.check import Command as DjangoCheck
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor


class Command(DjangoCheck):
    help = "Django's system checks, plus: the database answers and has every migration."

    def handle(self, *app_labels: Any, **options: Any) -> None:
        super().handle(*app_labels, **options)
        try:
            connection.ensure_connection()
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError as exc:
            raise CommandError(f"database unreachable: {exc}".splitlines()[0]) from None
        if pending:
            raise CommandError(f"{len(pending)} migrations not applied: run `dissent migrate`")
        self.stdout.write(f"database ok ({connection.vendor}), migrations applied")
