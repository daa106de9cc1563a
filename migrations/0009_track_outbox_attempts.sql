-- Exactly-once dispatch across crashes (issue 9).
--
-- claimed_at: when the current (or last) claim started; the provider may
--   have taken the message any time after it.
-- doubt_since: set when an attempt ended without an answer we recorded (the
--   consumer died, or the call timed out or broke off): the provider may
--   already have the message. Before the next send the consumer asks the
--   provider for what it received since then. Cleared by any recorded answer.
-- next_attempt_at: when a retrying row is due, so the cron relay picks it up
--   at that time after a restart (and the claim refuses it before).
ALTER TABLE outbox ADD COLUMN claimed_at TEXT;
ALTER TABLE outbox ADD COLUMN doubt_since TEXT;
ALTER TABLE outbox ADD COLUMN next_attempt_at TEXT;

CREATE INDEX outbox_retry_due ON outbox (next_attempt_at) WHERE status = 'retrying';
