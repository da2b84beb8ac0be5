"""Stance toward named targets: mention-level classifier, post-level aggregation with voice weighting.

``model.StanceModel`` classifies one mention in its sentence (favor / against / neither);
``label.label_stances`` finds the mentions of a post's targets, scores them and aggregates them
per target, weighting the author's own voice over quoted voices and abstaining on thin evidence;
``train`` reads NewsMTSC, IBM claim stance and the project's own JSONL; ``evaluate`` is
``make eval-stance``.
"""

from transform.stance.label import MentionStance, PostStance, StanceLabels, label_stances
from transform.stance.model import LABELS, StanceModel

__all__ = ["LABELS", "MentionStance", "PostStance", "StanceLabels", "StanceModel", "label_stances"]
