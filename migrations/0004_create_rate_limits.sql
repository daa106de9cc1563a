-- Per-client counters for the public endpoints (submit, track, complain):
-- a fixed window per (bucket, key). Abuse guard without the Rate Limiting
-- binding, which local development does not provide.
CREATE TABLE rate_limits (
    bucket TEXT NOT NULL,                   -- 'submit', 'track', 'track_miss', 'complain', ...
    key TEXT NOT NULL,                      -- client address, or a NIK hash for wrong-NIK tracking
    hits INTEGER NOT NULL,
    window_started TEXT NOT NULL,
    PRIMARY KEY (bucket, key)
) WITHOUT ROWID;
