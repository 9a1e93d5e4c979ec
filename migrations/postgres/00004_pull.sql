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

-- Managers named by DN resolve through the links' "dn" attribute
-- (identity's FindSourceLinks); without this every lookup scans them all.
CREATE INDEX source_links_dn_idx ON source_links (source, lower((attributes ->> 'dn')), external_id);

-- Links whose manager reference has not resolved yet, which identity
-- retries on every batch (ListUnresolvedManagerLinks).
CREATE INDEX source_links_unresolved_manager_idx ON source_links (source, external_id)
    WHERE manager_ref <> '' AND coalesce((attributes ->> 'manager'), '') = '';

-- +goose Down
DROP INDEX source_links_unresolved_manager_idx;
DROP INDEX source_links_dn_idx;
DROP TABLE job_leases;
DROP TABLE source_states;
