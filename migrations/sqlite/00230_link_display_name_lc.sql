-- PostgreSQL stores and indexes lower(displayName) of a link's attributes
-- in a generated column at this version, for SCIM's displayName filters.
-- SQLite keeps 00090's expression index and computes the value per row in
-- a scan (its scan already meets the goal, and its ALTER TABLE cannot add
-- a stored generated column).

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
