//! Applications, their services and checklist, events, outbox rows and the
//! access log: the application row and its loading here; writing a step in
//! `write`, the reads for staff and citizens in `read`, the queue and list
//! pages in `queue`. A step is written as one batch: the application row
//! (guarded by its version), its event and its outbox rows commit together
//! or not at all (see the trigger in migrations/0001_create_schema.sql).

mod queue;
mod read;
mod write;

pub use queue::*;
pub use read::*;
pub use write::*;

use serde::Deserialize;
use worker::D1PreparedStatement;

use crate::store::Timestamp;

use super::{limits, text, Db, StoreError, StoreResult};
use crate::domain::application::{Channel, DeliveryMethod, Subject};
use crate::domain::ids::{PhoneNumber, RegistrationNumber, VerificationCode, VillageCode};
use crate::domain::papers::Papers;
use crate::domain::products::{self, ProductKind, ProductState, StoredFile};
use crate::domain::roles::Role;
use crate::domain::services::Service;
use crate::domain::workflow::{ApplicationState, Status};

#[derive(Debug, Deserialize)]
pub struct VillageRow {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub kecamatan_code: String,
    pub kecamatan_name: String,
}

/// Params: ?1 village code.
const FIND_VILLAGE: &str =
    "SELECT v.code, v.name, v.kind, v.kecamatan_code, k.name AS kecamatan_name \
     FROM villages v JOIN kecamatan k ON k.code = v.kecamatan_code WHERE v.code = ?1";

pub async fn find_village(db: &Db, code: &VillageCode) -> StoreResult<Option<VillageRow>> {
    db.first(FIND_VILLAGE, &[text(code.as_str())]).await
}

/// `find_village` and one abuse counter in the same round trip: a citizen's
/// submission counts its phone number's SMS for the day with it.
pub async fn find_village_counting(
    db: &Db,
    code: &VillageCode,
    now: &str,
    counter: &limits::Counter<'_>,
) -> StoreResult<(Option<VillageRow>, Option<limits::Hits>)> {
    let results = db
        .batch(vec![
            db.prepare(FIND_VILLAGE, &[text(code.as_str())])?,
            limits::statement(db, now, counter)?,
        ])
        .await?;
    Ok((results.one(0)?, results.one(1)?))
}

#[derive(Debug, Deserialize)]
pub struct ApplicationRow {
    pub registration_number: String,
    pub status: Status,
    pub version: i64,
    pub awaiting_role: Option<Role>,
    pub status_since: Timestamp,
    pub applicant_nik: String,
    pub applicant_name: String,
    pub applicant_phone: String,
    pub applicant_address: String,
    pub village_code: String,
    pub village_name: Option<String>,
    pub kecamatan_name: Option<String>,
    pub subject_json: String,
    pub delivery_method: DeliveryMethod,
    pub delivery_address: Option<String>,
    pub channel: Channel,
    pub siak_reference: Option<String>,
    pub submitted_by: Option<i64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Comma-separated service codes.
    pub services: Option<String>,
    /// The stored product rows as a JSON array (see [`ProductRow`]).
    pub products_json: Option<String>,
    /// Where the citizen's physical papers are (NULL: with the citizen).
    pub papers: Option<Papers>,
    /// Once its history went to the R2 archive (`store::archive`): the WIB
    /// date and what the history came to, for the record page.
    pub archived: Option<String>,
}

/// One stored product (migrations/0011_create_products.sql).
#[derive(Debug, Deserialize)]
pub struct ProductRow {
    pub kind: ProductKind,
    pub document_number: Option<String>,
    pub draft_key: Option<String>,
    pub draft_sha256: Option<String>,
    pub draft_size: Option<u64>,
    pub validated: i64,
    pub signed_code: Option<String>,
}

impl ProductRow {
    fn to_state(&self) -> StoreResult<ProductState> {
        let draft = match (&self.draft_key, &self.draft_sha256) {
            (Some(key), Some(sha256)) => Some(StoredFile {
                object_key: key.clone(),
                sha256: sha256.clone(),
                size: self.draft_size.unwrap_or_default(),
            }),
            _ => None,
        };
        let signed = match &self.signed_code {
            Some(code) => {
                Some(VerificationCode::parse(code).map_err(|_| corrupt("signed_code", code))?)
            }
            None => None,
        };
        Ok(ProductState {
            kind: self.kind,
            document_number: self.document_number.clone(),
            draft,
            validated: self.validated != 0,
            signed,
        })
    }
}

