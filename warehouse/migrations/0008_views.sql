-- The analytical layer: stable views over the tables, documented in docs/schema.md.
-- Label tables keep every model version's rows; these views pick the newest version per post
-- (per post and target for stance) by one rule, `label_versions.recency`:
--   a version's time is models.registered_at, else the earliest scored_at of its rows (when it
--   came into use: the latest would let an old version that still scores outrank a newer one);
--   newest time first, NULL times last, ties broken by model_version, descending.
-- All days are UTC dates, whatever the reader's TimeZone setting.

-- A source may forbid republishing its text (sources file `republish: false`): releases then
-- carry only URLs, metadata, offsets and labels for it.
ALTER TABLE sources ADD COLUMN republish BOOLEAN DEFAULT true;

-- Every model version that has written labels, per task, ranked newest first.
CREATE VIEW label_versions AS
WITH written AS (
    SELECT 'loaded' AS task, model_version, min(scored_at) AS first_scored_at, max(scored_at) AS last_scored_at,
           count(*) AS n_rows
    FROM post_scores GROUP BY model_version
    UNION ALL
    SELECT 'stance', model_version, min(scored_at), max(scored_at), count(*) FROM stances GROUP BY model_version
    UNION ALL
    SELECT 'leaning', model_version, min(scored_at), max(scored_at), count(*) FROM post_leaning GROUP BY model_version
)
SELECT w.task, w.model_version, m.registered_at, w.first_scored_at, w.last_scored_at,
       coalesce(m.registered_at, w.first_scored_at) AS version_at,
       w.n_rows,
       row_number() OVER (
           PARTITION BY w.task
           ORDER BY coalesce(m.registered_at, w.first_scored_at) DESC NULLS LAST, w.model_version DESC
       ) AS recency
FROM written w
LEFT JOIN models m ON m.model_version = w.model_version;

-- One row per live post: metadata, word count, and the newest loaded-language and leaning labels.
CREATE VIEW post_labels AS
WITH loaded AS (
    SELECT ps.*, row_number() OVER (PARTITION BY ps.post_id ORDER BY v.recency) AS pick
    FROM post_scores ps
    JOIN label_versions v ON v.task = 'loaded' AND v.model_version = ps.model_version
), leaning AS (
    SELECT pl.*, row_number() OVER (PARTITION BY pl.post_id ORDER BY v.recency) AS pick
    FROM post_leaning pl
    JOIN label_versions v ON v.task = 'leaning' AND v.model_version = pl.model_version
)
SELECT p.post_id, p.source_id, p.url, p.title, p.author, p.published_at,
       (coalesce(p.published_at, r.started_at) AT TIME ZONE 'UTC')::DATE AS day,
       p.language, p.word_count, s.leaning AS source_leaning,
       l.model_version AS loaded_model_version,
       l.loaded_score, l.loaded, l.loaded_sentence_share,
       l.loaded_share_author, l.loaded_share_quoted,
       l.n_sentences, l.n_sentences_author, l.n_sentences_quoted,
       l.n_spans, l.n_spans_quoted,
       l.spans_name_calling, l.spans_emotive, l.spans_exaggeration, l.spans_dysphemism,
       l.spans_scare_quotes, l.spans_doubt,
       l.scored_at AS loaded_scored_at,
       le.model_version AS leaning_model_version,
       le.label AS leaning, le.confidence AS leaning_confidence, le.p_left, le.p_center, le.p_right
FROM posts p
LEFT JOIN sources s ON s.source_id = p.source_id
LEFT JOIN runs r ON r.run_id = p.first_seen_run
LEFT JOIN loaded l ON l.post_id = p.post_id AND l.pick = 1
LEFT JOIN leaning le ON le.post_id = p.post_id AND le.pick = 1
WHERE p.deleted_at IS NULL;

-- The newest stance per live post and target.
CREATE VIEW post_stances AS
WITH ranked AS (
    SELECT st.*, row_number() OVER (PARTITION BY st.post_id, st.target ORDER BY v.recency) AS pick
    FROM stances st
    JOIN label_versions v ON v.task = 'stance' AND v.model_version = st.model_version
)
SELECT pl.post_id, pl.source_id, pl.day, st.target, t.name AS target_name, t.kind AS target_kind,
       st.label, st.confidence, st.p_favor, st.p_against, st.p_neither,
       st.n_mentions, st.evidence, st.model_version, st.scored_at
FROM ranked st
JOIN post_labels pl ON pl.post_id = st.post_id
LEFT JOIN targets t ON t.target = st.target
WHERE st.pick = 1;

