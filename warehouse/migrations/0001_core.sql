-- The core contract: table and column names here are stable; later migrations only add.
CREATE TABLE sources (
    source_id  VARCHAR PRIMARY KEY,
    name       VARCHAR NOT NULL,
    url        VARCHAR NOT NULL,
    feed_url   VARCHAR,
    platform   VARCHAR,
    country    VARCHAR,
    language   VARCHAR,
    leaning    VARCHAR,
    added_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE runs (
    run_id       VARCHAR PRIMARY KEY,
    flow         VARCHAR NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ,
    status       VARCHAR NOT NULL,
    code_version VARCHAR,
    stats        JSON
);

CREATE TABLE fetch_log (
    run_id       VARCHAR NOT NULL,
    url          VARCHAR NOT NULL,
    final_url    VARCHAR,
    status_code  INTEGER,
    bytes        BIGINT,
    elapsed_ms   INTEGER,
    fetched_at   TIMESTAMPTZ NOT NULL,
    not_modified BOOLEAN NOT NULL,
    error        VARCHAR
);

CREATE TABLE posts (
    post_id        VARCHAR PRIMARY KEY,   -- first 16 hex digits of sha256(canonical_url)
    source_id      VARCHAR NOT NULL,
    url            VARCHAR NOT NULL,
    canonical_url  VARCHAR NOT NULL,
    title          VARCHAR,
    author         VARCHAR,
    published_at   TIMESTAMPTZ,
    updated_at     TIMESTAMPTZ,
    tags           VARCHAR[],
    language       VARCHAR,
    text           VARCHAR NOT NULL,
    text_sha256    VARCHAR NOT NULL,
    word_count     INTEGER NOT NULL,
    first_seen_run VARCHAR NOT NULL,
    last_seen_run  VARCHAR NOT NULL,
    deleted_at     TIMESTAMPTZ
);

CREATE TABLE sentences (
    post_id      VARCHAR NOT NULL,
    sentence_no  INTEGER NOT NULL,
    paragraph_no INTEGER NOT NULL,
    start_char   INTEGER NOT NULL,
    end_char     INTEGER NOT NULL,
    text         VARCHAR NOT NULL,
    is_quote     BOOLEAN NOT NULL
);

CREATE TABLE loaded_spans (
    post_id       VARCHAR NOT NULL,
    sentence_no   INTEGER NOT NULL,
    start_char    INTEGER NOT NULL,
    end_char      INTEGER NOT NULL,
    text          VARCHAR NOT NULL,
    category      VARCHAR NOT NULL,
    score         DOUBLE NOT NULL,
    model_version VARCHAR NOT NULL
);

CREATE TABLE post_scores (
    post_id       VARCHAR NOT NULL,
    model_version VARCHAR NOT NULL,
    loaded_score  DOUBLE NOT NULL,
    PRIMARY KEY (post_id, model_version)
);

CREATE TABLE stances (
    post_id       VARCHAR NOT NULL,
    target        VARCHAR NOT NULL,
    label         VARCHAR NOT NULL,
    confidence    DOUBLE,
    model_version VARCHAR NOT NULL
);
