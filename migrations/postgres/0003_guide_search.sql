-- Search ranking reads every matching guide's tsvector. Kept on the wide guides row it is
-- compressed and often moved out of line, and detoasting it dominated searches for common words
-- (about 6 us a row). It now lives in a narrow table of its own, stored uncompressed and in line
-- up to a full page, with the two columns searches filter on, so ranking touches only this table.
-- A trigger keeps it in step with guides inside the same transaction.

DROP INDEX guides_search;
ALTER TABLE guides DROP COLUMN search;

CREATE TABLE guide_search (
    guide_id   BIGINT   PRIMARY KEY REFERENCES guides(id) ON DELETE CASCADE,
    category   TEXT     NOT NULL,
    visibility TEXT     NOT NULL,
    search     tsvector NOT NULL
) WITH (toast_tuple_target = 8160);
ALTER TABLE guide_search ALTER COLUMN search SET STORAGE MAIN;
CREATE INDEX guide_search_gin ON guide_search USING GIN (search);

-- Title weighs more than body.
CREATE FUNCTION guide_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO guide_search (guide_id, category, visibility, search)
    VALUES (NEW.id, NEW.category, NEW.visibility,
            setweight(to_tsvector('english', NEW.title), 'A') ||
            setweight(to_tsvector('english', NEW.body_text), 'B'))
    ON CONFLICT (guide_id) DO UPDATE
        SET category = excluded.category, visibility = excluded.visibility, search = excluded.search;
    RETURN NULL;
END;
$$;
CREATE TRIGGER guide_search_insert AFTER INSERT ON guides
    FOR EACH ROW EXECUTE FUNCTION guide_search_sync();
CREATE TRIGGER guide_search_update AFTER UPDATE OF title, body_text, category, visibility ON guides
    FOR EACH ROW EXECUTE FUNCTION guide_search_sync();

INSERT INTO guide_search (guide_id, category, visibility, search)
SELECT id, category, visibility,
       setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body_text), 'B')
FROM guides;
