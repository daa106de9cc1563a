-- WhatsApp beside SMS (issue 11).
--
-- notify_channel: how the citizen chose to be told at submission. A step's
-- message to a 'whatsapp' applicant is written with the recipient
-- `whatsapp:+62…` (Twilio's WhatsApp address); it stays an SMS-channel row
-- (same queue, same consumer, same status reports).
ALTER TABLE applications ADD COLUMN notify_channel TEXT NOT NULL DEFAULT 'sms'
    CHECK (notify_channel IN ('sms', 'whatsapp'));

-- fallback_of: the SMS sent instead of a WhatsApp message that failed
-- because the number is not on WhatsApp (or is outside the window, or has no
-- approved template). At most one per WhatsApp row, so a repeated failure
-- report or a consumer retry cannot send the SMS twice. A fallback shares
-- its original's (registration_number, event_seq, position), so the
-- one-row-per-effect index leaves fallbacks out, as it leaves out resends.
ALTER TABLE outbox ADD COLUMN fallback_of INTEGER REFERENCES outbox (id);
CREATE UNIQUE INDEX outbox_one_fallback_each ON outbox (fallback_of) WHERE fallback_of IS NOT NULL;
DROP INDEX outbox_one_per_effect;
CREATE UNIQUE INDEX outbox_one_per_effect ON outbox (registration_number, event_seq, position)
    WHERE resend_of IS NULL AND fallback_of IS NULL;
