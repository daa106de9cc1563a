-- Indexes behind the dashboard and the CSV export (src/store/reports.rs), so
-- each report reads only its time window instead of whole tables.

-- Completed and cancelled per WIB day / per kecamatan over the last 30 days:
-- a range over (to_status, created_at). Events are append-only, so this costs
-- one index insert per step and is never updated.
CREATE INDEX events_by_to_status ON events (to_status, created_at);

-- The export of applications created in a date range, oldest first.
-- created_at never changes, so only the insert pays for it.
CREATE INDEX applications_by_created ON applications (created_at, registration_number);

-- SMS delivery over the last 30 days: a range over (channel, created_at) that
-- also carries the status, so counting never touches the outbox rows.
CREATE INDEX outbox_by_channel_created ON outbox (channel, created_at, status);
