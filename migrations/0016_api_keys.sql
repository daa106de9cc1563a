-- API keys for partners (the Telunjuk Sakti Android app and others), issued
-- and revoked by the administrator. The secret is shown once, at creation;
-- only its SHA-256 is kept, so a copy of this table submits nothing.
-- Submissions with a key are limited per key (`rate_limits`, bucket
-- 'api_key', key 'key:<id>'), not per client address.
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,                     -- who holds it, e.g. 'Telunjuk Sakti (Android)'
    channel TEXT NOT NULL CHECK (channel IN ('android', 'web')),
    prefix TEXT NOT NULL,                   -- the secret's first characters, to tell keys apart
    secret_sha256 TEXT NOT NULL UNIQUE,     -- lower-case hex of SHA-256(the whole key)
    hourly_limit INTEGER NOT NULL CHECK (hourly_limit BETWEEN 1 AND 10000),
    created_by INTEGER NOT NULL REFERENCES staff (id),
    created_at TEXT NOT NULL,
    last_used_at TEXT,                      -- kept to the minute
    revoked_by INTEGER REFERENCES staff (id),
    revoked_at TEXT
);
