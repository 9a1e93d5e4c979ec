-- Requests that onboard a non-human identity carry its name and project.

-- +goose Up
ALTER TABLE access_requests ADD COLUMN nhi_name TEXT NOT NULL DEFAULT '';
ALTER TABLE access_requests ADD COLUMN project TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE access_requests DROP COLUMN project;
ALTER TABLE access_requests DROP COLUMN nhi_name;
