"""`dissent ledger verify` (dissent.ledger.audit): a clean log passes; changing any stored
entry, node, event row or checkpoint makes it fail and name the first bad index."""

from __future__ import annotations

import io
import itertools
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from dissent.accounts.models import User
from dissent.accounts.roles import Role
from dissent.crypto.signing import generate_signer_key
from dissent.events.models import Event
from dissent.events.types import EventType
from dissent.ledger import audit, merkle, store
from dissent.ledger import leaf as leaves
from dissent.ledger.checkpoints import make_checkpoint
from dissent.ledger.models import Checkpoint, LogEntry, VerificationRun
from dissent.memos.actions import do_sign, do_submit
from tests.conftest import make_user
from tests.ledger.helpers import ORIGIN, grow, leaf_hashes, raw
from tests.memos.helpers import invite, make_memo

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(log_signer: object) -> dict[str, object]:
    """About 40 entries from real actions and filler, signed at sizes 10, 25 and 40."""
    alice = make_user("alice", Role.STAFF)
    bob = make_user("bob", Role.STAFF)
    memo = make_memo(alice)
    invite(memo, alice, bob)
    grow(10 - store.size())
    make_checkpoint()
    do_sign(memo, version=1, acting_user=bob)
    grow(25 - store.size())
    make_checkpoint()
    do_submit(memo, version=1, names_visible_to="office", acting_user=alice)
    grow(40 - store.size())
    make_checkpoint()
    return {"alice": alice, "bob": bob, "memo": memo}


def entry_event(index: int) -> Event:
    return LogEntry.objects.select_related("event").get(index=index).event  # type: ignore[return-value]


def first_memo_event_after(index: int) -> int:
    return (
        LogEntry.objects.filter(index__gt=index, event__type__lt=200)
        .order_by("index")
        .values_list("index", flat=True)
        .first()
    )  # type: ignore[return-value]


def test_a_clean_log_verifies(log: dict[str, object]) -> None:
    report = audit.verify(by="test")
    assert report.ok, report.problem
    assert report.size == 40 == store.size()
    assert report.root == merkle.root(leaf_hashes()) == store.root()
    assert report.checkpoints == 3 and report.latest_checkpoint == 40
    assert report.signatures_checked
    run = VerificationRun.objects.get()
    assert (run.ok, run.size, bytes(run.root), run.first_bad_index, run.by) == (
        True,
        40,
        report.root,
        None,
        "test",
    )
    assert "log verified: 40 entries" in report.summary()
    assert "signature valid" in report.summary()


def test_an_empty_log_verifies(db: None) -> None:
    assert store.size() == 0
    report = audit.verify(by="test")
    assert report.ok and report.root == merkle.EMPTY_ROOT


# --------------------------------------------------------------------------- tampering
# Each: what an attacker with the database (triggers dropped) changes, the index verify
# must name (None: not an entry), and words of the message.


def _set_leaf(index: int) -> None:
    raw('UPDATE ledger_logentry SET leaf = %s WHERE "index" = %s', [b"forged", index])


def _set_leaf_and_hash(index: int) -> None:
    data = bytes(LogEntry.objects.get(index=index).leaf).replace(b'"t":803', b'"t":802')
    raw(
        'UPDATE ledger_logentry SET leaf = %s, leaf_hash = %s WHERE "index" = %s',
        [data, merkle.leaf_hash(data), index],
    )


def _set_leaf_hash(index: int) -> None:
    raw('UPDATE ledger_logentry SET leaf_hash = %s WHERE "index" = %s', [b"\x00" * 32, index])


def _set_subtree(level: int, index: int) -> Callable[[int], None]:
    def tamper(_: int) -> None:
        raw(
            'UPDATE ledger_subtree SET hash = %s WHERE level = %s AND "index" = %s',
            [b"\x01" * 32, level, index],
        )

    return tamper


def _set_event(column: str, value: object) -> Callable[[int], None]:
    def tamper(index: int) -> None:
        event = entry_event(index)
        raw(f"UPDATE events_event SET {column} = %s WHERE id = %s", [value, event.id])  # noqa: S608

    return tamper


