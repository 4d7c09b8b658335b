"""The witness, end to end against a live server over loopback: `dissent ledger witness` runs
as another office would (a subprocess with no database and no Django settings), cosigns
consistent checkpoints, refuses a rewritten history, and the server keeps only cosignatures
by the witnesses it knows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dissent.accounts.actions import do_create_token
from dissent.accounts.roles import Role
from dissent.crypto.signing import COSIGNATURE_V1, SignerKey, generate_signer_key
from dissent.ledger import merkle, store
from dissent.ledger.models import Checkpoint, Cosignature
from dissent.ledger.note import Checkpoint as CheckpointBody
from dissent.ledger.note import sign_checkpoint
from dissent.ledger.witness import (
    WitnessError,
    WitnessRefusal,
    WitnessState,
    load_state,
    witness_once,
)
from tests.conftest import make_user
from tests.ledger.helpers import ORIGIN, rewrite_first_entry
from tests.memos.helpers import make_memo

pytestmark = pytest.mark.server


@pytest.fixture
def office(
    transactional_db: None,
    live_server,  # type: ignore[no-untyped-def]
    log_signer: SignerKey,
    witness_signer: SignerKey,
    tmp_path: Path,
) -> Iterator[dict[str, object]]:
    """A log with a few events, a witness account with an API token, the witness's files."""
    alice = make_user("alice", Role.STAFF)
    ian = make_user("ian", Role.AUDITOR)
    make_memo(alice)
    _, token = do_create_token(ian, "witness", acting_user=ian)
    key_file = tmp_path / "witness.key"
    key_file.write_text(f"{witness_signer.encode()}\n{witness_signer.verifier.encode()}\n")
    yield {
        "url": str(live_server.url),
        "token": token,
        "key": key_file,
        "state": tmp_path / "witness.state",
        "alice": alice,
    }


