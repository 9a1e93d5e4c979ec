-- Less to maintain per link a directory import writes (issue 13):
-- source_links_manager_ref_idx (links with a manager reference) held
-- nearly every link of a directory source, and no query used it: the
-- pending references identity retries are read through
-- source_links_unresolved_manager_idx (00004), whose condition is the
-- query's.

-- +goose Up
DROP INDEX source_links_manager_ref_idx;

-- +goose Down
CREATE INDEX source_links_manager_ref_idx ON source_links (source, external_id) WHERE manager_ref <> '';
