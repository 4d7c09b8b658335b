from __future__ import annotations

from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "dissent.ledger"
    label = "ledger"
    verbose_name = "Tamper-evident log"
