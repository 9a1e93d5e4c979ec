-- OIDC Back-Channel Logout names a provider session by its sid: each web
-- session keeps the sid of the sign-in that created it, so a logout token
-- carrying only a sid ends exactly that session.

-- +goose Up
ALTER TABLE web_sessions ADD COLUMN oidc_sid TEXT NOT NULL DEFAULT '';
CREATE INDEX web_sessions_sid_idx ON web_sessions (oidc_sid) WHERE oidc_sid <> '';

-- +goose Down
DROP INDEX web_sessions_sid_idx;
ALTER TABLE web_sessions DROP COLUMN oidc_sid;
