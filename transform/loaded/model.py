"""``LoadedModel``: calibrated sentence probability of loaded language plus a token tagger for spans.

Design (``shared/notes/loaded_language.md`` section 5, without MiniLM so that it runs at
>= 1,000 sentences/s on one core):

- **Sentence classifier.** Word 1-2-gram and char_wb 2-4-gram TF-IDF (sublinear tf) plus dense
  features (lexicon counts per category, max and noisy-or weight, log length, quote status) into a
  logistic regression. Its out-of-fold logits (grouped K-fold, groups = article or writing batch)
  are Platt-scaled into the tagger's sentence gate. TF-IDF-LR alone is under-confident (ECE ~0.11
  in the notes).
- **Stack.** The final score is a logistic regression over the OOF TF-IDF logit and the tagger's
  best and second-best OOF token logits in the sentence, followed by a centered isotonic map
  (``transform.loaded.calibration``; both fitted on OOF scores, so calibration is honest). The
  decision threshold maximises macro-F1 on those OOF probabilities, cut where isotonic blocks begin.
- **Embeddings (optional, ``embeddings=True``).** A logistic regression on the 384-d MiniLM sentence
  embedding (``transform.embeddings``, the ``slant[embeddings]`` extra). Its OOF logit (same grouped
  folds) is a second column beside the TF-IDF logit: the tagger's gate is an LR over both, and the
  stacker sees both. Stacking beat nothing else we tried by more than noise (docs/loaded-language.md).
- **Auxiliary opinion label (optional).** When the training rows carry one (``TrainRow.opinion``:
  BABE's ``label_opinion``, "entirely factual" or not), a second logistic regression on the same
  sentence matrix learns it; its OOF logit is one more column for the gate and the stacker. The
  label is used only to train: prediction reads text alone.
- **Token tagger.** Binary logistic regression (loaded vs not) over hashed word/affix/+-2 context
  features, lexicon hits, quote flags and the sentence-probability gate (OOF at training time, so
  the tagger does not learn to trust an over-fitted gate). Positive tokens (P >= token threshold,
  chosen on grouped OOF token scores) of one category are merged into spans; the category comes
  from a softmax trained on the positive tokens only (``loaded`` when the data has no categories).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from scipy import sparse
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from transform.embeddings import Encoder, EncoderInfo, EncoderSettings, SentenceEncoder, encoder_for_trained
from transform.lexicon import Lexicon, load_lexicon
from transform.loaded import features as F
from transform.loaded.calibration import CenteredIsotonic, fit_centered_isotonic, isotonic
from transform.loaded.fastvec import CharWbCounter, TokenEncoder, TokenParts, WordNgramCounter
from transform.loaded.metrics import best_threshold, binary_prf, precision_threshold, sentence_metrics

DEFAULT_LEXICON = "lexicon-1.0"  # vs 0.1: (b) BABE macro-F1 0.658 vs 0.635, AUC 0.781 vs 0.743; 0.3 ms/sentence
SENTENCE_C = 1.0  # LR inverse regularisation for the sentence model (grid 0.25-4 on BABE dev CV)
CATEGORY_C = 1.0  # LR inverse regularisation for the span-category classifier
TOKEN_C = 1.0  # LR inverse regularisation for the token tagger (0.5: token F1 0.448, 1.0: 0.451 on BABE dev CV)
DENSE_WEIGHT = 1.0  # scale of the dense sentence features relative to the L2-normalised TF-IDF blocks
CV_FOLDS = 5  # grouped folds for OOF logits (calibration, threshold, gate)
TOKEN_CV_FOLDS = 3  # grouped folds for the OOF token scores that pick the token threshold
HASH_FEATURES = 2**18  # hashed token feature space: ~100k distinct strings in BABE, so few collisions
MIN_DF = 2  # drop n-grams seen once: they cannot generalise and they slow prediction
MAX_ITER = 3000
AGG_MODE = "second"  # token aggregates for the stacker: "second" (max + 2nd-max logit) or "count"
# Isotonic map on the stacker's OOF output: the 3-feature logistic stack alone left ECE 0.044 on
# BABE (outer 5-fold); isotonic brings it to 0.023 at equal macro-F1 (0.764) and AUC -0.006.
ISOTONIC = True
# The isotonic map's shape: centered (``transform.loaded.calibration``), one knot per pooled block and
# linear between them, so scores keep the stack's order instead of collapsing onto ~30 plateaus
# (BABE dev (a), 2026-12-04: AUC 0.836 -> 0.839, ECE 0.022 -> 0.019, macro-F1 0.764 -> 0.765).
CENTERED_ISOTONIC = True
ISO_FLOOR = 0.005  # isotonic plateaus at 0/1 on separable training data; a score of exactly 0 or 1 overclaims
# LR inverse regularisation on the 384-d MiniLM embeddings. Embedding-only LR, BABE dev outer grouped CV:
# C 0.5/1/2/4/8 -> AUC 0.827/0.828/0.829/0.827/0.823, ECE 0.057/0.036/0.014/0.020/0.038; flat, 2 is the best.
EMB_C = 2.0
# Also tried as the embedding head, 2026-12-02, full model on the (a) folds: an MLP (one hidden layer of
# 256, alpha 1e-2, early stopping) scored macro-F1 0.789 / 0.776 / 0.779 with seeds 13 / 1 / 2 (AUC
# 0.859-0.862, under the LR's 0.866); the LR scores 0.779. The seed moves macro-F1 more than the head does.
# Choosing the threshold on the cross-fitted isotonic output instead of the final map's moved the lean
# model 0.764 -> 0.761 and this LR head 0.779 -> 0.784: noise. Neither was kept.

# With embeddings, the token tagger also reads each token's MiniLM vector (its wordpieces' mean last-layer
# state; ``SentenceEncoder.token_vectors``) as dense columns. BABE dev, token LR alone, 5-fold by article:
# token F1 0.448 -> 0.533 (P 0.487 -> 0.501, R 0.415 -> 0.570); the vectors at weight 0.5 gave 0.515.
TOKEN_EMBEDDINGS = True
TOKEN_EMB_WEIGHT = 1.0

# How predicted tokens become spans, stored with every model so a model keeps decoding as it did
# when its labels were written (and named in its version): 0, adjacent positive tokens merged;
# 1, and a span of closed-class words only ("did", "the", "out"; ``features.CLOSED_CLASS``) dropped
# unless the lexicon matched there. Bump when the decoding changes.
SPAN_RULES = 1

# The auxiliary opinion label (``TrainRow.opinion``). Stacked at the outer level on BABE dev, (a) folds
# (2026-12-04): the lean model's OOF logit alone macro-F1 0.763 / AUC 0.836, with an opinion LR's OOF
# logit 0.769 / 0.848; the (a+e) stack 0.779 / 0.867 -> 0.792 / 0.870. An opinion LR on the MiniLM
# embedding instead added nothing (0.777 / 0.867), so only the TF-IDF one is used.
AUX_OPINION = True
OPINION_C = 1.0  # the harness above used C 1 for the opinion LR; not tuned
OPINION_MIN_ROWS = 200  # fewer sentences with an opinion label (or one class only): no auxiliary model

MODEL_FILE = "model.joblib"
CARD_FILE = "model_card.json"
O_LABEL = "O"


@dataclass(frozen=True)
class TrainRow:
    """One labelled sentence. ``spans`` are ``(start, end, category)`` offsets into ``text``."""

    text: str
    label: int
    spans: tuple[tuple[int, int, str], ...] = ()
    group: str = ""
    is_quote: bool = False
    opinion: int | None = None  # auxiliary label, training only: 1 = states an opinion, 0 = only facts


@dataclass(frozen=True)
class SentenceResult:
    """Model output for one sentence; span offsets are into that sentence's text."""

    score: float
    loaded: bool
    spans: list[tuple[int, int, str, float]] = field(default_factory=list)


