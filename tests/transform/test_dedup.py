"""Near-duplicate fingerprints: reprints score high and share a band; unrelated posts do not."""

from __future__ import annotations

from datasketch import MinHash

from transform.dedup import BANDS, NEAR_DUPLICATE_SIMILARITY, NUM_PERM, fingerprint, shingles, similarity

STORY = (
    "The council voted last night to close the library on Elm Street, despite a petition signed by four "
    "thousand residents who said it was the only quiet place left in the ward. The leader said the budget "
    "left no choice. Opposition members called the decision short-sighted and promised to fight it at the "
    "next full council meeting, where a motion to reverse the closure will be tabled by the Liberal Democrats."
)


def test_a_reprint_with_a_new_intro_and_footer_is_a_near_duplicate() -> None:
    original, reprint = fingerprint(STORY), fingerprint("Reprinted from the Ashmere Ledger. " + STORY + " Share this.")
    assert similarity(original, reprint) >= NEAR_DUPLICATE_SIMILARITY
    assert set(original.bands) & set(reprint.bands)


def test_unrelated_posts_are_not_similar() -> None:
    other = fingerprint("Senator Calloway announced a plan for rural broadband that would connect ten thousand homes.")
    assert similarity(fingerprint(STORY), other) < 0.2


def test_fingerprints_are_deterministic_and_case_insensitive() -> None:
    a, b = fingerprint(STORY), fingerprint(STORY.upper())
    assert a == b and len(a.bands) == BANDS and all(0 <= band < 2**63 for band in a.bands)


def test_empty_and_tiny_texts_do_not_fail() -> None:
    assert similarity(fingerprint(""), fingerprint("")) == 1.0
    assert len(fingerprint("Two words").signature) == 128


def test_signatures_equal_a_fresh_minhash_of_the_fixed_seed() -> None:
    """Stored fingerprints must stay comparable: the bulk hashing must give datasketch's values exactly."""
    texts = ("", "A short one.", "The council met on Tuesday and voted the budget through, again, by one vote. " * 3)
    for text in (*texts, STORY, "Überraschung in Köln: der Stadtrat — wieder einmal — „vertagt“ alles. " * 4):
        reference = MinHash(num_perm=NUM_PERM, seed=1)
        reference.update_batch(shingles(text))
        assert fingerprint(text).signature == tuple(int(v) for v in reference.hashvalues)
