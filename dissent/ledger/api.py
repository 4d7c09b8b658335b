"""The log over HTTP, /api/v1/ledger: the latest signed checkpoint, inclusion proofs and
consistency proofs (RFC 9162), so anyone holding a checkpoint or a receipt can check the log
did not rewrite history.

Hashes and proof elements are standard base64 (RFC 4648 section 4), as in C2SP checkpoints.
Sizes and indexes are checked against the log: out of range is 400 naming the parameter.
"""

from __future__ import annotations

import base64
from typing import cast

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from dissent.accounts.models import User
from dissent.api.schemas import ErrorOut
from dissent.ledger import receipts, store
from dissent.ledger.access import access_entry_for
from dissent.ledger.checkpoints import add_cosignature, current_checkpoint, note_with_cosignatures
from dissent.lib.errors import InvalidInput
from dissent.memos.access import Need, access_memo_for

router = Router(tags=["ledger"])

ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut}


class InclusionOut(Schema):
    index: int
    size: int
    leaf: str  # base64 of the leaf bytes (dissent.ledger.leaf)
    leaf_hash: str
    root: str  # the root of the tree of `size` entries: compare with a checkpoint's
    proof: list[str]  # RFC 9162 2.1.3.1 PATH(index, D[0:size]), from the leaf upward


class ConsistencyOut(Schema):
    old: int
    new: int
    old_root: str
    new_root: str
    proof: list[str]  # RFC 9162 2.1.4.1 PROOF(old, D[0:new])


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@router.get(
    "/checkpoint",
    response={200: str, 401: ErrorOut, 503: ErrorOut},
    summary="The latest signed checkpoint (text/plain, C2SP signed note)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "A c2sp.org/tlog-checkpoint signed note, with any witness "
                "cosignatures (c2sp.org/tlog-cosignature) as further signature lines.",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
        }
    },
)
def checkpoint(request: HttpRequest) -> HttpResponse:
    note = note_with_cosignatures(current_checkpoint())
    return HttpResponse(note, content_type="text/plain; charset=utf-8")


@router.get("/inclusion", response={200: InclusionOut, **ERRORS})
def inclusion(request: HttpRequest, index: int, size: int) -> InclusionOut:
    """Auditors: any entry. Drafters: the entries about their own messages."""
    user = cast(User, request.user)
    log_size = store.size()
    if not 0 < size <= log_size:
        raise InvalidInput(
            f"size must be 1 to {log_size} (the log's size), got {size}", field="size"
        )
    if not 0 <= index < size:
        raise InvalidInput(f"index must be 0 to {size - 1}, got {index}", field="index")
    entry = access_entry_for(user, index)
    # The log only grows, so the sizes checked above stay valid.
    proof, root = store.inclusion(index, size)
    return InclusionOut(
        index=index,
        size=size,
        leaf=_b64(bytes(entry.leaf)),
        leaf_hash=_b64(bytes(entry.leaf_hash)),
        root=_b64(root),
        proof=[_b64(p) for p in proof],
    )


@router.get("/consistency", response={200: ConsistencyOut, **ERRORS})
def consistency(request: HttpRequest, old: int, new: int) -> ConsistencyOut:
    log_size = store.size()
    if not 0 < new <= log_size:
        raise InvalidInput(f"new must be 1 to {log_size} (the log's size), got {new}", field="new")
    if not 0 < old <= new:
        raise InvalidInput(f"old must be 1 to {new} (new), got {old}", field="old")
    proof, old_root, new_root = store.consistency(old, new)
    return ConsistencyOut(
        old=old,
        new=new,
        old_root=_b64(old_root),
        new_root=_b64(new_root),
        proof=[_b64(p) for p in proof],
    )


# --- witnesses and receipts (dissent.ledger.checkpoints, dissent.ledger.receipts) ---------


class CosignatureIn(Schema):
    size: int  # the size of the checkpoint that was cosigned
    cosignature: str  # the C2SP signature line "— <witness name> <base64>"


class CosignatureOut(Schema):
    size: int
    witness: str
    timestamp: int
    line: str


@router.post(
    "/cosignatures",
    response={200: CosignatureOut, 403: ErrorOut, **ERRORS},
    summary="A witness hands back its cosignature/v1 on a checkpoint",
)
def cosignatures(request: HttpRequest, body: CosignatureIn) -> CosignatureOut:
    """Kept only if the witness's public key is in DISSENT_LEDGER_WITNESS_KEYS (else 403)
    and the signature verifies on that checkpoint (else 400). Posting again keeps the first."""
    kept = add_cosignature(body.size, body.cosignature)
    return CosignatureOut(
        size=body.size, witness=kept.witness, timestamp=kept.timestamp, line=kept.line
    )


@router.get(
    "/receipts/{memo_id}",
    response={200: str, 403: ErrorOut, 409: ErrorOut, **ERRORS},
    summary="The drafters' receipt for a submitted message (c2sp.org/tlog-proof@v1)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "A .tlog-proof file, for `dissent ledger verify-receipt`.",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
        }
    },
)
def receipt(request: HttpRequest, memo_id: str) -> HttpResponse:
    access = access_memo_for(cast(User, request.user), memo_id, to=Need.DRAFT)
    filename, text = receipts.submission_receipt(access.memo)
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
