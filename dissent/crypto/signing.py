"""Ed25519 keys for signed notes, in the encodings of golang.org/x/mod/sumdb/note and
C2SP signed-note, so keys can be exchanged with standard transparency-log tools.

- signer key:   ``PRIVATE+KEY+<name>+<key id, 8 hex>+<base64(type byte || 32-byte seed)>``
- verifier key: ``<name>+<key id, 8 hex>+<base64(type byte || 32-byte public key)>``
- key id = SHA-256(name || 0x0A || type byte || public key)[:4]

The type byte says what the key signs: 0x01 plain Ed25519 note signatures (the log's
checkpoints), 0x04 timestamped cosignature/v1 (witnesses, c2sp.org/tlog-cosignature). The
same Ed25519 key under another type byte has another key id, so a signature of one kind
can never be taken for the other.

Threat handled: a forged or altered signature. ``verify_signature`` returns False on any
failure (wrong key, altered message, altered or truncated signature) and never raises for
bad input, so callers cannot mistake an exception path for success.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from dataclasses import dataclass, field

import nacl.exceptions
import nacl.signing

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
KEY_TYPES = {ED25519: "Ed25519", COSIGNATURE_V1: "Ed25519 cosignature/v1"}
SEED_SIZE = 32
PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64
_PRIVATE_PREFIX = "PRIVATE+KEY+"


class KeyFormatError(ValueError):
    """A key string is not a well-formed signer or verifier key; the message says why."""


def is_valid_key_name(name: str) -> bool:
    """Non-empty, no Unicode spaces, no plus (signed-note "Format")."""
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


def key_id(name: str, key_type: int, public_key: bytes) -> bytes:
    """SHA-256(name || "\\n" || type || public key)[:4], big-endian as in the note spec."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([key_type]) + public_key).digest()[
        :4
    ]


def _b64decode_strict(text: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise KeyFormatError("the key material is not standard base64") from None
    # Only the canonical spelling: no alternative encodings of the same key.
    if base64.b64encode(raw).decode("ascii") != text:
        raise KeyFormatError("the key material is not canonical base64")
    return raw


def _split_key(text: str, parts: int) -> list[str]:
    pieces = text.split("+", parts - 1)
    if len(pieces) != parts:
        raise KeyFormatError("a key has the form <name>+<8 hex digits>+<base64>")
    return pieces


def _parse_id(hex8: str) -> bytes:
    if len(hex8) != 8 or any(ch not in "0123456789abcdefABCDEF" for ch in hex8):
        raise KeyFormatError("the key id must be 8 hexadecimal digits")
    return bytes.fromhex(hex8)


@dataclass(frozen=True)
class VerifierKey:
    """A public key that checks signatures by one named signer."""

    name: str
    key_type: int
    public_key: bytes
    id: bytes = field(init=False)

    def __post_init__(self) -> None:
        if not is_valid_key_name(self.name):
            raise KeyFormatError(f"key name {self.name!r} is empty or has a space or a plus")
        if self.key_type not in KEY_TYPES:
            raise KeyFormatError(f"unknown key type 0x{self.key_type:02x}")
        if len(self.public_key) != PUBLIC_KEY_SIZE:
            raise KeyFormatError("an Ed25519 public key is 32 bytes")
        object.__setattr__(self, "id", key_id(self.name, self.key_type, self.public_key))

    def encode(self) -> str:
        material = base64.b64encode(bytes([self.key_type]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.id.hex()}+{material}"

    def as_type(self, key_type: int) -> VerifierKey:
        """The same Ed25519 key for another signature type (and so another key id)."""
        return VerifierKey(self.name, key_type, self.public_key)

    def verify_signature(self, message: bytes, signature: bytes) -> bool:
        """True only if ``signature`` is this key's Ed25519 signature over ``message``."""
        if len(signature) != SIGNATURE_SIZE:
            return False
        try:
            nacl.signing.VerifyKey(self.public_key).verify(message, signature)
        except (nacl.exceptions.BadSignatureError, nacl.exceptions.CryptoError, ValueError):
            return False
        return True


@dataclass(frozen=True)
class SignerKey:
    """A private key with its name. Keep it out of the database and out of logs."""

    name: str
    key_type: int
    seed: bytes = field(repr=False)
    verifier: VerifierKey = field(init=False)

    def __post_init__(self) -> None:
        if len(self.seed) != SEED_SIZE:
            raise KeyFormatError("an Ed25519 private key seed is 32 bytes")
        public = bytes(nacl.signing.SigningKey(self.seed).verify_key)
        object.__setattr__(self, "verifier", VerifierKey(self.name, self.key_type, public))

    @property
    def id(self) -> bytes:
        return self.verifier.id

    def encode(self) -> str:
        material = base64.b64encode(bytes([self.key_type]) + self.seed).decode("ascii")
        return f"{_PRIVATE_PREFIX}{self.name}+{self.id.hex()}+{material}"

    def as_type(self, key_type: int) -> SignerKey:
        return SignerKey(self.name, key_type, self.seed)

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature (RFC 8032, deterministic) over ``message``."""
        return bytes(nacl.signing.SigningKey(self.seed).sign(message).signature)


def generate_signer_key(name: str, key_type: int = ED25519) -> SignerKey:
    return SignerKey(name, key_type, secrets.token_bytes(SEED_SIZE))


def parse_verifier_key(text: str) -> VerifierKey:
    """A verifier key string, checked: its key id must match its name and key."""
    text = text.strip()
    name, hex8, b64 = _split_key(text, 3)
    claimed = _parse_id(hex8)
    raw = _b64decode_strict(b64)
    if len(raw) != 1 + PUBLIC_KEY_SIZE:
        raise KeyFormatError("a verifier key holds a type byte and a 32-byte Ed25519 key")
    key = VerifierKey(name, raw[0], raw[1:])
    if key.id != claimed:
        raise KeyFormatError(f"the key id {hex8} does not match the key (expected {key.id.hex()})")
    return key


def parse_signer_key(text: str) -> SignerKey:
    """A signer key string, checked: its key id must match the public key derived from it."""
    text = text.strip()
    if not text.startswith(_PRIVATE_PREFIX):
        raise KeyFormatError("a signer key starts with PRIVATE+KEY+")
    name, hex8, b64 = _split_key(text[len(_PRIVATE_PREFIX) :], 3)
    claimed = _parse_id(hex8)
    raw = _b64decode_strict(b64)
    if len(raw) != 1 + SEED_SIZE:
        raise KeyFormatError("a signer key holds a type byte and a 32-byte Ed25519 seed")
    if not is_valid_key_name(name):
        raise KeyFormatError(f"key name {name!r} is empty or has a space or a plus")
    if raw[0] not in KEY_TYPES:
        raise KeyFormatError(f"unknown key type 0x{raw[0]:02x}")
    key = SignerKey(name, raw[0], raw[1:])
    if key.id != claimed:
        raise KeyFormatError(f"the key id {hex8} does not match the key (expected {key.id.hex()})")
    return key
