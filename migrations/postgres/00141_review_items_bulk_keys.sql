-- Campaign generation writes a million review items and their reviewer
-- rows; on PostgreSQL each row's foreign-key check (a trigger per row,
-- per key) cost about a third of the insert. Package review is the only
-- writer: it creates items under the campaign's row lock and their
-- reviewer rows in the same transaction, and never deletes either, so
-- the references are kept by syncd, as every other rule is. SQLite keeps
-- the keys (its checks are cheap and it serves a single node).

-- +goose Up
ALTER TABLE review_items DROP CONSTRAINT IF EXISTS review_items_campaign_id_fkey;
ALTER TABLE review_item_reviewers DROP CONSTRAINT IF EXISTS review_item_reviewers_item_id_fkey;

-- +goose Down
ALTER TABLE review_items ADD CONSTRAINT review_items_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES campaigns (id);
ALTER TABLE review_item_reviewers ADD CONSTRAINT review_item_reviewers_item_id_fkey FOREIGN KEY (item_id) REFERENCES review_items (id);
