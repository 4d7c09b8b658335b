from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema

from dissent.accounts.access import access_token_for
from dissent.accounts.actions import do_create_token, do_revoke_token
from dissent.accounts.eligibility import may_file
from dissent.accounts.mfa import request_has_mfa
from dissent.accounts.models import ApiToken, User
from dissent.api.schemas import ERRORS

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: UUID
    email: str
    name: str
    role: str
    may_file: bool
    mfa_enabled: bool


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    days: int | None = Field(None, ge=1, le=3650)


class TokenOut(Schema):
    id: UUID
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="Shown once; only its hash is stored.")


class TokenListOut(Schema):
    items: list[TokenOut]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request: HttpRequest) -> dict[str, object]:
    user = _user(request)
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "may_file": may_file(user),
        "mfa_enabled": request_has_mfa(request),
    }


@router.get("/tokens", response={200: TokenListOut, **ERRORS})
def list_tokens(request: HttpRequest) -> dict[str, object]:
    return {"items": list(ApiToken.objects.filter(user=_user(request))[:100])}


@router.post("/tokens", response={201: TokenCreatedOut, **ERRORS})
def create_token(request: HttpRequest, payload: TokenIn) -> tuple[int, dict[str, object]]:
    user = _user(request)
    token, secret = do_create_token(user, payload.name, acting_user=user, days=payload.days)
    return 201, {**TokenOut.from_orm(token).dict(), "token": secret}


@router.delete("/tokens/{token_id}", response={204: None, **ERRORS})
def revoke_token(request: HttpRequest, token_id: str) -> tuple[int, None]:
    user = _user(request)
    do_revoke_token(access_token_for(user, token_id), acting_user=user)
    return 204, None