def _set_event_actor(index: int) -> None:
    other = User.objects.exclude(id=entry_event(index).actor_id).first()
    assert other is not None
    raw(
        "UPDATE events_event SET actor_id = %s WHERE id = %s",
        [other.id.hex if connection.vendor == "sqlite" else other.id, entry_event(index).id],
    )


def _delete_entry(index: int) -> None:
    raw('DELETE FROM ledger_logentry WHERE "index" = %s', [index])


def _unlink_event(index: int) -> None:
    raw('UPDATE ledger_logentry SET event_id = NULL WHERE "index" = %s', [index])


TAMPERING: list[tuple[str, Callable[[int], None], int, str]] = [
    ("leaf bytes", _set_leaf, 13, "stored leaf hash is not SHA-256"),
    ("leaf and its hash", _set_leaf_and_hash, 13, "event type differs"),
    ("leaf hash", _set_leaf_hash, 13, "stored leaf hash is not SHA-256"),
    ("subtree hash", _set_subtree(2, 3), 12, "subtree hash (level 2 #3, entries 12 to 15)"),
    ("top subtree", _set_subtree(5, 0), 0, "(level 5 #0, entries 0 to 31) does not match"),
    ("event payload", _set_event("payload", '{"method": "forged"}'), 13, "payload differs"),
    ("event payload a list", _set_event("payload", "[1, 2]"), 13, "payload differs"),
    ("event type", _set_event("type", 802), 13, "event type differs"),
    ("event time", _set_event("at", "2020-01-01 00:00:00"), 13, "time differs"),
    ("event subject", _set_event("subject_id", "someone"), 13, "subject differs"),
    ("event commitment", _set_event("commitment", "ab" * 32), 13, "commitment differs"),
    ("missing entry", _delete_entry, 20, "the entry is missing"),
    ("unlinked entry", _unlink_event, 7, "not linked to an event"),
]


def caught(tamper: Callable[[int], None], index: int, words: str, **options: Any) -> audit.Report:
    """Verify (it passes), tamper at `index`, verify again: the report names that index
    and says `words`."""
    assert audit.verify(by="test", **options).ok
    tamper(index)
    report = audit.verify(by="test", **options)
    assert report.problem is not None
    assert report.problem.index == index, report.problem
    assert words in report.problem.what, report.problem
    return report


@pytest.mark.parametrize(
    ("tamper", "index", "words"),
    [pytest.param(t, i, w, id=name) for name, t, i, w in TAMPERING],
)
def test_tampering_is_caught_at_the_first_bad_index(
    log: dict[str, object],
    lifted_triggers: None,
    tamper: Callable[[int], None],
    index: int,
    words: str,
) -> None:
    report = caught(tamper, index, words, events=True)
    assert not report.ok
    assert report.summary().startswith(f"log verification FAILED at index {index}: ")
    run = VerificationRun.objects.latest("id")
    assert (run.ok, run.first_bad_index) == (False, index)
    assert words in run.detail


# Changes to the log itself, caught without reading event rows, on the entry-by-entry path
# (the default chunk is larger than the log) and on the whole-block path (chunks of 4).
LOG_TAMPERING = [
    (name, tamper, index, words)
    for name, tamper, index, words in TAMPERING
    if not name.startswith("event") and name != "leaf and its hash"
] + [("leaf and its hash", _set_leaf_and_hash, 12, "(level 1 #6, entries 12 to 13) does not")]


