-- +goose Up
-- The web audit trail filters by actor and by action, newest first.
CREATE INDEX audit_events_actor_idx ON audit_events (actor, seq);
CREATE INDEX audit_events_action_idx ON audit_events (action, seq);

-- +goose Down
DROP INDEX audit_events_action_idx;
DROP INDEX audit_events_actor_idx;
