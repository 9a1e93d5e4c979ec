-- What a pulled source last asserted as an NHI's owner, kept apart from
-- the governed owner (owner_id, owner_ref): a re-ownership decided in
-- syncd stands until the source's own owner attribute changes again.
-- Pulled NHIs start with the source's assertion being what they hold.

-- +goose Up
ALTER TABLE nhis ADD COLUMN source_owner_ref TEXT NOT NULL DEFAULT '';
UPDATE nhis SET source_owner_ref = owner_ref WHERE external_id <> '';

-- +goose Down
ALTER TABLE nhis DROP COLUMN source_owner_ref;
