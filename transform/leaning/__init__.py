"""Political leaning per post (left / center / right) and per source, trained so as not to learn the outlet.

``model.LeaningModel`` and ``model.label_leaning`` score one post; ``aggregate.monthly_ratings``
turns a source's post probabilities into its monthly rating (``source_ratings``); ``train`` reads
AllSides, SemEval-2019 hyperpartisan and the project's own JSONL.
"""

from transform.leaning.model import LEANINGS, Leaning, LeaningModel, label_leaning

__all__ = ["LEANINGS", "Leaning", "LeaningModel", "label_leaning"]
