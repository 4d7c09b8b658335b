"""Merkle log properties: proofs verify, and any tampering makes verification fail.

The reference below is a literal transcription of RFC 9162's recursive definitions (MTH,
PATH, SUBPROOF), independent of the iterative code under test. Every tree is a prefix of
LEAVES, so one cached reference subtree hash serves every tree size.
"""

from __future__ import annotations

import hashlib
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dissent.ledger import merkle
from dissent.ledger.merkle import ProofError

MAX_SIZE = 300
EXHAUSTIVE_SIZES = range(1, 65)
LEAVES = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(2 * MAX_SIZE)]

# Roots of the RFC 6962 / transparency-dev test tree, sizes 1..8 (known answers).
TEST_TREE_DATA = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657"]
TEST_TREE_DATA.append("606162636465666768696a6b6c6d6e6f")
TEST_TREE_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]

# --- reference: RFC 9162 2.1.1, 2.1.3.1, 2.1.4.1, recursively over LEAVES[start:end] ---


def split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@cache
def mth(start: int, end: int) -> bytes:
    n = end - start
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return LEAVES[start]
    k = split(n)
    return merkle.node_hash(mth(start, start + k), mth(start + k, end))


@cache
def ref_path(m: int, start: int, end: int) -> tuple[tuple[bytes, str], ...]:
    """PATH with each element tagged by the side its sibling is on."""
    n = end - start
    if n <= 1:
        return ()
    k = split(n)
    if m < k:
        return (*ref_path(m, start, start + k), (mth(start + k, end), "right"))
    return (*ref_path(m - k, start + k, end), (mth(start, start + k), "left"))


@cache
def ref_subproof(m: int, start: int, end: int, b: bool) -> tuple[tuple[bytes, str], ...]:
    """SUBPROOF with each element tagged: the old-tree seed, or a left/right sibling."""
    n = end - start
    if m == n:
        return () if b else ((mth(start, end), "seed"),)
    k = split(n)
    if m <= k:
        return (*ref_subproof(m, start, start + k, b), (mth(start + k, end), "right"))
    return (*ref_subproof(m - k, start + k, end, False), (mth(start, start + k), "left"))


def inclusion_shape(index: int, size: int) -> tuple[str, ...]:
    return tuple(side for _, side in ref_path(index, 0, size))


def consistency_shape(old: int, new: int) -> tuple[str, ...]:
    return tuple(kind for _, kind in ref_subproof(old, 0, new, True))


