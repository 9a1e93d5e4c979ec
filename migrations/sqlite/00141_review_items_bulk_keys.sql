-- PostgreSQL drops the foreign keys of review_items.campaign_id and
-- review_item_reviewers.item_id at this version (their per-row checks
-- cost about a third of generating a campaign there). SQLite keeps them:
-- its checks are cheap, it serves a single node, and dropping a key
-- would mean rebuilding the table. Package review writes both so that
-- the references always hold, on either database.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
