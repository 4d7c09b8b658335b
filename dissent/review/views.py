"""The review office's pages: the queue, the case page and its forms, the principals' reading
list and reading page, the drafters' forms (rejoinder, meeting request, report) and the
reprisal reports. Each view parses its input, reaches the case through access.py, calls one
action or page query and renders.

A form that fails on its input re-renders its page with the error next to the field and the
typed text kept. Acting out of turn (TransitionError, 409) gets the error page and writes
nothing. Every page that shows the submitted text records the opening (do_record_opening),
which the drafters see in their access log."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import date
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dissent.accounts.models import User
from dissent.lib.errors import DissentError, Forbidden, InvalidInput, NotFound, TransitionError
from dissent.lib.numbers import page_number, whole_number
from dissent.review import actions, pages, queries
from dissent.review.access import (
    CaseAccess,
    CaseNeed,
    Relation,
    access_case_for,
    access_meeting_for,
    access_memo_to_report,
    access_report_for,
    officer_by_id,
    principal_by_id,
    require_principal,
    require_queue_reader,
    require_reprisal_reader,
)
from dissent.review.states import Channel, ReportKind

Run = Callable[[CaseAccess, dict[str, str]], str]


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _posted(request: HttpRequest) -> dict[str, str]:
    # Browsers send textarea line breaks as CRLF, the API LF: one form, one hash.
    posted = {k: request.POST.get(k) or "" for k in request.POST if k != "csrfmiddlewaretoken"}
    return {k: v.replace("\r\n", "\n") for k, v in posted.items()}


def _date(raw: str | None, name: str) -> date:
    try:
        return date.fromisoformat(raw or "")
    except ValueError:
        raise InvalidInput("give the date as YYYY-MM-DD", field=name) from None


def _form_errors(form: str, error: DissentError | None) -> dict[str, object]:
    """What a template needs to show a failed form: which form, the error, and the message
    keyed by "form.field" so it appears next to its field."""
    field_errors = {f"{form}.{error.field}": error.message} if error and error.field else {}
    return {"form": form if error else "", "error": error, "field_errors": field_errors}


def _refusable(exc: DissentError) -> bool:
    """Errors that re-render the form (input, a concurrent save); the rest get the error page."""
    return not isinstance(exc, TransitionError | NotFound | Forbidden)


def _case_url(access: CaseAccess) -> str:
    return reverse("review:case", args=[access.case.memo_id])


def _message_url(access: CaseAccess) -> str:
    return reverse("memos:detail", args=[access.case.memo_id])


# --------------------------------------------------------------------------- the queue


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    viewer = require_queue_reader(user)
    filters = pages.parse_queue_filters(request.GET)
    officer: uuid.UUID | str = filters.officer
    if filters.officer == "me":
        officer = user.id
    elif filters.officer not in ("", "none"):
        officer = officer_by_id(filters.officer).id
    context = {
        "filters": filters,
        "queue": pages.queue_page(viewer, filters, officer),
        "viewer": viewer,
        "state_filters": pages.STATE_FILTERS,
        "due_filters": pages.DUE_FILTERS,
        "sorts": pages.SORTS,
    }
    if getattr(request, "htmx", None) and request.htmx.target == "queue-results":  # type: ignore[attr-defined]
        # The status line lives outside the swapped table: it goes out of band, so screen
        # readers announce it (a live region must exist before its text changes).
        return render(request, "review/_queue_results.html", {**context, "oob": True})
    context.update(summary=pages.queue_summary(user), officers=pages.office_members())
    return render(request, "review/queue.html", context)


# --------------------------------------------------------------------------- the case page


def _case_page(
    request: HttpRequest,
    access: CaseAccess,
    *,
    status: int = 200,
    form: str = "",
    error: DissentError | None = None,
) -> HttpResponse:
    if access.may(CaseNeed.TEXT):
        actions.do_record_opening(access.memo, acting_user=access.user)
    context = {
        "page": pages.case_page(access),
        "typed": {form: _posted(request)} if error else {},
        "channels": Channel.choices,
        **_form_errors(form, error),
    }
    return render(request, "review/case.html", context, status=status)


@login_required
@require_GET
def case(request: HttpRequest, memo_id: str) -> HttpResponse:
    access = access_case_for(_user(request), memo_id, to=CaseNeed.METADATA)
    if access.relation is Relation.RECIPIENT:
        return redirect("review:reading", access.case.memo_id)
    if access.relation is Relation.DRAFTER:
        return redirect("memos:detail", access.case.memo_id)
    return _case_page(request, access)


def _office_action(
    request: HttpRequest, memo_id: str, form: str, run: Run, need: CaseNeed = CaseNeed.OFFICE
) -> HttpResponse:
    """A form of the case page: the action, then back to the page with what happened."""
    access = access_case_for(_user(request), memo_id, to=need)
    try:
        done = run(access, _posted(request))
    except DissentError as exc:
        if not _refusable(exc):
            raise
        return _case_page(request, access, status=exc.status, form=form, error=exc)
    messages.success(request, done)
    return redirect(_case_url(access))


View = Callable[[HttpRequest, str], HttpResponse]


def _office_form(form: str, need: CaseNeed = CaseNeed.OFFICE) -> Callable[[Run], View]:
    """Turns `run` (call the action, say what happened) into the POST view of a case-page
    form: sign-in required, the case reached with `need`, refusals shown on the page."""

    def view_of(run: Run) -> View:
        @login_required
        @require_POST
        @functools.wraps(run)
        def view(request: HttpRequest, memo_id: str) -> HttpResponse:
            return _office_action(request, memo_id, form, run, need)

        return view

    return view_of


@_office_form("acknowledge")
def acknowledge(access: CaseAccess, data: dict[str, str]) -> str:
    actions.do_acknowledge(access.case, acting_user=access.user)
    return "Receipt acknowledged. The drafters have been told."


@_office_form("assign")
def assign(access: CaseAccess, data: dict[str, str]) -> str:
    raw = data.get("officer", "")
    officer = access.user if raw == "me" else officer_by_id(raw)
    actions.do_assign(access.case, officer, acting_user=access.user)
    return f"Assigned to {officer.name}."


@_office_form("scope")
def scope(access: CaseAccess, data: dict[str, str]) -> str:
    decision = data.get("decision", "")
    channel = data.get("channel", "") if decision == "redirected" else ""
    case = actions.do_decide_scope(
        access.case, decision, channel=channel, note=data.get("note", ""), acting_user=access.user
    )
    if decision == "in_scope":
        return "Decided: in scope. The message can now be distributed."
    return f"Decided: {pages.scope_label(case).lower()}. The drafters have been told."


@_office_form("distribute")
def distribute(access: CaseAccess, data: dict[str, str]) -> str:
    sent = actions.do_distribute(access.case, acting_user=access.user)
    return f"Distributed to {len(sent)} principal{'s' if len(sent) != 1 else ''}."


@_office_form("add_recipient", need=CaseNeed.HEAD)
def add_recipient(access: CaseAccess, data: dict[str, str]) -> str:
    principal = principal_by_id(data.get("principal", ""))
    actions.do_add_recipient(
        access.case, principal, data.get("reason", ""), acting_user=access.user
    )
    return f"{principal.name} now receives this message. The drafters see why."


@_office_form("start_review")
def start_review(access: CaseAccess, data: dict[str, str]) -> str:
    actions.do_start_review(access.case, acting_user=access.user)
    return "Review started. Draft the reply below."


@_office_form("reply")
def save_reply_draft(access: CaseAccess, data: dict[str, str]) -> str:
    base = whole_number(data.get("base_version"), "base_version", default=0, low=0)
    version = actions.do_save_reply_draft(
        access.case, data.get("body", ""), base_version=base, acting_user=access.user
    )
    if version.number == base:
        return f"No change since reply draft version {base}: nothing new was saved."
    return f"Saved reply draft version {version.number}."


@_office_form("send_reply", need=CaseNeed.HEAD)
def send_reply(access: CaseAccess, data: dict[str, str]) -> str:
    version = whole_number(data.get("version"), "version")
    actions.do_approve_and_send_reply(access.case, version=version, acting_user=access.user)
    return f"Reply version {version} approved and sent to the drafters."


@login_required
@require_POST
def record_meeting(request: HttpRequest, memo_id: str, meeting_id: str) -> HttpResponse:
    def run(access: CaseAccess, data: dict[str, str]) -> str:
        meeting = access_meeting_for(access, meeting_id)
        held_on = _date(data.get("held_on"), "held_on")
        actions.do_record_meeting(
            meeting, held_on=held_on, outcome=data.get("outcome", ""), acting_user=access.user
        )
        return "The meeting and its outcome are recorded."

    return _office_action(request, memo_id, "record_meeting", run)


@_office_form("close")
def close(access: CaseAccess, data: dict[str, str]) -> str:
    actions.do_close(access.case, acting_user=access.user)
    return "The case is closed. The drafters have been told."


@_office_form("note")
def add_note(access: CaseAccess, data: dict[str, str]) -> str:
    actions.do_add_internal_note(access.case, data.get("text", ""), acting_user=access.user)
    return "Internal note added (visible to the review office only)."


# --------------------------------------------------------------------------- drafters' forms


def _drafter_form(
    request: HttpRequest,
    template: str,
    form: str,
    context: dict[str, object],
    *,
    error: DissentError | None = None,
) -> HttpResponse:
    context.update(typed=_posted(request) if error else {}, **_form_errors(form, error))
    return render(request, template, context, status=error.status if error else 200)


@login_required
@require_POST
def request_meeting(request: HttpRequest, memo_id: str) -> HttpResponse:
    """The office (from the case page) or a drafter (from the message page)."""
    access = access_case_for(_user(request), memo_id, to=CaseNeed.MEETING)
    if access.is_office:
        return _office_action(request, memo_id, "request_meeting", _meeting, CaseNeed.MEETING)
    try:
        _meeting(access, _posted(request))
    except DissentError as exc:
        if not _refusable(exc):
            raise
        context: dict[str, object] = {"access": access}
        return _drafter_form(
            request, "review/meeting_form.html", "request_meeting", context, error=exc
        )
    messages.success(request, "The review office is asked to meet you.")
    return redirect(_message_url(access))


def _meeting(access: CaseAccess, data: dict[str, str]) -> str:
    actions.do_request_meeting(access.case, data.get("note", ""), acting_user=access.user)
    return "A meeting with the drafters is requested. They have been told."


@login_required
@require_http_methods(["GET", "POST"])
def rejoinder(request: HttpRequest, memo_id: str) -> HttpResponse:
    access = access_case_for(_user(request), memo_id, to=CaseNeed.DRAFTER)
    context: dict[str, object] = {"access": access, "reply": pages.sent_reply(access.case)}
    if request.method == "POST":
        try:
            actions.do_rejoinder(
                access.case, _posted(request).get("body", ""), acting_user=access.user
            )
        except DissentError as exc:
            if not _refusable(exc):
                raise
            return _drafter_form(request, "review/rejoinder.html", "rejoinder", context, error=exc)
        messages.success(request, "Your rejoinder has been sent to the review office.")
        return redirect(_message_url(access))
    if "rejoinder" not in queries.allowed_actions(access):
        raise TransitionError("a rejoinder can be written once, after the reply and before closure")
    return _drafter_form(request, "review/rejoinder.html", "rejoinder", context)


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, memo_id: str) -> HttpResponse:
    """Reprisal or unauthorized disclosure: a drafter or co-signer, at any time."""
    user = _user(request)
    memo = access_memo_to_report(user, memo_id)
    context: dict[str, object] = {
        "memo": memo,
        "title": pages.message_title(memo),
        "kinds": ReportKind.choices,
    }
    if request.method == "POST":
        data = _posted(request)
        try:
            actions.do_report_reprisal(
                memo, data.get("kind", ""), data.get("text", ""), acting_user=user
            )
        except DissentError as exc:
            if not _refusable(exc):
                raise
            return _drafter_form(request, "review/report_form.html", "report", context, error=exc)
        messages.success(
            request,
            "Your report has reached the review office head and the auditors, and no one else.",
        )
        return redirect("memos:detail", memo.id)
    return _drafter_form(request, "review/report_form.html", "report", context)


# --------------------------------------------------------------------------- principals


@login_required
@require_GET
def reading_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_principal(user)
    page = pages.reading_page(user, page_number(request.GET.get("page")))
    return render(request, "review/reading_list.html", {"page": page})


def _reading_page(
    request: HttpRequest,
    access: CaseAccess,
    *,
    status: int = 200,
    error: DissentError | None = None,
) -> HttpResponse:
    actions.do_record_opening(access.memo, acting_user=access.user)
    context = {
        "page": pages.principal_reading(access),
        "typed": _posted(request) if error else {},
        **_form_errors("comment", error),
    }
    return render(request, "review/reading.html", context, status=status)


@login_required
@require_GET
def reading(request: HttpRequest, memo_id: str) -> HttpResponse:
    access = access_case_for(_user(request), memo_id, to=CaseNeed.TEXT)
    if access.is_office:
        return redirect("review:case", access.case.memo_id)
    if access.relation is not Relation.RECIPIENT:
        return redirect("memos:detail", access.case.memo_id)
    return _reading_page(request, access)


@login_required
@require_POST
def comment(request: HttpRequest, memo_id: str) -> HttpResponse:
    access = access_case_for(_user(request), memo_id, to=CaseNeed.COMMENT)
    try:
        actions.do_comment(access.case, _posted(request).get("text", ""), acting_user=access.user)
    except DissentError as exc:
        if not _refusable(exc):
            raise
        return _reading_page(request, access, status=exc.status, error=exc)
    messages.success(request, "Your comment has been sent to the review office.")
    return redirect("review:reading", access.case.memo_id)


# --------------------------------------------------------------------------- reports


@login_required
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    require_reprisal_reader(_user(request))
    page = queries.reprisal_reports(page=page_number(request.GET.get("page")))
    return render(request, "review/reports.html", {"page": page})


@login_required
@require_GET
def report_detail(request: HttpRequest, report_id: str) -> HttpResponse:
    view = queries.report_view(access_report_for(_user(request), report_id))
    return render(request, "review/report.html", {"report": view})
