"""Post-level stance on the project's annotated blog posts holds its floor, and the data stays valid.

Why: users query the post's stance, which the abstention rule derives from mention scores; the
rule's numbers were fitted on these posts (``transform.evaluation.stance_posts``), so a change to
the mention model, the voice weights or the rule that makes post-level stance worse shows here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from flows.settings import _user_model_cache
from transform.defaults import default_stance_model
from transform.evaluation.stance_posts import POSTS_DIR, evaluate, read_posts, score_posts
from transform.stance.label import DEFAULT_RULE
from transform.stance.model import StanceModel

FLOORS = Path(__file__).resolve().parents[2] / "transform" / "evaluation" / "floors.json"


def test_the_annotated_posts_pass_their_own_check() -> None:
    done = subprocess.run(
        [sys.executable, str(POSTS_DIR / "check.py")], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("OK")


@pytest.fixture(scope="module")
def scored():  # type: ignore[no-untyped-def]
    model = StanceModel.load(default_stance_model(_user_model_cache()))
    return score_posts(read_posts(), model)


def test_shipped_rule_holds_its_post_level_floor(scored) -> None:  # type: ignore[no-untyped-def]
    floor = json.loads(FLOORS.read_text(encoding="utf-8"))["stance_posts"]
    result = evaluate(scored, DEFAULT_RULE)
    print("post-level stance, shipped rule:", result)
    assert result["n"] == floor["measured"]["targets"]
    assert result["macro_f1"] >= floor["macro_f1"], result
    assert all(v > 0 for v in result["f1"].values())  # no class collapsed (favor is reported on its own)
