"""{% receipt_panel_for memo as receipt %}: what ledger/receipt_panel.html shows, so the
message page only needs one include line."""

from __future__ import annotations

from typing import Any

from django import template

from dissent.ledger.receipts import ReceiptPanel, receipt_panel
from dissent.memos.models import Memo

register = template.Library()


@register.simple_tag(takes_context=True)
def receipt_panel_for(context: dict[str, Any], memo: Memo) -> ReceiptPanel | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return receipt_panel(memo, user)