@pytest.mark.parametrize("chunk", [audit.CHUNK, 4, 8])
@pytest.mark.parametrize(
    ("tamper", "index", "words"),
    [pytest.param(t, i, w, id=name) for name, t, i, w in LOG_TAMPERING],
)
def test_the_log_alone_catches_changes_to_the_log(
    log: dict[str, object],
    lifted_triggers: None,
    chunk: int,
    tamper: Callable[[int], None],
    index: int,
    words: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(audit, "MIN_BLOCK", 2)
    caught(tamper, index, words, chunk=chunk)


def test_whole_blocks_give_the_same_root_and_checkpoints(
    log: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    grow(70 - store.size())
    make_checkpoint()  # size 70: inside the block [64, 72) of 8
    one_by_one: list[int] = []
    entry_path = audit._Audit._verify_chunk

    def spy(self: audit._Audit, start: int, end: int) -> None:
        one_by_one.append(start)
        entry_path(self, start, end)

    monkeypatch.setattr(audit._Audit, "_verify_chunk", spy)
    monkeypatch.setattr(audit, "MIN_BLOCK", 2)
    assert audit.verify(by="test", chunk=8).ok
    # Blocks are halved around checkpoints 10 and 25 and [64, 70) is cut into 4 + 2: only
    # the entries on either side of 25, single, are left for the entry-by-entry path.
    assert one_by_one == [24, 25]
    for chunk in (audit.CHUNK, 4, 8, 16, 7):
        report = audit.verify(by="test", chunk=chunk)
        assert report.ok, (chunk, report.problem)
        assert report.root == merkle.root(leaf_hashes())
        assert (report.checkpoints, report.latest_checkpoint) == (4, 70)


@pytest.mark.django_db(transaction=True)  # worker processes see committed rows only
@pytest.mark.parametrize("events", [False, True])
def test_worker_processes_hash_whole_chunks_and_the_parent_names_the_bad_index(
    log: dict[str, object],
    lifted_triggers: None,
    monkeypatch: pytest.MonkeyPatch,
    events: bool,
) -> None:
    grow(64 - store.size())
    monkeypatch.setattr(audit, "MIN_BLOCK", 2)
    shared: list[int] = []
    share_out = audit._Audit._hashed_elsewhere

    def spy(self: audit._Audit, spans: list[tuple[int, int]]) -> audit._Hashed:
        hashed = share_out(self, spans)
        shared.append(len(hashed._roots))
        return hashed

    monkeypatch.setattr(audit._Audit, "_hashed_elsewhere", spy)
    one = audit.verify(by="test", chunk=8, events=events, workers=1)
    in_parent: list[int] = []
    look_closer = audit._Audit._verify_range

    def parent_spy(self: audit._Audit, start: int, end: int) -> None:
        if end - start == 8:
            in_parent.append(start)
        look_closer(self, start, end)

    monkeypatch.setattr(audit._Audit, "_verify_range", parent_spy)
    two = audit.verify(by="test", chunk=8, events=events, workers=2)
    assert one.ok and two.ok, (one.problem, two.problem)
    assert two.root == one.root == merkle.root(leaf_hashes())
    assert two.checkpoints == one.checkpoints == 3
    assert shared == [0, 8]  # 64 entries: eight whole chunks of 8 went to the workers
    assert in_parent == [8, 24]  # their roots were used, but where checkpoints 10 and 25 lie
    _set_leaf_hash(50)
    problem = audit.verify(by="test", chunk=8, events=events, workers=2).problem
    assert problem is not None and problem.index == 50
    assert "stored leaf hash is not SHA-256" in problem.what


def test_without_events_an_edited_event_row_is_not_looked_at(
    log: dict[str, object], lifted_triggers: None
) -> None:
    _set_event("payload", '{"method": "forged"}')(13)
    report = audit.verify(by="test")
    assert report.ok and not report.events_checked
    assert report.summary().endswith("event rows not compared (--events)")
    problem = audit.verify(by="test", events=True).problem
    assert problem is not None and problem.index == 13


def test_an_edited_actor_is_caught(log: dict[str, object], lifted_triggers: None) -> None:
    index = first_memo_event_after(12)
    _set_event_actor(index)
    problem = audit.verify(by="test", events=True).problem
    assert problem is not None and problem.index == index
    assert "actor differs" in problem.what


def test_a_rewritten_history_that_agrees_with_itself_is_caught_by_the_checkpoints(
    log: dict[str, object], lifted_triggers: None
) -> None:
    """Everything below the checkpoints rewritten consistently: event row, leaf, leaf hash
    and every node. Only the signed checkpoints can tell, and they do."""
    event = entry_event(13)
    raw("UPDATE events_event SET payload = %s WHERE id = %s", ['{"method": "rewritten"}', event.id])
    event.refresh_from_db()
    data = leaves.encode(event)
    raw(
        'UPDATE ledger_logentry SET leaf = %s, leaf_hash = %s WHERE "index" = %s',
        [data, merkle.leaf_hash(data), 13],
    )
    compact = merkle.CompactRange()
    for h in leaf_hashes():
        for level, index, node in compact.append(h):
            raw(
                'UPDATE ledger_subtree SET hash = %s WHERE level = %s AND "index" = %s',
                [node, level, index],
            )
    assert store.root() == merkle.root(leaf_hashes())  # the rows agree with each other
    problem = audit.verify(by="test").problem
    assert problem is not None
    assert problem.index is None
    assert "checkpoint of size 25 has a root that is not the log's root" in problem.what


def test_a_changed_checkpoint_root_is_caught(log: dict[str, object], lifted_triggers: None) -> None:
    raw("UPDATE ledger_checkpoint SET root = %s WHERE size = 25", [b"\x02" * 32])
    problem = audit.verify(by="test").problem
    assert problem is not None and "checkpoint of size 25" in problem.what


def test_a_forged_checkpoint_note_is_caught(log: dict[str, object], lifted_triggers: None) -> None:
    note = Checkpoint.objects.get(size=25).note
    body, _, _ = note.partition("\n\n")
    forger = generate_signer_key(ORIGIN)
    from dissent.ledger.note import sign_note

    raw("UPDATE ledger_checkpoint SET note = %s WHERE size = 25", [sign_note(body + "\n", forger)])
    problem = audit.verify(by="test").problem
    assert problem is not None
    assert "checkpoint of size 25: its signature does not verify" in problem.what


def test_a_checkpoint_note_for_another_size_is_caught(
    log: dict[str, object], lifted_triggers: None
) -> None:
    note = Checkpoint.objects.get(size=10).note
    raw("UPDATE ledger_checkpoint SET note = %s WHERE size = 25", [note])
    problem = audit.verify(by="test").problem
    assert problem is not None and "its note says size 10" in problem.what


def test_without_a_log_key_the_note_body_is_still_checked(
    log: dict[str, object], lifted_triggers: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "configured_log_key", lambda: None)
    report = audit.verify(by="test")
    assert report.ok and not report.signatures_checked
    assert "NO log key" in report.summary()
    raw(
        "UPDATE ledger_checkpoint SET note = %s WHERE size = 25",
        [Checkpoint.objects.get(size=10).note],
    )
    problem = audit.verify(by="test").problem
    assert problem is not None and "its note says size 10" in problem.what


def test_an_event_outside_the_log_is_caught(log: dict[str, object]) -> None:
    with transaction.atomic():
        event = Event.objects.create(type=EventType.LOGIN_FAILED, payload={"method": "sneaked"})
    problem = audit.verify(by="test").problem
    assert problem is not None and problem.what == f"event {event.id} is not in the log"


def test_a_shrunk_log_is_caught_by_its_checkpoint(
    log: dict[str, object], lifted_triggers: None
) -> None:
    raw("UPDATE ledger_loghead SET size = 30")
    problem = audit.verify(by="test").problem
    assert problem is not None and problem.index == 30
    assert "checkpoint of size 40 is beyond the log's 30 entries" in problem.what


def test_a_grown_head_without_entries_is_caught(log: dict[str, object]) -> None:
    raw("UPDATE ledger_loghead SET size = 45")
    problem = audit.verify(by="test").problem
    assert problem is not None and problem.index == 40
    assert problem.what == "the entry is missing"


def test_the_first_of_two_bad_entries_is_named(
    log: dict[str, object], lifted_triggers: None
) -> None:
    _set_leaf(33)
    _set_event("payload", '{"method": "x"}')(17)
    problem = audit.verify(by="test", chunk=7, events=True).problem
    assert problem is not None and problem.index == 17


# --------------------------------------------------------------------------- the command


def run_verify(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("ledger", "verify", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_the_command_exits_0_with_a_one_line_summary(log: dict[str, object]) -> None:
    status, out, err = run_verify("--by", "ian")
    assert status == 0
    assert out.count("\n") == 1 and out.startswith("log verified: 40 entries, root ")
    assert err == ""  # no progress on a small log by default
    assert VerificationRun.objects.get().by == "ian"


def test_the_command_exits_1_naming_the_first_bad_index(
    log: dict[str, object], lifted_triggers: None
) -> None:
    _set_leaf_hash(21)
    status, out, err = run_verify()
    assert status == 1
    assert out == ""
    assert err.strip() == (
        "dissent: ledger verify: log verification FAILED at index 21: "
        "stored leaf hash is not SHA-256(0x00 || leaf)"
    )
    assert VerificationRun.objects.get().by.startswith("cli:")


def test_the_command_refuses_a_malformed_log_key(log: dict[str, object]) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--log-key is not a verifier key"):
        call_command("ledger", "verify", "--log-key", "nonsense")


def test_the_command_checks_signatures_with_a_given_key(log: dict[str, object]) -> None:
    other = generate_signer_key(ORIGIN).verifier.encode()
    status, _, err = run_verify("--log-key", other)
    assert status == 1 and "its signature does not verify" in err


def test_progress_every_5_percent_on_stderr(log: dict[str, object]) -> None:
    grow(200 - store.size())
    lines: list[tuple[int, int]] = []
    report = audit.verify(
        by="test", chunk=3, progress=lambda done, total: lines.append((done, total))
    )
    assert report.ok
    assert lines[-1] == (200, 200)
    steps = [done for done, _ in lines]
    assert steps == sorted(steps) and all(b - a <= 12 for a, b in itertools.pairwise(steps))
    assert 17 <= len(lines) <= 24  # about every 5 %

    status, _, err = run_verify("--progress")
    assert status == 0
    shown = err.strip().splitlines()
    assert shown[-1] == "verified 200 of 200 entries (100%)"
    assert all(re.fullmatch(r"verified [\d,]+ of 200 entries \(\d+%\)", line) for line in shown)


def test_large_logs_show_progress_without_asking(
    log: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "PROGRESS_MAX_ENTRIES", 30)
    status, _, err = run_verify()
    assert status == 0 and "verified 40 of 40 entries (100%)" in err
    status, _, err = run_verify("--no-progress")
    assert status == 0 and err == ""


@pytest.mark.cli
def test_dissent_ledger_verify_exit_status_as_an_operator_sees_it(tmp_path: Path) -> None:
    """The real `dissent` program on its own SQLite database: 0 on a good log; 1 and one
    line naming the index once a row is changed behind the application's back."""
    from tests.test_cli import cli_env, dissent

    env = cli_env(tmp_path)
    assert dissent("migrate", env=env).returncode == 0
    made = dissent(
        "createuser",
        "pat@example.org",
        "--role",
        "staff",
        "--password-stdin",
        env=env,
        stdin="a long password for pat 42\n",
    )
    assert made.returncode == 0, made.stderr
    good = dissent("ledger", "verify", env=env)
    assert good.returncode == 0, good.stderr
    assert re.fullmatch(
        r"log verified: 1 entry, root \S+, no checkpoint signed yet, "
        r"0 checkpoints consistent, event rows not compared \(--events\)\n",
        good.stdout,
    )

    with sqlite3.connect(tmp_path / "dissent.sqlite3") as db:
        db.execute('DROP TRIGGER "ledger_logentry_refuse_update"')
        db.execute("UPDATE ledger_logentry SET leaf = CAST('forged' AS BLOB) WHERE \"index\" = 0")
    bad = dissent("ledger", "verify", env=env)
    assert bad.returncode == 1
    assert bad.stdout == ""
    assert bad.stderr == (
        "dissent: ledger verify: log verification FAILED at index 0: "
        "stored leaf hash is not SHA-256(0x00 || leaf)\n"
    )
    usage = dissent("ledger", "verify", "--log-key", "nonsense", env=env)
    assert usage.returncode == 2 and usage.stderr.startswith("dissent: ledger: --log-key")


def test_entries_and_checkpoints_added_during_a_run_are_not_faults(
    log: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The size is read once at the start; what the application appends and signs while
    the audit runs is left for the next run, not reported as tampering."""
    real_size = store.size
    sizes = iter([40])  # the audit's first reading; later ones see the grown log

    def size_at_start_then_now() -> int:
        return next(sizes, None) or real_size()

    grow(5)
    make_checkpoint()  # size 45, "signed during the run"
    monkeypatch.setattr(store, "size", size_at_start_then_now)
    report = audit.verify(by="test")
    assert report.ok, report.problem
    assert report.size == 40 and report.latest_checkpoint == 40
