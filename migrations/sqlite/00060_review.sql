-- Recertification campaigns: campaigns (one per definition and scheduled
-- period), review items with the frozen snapshot of what was reviewed and
-- their remediation, the reviewers who may decide each item now, and
-- every decision as it was made.

-- +goose Up
CREATE TABLE campaigns (
    id                 TEXT PRIMARY KEY,
    definition         TEXT NOT NULL,
    definition_version TEXT NOT NULL DEFAULT '',
    parameters         TEXT NOT NULL DEFAULT '{}',
    period             TEXT NOT NULL,
    kind               TEXT NOT NULL,
    state              TEXT NOT NULL,
    stage              INTEGER NOT NULL DEFAULT 0,
    stages             INTEGER NOT NULL DEFAULT 1,
    gen_cursor         TEXT NOT NULL DEFAULT '',
    generated          INTEGER NOT NULL DEFAULT 0,
    started_by         TEXT NOT NULL DEFAULT '',
    subject_id         TEXT NOT NULL DEFAULT '',
    mover_event        INTEGER NOT NULL DEFAULT 0,
    started_at         TIMESTAMP NOT NULL,
    stage_due_at       TIMESTAMP NOT NULL,
    due_at             TIMESTAMP NOT NULL,
    closed_at          TIMESTAMP NULL,
    report             TEXT NOT NULL DEFAULT '[]',
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
-- Exactly one campaign per definition and scheduled period.
CREATE UNIQUE INDEX campaigns_period_idx ON campaigns (definition, period);
CREATE INDEX campaigns_state_due_idx ON campaigns (state, stage_due_at);

CREATE TABLE review_items (
    id                       INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id              TEXT NOT NULL REFERENCES campaigns (id),
    grant_id                 TEXT NOT NULL DEFAULT '',
    nhi_id                   TEXT NOT NULL DEFAULT '',
    holder_id                TEXT NOT NULL DEFAULT '',
    holder_nhi_id            TEXT NOT NULL DEFAULT '',
    item_id                  TEXT NOT NULL DEFAULT '',
    snapshot                 TEXT NOT NULL DEFAULT '{}',
    definition_version       TEXT NOT NULL DEFAULT '',
    stage                    INTEGER NOT NULL DEFAULT 0,
    reviewer_ids             TEXT NOT NULL DEFAULT '[]',
    route                    TEXT NOT NULL DEFAULT '',
    recommendation           TEXT NOT NULL,
    reason                   TEXT NOT NULL DEFAULT '',
    state                    TEXT NOT NULL,
    decision                 TEXT NOT NULL DEFAULT '',
    justification            TEXT NOT NULL DEFAULT '',
    decided_by               TEXT NOT NULL DEFAULT '',
    decided_issuer           TEXT NOT NULL DEFAULT '',
    decided_subject          TEXT NOT NULL DEFAULT '',
    decided_at               TIMESTAMP NULL,
    defaulted                BOOLEAN NOT NULL DEFAULT FALSE,
    escalated                BOOLEAN NOT NULL DEFAULT FALSE,
    reassigned               INTEGER NOT NULL DEFAULT 0,
    remediation_state        TEXT NOT NULL DEFAULT '',
    remediation_requested_at TIMESTAMP NULL,
    remediation_fulfilled_at TIMESTAMP NULL,
    remediation_adapter      TEXT NOT NULL DEFAULT '',
    remediation_verified_at  TIMESTAMP NULL,
    remediation_verified_run INTEGER NOT NULL DEFAULT 0,
    remediation_failed_at    TIMESTAMP NULL,
    remediation_error        TEXT NOT NULL DEFAULT '',
    remediation_escalated_at TIMESTAMP NULL,
    remediation_source       TEXT NOT NULL DEFAULT '',
    version                  INTEGER NOT NULL DEFAULT 1,
    created_at               TIMESTAMP NOT NULL,
    updated_at               TIMESTAMP NOT NULL
);
-- One item per grant or NHI and campaign: generation cannot duplicate.
CREATE UNIQUE INDEX review_items_subject_idx ON review_items (campaign_id, grant_id, nhi_id);
CREATE INDEX review_items_campaign_idx ON review_items (campaign_id, id);
CREATE INDEX review_items_remediation_idx ON review_items (remediation_state) WHERE remediation_state <> '';

CREATE TABLE review_item_reviewers (
    item_id     INTEGER NOT NULL REFERENCES review_items (id),
    campaign_id TEXT NOT NULL,
    person_id   TEXT NOT NULL,
    PRIMARY KEY (item_id, person_id)
);
CREATE INDEX review_item_reviewers_person_idx ON review_item_reviewers (campaign_id, person_id, item_id);

CREATE TABLE review_decisions (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id               INTEGER NOT NULL REFERENCES review_items (id),
    campaign_id           TEXT NOT NULL,
    stage                 INTEGER NOT NULL,
    decision              TEXT NOT NULL,
    reviewer_id           TEXT NOT NULL,
    issuer                TEXT NOT NULL DEFAULT '',
    subject               TEXT NOT NULL DEFAULT '',
    justification         TEXT NOT NULL DEFAULT '',
    recommendation_shown  TEXT NOT NULL DEFAULT '',
    reason_shown          TEXT NOT NULL DEFAULT '',
    defaulted             BOOLEAN NOT NULL DEFAULT FALSE,
    reassign_to           TEXT NOT NULL DEFAULT '',
    previous_reviewer_ids TEXT NOT NULL DEFAULT '[]',
    created_at            TIMESTAMP NOT NULL
);
CREATE INDEX review_decisions_item_idx ON review_decisions (item_id, id);
CREATE INDEX review_decisions_campaign_idx ON review_decisions (campaign_id, id);

-- +goose Down
DROP TABLE review_decisions;
DROP TABLE review_item_reviewers;
DROP TABLE review_items;
DROP TABLE campaigns;
