-- Cleaning and segmentation: voice per sentence, comments apart from posts, metadata provenance,
-- access status, and near-duplicate links.
ALTER TABLE posts ADD COLUMN access VARCHAR;             -- public | paid | members | unknown
ALTER TABLE posts ADD COLUMN metadata_sources JSON;      -- field -> where its value came from

ALTER TABLE sentences ADD COLUMN speaker VARCHAR;
ALTER TABLE sentences ADD COLUMN voice VARCHAR;          -- author | quoted | mixed
ALTER TABLE sentences ADD COLUMN quoted_share DOUBLE;

CREATE TABLE comments (
    post_id      VARCHAR NOT NULL,
    comment_no   INTEGER NOT NULL,
    author       VARCHAR,
    published_at TIMESTAMPTZ,
    text         VARCHAR NOT NULL
);

CREATE TABLE post_fingerprints (
    post_id   VARCHAR PRIMARY KEY,
    signature UBIGINT[] NOT NULL                         -- MinHash, 128 values
);

CREATE TABLE post_bands (
    post_id VARCHAR NOT NULL,
    band    SMALLINT NOT NULL,
    bucket  BIGINT NOT NULL
);

CREATE TABLE post_duplicates (
    post_id      VARCHAR NOT NULL,                       -- the later copy
    duplicate_of VARCHAR NOT NULL,                       -- the earlier original
    similarity   DOUBLE NOT NULL,                        -- 1.0 for identical text
    kind         VARCHAR NOT NULL                        -- exact | near
);
