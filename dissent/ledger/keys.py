"""Where the log's signing key comes from. Pure (no Django): the server reads it through
dissent.ledger.checkpoints with the values of dissent.settings, and the offline
`dissent ledger verify-receipt` reads the same environment variables to find this
installation's own public key when no --log-key is given.

The key never goes into the database: a database copy must not be enough to sign a
rewritten history.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from dissent.crypto.signing import (
    ED25519,
    KeyFormatError,
    SignerKey,
    VerifierKey,
    generate_signer_key,
    is_valid_key_name,
    parse_signer_key,
    parse_verifier_key,
)
from dissent.lib.env import SettingError, env_str

SIGNING_KEY_VAR = "DISSENT_LEDGER_SIGNING_KEY"
DEMO_KEY_FILE = "demo-ledger-signing-key"


def default_origin(base_url: str) -> str:
    """The log's name when DISSENT_LEDGER_ORIGIN is not set: "<host>/dissent-log"."""
    host = urlsplit(base_url).hostname if base_url else None
    return f"{host or 'localhost'}/dissent-log"


def check_origin(origin: str, variable: str = "DISSENT_LEDGER_ORIGIN") -> str:
    # The checkpoint spec only requires a non-empty line; we also keep it a valid key name
    # so the log's key can carry the origin as its name (the spec's SHOULD).
    if not is_valid_key_name(origin):
        raise SettingError(
            f"{variable}={origin!r} must be a name without spaces or '+', "
            "such as dissent.example.org/dissent-log"
        )
    return origin


def signer_line(text: str) -> str:
    """The PRIVATE+KEY line of a key file (`dissent ledger keygen` prints the public key
    on the next line; a file may keep both)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    private = [line for line in lines if line.startswith("PRIVATE+KEY+")]
    return private[0] if len(private) == 1 else text.strip()


def parse_configured_signer(value: str, variable: str = SIGNING_KEY_VAR) -> SignerKey:
    try:
        key = parse_signer_key(signer_line(value))
    except KeyFormatError as exc:
        raise SettingError(
            f"{variable} is not a signer key (PRIVATE+KEY+<name>+<id>+<key>, as printed by "
            f"`dissent ledger keygen NAME`): {exc}"
        ) from None
    if key.key_type != ED25519:
        raise SettingError(f"{variable} must be an Ed25519 (type 0x01) note signing key")
    return key


def parse_witness_keys(values: list[str], variable: str) -> list[VerifierKey]:
    keys = []
    for value in values:
        try:
            keys.append(parse_verifier_key(value))
        except KeyFormatError as exc:
            raise SettingError(f"{variable} has a key that is not a verifier key: {exc}") from None
    names = [key.name for key in keys]
    if len(set(names)) != len(names):
        raise SettingError(f"{variable} names one witness twice")
    return keys


def demo_signer(data_dir: Path, origin: str) -> SignerKey:
    """Demo and debug only: a key generated once beside the demo database."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / DEMO_KEY_FILE
    if not path.exists():
        # Written aside, then linked into place: two processes starting at once must not
        # end up with two keys, nor read a half-written file.
        temporary = data_dir / f".{DEMO_KEY_FILE}.{os.getpid()}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(generate_signer_key(origin).encode() + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return parse_configured_signer(path.read_text(encoding="utf-8"), str(path))


def local_verifier_key(environ: Mapping[str, str] = os.environ) -> VerifierKey | None:
    """This installation's log key, public half, if one is configured or was generated for
    the demo; None otherwise. For verify-receipt on the server itself."""
    value = env_str(SIGNING_KEY_VAR, environ=environ)
    if value:
        return parse_configured_signer(value).verifier
    data_dir = environ.get("DISSENT_DATA_DIR") or str(Path(__file__).resolve().parents[2] / "var")
    path = Path(data_dir) / DEMO_KEY_FILE
    if path.exists():
        return parse_configured_signer(path.read_text(encoding="utf-8"), str(path)).verifier
    return None
