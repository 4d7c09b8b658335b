"""Signed checkpoints (dissent.ledger.checkpoints): made from the stored log, one per size,
never for a history that does not extend the last signed one; the signing key from the
environment only; cosignatures kept only from known witnesses with valid signatures."""

from __future__ import annotations

import stat
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from pytest_django import Settings as SettingsWrapper

from dissent.accounts.models import User
from dissent.crypto.signing import (
    COSIGNATURE_V1,
    SignerKey,
    generate_signer_key,
    parse_signer_key,
    parse_verifier_key,
)
from dissent.ledger import checkpoints, merkle, store
from dissent.ledger.checkpoints import (
    LedgerInconsistent,
    LedgerKeyMissing,
    add_cosignature,
    current_checkpoint,
    make_checkpoint,
    note_with_cosignatures,
)
from dissent.ledger.keys import DEMO_KEY_FILE
from dissent.ledger.models import Checkpoint, Cosignature
from dissent.ledger.note import cosign, open_checkpoint, split_note
from dissent.ledger.offline import main
from dissent.lib.errors import Forbidden, InvalidInput, NotFound
from tests.ledger.helpers import ORIGIN, rewrite_first_entry
from tests.memos.helpers import make_memo, save
from tests.test_settings import KEY, decided, refused


def test_a_checkpoint_signs_the_stored_size_and_root(alice: User, log_signer: SignerKey) -> None:
    make_memo(alice)
    checkpoint = make_checkpoint()
    assert checkpoint.size == store.size() > 0
    assert bytes(checkpoint.root) == store.root()
    opened, note = open_checkpoint(checkpoint.note, log_signer.verifier, origin=ORIGIN)
    assert (opened.size, opened.root) == (checkpoint.size, bytes(checkpoint.root))
    assert [s.name for s in note.verified] == [ORIGIN]


def test_same_size_returns_the_existing_checkpoint(alice: User, log_signer: SignerKey) -> None:
    make_memo(alice)
    first = make_checkpoint()
    assert make_checkpoint() == first
    assert Checkpoint.objects.count() == 1
    save(first_memo := make_memo(alice), alice)  # the log grows
    assert first_memo
    second = make_checkpoint()
    assert second.size > first.size and Checkpoint.objects.count() == 2


def test_an_empty_log_has_a_checkpoint_of_size_zero(db: None, log_signer: SignerKey) -> None:
    if store.size():
        pytest.skip("the test database starts with log entries")
    checkpoint = make_checkpoint()
    assert checkpoint.size == 0 and bytes(checkpoint.root) == merkle.EMPTY_ROOT


def test_the_origin_setting_names_the_log(
    alice: User, log_signer: SignerKey, settings: SettingsWrapper
) -> None:
    settings.LEDGER_ORIGIN = "other.example.org/log"
    make_memo(alice)
    opened, _ = open_checkpoint(make_checkpoint().note, log_signer.verifier)
    assert opened.origin == "other.example.org/log"


def test_production_without_a_key_refuses_with_the_variable_named(
    alice: User, settings: SettingsWrapper
) -> None:
    settings.LEDGER_SIGNING_KEY = ""
    settings.DEBUG = settings.DEMO = False
    make_memo(alice)  # the log still records
    with pytest.raises(LedgerKeyMissing, match="DISSENT_LEDGER_SIGNING_KEY") as refused_:
        make_checkpoint()
    assert refused_.value.status == 503
    assert not Checkpoint.objects.exists()


def test_demo_mode_generates_one_private_key_in_the_data_dir(
    db: None, settings: SettingsWrapper, tmp_path: Path
) -> None:
    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_ORIGIN = ""
    settings.DEMO = True
    settings.DATA_DIR = tmp_path
    settings.BASE_URL = "http://localhost:8000"
    key = checkpoints.signing_key()
    assert key.name == "localhost/dissent-log"
    path = tmp_path / DEMO_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert checkpoints.signing_key() == key  # kept, not regenerated
    assert checkpoints.log_origin() == "localhost/dissent-log"


def test_a_rewritten_history_is_not_signed(alice: User, log_signer: SignerKey) -> None:
    make_memo(alice)
    signed = make_checkpoint()
    rewrite_first_entry()  # by the database's owner, nodes recomputed to agree
    save(make_memo(alice), alice)  # the log grows; the next checkpoint would cover the forgery
    with pytest.raises(LedgerInconsistent, match=f"size {signed.size}"):
        make_checkpoint()
    assert Checkpoint.objects.count() == 1


def test_current_checkpoint_is_rate_limited(
    alice: User, log_signer: SignerKey, settings: SettingsWrapper
) -> None:
    settings.LEDGER_CHECKPOINT_SECONDS = 60
    make_memo(alice)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        first = current_checkpoint()
        make_memo(alice)
        assert current_checkpoint() == first  # within the minute: no new signature
        clock.shift(timedelta(seconds=61))
        second = current_checkpoint()
    assert second.size > first.size


# --- cosignatures ------------------------------------------------------------------------


def _cosigned(key: SignerKey, checkpoint: Checkpoint, at: int | None = None) -> str:
    body, _ = split_note(checkpoint.note)
    return cosign(body, key, at if at is not None else int(timezone.now().timestamp())).line


