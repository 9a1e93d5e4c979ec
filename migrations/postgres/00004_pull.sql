-- Pull sources: where each source resumes, and leases so that scheduled
-- work runs once across replicas sharing one database.

-- +goose Up
CREATE TABLE source_states (
    source       TEXT COLLATE "C" PRIMARY KEY,
    watermark    TEXT NOT NULL DEFAULT '',
    last_full_at TIMESTAMP WITH TIME ZONE NULL,
    updated_at   TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE job_leases (
    name       TEXT COLLATE "C" PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL
);

-- +goose Down
DROP TABLE job_leases;
DROP TABLE source_states;
