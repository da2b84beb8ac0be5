"""A small, realistic labelled warehouse built through the real migrations and loader.

Three blogs, six posts (one later deleted, one with no date), each loaded by the real pipeline
(``label_post`` with the shipped default loaded-language model, ``load_posts``, the model
registered as the nightly flow does), then labelled further the way the classifiers write the
0006 tables: a newer registered loaded-language model re-scoring every post per sentence and per
voice; two stance model versions (the newer one re-labels only some posts); leaning. Two runs:
one completed with its stats, one killed before writing them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from extract.sources import Source
from flows.settings import _user_model_cache
from transform.clean import CleanPost, Paragraph
from transform.labelling import Labeller, load_labeller
from transform.process import label_post
from warehouse.db import open_warehouse
from warehouse.load import finish_run, load_posts, mark_deleted, post_id_for, start_run, upsert_sources
from warehouse.loaded import register_model

RUN_1 = "11111111-1111-4111-8111-111111111111"
RUN_2 = "22222222-2222-4222-8222-222222222222"
NEW_MODEL = "loaded-lexicon-1.0-7c3e9a1b2d4f"  # a newer loaded model, registered after the default one
OLD_STANCE = "stance-nli-0.1"
NEW_STANCE = "stance-nli-0.2"
THRESHOLD = 0.545  # the new model's decision threshold, as its card says

SOURCES = [
    Source("left-pen", "The Left Pen", "https://leftpen.example/", country="GB", language="en", leaning="left"),
    Source("right-angle", "Right Angle", "https://rightangle.example/", country="GB", language="en", leaning="right"),
    Source(
        "quiet-corner",
        "Quiet Corner",
        "https://quiet.example/",
        country="US",
        language="en",
        leaning="centre",
        republish=False,
    ),
]


@dataclass(frozen=True)
class SamplePost:
    source_id: str
    url: str
    title: str
    published: datetime | None
    paragraphs: tuple[Paragraph, ...]


WEEK = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday

POSTS = [
    SamplePost(
        "left-pen",
        "https://leftpen.example/2026/11/02/so-called-reform/",
        "The so-called reform",
        WEEK,
        (
            Paragraph("The so-called reform is a disastrous betrayal of working families, and the minister knows it."),
            Paragraph("Labour promised a fair deal. Instead we got this shambles."),
            Paragraph("\u201cThese extremists want to wreck the economy,\u201d said the Chancellor on Tuesday."),
            Paragraph("Critics called the plan a catastrophe that will destroy the NHS.", is_quote=True),
            Paragraph("We will keep watching the figures when they are published next month."),
        ),
    ),
    SamplePost(
        "left-pen",
        "https://leftpen.example/2026/11/04/budget-notes/",
        "Budget notes",
        WEEK + timedelta(days=2),
        (
            Paragraph("The budget raises the personal allowance by two hundred pounds."),
            Paragraph("Labour says the change is modest but welcome."),
        ),
    ),
    SamplePost(
        "right-angle",
        "https://rightangle.example/labour-chaos",
        "Labour chaos, again",
        WEEK + timedelta(days=1, hours=3),
        (
            Paragraph("This shambolic government lurches from one disastrous scandal to the next."),
            Paragraph("Labour ministers are clueless, and the public can see it."),
            Paragraph("\u201cWe are delivering for families,\u201d a spokesman insisted."),
        ),
    ),
    SamplePost(
        "right-angle",
        "https://rightangle.example/undated-note",
        "A note without a date",
        None,
        (Paragraph("The council meets on Thursday to discuss the bus timetable."),),
    ),
    SamplePost(
        "quiet-corner",
        "https://quiet.example/posts/turnout",
        "Turnout figures",
        WEEK + timedelta(days=3),
        (
            Paragraph("Turnout figures", kind="head"),  # some blogs' extracted text repeats the title
            Paragraph("Turnout in the by-election was forty-one percent, down from the general election."),
            Paragraph("Observers called the campaign a disgraceful waste of public money.", is_quote=True),
        ),
    ),
    SamplePost(
        "quiet-corner",
        "https://quiet.example/posts/withdrawn",
        "A withdrawn post",
        WEEK + timedelta(days=4),
        (Paragraph("This post was later withdrawn by its author after a correction."),),
    ),
]
DELETED_URL = "https://quiet.example/posts/withdrawn"

STATS = {
    "sources": 3,
    "requests": 42,
    "not_modified": 5,
    "bytes": 123456,
    "posts": {"new": 6, "updated": 0, "unchanged": 0, "deleted": 0, "extraction_failures": 1},
    "errors_by_kind": {"FetchTimeout": 2, "HTTPStatusError": 1},
    "hosts_given_up": {"quiet-corner": "5 consecutive failures"},
    "per_source": {},
    "errors": [],
    "seconds": 61.5,
}

MODEL_CARD = {
    "model": "slant loaded-language: TF-IDF+lexicon LR (Platt on grouped OOF logits) + token LR tagger",
    "dataset": "jsonl",
    "rows": {"total": 1680, "positive": 817, "negative": 863, "spans": 1181, "groups": 174},
    "threshold": THRESHOLD,
    "cv_metrics": {
        "folds": 5,
        "sentence": {"macro_f1": 0.870172, "f1": 0.867235, "precision": 0.86303, "recall": 0.871481, "ece": 0.0233},
        "token": {"f1": 0.617746},
    },
    "lexicon_version": "lexicon-1.0",
}


def post_id(url: str) -> str:
    return post_id_for(url)


def labeller() -> Labeller:
    """The shipped default model, which labels the posts first (built once per machine)."""
    return load_labeller(None, _user_model_cache())


def first_model() -> str:
    """The model version the nightly pipeline labelled the posts with."""
    return labeller().version


def _sentence_score(span_scores: list[float]) -> float:
    """The new model's sentence score: rises with the lexicon evidence, capped below certainty."""
    return round(min(0.95, 0.2 + sum(span_scores)), 6)


