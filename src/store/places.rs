//! Wonogiri's kecamatan and villages (the seeded Kepmendagri table).

use serde::Deserialize;

use super::{Db, StoreResult};

#[derive(Debug, Deserialize)]
pub struct VillageListRow {
    pub kecamatan_code: String,
    pub kecamatan_name: String,
    pub code: String,
    pub name: String,
    pub kind: String,
}

/// Every village with its kecamatan, by kecamatan name then village name.
/// No parameters.
pub async fn village_list(db: &Db) -> StoreResult<Vec<VillageListRow>> {
    db.all(
        "SELECT k.code AS kecamatan_code, k.name AS kecamatan_name, v.code, v.name, v.kind \
         FROM kecamatan k JOIN villages v ON v.kecamatan_code = k.code \
         ORDER BY k.name, v.name",
        &[],
    )
    .await
}
