"""The c2sp.org/tlog-proof@v1 format (dissent.ledger.tlog_proof) and the offline receipt check
(dissent.ledger.receipt_check) on receipts built in memory: no database involved."""

from __future__ import annotations

import base64
import hashlib
import secrets

import pytest

from dissent.crypto.signing import COSIGNATURE_V1, generate_signer_key
from dissent.ledger import merkle
from dissent.ledger.note import Checkpoint, add_signatures, cosign, sign_checkpoint
from dissent.ledger.receipt_check import (
    ReceiptError,
    check_receipt,
    commitment,
    decode_extra,
    encode_extra,
)
from dissent.ledger.tlog_proof import TlogProof, TlogProofError, parse_tlog_proof
from dissent.lib.canonical import canonical_json

# The example of c2sp.org/tlog-proof (its signatures are elided with "[...]" in the spec).
SPEC_EXAMPLE = """c2sp.org/tlog-proof@v1
extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
index 73894
gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=
RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=
AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=

example.com/fancylog
109482
sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=

— example.com/fancylog hI2DJw[...]1roloI=
— witness1.example mJirIklj[...]qY9v2B/5bg==
"""


def test_the_spec_example_parses_and_formats_back_identically() -> None:
    proof = parse_tlog_proof(SPEC_EXAMPLE)
    assert proof.index == 73894
    assert len(proof.hashes) == 5
    assert proof.hashes[0] == base64.b64decode("gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=")
    assert proof.extra == base64.b64decode("YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ")
    assert proof.checkpoint.startswith("example.com/fancylog\n109482\n")
    assert proof.format() == SPEC_EXAMPLE


def test_format_matches_the_reference_layout() -> None:
    # The cases of the tlog-proof marshal tests in transparency-dev's ports.
    h1, h2 = hashlib.sha256(b"hash1").digest(), hashlib.sha256(b"hash2").digest()
    b1, b2 = base64.b64encode(h1).decode(), base64.b64encode(h2).decode()
    assert TlogProof(5, (h1, h2), "test checkpoint\n").format() == (
        f"c2sp.org/tlog-proof@v1\nindex 5\n{b1}\n{b2}\n\ntest checkpoint\n"
    )
    extra = b"extra information"
    assert TlogProof(10, (h1,), "checkpoint data\n", extra).format() == (
        f"c2sp.org/tlog-proof@v1\nextra {base64.b64encode(extra).decode()}\nindex 10\n{b1}\n\n"
        "checkpoint data\n"
    )
    assert TlogProof(0, (), "checkpoint\n").format() == (
        "c2sp.org/tlog-proof@v1\nindex 0\n\ncheckpoint\n"
    )
    for proof in (TlogProof(5, (h1, h2), "cp\n"), TlogProof(0, (), "cp\n", b"")):
        assert parse_tlog_proof(proof.format()) == proof


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not a proof at all",
        "c2sp.org/tlog-proof@v1\n",
        "c2sp.org/tlog-proof@v2\nindex 0\n\ncheckpoint\n",
        "c2sp.org/tlog-proof@v1\nindex notanumber\n\ncheckpoint\n",
        "c2sp.org/tlog-proof@v1\nindex 01\n\ncheckpoint\n",
        "c2sp.org/tlog-proof@v1\nindex -1\n\ncheckpoint\n",
        "c2sp.org/tlog-proof@v1\nextra !!notbase64!!\nindex 0\n\ncheckpoint\n",
        "c2sp.org/tlog-proof@v1\nextraAAAA\nindex 0\n\ncheckpoint\n",
        "c2sp.org/tlog-proof@v1\nindex 0\nAAAA\n\ncheckpoint\n",  # not a 32-byte hash
        "c2sp.org/tlog-proof@v1\nindex 0\n\n",  # no checkpoint
        "c2sp.org/tlog-proof@v1\nindex 0\ncheckpoint\n",  # no empty line
        "c2sp.org/tlog-proof@v1\nindex 1\nextra AAAA\n\ncheckpoint\n",  # extra after index
    ],
)
def test_malformed_proofs_are_refused(text: str) -> None:
    with pytest.raises(TlogProofError):
        parse_tlog_proof(text)


# --- receipts built in memory -----------------------------------------------------------

LOG = generate_signer_key("example.org/dissent-log")
WITNESS = generate_signer_key("witness.example/w1", COSIGNATURE_V1)
TEXT = canonical_json("dissent-memo-content/v1", {"title": "T", "body": "(U) Body."})
SALT = secrets.token_bytes(32)


def _leaf(index: int, c: str | None = None) -> bytes:
    return canonical_json(
        "dissent-ledger-leaf/v1",
        {"t": 108, "s": "0f3c", "at": "2025-01-02T03:04:05.000006Z", "a": None, "c": c, "n": index},
    )


