"""Signer and verifier keys (dissent.crypto.signing) against the published vectors of
golang.org/x/mod/sumdb/note and transparency-dev/formats/note, and tampered signatures."""

from __future__ import annotations

import pytest

from dissent.crypto.signing import (
    COSIGNATURE_V1,
    ED25519,
    KeyFormatError,
    generate_signer_key,
    key_id,
    parse_signer_key,
    parse_verifier_key,
)

# golang.org/x/mod/sumdb/note, package documentation and note_test.go.
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"


def test_the_sumdb_signer_key_derives_the_published_verifier_key() -> None:
    signer = parse_signer_key(PETER_SKEY)
    assert signer.name == "PeterNeumann"
    assert signer.key_type == ED25519
    assert signer.id.hex() == "c74f20a3"
    assert signer.verifier.encode() == PETER_VKEY
    assert signer.encode() == PETER_SKEY


def test_published_verifier_keys_parse_and_reencode() -> None:
    for vkey in (PETER_VKEY, ENOCH_VKEY):
        assert parse_verifier_key(vkey).encode() == vkey


def test_key_id_is_sha256_of_name_newline_type_and_key() -> None:
    key = parse_verifier_key(PETER_VKEY)
    assert key_id("PeterNeumann", ED25519, key.public_key).hex() == "c74f20a3"
    # The same key as a cosigner has another id: one kind of signature cannot pass as another.
    assert key.as_type(COSIGNATURE_V1).id != key.id


def test_transparency_dev_cosignature_vkeys() -> None:
    # transparency-dev/formats note_cosigv1_test.go TestCoSigV1NewVerifier.
    native = parse_verifier_key(
        "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
    )
    assert native.key_type == COSIGNATURE_V1
    plain = parse_verifier_key("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6")
    assert plain.key_type == ED25519
    assert parse_verifier_key(plain.as_type(COSIGNATURE_V1).encode()).public_key == plain.public_key


@pytest.mark.parametrize(
    "bad",
    [
        "bananas.sigstore.dev+12344556",  # wrong number of parts
        "rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!",
        "rekor.sigstore.dev+12345678+AwEB",  # unknown algorithm, short key
        "PeterNeumann+NOT_A_NUMBER+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+00000000+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong key id
        # From sumdb's TestNewVerifier: wrong length key and unknown algorithm, ids adjusted.
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "",
    ],
)
def test_malformed_verifier_keys_are_refused(bad: str) -> None:
    with pytest.raises(KeyFormatError):
        parse_verifier_key(bad)


def test_every_mangling_of_the_published_keys_is_refused() -> None:
    # As sumdb's TestNewVerifier / TestNewSigner: every proper substring and every one-byte
    # change of a valid key must fail to parse.
    for key, parse in ((PETER_VKEY, parse_verifier_key), (PETER_SKEY, parse_signer_key)):
        for i in range(len(key) + 1):
            for j in range(i + 1, len(key) + 1):
                if (i, j) != (0, len(key)) and key[i:j].strip() != key:
                    with pytest.raises(KeyFormatError):
                        parse(key[i:j])
        for i in range(len(key)):
            changed = key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :]
            with pytest.raises(KeyFormatError):
                parse(changed)


def test_generated_keys_round_trip_and_sign() -> None:
    signer = generate_signer_key("example.org/log")
    again = parse_signer_key(signer.encode())
    assert again.verifier == signer.verifier
    verifier = parse_verifier_key(signer.verifier.encode())
    signature = signer.sign(b"hi")
    assert verifier.verify_signature(b"hi", signature)


def test_tampered_signatures_and_messages_are_refused() -> None:
    signer = generate_signer_key("example.org/log")
    verifier = signer.verifier
    message = b"example.org/log\n1\n" + b"A" * 44 + b"\n"
    signature = signer.sign(message)
    for i in range(len(signature)):
        for bit in (0x01, 0x80):
            bad = bytearray(signature)
            bad[i] ^= bit
            assert not verifier.verify_signature(message, bytes(bad))
    assert not verifier.verify_signature(message + b"x", signature)
    assert not verifier.verify_signature(message[:-1], signature)
    assert not verifier.verify_signature(message, signature[:-1])
    assert not verifier.verify_signature(message, signature + b"\x00")
    assert not generate_signer_key("example.org/log").verifier.verify_signature(message, signature)


def test_signer_key_repr_does_not_show_the_seed() -> None:
    signer = generate_signer_key("example.org/log")
    assert signer.seed.hex() not in repr(signer)
    assert str(signer.seed) not in repr(signer)