def _label_new_model(con: duckdb.DuckDBPyConnection, scored_at: datetime) -> None:
    con.execute(
        "INSERT INTO models VALUES (?, 'loaded', '/models/loaded-default', ?, ?)",
        [NEW_MODEL, json.dumps(MODEL_CARD), scored_at],
    )
    sentences = con.execute(
        "SELECT post_id, sentence_no, voice FROM sentences ORDER BY post_id, sentence_no"
    ).fetchall()
    spans = con.execute(
        "SELECT post_id, sentence_no, start_char, end_char, text, category, score, is_quote FROM loaded_spans"
    ).fetchall()
    by_sentence: dict[tuple[str, int], list[float]] = {}
    for pid, sno, *_rest, score, _q in spans:
        by_sentence.setdefault((pid, sno), []).append(score)
    per_post: dict[str, list[tuple[str, float, bool]]] = {}
    for pid, sno, voice in sentences:
        score = _sentence_score(by_sentence.get((pid, sno), []))
        loaded = score >= THRESHOLD
        con.execute("INSERT INTO sentence_scores VALUES (?, ?, ?, ?, ?)", [pid, sno, NEW_MODEL, score, loaded])
        per_post.setdefault(pid, []).append((voice, score, loaded))
    # The new model keeps the lexicon's spans, re-weighted.
    for pid, sno, start, end, text, category, score, is_quote in spans:
        con.execute(
            "INSERT INTO loaded_spans (post_id, sentence_no, start_char, end_char, text, category, score, "
            "model_version, is_quote) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [pid, sno, start, end, text, category, round(min(1.0, score + 0.1), 6), NEW_MODEL, is_quote],
        )
    for pid, rows in per_post.items():
        author = [r for r in rows if r[0] == "author"]
        quoted = [r for r in rows if r[0] != "author"]
        post_spans = [s for s in spans if s[0] == pid]
        categories = {
            c: sum(1 for s in post_spans if s[5] == c)
            for c in ("name_calling", "emotive", "exaggeration", "dysphemism", "scare_quotes", "doubt")
        }
        share = sum(r[2] for r in rows) / len(rows)
        con.execute(
            "INSERT INTO post_scores (post_id, model_version, loaded_score, loaded_sentence_share, n_sentences, "
            "n_spans, scored_at, loaded, loaded_share_author, loaded_share_quoted, n_sentences_author, "
            "n_sentences_quoted, n_spans_quoted, spans_name_calling, spans_emotive, spans_exaggeration, "
            "spans_dysphemism, spans_scare_quotes, spans_doubt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?, ?)",
            [
                pid,
                NEW_MODEL,
                round(sum(r[1] for r in rows) / len(rows), 6),
                share,
                len(rows),
                len(post_spans),
                scored_at,
                share >= 0.5,
                sum(r[2] for r in author) / len(author) if author else None,
                sum(r[2] for r in quoted) / len(quoted) if quoted else None,
                len(author),
                len(quoted),
                sum(1 for s in post_spans if s[7]),
                *categories.values(),
            ],
        )


