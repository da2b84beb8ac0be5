"""A synthetic labelled warehouse of any size, built in seconds by bulk SQL through the real migrations.

For measuring the report, not for research: every row is generated. Posts are spread over a
year of weeks and over ``sources`` blogs whose loaded language and stance differ by source (and
drift over time for some), so every chart has something to draw. Tables are filled the way the
loader and the classifiers fill them (posts, post_scores with voice shares and category counts,
loaded_spans whose offsets point into the post text, stances, post_leaning, models, runs with
their stats), so the analytical views see them as they would real data. Random numbers come
from ``hash()`` of the row number and a salt: the same arguments give the same warehouse.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from warehouse.db import open_warehouse

LOADED_MODEL = "loaded-synthetic-1.0"
STANCE_MODEL = "stance-synthetic-1.0"
LEANING_MODEL = "leaning-synthetic-1.0"
LEANINGS = ("left", "centre-left", "centre", "centre-right", "right")
TARGETS = (
    ("labour", "Labour Party", "party", -1),
    ("conservatives", "Conservative Party", "party", 1),
    ("libdems", "Liberal Democrats", "party", -1),
    ("reform-uk", "Reform UK", "party", 1),
    ("greens", "Green Party", "party", -1),
    ("starmer", "Keir Starmer", "person", -1),
    ("badenoch", "Kemi Badenoch", "person", 1),
    ("farage", "Nigel Farage", "person", 1),
    ("nhs", "NHS", "organisation", -1),
    ("net-zero", "Net zero", "policy", -1),
    ("immigration", "Immigration policy", "policy", 1),
    ("bbc", "BBC", "organisation", -1),
)
# Ten terms per category with Zipf-like use, so the top terms are clear and the tail is long.
TERMS = {
    "name_calling": (
        "extremists",
        "cronies",
        "zealots",
        "snowflakes",
        "loonies",
        "elites",
        "thugs",
        "grifters",
        "puppets",
        "radicals",
    ),
    "emotive": (
        "disgraceful",
        "shameful",
        "betrayal",
        "outrageous",
        "appalling",
        "heartbreaking",
        "sickening",
        "scandal",
        "cruel",
        "reckless",
    ),
    "exaggeration": (
        "catastrophe",
        "unprecedented",
        "total collapse",
        "worst ever",
        "complete disaster",
        "meltdown",
        "crisis",
        "apocalyptic",
        "devastating",
        "ruin",
    ),
    "dysphemism": ("shambles", "fiasco", "mess", "circus", "farce", "car crash", "rabble", "racket", "sham", "junk"),
    "doubt": (
        "so-called",
        "supposedly",
        "alleged",
        "claims",
        "purported",
        "dubious",
        "questionable",
        "self-styled",
        "apparently",
        "so-named",
    ),
    "scare_quotes": (
        "\u201cexperts\u201d",
        "\u201cfacts\u201d",
        "\u201creform\u201d",
        "\u201cjustice\u201d",
        "\u201cprogress\u201d",
        "\u201cstudies\u201d",
        "\u201cfairness\u201d",
        "\u201csafety\u201d",
        "\u201ccommunity\u201d",
        "\u201cconsultation\u201d",
    ),
}


def _u(expr: str, salt: str) -> str:
    """A uniform number in [0, 1) from ``expr`` and a salt (deterministic)."""
    return f"((hash({expr}, '{salt}') % 1000003) / 1000003.0)"


def build(path: Path, *, posts: int = 10_000, sources: int = 40, weeks: int = 52, nights: int = 60) -> Path:
    """Create the synthetic warehouse at ``path`` (which must not exist yet)."""
    if path.exists():
        raise FileExistsError(path)
    end = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    start = end - timedelta(weeks=weeks)
    con = open_warehouse(path)
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute(
            "INSERT INTO sources (source_id, name, url, platform, country, language, leaning, added_at) "
            "SELECT printf('blog-%02d', i), printf('Synthetic Blog %02d', i), printf('https://blog-%02d.example/', i), "
            "'wordpress', CASE WHEN i % 3 = 0 THEN 'US' ELSE 'GB' END, 'en', "
            f"list_extract({list(LEANINGS)}, (i % 5) + 1), ? FROM range(?) t(i)",
            [start, sources],
        )
        con.execute(
            "INSERT INTO models VALUES (?, 'loaded', NULL, '{}', ?), (?, 'stance', NULL, '{}', ?), "
            "(?, 'leaning', NULL, '{}', ?)",
            [LOADED_MODEL, start, STANCE_MODEL, start, LEANING_MODEL, start],
        )
        con.execute(
            "INSERT INTO targets SELECT * FROM (VALUES "
            + ", ".join(f"('{t}', '{n}', '{k}', ['{n}'], '{{}}', ?)" for t, n, k, _side in TARGETS)
            + ")",
            [start] * len(TARGETS),
        )
        first_night = end - timedelta(days=nights - 1)
        # Runs: one a night; two failed, the latest-but-one killed before writing its stats.
        con.execute(
            f"""INSERT INTO runs
            SELECT printf('run-%04d', i), 'nightly', ?::TIMESTAMPTZ + to_days(i::INTEGER),
                   CASE WHEN i = ? - 2 THEN NULL
                        ELSE ?::TIMESTAMPTZ + to_days(i::INTEGER)
                             + to_seconds((200 + 400 * {_u("i", "dur")})::BIGINT) END,
                   CASE WHEN i = ? - 2 THEN 'abandoned' WHEN i % 23 = 7 THEN 'failed' ELSE 'completed' END,
                   '0.1.0+gsynthetic',
                   CASE WHEN i = ? - 2 THEN NULL ELSE json_object(
                       'sources', ?, 'requests', (900 + 300 * {_u("i", "req")})::INTEGER,
                       'not_modified', (700 + 100 * {_u("i", "nm")})::INTEGER, 'bytes', 50000000,
                       'posts', json_object('new', (120 + 80 * {_u("i", "new")})::INTEGER,
                                            'updated', (10 * {_u("i", "upd")})::INTEGER, 'unchanged', 9000,
                                            'deleted', (3 * {_u("i", "del")})::INTEGER,
                                            'extraction_failures', (5 * {_u("i", "xf")})::INTEGER),
                       'errors_by_kind', json_object('FetchTimeout', (8 * {_u("i", "err")})::INTEGER),
                       'hosts_given_up', json_object()) END
            FROM range(?) t(i)""",
            [first_night, nights, first_night, nights, nights, sources, nights],
        )
        # Spans first (3-8 per post), then each post's text built from them so offsets point into it.
        terms_rows = [(c, r, t) for c, words in TERMS.items() for r, t in enumerate(words, start=1)]
        con.execute("CREATE TEMP TABLE vocab (category VARCHAR, rank INTEGER, term VARCHAR)")
        con.executemany("INSERT INTO vocab VALUES (?, ?, ?)", terms_rows)
        con.execute(
            f"""CREATE TEMP TABLE gen_posts AS
            SELECT i,
                   printf('blog-%02d', (i * 7919) % ?) AS source_id,
                   (i * 7919) % ? AS s,
                   ?::TIMESTAMPTZ + to_seconds(({_u("i", "day")} * ? * 86400)::BIGINT) AS published_at,
                   (3 + 6 * {_u("i", "nspans")})::INTEGER AS n_spans
            FROM range(?) t(i)""",
            [sources, sources, start, weeks * 7, posts],
        )
        categories = list(TERMS)
        con.execute(
            f"""CREATE TEMP TABLE gen_spans AS
            SELECT p.i, k,
                   list_extract(?, 1 + ({_u("p.i * 31 + k", "cat")} * 6)::INTEGER % 6) AS category,
                   -- Zipf-like rank: small ranks far more often
                   1 + floor(10 * pow({_u("p.i * 37 + k", "rank")}, 2.2))::INTEGER AS rank,
                   {_u("p.i * 41 + k", "quote")} < 0.3 AS is_quote,
                   k AS sentence_no
            FROM gen_posts p, range(p.n_spans) r(k)""",
            [categories],
        )
        con.execute(
            """CREATE TEMP TABLE gen_text AS
            SELECT s.i, s.k, s.sentence_no, s.category, s.is_quote, v.term,
                   sum(length(v.term) + 12) OVER (PARTITION BY s.i ORDER BY s.k) - length(v.term) - 12 AS start_char
            FROM gen_spans s JOIN vocab v ON v.category = s.category AND v.rank = s.rank"""
        )
        con.execute(
            f"""INSERT INTO posts (post_id, source_id, url, canonical_url, title, author, published_at, updated_at,
                                   tags, language, text, text_sha256, word_count, first_seen_run, last_seen_run,
                                   authors, text_source, extractor, access)
            SELECT substr(sha256(printf('https://%s.example/p/%d', p.source_id, p.i)), 1, 16),
                   p.source_id,
                   printf('https://%s.example/p/%d', p.source_id, p.i),
                   printf('https://%s.example/p/%d', p.source_id, p.i),
                   printf('Synthetic post %d', p.i), 'A. Writer', p.published_at, NULL, ['politics'], 'en',
                   t.text, sha256(t.text), (200 + 1500 * {_u("p.i", "words")})::INTEGER,
                   printf('run-%04d', 0), printf('run-%04d', 0), ['A. Writer'], 'page', 'synthetic', 'public'
            FROM gen_posts p
            JOIN (SELECT i, string_agg(term || ' is said.  ', '' ORDER BY k) AS text FROM gen_text GROUP BY i) t
              USING (i)"""
        )
        con.execute(
            """INSERT INTO loaded_spans (post_id, sentence_no, start_char, end_char, text, category, score,
                                         model_version, is_quote)
            SELECT substr(sha256(printf('https://%s.example/p/%d', p.source_id, p.i)), 1, 16), t.sentence_no,
                   t.start_char, t.start_char + length(t.term), t.term, t.category, 0.8, ?, t.is_quote
            FROM gen_text t JOIN gen_posts p USING (i)""",
            [LOADED_MODEL],
        )
        # Loaded shares: a source's own level, rising over the year for every fourth source.
        trend = "((epoch(p.published_at) - epoch(?::TIMESTAMPTZ)) / (? * 604800.0))"
        con.execute(
            f"""INSERT INTO post_scores (post_id, model_version, loaded_score, loaded_sentence_share, n_sentences,
                   n_spans, scored_at, loaded, loaded_share_author, loaded_share_quoted, n_sentences_author,
                   n_sentences_quoted, n_spans_quoted, spans_name_calling, spans_emotive, spans_exaggeration,
                   spans_dysphemism, spans_scare_quotes, spans_doubt)
            WITH base AS (
                SELECT p.*, substr(sha256(printf('https://%s.example/p/%d', p.source_id, p.i)), 1, 16) AS post_id,
                       (12 + 50 * {_u("p.i", "nsent")})::INTEGER AS n_sentences,
                       least(0.9, 0.05 + (p.s % 10) * 0.035 + 0.15 * {_u("p.i", "la")}
                             + CASE WHEN p.s % 4 = 0 THEN 0.2 * {trend} ELSE 0 END) AS share_author,
                       least(0.95, 0.15 + (p.s % 7) * 0.05 + 0.2 * {_u("p.i", "lq")}) AS share_quoted
                FROM gen_posts p
            ), sized AS (
                SELECT *, (n_sentences * (0.6 + 0.3 * {_u("i", "auth")}))::INTEGER AS n_author FROM base
            ), counts AS (
                SELECT i, count(*) FILTER (WHERE is_quote) AS quoted,
                       count(*) FILTER (WHERE category = 'name_calling') AS c1,
                       count(*) FILTER (WHERE category = 'emotive') AS c2,
                       count(*) FILTER (WHERE category = 'exaggeration') AS c3,
                       count(*) FILTER (WHERE category = 'dysphemism') AS c4,
                       count(*) FILTER (WHERE category = 'scare_quotes') AS c5,
                       count(*) FILTER (WHERE category = 'doubt') AS c6
                FROM gen_text GROUP BY i
            )
            SELECT post_id, ?, 0.2 + 0.6 * share_author,
                   (round(share_author * n_author) + round(share_quoted * (n_sentences - n_author))) / n_sentences,
                   n_sentences, n_spans, published_at + INTERVAL 1 DAY,
                   share_author >= 0.3,
                   round(share_author * n_author) / n_author,
                   round(share_quoted * (n_sentences - n_author)) / (n_sentences - n_author),
                   n_author, n_sentences - n_author, quoted, c1, c2, c3, c4, c5, c6
            FROM sized JOIN counts USING (i)""",
            [start, weeks, LOADED_MODEL],
        )
        # Stance: two targets per post; a source leans one way (by its leaning), a target sits on a side.
        sides = ", ".join(f"('{t}', {side})" for t, _n, _k, side in TARGETS)
        con.execute(
            f"""INSERT INTO stances (post_id, target, label, confidence, model_version, evidence, n_mentions,
                                     p_favor, p_against, p_neither, scored_at)
            WITH picks AS (
                SELECT p.i, p.s, p.published_at, j,
                       substr(sha256(printf('https://%s.example/p/%d', p.source_id, p.i)), 1, 16) AS post_id,
                       list_extract({[t for t, *_ in TARGETS]},
                                    1 + ((floor({_u("p.i * 3", "tgt")} * {len(TARGETS)})::INTEGER
                                          + j * 5) % {len(TARGETS)})) AS target
                FROM gen_posts p, range(2) r(j)
            ), leaned AS (
                SELECT picks.*, side.side, ((s % 5) - 2) / 2.0 AS source_lean, {_u("i * 7 + j", "stance")} AS u
                FROM picks JOIN (VALUES {sides}) side(target, side) USING (target)
            ), labelled AS (
                SELECT *, 0.5 + 0.4 * source_lean * side AS favor_bias FROM leaned
            )
            SELECT post_id, target,
                   CASE WHEN u < 0.25 THEN 'neither' WHEN u < 0.25 + 0.75 * favor_bias THEN 'favor' ELSE 'against' END,
                   0.7, ?, [0], 1, favor_bias * 0.8, (1 - favor_bias) * 0.8, 0.2, published_at + INTERVAL 1 DAY
            FROM labelled""",
            [STANCE_MODEL],
        )
        con.execute(
            f"""INSERT INTO post_leaning
            SELECT substr(sha256(printf('https://%s.example/p/%d', p.source_id, p.i)), 1, 16), ?,
                   CASE WHEN p.s % 5 < 2 THEN 'left' WHEN p.s % 5 = 2 THEN 'center' ELSE 'right' END,
                   l.pl, l.pc, 1 - l.pl - l.pc, greatest(l.pl, l.pc, 1 - l.pl - l.pc), p.published_at + INTERVAL 1 DAY
            FROM gen_posts p,
                 LATERAL (SELECT CASE WHEN p.s % 5 < 2 THEN 0.6 WHEN p.s % 5 = 2 THEN 0.2 ELSE 0.1 END
                                     + 0.1 * {_u("p.i", "pl")} AS pl,
                                 CASE WHEN p.s % 5 = 2 THEN 0.6 ELSE 0.2 END AS pc) l""",
            [LEANING_MODEL],
        )
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path
