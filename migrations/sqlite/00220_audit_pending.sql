-- Audit events written by a transaction but not yet chained (see the
-- PostgreSQL migration and docs/adr/0020). SQLite chains events in the
-- writing transaction, its writers being serialised anyway, so the table
-- stays empty; it exists so both dialects have the same schema.

-- +goose Up
CREATE TABLE audit_pending (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    time    TIMESTAMP NOT NULL,
    actor   TEXT NOT NULL DEFAULT '',
    action  TEXT NOT NULL DEFAULT '',
    target  TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE audit_pending;
