-- Governed (four-eyes) catalog changes: a change that loosens an item
-- waits here until a second person approves or rejects it.

-- +goose Up
CREATE TABLE catalog_changes (
    id              TEXT PRIMARY KEY,
    item_id         TEXT NOT NULL,
    base_version    INTEGER NOT NULL DEFAULT 0,
    definition      TEXT NOT NULL,
    retired         BOOLEAN NOT NULL DEFAULT FALSE,
    reasons         TEXT NOT NULL DEFAULT '[]',
    proposer        TEXT NOT NULL,
    proposer_person TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL,
    decided_by      TEXT NOT NULL DEFAULT '',
    decided_at      TIMESTAMP WITH TIME ZONE NULL,
    comment         TEXT NOT NULL DEFAULT '',
    applied_version INTEGER NOT NULL DEFAULT 0,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at      TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX catalog_changes_state_idx ON catalog_changes (state, created_at);
CREATE INDEX catalog_changes_item_idx ON catalog_changes (item_id, state);

-- +goose Down
DROP TABLE catalog_changes;
