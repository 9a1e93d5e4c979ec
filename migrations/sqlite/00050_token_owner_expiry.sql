-- Least-privilege tokens: every token names the person it belongs to
-- (revoked with them when they leave) and when it stops working. The
-- scope column now holds a comma-separated list of scopes.
-- Sessions are looked up by person when a person leaves.

-- +goose Up
ALTER TABLE tokens ADD COLUMN owner_id TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN expires_at TIMESTAMP NULL;
CREATE INDEX tokens_owner_idx ON tokens (owner_id) WHERE owner_id <> '';
CREATE INDEX web_sessions_person_idx ON web_sessions (person_id) WHERE person_id <> '';

-- +goose Down
DROP INDEX web_sessions_person_idx;
DROP INDEX tokens_owner_idx;
ALTER TABLE tokens DROP COLUMN expires_at;
ALTER TABLE tokens DROP COLUMN owner_id;
