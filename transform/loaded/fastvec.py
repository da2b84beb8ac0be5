"""Fast, exact stand-ins for the costliest feature steps at prediction time.

``features.token_features`` + ``FeatureHasher`` and the fitted ``char_wb`` ``TfidfVectorizer`` build
their features string by string for every token of every sentence: together ~60% of the loaded
model's time on blog posts (``bench/results.md``). Both only depend on the words, and a night's
posts reuse a small vocabulary, so the work is done once per distinct word and cached:

- ``TokenEncoder`` hashes each distinct word's features once (through the model's own
  ``FeatureHasher``, so the column of every string is the one training used) and gathers the
  token matrix's entries with arrays (``TokenParts``): training assembles the matrix, prediction
  scores the linear tagger straight from the entries;
- ``CharWbCounter`` keeps each distinct word's ``char_wb`` n-gram columns and hands the counts to
  the fitted vectorizer's own TF-IDF transformer;
- ``WordNgramCounter`` does the same for the word 1-2-gram vectorizer, its bigrams looked up by
  packed word-id pairs.

The matrices equal those of the reference code (``tests/transform/loaded/test_fastvec.py`` pins that on
real sentences), so a model's predictions do not depend on which path built its features.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import TfidfVectorizer

from transform.loaded import features as F

# Cached strings per encoder before the cache starts again from empty: a night's vocabulary is
# ~50k words and ~300k word pairs; 2M entries (~300 MB at worst) bounds a long-lived worker.
MAX_CACHE = 2_000_000
_PADS = ("<s2>", "<s1>", "</s1>", "</s2>")
# Bits of a word id in a packed bigram key: ids stay under MAX_CACHE plus one call's new words
# (the cache is reset between calls past MAX_CACHE), far below 2^24.
_ID_BITS = 24
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
        self._pair_cols = _PackedTable()  # bigram columns by packed (kind, left id, right id)
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
        self._pair_cols = _PackedTable()
        self._word_cols = np.zeros((0, self._word_cols.shape[1]), dtype=np.int64)
        self._shape_cols = self._hash([f"sh={s}" for s in _SHAPES])

    def _ids(self, words: Sequence[str]) -> np.ndarray:
        """Stable id per word (pads included), hashing the features of words seen for the first time."""
        ids, new = _intern(self._word_ids, words)
        if new:
            self._word_names.extend(new)
            own = [p + _affix(w, p) for w in new for p in _OWN]
            context = [p + w for w in new for p in _CONTEXT]
            cols = np.column_stack(
                [self._hash(own).reshape(len(new), len(_OWN)), self._hash(context).reshape(len(new), len(_CONTEXT))]
            )
            self._word_cols = np.vstack([self._word_cols, cols])
        return ids

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
        names = self._word_names

        def hashed(missing: np.ndarray) -> np.ndarray:
            return self._hash([prefix + names[a] + "|" + names[b] for a, b in _unpack(missing)])

        return self._pair_cols.get((kind << (2 * _ID_BITS)) | (left << _ID_BITS) | right, hashed)

    def matrix(
        self,
        texts: Sequence[str],
        words: Sequence[Sequence[str]],
        hits: Sequence[list[tuple[int, int, str, float]]],
        quotes: Sequence[bool],
        gates: Sequence[float],
        tokens: Sequence[Sequence[F.Token]] | None = None,
    ) -> sparse.csr_matrix:
        """The token design matrix of all sentences (one row per token), equal to the reference path's."""
        return self.parts(texts, words, hits, quotes, gates, tokens).matrix()

    def parts(
        self,
        texts: Sequence[str],
        words: Sequence[Sequence[str]],
        hits: Sequence[list[tuple[int, int, str, float]]],
        quotes: Sequence[bool],
        gates: Sequence[float],
        tokens: Sequence[Sequence[F.Token]] | None = None,
    ) -> TokenParts:
        """The token design matrix of all sentences, as its parts (``TokenParts``).

        ``words`` holds each sentence's token texts (``features.TOKEN_RE.findall``); ``tokens``, when
        the caller has them, the same tokens with offsets. Offsets are needed only for sentences
        with lexicon hits or quotation marks (a minority), so without ``tokens`` only those are
        tokenized again: building a ``Token`` per word was ~25% of labelling a blog post.
        """
        with self._lock:
            if len(self._columns) + len(self._pair_cols) + len(self._form_cache) > MAX_CACHE:
                self._reset()  # between calls only: ids in the caches must agree within one matrix
            lengths = np.asarray([len(w) for w in words], dtype=np.int64)
            n_tok = int(lengths.sum())
            if n_tok == 0:
                return TokenParts(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 6)), 0, self.n_features)
            padded: list[str] = []
            for sentence in words:
                padded += _PADS[:2]
                padded += sentence
                padded += _PADS[2:]
            pid, shape_of = self._forms(padded)
            # Token k of sentence j sits after 2 pads per sentence before it, 2 more before itself and
            # the pads after every earlier sentence: position = index + 4j + 2.
            at = np.arange(n_tok, dtype=np.int64) + 4 * np.repeat(np.arange(len(words)), lengths) + 2
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
            extra_rows, extra_cols = self._lexicon_and_quotes(texts, lengths, tokens, hits, quotes, nums)
            g = np.clip(np.repeat(np.asarray(gates, dtype=float), lengths), 1e-4, 1 - 1e-4)
            dense = np.column_stack([nums, g, np.log(g / (1 - g)) / 4.0])
            return TokenParts(
                np.concatenate([*rows, extra_rows]), np.concatenate([*cols, extra_cols]), dense, n_tok, self.n_features
            )

    def _lexicon_and_quotes(
        self,
        texts: Sequence[str],
        lengths: np.ndarray,
        tokens: Sequence[Sequence[F.Token]] | None,
        hits: Sequence[list[tuple[int, int, str, float]]],
        quotes: Sequence[bool],
        nums: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Fill the dense token values and return the lexicon features' (rows, columns)."""
        rows: list[int] = []
        names: list[str] = []
        nums[:, 3] = np.repeat(np.asarray(quotes, dtype=float), lengths)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).tolist()
        for j, (text, sentence_hits) in enumerate(zip(texts, hits, strict=True)):
            quoted = any(ch in text for ch in F.QUOTE_CHARS)
            if not sentence_hits and not quoted:
                continue
            sentence = tokens[j] if tokens is not None else F.tokenize(text)
            offset, n = starts[j], len(sentence)
            if sentence_hits:
                lex_cat, lex_w, lex_pos = F.token_lexicon(sentence, sentence_hits)
                nums[offset : offset + n, 0] = lex_w
                for i in (i for i in range(n) if lex_cat[i]):
                    rows += [offset + i, offset + i]
                    names += ["lex=" + lex_cat[i], "lexpos=" + lex_pos[i]]
            if quoted:
                in_q, in_sq = F.token_quote_flags(text, sentence)
                nums[offset : offset + n, 1] = in_q
                nums[offset : offset + n, 2] = in_sq
        return np.asarray(rows, dtype=np.int64), self._hash(names)


