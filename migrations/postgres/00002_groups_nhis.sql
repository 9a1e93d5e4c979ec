-- Groups of persons per source, and non-human identities with their projects.

-- +goose Up
CREATE TABLE source_groups (
    id           TEXT COLLATE "C" PRIMARY KEY,
    source       TEXT NOT NULL,
    external_id  TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    raw          BYTEA NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at   TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE UNIQUE INDEX source_groups_external_id_idx ON source_groups (source, external_id) WHERE external_id <> '';
CREATE UNIQUE INDEX source_groups_display_name_idx ON source_groups (source, lower(display_name));

CREATE TABLE group_members (
    group_id  TEXT COLLATE "C" NOT NULL REFERENCES source_groups (id) ON DELETE CASCADE,
    person_id TEXT COLLATE "C" NOT NULL REFERENCES persons (id),
    PRIMARY KEY (group_id, person_id)
);
CREATE INDEX group_members_person_id_idx ON group_members (person_id);

CREATE TABLE projects (
    id         TEXT COLLATE "C" PRIMARY KEY,
    name       TEXT COLLATE "C" NOT NULL UNIQUE,
    owner_id   TEXT NOT NULL DEFAULT '',
    start_date TIMESTAMP WITH TIME ZONE NULL,
    end_date   TIMESTAMP WITH TIME ZONE NULL,
    status     TEXT NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE nhis (
    id           TEXT COLLATE "C" PRIMARY KEY,
    kind         TEXT NOT NULL,
    name         TEXT NOT NULL,
    source       TEXT NOT NULL,
    external_id  TEXT NOT NULL DEFAULT '',
    environment  TEXT NOT NULL DEFAULT '',
    owner_id     TEXT NOT NULL DEFAULT '',
    owner_ref    TEXT NOT NULL DEFAULT '',
    co_owner_ids JSONB NOT NULL DEFAULT '[]',
    owning_team  TEXT NOT NULL DEFAULT '',
    project_id   TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at   TIMESTAMP WITH TIME ZONE NULL,
    rotated_at   TIMESTAMP WITH TIME ZONE NULL,
    last_used_at TIMESTAMP WITH TIME ZONE NULL
);
CREATE UNIQUE INDEX nhis_external_id_idx ON nhis (source, external_id) WHERE external_id <> '';
CREATE UNIQUE INDEX nhis_name_idx ON nhis (source, name);
CREATE INDEX nhis_owner_id_idx ON nhis (owner_id);
CREATE INDEX nhis_project_id_idx ON nhis (project_id);

-- +goose Down
DROP TABLE nhis;
DROP TABLE projects;
DROP TABLE group_members;
DROP TABLE source_groups;