def test_a_known_witness_cosignature_is_kept(
    alice: User, log_signer: SignerKey, witness_signer: SignerKey
) -> None:
    make_memo(alice)
    checkpoint = make_checkpoint()
    line = _cosigned(witness_signer, checkpoint)
    kept = add_cosignature(checkpoint.size, line)
    assert (kept.witness, kept.line, bytes(kept.key_hash)) == (
        "witness.example.org/w1",
        line,
        witness_signer.id,
    )
    assert add_cosignature(checkpoint.size, _cosigned(witness_signer, checkpoint)) == kept
    assert Cosignature.objects.count() == 1
    note = note_with_cosignatures(checkpoint)
    assert note.endswith(line + "\n")
    _, opened = open_checkpoint(note, log_signer.verifier, witnesses=[witness_signer.verifier])
    assert len(opened.verified) == 2


def test_cosignatures_from_unknown_or_lookalike_keys_are_forbidden(
    alice: User, log_signer: SignerKey, witness_signer: SignerKey
) -> None:
    make_memo(alice)
    checkpoint = make_checkpoint()
    stranger = generate_signer_key("stranger.example/w", COSIGNATURE_V1)
    lookalike = generate_signer_key("witness.example.org/w1", COSIGNATURE_V1)
    for key in (stranger, lookalike):
        with pytest.raises(Forbidden, match="not a witness"):
            add_cosignature(checkpoint.size, _cosigned(key, checkpoint))
    assert not Cosignature.objects.exists()


def test_bad_cosignatures_are_refused(
    alice: User, log_signer: SignerKey, witness_signer: SignerKey
) -> None:
    make_memo(alice)
    checkpoint = make_checkpoint()
    good = _cosigned(witness_signer, checkpoint)
    flipped = good[:-6] + ("A" if good[-6] != "A" else "B") + good[-5:]
    with pytest.raises(InvalidInput, match="does not verify"):
        add_cosignature(checkpoint.size, flipped)
    with pytest.raises(InvalidInput, match="malformed"):
        add_cosignature(checkpoint.size, "not a signature line")
    with pytest.raises(InvalidInput, match="future"):
        add_cosignature(
            checkpoint.size,
            _cosigned(witness_signer, checkpoint, int(timezone.now().timestamp()) + 3600),
        )
    with pytest.raises(NotFound):
        add_cosignature(checkpoint.size + 1000, good)
    make_memo(alice)
    later = make_checkpoint()
    with pytest.raises(InvalidInput, match="does not verify"):
        add_cosignature(later.size, good)  # a cosignature of another checkpoint
    assert not Cosignature.objects.exists()


# --- settings ---------------------------------------------------------------------------


def test_malformed_log_keys_stop_the_start_naming_the_variable(tmp_path: Path) -> None:
    assert "DISSENT_LEDGER_SIGNING_KEY" in refused(
        tmp_path, DISSENT_SECRET_KEY=KEY, DISSENT_LEDGER_SIGNING_KEY="PRIVATE+KEY+x+00000000+AAAA"
    )
    witness = generate_signer_key("w").verifier.encode()
    assert "DISSENT_LEDGER_WITNESS_KEYS" in refused(
        tmp_path, DISSENT_SECRET_KEY=KEY, DISSENT_LEDGER_WITNESS_KEYS=f"{witness},nonsense"
    )
    assert "DISSENT_LEDGER_ORIGIN" in refused(
        tmp_path, DISSENT_SECRET_KEY=KEY, DISSENT_LEDGER_ORIGIN="has space"
    )


def test_log_keys_are_read_from_the_environment_or_a_file(tmp_path: Path) -> None:
    key = generate_signer_key(ORIGIN)
    witness = generate_signer_key("w.example/1", COSIGNATURE_V1).verifier.encode()
    key_file = tmp_path / "log.key"
    key_file.write_text(f"{key.encode()}\n{key.verifier.encode()}\n")  # as keygen prints it
    values = decided(
        tmp_path,
        ["LEDGER_SIGNING_KEY", "LEDGER_WITNESS_KEYS", "LEDGER_ORIGIN"],
        DISSENT_SECRET_KEY=KEY,
        DISSENT_LEDGER_SIGNING_KEY_FILE=str(key_file),
        DISSENT_LEDGER_WITNESS_KEYS=witness,
    )
    assert key.encode() in str(values["LEDGER_SIGNING_KEY"])
    assert values["LEDGER_WITNESS_KEYS"] == [witness] and values["LEDGER_ORIGIN"] == ""
    # Production without any key still starts: only signing refuses (tested above).
    assert decided(tmp_path, ["LEDGER_SIGNING_KEY"], DISSENT_SECRET_KEY=KEY) == {
        "LEDGER_SIGNING_KEY": ""
    }


def test_the_checkpoint_command_signs_now(alice: User, log_signer: SignerKey) -> None:
    make_memo(alice)
    out = StringIO()
    call_command("ledger", "checkpoint", stdout=out)
    checkpoint = Checkpoint.objects.get()
    assert out.getvalue().startswith(f"checkpoint at {checkpoint.size} entries\n")
    assert checkpoint.note in out.getvalue()


def test_keygen_prints_a_signer_and_its_verifier(capsys: pytest.CaptureFixture[str]) -> None:
    assert main("keygen", ["--witness", "witness.example.org/w2"]) == 0
    signer_line, verifier_line = capsys.readouterr().out.split()
    signer = parse_signer_key(signer_line)
    assert signer.key_type == COSIGNATURE_V1
    assert parse_verifier_key(verifier_line) == signer.verifier
    assert main("keygen", ["has space"]) == 2
    assert "must not be empty or contain spaces" in capsys.readouterr().err
