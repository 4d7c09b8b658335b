"""The drafters' receipt downloads and the "check my receipt" form of the message page.
Each view reaches the message through dissent.memos.access (outsiders get 404, co-signers
403), calls one function of dissent.ledger.receipts and returns its result."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from dissent.accounts.models import User
from dissent.ledger import receipts
from dissent.ledger.checkpoints import verifier_key
from dissent.ledger.receipt_check import MAX_RECEIPT_BYTES
from dissent.memos.access import Need, access_memo_for


def _download(body: str | bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def receipt(request: HttpRequest, memo_id: str) -> HttpResponse:
    access = access_memo_for(cast(User, request.user), memo_id, to=Need.DRAFT)
    filename, text = receipts.submission_receipt(access.memo)
    return _download(text, filename)


@login_required
@require_GET
def submitted_text(request: HttpRequest, memo_id: str) -> HttpResponse:
    access = access_memo_for(cast(User, request.user), memo_id, to=Need.DRAFT)
    filename, data = receipts.submitted_text(access.memo)
    return _download(data, filename)


@login_required
@require_GET
def log_key(request: HttpRequest) -> HttpResponse:
    """The log's public key, to verify receipts and checkpoints with."""
    return _download(verifier_key().encode() + "\n", "dissent-log.vkey")


@login_required
@require_POST
def check_receipt(request: HttpRequest, memo_id: str) -> HttpResponse:
    access = access_memo_for(cast(User, request.user), memo_id, to=Need.DRAFT)
    upload = request.FILES.get("receipt")
    if upload is None or upload.size is None or upload.size > MAX_RECEIPT_BYTES:
        result = receipts.ReceiptConsistency(
            False, "Choose your saved receipt file (.tlog-proof, at most 1 MB) and try again."
        )
        status = 400
    else:
        result = receipts.check_against_log(upload.read())
        status = 200
    return render(
        request,
        "ledger/receipt_check.html",
        {"memo": access.memo, "result": result},
        status=status,
    )
