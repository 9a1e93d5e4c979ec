-- Requests and grants for a non-human identity (an NHI owner asking for
-- their NHI): the NHI is the beneficiary and holder; the owner stays the
-- accountable person.

-- +goose Up
ALTER TABLE access_requests ADD COLUMN beneficiary_nhi_id TEXT NOT NULL DEFAULT '';
ALTER TABLE grants ADD COLUMN holder_nhi_id TEXT NOT NULL DEFAULT '';
CREATE INDEX grants_holder_nhi_idx ON grants (holder_nhi_id) WHERE holder_nhi_id <> '';

-- +goose Down
DROP INDEX grants_holder_nhi_idx;
ALTER TABLE grants DROP COLUMN holder_nhi_id;
ALTER TABLE access_requests DROP COLUMN beneficiary_nhi_id;
