-- The closed loop of a revoked review item: how many sync runs of the
-- verifying source still showed the access after the take-back (past the
-- definition's limit it is failed and escalated), and why a take-back is
-- not verifiable or why its verification failed.

-- +goose Up
ALTER TABLE review_items ADD COLUMN remediation_checks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE review_items ADD COLUMN remediation_reason TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE review_items DROP COLUMN remediation_reason;
ALTER TABLE review_items DROP COLUMN remediation_checks;
