-- Directory groups at scale: the digest of the members a source last
-- asserted (a pull skips a group whose members hash the same, and any
-- membership change through the store clears it), and the service
-- accounts (NHIs) that are members of groups: access to review like a
-- person's.

-- +goose Up
ALTER TABLE source_groups ADD COLUMN members_digest TEXT NOT NULL DEFAULT '';
CREATE TABLE group_nhi_members (
    group_id TEXT NOT NULL REFERENCES source_groups (id) ON DELETE CASCADE,
    nhi_id   TEXT NOT NULL REFERENCES nhis (id),
    PRIMARY KEY (group_id, nhi_id)
);
CREATE INDEX group_nhi_members_nhi_id_idx ON group_nhi_members (nhi_id);

-- +goose Down
DROP INDEX group_nhi_members_nhi_id_idx;
DROP TABLE group_nhi_members;
ALTER TABLE source_groups DROP COLUMN members_digest;