def _label_stance(con: duckdb.DuckDBPyConnection, scored_at: datetime) -> None:
    con.execute(
        "INSERT INTO targets VALUES ('labour', 'Labour Party', 'party', ['Labour', 'the Labour Party'], '{}', ?)",
        [scored_at],
    )
    con.execute(
        "INSERT INTO models VALUES (?, 'stance', NULL, NULL, ?), (?, 'stance', NULL, NULL, ?)",
        [OLD_STANCE, scored_at - timedelta(days=30), NEW_STANCE, scored_at - timedelta(days=1)],
    )
    mentions = con.execute(
        "SELECT post_id, sentence_no, start_char + position('Labour' IN text) - 1, is_quote FROM sentences "
        "WHERE text LIKE '%Labour%' ORDER BY post_id, sentence_no"
    ).fetchall()
    for pid, sno, start, is_quote in mentions:
        con.execute(
            "INSERT INTO target_mentions VALUES (?, ?, 'labour', ?, ?, 'alias', ?)",
            [pid, sno, start, start + len("Labour"), is_quote],
        )
    left_reform = post_id(POSTS[0].url)
    right_chaos = post_id(POSTS[2].url)
    budget = post_id(POSTS[1].url)
    # (post, version, label, p_favor, p_against, p_neither)
    labels = [
        (left_reform, OLD_STANCE, "favor", 0.6, 0.2, 0.2),
        (right_chaos, OLD_STANCE, "against", 0.1, 0.8, 0.1),
        (budget, OLD_STANCE, "neither", 0.3, 0.2, 0.5),
        (left_reform, NEW_STANCE, "against", 0.2, 0.7, 0.1),  # the newer model changes its mind
        (right_chaos, NEW_STANCE, "against", 0.05, 0.9, 0.05),
    ]
    for pid, version, label, pf, pa, pn in labels:
        evidence = [m[1] for m in mentions if m[0] == pid]
        con.execute(
            "INSERT INTO stances (post_id, target, label, confidence, model_version, evidence, n_mentions, "
            "p_favor, p_against, p_neither, scored_at) VALUES (?, 'labour', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [pid, label, max(pf, pa, pn), version, evidence, len(evidence), pf, pa, pn, scored_at],
        )
        for sno in evidence:
            con.execute(
                "INSERT INTO mention_stances VALUES (?, ?, 'labour', 0, ?, ?, ?, ?, false, ?)",
                [pid, sno, label, pf, pa, pn, version],
            )


def _label_leaning(con: duckdb.DuckDBPyConnection, scored_at: datetime) -> None:
    leanings = {"left-pen": ("left", 0.7, 0.2, 0.1), "right-angle": ("right", 0.1, 0.2, 0.7)}
    for pid, source_id in con.execute("SELECT post_id, source_id FROM posts ORDER BY post_id").fetchall():
        label, pl, pc, pr = leanings.get(source_id, ("center", 0.2, 0.6, 0.2))
        con.execute(
            "INSERT INTO post_leaning VALUES (?, 'leaning-0.1', ?, ?, ?, ?, ?, ?)",
            [pid, label, pl, pc, pr, max(pl, pc, pr), scored_at],
        )


def build_labelled_db(path: Path) -> Path:
    """Create the sample labelled warehouse at ``path``."""
    con = open_warehouse(path)
    model = labeller()
    run_start = WEEK + timedelta(days=5, hours=-7)  # Saturday 02:00
    upsert_sources(con, SOURCES, run_start)
    start_run(con, RUN_1, "nightly", "0.1.0+gtest", run_start)
    processed = [
        label_post(
            p.source_id,
            p.url,
            p.url,
            "body",
            CleanPost(p.url, p.title, ("A. Writer",), p.published, None, ("politics",), "en", p.paragraphs),
            model,
        )
        for p in POSTS
    ]
    load_posts(con, RUN_1, processed)
    register_model(con, model.version, "loaded", model.path, model.card(), run_start)
    # The loader stamps scored_at with the wall clock; put the scores inside their run.
    con.execute("UPDATE post_scores SET scored_at = ?", [run_start + timedelta(minutes=10)])
    con.execute(
        "INSERT INTO fetch_log (run_id, url, fetched_at, not_modified, status_code, bytes, role, error_kind, error) "
        "VALUES (?, 'https://leftpen.example/feed/', ?, false, 200, 5000, 'feed', NULL, NULL)",
        [RUN_1, run_start],
    )
    finish_run(con, RUN_1, "completed", STATS)
    con.execute("UPDATE runs SET finished_at = ? WHERE run_id = ?", [run_start + timedelta(seconds=61.5), RUN_1])
    scored_at = run_start + timedelta(hours=1)
    _label_new_model(con, scored_at)
    _label_stance(con, scored_at)
    _label_leaning(con, scored_at)
    # The next night dies half-way: no stats, only its fetch_log rows.
    second = run_start + timedelta(days=1)
    start_run(con, RUN_2, "nightly", "0.1.0+gtest", second)
    mark_deleted(con, [DELETED_URL], second)
    rows = [
        ("https://leftpen.example/feed/", 304, True, None, "feed"),
        ("https://rightangle.example/sitemap.xml", 404, False, "HTTPStatusError", "sitemap"),  # feature off
        ("https://quiet.example/posts/x", None, False, "FetchTimeout", "post"),
        ("https://quiet.example/posts/withdrawn", 404, False, "HTTPStatusError", "post"),
    ]
    for url, status, not_modified, kind, role in rows:
        con.execute(
            "INSERT INTO fetch_log (run_id, url, fetched_at, not_modified, status_code, bytes, role, error_kind, "
            "error) VALUES (?, ?, ?, ?, ?, 100, ?, ?, ?)",
            [RUN_2, url, second, not_modified, status, role, kind, kind],
        )
    con.close()
    return path
