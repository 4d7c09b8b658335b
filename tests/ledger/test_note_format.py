"""Signed notes, checkpoints and cosignatures (dissent.ledger.note) against the examples of
C2SP signed-note, tlog-checkpoint and tlog-cosignature and golang.org/x/mod/sumdb/note."""

from __future__ import annotations

import base64
import hashlib

import pytest

from dissent.crypto.signing import (
    COSIGNATURE_V1,
    generate_signer_key,
    parse_signer_key,
    parse_verifier_key,
)
from dissent.ledger.note import (
    Checkpoint,
    InvalidSignature,
    MalformedNote,
    NoteError,
    UnverifiedNote,
    add_signatures,
    cosign,
    cosignature_message,
    cosignature_timestamp,
    open_checkpoint,
    open_note,
    parse_checkpoint,
    parse_signature_line,
    sign_checkpoint,
    sign_note,
    split_note,
    verify_cosignature,
)
from tests.ledger.test_note_keys import ENOCH_VKEY, PETER_SKEY, PETER_VKEY

# golang.org/x/mod/sumdb/note: the documented example and TestOpen.
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngot"
    "pRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWL"
    "ox33WWd1RvMc+QQ=\n"
)
PETER = parse_verifier_key(PETER_VKEY)
ENOCH = parse_verifier_key(ENOCH_VKEY)

# C2SP tlog-checkpoint and tlog-cosignature examples.
SOFA_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SOFA_LOG_SIG = (
    "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcy"
    "v2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
)
SOFA_WITNESS_SIG = (
    "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2"
    "oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)


def test_sign_reproduces_the_sumdb_example_exactly() -> None:
    # Ed25519 is deterministic, so the published signature is a true test vector.
    assert sign_note(TEXT, parse_signer_key(PETER_SKEY)) == TEXT + "\n" + PETER_SIG


def test_open_verifies_the_known_key_and_ignores_the_unknown_one() -> None:
    note = open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [PETER])
    assert note.text == TEXT
    assert [s.name for s in note.verified] == ["PeterNeumann"]
    assert [s.name for s in note.unverified] == ["EnochRoot"]
    assert note.verified[0].key_id.hex() == "c74f20a3"


def test_open_verifies_both_signatures_of_the_doubly_signed_example() -> None:
    note = open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [PETER, ENOCH])
    assert [s.name for s in note.verified] == ["PeterNeumann", "EnochRoot"]
    assert note.unverified == ()


def test_no_trusted_signature_means_the_note_is_refused() -> None:
    with pytest.raises(UnverifiedNote):
        open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [])


def test_a_bad_signature_by_a_known_key_refuses_the_whole_note() -> None:
    forged = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(InvalidSignature, match="PeterNeumann"):
        open_note(TEXT + "\n" + forged, [PETER])
    # ...but the same corruption in an unknown signer's line is ignored (spec: MUST ignore).
    note = open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG[:60] + "ABCD" + ENOCH_SIG[60:], [PETER])
    assert len(note.unverified) == 1


def test_a_key_sharing_only_the_name_is_unknown_not_a_failure() -> None:
    impostor = generate_signer_key("PeterNeumann")
    fake = sign_note(TEXT, impostor)
    with pytest.raises(UnverifiedNote):
        open_note(fake, [PETER])


def test_every_changed_text_byte_is_refused() -> None:
    message = TEXT + "\n" + PETER_SIG
    for i in range(len(TEXT)):
        changed = message[:i] + ("X" if message[i] != "X" else "Y") + message[i + 1 :]
        with pytest.raises(NoteError):
            open_note(changed, [PETER])


@pytest.mark.parametrize(
    "message",
    [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        TEXT
        + "\n"
        + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvq"
        "fqdngotpRZb6KE6RyyBwJnAM=",
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        TEXT + "\n" + PETER_SIG * 101,
    ],
)
def test_malformed_notes_from_the_sumdb_tests_are_refused(message: str) -> None:
    with pytest.raises(MalformedNote):
        open_note(message, [PETER])


def test_invalid_utf8_is_a_malformed_note() -> None:
    with pytest.raises(MalformedNote):
        open_note(b"\xff" + (TEXT + "\n" + PETER_SIG).encode(), [PETER])


def test_repeated_signatures_count_once() -> None:
    note = open_note(TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG, [PETER])
    assert len(note.verified) == 1 and len(note.unverified) == 1


def test_the_signed_note_spec_example_splits_at_the_last_blank_line() -> None:
    example = (
        "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n"
        "\ned è subito sera.\n"
        "\n— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKON"
        "rMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n"
    )
    text, signatures = split_note(example)
    assert text.endswith("\ned è subito sera.\n") and text.count("\n") == 4
    assert [s.name for s in signatures] == ["quasimodo.example/salvatore"]
    assert len(signatures[0].data) == 64


def test_the_checkpoint_spec_example_parses() -> None:
    text, signatures = split_note(SOFA_BODY + "\n" + SOFA_LOG_SIG)
    checkpoint = parse_checkpoint(text)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert checkpoint.root == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert checkpoint.body() == SOFA_BODY
    assert signatures[0].name == "example.com/behind-the-sofa"


