-- Ranking a common word joins thousands of FTS matches to guides for the visibility and category
-- filters. Through the table b-tree every lookup loads the wide row (body and body_text); this
-- covering index answers it from a narrow one. Searches name it with INDEXED BY, so a missing
-- index is an error rather than a silent slow plan. (The Postgres migration of the same number
-- moves its tsvector to a narrow table for the same reason.)
CREATE INDEX guides_search_filter ON guides(id, visibility, category);
