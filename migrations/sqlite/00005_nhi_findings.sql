-- Orphan findings of non-human identities with their history, and
-- re-ownership tasks opened when an NHI's owner leaves.

-- +goose Up
CREATE TABLE nhi_findings (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    nhi_id            TEXT NOT NULL REFERENCES nhis (id),
    rule              TEXT NOT NULL,
    reason            TEXT NOT NULL DEFAULT '',
    state             TEXT NOT NULL,
    opened_at         TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    resolved_at       TIMESTAMP NULL,
    ack_by            TEXT NOT NULL DEFAULT '',
    ack_justification TEXT NOT NULL DEFAULT '',
    ack_expires_at    TIMESTAMP NULL
);
-- At most one unresolved finding per NHI and rule; resolved ones stay as history.
CREATE UNIQUE INDEX nhi_findings_live_idx ON nhi_findings (nhi_id, rule) WHERE state <> 'resolved';
CREATE INDEX nhi_findings_state_idx ON nhi_findings (state, rule);

CREATE TABLE nhi_finding_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    finding_id BIGINT NOT NULL REFERENCES nhi_findings (id),
    at         TIMESTAMP NOT NULL,
    kind       TEXT NOT NULL,
    actor      TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX nhi_finding_events_finding_idx ON nhi_finding_events (finding_id, id);

CREATE TABLE nhi_tasks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    nhi_id          TEXT NOT NULL REFERENCES nhis (id),
    former_owner_id TEXT NOT NULL DEFAULT '',
    route           TEXT NOT NULL,
    assignee_id     TEXT NOT NULL DEFAULT '',
    assignee_team   TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    deadline        TIMESTAMP NOT NULL,
    closed_at       TIMESTAMP NULL,
    closed_by       TEXT NOT NULL DEFAULT '',
    new_owner_id    TEXT NOT NULL DEFAULT '',
    action          TEXT NOT NULL DEFAULT ''
);
-- At most one open task per NHI.
CREATE UNIQUE INDEX nhi_tasks_open_idx ON nhi_tasks (nhi_id) WHERE state = 'open';
CREATE INDEX nhi_tasks_assignee_idx ON nhi_tasks (assignee_id, state);
CREATE INDEX nhi_tasks_deadline_idx ON nhi_tasks (state, deadline);

-- +goose Down
DROP TABLE nhi_tasks;
DROP TABLE nhi_finding_events;
DROP TABLE nhi_findings;
