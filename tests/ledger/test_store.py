"""The log in the database (dissent.ledger.store) against the pure RFC 9162 code: every
root and proof read from storage equals merkle.py's over the same leaf hashes; the event and
its entry commit or vanish together; reads stay O(log n) queries."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from dissent.accounts.actions import do_create_user
from dissent.accounts.models import User
from dissent.accounts.roles import Role
from dissent.events.models import Event
from dissent.events.record import EventPayloadError, record_event, record_events
from dissent.events.types import EventType
from dissent.ledger import leaf as leaves
from dissent.ledger import merkle, store
from dissent.ledger.models import LogEntry, LogHead, Subtree
from dissent.memos import content as text
from dissent.memos.actions import (
    do_add_codrafter,
    do_create_memo,
    do_decline,
    do_save_version,
    do_sign,
    do_submit,
    do_withdraw,
)
from dissent.memos.models import Memo
from tests.conftest import PASSWORD, make_user
from tests.ledger.helpers import grow, leaf_hashes
from tests.memos.helpers import SENTINELS, TEXT, invite

pytestmark = pytest.mark.django_db

# Sizes around powers of two, where the tree's shape changes.
EDGE_SIZES = [
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    15,
    16,
    17,
    31,
    32,
    33,
    63,
    64,
    65,
    127,
    128,
    129,
    255,
    256,
    257,
    299,
    300,
]


def _forget_frontier() -> None:
    setattr(connection, store._FRONTIER_ATTR, None)


@pytest.mark.parametrize("cached", [True, False], ids=["frontier-cached", "frontier-read"])
def test_every_append_gives_the_rfc_root_for_sizes_1_to_300(cached: bool) -> None:
    start = store.size()
    hashes = leaf_hashes()
    assert store.root() == merkle.root(hashes)
    with transaction.atomic():
        for n in range(1, 301):
            if not cached:
                _forget_frontier()
            event = record_event(EventType.LOGIN_FAILED, actor=None, payload={"method": f"m{n}"})
            entry = LogEntry.objects.get(event=event)
            assert entry.index == start + n - 1
            assert bytes(entry.leaf) == leaves.encode(event)
            hashes.append(merkle.leaf_hash(bytes(entry.leaf)))
            assert bytes(entry.leaf_hash) == hashes[-1]
            assert store.size() == len(hashes)
            assert store.root() == merkle.root(hashes), f"root differs at size {len(hashes)}"


def test_stored_proofs_equal_the_pure_proofs() -> None:
    grow(300 - store.size())
    hashes = leaf_hashes()
    assert len(hashes) == 300
    for size in EDGE_SIZES:
        assert store.root(size) == merkle.root(hashes[:size])
        for index in range(size):
            proof = store.inclusion_proof(index, size)
            assert proof == merkle.inclusion_proof(hashes[:size], index), (index, size)
            assert store.inclusion(index, size) == (proof, merkle.root(hashes[:size]))
            merkle.verify_inclusion(hashes[index], index, size, proof, store.root(size))
        for old in EDGE_SIZES:
            if old <= size:
                proof = store.consistency_proof(old, size)
                assert proof == merkle.consistency_proof(hashes[:size], old), (old, size)
                assert store.consistency(old, size) == (
                    proof,
                    merkle.root(hashes[:old]),
                    merkle.root(hashes[:size]),
                )
                merkle.verify_consistency(old, size, store.root(old), store.root(size), proof)


def test_any_range_hash_is_the_rfc_subtree_hash() -> None:
    grow(70 - store.size())
    hashes = leaf_hashes()
    for start in range(0, 70, 3):
        for end in range(start + 1, 71, 5):
            assert store.subtree_hash(start, end) == merkle.root(hashes[start:end]), (start, end)


def test_every_aligned_subtree_is_stored_once() -> None:
    grow(300 - store.size())
    hashes = leaf_hashes()
    stored = {(s.level, s.index): bytes(s.hash) for s in Subtree.objects.all()}
    expected = {}
    for level in range(1, 9):
        width = 1 << level
        for index in range(300 // width):
            expected[(level, index)] = merkle.root(hashes[index * width : (index + 1) * width])
    assert stored == expected


def test_reads_take_a_constant_number_of_queries() -> None:
    grow(300 - store.size())
    for call in (
        lambda: store.inclusion_proof(137, 300),
        lambda: store.consistency_proof(129, 300),
        lambda: store.root(299),
        lambda: store.inclusion(137, 300),
        lambda: store.consistency(129, 300),
    ):
        with CaptureQueriesContext(connection) as queries:
            call()
        # One query: the log's size (to refuse a size beyond it) and every hash needed.
        assert len(queries) == 1, [q["sql"] for q in queries]


def test_appends_in_one_transaction_read_the_frontier_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    grow(5)
    _forget_frontier()
    fetches: list[object] = []
    fetch = store._fetch

    def counted(keys, **options):  # type: ignore[no-untyped-def]
        fetches.append(keys)
        return fetch(keys, **options)

    monkeypatch.setattr(store, "_fetch", counted)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        for _ in range(64):
            record_event(EventType.LOGIN_FAILED, actor=None, payload={"method": "x"})
    if connection.vendor == "postgresql":
        # Per event: the event insert and one call of the append function (append_pg.py),
        # which reads the frontier inside the server.
        assert fetches == []
        assert len(queries) <= 64 * 2 + 1, [q["sql"] for q in queries]
    else:
        assert len(fetches) == 1
        # Per event at most: event insert, head move, entry insert, subtree insert.
        assert len(queries) <= 64 * 4 + 1
    assert store.root() == merkle.root(leaf_hashes())


def test_a_rolled_back_savepoint_does_not_leave_a_stale_frontier() -> None:
    grow(5)
    with transaction.atomic():
        record_event(EventType.LOGIN_FAILED, actor=None, payload={"method": "kept"})
        try:
            with transaction.atomic():
                record_event(EventType.LOGIN_FAILED, actor=None, payload={"method": "undone"})
                record_event(EventType.LOGIN_FAILED, actor=None, payload={"method": "undone"})
                raise RuntimeError("roll back the savepoint")
        except RuntimeError:
            pass
        record_event(EventType.LOGIN_FAILED, actor=None, payload={"method": "after"})
    hashes = leaf_hashes()
    assert store.size() == len(hashes)
    assert store.root() == merkle.root(hashes)
    assert not Event.objects.filter(payload={"method": "undone"}).exists()


def test_bulk_append_matches_one_by_one() -> None:
    grow(3)
    with transaction.atomic():
        events = [
            Event.objects.create(type=EventType.LOGIN_FAILED, payload={"method": str(i)})
            for i in range(40)
        ]
        before = store.size()
        indexes = store.append_events(events)
    assert indexes == range(before, before + 40)
    assert [LogEntry.objects.get(event=e).index for e in events] == list(indexes)
    assert store.root() == merkle.root(leaf_hashes())


def test_appending_outside_a_transaction_is_refused(transactional_db: None) -> None:
    event = Event.objects.create(type=EventType.LOGIN_FAILED, payload={"method": "x"})
    with pytest.raises(RuntimeError, match="inside the transaction"):
        store.append_event(event)


def test_recording_several_events_checks_every_payload_before_writing_any() -> None:
    memo_id = uuid.uuid4()
    before = (Event.objects.count(), store.size())
    with pytest.raises(EventPayloadError, match="may not carry"), transaction.atomic():
        record_events(
            EventType.INVITED,
            actor=None,
            subject_id=memo_id,
            payloads=[{"user": "first"}, {"user": "second", "text": "secret"}],
        )
    assert (Event.objects.count(), store.size()) == before
    with transaction.atomic():
        events = record_events(
            EventType.INVITED,
            actor=None,
            subject_id=memo_id,
            payloads=[{"user": "first"}, {"user": "second"}],
        )
    entries = LogEntry.objects.filter(event__in=events).order_by("index")
    assert [e.event_id for e in entries] == [e.id for e in events]
    assert [e.index for e in entries] == [before[1], before[1] + 1]
    assert [bytes(e.leaf) for e in entries] == [leaves.encode(e) for e in events]


def test_out_of_range_reads_name_the_argument() -> None:
    grow(10 - store.size())
    for call, field in [
        (lambda: store.inclusion_proof(0, 11), "size"),
        (lambda: store.inclusion_proof(10, 10), "index"),
        (lambda: store.consistency_proof(0, 5), "old"),
        (lambda: store.consistency_proof(6, 5), "old"),
        (lambda: store.consistency_proof(1, 11), "new"),
    ]:
        with pytest.raises(store.RangeError) as exc:
            call()
        assert exc.value.field == field
    with pytest.raises(store.RangeError):
        store.root(11)
    with pytest.raises(store.RangeError):
        store.subtree_hash(3, 3)
    assert store.root(0) == merkle.EMPTY_ROOT


def test_a_missing_stored_node_is_named_not_guessed(lifted_triggers: None) -> None:
    grow(8 - store.size())
    Subtree.objects.filter(level=2, index=1).delete()
    with pytest.raises(store.LedgerError, match=r"level 2 #1 \(entries 4 to 7\)"):
        store.inclusion_proof(0, 8)


def test_a_lost_head_row_stops_appends_and_their_events(lifted_triggers: None) -> None:
    # The data migration makes the row and the triggers keep it: it is never recreated at
    # size 0 over a log that has entries (nor on an empty one: that is no different).
    grow(2)
    assert LogHead.objects.get(id=1).size == store.size() == 2
    events = Event.objects.count()
    LogHead.objects.all().delete()
    with pytest.raises(store.LedgerError, match="head row is missing"):
        grow(1)
    assert Event.objects.count() == events
    assert not LogHead.objects.exists()


# --------------------------------------------------------------------------- atomicity


def test_an_action_failing_after_its_event_leaves_neither_event_nor_entry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = make_user("alice", Role.STAFF)
    memo = do_create_memo(text.clean(**TEXT), acting_user=alice)
    before = (Event.objects.count(), LogEntry.objects.count(), store.size(), store.root())

    def broken_refresh(self: Memo, *args: object, **kwargs: object) -> None:
        raise RuntimeError("the action fails after recording its event")

    monkeypatch.setattr(Memo, "refresh_from_db", broken_refresh)
    with pytest.raises(RuntimeError, match="after recording"):
        do_submit(memo, version=1, names_visible_to="office", acting_user=alice)
    monkeypatch.undo()
    assert (Event.objects.count(), LogEntry.objects.count(), store.size(), store.root()) == before
    assert not Event.objects.filter(type=EventType.SUBMITTED).exists()


def test_a_failing_append_takes_its_event_with_it(monkeypatch: pytest.MonkeyPatch) -> None:
    grow(2)
    before = (Event.objects.count(), store.size())

    def refuse(*args: object, **kwargs: object) -> None:
        raise store.LedgerError("the log refuses")

    monkeypatch.setattr(store, "append_leaves", refuse)
    with pytest.raises(store.LedgerError), transaction.atomic():
        record_event(EventType.LOGIN_FAILED, actor=None, payload={"method": "x"})
    assert (Event.objects.count(), store.size()) == before


# --------------------------------------------------------------------------- leaves


def test_real_actions_are_all_logged_without_text_or_identities() -> None:
    name_sentinel = "Hieronymus-Sentinel-Name"
    alice = do_create_user(
        "sentinel-mailbox-q9@example.org",
        acting_user=None,
        role=Role.STAFF,
        password=PASSWORD,
        display_name=name_sentinel,
        via="test",
    )
    bob = make_user("bob", Role.STAFF)
    carol = make_user("carol", Role.STAFF)
    cora = make_user("cora", Role.STAFF)
    memo = do_create_memo(text.clean(**TEXT), acting_user=alice)
    do_add_codrafter(memo, cora.email, acting_user=alice)
    version = do_save_version(
        memo,
        text.clean(**{**TEXT, "body": TEXT["body"] + "\n\n(U) More."}),
        base_version=1,
        acting_user=cora,
    )
    invite(memo, alice, bob, carol)
    do_sign(memo, version=2, acting_user=bob)
    do_withdraw(memo, acting_user=bob)
    do_sign(memo, version=2, acting_user=bob)
    do_decline(memo, acting_user=carol)
    do_submit(memo, version=2, names_visible_to="office", acting_user=alice)

    events = list(Event.objects.order_by("id"))
    entries = {e.event_id: e for e in LogEntry.objects.all()}
    assert set(entries) == {e.id for e in events}, "every event has exactly one log entry"
    assert sorted(e.index for e in entries.values()) == list(range(len(events)))
    logged_types = {e.type for e in events}
    assert {
        EventType.USER_CREATED,
        EventType.MEMO_CREATED,
        EventType.VERSION_SAVED,
        EventType.CODRAFTER_ADDED,
        EventType.INVITED,
        EventType.SIGNED,
        EventType.SIGNATURE_WITHDRAWN,
        EventType.DECLINED,
        EventType.SUBMITTED,
    } <= logged_types

    forbidden = [*SENTINELS, name_sentinel, "sentinel-mailbox", "example.org", "Alice"]
    for user in (alice, bob, carol, cora):
        forbidden += [user.email, user.display_name, str(user.id), user.id.hex]
    forbidden += [version.content_hash, memo.versions.get(number=1).content_hash]
    for event in events:
        data = bytes(entries[event.id].leaf)
        decoded = data.decode("utf-8")
        for needle in forbidden:
            assert needle not in decoded, (needle, decoded)
        fields = leaves.decode(data)
        assert set(fields) == {"t", "s", "at", "a", "c", "n", "p"}
        assert fields["t"] == event.type and fields["n"] == event.id
        assert fields["c"] == (event.commitment or None)
        if event.type // 100 == 1:
            assert fields["s"] == str(memo.id)  # the message's random id, for receipts
        else:
            assert fields["s"] == leaves.pseudonym(event.subject_id)
        assert fields["a"] == (leaves.pseudonym(event.actor_id) if event.actor_id else None)
    submitted = Event.objects.get(type=EventType.SUBMITTED)
    assert leaves.decode(bytes(entries[submitted.id].leaf))["c"] == version.commitment


def test_leaf_encoding_is_canonical_and_versioned() -> None:
    user_id = uuid.UUID("12345678-1234-5678-1234-567812345678")
    memo_id = uuid.UUID("87654321-4321-8765-4321-876543218765")
    from datetime import UTC, datetime

    at = datetime(2026, 11, 28, 6, 8, 0, 123456, tzinfo=UTC)

    def encode(key: bytes) -> bytes:
        return leaves.Encoder(key).encode_fields(
            event_id=42,
            type=108,
            subject_id=str(memo_id),
            at=at,
            actor_id=user_id,
            commitment="ab" * 32,
            payload={"version": 2, "names": "office"},
        )

    data = encode(b"k" * 32)
    tag, body = data.split(b"\n", 1)
    assert tag == b"dissent-ledger-leaf/v1"
    fields = json.loads(body)
    assert list(fields) == sorted(fields)
    assert body == json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    assert fields["at"] == "2026-11-28T06:08:00.123456Z"
    assert fields["s"] == str(memo_id)
    assert fields["a"] == leaves.pseudonym(user_id, b"k" * 32)
    assert len(fields["a"]) == 32 and len(fields["p"]) == 64
    # The key matters: another key gives other pseudonyms and MACs, so guesses need it.
    other = leaves.decode(encode(b"j" * 32))
    assert other["a"] != fields["a"] and other["p"] != fields["p"]
    assert other["s"] == fields["s"]
    # Users as subjects are pseudonyms, and non-UUID subjects never appear as text.
    encoder = leaves.Encoder(b"k" * 32)
    assert encoder.subject(801, str(user_id)) == leaves.pseudonym(user_id, b"k" * 32)
    assert encoder.subject(217, "2026-12-24") != "2026-12-24"
    with pytest.raises(leaves.LeafError):
        leaves.decode(b"other-tag\n{}")


def test_a_short_configured_pseudonym_key_is_refused(settings) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ImproperlyConfigured

    settings.LEDGER_PSEUDONYM_KEY = "too short"
    with pytest.raises(ImproperlyConfigured, match="at least 32"):
        leaves.pseudonym_key()
    settings.LEDGER_PSEUDONYM_KEY = "x" * 32
    assert leaves.pseudonym_key() == b"x" * 32


def test_users_are_never_named_in_leaves_of_account_events() -> None:
    user: User = make_user("zed", Role.AUDITOR)
    for entry in LogEntry.objects.all():
        assert user.email not in bytes(entry.leaf).decode()
        assert str(user.id) not in bytes(entry.leaf).decode()


# --------------------------------------------------------------------------- concurrency


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("head", ["grown", "flushed"])
def test_two_threads_appending_at_once_leave_one_consistent_log(head: str) -> None:
    """On SQLite (a file database, IMMEDIATE transactions) and PostgreSQL (the head row
    lock): no index taken twice, none skipped, and the root is the RFC root."""
    import threading

    from dissent.ledger import audit

    if head == "flushed":
        # As after Django's flush between transactional tests (tests/conftest.py puts the
        # head row back): both threads start from an empty log.
        call_command("flush", interactive=False, verbosity=0)
    else:
        grow(3)
    before = store.size()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            barrier.wait(timeout=60)
            for i in range(25):
                with transaction.atomic():
                    for j in range(i % 3 + 1):  # transactions of 1 to 3 events
                        record_event(
                            EventType.LOGIN_FAILED, actor=None, payload={"method": f"{name}{i}.{j}"}
                        )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    added = 2 * sum(i % 3 + 1 for i in range(25))
    assert store.size() == before + added
    indexes = list(LogEntry.objects.order_by("index").values_list("index", flat=True))
    assert indexes == list(range(before + added))
    assert not Event.objects.filter(log_entry__isnull=True).exists()
    assert store.root() == merkle.root(leaf_hashes())
    assert audit.verify(by="test").ok


@given(
    a=st.none() | st.text(max_size=40),
    at=st.text(max_size=40),
    c=st.none() | st.text(max_size=70),
    n=st.integers(min_value=0, max_value=2**63),
    p=st.text(max_size=70),
    s=st.none() | st.text(max_size=40),
    t=st.integers(min_value=0, max_value=10**6),
)
def test_the_fast_leaf_writer_gives_canonical_json(
    a: str | None, at: str, c: str | None, n: int, p: str, s: str | None, t: int
) -> None:
    # leaf._pack_leaf writes the common case by hand; it must equal canonical_json always,
    # whatever an edited event row puts into a field (quotes, newlines, non-ASCII).
    expected = leaves.pack({"a": a, "at": at, "c": c, "n": n, "p": p, "s": s, "t": t})
    assert leaves._pack_leaf(a, at, c, n, p, s, t) == expected


def test_inviting_hundreds_appends_with_a_constant_cost_per_event(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """do_invite records one event per invitee in one transaction: the frontier is read
    once, and each append is a few statements, however large the log or the list."""
    owner = make_user("alice", Role.STAFF)
    memo = do_create_memo(text.clean(**TEXT), acting_user=owner)
    colleagues = User.objects.bulk_create(
        [User(email=f"colleague{i}@example.org", role=Role.STAFF) for i in range(200)]
    )
    grow(1000)  # a log of some size already
    _forget_frontier()  # as in a new transaction
    fetches: list[object] = []
    fetch = store._fetch
    monkeypatch.setattr(
        store, "_fetch", lambda keys, **options: fetches.append(keys) or fetch(keys, **options)
    )
    with CaptureQueriesContext(connection) as queries:
        invite(memo, owner, *colleagues)
    log_statements = [q for q in queries if "ledger_" in q["sql"]]
    if connection.vendor == "postgresql":
        # One call of the append function for all 200 events (append_pg.py).
        assert fetches == []
        assert len(log_statements) == 1, [q["sql"] for q in log_statements]
    else:
        assert len(fetches) == 1
        # head move + entry insert per event, node inserts about half the time
        assert len(log_statements) <= 200 * 3 + 1, len(log_statements)
    assert store.root() == merkle.root(leaf_hashes())
    assert LogEntry.objects.filter(event__type=EventType.INVITED).count() == 200


def test_batched_appends_store_exactly_the_nodes_of_a_compact_range() -> None:
    """Whichever path appends (Python on SQLite, the server function on PostgreSQL), each
    stored node is the one merkle.CompactRange completes, for batches of any size starting
    at any size."""
    start = store.size()
    expected = merkle.CompactRange.from_hashes(
        start, [store.subtree_hash(i << lv, (i + 1) << lv) for lv, i in store._tiles(0, start)]
    )
    completed: list[tuple[int, int, bytes]] = []
    for n, batch in enumerate([1, 2, 3, 5, 8, 13, 31, 64, 1]):
        blobs = [f"batch {n} leaf {i}".encode() for i in range(batch)]
        with transaction.atomic():
            taken = store.append_leaves([(None, blob) for blob in blobs])
        assert taken == range(expected.size, expected.size + batch)
        for blob in blobs:
            completed += expected.append(merkle.leaf_hash(blob))
    stored = {
        (s.level, s.index): bytes(s.hash)
        for s in Subtree.objects.filter(level__gt=0)
        if (s.index + 1) << s.level > start
    }
    assert stored == {(lv, i): h for lv, i, h in completed}
    assert store.root() == expected.root() == merkle.root(leaf_hashes())


def test_a_missing_frontier_node_stops_the_append_and_its_event(lifted_triggers: None) -> None:
    """A stored node the next append builds on is gone (tampering, a bad restore): the
    append refuses with LedgerError, on either path, and its event goes with it."""
    grow(6)
    assert store._tiles(0, store.size()) == [(2, 0), (1, 2)]
    Subtree.objects.filter(level=1, index=2).delete()
    _forget_frontier()  # as in a new transaction
    events, size = Event.objects.count(), store.size()
    with pytest.raises(store.LedgerError, match=r"missing.*dissent ledger verify"):
        grow(1)
    assert (Event.objects.count(), store.size()) == (events, size)
