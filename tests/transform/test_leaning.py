"""Tests for leaning (``transform.leaning``): outlet stripping, the model directory, monthly source ratings."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from extract.errors import ModelError
from transform.defaults import default_leaning_model, load_leaning_labeller
from transform.leaning import LEANINGS, LeaningModel, label_leaning
from transform.leaning.aggregate import MIN_POSTS, PostProbabilities, monthly_ratings
from transform.leaning.features import N_STYLE, clean, style
from transform.leaning.model import LeaningExample


def test_clean_strips_what_names_the_outlet() -> None:
    """URLs, handles, bylines, agency tags, boilerplate and the outlet's own names never reach the model."""
    text = (
        "By Jane Doe, Staff Writer\n"
        "WASHINGTON (CNN) — The Senate voted on Tuesday, see https://cnn.com/politics or www.cnn.com.\n"
        "Read more: the full roll call\n"
        "Follow us on Twitter @CNNPolitics for updates.\n"
        "Copyright 2024 Cable News Network. All rights reserved.\n"
        "Cable News Network reporters spoke to senators."
    )
    out = clean(text, "Senate votes", outlet_names=("Cable News Network", "cnn.com", "cnn"))
    for gone in (
        "Jane Doe",
        "(CNN)",
        "https://",
        "www.",
        "@CNNPolitics",
        "Copyright",
        "Cable News Network",
        "cnn",
        "roll call",
        "WASHINGTON",
    ):
        assert gone.lower() not in out.lower(), gone
    assert out.startswith("Senate votes") and "The Senate voted on Tuesday, see" in out


def test_style_cues_have_a_fixed_width_and_no_length() -> None:
    short, long = style("They are utter clowns!"), style(" ".join(["They are utter clowns!"] * 50))
    assert len(short) == len(long) == N_STYLE
    assert short == pytest.approx(long, rel=0.05)  # a longer post in the same style scores the same


def test_default_model_is_left_center_right_and_round_trips(tmp_path: Path) -> None:
    directory = default_leaning_model(tmp_path)
    card = json.loads((directory / "model_card.json").read_text())
    assert card["task"] == "leaning" and sorted(card["labels"]) == sorted(LEANINGS)
    model = LeaningModel.load(directory)
    post = label_leaning("The council will publish the draft budget on Monday.", model)
    assert set(post.scores) == set(LEANINGS) and abs(sum(post.scores.values()) - 1) < 1e-3
    assert post.label == max(post.scores, key=post.scores.__getitem__) and post.confidence == post.scores[post.label]
    assert load_leaning_labeller(directory, tmp_path).version.startswith("leaning-jsonl-")


def test_outlet_filter_drops_words_only_one_outlet_uses() -> None:
    """A house phrase used by one outlet cannot carry its label; words shared across outlets can."""
    rows = []
    for i in range(12):
        label = ("left", "right")[i % 2]
        word = "fairness" if label == "left" else "liberty"
        rows.append(LeaningExample(f"We want {word} for all. zorblax {i}", label, f"outlet{i}"))
    rows.append(LeaningExample("zorblaxian quirk", "left", "outlet0"))  # one outlet's house phrase, twice
    rows.append(LeaningExample("zorblaxian quirk", "right", "outlet0"))
    model = LeaningModel(min_outlets=3).fit(rows)
    p = model.predict_proba(
        [
            LeaningExample("fairness", "left"),
            LeaningExample("liberty", "right"),
            LeaningExample("zorblaxian quirk", "x"),
            LeaningExample("", "x"),
        ]
    )
    assert p.shape == (4, 2) and model.classes[int(np.argmax(p[0]))] == "left"
    assert model.classes[int(np.argmax(p[1]))] == "right"
    assert p[2] == pytest.approx(p[3])  # the house phrase was dropped: it scores like an empty post


def test_a_model_of_another_task_or_labels_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError):
        LeaningModel.load(tmp_path)
    rows = [LeaningExample(f"text {i} {'a' if i % 2 else 'b'}", ("hyperpartisan", "not")[i % 2]) for i in range(8)]
    LeaningModel(min_outlets=1).fit(rows).save(tmp_path / "hp")
    with pytest.raises(ModelError, match="left/center/right"):
        load_leaning_labeller(tmp_path / "hp", tmp_path)


def test_monthly_rating_is_the_mean_log_probability_winner_and_needs_enough_posts() -> None:
    oct_ = datetime(2026, 10, 5, tzinfo=UTC)
    posts = [PostProbabilities("blog", oct_, {"left": 0.6, "center": 0.3, "right": 0.1})] * MIN_POSTS
    posts += [
        PostProbabilities("blog", datetime(2026, 11, 2, tzinfo=UTC), {"left": 0.9, "center": 0.05, "right": 0.05})
    ]
    ratings = monthly_ratings(posts, LEANINGS)
    assert len(ratings) == 1  # November has one post only
    r = ratings[0]
    assert r.rating == "left" and r.n_posts == MIN_POSTS
    assert r.valid_from == datetime(2026, 10, 1, tzinfo=UTC) and r.valid_to == datetime(2026, 11, 1, tzinfo=UTC)
    dec = monthly_ratings([PostProbabilities("b", datetime(2026, 12, 9, tzinfo=UTC), {"right": 1.0})] * 3, LEANINGS)
    assert dec[0].valid_to == datetime(2027, 1, 1, tzinfo=UTC) and dec[0].rating == "right"
