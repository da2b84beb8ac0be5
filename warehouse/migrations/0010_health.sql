-- Health of every source in every nightly run (the gates of docs/operations.md), and the
-- quarantine for batches that failed validation before they were written.
CREATE TABLE source_health (
    run_id           VARCHAR NOT NULL,
    source_id        VARCHAR NOT NULL,
    checked_at       TIMESTAMPTZ NOT NULL,
    posts_found      INTEGER NOT NULL,    -- post candidates its indexes listed (an index answering 304: last night's)
    trailing_median  DOUBLE,              -- median posts_found over the previous 14 runs (NULL: no history)
    processed        INTEGER NOT NULL,    -- pages extracted tonight
    failures         INTEGER NOT NULL,    -- pages that yielded no post
    short_share      DOUBLE,              -- (short or failed) / (processed + failures)
    no_date_share    DOUBLE,
    no_author_share  DOUBLE,
    fallback_share   DOUBLE,              -- page posts whose title or date had to come from the feed or URL
    requests         INTEGER NOT NULL,
    error_rate       DOUBLE,              -- failed requests / requests
    flags            VARCHAR[] NOT NULL,  -- zero_yield, yield_drop, text_collapse, no_dates, ...
    PRIMARY KEY (run_id, source_id)
);

CREATE TABLE quarantine (
    run_id       VARCHAR NOT NULL,
    source_id    VARCHAR,
    url          VARCHAR,
    table_name   VARCHAR NOT NULL,        -- the table whose declared schema the row broke
    reason       VARCHAR NOT NULL,
    payload      JSON,                    -- the offending post's identifying fields
    quarantined_at TIMESTAMPTZ NOT NULL
);
