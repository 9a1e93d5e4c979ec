-- Web sign-in: server-side browser sessions (only a hash of the session id
-- is stored) and OpenID Connect identities keyed on (issuer, subject).

-- +goose Up
CREATE TABLE web_sessions (
    id_hash      TEXT PRIMARY KEY,
    person_id    TEXT NOT NULL DEFAULT '',
    data         BLOB NULL,
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX web_sessions_expires_at_idx ON web_sessions (expires_at);
CREATE INDEX web_sessions_last_seen_at_idx ON web_sessions (last_seen_at);

CREATE TABLE oidc_identities (
    issuer        TEXT NOT NULL,
    subject       TEXT NOT NULL,
    person_id     TEXT NOT NULL REFERENCES persons (id),
    linked_by     TEXT NOT NULL DEFAULT '',
    linked_value  TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    last_login_at TIMESTAMP NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX oidc_identities_person_id_idx ON oidc_identities (person_id);

-- History views read the audit log by target ("nhi:<id>").
CREATE INDEX audit_events_target_idx ON audit_events (target, seq);

-- +goose Down
DROP INDEX audit_events_target_idx;
DROP TABLE oidc_identities;
DROP TABLE web_sessions;
