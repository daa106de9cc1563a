//! The places an application can come from: Wonogiri's 25 kecamatan and
//! 294 villages, for the public form's picker and `GET /api/v1/villages`.

use serde::Serialize;

use super::{AppError, Ctx};
use crate::store::places as store;

#[derive(Debug, Serialize)]
pub struct Village {
    pub code: String,
    pub name: String,
    pub kind: String,
}

#[derive(Debug, Serialize)]
pub struct Kecamatan {
    pub code: String,
    pub name: String,
    pub villages: Vec<Village>,
}

/// Every kecamatan of Wonogiri with its villages, by name. One statement;
/// the list is the seeded Kepmendagri table the submission is checked against.
pub async fn kecamatan_list(ctx: &Ctx) -> Result<Vec<Kecamatan>, AppError> {
    let rows = store::village_list(&ctx.db).await?;
    let mut list: Vec<Kecamatan> = Vec::new();
    for row in rows {
        let village = Village {
            code: row.code,
            name: row.name,
            kind: row.kind,
        };
        match list.last_mut() {
            Some(k) if k.code == row.kecamatan_code => k.villages.push(village),
            _ => list.push(Kecamatan {
                code: row.kecamatan_code,
                name: row.kecamatan_name,
                villages: vec![village],
            }),
        }
    }
    Ok(list)
}
