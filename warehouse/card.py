"""The release's ``README.md``: a Hugging Face dataset card (YAML header) with a datasheet.

The header carries what the Hub reads (license, language, task categories, size category, and one
config per Parquet table); the body is a datasheet in the sense of Gebru et al.: motivation,
composition, collection, labelling (each model version with its evaluation figures), known biases
and limitations, maintenance. ``datasheet`` returns the same prose for ``croissant.json``'s
responsible-AI fields, so the two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from warehouse.publish import ModelFacts, ReleaseFacts, TableExport
from warehouse.release_tables import RELEASE_TABLES, ReleaseTable

# The Hub's size buckets, by number of posts (its own boundaries).
_SIZE_BUCKETS: tuple[tuple[int, str], ...] = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
)


@dataclass(frozen=True)
class Datasheet:
    motivation: str
    composition: str
    collection: str
    labelling: str
    biases: str
    limitations: str
    uses: str
    personal_information: str
    maintenance: str


def size_category(posts: int) -> str:
    for bound, name in _SIZE_BUCKETS:
        if posts < bound:
            return name
    return "n>10M"


def _data_files(table: TableExport, spec: ReleaseTable) -> str:
    if spec.partition_by:
        depth = "/".join("*" for _ in spec.partition_by)
        return f"data/{table.name}/{depth}/*.parquet"
    return f"data/{table.name}.parquet"


def _header(facts: ReleaseFacts) -> dict[str, Any]:
    options = facts.options
    tasks = ["text-classification", "token-classification"]
    return {
        "pretty_name": f"{options.name} {options.version}",
        "license": options.license,
        "language": list(facts.languages) or ["en"],
        "task_categories": tasks,
        "tags": ["media-bias", "loaded-language", "stance-detection", "political-blogs", "duckdb"],
        "size_categories": [size_category(facts.table("posts").rows)],
        "configs": [
            {
                "config_name": spec.name,
                "data_files": [{"split": "train", "path": _data_files(facts.table(spec.name), spec)}],
                **({"default": True} if spec.name == "posts" else {}),
            }
            for spec in RELEASE_TABLES
        ],
    }


def _metric(card: dict[str, Any] | None, *path: str) -> Any:
    value: Any = card or {}
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _model_lines(model: ModelFacts) -> list[str]:
    card = model.card
    lines = [f"- **`{model.model_version}`** ({model.task}; labels {model.posts:,} posts in this release)"]
    if card is None:
        if model.registered_at is not None:
            lines.append(f"  - registered {model.registered_at[:10]}; no model card was recorded for it.")
        elif model.model_version.startswith("lexicon-"):
            lines.append(
                "  - the rule-based lexicon matcher (no trained model, not in the model registry); "
                "its categories and weights are described in docs/loaded-language.md of the code."
            )
        else:
            lines.append("  - not in the model registry (`models` table), so no model card is recorded for it.")
        return lines
    if card.get("model"):
        lines.append(f"  - model: {card['model']}")
    rows = card.get("rows") or {}
    if card.get("dataset") or rows:
        lines.append(
            f"  - trained on: {card.get('dataset', '?')} ({rows.get('total', '?')} rows, "
            f"{rows.get('positive', '?')} positive)"
        )
    if card.get("threshold") is not None:
        lines.append(f"  - decision threshold: {float(card['threshold']):.3f}")
    sentence = _metric(card, "cv_metrics", "sentence")
    if isinstance(sentence, dict):
        figures = ", ".join(
            f"{name} {float(sentence[name]):.3f}"
            for name in ("macro_f1", "f1", "precision", "recall", "roc_auc", "ece")
            if sentence.get(name) is not None
        )
        folds = _metric(card, "cv_metrics", "folds")
        lines.append(f"  - sentence level, {folds}-fold cross-validation on its training data: {figures}")
    token = _metric(card, "cv_metrics", "token")
    if isinstance(token, dict) and token.get("f1") is not None:
        lines.append(f"  - span (token) level: F1 {float(token['f1']):.3f}")
    return lines


def _evaluation_lines(evaluation: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    loaded = evaluation.get("loaded")
    if isinstance(loaded, dict) and isinstance(loaded.get("measured"), dict):
        m = loaded["measured"]
        lines.append(
            f"- Project evaluation of the loaded-language method on the BABE dev set ({loaded.get('date', '?')}): "
            f"trained and tested in 5 folds grouped by news article, sentence macro-F1 {m.get('a_macro_f1')}, "
            f"expected calibration error {m.get('a_ece')}, span F1 {m.get('a_token_f1')}; the default model, "
            f"trained only on the project's own examples, macro-F1 {m.get('b_macro_f1')} on all of BABE dev; "
            f"a TF-IDF + logistic-regression baseline on the same folds {m.get('c_macro_f1')}."
        )
    extraction = evaluation.get("extraction")
    if isinstance(extraction, dict) and extraction.get("measured") is not None:
        lines.append(
            f"- Main-text extraction F1 {extraction['measured']} on an article-extraction benchmark "
            f"({extraction.get('date', '?')})."
        )
    return lines


def datasheet(facts: ReleaseFacts) -> Datasheet:
    """The datasheet prose for ``facts``."""
    options = facts.options
    posts = facts.table("posts").rows
    countries = sorted({s.country for s in facts.sources if s.country})
    policy = {
        "full": "the whole text of every post",
        "excerpt": f"the first {options.excerpt_chars} characters of each post plus every sentence that carries "
        "a label (a loaded-language span, a target mention or stance evidence)",
        "none": "no post text, titles included: URLs, metadata, offsets and labels only",
    }[options.text_policy]
    withheld = [s.source_id for s in facts.sources if s.text_policy == "none" and options.text_policy != "none"]
    composition = (
        f"{posts:,} posts from {len(facts.sources)} political blogs"
        + (f" in {', '.join(countries)}" if countries else "")
        + f", published {facts.first_day} to {facts.last_day} (UTC days), with "
        f"{facts.table('sentences').rows:,} sentences, {facts.table('loaded_spans').rows:,} loaded-language spans, "
        f"{facts.table('post_scores').rows:,} post scores and {facts.table('stances').rows:,} stance labels. "
        f"Text policy `{options.text_policy}`: the release carries {policy}."
        + (
            f" Sources that may not be republished, whose posts carry no text: {', '.join(withheld)}."
            if withheld
            else ""
        )
        + f" Left out: posts deleted by their authors ({facts.exclusions.deleted_posts}), posts on the takedown "
        f"list ({facts.exclusions.takedown_posts}), sources on the takedown list ({facts.exclusions.takedown_sources})."
    )
    labelling_parts = [
        "Labels are made by machine, not by annotators. Loaded language is scored per sentence and found as "
        "spans (name calling, emotive, exaggeration, dysphemism, doubt, scare quotes); every score and span "
        "says whether it is in the blogger's own voice or inside a quotation. Stance is labelled per post and "
        "named target (favor, against, neither) from the sentences that mention the target. Each row names "
        "the model_version that made it; where several versions scored a post, the release carries the newest "
        "(by registration time in the model registry, else by the first time it scored anything)."
    ]
    model_lines = [line for m in facts.models for line in _model_lines(m)]
    eval_lines = _evaluation_lines(facts.evaluation)
    labelling = "\n".join(labelling_parts + [""] + model_lines + ([""] + eval_lines if eval_lines else []))
    return Datasheet(
        motivation=(
            "To measure media bias in political blogs over time: how much loaded language each blog uses, "
            "whether in its own voice or in the words it quotes, and its stance toward named parties, people "
            "and policies. Built for media and political-science research that needs a citable, re-runnable "
            "dataset rather than a one-off scrape."
        ),
        composition=composition,
        collection=(
            f"Collected by slant's nightly crawler in {len(facts.runs)} runs (code versions "
            f"{', '.join(sorted({r.code_version for r in facts.runs if r.code_version})) or 'unknown'}) up to "
            f"{facts.data_as_of}, and published by slant {options.code_version}. The crawler reads each "
            "blog's feeds, APIs and sitemaps, fetches new or changed posts with conditional requests, no "
            "faster than one request per second per host by default, obeys robots.txt (including "
            "Crawl-delay), and keeps every raw response in a WARC archive. Main text is extracted with "
            "trafilatura, reader comments are kept apart, edits are versioned, and exact and near "
            "duplicates are linked (posts.duplicate_of). The run ids are listed in manifest.json."
        ),
        labelling=labelling,
        biases=(
            "The blog list is chosen by the maintainers and is not a sample of the blogosphere; the leaning of "
            "each source is the maintainers' label. The loaded-language lexicon and models were built on "
            "English news and blog text and carry their authors' judgement of what is loaded; they are less "
            "reliable on irony, on dialects and on topics unlike their training data. Quotation detection relies "
            "on markup and quotation marks, so unmarked quotations count as the author's own voice."
        ),
        limitations=(
            "Machine labels have errors (see the figures above); aggregate them rather than trusting one post. "
            "Posts without a date are placed on the day they were first crawled. Paywalled posts hold only what "
            "the page shows. Under the excerpt and none policies the text must be re-hydrated from the URLs "
            "(text_sha256 checks the result); pages may have changed or gone since."
        ),
        uses=(
            "Intended: research on framing, bias and polarisation in political blogs; benchmarking loaded-language "
            "and stance methods. Not intended: judging individual authors, or training models to generate "
            "political content."
        ),
        personal_information=(
            "Posts name public figures and carry their authors' bylines as published. Reader comments are not "
            "released. Authors can have posts or whole blogs removed from every future release (takedown list)."
        ),
        maintenance=(
            f"Maintained by the slant project ({options.homepage or 'see the code repository'}). Releases are "
            "versioned and never changed once published; CHECKSUMS.sha256 verifies the files. Takedown requests "
            "are honoured in the next release. `slant diff-release OLD NEW` lists what changed between releases."
        ),
    )


def _schema_lines(facts: ReleaseFacts) -> list[str]:
    lines: list[str] = []
    for spec in RELEASE_TABLES:
        table = facts.table(spec.name)
        types = dict(table.types)
        lines += [
            f"### `{spec.name}` ({table.rows:,} rows, `{_data_files(table, spec)}`)",
            "",
            spec.description + f" Key: `{', '.join(spec.key)}`.",
            "",
            "| column | type | meaning |",
            "|---|---|---|",
        ]
        lines += [f"| {c.name} | {types.get(c.name, '')} | {c.description} |" for c in spec.columns]
        lines.append("")
    return lines


def citation(facts: ReleaseFacts) -> str:
    """A BibTeX entry for the release."""
    options = facts.options
    year = (facts.last_day or "")[:4] or "n.d."
    key = "slant_" + "".join(c if c.isalnum() else "_" for c in options.version)
    return (
        f"@misc{{{key},\n"
        f"  title = {{{options.name}: political blog posts with loaded-language and stance labels, "
        f"release {options.version}}},\n"
        f"  author = {{{{The slant project}}}},\n"
        f"  year = {{{year}}},\n"
        f"  version = {{{options.version}}},\n"
        f"  howpublished = {{{options.homepage}}}\n"
        "}"
    )


def render_card(facts: ReleaseFacts) -> str:
    """The whole ``README.md``."""
    options = facts.options
    sheet = datasheet(facts)
    header = yaml.safe_dump(_header(facts), sort_keys=False, allow_unicode=True, width=1000)
    sources = ["| source | name | country | leaning | posts | text |", "|---|---|---|---|---|---|"]
    sources += [
        f"| {s.source_id} | {s.name} | {s.country or ''} | {s.leaning or ''} | {s.posts:,} | {s.text_policy} |"
        for s in facts.sources
    ]
    targets = [f"- `{t}`: {n}" + (f" ({k})" if k else "") for t, n, k in facts.targets] or ["- none in this release"]
    body = [
        f"# {options.name} {options.version}",
        "",
        "Political blog posts with machine labels for loaded language (by voice: the blogger's own words or "
        "quoted words) and stance toward named targets, built by slant. Files: Parquet tables under `data/`, "
        "`croissant.json` (MLCommons Croissant), `datapackage.json` (Frictionless Data Package), "
        "`manifest.json` (versions, row counts, runs) and `CHECKSUMS.sha256`.",
        "",
        "## Loading",
        "",
        "```sql",
        "-- DuckDB, from the release directory",
        "SELECT source_id, count(*) FROM read_parquet('data/posts/*/*/*.parquet') GROUP BY 1;",
        "SELECT p.title, s.loaded_score, s.loaded_share_author FROM read_parquet('data/posts/*/*/*.parquet') p",
        "  JOIN 'data/post_scores.parquet' s USING (post_id) ORDER BY s.loaded_score DESC LIMIT 10;",
        "```",
        "",
        "```python",
        "from datasets import load_dataset",
        'posts = load_dataset("parquet", data_files="data/posts/*/*/*.parquet")',
        "```",
        "",
        "## Motivation",
        "",
        sheet.motivation,
        "",
        "## Composition",
        "",
        sheet.composition,
        "",
        *sources,
        "",
        "Stance targets:",
        "",
        *targets,
        "",
        "## Collection process",
        "",
        sheet.collection,
        "",
        "## Labelling",
        "",
        sheet.labelling,
        "",
        "## Known biases",
        "",
        sheet.biases,
        "",
        "## Limitations",
        "",
        sheet.limitations,
        "",
        "## Uses",
        "",
        sheet.uses,
        "",
        "## Personal information",
        "",
        sheet.personal_information,
        "",
        "## Maintenance",
        "",
        sheet.maintenance,
        "",
        "## Tables",
        "",
        *_schema_lines(facts),
        "## License",
        "",
        f"`{options.license}` covers the labels and metadata. The posts' own words remain their authors'; "
        "the text policy above says how much of them this release carries.",
        "",
        "## Citation",
        "",
        "```bibtex",
        citation(facts),
        "```",
        "",
    ]
    return f"---\n{header}---\n\n" + "\n".join(body)
