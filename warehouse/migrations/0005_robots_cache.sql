-- robots.txt is revalidated with a conditional request; on 304 the stored text is reused.
ALTER TABLE url_state ADD COLUMN body VARCHAR;
