-- Polling the providers for reports we never received (issue 9): a Twilio
-- status callback or a courier report that arrived while the Worker was down
-- is lost, so the cron asks the provider about messages and courier orders
-- stuck past a threshold. One row per polled outbox row (an SMS, or the
-- courier order booked for a courier row): when to ask next (the wait
-- doubles per poll), what the provider last said, and — the reconciliation
-- shows these — what we learnt only by asking.
CREATE TABLE provider_polls (
    outbox_id INTEGER PRIMARY KEY REFERENCES outbox (id),
    polls INTEGER NOT NULL CHECK (polls >= 1),
    last_polled_at TEXT NOT NULL,
    next_poll_at TEXT NOT NULL,
    last_answer TEXT,                       -- the provider's status, or why asking failed
    recovered_status TEXT,                  -- the latest status applied from a poll
    recovered_at TEXT,                      -- when a poll first moved the row forward
    fee_recovered_at TEXT                   -- when a poll recorded the courier's collection
);
CREATE INDEX provider_polls_recovered ON provider_polls (recovered_at) WHERE recovered_at IS NOT NULL;

-- What the poll looks for: SMS with the provider and no final report yet,
-- courier orders not yet at their end.
CREATE INDEX outbox_awaiting_report ON outbox (updated_at)
    WHERE channel = 'sms' AND status IN ('accepted', 'sent');
CREATE INDEX shipments_by_update ON shipments (updated_at);
