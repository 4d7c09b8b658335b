"""Notices to drafters, principals and report readers: sent after the action commits, through
a django-tasks task, one e-mail per person, and never with any message content."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from pytest_django import Settings as SettingsWrapper

from dissent.accounts.models import User
from dissent.lib.errors import TransitionError
from dissent.memos.actions import do_add_codrafter, do_submit
from dissent.notifications.notices import Notice, render
from dissent.notifications.tasks import notify_on_commit
from dissent.review.actions import (
    do_acknowledge,
    do_add_recipient,
    do_report_reprisal,
)
from tests.memos.helpers import SENTINELS as MEMO_SENTINELS
from tests.memos.helpers import TITLE_SENTINEL, make_memo
from tests.review.helpers import (
    REASON_SENTINEL,
    REPORT_SENTINEL,
    SENTINELS,
    assert_no_text_in_events_or_mail,
    build,
    case_of,
    submitted,
)


@pytest.fixture
def people(
    alice: User,
    bob: User,
    cora: User,
    rita: User,
    dana: User,
    sam: User,
    pia: User,
    ian: User,
    distribution_list: None,
) -> dict[str, User]:
    return dict(alice=alice, bob=bob, cora=cora, rita=rita, dana=dana, sam=sam, pia=pia, ian=ian)


@pytest.fixture
def cora(db: None) -> User:
    from dissent.accounts.roles import Role
    from tests.conftest import make_user

    return make_user("cora", Role.STAFF)


def test_each_drafter_gets_one_content_free_notice_after_commit(
    people: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    alice = people["alice"]
    memo = submitted(alice, people["bob"])
    with django_capture_on_commit_callbacks() as callbacks:
        do_acknowledge(case_of(memo), acting_user=people["rita"])
        assert mail.outbox == []  # nothing before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    (notice,) = mail.outbox
    assert notice.to == [alice.email]  # drafters only: bob co-signed, he is not told
    assert notice.subject == "Dissent Channel: your message has an update"
    assert f"https://dissent.example.org/messages/{memo.id}/" in notice.body
    assert "never contains message content" in notice.body
    for sentinel in MEMO_SENTINELS:
        assert sentinel not in notice.subject + notice.body


def test_co_drafters_each_get_their_own_notice(
    people: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    alice, cora = people["alice"], people["cora"]
    memo = make_memo(alice)
    do_add_codrafter(memo, cora.email, acting_user=alice)
    memo.refresh_from_db()
    do_submit(memo, version=1, names_visible_to="office", acting_user=alice)
    with django_capture_on_commit_callbacks(execute=True):
        do_acknowledge(case_of(memo), acting_user=people["rita"])
    assert sorted(m.to[0] for m in mail.outbox) == sorted([alice.email, cora.email])
    assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in mail.outbox)


def test_a_refused_action_sends_nothing(
    people: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    memo = build(people, "acknowledged")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(TransitionError):
            do_acknowledge(case_of(memo), acting_user=people["dana"])
    assert callbacks == [] and mail.outbox == []


def test_principals_are_told_of_distribution_and_report_readers_of_reports(
    people: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        memo = build(people, "distributed")
    distributed = [m for m in mail.outbox if m.to == [people["sam"].email]]
    assert [m.subject for m in distributed] == [
        "Dissent Channel: a message has been distributed to you"
    ]
    assert "/review/reading/" in distributed[0].body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        do_add_recipient(
            case_of(memo), people["pia"], f"(U) {REASON_SENTINEL}", acting_user=people["dana"]
        )
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [people["pia"].email, people["alice"].email]
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report = do_report_reprisal(
            memo, "reprisal", f"(U) {REPORT_SENTINEL}", acting_user=people["bob"]
        )
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [people["dana"].email, people["ian"].email]  # never rita, never the drafters
    )
    assert all(f"/review/reprisal-reports/{report.id}/" in m.body for m in mail.outbox)
    assert_no_text_in_events_or_mail()


@pytest.mark.django_db(transaction=True)  # the worker closes its connection when done
def test_notices_go_through_the_database_task_queue(
    people: dict[str, User], settings: SettingsWrapper
) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    memo = submitted(people["alice"])
    mail.outbox.clear()
    do_acknowledge(case_of(memo), acting_user=people["rita"])  # commits: enqueues the task
    assert mail.outbox == []  # queued, not sent: a worker sends it
    (row,) = DBTaskResult.objects.all()
    stored = str(row.args_kwargs)
    assert str(memo.id) in stored and TITLE_SENTINEL not in stored
    assert all(sentinel not in stored for sentinel in SENTINELS)
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)
    (notice,) = mail.outbox
    assert notice.to == [people["alice"].email]


def test_a_notice_links_only_into_this_site() -> None:
    with pytest.raises(ValueError):
        render(Notice.MESSAGE_UPDATE, "https://elsewhere.example/")
    with pytest.raises(ValueError):
        render(Notice.MESSAGE_UPDATE, "//elsewhere.example/")
    with pytest.raises(ValueError):
        notify_on_commit(Notice.MESSAGE_UPDATE, ["x"], "elsewhere")