@dataclass(frozen=True)
class TokenParts:
    """A token design matrix before assembly: the hashed entries (each of value 1) and the dense block.

    A linear tagger's logits need only these (``logits``), so prediction never builds the
    ~10,000 x 2^18 sparse matrix; ``matrix`` assembles it for training and ``select`` the few
    rows the category classifier reads.
    """

    rows: np.ndarray  # token row of each hashed entry
    cols: np.ndarray  # its column (duplicates add up, as in the assembled matrix)
    dense: np.ndarray  # (n_tok, features.N_TOKEN_DENSE): the columns after the hashed ones
    n_tok: int
    n_features: int

    def matrix(self) -> sparse.csr_matrix:
        """The assembled matrix: ``n_tok`` x (hashed columns + dense columns)."""
        hashed = sparse.csr_matrix(
            (np.ones(len(self.rows)), (self.rows, self.cols)), shape=(self.n_tok, self.n_features), dtype=np.float64
        )
        return sparse.hstack([hashed, sparse.csr_matrix(self.dense)], format="csr")

    def logits(self, coef: np.ndarray, intercept: float) -> np.ndarray:
        """``matrix() @ coef + intercept`` without the matrix (equal up to float summation order)."""
        hashed = np.bincount(self.rows, weights=coef[self.cols], minlength=self.n_tok)
        return hashed + self.dense @ coef[self.n_features :] + intercept

    def select(self, keep: np.ndarray) -> sparse.csr_matrix:
        """``matrix()[keep]`` for sorted row indices ``keep``, building only those rows."""
        new_row = np.full(self.n_tok, -1, dtype=np.int64)
        new_row[keep] = np.arange(len(keep))
        mask = new_row[self.rows] >= 0
        hashed = sparse.csr_matrix(
            (np.ones(int(mask.sum())), (new_row[self.rows[mask]], self.cols[mask])),
            shape=(len(keep), self.n_features),
            dtype=np.float64,
        )
        return sparse.hstack([hashed, sparse.csr_matrix(self.dense[keep])], format="csr")


