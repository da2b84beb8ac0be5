-- Conditional requests, per-request provenance, and where each post's text came from.
CREATE TABLE url_state (
    url           VARCHAR PRIMARY KEY,
    source_id     VARCHAR NOT NULL,
    role          VARCHAR NOT NULL,        -- post | feed | sitemap
    etag          VARCHAR,
    last_modified VARCHAR,
    body_sha256   VARCHAR,
    fetched_at    TIMESTAMPTZ NOT NULL
);

ALTER TABLE fetch_log ADD COLUMN source_id VARCHAR;
ALTER TABLE fetch_log ADD COLUMN role VARCHAR;
ALTER TABLE fetch_log ADD COLUMN error_kind VARCHAR;

ALTER TABLE posts ADD COLUMN authors VARCHAR[];
ALTER TABLE posts ADD COLUMN text_source VARCHAR;
ALTER TABLE posts ADD COLUMN extractor VARCHAR;

ALTER TABLE loaded_spans ADD COLUMN is_quote BOOLEAN;

ALTER TABLE post_scores ADD COLUMN loaded_sentence_share DOUBLE;
ALTER TABLE post_scores ADD COLUMN n_sentences INTEGER;
ALTER TABLE post_scores ADD COLUMN n_spans INTEGER;
ALTER TABLE post_scores ADD COLUMN scored_at TIMESTAMPTZ;
