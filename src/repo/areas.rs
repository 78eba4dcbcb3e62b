//! Reading prefectures, municipalities and their boundaries.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, LikeExpr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::domain::{AuthorityCode, MunicipalityKind, PrefectureCode};
use crate::entity::{boundary, municipality, municipality_name, prefecture};
use crate::error::AppResult;

/// Which municipalities a listing covers.
#[derive(Debug, Clone, Default)]
pub struct MunicipalityFilter {
    /// Only this prefecture's.
    pub prefecture: Option<PrefectureCode>,
    /// Only this kind.
    pub kind: Option<MunicipalityKind>,
    /// Name contains this text.
    pub name_contains: Option<String>,
    /// Also list the six Northern Territories villages.
    pub include_not_administered: bool,
    /// Only these codes (e.g. those a spatial query found).
    pub codes: Option<Vec<String>>,
    /// A name, reading or romanised name starts with this, already folded as the search keys
    /// are (`context::names::fold`); the name as stored is matched too.
    pub search: Option<String>,
}

/// `text` for a LIKE pattern, with `%`, `_` and the escape itself taken literally.
fn like_escaped(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

impl MunicipalityFilter {
    fn condition(&self) -> Condition {
        let mut c = Condition::all();
        if let Some(p) = self.prefecture {
            c = c.add(municipality::Column::PrefectureCode.eq(p.to_string()));
        }
        if let Some(k) = self.kind {
            c = c.add(municipality::Column::Kind.eq(k.as_str()));
        }
        if let Some(text) = self.name_contains.as_deref().filter(|t| !t.is_empty()) {
            let escaped = like_escaped(text);
            c = c.add(
                municipality::Column::Name.like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
            );
        }
        if let Some(key) = self.search.as_deref() {
            let escaped = like_escaped(key);
            let named = Query::select()
                .column(municipality_name::Column::Code)
                .from(municipality_name::Entity)
                .and_where(
                    Expr::col(municipality_name::Column::SearchKeys)
                        .like(LikeExpr::new(format!("%\n{escaped}%")).escape('\\')),
                )
                .to_owned();
            c = c.add(
                Condition::any()
                    .add(municipality::Column::Code.in_subquery(named))
                    .add(
                        municipality::Column::Name
                            .like(LikeExpr::new(format!("{escaped}%")).escape('\\')),
                    ),
            );
        }
        if let Some(codes) = &self.codes {
            c = c.add(municipality::Column::Code.is_in(codes.iter().cloned()));
        }
        if !self.include_not_administered {
            c = c.add(municipality::Column::Administered.eq(true));
        }
        c
    }
}

/// All prefectures in code order.
pub async fn prefectures(db: &impl ConnectionTrait) -> AppResult<Vec<prefecture::Model>> {
    Ok(prefecture::Entity::find()
        .order_by_asc(prefecture::Column::Code)
        .all(db)
        .await?)
}

/// One prefecture.
pub async fn prefecture(
    db: &impl ConnectionTrait,
    code: PrefectureCode,
) -> AppResult<Option<prefecture::Model>> {
    Ok(prefecture::Entity::find_by_id(code.to_string())
        .one(db)
        .await?)
}

/// Prefectures by code, for batch loading.
pub async fn prefectures_by_code(
    db: &impl ConnectionTrait,
    codes: &[String],
) -> AppResult<HashMap<String, prefecture::Model>> {
    Ok(prefecture::Entity::find()
        .filter(prefecture::Column::Code.is_in(codes.iter().cloned()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.code.clone(), p))
        .collect())
}

/// One municipality.
pub async fn municipality(
    db: &impl ConnectionTrait,
    code: AuthorityCode,
) -> AppResult<Option<municipality::Model>> {
    Ok(municipality::Entity::find_by_id(code.to_string())
        .one(db)
        .await?)
}

/// Municipalities in code order, after the code `after`; `limit` rows at most if given.
pub async fn municipalities(
    db: &impl ConnectionTrait,
    filter: &MunicipalityFilter,
    after: Option<&str>,
    limit: Option<u64>,
) -> AppResult<Vec<municipality::Model>> {
    let mut query = municipality::Entity::find().filter(filter.condition());
    if let Some(after) = after {
        query = query.filter(municipality::Column::Code.gt(after));
    }
    Ok(query
        .order_by_asc(municipality::Column::Code)
        .limit(limit)
        .all(db)
        .await?)
}

/// How many municipalities the filter covers.
pub async fn count_municipalities(
    db: &impl ConnectionTrait,
    filter: &MunicipalityFilter,
) -> AppResult<u64> {
    Ok(municipality::Entity::find()
        .filter(filter.condition())
        .count(db)
        .await?)
}

/// Boundaries by code, for batch loading.
pub async fn boundaries(
    db: &impl ConnectionTrait,
    codes: &[String],
) -> AppResult<HashMap<String, boundary::Model>> {
    Ok(boundary::Entity::find()
        .filter(boundary::Column::Code.is_in(codes.iter().cloned()))
        .all(db)
        .await?
        .into_iter()
        .map(|b| (b.code.clone(), b))
        .collect())
}

/// Whether any municipality has been imported yet.
pub async fn is_empty(db: &impl ConnectionTrait) -> AppResult<bool> {
    Ok(municipality::Entity::find().one(db).await?.is_none())
}
