//! Every SQL statement and row mapping: the only code that knows D1. Each
//! query documents its parameters. `Db` counts round trips and statements per
//! request so the budget of DESIGN.md (at most 3 round trips) is measured,
//! not hoped for; the counts go out in `X-D1-Round-Trips` / `X-D1-Statements`.

pub mod access_log;
pub mod alerts;
pub mod api_keys;
pub mod applications;
pub mod archive;
pub mod backup;
pub mod complaints;
pub mod dispatch;
pub mod documents;
pub mod health;
pub mod inbound;
pub mod limits;
pub mod outbox;
pub mod places;
pub mod products;
pub mod recover;
pub mod reports;
pub mod self_print;
pub mod staff;
pub mod timestamp;

pub use timestamp::Timestamp;

use std::cell::Cell;

use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result};

/// What went wrong in D1, classified by what the caller must do about it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another transaction moved the application first (the events key or
    /// the version trigger fired): the whole batch was rolled back.
    #[error("the application changed concurrently")]
    Conflict,
    /// A freshly generated registration number already exists.
    #[error("registration number already taken")]
    DuplicateRegistrationNumber,
    /// A unique value (e.g. a username) is taken.
    #[error("unique constraint: {0}")]
    Unique(String),
    #[error("D1: {0}")]
    Database(String),
    #[error("stored row does not parse: {0}")]
    CorruptRow(String),
}

impl StoreError {
    fn classify(err: worker::Error) -> StoreError {
        let message = err.to_string();
        if message.contains("stale_version")
            || message.contains("UNIQUE constraint failed: events.")
        {
            StoreError::Conflict
        } else if message.contains("UNIQUE constraint failed: applications.registration_number") {
            StoreError::DuplicateRegistrationNumber
        } else if message.contains("UNIQUE constraint failed") {
            StoreError::Unique(message)
        } else {
            StoreError::Database(message)
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

pub struct Db {
    d1: D1Database,
    round_trips: Cell<u32>,
    statements: Cell<u32>,
}

/// A bound parameter.
pub fn text(value: &str) -> JsValue {
    JsValue::from_str(value)
}

pub fn int(value: i64) -> JsValue {
    JsValue::from_f64(value as f64)
}

pub fn opt_text(value: Option<&str>) -> JsValue {
    value.map(JsValue::from_str).unwrap_or(JsValue::NULL)
}

pub fn opt_int(value: Option<i64>) -> JsValue {
    value.map(int).unwrap_or(JsValue::NULL)
}

impl Db {
    pub fn new(d1: D1Database) -> Db {
        Db {
            d1,
            round_trips: Cell::new(0),
            statements: Cell::new(0),
        }
    }

    pub fn round_trips(&self) -> u32 {
        self.round_trips.get()
    }

    pub fn statements(&self) -> u32 {
        self.statements.get()
    }

    fn count(&self, statements: usize) {
        self.round_trips.set(self.round_trips.get() + 1);
        self.statements
            .set(self.statements.get() + statements as u32);
    }

    pub fn prepare(&self, sql: &str, params: &[JsValue]) -> StoreResult<D1PreparedStatement> {
        self.d1
            .prepare(sql)
            .bind(params)
            .map_err(StoreError::classify)
    }

    /// One statement, first row.
    pub async fn first<T: DeserializeOwned>(
        &self,
        sql: &str,
        params: &[JsValue],
    ) -> StoreResult<Option<T>> {
        match self.first_row(sql, params).await? {
            None => Ok(None),
            Some(row) => serde_wasm_bindgen::from_value(row.0)
                .map(Some)
                .map_err(|e| StoreError::CorruptRow(e.to_string())),
        }
    }

    /// The statement's first row as D1 gave it: the round trip is one
    /// piece of code for every row type, only the reading is per type.
    async fn first_row(&self, sql: &str, params: &[JsValue]) -> StoreResult<Option<JsRow>> {
        let stmt = self.prepare(sql, params)?;
        self.count(1);
        stmt.first::<JsRow>(None)
            .await
            .map_err(StoreError::classify)
    }

    /// One statement, all rows.
    pub async fn all<T: DeserializeOwned>(
        &self,
        sql: &str,
        params: &[JsValue],
    ) -> StoreResult<Vec<T>> {
        rows(&self.all_result(sql, params).await?)
    }

    async fn all_result(&self, sql: &str, params: &[JsValue]) -> StoreResult<D1Result> {
        let stmt = self.prepare(sql, params)?;
        self.count(1);
        stmt.all().await.map_err(StoreError::classify)
    }

    /// One statement whose result is ignored (inserts, deletes).
    pub async fn run(&self, sql: &str, params: &[JsValue]) -> StoreResult<()> {
        let stmt = self.prepare(sql, params)?;
        self.count(1);
        stmt.run().await.map_err(StoreError::classify).map(|_| ())
    }

    /// Several statements in one round trip and one transaction: a failing
    /// statement rolls back all of them.
    pub async fn batch(&self, statements: Vec<D1PreparedStatement>) -> StoreResult<Batch> {
        self.count(statements.len());
        self.d1
            .batch(statements)
            .await
            .map(Batch)
            .map_err(StoreError::classify)
    }
}

/// The one-integer row (`… AS n`): every statement that reads a single
/// count or id shares this one row reader (each row type costs the wasm
/// its own, about half a kilobyte).
#[derive(serde::Deserialize)]
pub(crate) struct N {
    pub n: i64,
}

/// The one row shape of the dashboard's tallies in `store::reports`
/// (statuses, queues, days, SMS, fees, the queues' middles) and of the
/// complaint counts: a key and a count, and where the
/// statement has them an amount (fees) or a time (a queue's oldest). One
/// shape, so the page carries one row reader instead of one per statement
/// (each is about a kilobyte of wasm).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Tally {
    pub key: String,
    pub count: i64,
    pub amount: Option<i64>,
    pub at: Option<String>,
}

/// A row kept as the JavaScript object D1 returned, read into a type later.
#[derive(serde::Deserialize)]
struct JsRow(#[serde(with = "serde_wasm_bindgen::preserve")] JsValue);

/// The results of a batch, one per statement in the order they were sent.
/// Read them by the statement's position: `rows(i)` for a list, `one(i)`
/// for at most one row.
pub struct Batch(Vec<D1Result>);

impl std::ops::Deref for Batch {
    type Target = [D1Result];

    fn deref(&self) -> &[D1Result] {
        &self.0
    }
}

impl Batch {
    /// The rows of statement `i`. A batch always has one result per
    /// statement, so a missing one is a corrupt answer, not an empty list.
    pub fn rows<T: DeserializeOwned>(&self, i: usize) -> StoreResult<Vec<T>> {
        let result = self
            .0
            .get(i)
            .ok_or_else(|| StoreError::CorruptRow(format!("batch has no result {i}")))?;
        rows(result)
    }

    /// The last row of statement `i`, if it returned any.
    pub fn one<T: DeserializeOwned>(&self, i: usize) -> StoreResult<Option<T>> {
        Ok(self.rows(i)?.pop())
    }

    /// The outbox rows the batch created, from the `RETURNING outbox_id,
    /// outbox_channel` clauses of its outbox inserts (other statements'
    /// rows do not have those columns and are skipped).
    pub fn created_outbox(&self) -> Vec<outbox::NewOutboxRow> {
        outbox::created_rows(&self.0)
    }
}

pub fn rows<T: DeserializeOwned>(result: &D1Result) -> StoreResult<Vec<T>> {
    result
        .results::<T>()
        .map_err(|e| StoreError::CorruptRow(e.to_string()))
}
