"""The witness: `dissent ledger witness`, run by another office with its own key.

Each run fetches the log's latest checkpoint over HTTP, checks the log's signature on it,
checks that it extends the last checkpoint this witness saw (kept in a state file) with a
consistency proof fetched from the log, and only then cosigns it (C2SP cosignature/v1, with
the time) and posts the cosignature back to the log, which keeps it.

Threat handled: a log operator who rewrites history, or shows different histories to
different people (a split view). The witness holds its own key and its own memory of the
log; it refuses to cosign any checkpoint that does not extend what it saw before, and keeps
the conflicting checkpoint as evidence.

As c2sp.org/tlog-witness asks, the new state is written (atomically, under a lock) before
the cosignature leaves the witness, so two runs can never roll the witness's view back.

Pure: standard library, dissent.crypto and the ledger's pure modules. It needs no database
and no Django settings, so the other office only installs the package.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dissent.crypto.signing import KeyFormatError, SignerKey, VerifierKey, parse_signer_key
from dissent.ledger import merkle
from dissent.ledger.keys import signer_line
from dissent.ledger.note import (
    Checkpoint,
    NoteError,
    Signature,
    b64decode_strict,
    b64encode,
    cosign,
    open_checkpoint,
)
from dissent.ledger.receipt_check import ReceiptError, _read_key

STATE_VERSION = 1
TIMEOUT_SECONDS = 30
MAX_RESPONSE_BYTES = 1 << 20


class WitnessRefusal(Exception):
    """The witness will not cosign: the log's checkpoint is bad or rewrites history."""


class WitnessError(Exception):
    """The witness could not do its job (network, configuration, state file)."""


@dataclass(frozen=True)
class WitnessState:
    origin: str
    size: int
    root: bytes
    note: str  # the last checkpoint cosigned, as received

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": STATE_VERSION,
                "origin": self.origin,
                "size": self.size,
                "root": b64encode(self.root),
                "checkpoint": self.note,
            },
            indent=2,
        )


@dataclass(frozen=True)
class WitnessResult:
    checkpoint: Checkpoint
    previous_size: int | None
    cosignature: Signature