def flip(h: bytes, bit: int) -> bytes:
    b = bytearray(h)
    b[bit // 8] ^= 1 << (bit % 8)
    return bytes(b)


def is_perfect(start: int, end: int) -> bool:
    n = end - start
    return n & (n - 1) == 0 and start % n == 0


# --- checks shared by the exhaustive loops and the hypothesis tests ---


def check_inclusion(index: int, size: int, bits: list[int], other_sizes: list[int]) -> None:
    leaf, root = LEAVES[index], mth(0, size)
    proof = merkle.inclusion_proof(LEAVES[:size], index)
    assert proof == [h for h, _ in ref_path(index, 0, size)]
    merkle.verify_inclusion(leaf, index, size, proof, root)

    for i in range(len(proof)):
        bad = [*proof]
        bad[i] = flip(proof[i], bits[i % len(bits)])
        with pytest.raises(ProofError):
            merkle.verify_inclusion(leaf, index, size, bad, root)
    with pytest.raises(ProofError):
        merkle.verify_inclusion(flip(leaf, bits[0]), index, size, proof, root)
    with pytest.raises(ProofError):
        merkle.verify_inclusion(leaf, index, size, proof, flip(root, bits[-1]))
    for bad in (proof[1:], proof[:-1], [*proof, root], [leaf, *proof]):
        if bad != proof:
            with pytest.raises(ProofError):
                merkle.verify_inclusion(leaf, index, size, bad, root)
    for other in (index - 1, index + 1, index ^ 2, size, -1):
        if other != index:
            with pytest.raises(ProofError):
                merkle.verify_inclusion(leaf, other, size, proof, root)
    # A proof does not commit to the size on its own: a claimed size whose path has the
    # same shape verifies (hence sizes come from signed checkpoints). Any other size fails.
    for other in other_sizes:
        if other == size:
            continue
        if 0 <= index < other and inclusion_shape(index, other) == inclusion_shape(index, size):
            merkle.verify_inclusion(leaf, index, other, proof, root)
        else:
            with pytest.raises(ProofError):
                merkle.verify_inclusion(leaf, index, other, proof, root)


def check_consistency(old: int, new: int, bits: list[int], other_sizes: list[int]) -> None:
    old_root, new_root = mth(0, old), mth(0, new)
    proof = merkle.consistency_proof(LEAVES[:new], old)
    assert proof == [h for h, _ in ref_subproof(old, 0, new, True)]
    merkle.verify_consistency(old, new, old_root, new_root, proof)

    for i in range(len(proof)):
        bad = [*proof]
        bad[i] = flip(proof[i], bits[i % len(bits)])
        with pytest.raises(ProofError):
            merkle.verify_consistency(old, new, old_root, new_root, bad)
    with pytest.raises(ProofError):
        merkle.verify_consistency(old, new, flip(old_root, bits[0]), new_root, proof)
    with pytest.raises(ProofError):
        merkle.verify_consistency(old, new, old_root, flip(new_root, bits[-1]), proof)
    for bad in (proof[1:], proof[:-1], [*proof, new_root], [old_root, *proof]):
        if bad != proof:
            with pytest.raises(ProofError):
                merkle.verify_consistency(old, new, old_root, new_root, bad)
    if old != new:
        with pytest.raises(ProofError):  # swapped roots
            merkle.verify_consistency(old, new, new_root, old_root, proof)
    # As for inclusion, only a pair of sizes with the same proof shape verifies.
    shape = consistency_shape(old, new)
    for o, n in [(s, new) for s in other_sizes] + [(old, s) for s in other_sizes]:
        if (o, n) == (old, new):
            continue
        if 0 < o <= n and consistency_shape(o, n) == shape:
            merkle.verify_consistency(o, n, old_root, new_root, proof)
        else:
            with pytest.raises(ProofError):
                merkle.verify_consistency(o, n, old_root, new_root, proof)


# --- exhaustive over small trees ---


@pytest.mark.parametrize("size", EXHAUSTIVE_SIZES)
def test_every_inclusion_proof_of_small_trees(size: int) -> None:
    other_sizes = [0, size - 2, size - 1, size + 1, size + 2, size // 2, size * 2]
    for index in range(size):
        check_inclusion(index, size, [(size * 7 + index) % 256, 255 - index], other_sizes)


@pytest.mark.parametrize("new", EXHAUSTIVE_SIZES)
def test_every_consistency_proof_of_small_trees(new: int) -> None:
    for old in range(1, new + 1):
        other_sizes = [0, old - 1, old + 1, old ^ 2, new - 1, new + 1, new * 2, new // 2]
        check_consistency(old, new, [(new * 7 + old) % 256, 255 - old], other_sizes)


# --- random over larger trees ---

bits = st.lists(st.integers(0, 255), min_size=1, max_size=12)
sizes = st.lists(st.integers(0, 2 * MAX_SIZE), max_size=6)


@settings(max_examples=100, deadline=None)
@given(size=st.integers(1, MAX_SIZE), data=st.data(), bits=bits, other_sizes=sizes)
def test_inclusion_proofs_of_random_trees(
    size: int, data: st.DataObject, bits: list[int], other_sizes: list[int]
) -> None:
    index = data.draw(st.integers(0, size - 1), label="index")
    check_inclusion(index, size, bits, other_sizes)


@settings(max_examples=100, deadline=None)
@given(new=st.integers(1, MAX_SIZE), data=st.data(), bits=bits, other_sizes=sizes)
def test_consistency_proofs_of_random_trees(
    new: int, data: st.DataObject, bits: list[int], other_sizes: list[int]
) -> None:
    old = data.draw(st.integers(1, new), label="old")
    check_consistency(old, new, bits, other_sizes)


# --- hashing and roots ---


def test_hashes_are_domain_separated() -> None:
    assert merkle.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    a, b = LEAVES[0], LEAVES[1]
    assert merkle.node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
    assert merkle.leaf_hash(a + b) != merkle.node_hash(a, b)


def test_empty_tree_root_is_hash_of_empty_string() -> None:
    assert merkle.root([]) == merkle.EMPTY_ROOT == hashlib.sha256(b"").digest()
    assert merkle.CompactRange().root() == merkle.EMPTY_ROOT


def test_known_roots_of_the_rfc6962_test_tree() -> None:
    leaves = [merkle.leaf_hash(bytes.fromhex(d)) for d in TEST_TREE_DATA]
    for size, want in enumerate(TEST_TREE_ROOTS, start=1):
        assert merkle.root(leaves[:size]).hex() == want


def test_root_matches_reference_for_every_size() -> None:
    for size in range(MAX_SIZE + 1):
        assert merkle.root(LEAVES[:size]) == mth(0, size)


def test_root_rejects_leaf_hashes_of_the_wrong_length() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        merkle.root([LEAVES[0], b"leaf data, not a hash"])


# --- compact range ---


def test_compact_range_root_and_completed_subtrees() -> None:
    compact = merkle.CompactRange()
    seen: set[tuple[int, int]] = set()
    for size in range(1, MAX_SIZE + 1):
        completed = compact.append(LEAVES[size - 1])
        # Exactly the perfect subtrees that end at the new size, smallest first.
        levels = [lvl for lvl in range(1, size.bit_length() + 1) if size % (1 << lvl) == 0]
        assert [(lvl, idx) for lvl, idx, _ in completed] == [
            (lvl, (size >> lvl) - 1) for lvl in levels
        ]
        for level, index, h in completed:
            assert h == mth(index << level, (index + 1) << level)
            seen.add((level, index))
        assert compact.size == size
        assert compact.root() == mth(0, size)
        assert len(compact.hashes) == size.bit_count()
    # Over the whole run, every aligned perfect subtree of level >= 1 was reported once.
    assert seen == {
        (lvl, idx) for lvl in range(1, MAX_SIZE.bit_length()) for idx in range(MAX_SIZE >> lvl)
    }


def test_compact_range_resumes_from_stored_hashes() -> None:
    straight = merkle.CompactRange()
    for size in range(MAX_SIZE):
        resumed = merkle.CompactRange.from_hashes(size, straight.hashes)
        assert resumed.root() == straight.root()
        assert resumed.append(LEAVES[size]) == straight.append(LEAVES[size])
        assert resumed.root() == straight.root() == mth(0, size + 1)


def test_compact_range_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        merkle.CompactRange.from_hashes(3, [LEAVES[0]])  # size 3 needs two tiles
    with pytest.raises(ValueError):
        merkle.CompactRange.from_hashes(-1, [])
    with pytest.raises(ValueError, match="32 bytes"):
        merkle.CompactRange.from_hashes(1, [b"short"])
    with pytest.raises(ValueError, match="32 bytes"):
        merkle.CompactRange().append(b"x" * 33)


# --- proofs from a subtree callback (the storage layer's entry point) ---


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 9, 100, 256, 257, MAX_SIZE])
def test_proofs_from_callback_read_at_most_one_unaligned_range(size: int) -> None:
    calls: list[tuple[int, int]] = []

    def subtree(start: int, end: int) -> bytes:
        assert 0 <= start < end <= size
        calls.append((start, end))
        return mth(start, end)

    for index in range(size):
        calls.clear()
        proof = merkle.inclusion_proof_from(subtree, index, size)
        assert proof == merkle.inclusion_proof(LEAVES[:size], index)
        assert len(calls) == len(proof) <= size.bit_length()
        assert sum(not is_perfect(s, e) for s, e in calls) <= 1
    for old in range(1, size + 1):
        calls.clear()
        proof = merkle.consistency_proof_from(subtree, old, size)
        assert proof == merkle.consistency_proof(LEAVES[:size], old)
        assert len(calls) == len(proof) <= size.bit_length() + 1
        assert sum(not is_perfect(s, e) for s, e in calls) <= 1


def test_proof_generation_rejects_impossible_requests() -> None:
    for index in (-1, 5):
        with pytest.raises(ValueError):
            merkle.inclusion_proof(LEAVES[:5], index)
    for old in (-1, 0, 6):
        with pytest.raises(ValueError):
            merkle.consistency_proof(LEAVES[:5], old)
    assert merkle.consistency_proof(LEAVES[:5], 5) == []


# --- verifier input validation ---


def test_verifiers_raise_proof_error_which_is_a_value_error() -> None:
    assert issubclass(ProofError, ValueError)


@pytest.mark.parametrize("length", [0, 1, 31, 33, 64])
def test_verifiers_require_32_byte_hashes(length: int) -> None:
    bad = b"\x00" * length
    leaf, root = LEAVES[2], mth(0, 5)
    proof = merkle.inclusion_proof(LEAVES[:5], 2)
    for args in (
        (bad, 2, 5, proof, root),
        (leaf, 2, 5, proof, bad),
        (leaf, 2, 5, [proof[0], bad, proof[2]], root),
    ):
        with pytest.raises(ProofError, match="32 bytes"):
            merkle.verify_inclusion(*args)
    old_root = mth(0, 3)
    proof = merkle.consistency_proof(LEAVES[:5], 3)
    for cargs in (
        (3, 5, bad, root, proof),
        (3, 5, old_root, bad, proof),
        (3, 5, old_root, root, [*proof[:-1], bad]),
    ):
        with pytest.raises(ProofError, match="32 bytes"):
            merkle.verify_consistency(*cargs)


def test_equal_sizes_only_compare_roots_as_upstream_does() -> None:
    # transparency-dev/merkle (and its vectors) accept any equal roots when sizes are equal.
    merkle.verify_consistency(1, 1, b"\x00" * 12, b"\x00" * 12, [])
    with pytest.raises(ProofError, match="roots differ"):
        merkle.verify_consistency(1, 1, b"\x00" * 12, b"\x01" * 12, [])


def test_verify_inclusion_rejects_impossible_positions() -> None:
    leaf = LEAVES[0]
    for index, size in ((0, 0), (1, 1), (-1, 1), (2**64 - 1, 1)):
        with pytest.raises(ProofError):
            merkle.verify_inclusion(leaf, index, size, [], leaf)


def test_verify_consistency_edge_sizes() -> None:
    empty, one, two = merkle.EMPTY_ROOT, mth(0, 1), mth(0, 2)
    # An empty old tree proves nothing, even 0 -> 0 (as the transparency-dev vectors expect).
    for args in (
        (0, 0, empty, empty, []),
        (0, 1, empty, one, []),
        (0, 1, empty, one, [one]),
        (-1, 1, one, one, []),
        (2, 1, two, one, []),  # shrinking
        (1, 1, one, one, [one]),  # equal sizes take an empty proof
        (1, 1, one, two, []),  # equal sizes need equal roots
        (1, 2, one, two, []),  # growth needs a proof
    ):
        with pytest.raises(ProofError):
            merkle.verify_consistency(*args)
    merkle.verify_consistency(1, 1, one, one, [])
    merkle.verify_consistency(1, 2, one, two, [LEAVES[1]])


@pytest.mark.parametrize("level", [0, 1, 2, 3, 5])
def test_appending_a_whole_subtree_is_appending_its_leaves(level: int) -> None:
    """What the audit does with a block of 2**level verified leaves: the same tiles, and the
    completed subtrees above the block that leaf-by-leaf appends report."""
    width = 1 << level
    by_leaf, by_block = merkle.CompactRange(), merkle.CompactRange()
    for start in range(0, MAX_SIZE - width + 1, width):
        above: list[tuple[int, int, bytes]] = []
        for i in range(start, start + width):
            above = [node for node in by_leaf.append(LEAVES[i]) if node[0] > level] or above
        completed = by_block.append_subtree(level, mth(start, start + width))
        assert completed == above
        assert by_block.hashes == by_leaf.hashes and by_block.size == by_leaf.size
        assert by_block.root() == mth(0, start + width)
    copy = by_block.copy()
    copy.append(LEAVES[0])
    assert copy.size == by_block.size + 1  # a copy moves on alone


def test_a_subtree_must_start_at_its_own_alignment() -> None:
    compact = merkle.CompactRange()
    compact.append(LEAVES[0])
    with pytest.raises(ValueError, match="cannot follow 1 leaves"):
        compact.append_subtree(1, LEAVES[1])
    with pytest.raises(ValueError, match="32 bytes"):
        compact.append_subtree(0, b"short")
    assert compact.size == 1  # nothing was added
