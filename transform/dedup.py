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
    return {" ".join(words[i : i + SHINGLE_WORDS]).encode("utf-8") for i in range(len(words) - SHINGLE_WORDS + 1)}


@cache
def _template() -> MinHash:
    """An empty MinHash of the fixed seed: drawing its 128 permutations costs ~0.1 ms, once is enough."""
    return MinHash(num_perm=NUM_PERM, seed=_SEED)


def fingerprint(text: str) -> Fingerprint:
    """MinHash signature and band buckets of ``text``."""
    template = _template()
    minhash = MinHash(seed=_SEED, permutations=template.permutations, scheme=template.scheme)
    minhash.update_batch(shingles(text))
    signature = tuple(int(v) for v in minhash.hashvalues)
    bands = tuple(
        int.from_bytes(
            hashlib.blake2b(repr(signature[b * ROWS : (b + 1) * ROWS]).encode(), digest_size=8).digest(), "big"
        )
        >> 1  # fits a signed BIGINT
        for b in range(BANDS)
    )
    return Fingerprint(signature, bands)


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated Jaccard similarity of two fingerprints' shingle sets."""
    return sum(x == y for x, y in zip(a.signature, b.signature, strict=True)) / NUM_PERM
