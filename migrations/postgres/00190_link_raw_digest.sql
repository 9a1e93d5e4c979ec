-- The digest of each link's document (store.RawDigest), written with it,
-- so a full pull compares every record with what its link holds without
-- reading 100,000 documents. NULL for links written before: a pull then
-- reads their document instead.

-- +goose Up
ALTER TABLE source_links ADD COLUMN raw_digest TEXT;

-- +goose Down
ALTER TABLE source_links DROP COLUMN raw_digest;
