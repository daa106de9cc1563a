//! Read-only reports for the dashboard and exports (aggregates over applications, events, outbox and fees).
