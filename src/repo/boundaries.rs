//! Writing an imported set of areas and boundaries, all or nothing.

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, TransactionTrait,
};

use crate::entity::{boundary, municipality, prefecture};
use std::collections::HashSet;
use std::path::Path;

use crate::error::{AppResult, ImportError};

/// Refuses the import when stored municipalities are absent from `rows`.
async fn refuse_absent(
    txn: &impl sea_orm::ConnectionTrait,
    rows: &AreaRows,
    file: &Path,
) -> AppResult<()> {
    let given: HashSet<&str> = rows
        .municipalities
        .iter()
        .map(|m| m.code.as_str())
        .collect();
    let absent: Vec<String> = municipality::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|m| m.code)
        .filter(|code| !given.contains(code.as_str()))
        .collect();
    if absent.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = absent.iter().take(10).map(String::as_str).collect();
    Err(ImportError::new(
        file,
        None,
        format!(
            "the file has {} municipalities but lacks {} of those stored ({}{}); import a file \
             of every municipality, or pass --remove-missing to delete the absent ones and \
             their answers",
            given.len(),
            absent.len(),
            shown.join(", "),
            if absent.len() > shown.len() {
                ", …"
            } else {
                ""
            }
        ),
    )
    .into())
}

/// Rows per INSERT: well under SQLite's 32,766 bound variables for the widest table.
const CHUNK: usize = 500;

/// Everything one boundary import writes.
#[derive(Debug, Default)]
pub struct AreaRows {
    /// Prefecture rows.
    pub prefectures: Vec<prefecture::Model>,
    /// Municipality rows.
    pub municipalities: Vec<municipality::Model>,
    /// Boundary rows, both levels.
    pub boundaries: Vec<boundary::Model>,
}

/// Replaces the areas and boundaries with `rows` in one transaction: rows are upserted by code
/// (so later tables that refer to a municipality keep their references), and areas absent from
/// `rows` are deleted. On any error the transaction rolls back and nothing changes.
///
/// Stored municipalities that `rows` lacks are refused, naming them, unless `remove_absent`:
/// a valid file of three features must not silently delete the other 1,744 and orphan their
/// answers.
pub async fn replace(
    db: &DatabaseConnection,
    rows: AreaRows,
    remove_absent: bool,
    file: &Path,
) -> AppResult<()> {
    let txn = db.begin().await?;
    super::version::lock_for_import(&txn).await?;
    if !remove_absent {
        refuse_absent(&txn, &rows, file).await?;
    }

    let prefecture_codes: Vec<String> = rows.prefectures.iter().map(|p| p.code.clone()).collect();
    upsert_prefectures(&txn, &rows).await?;
    replace_municipalities(&txn, &rows).await?;
    prefecture::Entity::delete_many()
        .filter(prefecture::Column::Code.is_not_in(prefecture_codes))
        .exec(&txn)
        .await?;
    replace_boundaries(&txn, &rows).await?;
    super::version::bump(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Prefectures are upserted by code, so that what refers to them keeps its references.
async fn upsert_prefectures(txn: &DatabaseTransaction, rows: &AreaRows) -> AppResult<()> {
    for chunk in rows.prefectures.chunks(CHUNK) {
        prefecture::Entity::insert_many(chunk.iter().cloned().map(|m| prefecture::ActiveModel {
            code: Set(m.code),
            lg_code: Set(m.lg_code),
            name: Set(m.name),
            name_en: Set(m.name_en),
        }))
        .on_conflict(
            OnConflict::column(prefecture::Column::Code)
                .update_columns([
                    prefecture::Column::LgCode,
                    prefecture::Column::Name,
                    prefecture::Column::NameEn,
                ])
                .to_owned(),
        )
        .exec(txn)
        .await?;
    }
    Ok(())
}

/// Municipalities absent from `rows` go; the others are upserted by code.
async fn replace_municipalities(txn: &DatabaseTransaction, rows: &AreaRows) -> AppResult<()> {
    let municipality_codes: Vec<String> =
        rows.municipalities.iter().map(|m| m.code.clone()).collect();
    municipality::Entity::delete_many()
        .filter(municipality::Column::Code.is_not_in(municipality_codes))
        .exec(txn)
        .await?;
    for chunk in rows.municipalities.chunks(CHUNK) {
        municipality::Entity::insert_many(chunk.iter().cloned().map(|m| {
            municipality::ActiveModel {
                code: Set(m.code),
                lg_code: Set(m.lg_code),
                name: Set(m.name),
                prefecture_code: Set(m.prefecture_code),
                subprefecture: Set(m.subprefecture),
                county: Set(m.county),
                kind: Set(m.kind),
                administered: Set(m.administered),
            }
        }))
        .on_conflict(
            OnConflict::column(municipality::Column::Code)
                .update_columns([
                    municipality::Column::LgCode,
                    municipality::Column::Name,
                    municipality::Column::PrefectureCode,
                    municipality::Column::Subprefecture,
                    municipality::Column::County,
                    municipality::Column::Kind,
                    municipality::Column::Administered,
                ])
                .to_owned(),
        )
        .exec(txn)
        .await?;
    }
    Ok(())
}

/// Boundaries are owned by the import alone: replaced whole, in chunks, with progress logged.
async fn replace_boundaries(txn: &DatabaseTransaction, rows: &AreaRows) -> AppResult<()> {
    // Boundaries are owned by the import alone: replaced whole.
    boundary::Entity::delete_many().exec(txn).await?;
    let total = rows.boundaries.len();
    let mut written = 0;
    for chunk in rows.boundaries.chunks(CHUNK / 5) {
        boundary::Entity::insert_many(chunk.iter().cloned().map(|b| boundary::ActiveModel {
            code: Set(b.code),
            level: Set(b.level),
            geometry: Set(b.geometry),
            area_km2: Set(b.area_km2),
            min_lon: Set(b.min_lon),
            min_lat: Set(b.min_lat),
            max_lon: Set(b.max_lon),
            max_lat: Set(b.max_lat),
            centroid_lon: Set(b.centroid_lon),
            centroid_lat: Set(b.centroid_lat),
            source: Set(b.source),
        }))
        .exec(txn)
        .await?;
        written += chunk.len();
        tracing::info!(written, total, "boundaries written, not yet committed");
    }
    Ok(())
}