def _receipt(
    size: int = 11, index: int = 6, salt: bytes | None = SALT, cosigned: bool = True
) -> str:
    leaves = [_leaf(i) for i in range(size)]
    leaves[index] = _leaf(index, commitment(TEXT, SALT))
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    checkpoint = Checkpoint(LOG.name, size, merkle.root(hashes))
    note = sign_checkpoint(checkpoint, LOG)
    if cosigned:
        note = add_signatures(note, [cosign(checkpoint.body(), WITNESS, 1_700_000_000)])
    proof = merkle.inclusion_proof(hashes, index)
    return TlogProof(index, tuple(proof), note, encode_extra(leaves[index], salt)).format()


def test_a_good_receipt_verifies_with_text_and_cosignature() -> None:
    report = check_receipt(_receipt(), LOG.verifier, witnesses=[WITNESS.verifier], text=TEXT)
    assert report.index == 6 and report.checkpoint.size == 11
    assert report.leaf["t"] == 108 and report.leaf["c"] == commitment(TEXT, SALT)
    assert report.cosigners == [("witness.example/w1", 1_700_000_000)]
    assert report.text_matches is True


def test_the_commitment_matches_the_memo_content_module() -> None:
    from dissent.memos.content import COMMITMENT_TAG
    from dissent.memos.content import commitment as memo_commitment

    assert memo_commitment(TEXT, SALT) == commitment(TEXT, SALT)
    assert COMMITMENT_TAG == b"dissent-commitment/v1\n"


def test_wrong_text_or_wrong_salt_fails_the_commitment() -> None:
    receipt = _receipt()
    with pytest.raises(ReceiptError) as failed:
        check_receipt(receipt, LOG.verifier, text=TEXT + b" ")
    assert failed.value.part == "commitment"
    with pytest.raises(ReceiptError) as failed:
        check_receipt(receipt, LOG.verifier, text=TEXT, salt=secrets.token_bytes(32))
    assert failed.value.part == "commitment"
    with pytest.raises(ReceiptError, match="no salt"):
        check_receipt(_receipt(salt=None), LOG.verifier, text=TEXT)
    assert check_receipt(_receipt(salt=None), LOG.verifier, text=TEXT, salt=SALT).text_matches


def test_the_wrong_log_key_fails_the_signature() -> None:
    with pytest.raises(ReceiptError) as failed:
        check_receipt(_receipt(), generate_signer_key(LOG.name).verifier)
    assert failed.value.part == "checkpoint signature"


def _part_failing(receipt: str) -> str:
    with pytest.raises(ReceiptError) as failed:
        check_receipt(receipt, LOG.verifier, witnesses=[WITNESS.verifier], text=TEXT)
    return failed.value.part


def test_changing_any_byte_of_a_receipt_fails_verification() -> None:
    receipt = _receipt(size=5, index=3).encode()
    parts = set()
    for i in range(len(receipt)):
        for replacement in {receipt[i] ^ 0x01, ord("A") if receipt[i] != ord("A") else ord("B")}:
            tampered = receipt[:i] + bytes([replacement]) + receipt[i + 1 :]
            with pytest.raises(ReceiptError) as failed:
                check_receipt(tampered, LOG.verifier, witnesses=[WITNESS.verifier], text=TEXT)
            parts.add(failed.value.part)
    assert {"receipt format", "checkpoint signature", "extra data", "inclusion proof"} <= parts


def test_tampered_index_proof_and_extra_are_named() -> None:
    receipt = _receipt()
    proof = parse_tlog_proof(receipt)
    wrong_index = TlogProof(proof.index + 1, proof.hashes, proof.checkpoint, proof.extra)
    assert _part_failing(wrong_index.format()) == "inclusion proof"
    swapped = TlogProof(proof.index, proof.hashes[::-1], proof.checkpoint, proof.extra)
    assert _part_failing(swapped.format()) == "inclusion proof"
    _, salt = decode_extra(proof.extra or b"")
    other_leaf = TlogProof(
        proof.index, proof.hashes, proof.checkpoint, encode_extra(_leaf(6), salt)
    )
    assert _part_failing(other_leaf.format()) == "inclusion proof"
    no_extra = TlogProof(proof.index, proof.hashes, proof.checkpoint, None)
    assert _part_failing(no_extra.format()) == "extra data"
    short = TlogProof(proof.index, proof.hashes[:-1], proof.checkpoint, proof.extra)
    assert _part_failing(short.format()) == "inclusion proof"


def test_a_single_entry_log_has_an_empty_proof() -> None:
    receipt = _receipt(size=1, index=0)
    assert parse_tlog_proof(receipt).hashes == ()
    assert check_receipt(receipt, LOG.verifier, text=TEXT).text_matches


def test_a_witness_asked_for_must_have_cosigned() -> None:
    uncosigned = _receipt(cosigned=False)
    assert check_receipt(uncosigned, LOG.verifier).cosigners == []
    with pytest.raises(ReceiptError) as failed:
        check_receipt(uncosigned, LOG.verifier, witnesses=[WITNESS.verifier])
    assert failed.value.part == "witness cosignature"
    stranger = generate_signer_key("witness.example/w9", COSIGNATURE_V1)
    with pytest.raises(ReceiptError, match="w9 did not cosign"):
        check_receipt(_receipt(), LOG.verifier, witnesses=[stranger.verifier])