class LogClient:
    """The log's HTTP API (dissent.ledger.api), with a personal API token."""

    def __init__(self, base_url: str, token: str) -> None:
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise WitnessError(f"--url {base_url!r} must look like https://dissent.example.org")
        self.base = base_url.rstrip("/") + "/api/v1/ledger"
        self.token = token

    def _request(self, path: str, body: dict[str, object] | None = None) -> bytes:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            self.base + path,
            data=data,
            method="GET" if body is None else "POST",
            headers={
                "Authorization": f"Bearer {self.token}",
                **({"Content-Type": "application/json"} if body is not None else {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                payload: bytes = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise WitnessError(
                f"the log answered {exc.code} to {path}: {_error_text(exc)}"
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise WitnessError(f"cannot reach the log at {self.base}: {reason}") from None
        if len(payload) > MAX_RESPONSE_BYTES:
            raise WitnessError(f"the log's answer to {path} is too large")
        return payload

    def _json(self, path: str, body: dict[str, object] | None = None) -> dict[str, object]:
        try:
            parsed = json.loads(self._request(path, body))
        except ValueError:
            raise WitnessError(f"the log's answer to {path} is not JSON") from None
        if not isinstance(parsed, dict):
            raise WitnessError(f"the log's answer to {path} is not a JSON object")
        return parsed

    def checkpoint(self) -> str:
        """The signed checkpoint note (text/plain), as the log serves it."""
        try:
            return self._request("/checkpoint").decode("utf-8")
        except UnicodeDecodeError:
            raise WitnessRefusal("the log's checkpoint is not UTF-8 text") from None

    def consistency(self, old: int, new: int) -> list[bytes]:
        query = urllib.parse.urlencode({"old": old, "new": new})
        proof = self._json(f"/consistency?{query}").get("proof")
        if not isinstance(proof, list) or not all(isinstance(p, str) for p in proof):
            raise WitnessError("the log's consistency answer has no proof")
        try:
            return [b64decode_strict(p, "a proof hash") for p in proof]
        except NoteError as exc:
            raise WitnessRefusal(f"the log's consistency proof is malformed: {exc}") from None

    def post_cosignature(self, size: int, line: str) -> None:
        self._json("/cosignatures", {"size": size, "cosignature": line})


def _error_text(exc: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(exc.read(4096))
        return str(body["error"]["message"])
    except (ValueError, KeyError, TypeError, OSError):
        return exc.reason if isinstance(exc.reason, str) else "error"


@contextlib.contextmanager
def _locked(state_path: Path) -> Iterator[None]:
    lock_path = state_path.with_name(state_path.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise WitnessError(f"cannot create the lock file {lock_path}: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # one run at a time per state file
        yield
    finally:
        os.close(fd)


def load_state(state_path: Path) -> WitnessState | None:
    try:
        raw = state_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise WitnessError(f"cannot read the state file {state_path}: {exc.strerror}") from None
    try:
        data = json.loads(raw)
        if data.get("version") != STATE_VERSION:
            raise ValueError("unknown version")
        return WitnessState(
            origin=str(data["origin"]),
            size=int(data["size"]),
            root=b64decode_strict(str(data["root"]), "root"),
            note=str(data["checkpoint"]),
        )
    except (ValueError, KeyError, TypeError, NoteError, AttributeError) as exc:
        raise WitnessError(
            f"the state file {state_path} is damaged ({exc}); restore it from a backup — "
            "deleting it would make this witness trust the log afresh"
        ) from None


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(temporary, path)


def _keep_evidence(state_path: Path, state: WitnessState, note: str) -> Path:
    """Both checkpoints, for whoever investigates: each is signed by the log."""
    path = state_path.with_name(f"{state_path.name}.refused-{int(time.time())}")
    _write_atomically(path, f"{state.note}\n{note}")
    return path


def witness_once(
    client: LogClient,
    signer: SignerKey,
    log_key: VerifierKey,
    state_path: Path,
    *,
    clock: Callable[[], float] = time.time,
) -> WitnessResult:
    """One witness round. Raises WitnessRefusal (will not cosign) or WitnessError."""
    with _locked(state_path):
        state = load_state(state_path)
        note = client.checkpoint()
        try:
            checkpoint, opened = open_checkpoint(
                note, log_key, origin=state.origin if state else None
            )
        except NoteError as exc:
            raise WitnessRefusal(f"the log's checkpoint does not verify: {exc}") from None
        if state is not None and state.size > 0:
            problem = _inconsistency(client, state, checkpoint)
            if problem:
                evidence = _keep_evidence(state_path, state, note)
                raise WitnessRefusal(f"{problem}; both checkpoints are kept in {evidence}")
        cosignature = cosign(opened.text, signer, int(clock()))
        new_state = WitnessState(checkpoint.origin, checkpoint.size, checkpoint.root, note)
        try:
            _write_atomically(state_path, new_state.to_json() + "\n")
        except OSError as exc:
            raise WitnessError(
                f"cannot write the state file {state_path}: {exc.strerror}"
            ) from None
    client.post_cosignature(checkpoint.size, cosignature.line)
    return WitnessResult(checkpoint, state.size if state else None, cosignature)


def _inconsistency(client: LogClient, state: WitnessState, checkpoint: Checkpoint) -> str:
    """Why ``checkpoint`` does not extend the witnessed state, or "" if it does."""
    if checkpoint.size < state.size:
        return (
            f"the log now claims {checkpoint.size} entries but this witness saw {state.size}: "
            "entries were removed"
        )
    if checkpoint.size == state.size:
        if checkpoint.root != state.root:
            return (
                f"the log signed two different trees of size {state.size}: history was "
                "rewritten (or different people are shown different logs)"
            )
        return ""
    proof = client.consistency(state.size, checkpoint.size)
    try:
        merkle.verify_consistency(state.size, checkpoint.size, state.root, checkpoint.root, proof)
    except merkle.ProofError as exc:
        return (
            f"the log at {checkpoint.size} entries is not consistent with the {state.size} "
            f"entries this witness saw ({exc}): history was rewritten"
        )
    return ""


# --- the command line -------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--url", required=True, help="the log's address, e.g. https://dissent.example.org"
    )
    parser.add_argument(
        "--token",
        help="a personal API token of this witness's account (default: $DISSENT_WITNESS_TOKEN)",
    )
    parser.add_argument(
        "--key", required=True, help="file holding this witness's signer key (PRIVATE+KEY+...)"
    )
    parser.add_argument(
        "--state", required=True, help="file where this witness remembers the log (kept safe)"
    )
    parser.add_argument(
        "--log-key",
        required=True,
        help="the log's public key (<name>+<id>+<key>) or a file holding it",
    )


def run(options: argparse.Namespace) -> str:
    """One round as the options say; the cosignature line, or raise."""
    token = options.token or os.environ.get("DISSENT_WITNESS_TOKEN", "")
    if not token:
        raise WitnessError("give --token (or set DISSENT_WITNESS_TOKEN): an API token for the log")
    try:
        signer = parse_signer_key(signer_line(Path(options.key).read_text(encoding="utf-8")))
    except OSError as exc:
        raise WitnessError(f"cannot read the key file {options.key}: {exc.strerror}") from None
    except KeyFormatError as exc:
        raise WitnessError(f"{options.key} does not hold a signer key: {exc}") from None
    try:
        log_key = _read_key(options.log_key)
    except ReceiptError as exc:
        raise WitnessError(str(exc)) from None
    result = witness_once(LogClient(options.url, token), signer, log_key, Path(options.state))
    cp = result.checkpoint
    seen = (
        "first checkpoint seen: trusted from now on"
        if result.previous_size is None
        else f"consistent with the {result.previous_size} entries seen before"
    )
    return f"cosigned {cp.origin} at {cp.size} entries ({seen})\n{result.cosignature.line}"