-- Per source and UTC day: volume, loaded language overall and per voice, stance counts per target.
CREATE VIEW source_daily AS
WITH posts_by_day AS (
    SELECT source_id, day,
           count(*) AS posts,
           sum(word_count) AS words,
           count(loaded_model_version) AS scored_posts,
           avg(loaded_score) AS mean_loaded_score,
           sum(n_sentences) FILTER (WHERE loaded_sentence_share IS NOT NULL) AS sentences,
           sum(round(loaded_sentence_share * n_sentences)) AS loaded_sentences,
           sum(n_sentences_author) FILTER (WHERE loaded_share_author IS NOT NULL) AS sentences_author,
           sum(round(loaded_share_author * n_sentences_author)) AS loaded_sentences_author,
           sum(n_sentences_quoted) FILTER (WHERE loaded_share_quoted IS NOT NULL) AS sentences_quoted,
           sum(round(loaded_share_quoted * n_sentences_quoted)) AS loaded_sentences_quoted,
           sum(n_spans) AS spans,
           sum(n_spans_quoted) AS spans_quoted,
           list(DISTINCT loaded_model_version ORDER BY loaded_model_version)
               FILTER (WHERE loaded_model_version IS NOT NULL) AS loaded_model_versions
    FROM post_labels
    GROUP BY source_id, day
), per_target AS (
    SELECT source_id, day, target,
           count(*) FILTER (WHERE label = 'favor') AS favor,
           count(*) FILTER (WHERE label = 'against') AS against,
           count(*) FILTER (WHERE label = 'neither') AS neither
    FROM post_stances
    GROUP BY source_id, day, target
), stances_by_day AS (
    SELECT source_id, day,
           list({'target': target, 'favor': favor, 'against': against, 'neither': neither} ORDER BY target)
               AS stance_counts,
           sum(favor) AS stances_favor, sum(against) AS stances_against, sum(neither) AS stances_neither
    FROM per_target
    GROUP BY source_id, day
)
SELECT d.source_id, d.day, d.posts, d.words, d.scored_posts, d.mean_loaded_score,
       d.sentences, d.loaded_sentences::BIGINT AS loaded_sentences,
       d.loaded_sentences / nullif(d.sentences, 0) AS loaded_sentence_share,
       d.sentences_author, d.loaded_sentences_author::BIGINT AS loaded_sentences_author,
       d.loaded_sentences_author / nullif(d.sentences_author, 0) AS loaded_share_author,
       d.sentences_quoted, d.loaded_sentences_quoted::BIGINT AS loaded_sentences_quoted,
       d.loaded_sentences_quoted / nullif(d.sentences_quoted, 0) AS loaded_share_quoted,
       d.spans, d.spans_quoted,
       coalesce(s.stances_favor, 0) AS stances_favor,
       coalesce(s.stances_against, 0) AS stances_against,
       coalesce(s.stances_neither, 0) AS stances_neither,
       coalesce(s.stance_counts, []) AS stance_counts,
       d.loaded_model_versions
FROM posts_by_day d
LEFT JOIN stances_by_day s ON s.source_id = d.source_id AND s.day = d.day;

-- Loaded terms as the newest model found them in live posts: how often, where, in whose voice, when.
CREATE VIEW loaded_terms AS
SELECT lower(regexp_replace(trim(ls.text), '\s+', ' ', 'g')) AS term,
       ls.category,
       count(*) AS uses,
       count(*) FILTER (WHERE NOT coalesce(ls.is_quote, false)) AS uses_author,
       count(*) FILTER (WHERE ls.is_quote) AS uses_quoted,
       count(DISTINCT ls.post_id) AS posts,
       count(DISTINCT pl.source_id) AS sources,
       list(DISTINCT pl.source_id ORDER BY pl.source_id) AS source_ids,
       min(pl.day) AS first_seen,
       max(pl.day) AS last_seen,
       list(DISTINCT ls.model_version ORDER BY ls.model_version) AS model_versions
FROM loaded_spans ls
JOIN post_labels pl ON pl.post_id = ls.post_id AND pl.loaded_model_version = ls.model_version
GROUP BY ALL;

-- Per run: how long it took, what it fetched, what went wrong, what it changed. From the run's
-- own stats; a run killed before writing them falls back to its fetch_log rows.
CREATE VIEW run_health AS
WITH fetched AS (
    SELECT run_id,
           count(*) AS requests,
           count(*) FILTER (WHERE not_modified) AS not_modified,
           sum(bytes) AS bytes,
           -- a 404 from an API or sitemap probe means the feature is off, not an error
           count(*) FILTER (WHERE error_kind IS NOT NULL
                            AND NOT (status_code = 404 AND role IN ('api', 'sitemap'))) AS errors
    FROM fetch_log
    GROUP BY run_id
)
SELECT r.run_id, r.flow, r.status, r.code_version, r.started_at, r.finished_at,
       date_diff('millisecond', r.started_at, r.finished_at) / 1000.0 AS duration_s,
       coalesce((r.stats ->> 'requests')::BIGINT, f.requests, 0) AS requests,
       coalesce((r.stats ->> 'not_modified')::BIGINT, f.not_modified, 0) AS not_modified,
       coalesce((r.stats ->> 'bytes')::BIGINT, f.bytes, 0) AS bytes,
       coalesce(list_sum(map_values(json_transform(r.stats -> 'errors_by_kind', '"MAP(VARCHAR, BIGINT)"'))),
                f.errors, 0) AS errors,
       json_transform(r.stats -> 'errors_by_kind', '"MAP(VARCHAR, BIGINT)"') AS errors_by_kind,
       coalesce((r.stats -> 'posts' ->> 'new')::BIGINT, (r.stats ->> 'new')::BIGINT) AS posts_new,
       coalesce((r.stats -> 'posts' ->> 'updated')::BIGINT, (r.stats ->> 'updated')::BIGINT) AS posts_updated,
       coalesce((r.stats -> 'posts' ->> 'unchanged')::BIGINT, (r.stats ->> 'unchanged')::BIGINT) AS posts_unchanged,
       (r.stats -> 'posts' ->> 'deleted')::BIGINT AS posts_deleted,
       coalesce((r.stats -> 'posts' ->> 'extraction_failures')::BIGINT, (r.stats ->> 'failures')::BIGINT)
           AS extraction_failures,
       coalesce(len(json_keys(r.stats -> 'hosts_given_up')), 0) AS hosts_given_up
FROM runs r
LEFT JOIN fetched f ON f.run_id = r.run_id;