def token_labels(text: str, tokens: Sequence[F.Token], spans: Sequence[tuple[int, int, str]]) -> list[str]:
    """Gold label per token: the category of the span it overlaps, else ``O``."""
    labels = [O_LABEL] * len(tokens)
    for s, e, category in spans:
        for i, t in enumerate(tokens):
            if t.start < e and t.end > s:
                labels[i] = category
    return labels


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class LoadedModel:
    """Sentence classifier plus token tagger; see the module docstring for the design."""

    def __init__(
        self,
        lexicon_version: str = DEFAULT_LEXICON,
        sentence_c: float = SENTENCE_C,
        token_c: float = TOKEN_C,
        cv_folds: int = CV_FOLDS,
        with_tagger: bool = True,
        embeddings: bool = False,
        encoder: Encoder | None = None,
        token_precision: float | None = None,
    ) -> None:
        """``embeddings`` adds MiniLM sentence embeddings from ``encoder`` (default: a ``SentenceEncoder``
        with default settings, which needs the ``slant[embeddings]`` extra). ``token_precision`` picks
        the token threshold as the lowest reaching that out-of-fold precision (the F1 optimum when
        none does) instead of the F1 optimum."""
        if token_precision is not None and not 0.0 < token_precision < 1.0:
            raise ValueError(f"token_precision must be between 0 and 1, got {token_precision}")
        self.token_precision = token_precision
        self.lexicon_version = lexicon_version
        self.sentence_c = sentence_c
        self.token_c = token_c
        self.cv_folds = cv_folds
        self.with_tagger = with_tagger
        self.embeddings = embeddings
        self.encoder: Encoder | None = None
        self.encoder_info: EncoderInfo | None = None
        if embeddings:
            self.encoder = encoder if encoder is not None else SentenceEncoder(EncoderSettings())
            self.encoder_info = self.encoder.info
        self.emb_lr: LogisticRegression | None = None
        self.opinion_lr: LogisticRegression | None = None  # the auxiliary opinion model, when trained with one
        # Token vectors need an encoder that makes them (``SentenceEncoder``; test stand-ins may not).
        self.token_embeddings = bool(embeddings and TOKEN_EMBEDDINGS and hasattr(self.encoder, "token_vectors"))
        self.gate: tuple[list[float], float] | None = None  # LR over the logit columns (TF-IDF, opinion, embedding)
        self.lexicon: Lexicon = load_lexicon(lexicon_version)
        self.hasher = FeatureHasher(n_features=HASH_FEATURES, input_type="string", alternate_sign=False)
        self.word_vec: TfidfVectorizer | None = None
        self.char_vec: TfidfVectorizer | None = None
        self.sentence_lr: LogisticRegression | None = None
        self.platt: tuple[float, float] = (1.0, 0.0)
        self.threshold = 0.5
        self.token_lr: LogisticRegression | None = None
        self.token_threshold = 0.5
        self.cat_lr: LogisticRegression | None = None
        self.single_category = "loaded"
        self.cat_cols = np.zeros(0, dtype=int)
        self.stacker: tuple[list[float], float] | None = None
        self.isotonic: IsotonicRegression | CenteredIsotonic | None = None
        self.cv_metrics: dict[str, Any] = {}
        self.oof_scores: np.ndarray | None = None
        self.span_rules = SPAN_RULES

    # ----- sentence model -------------------------------------------------------------------
    @staticmethod
    def _new_vectorizers() -> tuple[TfidfVectorizer, TfidfVectorizer]:
        word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=MIN_DF, lowercase=True)
        # char_wb 2-4 rather than the notes' 2-5: same CV macro-F1 on BABE dev (0.737 vs 0.735), ~25% faster.
        char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=MIN_DF)
        return word, char

    @staticmethod
    def _stack(word: sparse.spmatrix, char: sparse.spmatrix, dense: np.ndarray) -> sparse.csr_matrix:
        return sparse.hstack([word, char, sparse.csr_matrix(dense * DENSE_WEIGHT)], format="csr")

    def _fit_sentence(
        self, texts: list[str], dense: np.ndarray, y: np.ndarray, opinion: np.ndarray | None = None
    ) -> tuple[tuple[TfidfVectorizer, TfidfVectorizer, LogisticRegression], LogisticRegression | None]:
        """The sentence LR and its vectorizers; with ``opinion`` (-1 where unknown), the opinion LR on the same x."""
        word, char = self._new_vectorizers()
        x = self._stack(word.fit_transform(texts), char.fit_transform(texts), dense)
        lr = LogisticRegression(C=self.sentence_c, max_iter=MAX_ITER)
        lr.fit(x, y)
        opinion_lr = None
        if opinion is not None:
            known = np.flatnonzero(opinion >= 0)
            if len(set(opinion[known].tolist())) == 2:
                opinion_lr = LogisticRegression(C=OPINION_C, max_iter=MAX_ITER).fit(x[known], opinion[known])
        return (word, char, lr), opinion_lr

    @staticmethod
    def _decisions(
        parts: tuple[TfidfVectorizer, TfidfVectorizer, LogisticRegression],
        opinion_lr: LogisticRegression | None,
        texts: list[str],
        dense: np.ndarray,
        width: int,
    ) -> np.ndarray:
        """``(n, width)`` logits: the sentence LR's, then the opinion LR's (zeros when this fit has none)."""
        word, char, lr = parts
        x = LoadedModel._stack(word.transform(texts), char.transform(texts), dense)
        out = np.zeros((len(texts), width))
        out[:, 0] = lr.decision_function(x)
        if width > 1 and opinion_lr is not None:
            out[:, 1] = opinion_lr.decision_function(x)
        return out

    # ----- embeddings -----------------------------------------------------------------------
    def _embed(self, texts: list[str]) -> np.ndarray | None:
        """MiniLM embeddings of ``texts`` when the model uses them, else None."""
        if not self.embeddings:
            return None
        if self.encoder is None:
            raise RuntimeError("LoadedModel(embeddings=True) has no encoder")
        return np.asarray(self.encoder.encode(texts), dtype=float)

    @staticmethod
    def _fit_emb(emb: np.ndarray, y: np.ndarray) -> LogisticRegression:
        return LogisticRegression(C=EMB_C, max_iter=MAX_ITER).fit(emb, y)

    def _combine(self, logits: np.ndarray) -> np.ndarray:
        """Sentence probability from the logit columns: the gate LR when fitted, else Platt on TF-IDF."""
        if self.gate is None:
            return self._calibrate(logits[:, 0])
        return _sigmoid(logits @ np.asarray(self.gate[0]) + self.gate[1])

    def _calibrate(self, logits: np.ndarray) -> np.ndarray:
        a, b = self.platt
        return _sigmoid(a * logits + b)

    # ----- token model ----------------------------------------------------------------------
    def _token_rows(
        self,
        texts: Sequence[str],
        toks: Sequence[Sequence[F.Token]],
        hits: Sequence[list[tuple[int, int, str, float]]],
        quotes: Sequence[bool],
        gates: Sequence[float],
        vectors: np.ndarray | None = None,
    ) -> tuple[sparse.csr_matrix, np.ndarray]:
        """Token design matrix for all sentences (``vectors``: their token vectors, with token
        embeddings), and the sentence index of each row."""
        owner = np.repeat(np.arange(len(texts)), [len(t) for t in toks])
        words = [[t.text for t in sentence] for sentence in toks]
        x = self._token_encoder().matrix(texts, words, hits, quotes, gates, toks)
        if vectors is not None:
            x = sparse.hstack([x, sparse.csr_matrix(vectors)], format="csr")
        return x, owner

    def _token_vectors(self, texts: Sequence[str], toks: Sequence[Sequence[F.Token]]) -> np.ndarray:
        """Every token's MiniLM vector, sentence after sentence, scaled by ``TOKEN_EMB_WEIGHT``: (n_tok, dim)."""
        encoder: Any = self.encoder
        per_text = encoder.token_vectors(texts, [[(t.start, t.end) for t in sentence] for sentence in toks])
        dim = int(encoder.info.dim)
        return np.vstack([np.zeros((0, dim), np.float32), *per_text]).astype(float) * TOKEN_EMB_WEIGHT

    def _token_encoder(self) -> TokenEncoder:
        """The cached builder of ``features.token_matrix`` (``transform.loaded.fastvec``), made once."""
        encoder = self.__dict__.get("_tokens")
        if encoder is None:
            encoder = self.__dict__["_tokens"] = TokenEncoder(self.hasher)
        return encoder

    def _char_counter(self, char: TfidfVectorizer) -> CharWbCounter:
        """The cached ``char_wb`` transform of the fitted ``char`` vectorizer, made once per vectorizer."""
        counter = self.__dict__.get("_chars")
        if counter is None or counter.vectorizer is not char:
            counter = self.__dict__["_chars"] = CharWbCounter(char)
        return counter

    def _word_counter(self, word: TfidfVectorizer) -> WordNgramCounter:
        """The cached word 1-2-gram transform of the fitted ``word`` vectorizer, made once per vectorizer."""
        counter = self.__dict__.get("_words")
        if counter is None or counter.vectorizer is not word:
            counter = self.__dict__["_words"] = WordNgramCounter(word)
        return counter

    def _fit_token_lr(self, x: sparse.csr_matrix, y: np.ndarray) -> LogisticRegression:
        """Binary tagger (loaded vs not): one fit is ~6x faster than a 7-class softmax at equal F1."""
        lr = LogisticRegression(C=self.token_c, max_iter=MAX_ITER)
        lr.fit(x, y)
        return lr

    def _fit_categories(self, x: sparse.csr_matrix, labels: Sequence[str]) -> None:
        """Category of a loaded token: softmax over the positive tokens only (cheap: ~2k rows)."""
        pos = [i for i, lab in enumerate(labels) if lab != O_LABEL]
        cats = sorted({labels[i] for i in pos})
        self.single_category = cats[0] if cats else "loaded"
        self.cat_lr = None
        if len(cats) > 1:
            # Only the hashed columns seen on positive tokens: 6 classes x 2^18 dense coefficients would
            # make L-BFGS ~20x slower for no gain (unseen columns get zero weight anyway).
            x_pos = x[pos]
            self.cat_cols = np.unique(x_pos.indices)
            lr = LogisticRegression(C=CATEGORY_C, max_iter=MAX_ITER)
            self.cat_lr = lr.fit(x_pos[:, self.cat_cols], [labels[i] for i in pos])

    def _p_loaded(self, parts: TokenParts) -> tuple[np.ndarray, np.ndarray]:
        """P(token is loaded), and the most likely category per token.

        The binary tagger is linear, so its probabilities come straight from the matrix's parts
        (``TokenParts.logits``; what ``token_lr.predict_proba`` computes, without the matrix); only the
        positive tokens' rows are built, for the category classifier.
        """
        if self.token_lr is None:
            raise RuntimeError("no token tagger")
        if parts.n_tok == 0:
            return np.zeros(0), np.zeros(0, dtype=object)
        coef = np.asarray(self.token_lr.coef_[0], dtype=float)
        p = _sigmoid(parts.logits(coef, float(self.token_lr.intercept_[0])))
        cats = np.full(len(p), self.single_category, dtype=object)
        keep = np.flatnonzero(p >= self.token_threshold)
        if self.cat_lr is not None and len(keep):
            cats[keep] = self.cat_lr.predict(parts.select(keep)[:, self.cat_cols])
        return p, cats

    # ----- training -------------------------------------------------------------------------
    def fit(self, rows: Sequence[TrainRow]) -> LoadedModel:
        """Fit both models, with grouped-CV calibration and thresholds; fills ``cv_metrics``."""
        texts = [r.text for r in rows]
        y = np.asarray([int(r.label) for r in rows], dtype=int)
        quotes = [bool(r.is_quote) for r in rows]
        groups = np.asarray([r.group or f"row{i}" for i, r in enumerate(rows)])
        hits = [F.lexicon_hits(t, self.lexicon, q) for t, q in zip(texts, quotes, strict=True)]
        dense = np.asarray([F.sentence_dense(t, h, q) for t, h, q in zip(texts, hits, quotes, strict=True)])

        toks = [F.tokenize(text) for text in texts]
        # The token pass before ``_embed``: it leaves the sentence vectors behind (one MiniLM pass each).
        tok_vecs = self._token_vectors(texts, toks) if self.token_embeddings and self.with_tagger else None
        emb = self._embed(texts)

        opinion = _opinion_labels(rows)
        n_folds = min(self.cv_folds, len(set(groups.tolist())))
        width = 1 if opinion is None else 2  # TF-IDF logit, and the opinion LR's when trained with one
        oof_sentence = np.zeros((len(rows), width))
        oof_emb = np.zeros(len(rows))
        folds = list(GroupKFold(n_splits=n_folds).split(texts, y, groups))
        for train_idx, val_idx in folds:
            fold_texts, val_texts = [texts[i] for i in train_idx], [texts[i] for i in val_idx]
            fold_y_opinion = None if opinion is None else opinion[train_idx]
            parts, fold_opinion = self._fit_sentence(fold_texts, dense[train_idx], y[train_idx], fold_y_opinion)
            oof_sentence[val_idx] = self._decisions(parts, fold_opinion, val_texts, dense[val_idx], width)
            if emb is not None:
                oof_emb[val_idx] = self._fit_emb(emb[train_idx], y[train_idx]).decision_function(emb[val_idx])
        oof = oof_sentence[:, 0]
        platt = LogisticRegression(C=1e4, max_iter=MAX_ITER).fit(oof.reshape(-1, 1), y)
        self.platt = (float(platt.coef_[0, 0]), float(platt.intercept_[0]))
        # Logit columns the gate and the stacker see: TF-IDF, the opinion LR's and the embedding LR's when used.
        logits_oof = oof_sentence if emb is None else np.column_stack([oof_sentence, oof_emb])
        self.gate = None
        self.emb_lr = None
        if logits_oof.shape[1] > 1:
            gate = LogisticRegression(C=1e4, max_iter=MAX_ITER).fit(logits_oof, y)
            self.gate = (gate.coef_[0].astype(float).tolist(), float(gate.intercept_[0]))
        if emb is not None:
            self.emb_lr = self._fit_emb(emb, y)
        gate_oof = self._combine(logits_oof)
        (self.word_vec, self.char_vec, self.sentence_lr), self.opinion_lr = self._fit_sentence(texts, dense, y, opinion)
        self.cv_metrics = {"folds": n_folds}
        self.stacker = None
        self.isotonic = None
        self.token_lr = None

        final_oof = gate_oof
        if self.with_tagger:
            x_tok, owner = self._token_rows(texts, toks, hits, quotes, gate_oof.tolist(), tok_vecs)
            labels = [lab for r, tk in zip(rows, toks, strict=True) for lab in token_labels(r.text, tk, r.spans)]
            y_tok = np.asarray([lab != O_LABEL for lab in labels], dtype=int)
            if 0 < y_tok.sum() < len(y_tok):
                oof_tok = np.zeros(len(labels))
                tok_groups = groups[owner]
                n_tok_folds = min(TOKEN_CV_FOLDS, n_folds)
                for train_idx, val_idx in GroupKFold(n_splits=n_tok_folds).split(x_tok, y_tok, tok_groups):
                    lr = self._fit_token_lr(x_tok[train_idx], y_tok[train_idx])
                    oof_tok[val_idx] = lr.predict_proba(x_tok[val_idx])[:, 1]
                by_precision = (
                    precision_threshold(y_tok, oof_tok, self.token_precision) if self.token_precision else None
                )
                self.token_threshold = (
                    by_precision if by_precision is not None else best_threshold(y_tok, oof_tok, macro=False)
                )
                self.token_lr = self._fit_token_lr(x_tok, y_tok)
                self._fit_categories(x_tok, labels)
                tok = binary_prf(y_tok, (oof_tok >= self.token_threshold).astype(int))
                rule = f"precision>={self.token_precision}" if by_precision is not None else "max F1"
                self.cv_metrics["token"] = {**tok, "threshold": self.token_threshold, "threshold_rule": rule}
                z = np.column_stack([logits_oof, _token_aggregates(oof_tok, owner, len(rows))])
                stack = LogisticRegression(C=1e4, max_iter=MAX_ITER).fit(z, y)
                self.stacker = (stack.coef_[0].astype(float).tolist(), float(stack.intercept_[0]))
                final_oof = _sigmoid(z @ np.asarray(self.stacker[0]) + self.stacker[1])
                if ISOTONIC:
                    # Cross-fitted on the same folds, so the card's ECE and P/R are not in-sample.
                    crossed = np.zeros(len(rows))
                    for train_idx, val_idx in folds:
                        iso = _calibrator(final_oof[train_idx], y[train_idx])
                        crossed[val_idx] = iso.predict(final_oof[val_idx])
                    self.isotonic = _calibrator(final_oof, y)
                    self.threshold = _block_threshold(final_oof, y, self.isotonic)
                    final_oof = crossed
        self.oof_scores = final_oof
        if self.isotonic is None:
            self.threshold = best_threshold(y, final_oof, macro=True)
        self.cv_metrics["sentence"] = sentence_metrics(y, final_oof, self.threshold)
        tfidf_oof = self._calibrate(oof)
        self.cv_metrics["sentence_tfidf_only"] = sentence_metrics(y, tfidf_oof, best_threshold(y, tfidf_oof, True))
        if emb is not None:
            emb_p = _sigmoid(oof_emb)
            self.cv_metrics["sentence_embeddings_only"] = sentence_metrics(y, emb_p, best_threshold(y, emb_p, True))
        return self

    # ----- prediction -----------------------------------------------------------------------
    def _require(self) -> tuple[TfidfVectorizer, TfidfVectorizer, LogisticRegression]:
        if self.word_vec is None or self.char_vec is None or self.sentence_lr is None:
            raise RuntimeError("LoadedModel is not fitted")
        return self.word_vec, self.char_vec, self.sentence_lr

    def predict_proba(self, texts: Sequence[str], is_quote: Sequence[bool] | None = None) -> np.ndarray:
        """Calibrated P(sentence uses loaded language), one per text."""
        return self._predict(list(texts), is_quote, with_spans=False)[0]

    def predict(self, texts: Sequence[str], is_quote: Sequence[bool] | None = None) -> list[SentenceResult]:
        """Score, decision and loaded spans ``(start, end, category, score)`` for each sentence."""
        scores, spans = self._predict(list(texts), is_quote, with_spans=True)
        return [
            SentenceResult(round(float(s), 6), bool(s >= self.threshold), sp)
            for s, sp in zip(scores, spans, strict=True)
        ]

    def _predict(
        self, texts: list[str], is_quote: Sequence[bool] | None, with_spans: bool
    ) -> tuple[np.ndarray, list[list[tuple[int, int, str, float]]]]:
        parts = self._require()
        quotes = [False] * len(texts) if is_quote is None else [bool(q) for q in is_quote]
        if len(quotes) != len(texts):
            raise ValueError("is_quote must have one entry per text")
        if not texts:
            return np.zeros(0), []
        hits = [F.lexicon_hits(t, self.lexicon, q) for t, q in zip(texts, quotes, strict=True)]
        # Token texts only: offsets (``F.tokenize``) are made for the few sentences that need them.
        words = [F.TOKEN_RE.findall(text) for text in texts]
        lengths = [len(w) for w in words]
        dense = np.asarray(
            [F.sentence_dense(t, h, q, n) for t, h, q, n in zip(texts, hits, quotes, lengths, strict=True)]
        )
        stacker = self.stacker if self.token_lr is not None else None  # None: sentence gate only, no tagger
        # Token vectors need every sentence's offsets; without them only a few sentences need tokens.
        toks = [F.tokenize(text) for text in texts] if self.token_embeddings and stacker is not None else None
        # Before ``_embed``: the encoder's token pass leaves the sentence vectors behind (one MiniLM pass).
        tok_vecs = self._token_vectors(texts, toks) if toks is not None else None
        emb = self._embed(texts)
        word, char, lr = parts
        x = self._stack(self._word_counter(word).transform(texts), self._char_counter(char).transform(texts), dense)
        columns = [np.asarray(lr.decision_function(x), dtype=float)]
        if self.opinion_lr is not None:
            columns.append(np.asarray(self.opinion_lr.decision_function(x), dtype=float))
        if self.emb_lr is not None and emb is not None:
            columns.append(np.asarray(self.emb_lr.decision_function(emb), dtype=float))
        all_logits = np.column_stack(columns)
        gates = self._combine(all_logits)
        spans: list[list[tuple[int, int, str, float]]] = [[] for _ in texts]
        if stacker is None:
            return gates, spans
        owner = np.repeat(np.arange(len(texts)), lengths)
        parts_tok = self._token_encoder().parts(texts, words, hits, quotes, gates.tolist(), toks)
        if tok_vecs is not None:
            parts_tok = replace(parts_tok, dense=np.hstack([parts_tok.dense, tok_vecs]))
        p, cats = self._p_loaded(parts_tok)
        z = np.column_stack([all_logits, _token_aggregates(p, owner, len(texts))])
        scores = _sigmoid(z @ np.asarray(stacker[0]) + stacker[1])
        if self.isotonic is not None:
            scores = np.asarray(self.isotonic.predict(scores), dtype=float)
        if with_spans:
            positive = np.bincount(owner[p >= self.token_threshold], minlength=len(texts))
            offset = 0
            for i, n in enumerate(lengths):
                if positive[i]:
                    p_i, cats_i = p[offset : offset + n], cats[offset : offset + n]
                    tokens = toks[i] if toks is not None else F.tokenize(texts[i])
                    spans[i] = self._merge(texts[i], tokens, p_i, cats_i, hits[i])
                offset += n
        return scores, spans

    def _merge(
        self,
        text: str,
        tokens: Sequence[F.Token],
        p: np.ndarray,
        cats: np.ndarray,
        hits: Sequence[tuple[int, int, str, float]] = (),
    ) -> list[tuple[int, int, str, float]]:
        """Adjacent positive tokens of one category (separated by spaces or hyphens only) form a span.

        Under ``span_rules`` 1 a span of closed-class words only is dropped, unless a lexicon hit
        (``hits``) overlaps it ("each and every"): on blog posts such spans were lone "did", "the",
        "out", which no reader would call loaded. Scare quotes stay: their marks carry the meaning.
        """
        out: list[tuple[int, int, str, float]] = []
        prev = -2
        for i, tok in enumerate(tokens):
            if p[i] < self.token_threshold:
                continue
            cat = str(cats[i])
            if out and prev == i - 1 and out[-1][2] == cat and text[out[-1][1] : tok.start].strip(" -") == "":
                s, _, c, sc = out[-1]
                out[-1] = (s, tok.end, c, max(sc, round(float(p[i]), 6)))
            else:
                out.append((tok.start, tok.end, cat, round(float(p[i]), 6)))
            prev = i
        if self.span_rules >= 1:
            out = [
                sp
                for sp in out
                if sp[2] == "scare_quotes"
                or not F.closed_class_only(text[sp[0] : sp[1]])
                or any(s < sp[1] and e > sp[0] for s, e, _, _ in hits)
            ]
        if any(c == "scare_quotes" for _, _, c, _ in out):
            out = [self._widen_quotes(text, sp) if sp[2] == "scare_quotes" else sp for sp in out]
        return out

    @staticmethod
    def _widen_quotes(text: str, span: tuple[int, int, str, float]) -> tuple[int, int, str, float]:
        """Scare-quote spans include their quote marks (guideline in the training README)."""
        s, e, c, sc = span
        if s > 0 and text[s - 1] in F.QUOTE_CHARS:
            s -= 1
        if e < len(text) and text[e] in F.QUOTE_CHARS:
            e += 1
        return s, e, c, sc

    # ----- persistence ----------------------------------------------------------------------
    def save(self, out_dir: str | Path, card: dict[str, Any] | None = None) -> Path:
        """Write ``model.joblib`` and ``model_card.json`` (the card merges ``card`` with model facts)."""
        import sklearn

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        state = {
            "lexicon_version": self.lexicon_version,
            "sentence_c": self.sentence_c,
            "token_c": self.token_c,
            "cv_folds": self.cv_folds,
            "with_tagger": self.with_tagger,
            "word_vec": self.word_vec,
            "char_vec": self.char_vec,
            "sentence_lr": self.sentence_lr,
            "platt": self.platt,
            "threshold": self.threshold,
            "token_lr": self.token_lr,
            "token_threshold": self.token_threshold,
            "cat_lr": self.cat_lr,
            "cat_cols": self.cat_cols,
            "single_category": self.single_category,
            "stacker": self.stacker,
            "isotonic": self.isotonic,
            "cv_metrics": self.cv_metrics,
            "embeddings": self.embeddings,
            "encoder_info": self.encoder_info.as_dict() if self.encoder_info else None,
            "emb_lr": self.emb_lr,
            "opinion_lr": self.opinion_lr,
            "gate": self.gate,
            "token_embeddings": self.token_embeddings,
            "span_rules": self.span_rules,
            "token_precision": self.token_precision,
        }
        joblib.dump(state, out / MODEL_FILE, compress=3)
        full = {
            **(card or {}),
            "threshold": self.threshold,
            "token_threshold": self.token_threshold,
            "platt": list(self.platt),
            "stacker": list(self.stacker[0]) + [self.stacker[1]] if self.stacker else None,
            "lexicon_version": self.lexicon_version,
            "span_rules": self.span_rules,
            "token_precision": self.token_precision,
            "calibration": self.calibration,
            "auxiliary_opinion": self.opinion_lr is not None,
            "hyperparameters": {"sentence_c": self.sentence_c, "token_c": self.token_c, "cv_folds": self.cv_folds},
            "embeddings": self._embeddings_card(),
            "cv_metrics": _jsonable(self.cv_metrics),
            "library_versions": {
                "python": ".".join(map(str, __import__("sys").version_info[:3])),
                "scikit-learn": sklearn.__version__,
                "numpy": np.__version__,
                "scipy": __import__("scipy").__version__,
                "joblib": joblib.__version__,
                **_extra_versions(self.embeddings),
            },
        }
        (out / CARD_FILE).write_text(json.dumps(full, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return out

    @property
    def calibration(self) -> str:
        """How scores are calibrated: ``centered-isotonic``, ``isotonic`` (models saved before it) or ``platt``."""
        if isinstance(self.isotonic, CenteredIsotonic):
            return "centered-isotonic"
        return "isotonic" if self.isotonic is not None else "platt"

    def _embeddings_card(self) -> dict[str, Any] | bool:
        """The card's ``embeddings`` entry: False, or the encoder (name, package, weights sha256) and its use."""
        if not self.embeddings or self.encoder_info is None:
            return False
        use = "stacked OOF logit of an LR on the embedding" + (
            "; token vectors (mean wordpiece state) as token-tagger columns" if self.token_embeddings else ""
        )
        return {**self.encoder_info.as_dict(), "use": use, "c": EMB_C, "token_embeddings": self.token_embeddings}

    @classmethod
    def load(
        cls,
        model_dir: str | Path,
        encoder: Encoder | None = None,
        encoder_settings: EncoderSettings | None = None,
    ) -> LoadedModel:
        """Read a directory written by ``save`` (the lexicon is re-loaded by version).

        A model trained with embeddings needs the extra: without it this raises ``MissingExtra``; with
        other weights than it was trained on (another sha256), ``ConfigError``. ``encoder`` (or a
        ``SentenceEncoder`` built from ``encoder_settings``) supplies the embeddings at prediction time.
        """
        state = joblib.load(Path(model_dir) / MODEL_FILE)
        uses_embeddings = bool(state.get("embeddings", False))
        if uses_embeddings:
            encoder = encoder_for_trained(
                model_dir, "loaded-language", state.get("encoder_info"), encoder, encoder_settings
            )
        model = cls(
            lexicon_version=state["lexicon_version"],
            sentence_c=state["sentence_c"],
            token_c=state["token_c"],
            cv_folds=state["cv_folds"],
            with_tagger=state["with_tagger"],
            embeddings=uses_embeddings,
            encoder=encoder,
        )
        keys = ("word_vec", "char_vec", "sentence_lr", "threshold", "token_lr", "token_threshold", "cat_lr")
        for key in (*keys, "cat_cols", "single_category", "stacker", "isotonic", "cv_metrics"):
            setattr(model, key, state[key])
        model.platt = tuple(state["platt"])  # type: ignore[assignment]
        model.emb_lr = state.get("emb_lr")
        model.opinion_lr = state.get("opinion_lr")  # saved before the auxiliary label existed: none
        model.gate = state.get("gate")
        # Saved before token vectors existed: the tagger has no columns for them.
        model.token_embeddings = bool(state.get("token_embeddings", False))
        model.span_rules = int(state.get("span_rules", 0))  # saved before span rules existed: plain merging
        model.token_precision = state.get("token_precision")
        return model


def _opinion_labels(rows: Sequence[TrainRow]) -> np.ndarray | None:
    """Each row's auxiliary opinion label (-1 where unknown), or None when too few rows, or one class only, have one."""
    if not AUX_OPINION:
        return None
    labels = np.asarray([-1 if r.opinion is None else int(r.opinion) for r in rows])
    known = labels[labels >= 0]
    if len(known) < OPINION_MIN_ROWS or len(set(known.tolist())) < 2:
        return None
    return labels


def _block_threshold(scores: np.ndarray, y: np.ndarray, calibrator: IsotonicRegression | CenteredIsotonic) -> float:
    """The decision threshold on ``calibrator``'s output: the macro-F1 best cut among the pooled blocks' edges.

    Thresholding a monotone map's output is cutting the stack score. The cut is searched where plain
    isotonic regression's blocks begin, the points at which the calibrated probability changes, and
    not at every distinct score: that would fit the cut to the training rows' noise (with the
    centered map it moved the default model's cut 0.546 -> 0.495, and its BABE macro-F1 0.662 ->
    0.650). The threshold is the calibrator's value at the cut, so ``score >= threshold`` decides
    as the cut does.
    """
    plain = isotonic(ISO_FLOOR).fit(scores, y)
    stepped = np.asarray(plain.predict(scores), dtype=float)
    t = best_threshold(y, stepped, macro=True)
    chosen = scores[stepped >= t]
    cut = float(chosen.min()) if len(chosen) else float(scores.max())
    return float(np.asarray(calibrator.predict(np.asarray([cut])))[0])


def _calibrator(scores: np.ndarray, y: np.ndarray) -> IsotonicRegression | CenteredIsotonic:
    """Monotone calibration map fitted on ``scores``, bounded so that no sentence is ever scored as certain."""
    if CENTERED_ISOTONIC:
        return fit_centered_isotonic(scores, y, ISO_FLOOR)
    return isotonic(ISO_FLOOR).fit(scores, y)


def _token_aggregates(p: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """Per sentence: max token logit and log(1 + expected number of loaded tokens).

    Why: the tagger is trained on word-level gold, a second view of the same label; stacking its
    strongest token with the TF-IDF logit adds evidence the bag of n-grams dilutes in long sentences.
    """
    pc = np.clip(p, 1e-4, 1 - 1e-4)
    logit = np.log(pc / (1 - pc))
    floor = np.log(1e-4 / (1 - 1e-4))
    best = np.full(n, floor)
    np.maximum.at(best, owner, logit)
    if AGG_MODE == "count":
        expected = np.bincount(owner, weights=pc, minlength=n)
        return np.column_stack([best, np.log1p(expected)])
    # second-best token logit: length-robust (a count grows with sentence length across domains)
    masked = logit.copy()
    masked[logit >= best[owner]] = floor
    second = np.full(n, floor)
    np.maximum.at(second, owner, masked)
    return np.column_stack([best, second])


def _extra_versions(embeddings: bool) -> dict[str, str]:
    """Versions of the embeddings extra's libraries, for the card of a model that uses them."""
    if not embeddings:
        return {}
    from importlib import metadata

    return {name: metadata.version(name) for name in ("torch", "sentence-transformers", "transformers")}


def _jsonable(value: Any) -> Any:
    """NaN-free, JSON-serialisable copy of nested metric dicts."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    return value
