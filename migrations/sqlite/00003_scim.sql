-- Documents SCIM sources push for their non-human users, and indexes that
-- keep a source's filtered view (userName, displayName lookups) fast.

-- +goose Up
CREATE TABLE scim_nhi_docs (
    nhi_id     TEXT PRIMARY KEY REFERENCES nhis (id),
    source     TEXT NOT NULL,
    raw        BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX scim_nhi_docs_source_idx ON scim_nhi_docs (source, nhi_id);
CREATE INDEX source_links_source_person_idx ON source_links (source, person_id);
CREATE INDEX source_links_user_name_idx ON source_links (source, lower(json_extract(attributes, '$.userName')));
-- Links whose manager reference is pending: identity re-checks them on
-- every batch of the source, which must not scan all of its links.
CREATE INDEX source_links_manager_ref_idx ON source_links (source, external_id) WHERE manager_ref <> '';

-- +goose Down
DROP INDEX source_links_manager_ref_idx;
DROP INDEX source_links_user_name_idx;
DROP INDEX source_links_source_person_idx;
DROP TABLE scim_nhi_docs;
