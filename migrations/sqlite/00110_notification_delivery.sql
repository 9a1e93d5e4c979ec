-- Delivery of notifications (internal/notify). The notifications table is
-- the transactional outbox: the state change that causes a notice writes
-- its row in the same transaction. A dispatcher files each notification,
-- per channel, into a digest: one message per (channel, person, kind,
-- subject, UTC day), so a person is reached at most once per kind per
-- subject per day however many notices there are. A digest is sent by one
-- job (kind notify.deliver, key its id) with retries.

-- +goose Up
CREATE TABLE notification_digests (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    channel     TEXT NOT NULL,
    person_id   TEXT NOT NULL REFERENCES persons (id),
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    day         TEXT NOT NULL,
    state       TEXT NOT NULL,
    send_after  TIMESTAMP NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT '',
    sent_at     TIMESTAMP NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    CONSTRAINT notification_digests_key_uniq UNIQUE (channel, person_id, kind, subject, day)
);
CREATE INDEX notification_digests_state_idx ON notification_digests (state, id);

-- One row per notification and channel: filed into a digest, or skipped
-- (digest_id NULL) with the reason.
CREATE TABLE notification_deliveries (
    notification_id INTEGER NOT NULL REFERENCES notifications (id),
    channel         TEXT NOT NULL,
    digest_id       INTEGER NULL REFERENCES notification_digests (id),
    reason          TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (notification_id, channel)
);
CREATE INDEX notification_deliveries_digest_idx ON notification_deliveries (digest_id);

-- The dispatcher reads recent notifications.
CREATE INDEX notifications_created_idx ON notifications (created_at, id);

-- +goose Down
DROP INDEX notifications_created_idx;
DROP TABLE notification_deliveries;
DROP TABLE notification_digests;
