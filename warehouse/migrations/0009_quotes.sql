-- Quotations found in each post (blockquotes, quotation marks, reported speech, scare quotes),
-- with their speaker. Stored so that relabelling a post with a new model (slant reclassify)
-- puts each loaded span in the same voice as the nightly flow did. Posts stored before this
-- migration have no rows here until they are re-extracted (slant reprocess) or edited.
CREATE TABLE quotes (
    post_id    VARCHAR NOT NULL,
    quote_no   INTEGER NOT NULL,
    start_char INTEGER NOT NULL,         -- offsets into posts.text
    end_char   INTEGER NOT NULL,
    how        VARCHAR NOT NULL,         -- blockquote | quotation_marks | reported_speech | scare_quotes
    speaker    VARCHAR
);
