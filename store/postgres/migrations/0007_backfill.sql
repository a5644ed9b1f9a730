-- 0007_backfill: an integration's history policy and mark
-- (store.Backfill, as JSON). Integrations created before it keep the
-- zero policy: all history stored, none announced, the mark taken by
-- the first sync that finds none.
ALTER TABLE integrations ADD COLUMN backfill jsonb NOT NULL DEFAULT '{}';
