"""The drafter's and co-signer's pages. Each view parses its input, reaches the message through
access.py, calls one action or query and renders. Forms that fail re-render with the error
next to the field and the typed text kept; access errors become the middleware's error page
(an outsider sees the same 404 as for an id that never existed)."""

from __future__ import annotations

import re
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dissent.accounts.eligibility import filing_refusal
from dissent.accounts.models import User
from dissent.lib.errors import Conflict, DissentError, NotEligibleError, TransitionError
from dissent.lib.numbers import page_number, whole_number
from dissent.memos import actions, pages
from dissent.memos import content as text
from dissent.memos.access import MemoAccess, Need, access_memo_for
from dissent.memos.diff import diff_contents
from dissent.memos.models import Memo, Version
from dissent.memos.queries import current_version, version_by_number, version_list
from dissent.memos.states import State
from dissent.review.actions import do_record_opening


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _wants_json(request: HttpRequest) -> bool:
    """The editor's autosave script asks for JSON; a plain form post gets a page."""
    return "application/json" in request.headers.get("Accept", "")


def _error_json(exc: DissentError, **extra: object) -> JsonResponse:
    body = {"error": {"code": exc.code, "message": exc.message, "field": exc.field}, **extra}
    return JsonResponse(body, status=exc.status)


# --- lists ------------------------------------------------------------------------------


@login_required
@require_GET
def my_messages(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "memos/list.html",
        {"rows": pages.message_rows(user), "filing_refusal": filing_refusal(user)},
    )


@login_required
@require_GET
def my_invitations(request: HttpRequest) -> HttpResponse:
    return render(
        request, "memos/invitations.html", {"rows": pages.invitation_rows(_user(request))}
    )


# --- the editor -------------------------------------------------------------------------


def _editor(
    request: HttpRequest,
    memo: Memo | None,
    form: dict[str, str],
    *,
    base_version: int,
    status: int = 200,
    error: DissentError | None = None,
    conflict: Version | None = None,
) -> HttpResponse:
    return render(
        request,
        "memos/editor.html",
        {
            "memo": memo,
            "form": form,
            "base_version": base_version,
            "error": error,
            # Shown next to their field; other errors (base_version) only in the summary.
            "errors": {error.field: error.message} if error and error.field in text.FIELDS else {},
            "conflict": conflict,
            "their": text.read(conflict) if conflict else None,
            "unsaved": error is not None,
            "versions": version_list(memo) if memo else [],
            "ceiling": settings.MARKING_CEILING,
            "limits": {
                "title": text.TITLE_MAX_CHARS,
                "summary": text.SUMMARY_MAX_CHARS,
                "body_kb": text.BODY_MAX_BYTES // 1024,
                "body_bytes": text.BODY_MAX_BYTES,
                "recommendations": text.RECOMMENDATIONS_MAX_CHARS,
            },
        },
        status=status,
    )


def _posted_form(request: HttpRequest) -> dict[str, str]:
    # Browsers send CRLF line breaks; content.clean turns them into LF, as the API sends.
    return {name: request.POST.get(name, "") for name in text.FIELDS}


def _saved(request: HttpRequest, memo: Memo, version: Version) -> HttpResponse:
    edit_url = reverse("memos:edit", args=[memo.id])
    if _wants_json(request):
        return JsonResponse(
            {
                "saved": True,
                "id": str(memo.id),
                "version": version.number,
                "banner": version.banner,
                "edit_url": edit_url,
                "message_url": reverse("memos:detail", args=[memo.id]),
            }
        )
    messages.success(request, f"Saved as version {version.number}.")
    return redirect(edit_url)


