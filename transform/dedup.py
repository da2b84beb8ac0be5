"""Near-duplicate fingerprints: MinHash over word shingles, banded for LSH lookups in SQL.

Cross-posted and syndicated pieces must be countable once. Each post gets a 128-value MinHash
signature (datasketch) of its lower-cased word 5-shingles, and 16 band hashes of 8 values each.
Two posts whose Jaccard similarity is s share at least one band with probability
1 - (1 - s^8)^16: 0.98 at s = 0.7, 0.0002 at s = 0.3, so candidates found by an equality join on
(band, bucket) are nearly all the true near-duplicates; the warehouse then keeps the pairs whose
estimated similarity passes ``NEAR_DUPLICATE_SIMILARITY``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache

import numpy as np
from datasketch import MinHash

NUM_PERM = 128  # signature length: estimates Jaccard within ±0.09 (2 std) — enough to tell 0.8 from 0.5
BANDS = 32  # 32 bands × 4 rows: LSH threshold (1/32)^(1/4) ≈ 0.42, well under the 0.7 we report
ROWS = NUM_PERM // BANDS
SHINGLE_WORDS = 5  # 5-word shingles: short enough to survive light edits, long enough to ignore stock phrases
NEAR_DUPLICATE_SIMILARITY = 0.7  # a reprint with a new intro and footer scores ~0.75 (tests/transform/test_dedup.py)
_SEED = 1  # fixed so fingerprints are comparable across runs and machines
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Fingerprint:
    """A post's MinHash signature and its LSH band buckets."""

    signature: tuple[int, ...]
    bands: tuple[int, ...]


def shingles(text: str) -> set[bytes]:
    """Lower-cased word shingles of ``text`` (the whole text as one shingle if it is shorter)."""
    words = _WORD.findall(text.lower())
    if len(words) <= SHINGLE_WORDS:
        return {" ".join(words).encode("utf-8")} if words else set()
    runs = zip(*(words[i:] for i in range(SHINGLE_WORDS)), strict=False)  # shifted copies: the shortest ends it
    return {run.encode("utf-8") for run in set(map(" ".join, runs))}


@cache
def _template() -> MinHash:
    """An empty MinHash of the fixed seed: drawing its 128 permutations costs ~0.1 ms, once is enough."""
    return MinHash(num_perm=NUM_PERM, seed=_SEED)


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch's ``affine32`` scheme applies it before permuting."""
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def signature(parts: set[bytes]) -> tuple[int, ...]:
    """The MinHash signature datasketch's ``MinHash(seed=1).update_batch(parts)`` gives, computed in bulk.

    datasketch hashes each shingle in its own Python call (sha1 -> 32 bits) and permutes after; here
    the 32-bit hashes are cut from the digests in one buffer and permuted as one array, about twice
    as fast. ``tests/transform/test_dedup.py`` pins the two as equal, so stored fingerprints stay
    comparable across versions.
    """
    template = _template()
    if template.scheme != "affine32":  # a datasketch whose default scheme changed: let it do the work
        minhash = MinHash(seed=_SEED, permutations=template.permutations, scheme=template.scheme)
        minhash.update_batch(parts)
        return tuple(int(v) for v in minhash.hashvalues)
    if not parts:
        return tuple(int(v) for v in template.hashvalues)
    sha1 = hashlib.sha1
    digests = b"".join([sha1(part).digest()[:4] for part in parts])
    hv = _fmix32(np.frombuffer(digests, dtype="<u4").astype(np.uint32).reshape(-1, 1))
    a, b = template.permutations
    with np.errstate(over="ignore"):  # the affine map is meant to wrap modulo 2**32
        permuted = hv * a + b
    return tuple(permuted.min(axis=0).tolist())


def fingerprint(text: str) -> Fingerprint:
    """MinHash signature and band buckets of ``text``."""
    values = signature(shingles(text))
    bands = tuple(
        int.from_bytes(hashlib.blake2b(repr(values[b * ROWS : (b + 1) * ROWS]).encode(), digest_size=8).digest(), "big")
        >> 1  # fits a signed BIGINT
        for b in range(BANDS)
    )
    return Fingerprint(values, bands)


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated Jaccard similarity of two fingerprints' shingle sets."""
    return sum(x == y for x, y in zip(a.signature, b.signature, strict=True)) / NUM_PERM
