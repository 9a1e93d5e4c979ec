-- Access requests, their policy decision records and approver decisions,
-- grants with their assurance and fulfillment, and notifications.

-- +goose Up
CREATE TABLE access_requests (
    id              TEXT PRIMARY KEY,
    item_id         TEXT NOT NULL,
    requester_id    TEXT NOT NULL REFERENCES persons (id),
    beneficiary_id  TEXT NOT NULL REFERENCES persons (id),
    justification   TEXT NOT NULL DEFAULT '',
    environment     TEXT NOT NULL DEFAULT '',
    start_at        TIMESTAMP NOT NULL,
    end_at          TIMESTAMP NOT NULL,
    state           TEXT NOT NULL,
    catalog_version TEXT NOT NULL,
    decision_id     INTEGER NOT NULL DEFAULT 0,
    stages          TEXT NOT NULL DEFAULT '[]',
    stage           INTEGER NOT NULL DEFAULT 0,
    stage_due       TIMESTAMP NULL,
    approvers       TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX access_requests_requester_idx ON access_requests (requester_id);
CREATE INDEX access_requests_beneficiary_idx ON access_requests (beneficiary_id);
CREATE INDEX access_requests_state_due_idx ON access_requests (state, stage_due);

CREATE TABLE policy_decisions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id      TEXT NOT NULL REFERENCES access_requests (id),
    outcome         TEXT NOT NULL,
    rule            TEXT NOT NULL,
    reasons         TEXT NOT NULL DEFAULT '[]',
    explanation     TEXT NOT NULL,
    catalog_version TEXT NOT NULL,
    inputs          TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX policy_decisions_request_idx ON policy_decisions (request_id);

CREATE TABLE approver_decisions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id  TEXT NOT NULL REFERENCES access_requests (id),
    stage       INTEGER NOT NULL,
    approver_id TEXT NOT NULL REFERENCES persons (id),
    approve     BOOLEAN NOT NULL,
    comment     TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX approver_decisions_once_idx ON approver_decisions (request_id, stage, approver_id);

CREATE TABLE grants (
    id                 TEXT PRIMARY KEY,
    item_id            TEXT NOT NULL,
    holder_id          TEXT NOT NULL REFERENCES persons (id),
    request_id         TEXT NOT NULL DEFAULT '',
    decision_id        INTEGER NOT NULL DEFAULT 0,
    assurance          TEXT NOT NULL,
    approver_ids       TEXT NOT NULL DEFAULT '[]',
    start_at           TIMESTAMP NOT NULL,
    end_at             TIMESTAMP NOT NULL,
    state              TEXT NOT NULL,
    fulfillment_status TEXT NOT NULL DEFAULT 'pending',
    fulfillment_error  TEXT NOT NULL DEFAULT '',
    fulfillment_ref    TEXT NOT NULL DEFAULT '',
    ended_at           TIMESTAMP NULL,
    ended_by           TEXT NOT NULL DEFAULT '',
    end_reason         TEXT NOT NULL DEFAULT '',
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX grants_holder_idx ON grants (holder_id);
CREATE INDEX grants_item_idx ON grants (item_id);
CREATE INDEX grants_state_end_idx ON grants (state, end_at);

CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id  TEXT NOT NULL REFERENCES persons (id),
    kind       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    message    TEXT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    read_at    TIMESTAMP NULL
);
CREATE INDEX notifications_person_idx ON notifications (person_id);

-- +goose Down
DROP TABLE notifications;
DROP TABLE grants;
DROP TABLE approver_decisions;
DROP TABLE policy_decisions;
DROP TABLE access_requests;
