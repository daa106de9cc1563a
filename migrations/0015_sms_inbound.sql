-- SMS that answer (issue 11): Twilio's incoming-message webhook.
--
-- sms_inbound: one row per inbound MessageSid, written in the same batch as
-- the reply's outbox row, so a webhook Twilio delivers twice is answered
-- once (the second insert fails the batch). The text is never kept (a
-- citizen may type a NIK into it); the sender only as a SHA-256 of its E.164
-- form, enough to count the replies it got: at most a few an hour
-- (app::inbound), then silence, so a flood cannot spend our SMS. Rows
-- older than a day serve neither purpose: the retention purge removes them.
CREATE TABLE sms_inbound (
    message_sid TEXT PRIMARY KEY,
    sender_sha256 TEXT NOT NULL,
    replied INTEGER NOT NULL CHECK (replied IN (0, 1)),
    received_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX sms_inbound_replies ON sms_inbound (sender_sha256, received_at) WHERE replied = 1;
CREATE INDEX sms_inbound_by_age ON sms_inbound (received_at);

-- Numbers that sent BERHENTI (or STOP): optional messages
-- (domain::messages::SmsTemplate::is_essential) are not sent to them; the
-- consumer marks such a row failed, saying why. MULAI (or START) deletes
-- the row.
CREATE TABLE sms_opt_outs (
    phone TEXT PRIMARY KEY,                 -- E.164, as the outbox's recipient
    created_at TEXT NOT NULL
) WITHOUT ROWID;
