"""RFC 9162 (Certificate Transparency v2) Merkle tree hashing, proofs and verification.

Pure standard library, no Django: receipts and checkpoints must be checkable offline by
anyone, with nothing but this file.

Leaves hash as SHA-256(0x00 || data) and interior nodes as SHA-256(0x01 || left || right).
The distinct prefixes are domain separation: without them an interior node could be passed
off as a leaf (a second-preimage attack on the tree).

Proofs are produced from a ``subtree(start, end)`` callback returning MTH(D[start:end]), so
the in-memory helpers and a database-backed log share one algorithm. The verifiers follow
RFC 9162 sections 2.1.3.2 and 2.1.4.2 step by step.

An inclusion or consistency proof does not commit to the tree size by itself: some
(index, size) claims share a proof shape. The size a verifier trusts must come from a
signed checkpoint, never from whoever supplies the proof.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # RFC 9162 2.1.1: MTH({}) = HASH()

# subtree(start, end) -> MTH(D[start:end]), for 0 <= start < end <= tree size.
SubtreeHash = Callable[[int, int], bytes]


class ProofError(ValueError):
    """An inclusion or consistency proof did not verify (bad input or hash mismatch).

    Threat handled: a log operator forging membership or rewriting history. Verifiers raise
    this on every failure and return None otherwise, so a caller cannot forget to test a
    boolean.
    """


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below n (n >= 2): where RFC 9162 splits D_n."""
    return 1 << ((n - 1).bit_length() - 1)


