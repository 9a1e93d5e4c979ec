-- The campaign workbook lists the requests that extended the grants it
-- reviewed: found by the grant they extend, page by page.

-- +goose Up
CREATE INDEX access_requests_extends_idx ON access_requests (extends_grant_id) WHERE extends_grant_id <> '';

-- +goose Down
DROP INDEX access_requests_extends_idx;