def _save_failed(
    request: HttpRequest,
    memo: Memo | None,
    form: dict[str, str],
    exc: DissentError,
    base_version: int,
) -> HttpResponse:
    """Nothing was saved: answer with the error and the typed text untouched. On a conflict
    the co-drafter's version is shown beside it and the next Save goes on top of it."""
    conflict = current_version(memo) if memo and isinstance(exc, Conflict) else None
    if conflict is not None:
        base_version = conflict.number
    if _wants_json(request):
        extra: dict[str, object] = {}
        if conflict is not None and memo is not None:
            extra = {
                "latest_version": conflict.number,
                "conflict_html": render_to_string(
                    "memos/_conflict.html",
                    {
                        "memo": memo,
                        "conflict": conflict,
                        "their": text.read(conflict),
                        "error": exc,
                    },
                    request=request,
                ),
            }
        return _error_json(exc, **extra)
    return _editor(
        request,
        memo,
        form,
        base_version=base_version,
        status=exc.status,
        error=exc,
        conflict=conflict,
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_message(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    refusal = filing_refusal(user)
    if refusal:
        raise NotEligibleError(refusal)
    if request.method == "GET":
        return _editor(request, None, dict.fromkeys(text.FIELDS, ""), base_version=0)
    form = _posted_form(request)
    try:
        memo = actions.do_create_memo(text.clean(**form), acting_user=user)
    except DissentError as exc:
        return _save_failed(request, None, form, exc, 0)
    return _saved(request, memo, current_version(memo))


@login_required
@require_http_methods(["GET", "POST"])
def edit_message(request: HttpRequest, memo_id: str) -> HttpResponse:
    access = access_memo_for(_user(request), memo_id, to=Need.DRAFT)
    memo = access.memo
    if request.method == "GET":
        if memo.state != State.DRAFT:
            raise TransitionError("this message has been submitted; it can no longer change")
        current = current_version(memo)
        form = {k: getattr(text.read(current), k) for k in text.FIELDS}
        return _editor(request, memo, form, base_version=current.number)
    form = _posted_form(request)
    try:
        base = whole_number(request.POST.get("base_version"), "base_version", default=0)
    except DissentError as exc:  # the typed text is shown again, on top of the current version
        return _save_failed(request, memo, form, exc, memo.version_count)
    try:
        version = actions.do_save_version(
            memo, text.clean(**form), base_version=base, acting_user=access.user
        )
    except DissentError as exc:
        return _save_failed(request, memo, form, exc, base)
    return _saved(request, memo, version)


# --- the message page and its forms ------------------------------------------------------


def _message_page(
    request: HttpRequest, access: MemoAccess, *, status: int = 200, **extra: object
) -> HttpResponse:
    number = whole_number(request.GET.get("version"), "version", default=0) or None
    page = page_number(request.GET.get("page"))
    query = request.GET.get("q", "")
    view = pages.message_page(access, version=number, page=page, query=query)
    htmx = getattr(request, "htmx", None)  # django-htmx's middleware sets it
    if htmx and htmx.target == "signature-results":  # the panel's search or paging
        return render(request, "memos/_signature_results.html", {"page": view}, status=status)
    return render(request, "memos/detail.html", {"page": view, **extra}, status=status)


@login_required
@require_GET
def message_detail(request: HttpRequest, memo_id: str) -> HttpResponse:
    access = access_memo_for(_user(request), memo_id)
    do_record_opening(access.memo, acting_user=access.user)  # access transparency
    return _message_page(request, access)


def _done(request: HttpRequest, memo: Memo, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("memos:detail", memo.id)


@login_required
@require_POST
def invite(request: HttpRequest, memo_id: str) -> HttpResponse:
    access = access_memo_for(_user(request), memo_id, to=Need.DRAFT)
    raw = request.POST.get("emails", "")
    try:
        report = actions.do_invite(
            access.memo, [e for e in re.split(r"[\s,;]+", raw) if e], acting_user=access.user
        )
    except DissentError as exc:
        return _message_page(
            request, access, status=exc.status, form_errors={"invite": exc.message}, invite_text=raw
        )
    leftover = "\n".join(report.not_found + report.not_allowed)
    return _message_page(request, access, invite_report=report, invite_text=leftover)


@login_required
@require_POST
def add_codrafter(request: HttpRequest, memo_id: str) -> HttpResponse:
    access = access_memo_for(_user(request), memo_id, to=Need.DRAFT)
    email = request.POST.get("email", "")
    try:
        drafter = actions.do_add_codrafter(access.memo, email, acting_user=access.user)
    except DissentError as exc:
        return _message_page(
            request,
            access,
            status=exc.status,
            form_errors={"codrafter": exc.message},
            codrafter_email=email,
        )
    return _done(request, access.memo, f"{drafter.user.name} can now edit this message.")


@login_required
@require_POST
def submit(request: HttpRequest, memo_id: str) -> HttpResponse:
    access = access_memo_for(_user(request), memo_id, to=Need.DRAFT)
    try:
        version = whole_number(request.POST.get("version"), "version", default=0)
        memo = actions.do_submit(
            access.memo,
            version=version,
            acting_user=access.user,
            names_visible_to=request.POST.get("names_visible_to", ""),
        )
    except DissentError as exc:
        return _message_page(
            request, access, status=exc.status, form_errors={"submit": exc.message}
        )
    count = memo.submitted_signatures.count()
    return _done(
        request,
        memo,
        f"Submitted version {version} to the review office with "
        f"{count} signature{'s' if count != 1 else ''}.",
    )


def _signer_action(request: HttpRequest, memo_id: str, verb: str) -> HttpResponse:
    access = access_memo_for(_user(request), memo_id, to=Need.SIGN)
    memo, user = access.memo, access.user
    try:
        if verb == "sign":
            version = whole_number(request.POST.get("version"), "version", default=0)
            actions.do_sign(memo, version=version, acting_user=user)
            message = f"You signed version {version}."
        elif verb == "decline":
            actions.do_decline(memo, acting_user=user)
            message = "You declined to sign. You can still sign until the message is submitted."
        else:
            actions.do_withdraw(memo, acting_user=user)
            message = "Your signature is withdrawn."
    except DissentError as exc:
        return _message_page(
            request,
            access_memo_for(user, memo_id),
            status=exc.status,
            form_errors={"sign": exc.message},
        )
    return _done(request, memo, message)


@login_required
@require_POST
def sign(request: HttpRequest, memo_id: str) -> HttpResponse:
    return _signer_action(request, memo_id, "sign")


@login_required
@require_POST
def decline(request: HttpRequest, memo_id: str) -> HttpResponse:
    return _signer_action(request, memo_id, "decline")


@login_required
@require_POST
def withdraw(request: HttpRequest, memo_id: str) -> HttpResponse:
    return _signer_action(request, memo_id, "withdraw")


# --- diff -------------------------------------------------------------------------------


@login_required
@require_GET
def diff(request: HttpRequest, memo_id: str) -> HttpResponse:
    memo = access_memo_for(_user(request), memo_id).memo
    to = whole_number(request.GET.get("to"), "to", default=memo.version_count)
    start = whole_number(request.GET.get("from"), "from", default=max(1, to - 1))
    old, new = version_by_number(memo, start), version_by_number(memo, to)
    return render(
        request,
        "memos/diff.html",
        {
            "memo": memo,
            "old": old,
            "new": new,
            "title": text.read(new).title,
            "fields": diff_contents(text.read(old), text.read(new)),
            "versions": version_list(memo),
        },
    )
