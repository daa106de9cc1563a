-- Indexes no query reads any more, now that the dashboard counts from the
-- roll-ups of 0018 (issue 12). Each cost a write on every step (the event's
-- to_status) or on every SMS status change (the outbox's channel/created
-- index carried the status), and at a million applications about 0.55 GB
-- of the 7.3 GB database was events_by_to_status alone.
DROP INDEX events_by_to_status;
DROP INDEX outbox_by_channel_created;
