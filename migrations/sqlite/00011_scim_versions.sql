-- A version per SCIM resource a source pushes (a group, a user's link),
-- raised by every write: SCIM's meta.version and ETag, checked against
-- If-Match (RFC 7644 §3.14).

-- +goose Up
ALTER TABLE source_groups ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE source_links ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE source_links DROP COLUMN version;
ALTER TABLE source_groups DROP COLUMN version;
