"""`dissent messages list|show --as EMAIL`: the same access rules as the API, one-line
errors with exit status 2."""

from __future__ import annotations

import uuid

import pytest

from dissent.accounts.models import User
from dissent.cli import main
from dissent.memos.actions import do_submit
from tests.memos.helpers import EDITED, TEXT, invite, make_memo, save, snapshot


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["messages", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_show_prints_banner_caption_title_state_version_and_text(
    alice: User, capsys: pytest.CaptureFixture[str]
) -> None:
    memo = make_memo(alice, body="(CUI) A sensitive paragraph.")
    status, out, err = run(capsys, "show", str(memo.id), "--as", alice.email)
    assert (status, err) == (0, "")
    lines = out.splitlines()
    version = memo.versions.get(number=1)
    assert lines[0] == "CUI" and lines[-1] == "CUI"  # banner at top and bottom
    assert "DISSENT CHANNEL" in lines
    assert TEXT["title"] in lines
    assert "State: Draft" in lines
    assert f"Version: 1  SHA-256 {version.content_hash}" in lines
    assert "(CUI) A sensitive paragraph." in out and TEXT["summary"] in out


def test_show_as_a_co_signer_and_after_submission(
    alice: User, bob: User, capsys: pytest.CaptureFixture[str]
) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob)
    save(memo, alice, **EDITED)
    memo.refresh_from_db()
    do_submit(memo, version=2, names_visible_to="office", acting_user=alice)
    status, out, _ = run(capsys, "show", str(memo.id), "--as", "BOB@example.org")
    assert status == 0
    assert "State: Submitted on " in out and "Version: 2  " in out
    assert "(U) A third paragraph." in out


def test_an_outsider_is_told_no_such_message(
    alice: User, oscar: User, rita: User, capsys: pytest.CaptureFixture[str]
) -> None:
    memo = make_memo(alice)
    before = snapshot()
    for who, memo_id in [
        (oscar, str(memo.id)),
        (rita, str(memo.id)),
        (alice, str(uuid.uuid4())),
        (alice, "not-an-id"),
    ]:
        status, out, err = run(capsys, "show", memo_id, "--as", who.email)
        assert (status, out) == (2, "")
        assert err == "dissent: messages: no such message\n"
    assert snapshot() == before


def test_list_shows_what_the_person_may_see(
    alice: User, bob: User, oscar: User, capsys: pytest.CaptureFixture[str]
) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob)
    own = make_memo(bob, title="Bob's own")
    status, out, _ = run(capsys, "list", "--as", bob.email)
    assert status == 0
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{own.id}  draft") and "drafter" in lines[0]
    assert lines[0].endswith("Bob's own")
    assert lines[1].startswith(f"{memo.id}  draft") and "invitee (invited)" in lines[1]
    assert "[UNCLASSIFIED]" in lines[1] and lines[1].endswith(TEXT["title"])
    assert run(capsys, "list", "--as", oscar.email) == (0, "", "")


def test_bad_arguments_are_one_line_errors(alice: User, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "list", "--as", "nobody@example.org")
    assert status == 2 and err.count("\n") == 1 and "no active user" in err
    status, _, err = run(capsys, "show", "--as", alice.email)
    assert status == 2 and err.count("\n") == 1 and err.startswith("dissent: messages: ")
    status, _, err = run(capsys, "list")
    assert status == 2 and "--as" in err
