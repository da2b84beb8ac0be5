"""Fast, exact stand-ins for the two costliest feature steps at prediction time.

``features.token_features`` + ``FeatureHasher`` and the fitted ``char_wb`` ``TfidfVectorizer`` build
their features string by string for every token of every sentence: together ~60% of the loaded
model's time on blog posts (``bench/results.md``). Both only depend on the words, and a night's
posts reuse a small vocabulary, so the work is done once per distinct word and cached:

- ``TokenEncoder`` hashes each distinct word's features once (through the model's own
  ``FeatureHasher``, so the column of every string is the one training used) and assembles the
  token matrix with array gathers;
- ``CharWbCounter`` keeps each distinct word's ``char_wb`` n-gram columns and hands the counts to
  the fitted vectorizer's own TF-IDF transformer.

The matrices equal those of the reference code (``tests/transform/test_fastvec.py`` pins that on
real sentences), so a model's predictions do not depend on which path built its features.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import TfidfVectorizer

from transform.loaded import features as F

# Cached strings per encoder before the cache starts again from empty: a night's vocabulary is
# ~50k words and ~300k word pairs; 2M entries (~300 MB at worst) bounds a long-lived worker.
MAX_CACHE = 2_000_000
_PADS = ("<s2>", "<s1>", "</s1>", "</s2>")
# Per-word feature slots, in the order of features.token_features.
_OWN = ("w=", "s3=", "s2=", "p3=")
_CONTEXT = ("w-1=", "w+1=", "w-2=", "w+2=")
_SHAPES = ("AA", "Aa", "0", "a")


def _shape_code(word: str) -> int:
    """Index into ``_SHAPES``; the same rule as ``features._shape``."""
    if word.isupper() and len(word) > 1:
        return 0
    if word[:1].isupper():
        return 1
    if word.isdigit():
        return 2
    return 3


class TokenEncoder:
    """``features.token_matrix`` over ``features.token_features``, with per-word hashing cached."""

    def __init__(self, hasher: FeatureHasher) -> None:
        self.hasher = hasher
        self.n_features = int(hasher.n_features)
        # The nightly flow labels batches on several threads with one model: the caches assign
        # word ids and grow their tables as a unit, so one matrix is built at a time.
        self._lock = threading.Lock()
        self._columns: dict[str, int] = {}
        self._word_ids: dict[str, int] = {}
        self._word_names: list[str] = []
        self._form_cache: dict[str, int] = {}
        self._word_cols = np.zeros((0, len(_OWN) + len(_CONTEXT)), dtype=np.int64)
        self._pair_cols: dict[tuple[int, int, int], int] = {}
        self._shape_cols = self._hash([f"sh={s}" for s in _SHAPES])

    def _hash(self, strings: Sequence[str]) -> np.ndarray:
        """Column of each string, as the model's FeatureHasher places it."""
        missing = [s for s in dict.fromkeys(strings) if s not in self._columns]
        if missing:
            hashed = self.hasher.transform([[s] for s in missing])
            self._columns.update(zip(missing, hashed.indices.tolist(), strict=True))
        return np.fromiter((self._columns[s] for s in strings), dtype=np.int64, count=len(strings))

    def _reset(self) -> None:
        self._columns.clear()
        self._word_ids.clear()
        self._word_names.clear()
        self._form_cache.clear()
        self._pair_cols.clear()
        self._word_cols = np.zeros((0, self._word_cols.shape[1]), dtype=np.int64)
        self._shape_cols = self._hash([f"sh={s}" for s in _SHAPES])

    def _ids(self, words: Sequence[str]) -> np.ndarray:
        """Stable id per word (pads included), hashing the features of words seen for the first time."""
        new = [w for w in dict.fromkeys(words) if w not in self._word_ids]
        if new:
            first = len(self._word_ids)
            self._word_ids.update((w, first + k) for k, w in enumerate(new))
            self._word_names.extend(new)
            own = [p + _affix(w, p) for w in new for p in _OWN]
            context = [p + w for w in new for p in _CONTEXT]
            cols = np.column_stack(
                [self._hash(own).reshape(len(new), len(_OWN)), self._hash(context).reshape(len(new), len(_CONTEXT))]
            )
            self._word_cols = np.vstack([self._word_cols, cols])
        ids = self._word_ids
        return np.fromiter((ids[w] for w in words), dtype=np.int64, count=len(words))

    def _forms(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Per token as written: the id of its lowercased word and its shape code, cached by the form."""
        forms = self._form_cache
        new = [t for t in dict.fromkeys(texts) if t not in forms]
        if new:
            ids = self._ids([t if t in _PADS else t.lower() for t in new])
            # One int per form: word id * 4 + shape code, so one lookup serves both.
            forms.update((t, int(i) * 4 + _shape_code(t)) for t, i in zip(new, ids, strict=True))
        packed = np.fromiter(map(forms.__getitem__, texts), dtype=np.int64, count=len(texts))
        return packed >> 2, packed & 3

    def _pairs(self, kind: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Columns of the bigram features (kind 0: ``b-=`` left|w, kind 1: ``b+=`` w|right)."""
        prefix = "b-=" if kind == 0 else "b+="
        cache = self._pair_cols
        keys = list(zip(left.tolist(), right.tolist(), strict=True))
        missing = [k for k in dict.fromkeys(keys) if (kind, *k) not in cache]
        if missing:
            names = self._word_names
            cols = self._hash([prefix + names[a] + "|" + names[b] for a, b in missing])
            cache.update(((kind, a, b), int(c)) for (a, b), c in zip(missing, cols, strict=True))
        return np.fromiter((cache[(kind, a, b)] for a, b in keys), dtype=np.int64, count=len(keys))

    def matrix(
        self,
        texts: Sequence[str],
        tokens: Sequence[Sequence[F.Token]],
        hits: Sequence[list[tuple[int, int, str, float]]],
        quotes: Sequence[bool],
        gates: Sequence[float],
    ) -> sparse.csr_matrix:
        """The token design matrix of all sentences (one row per token), equal to the reference path's."""
        with self._lock:
            if len(self._columns) + len(self._pair_cols) + len(self._form_cache) > MAX_CACHE:
                self._reset()  # between calls only: ids in the caches must agree within one matrix
            n_tok = sum(len(t) for t in tokens)
            if n_tok == 0:
                return sparse.csr_matrix((0, self.n_features + F.N_TOKEN_DENSE))
            padded: list[str] = []
            for sentence in tokens:
                padded += _PADS[:2]
                padded += [tok.text for tok in sentence]
                padded += _PADS[2:]
            pid, shape_of = self._forms(padded)
            lengths = np.asarray([len(t) for t in tokens], dtype=np.int64)
            # Token k of sentence j sits after 2 pads per sentence before it, 2 more before itself and
            # the pads after every earlier sentence: position = index + 4j + 2.
            at = np.arange(n_tok, dtype=np.int64) + 4 * np.repeat(np.arange(len(tokens)), lengths) + 2
            shapes = shape_of[at]
            me, p1, p2, n1, n2 = pid[at], pid[at - 1], pid[at - 2], pid[at + 1], pid[at + 2]
            table = self._word_cols
            cols = [
                table[me, 0],
                table[me, 1],
                table[me, 2],
                table[me, 3],
                self._shape_cols[shapes],
                table[p1, 4],
                table[n1, 5],
                table[p2, 6],
                table[n2, 7],
                self._pairs(0, p1, me),
                self._pairs(1, me, n1),
            ]
            rows = [np.arange(n_tok, dtype=np.int64)] * len(cols)
            nums = np.zeros((n_tok, 4), dtype=float)
            extra_rows, extra_cols = self._lexicon_and_quotes(texts, tokens, hits, quotes, nums)
            all_rows = np.concatenate([*rows, extra_rows])
            all_cols = np.concatenate([*cols, extra_cols])
            hashed = sparse.csr_matrix(
                (np.ones(len(all_rows)), (all_rows, all_cols)), shape=(n_tok, self.n_features), dtype=np.float64
            )
            g = np.clip(np.repeat(np.asarray(gates, dtype=float), [len(t) for t in tokens]), 1e-4, 1 - 1e-4)
            dense = np.column_stack([nums, g, np.log(g / (1 - g)) / 4.0])
            return sparse.hstack([hashed, sparse.csr_matrix(dense)], format="csr")

    def _lexicon_and_quotes(
        self,
        texts: Sequence[str],
        tokens: Sequence[Sequence[F.Token]],
        hits: Sequence[list[tuple[int, int, str, float]]],
        quotes: Sequence[bool],
        nums: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Fill the dense token values and return the lexicon features' (rows, columns)."""
        rows: list[int] = []
        names: list[str] = []
        offset = 0
        for text, sentence, sentence_hits, is_quote in zip(texts, tokens, hits, quotes, strict=True):
            n = len(sentence)
            nums[offset : offset + n, 3] = float(is_quote)
            if sentence_hits:
                lex_cat, lex_w, lex_pos = F.token_lexicon(sentence, sentence_hits)
                nums[offset : offset + n, 0] = lex_w
                for i in (i for i in range(n) if lex_cat[i]):
                    rows += [offset + i, offset + i]
                    names += ["lex=" + lex_cat[i], "lexpos=" + lex_pos[i]]
            if any(ch in text for ch in F.QUOTE_CHARS):
                in_q, in_sq = F.token_quote_flags(text, sentence)
                nums[offset : offset + n, 1] = in_q
                nums[offset : offset + n, 2] = in_sq
            offset += n
        return np.asarray(rows, dtype=np.int64), self._hash(names)


def _affix(word: str, prefix: str) -> str:
    """The part of ``word`` that feature ``prefix`` names (``features.token_features``' own slots)."""
    if prefix == "w=":
        return word
    if prefix == "s3=":
        return word[-3:]
    if prefix == "s2=":
        return word[-2:]
    return word[:3]


class CharWbCounter:
    """``vectorizer.transform`` for a fitted ``char_wb`` TF-IDF vectorizer, n-grams cached per word."""

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        if vectorizer.analyzer != "char_wb" or vectorizer.preprocessor is not None:
            raise ValueError("CharWbCounter needs a plain char_wb TfidfVectorizer")
        self.vectorizer = vectorizer
        self._analyze = vectorizer.build_analyzer()
        self._vocabulary: dict[str, int] = vectorizer.vocabulary_
        self._words: dict[str, np.ndarray] = {}

    def _columns(self, word: str) -> np.ndarray:
        cols = self._words.get(word)
        if cols is None:
            if len(self._words) >= MAX_CACHE:
                self._words.clear()
            vocab = self._vocabulary
            # The analyzer pads one word exactly as it pads every word of a sentence.
            grams = self._analyze(word)
            cols = np.fromiter((vocab[g] for g in grams if g in vocab), dtype=np.int64)
            self._words[word] = cols
        return cols

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """TF-IDF rows of ``texts``, equal to ``vectorizer.transform(texts)``."""
        lower = self.vectorizer.lowercase
        indptr = [0]
        parts: list[np.ndarray] = []
        total = 0
        for text in texts:
            for word in (text.lower() if lower else text).split():
                cols = self._columns(word)
                parts.append(cols)
                total += len(cols)
            indptr.append(total)
        indices = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        counts = sparse.csr_matrix(
            (np.ones(len(indices)), indices, np.asarray(indptr)),
            shape=(len(texts), len(self._vocabulary)),
            dtype=np.float64,
        )
        counts.sum_duplicates()
        return self.vectorizer._tfidf.transform(counts, copy=False)