def _require_hash(value: bytes, what: str, error: type[ValueError]) -> None:
    # Checking lengths up front turns truncated or padded input into a clear error
    # instead of an anonymous root mismatch.
    if len(value) != HASH_SIZE:
        raise error(f"{what} must be {HASH_SIZE} bytes, got {len(value)}")


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D_n) for the given leaf hashes (not leaf data); SHA-256("") for an empty tree."""
    compact = CompactRange()
    for h in leaf_hashes:
        compact.append(h)
    return compact.root()


def inclusion_proof_from(subtree: SubtreeHash, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) (RFC 9162 2.1.3.1), ordered from the leaf upward.

    Every left sibling asked of ``subtree`` is a perfect, aligned subtree; at most one
    right sibling (the first one taken from the right border) is not. A store that keeps
    perfect subtrees therefore answers with O(log n) reads.
    """
    if not 0 <= index < size:
        raise ValueError(f"index {index} is outside a tree of size {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:  # descend from the root; siblings are collected top-down
        mid = start + _split(end - start)
        if index < mid:
            path.append(subtree(mid, end))
            end = mid
        else:
            path.append(subtree(start, mid))
            start = mid
    path.reverse()
    return path


def consistency_proof_from(subtree: SubtreeHash, old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[0:new_size]) (RFC 9162 2.1.4.1), ordered from the bottom upward.

    Empty when the sizes are equal. Undefined for old_size 0 (nothing to be consistent
    with), so that raises, as does old_size > new_size. Same read pattern as inclusion.
    """
    if not 0 < old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to {new_size}")
    path: list[bytes] = []
    start, end = 0, new_size
    # RFC's flag b: the verifier holds this subtree's hash already (it is the old root).
    known = True
    while end != old_size:  # RFC: m < n, with m and n relative to start
        mid = start + _split(end - start)
        if old_size <= mid:
            path.append(subtree(mid, end))
            end = mid
        else:
            path.append(subtree(start, mid))
            start, known = mid, False
    if not known:
        path.append(subtree(start, end))
    path.reverse()
    return path


def _subtree_of(leaf_hashes: Sequence[bytes]) -> SubtreeHash:
    return lambda start, end: root(leaf_hashes[start:end])


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    return inclusion_proof_from(_subtree_of(leaf_hashes), index, len(leaf_hashes))


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    return consistency_proof_from(_subtree_of(leaf_hashes), old_size, len(leaf_hashes))


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 2.1.3.2. Raises ProofError unless ``proof`` puts the leaf at ``index``."""
    _require_hash(leaf_hash, "leaf hash", ProofError)
    _require_hash(root, "root", ProofError)
    for p in proof:
        _require_hash(p, "proof element", ProofError)
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of size {size}")
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # On the right border with no right sibling: skip the levels that have none.
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    if r != root:
        raise ProofError("inclusion proof does not lead to the root")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 2.1.4.2. Raises ProofError unless the new tree extends the old one."""
    if old_size > 0 and old_size == new_size:
        # Equal sizes: the trees are the same iff the roots are; the proof must be empty. As
        # in the transparency-dev reference (and its vectors), no length check applies here.
        if proof:
            raise ProofError("sizes are equal but the proof is not empty")
        if old_root != new_root:
            raise ProofError("sizes are equal but the roots differ")
        return
    _require_hash(old_root, "old root", ProofError)
    _require_hash(new_root, "new root", ProofError)
    for c in proof:
        _require_hash(c, "proof element", ProofError)
    if old_size <= 0:
        # As in the transparency-dev vectors, even 0 -> 0: an empty tree proves nothing.
        raise ProofError("consistency from an empty tree is meaningless")
    if old_size > new_size:
        raise ProofError(f"old size {old_size} is larger than new size {new_size}")
    if old_size == new_size:
        if proof:
            raise ProofError("sizes are equal but the proof is not empty")
        if old_root != new_root:
            raise ProofError("sizes are equal but the roots differ")
        return
    if not proof:
        raise ProofError("consistency proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is a node of the new tree
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != old_root:
        raise ProofError("consistency proof does not lead to the old root")
    if sr != new_root:
        raise ProofError("consistency proof does not lead to the new root")


class CompactRange:
    """Incremental MTH(D[0:size]) from the roots of the perfect subtrees that tile [0, size).

    There is one perfect subtree per set bit of size, largest first (transparency-dev's
    compact range). Appending carries like a binary counter, so each append costs O(1)
    hashes amortised, and the nodes it completes are exactly the ones a store must keep to
    answer ``subtree`` for any aligned range later.
    """

    def __init__(self) -> None:
        self._size = 0
        self._hashes: list[bytes] = []

    @classmethod
    def from_hashes(cls, size: int, hashes: Sequence[bytes]) -> CompactRange:
        """Resume from stored state: ``hashes`` as returned by the ``hashes`` property."""
        if size < 0 or len(hashes) != size.bit_count():
            raise ValueError(f"a range of size {size} needs {max(size, 0).bit_count()} hashes")
        for h in hashes:
            _require_hash(h, "subtree hash", ValueError)
        compact = cls()
        compact._size, compact._hashes = size, list(hashes)
        return compact

    @property
    def size(self) -> int:
        return self._size

    @property
    def hashes(self) -> list[bytes]:
        return list(self._hashes)

    def append(self, leaf_hash: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; return the completed perfect subtrees as (level, index, hash).

        A node at ``level`` covers leaves [index * 2**level, (index + 1) * 2**level).
        Level 0 (the leaf itself) is not reported: the caller already has it.
        """
        _require_hash(leaf_hash, "leaf hash", ValueError)
        return self.append_subtree(0, leaf_hash)

    def append_subtree(self, level: int, subtree_hash: bytes) -> list[tuple[int, int, bytes]]:
        """Add the root of a perfect subtree of 2**level leaves, as if its leaves were
        appended one by one; the range's size must be a multiple of 2**level. Returns the
        completed subtrees above ``level``, as ``append`` does."""
        _require_hash(subtree_hash, "subtree hash", ValueError)
        if level < 0 or self._size % (1 << level):
            raise ValueError(f"a subtree of level {level} cannot follow {self._size} leaves")
        completed: list[tuple[int, int, bytes]] = []
        new_size, h = self._size + (1 << level), subtree_hash
        carry = self._size >> level
        while carry & 1:
            h = node_hash(self._hashes.pop(), h)
            level, carry = level + 1, carry >> 1
            completed.append((level, (new_size >> level) - 1, h))
        self._hashes.append(h)
        self._size = new_size
        return completed

    def copy(self) -> CompactRange:
        return CompactRange.from_hashes(self._size, self._hashes)

    def root(self) -> bytes:
        if not self._hashes:
            return EMPTY_ROOT
        # MTH splits at the largest power of two, i.e. the leftmost perfect subtree, so
        # the root folds the tiles from the right.
        h = self._hashes[-1]
        for left in reversed(self._hashes[:-1]):
            h = node_hash(left, h)
        return h
