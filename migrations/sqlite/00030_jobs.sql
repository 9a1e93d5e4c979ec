-- The job runner (internal/jobs): every scheduled and deferred piece of
-- work is a row. (kind, key) is unique, so a periodic job's period or a
-- deferred job's idempotency key is enqueued once however many replicas
-- try. lease_token grows at every claim: a worker's writes and its
-- completion are fenced by it, so a worker whose lease lapsed (and was
-- claimed again) cannot commit.

-- +goose Up
CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT NOT NULL,
    key              TEXT NOT NULL,
    payload          BLOB NOT NULL DEFAULT x'',
    state            TEXT NOT NULL,
    run_at           TIMESTAMP NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    lease_holder     TEXT NOT NULL DEFAULT '',
    lease_token      INTEGER NOT NULL DEFAULT 0,
    lease_expires_at TIMESTAMP NULL,
    created_at       TIMESTAMP NOT NULL,
    finished_at      TIMESTAMP NULL,
    CONSTRAINT jobs_kind_key_uniq UNIQUE (kind, key)
);

-- Claims look for queued jobs due now, and running jobs whose lease lapsed.
CREATE INDEX jobs_due_idx ON jobs (run_at, id) WHERE state = 'queued';
CREATE INDEX jobs_lease_idx ON jobs (lease_expires_at) WHERE state = 'running';
CREATE INDEX jobs_state_idx ON jobs (state, id);

-- +goose Down
DROP TABLE jobs;
