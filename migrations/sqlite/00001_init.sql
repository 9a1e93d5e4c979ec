-- Initial schema. Times are TIMESTAMP columns holding UTC text written by the
-- driver ("2006-01-02 15:04:05.999999-07:00"), which sorts and round-trips.

-- +goose Up
CREATE TABLE persons (
    id                TEXT PRIMARY KEY,
    user_name         TEXT NOT NULL DEFAULT '',
    email             TEXT NOT NULL DEFAULT '',
    given_name        TEXT NOT NULL DEFAULT '',
    family_name       TEXT NOT NULL DEFAULT '',
    display_name      TEXT NOT NULL DEFAULT '',
    employee_number   TEXT NOT NULL DEFAULT '',
    title             TEXT NOT NULL DEFAULT '',
    department        TEXT NOT NULL DEFAULT '',
    cost_center       TEXT NOT NULL DEFAULT '',
    organization      TEXT NOT NULL DEFAULT '',
    division          TEXT NOT NULL DEFAULT '',
    manager_id        TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL,
    status_changed_at TIMESTAMP NULL,
    status_cause      TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX persons_user_name_idx ON persons (lower(user_name));
CREATE INDEX persons_email_idx ON persons (lower(email));
CREATE INDEX persons_employee_number_idx ON persons (lower(employee_number));
CREATE INDEX persons_manager_id_idx ON persons (manager_id);
CREATE INDEX persons_department_idx ON persons (lower(department));

CREATE TABLE source_links (
    source      TEXT NOT NULL,
    external_id TEXT NOT NULL,
    person_id   TEXT NOT NULL REFERENCES persons (id),
    attributes  TEXT NOT NULL DEFAULT '{}',
    manager_ref TEXT NOT NULL DEFAULT '',
    raw         BLOB NULL,
    asserted_at TIMESTAMP NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (source, external_id)
);
CREATE INDEX source_links_person_id_idx ON source_links (person_id);

CREATE TABLE job_function_assignments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id    TEXT NOT NULL REFERENCES persons (id),
    job_function TEXT NOT NULL,
    rule         TEXT NOT NULL DEFAULT '',
    valid_from   TIMESTAMP NOT NULL,
    valid_to     TIMESTAMP NULL
);
CREATE INDEX job_function_assignments_person_id_idx ON job_function_assignments (person_id);
-- At most one open assignment per person and job function.
CREATE UNIQUE INDEX job_function_assignments_open_idx
    ON job_function_assignments (person_id, job_function) WHERE valid_to IS NULL;

CREATE TABLE mover_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id     TEXT NOT NULL REFERENCES persons (id),
    old_functions TEXT NOT NULL DEFAULT '[]',
    new_functions TEXT NOT NULL DEFAULT '[]',
    cause         TEXT NOT NULL DEFAULT '',
    occurred_at   TIMESTAMP NOT NULL
);
CREATE INDEX mover_events_person_id_idx ON mover_events (person_id);

CREATE TABLE audit_events (
    seq       INTEGER PRIMARY KEY,
    time      TIMESTAMP NOT NULL,
    actor     TEXT NOT NULL DEFAULT '',
    action    TEXT NOT NULL DEFAULT '',
    target    TEXT NOT NULL DEFAULT '',
    details   TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL UNIQUE,
    hash      TEXT NOT NULL
);

-- The chain head: one row, locked by every appender.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

CREATE TABLE sync_runs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    source           TEXT NOT NULL,
    mode             TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,
    started_at       TIMESTAMP NOT NULL,
    finished_at      TIMESTAMP NULL,
    read_count       INTEGER NOT NULL DEFAULT 0,
    created_count    INTEGER NOT NULL DEFAULT 0,
    updated_count    INTEGER NOT NULL DEFAULT 0,
    unchanged_count  INTEGER NOT NULL DEFAULT 0,
    disabled_count   INTEGER NOT NULL DEFAULT 0,
    terminated_count INTEGER NOT NULL DEFAULT 0,
    rejected_count   INTEGER NOT NULL DEFAULT 0,
    watermark        TEXT NOT NULL DEFAULT '',
    error            TEXT NOT NULL DEFAULT '',
    rejections       TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX sync_runs_source_idx ON sync_runs (source, id);

CREATE TABLE tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    scope        TEXT NOT NULL,
    source       TEXT NOT NULL DEFAULT '',
    hash         BLOB NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP NULL,
    last_used_at TIMESTAMP NULL
);

-- +goose Down
DROP TABLE tokens;
DROP TABLE sync_runs;
DROP TABLE audit_head;
DROP TABLE audit_events;
DROP TABLE mover_events;
DROP TABLE job_function_assignments;
DROP TABLE source_links;
DROP TABLE persons;
