-- Catalog items changed through the API: every change is a new version of
-- the item's definition (the API's JSON item shape); the latest version of
-- each item overrides the catalog files.

-- +goose Up
CREATE TABLE catalog_items (
    item_id    TEXT NOT NULL,
    version    INTEGER NOT NULL,
    definition TEXT NOT NULL,
    author     TEXT NOT NULL DEFAULT '',
    retired    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (item_id, version)
);

-- +goose Down
DROP TABLE catalog_items;
