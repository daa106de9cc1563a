-- Failed sign-ins per (account, client address). A guesser is slowed down
-- per pair — after a few failures each further try from that address for
-- that account waits longer — and never locks the account: the officer at
-- another address signs in as usual. The administrator sees these rows.
-- `username` is the name as typed, lower-cased (it may name no account, so a
-- 429 does not tell which usernames exist); `address` is the abuse key (an
-- IPv6 address as its /64). Rows untouched for 30 days are purged as new
-- failures are recorded.
CREATE TABLE login_failures (
    username TEXT NOT NULL,
    address TEXT NOT NULL,
    streak INTEGER NOT NULL,                -- failures since the last success (or the last day); sets the wait
    total INTEGER NOT NULL,                 -- every failure kept, for the administrator
    first_failed_at TEXT NOT NULL,
    last_failed_at TEXT NOT NULL,
    PRIMARY KEY (username, address)
) WITHOUT ROWID;
CREATE INDEX login_failures_by_time ON login_failures (last_failed_at);

-- login_attempts now holds only the per-address keys ("ip:<address>"); the
-- account-wide keys ("u:<username>"), which let anyone lock an account, go.
DELETE FROM login_attempts WHERE key LIKE 'u:%';