const APPLICATION_COLUMNS: &str = "a.registration_number, a.status, a.version, a.awaiting_role, a.status_since, \
    a.applicant_nik, a.applicant_name, a.applicant_phone, a.applicant_address, a.village_code, \
    v.name AS village_name, k.name AS kecamatan_name, a.subject_json, a.delivery_method, a.delivery_address, \
    a.channel, a.siak_reference, a.submitted_by, a.created_at, a.updated_at, a.papers, \
    strftime('%d/%m/%Y', a.archived_at, '+7 hours') || ' (' || a.archive_summary || ')' AS archived, \
    (SELECT group_concat(s.service) FROM application_services s \
      WHERE s.registration_number = a.registration_number) AS services, \
    (SELECT json_group_array(json_object('kind', p.kind, 'document_number', p.document_number, \
        'draft_key', p.draft_key, 'draft_sha256', p.draft_sha256, 'draft_size', p.draft_size, \
        'validated', p.validated, 'signed_code', p.signed_code)) \
      FROM products p WHERE p.registration_number = a.registration_number) AS products_json";

const APPLICATION_FROM: &str = "FROM applications a
    LEFT JOIN villages v ON v.code = a.village_code
    LEFT JOIN kecamatan k ON k.code = v.kecamatan_code";

/// The services of a `group_concat(service)` column.
pub(super) fn services_of(column: Option<&str>) -> Vec<Service> {
    column
        .unwrap_or_default()
        .split(',')
        .filter_map(Service::parse)
        .collect()
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::CorruptRow(format!("{what} {value:?}"))
}

impl ApplicationRow {
    pub fn service_list(&self) -> Vec<Service> {
        services_of(self.services.as_deref())
    }

    /// The papers this application needs on `today` (its services', less
    /// what the child's age rules out).
    pub fn required_papers(&self, today: chrono::NaiveDate) -> StoreResult<Vec<&'static str>> {
        let born = crate::domain::services::child_born(self.subject()?.birth_date.as_deref());
        Ok(crate::domain::services::required_for(
            &self.service_list(),
            born,
            today,
        ))
    }

    pub fn product_rows(&self) -> StoreResult<Vec<ProductRow>> {
        match self.products_json.as_deref() {
            None => Ok(Vec::new()),
            Some(json) => serde_json::from_slice(json.as_bytes())
                .map_err(|e| StoreError::CorruptRow(format!("products: {e}"))),
        }
    }

    /// Every product of the services, stored or not yet.
    pub fn products(&self) -> StoreResult<Vec<ProductState>> {
        let stored = self
            .product_rows()?
            .iter()
            .map(ProductRow::to_state)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(products::merge(&self.service_list(), stored))
    }

    pub fn subject(&self) -> StoreResult<Subject> {
        serde_json::from_slice(self.subject_json.as_bytes())
            .map_err(|e| StoreError::CorruptRow(format!("subject_json: {e}")))
    }

    /// The part of the row the workflow decides on.
    pub fn to_state(&self) -> StoreResult<ApplicationState> {
        Ok(ApplicationState {
            registration_number: RegistrationNumber::parse(&self.registration_number)
                .map_err(|_| corrupt("registration_number", &self.registration_number))?,
            status: self.status,
            version: self.version,
            village_code: VillageCode::parse(&self.village_code)
                .map_err(|_| corrupt("village_code", &self.village_code))?,
            services: self.service_list(),
            phone: PhoneNumber::parse(&self.applicant_phone)
                .map_err(|_| corrupt("applicant_phone", "…"))?,
            applicant_name: self.applicant_name.clone(),
            applicant_address: self.applicant_address.clone(),
            subject: self.subject()?,
            delivery_method: self.delivery_method,
            delivery_address: self.delivery_address.clone(),
            siak_reference: self.siak_reference.clone(),
            products: self.products()?,
            papers: self.papers,
        })
    }
}

/// Params: ?1 registration number.
pub async fn load(db: &Db, number: &RegistrationNumber) -> StoreResult<Option<ApplicationRow>> {
    db.first(&load_sql(), &[text(number.as_str())]).await
}

/// `load` as a statement, to send in one batch with the session check.
pub fn load_statement(db: &Db, number: &RegistrationNumber) -> StoreResult<D1PreparedStatement> {
    db.prepare(&load_sql(), &[text(number.as_str())])
}

fn load_sql() -> String {
    format!("SELECT {APPLICATION_COLUMNS} {APPLICATION_FROM} WHERE a.registration_number = ?1")
}
