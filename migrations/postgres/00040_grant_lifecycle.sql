-- The grant lifecycle: durable fulfillment and take-back work recorded on
-- the grant (due time, lease with its fencing token, attempts, errors),
-- requests that extend a held grant or record why a re-check refused them,
-- and credentials kept until their requester retrieves them once.

-- +goose Up
ALTER TABLE grants ADD COLUMN work_due_at TIMESTAMP WITH TIME ZONE NULL;
ALTER TABLE grants ADD COLUMN lease_until TIMESTAMP WITH TIME ZONE NULL;
ALTER TABLE grants ADD COLUMN lease_token TEXT NOT NULL DEFAULT '';
ALTER TABLE grants ADD COLUMN fulfillment_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE grants ADD COLUMN takeback_state TEXT NOT NULL DEFAULT '';
ALTER TABLE grants ADD COLUMN takeback_error TEXT NOT NULL DEFAULT '';
ALTER TABLE grants ADD COLUMN takeback_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE grants ADD COLUMN takeback_requested_at TIMESTAMP WITH TIME ZONE NULL;
ALTER TABLE grants ADD COLUMN takeback_done_at TIMESTAMP WITH TIME ZONE NULL;
ALTER TABLE grants ADD COLUMN takeback_adapter TEXT NOT NULL DEFAULT '';
ALTER TABLE grants ADD COLUMN end_state TEXT NOT NULL DEFAULT '';
CREATE INDEX grants_work_due_idx ON grants (work_due_at);
CREATE INDEX grants_holder_item_idx ON grants (holder_id, item_id, state);

ALTER TABLE access_requests ADD COLUMN extends_grant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE access_requests ADD COLUMN state_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX access_requests_beneficiary_item_idx ON access_requests (beneficiary_id, item_id, state);

CREATE TABLE grant_secrets (
    grant_id     TEXT PRIMARY KEY REFERENCES grants (id),
    request_id   TEXT NOT NULL DEFAULT '',
    secret       TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    taken_at     TIMESTAMP WITH TIME ZONE NULL
);

-- +goose Down
DROP TABLE grant_secrets;
DROP INDEX access_requests_beneficiary_item_idx;
ALTER TABLE access_requests DROP COLUMN state_reason;
ALTER TABLE access_requests DROP COLUMN extends_grant_id;
DROP INDEX grants_holder_item_idx;
DROP INDEX grants_work_due_idx;
ALTER TABLE grants DROP COLUMN end_state;
ALTER TABLE grants DROP COLUMN takeback_adapter;
ALTER TABLE grants DROP COLUMN takeback_done_at;
ALTER TABLE grants DROP COLUMN takeback_requested_at;
ALTER TABLE grants DROP COLUMN takeback_attempts;
ALTER TABLE grants DROP COLUMN takeback_error;
ALTER TABLE grants DROP COLUMN takeback_state;
ALTER TABLE grants DROP COLUMN fulfillment_attempts;
ALTER TABLE grants DROP COLUMN lease_token;
ALTER TABLE grants DROP COLUMN lease_until;
ALTER TABLE grants DROP COLUMN work_due_at;
