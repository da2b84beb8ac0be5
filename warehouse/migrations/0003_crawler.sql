-- Incremental crawling: previous versions of edited posts, raw-archive references, revalidation.
CREATE TABLE post_versions (
    post_id       VARCHAR NOT NULL,
    version_no    INTEGER NOT NULL,       -- 1 for the first text stored, counting up
    title         VARCHAR,
    text          VARCHAR NOT NULL,
    text_sha256   VARCHAR NOT NULL,
    updated_at    TIMESTAMPTZ,
    seen_run      VARCHAR NOT NULL,       -- last run that saw this version
    replaced_run  VARCHAR NOT NULL,       -- run that found the newer text
    replaced_at   TIMESTAMPTZ NOT NULL
);

ALTER TABLE fetch_log ADD COLUMN warc_file VARCHAR;
ALTER TABLE fetch_log ADD COLUMN warc_offset BIGINT;
ALTER TABLE fetch_log ADD COLUMN warc_length BIGINT;

ALTER TABLE url_state ADD COLUMN last_checked_at TIMESTAMPTZ;