def run_witness(
    office: dict[str, object], key: Path | None = None
) -> subprocess.CompletedProcess[str]:
    # Another office's machine: none of the server's settings, no database.
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DISSENT_", "DJANGO_")) and name != "DATABASE_URL"
    }
    env["DISSENT_WITNESS_TOKEN"] = str(office["token"])
    return subprocess.run(
        [
            sys.executable, "-m", "dissent.cli", "ledger", "witness",
            "--url", str(office["url"]),
            "--key", str(key or office["key"]),
            "--state", str(office["state"]),
            "--log-key", _log_vkey(),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip


def _log_vkey() -> str:
    from django.conf import settings

    from dissent.crypto.signing import parse_signer_key

    return parse_signer_key(settings.LEDGER_SIGNING_KEY).verifier.encode()


def test_the_witness_cosigns_then_checks_consistency_then_refuses_a_rewrite(
    office: dict[str, object], log_signer: SignerKey, witness_signer: SignerKey
) -> None:
    # First run: nothing seen before, the checkpoint is trusted and cosigned.
    first = run_witness(office)
    assert first.returncode == 0, first.stderr
    assert "first checkpoint seen" in first.stdout
    state = load_state(Path(str(office["state"])))
    assert state is not None and state.size == store.size()
    kept = Cosignature.objects.get()
    assert kept.checkpoint.size == state.size and kept.witness == "witness.example.org/w1"
    assert kept.line in first.stdout

    # Second run after more events: consistent with what it saw, cosigned again.
    make_memo(office["alice"])  # type: ignore[arg-type]
    second = run_witness(office)
    assert second.returncode == 0, second.stderr
    assert f"consistent with the {state.size} entries seen before" in second.stdout
    assert Cosignature.objects.count() == 2
    witnessed = load_state(Path(str(office["state"])))
    assert witnessed is not None and witnessed.size > state.size

    # The database's owner rewrites an entry (triggers dropped), appends, and has the log
    # key sign the rewritten tree, as a dishonest operator could.
    rewrite_first_entry()
    make_memo(office["alice"])  # type: ignore[arg-type]
    size = store.size()
    forged = sign_checkpoint(CheckpointBody(ORIGIN, size, store.root(size)), log_signer)
    Checkpoint.objects.create(size=size, root=store.root(size), note=forged)

    third = run_witness(office)
    assert third.returncode == 1
    assert third.stderr.count("\n") == 1, third.stderr
    assert "REFUSED" in third.stderr and "history was rewritten" in third.stderr
    assert Cosignature.objects.count() == 2  # nothing cosigned
    after = load_state(Path(str(office["state"])))
    assert after == witnessed  # the witness still remembers the honest tree
    assert list(Path(str(office["state"])).parent.glob("witness.state.refused-*"))


def test_the_server_refuses_a_witness_it_does_not_know(
    office: dict[str, object], tmp_path: Path
) -> None:
    stranger = generate_signer_key("stranger.example.org/w9", COSIGNATURE_V1)
    key_file = tmp_path / "stranger.key"
    key_file.write_text(stranger.encode() + "\n")
    result = run_witness(office, key_file)
    assert result.returncode == 1
    assert "403" in result.stderr and "not a witness of this log" in result.stderr
    assert not Cosignature.objects.exists()


# --- the witness's decisions, with a log in memory ----------------------------------------


class FakeLog:
    """A log seen through the witness's client interface, signing with ``key``."""

    def __init__(self, key: SignerKey, leaves: list[bytes]) -> None:
        self.key, self.hashes, self.posted = key, [merkle.leaf_hash(x) for x in leaves], []

    def checkpoint(self) -> str:
        body = CheckpointBody(self.key.name, len(self.hashes), merkle.root(self.hashes))
        return sign_checkpoint(body, self.key)

    def consistency(self, old: int, new: int) -> list[bytes]:
        return merkle.consistency_proof(self.hashes[:new], old)

    def post_cosignature(self, size: int, line: str) -> None:
        self.posted.append((size, line))


WITNESS = generate_signer_key("witness.example/w", COSIGNATURE_V1)
LOG = generate_signer_key("example.org/log")


def _once(log: FakeLog, state: Path) -> None:
    witness_once(log, WITNESS, LOG.verifier, state, clock=lambda: 1_700_000_000.0)  # type: ignore[arg-type]


def test_same_size_with_another_root_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state"
    _once(FakeLog(LOG, [b"a", b"b"]), state)
    with pytest.raises(WitnessRefusal, match="two different trees of size 2"):
        _once(FakeLog(LOG, [b"a", b"X"]), state)
    _once(FakeLog(LOG, [b"a", b"b"]), state)  # the same tree again is fine


def test_a_shrunk_log_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state"
    _once(FakeLog(LOG, [b"a", b"b", b"c"]), state)
    with pytest.raises(WitnessRefusal, match="entries were removed"):
        _once(FakeLog(LOG, [b"a", b"b"]), state)


def test_an_append_only_log_is_cosigned_each_time(tmp_path: Path) -> None:
    state = tmp_path / "state"
    leaves = [bytes([i]) for i in range(40)]
    for size in (1, 2, 3, 7, 8, 9, 31, 40):
        log = FakeLog(LOG, leaves[:size])
        _once(log, state)
        assert log.posted and log.posted[0][0] == size


def test_a_checkpoint_not_signed_by_the_log_key_is_refused(tmp_path: Path) -> None:
    impostor = generate_signer_key("example.org/log")
    with pytest.raises(WitnessRefusal, match="does not verify"):
        _once(FakeLog(impostor, [b"a"]), tmp_path / "state")
    assert not (tmp_path / "state").exists()


def test_another_origin_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state"
    _once(FakeLog(LOG, [b"a"]), state)
    saved = load_state(state)
    assert saved is not None
    other = WitnessState("other.example/log", saved.size, saved.root, saved.note)
    state.write_text(other.to_json())
    with pytest.raises(WitnessRefusal, match=r"not 'other\.example/log'"):
        _once(FakeLog(LOG, [b"a", b"b"]), state)


def test_a_damaged_state_file_stops_the_witness(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.write_text(json.dumps({"version": 1, "origin": "x"}))
    with pytest.raises(WitnessError, match="damaged"):
        _once(FakeLog(LOG, [b"a"]), state)
