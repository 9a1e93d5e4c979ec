-- Pull sources: where each source resumes, and leases so that scheduled
-- work runs once across replicas sharing one database.

-- +goose Up
CREATE TABLE source_states (
    source       TEXT PRIMARY KEY,
    watermark    TEXT NOT NULL DEFAULT '',
    last_full_at TIMESTAMP NULL,
    updated_at   TIMESTAMP NOT NULL
);

CREATE TABLE job_leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE job_leases;
DROP TABLE source_states;