def test_the_cosignature_spec_example_message_and_timestamp() -> None:
    # tlog-cosignature: the witness line's time is the one in the spec's signed message.
    witness_sig = parse_signature_line(SOFA_WITNESS_SIG)
    assert cosignature_timestamp(witness_sig) == 1679315147
    assert cosignature_message(SOFA_BODY, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
        b"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    )


@pytest.mark.parametrize(
    "text",
    [
        "origin\n1\n",  # no root
        "origin\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",  # leading zero
        "origin\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "origin\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n",  # not padded
        "origin\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2=\n",  # 31 bytes
        "\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",  # empty origin
        "origin\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n",  # empty extension line
        "origin\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",  # no final newline
        "origin\n18446744073709551616\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
    ],
)
def test_malformed_checkpoints_are_refused(text: str) -> None:
    with pytest.raises(MalformedNote):
        parse_checkpoint(text)


def test_checkpoint_round_trip_with_extension_lines() -> None:
    log = generate_signer_key("example.org/log")
    checkpoint = Checkpoint("example.org/log", 0, hashlib.sha256(b"").digest(), ("ext one",))
    note = sign_checkpoint(checkpoint, log)
    opened, _ = open_checkpoint(note, log.verifier, origin="example.org/log")
    assert opened == checkpoint
    with pytest.raises(NoteError, match="not 'other'"):
        open_checkpoint(note, log.verifier, origin="other")


def test_a_checkpoint_signed_only_by_a_witness_is_not_the_logs() -> None:
    log = generate_signer_key("example.org/log")
    witness = generate_signer_key("witness.example/w1")
    body = Checkpoint("example.org/log", 3, b"\x01" * 32).body()
    only_witness = body + "\n" + cosign(body, witness, 100).line + "\n"
    with pytest.raises(UnverifiedNote, match="log key"):
        open_checkpoint(only_witness, log.verifier, witnesses=[witness.verifier])


def test_cosignature_round_trip_and_note_with_cosignature() -> None:
    log = generate_signer_key("example.org/log")
    witness = generate_signer_key("witness.example/w1", COSIGNATURE_V1)
    checkpoint = Checkpoint("example.org/log", 7, hashlib.sha256(b"x").digest())
    note = sign_checkpoint(checkpoint, log)
    sig = cosign(checkpoint.body(), witness, 1_700_000_000)
    assert sig.key_id == witness.verifier.id
    assert len(sig.data) == 8 + 64
    assert verify_cosignature(checkpoint.body(), sig, witness.verifier) == 1_700_000_000
    assert parse_signature_line(sig.line) == sig
    cosigned = add_signatures(note, [sig])
    assert add_signatures(cosigned, [sig]) == cosigned  # once only
    _, opened = open_checkpoint(cosigned, log.verifier, witnesses=[witness.verifier])
    assert [s.name for s in opened.verified] == ["example.org/log", "witness.example/w1"]


def test_a_plain_ed25519_witness_key_cosigns_as_type_4() -> None:
    # transparency-dev: a type 0x01 key used as a cosigner gets the type 0x04 key id.
    witness = generate_signer_key("witness.example/w1")
    body = Checkpoint("example.org/log", 1, b"\x02" * 32).body()
    sig = cosign(body, witness, 5)
    assert sig.key_id == witness.verifier.as_type(COSIGNATURE_V1).id != witness.id
    assert verify_cosignature(body, sig, witness.verifier) == 5


def test_tampered_cosignatures_are_refused() -> None:
    witness = generate_signer_key("witness.example/w1", COSIGNATURE_V1)
    body = Checkpoint("example.org/log", 7, hashlib.sha256(b"x").digest()).body()
    sig = cosign(body, witness, 1_700_000_000)
    raw = bytearray(sig.data)
    for i in range(len(raw)):
        bad = bytearray(raw)
        bad[i] ^= 0x01
        tampered = type(sig)(sig.name, sig.key_id, bytes(bad))
        with pytest.raises(InvalidSignature):
            verify_cosignature(body, tampered, witness.verifier)
    other_body = Checkpoint("example.org/log", 8, hashlib.sha256(b"x").digest()).body()
    with pytest.raises(InvalidSignature):
        verify_cosignature(other_body, sig, witness.verifier)
    with pytest.raises(UnverifiedNote):
        verify_cosignature(body, sig, generate_signer_key("witness.example/w1").verifier)
    # A plain note signature is not a cosignature, even by the same Ed25519 key.
    plain = generate_signer_key("witness.example/w2")
    note_sig = parse_signature_line(sign_note(body, plain).split("\n\n")[1])
    as_cosignature = type(note_sig)(
        note_sig.name, plain.verifier.as_type(COSIGNATURE_V1).id, note_sig.data
    )
    with pytest.raises(NoteError):
        verify_cosignature(body, as_cosignature, plain.verifier)
    with pytest.raises(NoteError):
        cosignature_message("not a checkpoint\n", 1)