class _PackedTable:
    """A dict from packed int64 keys to int64 values as two sorted arrays, looked up with numpy."""

    def __init__(self) -> None:
        self.keys = np.zeros(0, dtype=np.int64)
        self.values = np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.keys)

    def get(self, keys: np.ndarray, make: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """The value of every key; ``make(new keys)`` gives those of keys seen for the first time."""
        wanted = np.unique(keys)
        at = np.searchsorted(self.keys, wanted)
        found = at < len(self.keys)
        found[found] = self.keys[at[found]] == wanted[found]
        missing = wanted[~found]
        if len(missing):
            merged = np.concatenate([self.keys, missing])
            order = np.argsort(merged, kind="stable")
            self.keys = merged[order]
            self.values = np.concatenate([self.values, make(missing)])[order]
        return self.values[np.searchsorted(self.keys, keys)]


def _unpack(keys: np.ndarray) -> list[tuple[int, int]]:
    """The (left, right) word ids of packed pair keys (a kind bit above them is dropped)."""
    mask = (1 << _ID_BITS) - 1
    return list(zip(((keys >> _ID_BITS) & mask).tolist(), (keys & mask).tolist(), strict=True))


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
    """``vectorizer.transform`` for a fitted ``char_wb`` TF-IDF vectorizer, n-grams cached per word.

    Each distinct word's n-gram columns are stored once, end to end in one array; a batch of
    sentences becomes word ids (one dict lookup each) and its columns one gather from that array.
    """

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        if vectorizer.analyzer != "char_wb" or vectorizer.preprocessor is not None:
            raise ValueError("CharWbCounter needs a plain char_wb TfidfVectorizer")
        self.vectorizer = vectorizer
        self._analyze = vectorizer.build_analyzer()
        self._vocabulary: dict[str, int] = vectorizer.vocabulary_
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._ids: dict[str, int] = {}
        self._starts = np.zeros(0, dtype=np.int64)  # per word id: where its columns begin in _pool
        self._lengths = np.zeros(0, dtype=np.int64)
        self._pool = np.zeros(0, dtype=np.int64)

    def _word_ids(self, words: list[str]) -> np.ndarray:
        ids, new = _intern(self._ids, words)
        if new:
            vocab, analyze = self._vocabulary, self._analyze
            # The analyzer pads one word exactly as it pads every word of a sentence.
            grams = [np.fromiter((vocab[g] for g in analyze(w) if g in vocab), dtype=np.int64) for w in new]
            lengths = np.asarray([len(g) for g in grams], dtype=np.int64)
            self._starts = np.concatenate([self._starts, len(self._pool) + np.cumsum(lengths) - lengths])
            self._lengths = np.concatenate([self._lengths, lengths])
            self._pool = np.concatenate([self._pool, *grams])
        return ids

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """TF-IDF rows of ``texts``, equal to ``vectorizer.transform(texts)``."""
        lower = self.vectorizer.lowercase
        split = [(text.lower() if lower else text).split() for text in texts]
        words_per_text = np.asarray([len(words) for words in split], dtype=np.int64)
        flat = [word for words in split for word in words]
        with self._lock:
            if len(self._ids) >= MAX_CACHE:
                self._reset()
            ids = self._word_ids(flat)
            starts, lengths, pool = self._starts[ids], self._lengths[ids], self._pool
        total = int(lengths.sum())
        # Column k of word j sits at starts[j] + k: the gather index of every n-gram of the batch.
        at = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(total, dtype=np.int64)
        owner = np.repeat(np.arange(len(texts), dtype=np.int64), words_per_text)
        return _tfidf(self.vectorizer, np.repeat(owner, lengths), pool[at], len(texts))


class WordNgramCounter:
    """``vectorizer.transform`` for a fitted word 1-2-gram TF-IDF vectorizer, columns cached per word and pair.

    sklearn builds every bigram string of every sentence and looks it up; here each distinct word
    gets an id once, a sentence's bigrams become packed (left id, right id) keys, and their columns
    (or -1 outside the vocabulary) are looked up in a sorted array, strings made only for new pairs.
    """

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        plain = (
            vectorizer.analyzer == "word"
            and tuple(vectorizer.ngram_range) == (1, 2)
            and vectorizer.lowercase
            and vectorizer.preprocessor is None
            and vectorizer.tokenizer is None
            and vectorizer.stop_words is None
            and vectorizer.strip_accents is None
        )
        if not plain:
            raise ValueError("WordNgramCounter needs a plain lower-cased word (1, 2)-gram TfidfVectorizer")
        self.vectorizer = vectorizer
        self._tokenize = vectorizer.build_tokenizer()
        self._vocabulary: dict[str, int] = vectorizer.vocabulary_
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._ids: dict[str, int] = {}
        self._names: list[str] = []
        self._unigram = np.zeros(0, dtype=np.int64)  # column per word id, -1 outside the vocabulary
        self._bigrams = _PackedTable()  # column per packed (left id, right id), -1 outside the vocabulary

    def _word_ids(self, words: list[str]) -> np.ndarray:
        ids, new = _intern(self._ids, words)
        if new:
            self._names.extend(new)
            vocab = self._vocabulary
            self._unigram = np.concatenate(
                [self._unigram, np.fromiter((vocab.get(w, -1) for w in new), dtype=np.int64, count=len(new))]
            )
        return ids

    def _bigram_columns(self, keys: np.ndarray) -> np.ndarray:
        names, vocab = self._names, self._vocabulary

        def looked_up(missing: np.ndarray) -> np.ndarray:
            pairs = _unpack(missing)
            return np.fromiter((vocab.get(names[a] + " " + names[b], -1) for a, b in pairs), np.int64, len(missing))

        return self._bigrams.get(keys, looked_up)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """TF-IDF rows of ``texts``, equal to ``vectorizer.transform(texts)``."""
        tokenize = self._tokenize
        per_text = [tokenize(text.lower()) for text in texts]
        lengths = np.asarray([len(t) for t in per_text], dtype=np.int64)
        flat = [w for words in per_text for w in words]
        with self._lock:
            if len(self._names) + len(self._bigrams) > MAX_CACHE:
                self._reset()
            ids = self._word_ids(flat)
            owner = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
            # A bigram pairs two neighbouring tokens of one text.
            same = owner[1:] == owner[:-1] if len(flat) > 1 else np.zeros(0, dtype=bool)
            keys = (ids[:-1][same] << _ID_BITS) | ids[1:][same]
            rows = np.concatenate([owner, owner[:-1][same]])
            cols = np.concatenate([self._unigram[ids], self._bigram_columns(keys)])
        keep = cols >= 0
        return _tfidf(self.vectorizer, rows[keep], cols[keep], len(texts))


def _intern(ids: dict[str, int], words: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """The id of every word in ``ids``, numbering unseen words on from ``len(ids)``; and those new words.

    The caller extends its per-id tables with the new words before it indexes them with the ids.
    """
    new = [w for w in dict.fromkeys(words) if w not in ids]
    if new:
        first = len(ids)
        ids.update((w, first + k) for k, w in enumerate(new))
    return np.fromiter(map(ids.__getitem__, words), dtype=np.int64, count=len(words)), new


def _tfidf(vectorizer: TfidfVectorizer, rows: np.ndarray, cols: np.ndarray, n_texts: int) -> sparse.csr_matrix:
    """The fitted vectorizer's TF-IDF rows from its vocabulary columns, one (row, column) per occurrence."""
    counts = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(n_texts, len(vectorizer.vocabulary_)), dtype=np.float64
    )
    counts.sum_duplicates()
    return vectorizer._tfidf.transform(counts, copy=False)
