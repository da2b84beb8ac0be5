"""Trained loaded-language model: a calibrated sentence classifier plus a token tagger.

``model.LoadedModel`` replaces the lexicon-only score of ``transform.lexicon`` with a model that
learns from labelled sentences (the project's own ``transform/training/loaded/examples-*.jsonl``
by default, or BABE for measurement). ``train`` builds and saves one; ``evaluate`` prints the
comparison table against the baselines in ``shared/notes/loaded_language.md``.
"""

from transform.loaded.model import LoadedModel, SentenceResult

__all__ = ["LoadedModel", "SentenceResult"]
