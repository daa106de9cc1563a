-- `Idempotency-Key` on POST /api/v1/applications: a client that sends the
-- same key with the same body within 24 hours gets the first answer again
-- (a double tap, a retry after a lost answer, a phone sending a form kept
-- while offline) instead of a second application; the key with another
-- body is refused. Written in the same batch as the application.
CREATE TABLE idempotency_keys (
    key_hash TEXT PRIMARY KEY,              -- SHA-256 of the client's key
    body_sha256 TEXT NOT NULL,              -- of the request body as sent
    registration_number TEXT NOT NULL REFERENCES applications (registration_number),
    response_json TEXT NOT NULL,            -- the 201 answer, as first given
    created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
