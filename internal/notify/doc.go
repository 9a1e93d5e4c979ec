// Package notify delivers the notifications that syncd's state changes
// record (store.Notification, written in the same transaction as the
// change: the transactional outbox) as e-mail over SMTP and as chat
// webhook messages (Slack- and Teams-compatible incoming webhooks).
//
// A periodic dispatch job files each new notification, per channel, into
// a digest: one message per channel, person, kind, subject and UTC day, so
// a reviewer with 300 items in a campaign gets one mail, and nobody is
// reached twice a day about the same thing (a notice arriving after the
// day's message went out waits for the next day's digest). Each digest is
// sent by one deferred job (kind "notify.deliver", keyed by the digest)
// with retries and backoff; the digest records its attempts and last
// error. Just before sending, notifications about something already
// finished (a request decided, a stage's items all decided) are left out.
//
// Delivery is at least once: a worker that crashes after the SMTP server
// accepted a message but before its transaction committed leaves the job
// to be claimed again after its lease, and the message is sent again with
// the same Message-ID (receivers and mail stores that deduplicate by
// Message-ID drop it). A digest is sent at most once per claim of its job,
// so at most MaxAttempts times in total, and exactly once when no worker
// dies between the send and the commit.
package notify
