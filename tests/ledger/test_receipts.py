"""Receipts for drafters: downloaded from the message's pages (drafters only), verified
offline by `dissent ledger verify-receipt` with no database and no settings, checked
against today's log from the message page; and the API's cosignature and receipt doors."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory
from pytest_django import Settings as SettingsWrapper

from dissent.accounts.models import User
from dissent.crypto.signing import COSIGNATURE_V1, SignerKey, generate_signer_key
from dissent.events.models import Event
from dissent.events.types import EventType
from dissent.ledger import receipts
from dissent.ledger.checkpoints import add_cosignature, make_checkpoint
from dissent.ledger.models import Checkpoint, LogEntry, VerificationRun
from dissent.ledger.note import cosign, split_note
from dissent.ledger.receipt_check import check_receipt, decode_extra, decode_leaf
from dissent.ledger.tlog_proof import TlogProof, parse_tlog_proof
from dissent.memos import content
from dissent.memos.models import Memo
from tests.conftest import ApiClient
from tests.ledger.helpers import submit_memo
from tests.memos.helpers import make_memo

ClientFor = Callable[[User], Client]


def _post(client: Client, path: str, data: dict[str, object] | None = None):  # type: ignore[no-untyped-def]
    """A form post as the browser sends it, with the CSRF token."""
    if "csrftoken" not in client.cookies:
        client.get("/")  # any page with a form sets the cookie
    token = client.cookies["csrftoken"].value
    return client.post(path, {**(data or {}), "csrfmiddlewaretoken": token})


def _receipt(client: Client, memo: Memo) -> bytes:
    response = client.get(f"/ledger/messages/{memo.id}/receipt")
    assert response.status_code == 200, response.content
    assert response["Content-Disposition"] == f'attachment; filename="{memo.id}.tlog-proof"'
    assert "no-store" in response["Cache-Control"]  # the salt makes it private to its drafters
    return response.content


def test_a_drafter_downloads_a_receipt_that_verifies_with_the_text(
    alice: User, bob: User, log_signer: SignerKey, client_for: ClientFor
) -> None:
    memo = submit_memo(alice, bob)
    client = client_for(alice)
    data = _receipt(client, memo)
    text = client.get(f"/ledger/messages/{memo.id}/text")
    assert text.status_code == 200
    assert text.content == content.encode(content.read(memo.submitted_version))  # type: ignore[arg-type]
    report = check_receipt(data, log_signer.verifier, text=text.content)
    assert report.text_matches is True
    submitted = Event.objects.get(type=EventType.SUBMITTED, subject_id=str(memo.id))
    assert report.leaf["t"] == EventType.SUBMITTED and report.leaf["s"] == str(memo.id)
    assert report.leaf["n"] == submitted.id
    assert report.index == LogEntry.objects.get(event=submitted).index
    # The leaf in the receipt is the stored one, byte for byte; the salt is the version's.
    proof = parse_tlog_proof(data)
    leaf, salt = decode_extra(proof.extra or b"")
    assert leaf == bytes(LogEntry.objects.get(event=submitted).leaf)
    assert salt == bytes(memo.submitted_version.commitment_salt)  # type: ignore[union-attr]
    assert b"Reconsider the visa" not in data  # no text, no title in a receipt


def test_receipts_are_for_drafters_of_submitted_messages_only(
    alice: User, bob: User, oscar: User, rita: User, log_signer: SignerKey, client_for: ClientFor
) -> None:
    memo = submit_memo(alice, bob)
    for path in ("receipt", "text"):
        url = f"/ledger/messages/{memo.id}/{path}"
        assert client_for(oscar).get(url).status_code == 404  # an outsider: no such message
        assert client_for(rita).get(url).status_code == 404
        assert client_for(bob).get(url).status_code == 403  # a co-signer may read, not this
        assert Client().get(url).status_code == 302  # to the sign-in page
        assert client_for(oscar).get(f"/ledger/messages/not-an-id/{path}").status_code == 404
    draft = make_memo(alice)
    assert client_for(alice).get(f"/ledger/messages/{draft.id}/receipt").status_code == 409


def test_without_a_signing_key_receipts_say_what_is_missing(
    alice: User, log_signer: SignerKey, settings: SettingsWrapper, client_for: ClientFor
) -> None:
    memo = submit_memo(alice)
    settings.LEDGER_SIGNING_KEY = ""
    response = client_for(alice).get(f"/ledger/messages/{memo.id}/receipt")
    assert response.status_code == 503
    assert b"DISSENT_LEDGER_SIGNING_KEY" in response.content


def test_receipt_for_any_event_and_with_cosignatures(
    alice: User, log_signer: SignerKey, witness_signer: SignerKey
) -> None:
    memo = make_memo(alice)
    created = Event.objects.get(type=EventType.MEMO_CREATED, subject_id=str(memo.id))
    checkpoint = make_checkpoint()
    body, _ = split_note(checkpoint.note)
    add_cosignature(checkpoint.size, cosign(body, witness_signer, 1_700_000_000).line)
    data = receipts.receipt_for_event(created)
    report = check_receipt(data, log_signer.verifier, witnesses=[witness_signer.verifier])
    assert report.cosigners == [("witness.example.org/w1", 1_700_000_000)]
    assert report.salt is None and report.leaf["t"] == EventType.MEMO_CREATED


# --- the offline command ----------------------------------------------------------------


def verify(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """`dissent ledger verify-receipt` as a drafter at home runs it: no settings at all."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DISSENT_", "DJANGO_")) and name != "DATABASE_URL"
    }
    return subprocess.run(
        [sys.executable, "-m", "dissent.cli", "ledger", "verify-receipt", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def downloaded(
    alice: User, log_signer: SignerKey, client_for: ClientFor, tmp_path: Path
) -> dict[str, object]:
    memo = submit_memo(alice)
    client = client_for(alice)
    receipt = tmp_path / f"{memo.id}.tlog-proof"
    receipt.write_bytes(_receipt(client, memo))
    text = tmp_path / f"{memo.id}.submitted.txt"
    text.write_bytes(client.get(f"/ledger/messages/{memo.id}/text").content)
    return {"receipt": receipt, "text": text, "vkey": log_signer.verifier.encode(), "memo": memo}


def test_verify_receipt_works_offline_and_shows_the_event(downloaded: dict[str, object]) -> None:
    result = verify(
        downloaded["receipt"], "--text", downloaded["text"], "--log-key", downloaded["vkey"]
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "receipt verified" in out
    assert "submitted (108)" in out and str(downloaded["memo"].id) in out  # type: ignore[attr-defined]
    assert "matches the commitment" in out


def test_verify_receipt_reads_the_log_key_from_a_file(
    downloaded: dict[str, object], tmp_path: Path
) -> None:
    key_file = tmp_path / "dissent-log.vkey"
    key_file.write_text(f"# the log's key\n{downloaded['vkey']}\n")
    assert verify(downloaded["receipt"], "--log-key", key_file).returncode == 0


def test_any_changed_byte_fails_with_one_line_naming_the_part(
    downloaded: dict[str, object], tmp_path: Path
) -> None:
    original = Path(str(downloaded["receipt"])).read_bytes()
    proof = parse_tlog_proof(original)
    signature = original.index(b" ", original.rindex("— ".encode()) + 4) + 10
    root_line = original.index(b"\n" + proof.checkpoint.split("\n")[2].encode())
    cases = {
        "checkpoint signature": signature,  # inside the log's signature
        "extra data": original.index(b"extra ") + 12,
        "inclusion proof": original.index(b"\n", original.index(b"index ")) + 5,  # first hash
        "root": root_line + 3,  # the checkpoint's root hash line
    }
    tampered = tmp_path / "tampered.tlog-proof"
    for expected, at in cases.items():
        changed = bytearray(original)
        changed[at] = ord("B") if changed[at] != ord("B") else ord("C")
        tampered.write_bytes(bytes(changed))
        result = verify(tampered, "--log-key", downloaded["vkey"])
        assert result.returncode == 1, expected
        assert result.stderr.count("\n") == 1 and "NOT VERIFIED" in result.stderr
        if expected != "root":
            assert f"verify-receipt: {expected}:" in result.stderr
        else:  # a changed root breaks the log's signature over the checkpoint
            assert "checkpoint signature" in result.stderr
    # The index: another position in the tree does not lead to the signed root.
    moved = TlogProof(proof.index + 1, proof.hashes, proof.checkpoint, proof.extra)
    tampered.write_text(moved.format())
    result = verify(tampered, "--log-key", downloaded["vkey"])
    assert result.returncode == 1 and "inclusion proof" in result.stderr


def test_wrong_text_or_wrong_salt_fails_the_commitment(
    downloaded: dict[str, object], tmp_path: Path
) -> None:
    other = tmp_path / "other.txt"
    other.write_bytes(Path(str(downloaded["text"])).read_bytes().replace(b"harms", b"helps"))
    result = verify(downloaded["receipt"], "--text", other, "--log-key", downloaded["vkey"])
    assert result.returncode == 1 and "verify-receipt: commitment:" in result.stderr
    result = verify(
        downloaded["receipt"], "--text", downloaded["text"], "--salt", secrets.token_hex(32),
        "--log-key", downloaded["vkey"],
    )  # fmt: skip
    assert result.returncode == 1 and "verify-receipt: commitment:" in result.stderr


def test_the_wrong_log_key_or_none_fails(downloaded: dict[str, object]) -> None:
    other = generate_signer_key("dissent.example.org/dissent-log").verifier.encode()
    result = verify(downloaded["receipt"], "--log-key", other)
    assert result.returncode == 1 and "checkpoint signature" in result.stderr
    result = verify(downloaded["receipt"])
    assert result.returncode == 1 and "give --log-key" in result.stderr
    result = verify("/nonexistent.tlog-proof", "--log-key", downloaded["vkey"])
    assert result.returncode == 1 and "cannot read" in result.stderr


# --- "check my receipt" and the panel ---------------------------------------------------


def test_check_my_receipt_against_the_current_log(
    downloaded: dict[str, object], alice: User, client_for: ClientFor
) -> None:
    memo = downloaded["memo"]
    make_memo(alice)  # the log grows after the receipt was issued
    client = client_for(alice)
    with Path(str(downloaded["receipt"])).open("rb") as fh:
        response = _post(client, f"/ledger/messages/{memo.id}/check", {"receipt": fh})  # type: ignore[attr-defined]
    assert response.status_code == 200
    assert response.context["result"].ok
    assert b"history was not rewritten" in response.content
    latest = Checkpoint.objects.order_by("-size").first()
    assert latest is not None and response.context["result"].log_size == latest.size


def test_check_refuses_a_tampered_receipt_and_a_missing_file(
    downloaded: dict[str, object], alice: User, bob: User, client_for: ClientFor, tmp_path: Path
) -> None:
    memo = downloaded["memo"]
    data = bytearray(Path(str(downloaded["receipt"])).read_bytes())
    data[data.index(b"index ") + 20] ^= 1
    bad = tmp_path / "bad.tlog-proof"
    bad.write_bytes(bytes(data))
    client = client_for(alice)
    with bad.open("rb") as fh:
        response = _post(client, f"/ledger/messages/{memo.id}/check", {"receipt": fh})  # type: ignore[attr-defined]
    assert response.status_code == 200 and not response.context["result"].ok
    assert b"does not verify" in response.content
    assert _post(client, f"/ledger/messages/{memo.id}/check").status_code == 400
    # bob was not invited to this message: an outsider
    assert _post(client_for(bob), f"/ledger/messages/{memo.id}/check").status_code == 404  # type: ignore[attr-defined]


def test_the_panel_shows_downloads_and_the_last_verification(
    downloaded: dict[str, object], alice: User, client_for: ClientFor
) -> None:
    memo = downloaded["memo"]
    VerificationRun.objects.create(size=3, root=b"\x00" * 32, ok=True, by="test")
    request = RequestFactory().get("/")
    request.user = alice
    template = Template('{% include "ledger/receipt_panel.html" with memo=memo %}')
    html = template.render(Context({"memo": memo, "request": request}))
    assert f"/ledger/messages/{memo.id}/receipt" in html  # type: ignore[attr-defined]
    assert "no tampering found in its 3 entries" in html
    assert str(downloaded["vkey"]) in html
    draft = make_memo(alice)
    assert (
        Template('{% include "ledger/receipt_panel.html" with memo=memo %}')
        .render(Context({"memo": draft, "request": request}))
        .strip()
        == ""
    )


def test_the_panel_is_hidden_from_co_signers(alice: User, bob: User, log_signer: SignerKey) -> None:
    memo = submit_memo(alice, bob)
    request = RequestFactory().get("/")
    request.user = bob
    html = Template('{% include "ledger/receipt_panel.html" with memo=memo %}').render(
        Context({"memo": memo, "request": request})
    )
    assert html.strip() == ""


# --- the API ----------------------------------------------------------------------------


def test_api_cosignatures(
    alice: User,
    ian: User,
    log_signer: SignerKey,
    witness_signer: SignerKey,
    api_for: Callable[[User], ApiClient],
) -> None:
    make_memo(alice)
    checkpoint = make_checkpoint()
    body, _ = split_note(checkpoint.note)
    api = api_for(ian)
    url = "/api/v1/ledger/cosignatures"
    good = cosign(body, witness_signer, 1_700_000_000).line
    response = api.post(url, {"size": checkpoint.size, "cosignature": good})
    assert response.status_code == 200, response.content
    assert response.json()["witness"] == "witness.example.org/w1"
    stranger = generate_signer_key("stranger.example/w", COSIGNATURE_V1)
    response = api.post(
        url, {"size": checkpoint.size, "cosignature": cosign(body, stranger, 1).line}
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    bad = good[:-6] + ("A" if good[-6] != "A" else "B") + good[-5:]
    response = api.post(url, {"size": checkpoint.size, "cosignature": bad})
    assert response.status_code == 400 and response.json()["error"]["field"] == "cosignature"
    assert api.post(url, {"size": 10**6, "cosignature": good}).status_code == 404
    assert api.post(url, {"size": "x"}).status_code == 400
    assert Client().post(url, {}, content_type="application/json").status_code == 401


def test_api_receipt_for_drafters(
    alice: User, bob: User, log_signer: SignerKey, api_for: Callable[[User], ApiClient]
) -> None:
    memo = submit_memo(alice, bob)
    response = api_for(alice).get(f"/api/v1/ledger/receipts/{memo.id}")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert check_receipt(response.content, log_signer.verifier).leaf["t"] == EventType.SUBMITTED
    assert api_for(bob).get(f"/api/v1/ledger/receipts/{memo.id}").status_code == 403


def test_leaf_decoding_refuses_non_canonical_records() -> None:
    with pytest.raises(ValueError):
        decode_leaf(b'dissent-ledger-leaf/v1\n{"t": 1}')
    assert decode_leaf(b'dissent-ledger-leaf/v1\n{"t":1}') == {"t": 1}


def test_the_panel_says_when_receipts_are_unavailable(
    alice: User, log_signer: SignerKey, settings: SettingsWrapper
) -> None:
    memo = submit_memo(alice)
    settings.LEDGER_SIGNING_KEY = ""
    request = RequestFactory().get("/")
    request.user = alice
    html = Template('{% include "ledger/receipt_panel.html" with memo=memo %}').render(
        Context({"memo": memo, "request": request})
    )
    assert "Receipts are not available yet" in html and "DISSENT_LEDGER_SIGNING_KEY" in html
    assert "/receipt" not in html
