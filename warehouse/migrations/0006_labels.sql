-- Labels: every table a classifier writes, each row naming the model_version that made it.
-- Rows of older model versions are never deleted by a newer model: both stay queryable, and
-- the views (a later migration) pick the newest version per post.

-- The registry of every model that has written labels here, with its model card.
CREATE TABLE models (
    model_version VARCHAR PRIMARY KEY,
    task          VARCHAR NOT NULL,      -- loaded | stance | leaning
    path          VARCHAR,               -- the model directory it was loaded from
    card          JSON,                  -- model_card.json: training data, metrics, threshold
    registered_at TIMESTAMPTZ NOT NULL
);

-- Loaded language per sentence (the sentence rows themselves are model-independent).
CREATE TABLE sentence_scores (
    post_id       VARCHAR NOT NULL,
    sentence_no   INTEGER NOT NULL,
    model_version VARCHAR NOT NULL,
    loaded_score  DOUBLE NOT NULL,       -- calibrated probability that the sentence is loaded
    loaded        BOOLEAN NOT NULL,      -- loaded_score >= the model's stored threshold
    PRIMARY KEY (post_id, sentence_no, model_version)
);

-- Loaded language per post and per voice.
ALTER TABLE post_scores ADD COLUMN loaded BOOLEAN;
ALTER TABLE post_scores ADD COLUMN loaded_share_author DOUBLE;   -- loaded share of the author's own sentences
ALTER TABLE post_scores ADD COLUMN loaded_share_quoted DOUBLE;   -- loaded share of quoted sentences
ALTER TABLE post_scores ADD COLUMN n_sentences_author INTEGER;
ALTER TABLE post_scores ADD COLUMN n_sentences_quoted INTEGER;
ALTER TABLE post_scores ADD COLUMN n_spans_quoted INTEGER;
ALTER TABLE post_scores ADD COLUMN spans_name_calling INTEGER;   -- span counts per category
ALTER TABLE post_scores ADD COLUMN spans_emotive INTEGER;
ALTER TABLE post_scores ADD COLUMN spans_exaggeration INTEGER;
ALTER TABLE post_scores ADD COLUMN spans_dysphemism INTEGER;
ALTER TABLE post_scores ADD COLUMN spans_scare_quotes INTEGER;
ALTER TABLE post_scores ADD COLUMN spans_doubt INTEGER;

-- Targets as configured when the labels were made (targets.yaml, validated).
CREATE TABLE targets (
    target      VARCHAR PRIMARY KEY,     -- the target id from targets.yaml
    name        VARCHAR NOT NULL,
    kind        VARCHAR,                 -- person | party | policy | organisation
    aliases     VARCHAR[],
    links       JSON,                    -- e.g. {"leader_of": "labour"}
    updated_at  TIMESTAMPTZ NOT NULL
);

-- Every sentence mentioning a target.
CREATE TABLE target_mentions (
    post_id     VARCHAR NOT NULL,
    sentence_no INTEGER NOT NULL,
    target      VARCHAR NOT NULL,
    start_char  INTEGER NOT NULL,        -- offsets into posts.text
    end_char    INTEGER NOT NULL,
    how         VARCHAR NOT NULL,        -- alias | pattern | coreference
    is_quote    BOOLEAN
);

-- Stance per mention (the evidence the post-level stance aggregates).
CREATE TABLE mention_stances (
    post_id       VARCHAR NOT NULL,
    sentence_no   INTEGER NOT NULL,
    target        VARCHAR NOT NULL,
    start_char    INTEGER NOT NULL,
    label         VARCHAR NOT NULL,      -- favor | against | neither
    p_favor       DOUBLE NOT NULL,
    p_against     DOUBLE NOT NULL,
    p_neither     DOUBLE NOT NULL,
    is_quote      BOOLEAN,
    model_version VARCHAR NOT NULL
);

-- Stance per post and target (0001 created post_id, target, label, confidence, model_version).
ALTER TABLE stances ADD COLUMN evidence INTEGER[];               -- sentence numbers that decided it
ALTER TABLE stances ADD COLUMN n_mentions INTEGER;
ALTER TABLE stances ADD COLUMN p_favor DOUBLE;
ALTER TABLE stances ADD COLUMN p_against DOUBLE;
ALTER TABLE stances ADD COLUMN p_neither DOUBLE;
ALTER TABLE stances ADD COLUMN scored_at TIMESTAMPTZ;

-- Political leaning per post.
CREATE TABLE post_leaning (
    post_id       VARCHAR NOT NULL,
    model_version VARCHAR NOT NULL,
    label         VARCHAR NOT NULL,      -- left | center | right
    p_left        DOUBLE NOT NULL,
    p_center      DOUBLE NOT NULL,
    p_right       DOUBLE NOT NULL,
    confidence    DOUBLE NOT NULL,
    scored_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (post_id, model_version)
);

-- Leaning per source as a slowly changing dimension: ratings from the sources file (rater
-- named) and the model's monthly aggregate (rater 'slant', method 'model:<version>').
CREATE TABLE source_ratings (
    source_id  VARCHAR NOT NULL,
    rater      VARCHAR NOT NULL,         -- e.g. AllSides, a user's own coding, slant
    rating     VARCHAR NOT NULL,         -- left | center | right (or the rater's own scale)
    method     VARCHAR NOT NULL,         -- sources-file | model:<model_version>
    valid_from TIMESTAMPTZ NOT NULL,
    valid_to   TIMESTAMPTZ               -- NULL: current
);
