-- The population a campaign's scope held at its close, evaluated once in
-- the transaction that closed the campaign: the evidence workbook's
-- Population after remediation reads it, whatever changed since.

-- +goose Up
CREATE TABLE campaign_close_evaluations (
    campaign_id  TEXT COLLATE "C" PRIMARY KEY REFERENCES campaigns (id),
    evaluated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    scope        TEXT NOT NULL DEFAULT '',
    rows_written INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE campaign_close_population (
    campaign_id        TEXT COLLATE "C" NOT NULL REFERENCES campaigns (id),
    seq                BIGINT NOT NULL,
    grant_id           TEXT NOT NULL DEFAULT '',
    nhi_id             TEXT NOT NULL DEFAULT '',
    holder_id          TEXT NOT NULL DEFAULT '',
    holder_name        TEXT NOT NULL DEFAULT '',
    employee_number    TEXT NOT NULL DEFAULT '',
    department         TEXT NOT NULL DEFAULT '',
    title              TEXT NOT NULL DEFAULT '',
    manager_id         TEXT NOT NULL DEFAULT '',
    manager_name       TEXT NOT NULL DEFAULT '',
    holder_status      TEXT NOT NULL DEFAULT '',
    item_id            TEXT NOT NULL DEFAULT '',
    item_name          TEXT NOT NULL DEFAULT '',
    item_owner_id      TEXT NOT NULL DEFAULT '',
    item_owner_name    TEXT NOT NULL DEFAULT '',
    risk               TEXT NOT NULL DEFAULT '',
    obtained_by        TEXT NOT NULL DEFAULT '',
    assurance          TEXT NOT NULL DEFAULT '',
    request_id         TEXT NOT NULL DEFAULT '',
    start_at           TIMESTAMP WITH TIME ZONE NOT NULL,
    expiry_at          TIMESTAMP WITH TIME ZONE NULL,
    last_used_at       TIMESTAMP WITH TIME ZONE NULL,
    in_scope           BOOLEAN NOT NULL DEFAULT TRUE,
    review_item_id     BIGINT NOT NULL DEFAULT 0,
    decision           TEXT NOT NULL DEFAULT '',
    remediation_state  TEXT NOT NULL DEFAULT '',
    revoked_still_held BOOLEAN NOT NULL DEFAULT FALSE,
    note               TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (campaign_id, seq)
);

-- +goose Down
DROP TABLE campaign_close_population;
DROP TABLE campaign_close_evaluations;
