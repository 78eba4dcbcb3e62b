//! Prefectures and municipalities: their queries and types.

use std::sync::Arc;

use async_graphql::connection::{Connection, Edge};
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Enum, InputObject, Json, MergedObject, Object, Result, SimpleObject};
use base64::Engine;
use serde_json::{json, Map, Value};

use super::data::db;
use super::geometry::{self, AreaLayer, BBox, BBoxInput, LonLat};
use super::loaders::{AreaLoader, NamesKey, PrefectureKey};
use super::survey::{self, AnswerValue};
use crate::domain::{AuthorityCode, PrefectureCode};
use crate::entity::{municipality, municipality_name, prefecture};
use crate::error::{AppError, GraphqlResultExt};
use crate::readmodel::ReadModel;
use crate::repo::areas::{self as repo, MunicipalityFilter as RepoFilter};

/// Page size when `first` is omitted.
const DEFAULT_PAGE: usize = 100;
/// Largest page: all 1,747 municipalities take two.
pub const MAX_PAGE: usize = 1000;

/// Kind of municipality, as the survey groups them.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::MunicipalityKind")]
pub enum MunicipalityKind {
    /// 政令指定都市: the 20 designated cities.
    DesignatedCity,
    /// 中核市: the 62 core cities (on 2023-04-01).
    CoreCity,
    /// 特別区: Tokyo's 23 special wards.
    SpecialWard,
    /// Any other city (市).
    City,
    /// Town (町).
    Town,
    /// Village (村).
    Village,
}

/// Which municipalities to list.
#[derive(InputObject, Default)]
pub struct MunicipalityFilter {
    /// Prefecture code, two digits (e.g. "13").
    pub prefecture: Option<String>,
    /// Only this kind.
    pub kind: Option<MunicipalityKind>,
    /// Name contains this text (e.g. "宿").
    pub name_contains: Option<String>,
    /// Name, reading or romanised name starts with this (新宿, しんじゅく, シンジュク,
    /// Shinjuku): full and half width, katakana and hiragana, case and spelling variants such
    /// as 檮/梼 are all the same to it.
    pub search: Option<String>,
    /// Also list the six Northern Territories villages, which Japan counts but does not administer.
    #[graphql(default = false)]
    pub include_not_administered: bool,
    /// Only those whose boundary meets this box (found through the spatial index).
    pub bbox: Option<BBoxInput>,
}

/// Extra fields of the municipality connection.
#[derive(SimpleObject)]
pub struct ConnectionTotals {
    /// How many municipalities the filter covers, over all pages.
    pub total_count: u64,
}

/// Queries over prefectures and municipalities.
#[derive(Default)]
pub struct AreaQuery;

fn encode_cursor(code: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("municipality:{code}"))
}

fn decode_cursor(cursor: &str) -> Result<String, AppError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("municipality:").map(str::to_owned))
        .ok_or_else(|| {
            AppError::bad_argument("after", format!("`{cursor}` is not a cursor from this API"))
        })
}

#[Object]
impl AreaQuery {
    /// The 47 prefectures in code order.
    #[graphql(
        complexity = "crate::graphql::cost::times(crate::graphql::cost::PREFECTURES, child_complexity)"
    )]
    async fn prefectures(&self, ctx: &Context<'_>) -> Result<Vec<Prefecture>> {
        Ok(repo::prefectures(db(ctx))
            .await
            .gql()?
            .into_iter()
            .map(Prefecture::from)
            .collect())
    }

    /// A prefecture by its two-digit code ("13"), or its authority code ("130001"); null if none.
    async fn prefecture(&self, ctx: &Context<'_>, code: String) -> Result<Option<Prefecture>> {
        let code = PrefectureCode::parse(&code).map_err(AppError::from).gql()?;
        Ok(repo::prefecture(db(ctx), code)
            .await
            .gql()?
            .map(Prefecture::from))
    }

    /// A municipality by its five-digit code ("13104") or six-digit 全国地方公共団体コード
    /// ("131041", whose check digit must match); null when no municipality has that code.
    async fn municipality(&self, ctx: &Context<'_>, code: String) -> Result<Option<Municipality>> {
        let code = AuthorityCode::parse(&code).map_err(AppError::from).gql()?;
        Ok(repo::municipality(db(ctx), code)
            .await
            .gql()?
            .map(Municipality::from))
    }

    /// Municipalities in code order, a page at a time (`first` at most 1000; default 100).
    #[graphql(
        complexity = "crate::graphql::cost::times(first.map_or(crate::graphql::cost::DEFAULT_PAGE, |n| n.clamp(0, 1000) as usize), child_complexity)"
    )]
    async fn municipalities(
        &self,
        ctx: &Context<'_>,
        filter: Option<MunicipalityFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Municipality, ConnectionTotals>> {
        let filter = filter.unwrap_or_default();
        let repo_filter = RepoFilter {
            prefecture: filter
                .prefecture
                .as_deref()
                .map(PrefectureCode::parse)
                .transpose()
                .map_err(AppError::from)
                .gql()?,
            kind: filter.kind.map(Into::into),
            name_contains: filter.name_contains,
            search: filter
                .search
                .as_deref()
                .map(crate::context::names::fold)
                .filter(|key| !key.is_empty()),
            include_not_administered: filter.include_not_administered,
            codes: match &filter.bbox {
                Some(b) => {
                    let rect = b.rect().gql()?;
                    let atlas = ctx.data_unchecked::<Arc<ReadModel>>().atlas();
                    let layer = &atlas.municipalities;
                    Some(
                        layer
                            .intersecting(rect)
                            .into_iter()
                            .map(|i| layer.areas[i].code.clone())
                            .collect(),
                    )
                }
                None => None,
            },
        };
        let first = match first {
            None => DEFAULT_PAGE,
            Some(n) => usize::try_from(n)
                .ok()
                .filter(|n| *n <= MAX_PAGE)
                .ok_or_else(|| {
                    AppError::bad_argument(
                        "first",
                        format!("{n} is out of range; give 0 to {MAX_PAGE}"),
                    )
                })
                .gql()?,
        };
        let after = after.as_deref().map(decode_cursor).transpose().gql()?;
        let db = db(ctx);
        let total_count = repo::count_municipalities(db, &repo_filter).await.gql()?;
        let mut rows =
            repo::municipalities(db, &repo_filter, after.as_deref(), Some(first as u64 + 1))
                .await
                .gql()?;
        let has_next = rows.len() > first;
        rows.truncate(first);
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            has_next,
            ConnectionTotals { total_count },
        );
        connection.edges.extend(
            rows.into_iter()
                .map(|m| Edge::new(encode_cursor(&m.code), Municipality::from(m))),
        );
        Ok(connection)
    }
}

/// Fields every area has, whatever its level: its boundary's measures and its answers.
pub struct AreaFields {
    code: String,
}

#[Object]
impl AreaFields {
    /// Geodesic area of the boundary, km².
    async fn area_km2(&self, ctx: &Context<'_>) -> Result<Option<f64>> {
        Ok(geometry::boundary(ctx, &self.code)
            .await?
            .map(|b| b.area_km2))
    }
    /// Bounding box of the boundary.
    async fn bbox(&self, ctx: &Context<'_>) -> Result<Option<BBox>> {
        Ok(geometry::boundary(ctx, &self.code)
            .await?
            .map(|b| geometry::bbox(&b)))
    }
    /// Centroid of the boundary.
    async fn centroid(&self, ctx: &Context<'_>) -> Result<Option<LonLat>> {
        Ok(geometry::boundary(ctx, &self.code)
            .await?
            .map(|b| geometry::centroid(&b)))
    }
    /// The area's own answers in an edition (default: the newest). Where the edition is
    /// CALIBRATED_SYNTHETIC these values are synthetic; only published totals are real.
    async fn answers(
        &self,
        ctx: &Context<'_>,
        edition: Option<String>,
    ) -> Result<Vec<AnswerValue>> {
        survey::answers_of(ctx, &self.code, edition.as_deref()).await
    }
    /// The area's own answer to one indicator; null when outside the question's universe
    /// (not asked) or unanswered, never "no".
    async fn value(
        &self,
        ctx: &Context<'_>,
        indicator: String,
        edition: Option<String>,
    ) -> Result<Option<AnswerValue>> {
        survey::value_of(ctx, &self.code, &indicator, edition.as_deref()).await
    }
}

/// A prefecture (都道府県).
#[derive(MergedObject)]
pub struct Prefecture(PrefectureFields, AreaFields);

impl From<prefecture::Model> for Prefecture {
    fn from(row: prefecture::Model) -> Self {
        let code = row.code.clone();
        Self(PrefectureFields(row), AreaFields { code })
    }
}

/// A prefecture's own fields.
pub struct PrefectureFields(prefecture::Model);

#[Object]
impl PrefectureFields {
    /// Two-digit code (JIS X 0401), e.g. "13".
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Six-digit 全国地方公共団体コード, e.g. "130001".
    async fn lg_code(&self) -> &str {
        &self.0.lg_code
    }
    /// Japanese name, e.g. 東京都.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// English name, e.g. Tokyo.
    async fn name_en(&self) -> &str {
        &self.0.name_en
    }
    /// The boundary as an RFC 7946 geometry (lon/lat, right-hand rule) carrying the credit line;
    /// `precision` rounds coordinates to that many decimals (omit for full precision).
    #[graphql(complexity = "crate::graphql::cost::PREFECTURE_BOUNDARY")]
    async fn geometry(
        &self,
        ctx: &Context<'_>,
        precision: Option<i32>,
    ) -> Result<Option<Json<Value>>> {
        let b = geometry::boundary(ctx, &self.0.code).await?;
        geometry::geometry_field(ctx, AreaLayer::Prefectures, b.as_deref(), precision).await
    }
    /// The prefecture as an RFC 7946 Feature with its properties and the credit line.
    #[graphql(complexity = "crate::graphql::cost::PREFECTURE_BOUNDARY")]
    async fn feature(
        &self,
        ctx: &Context<'_>,
        precision: Option<i32>,
    ) -> Result<Option<Json<Value>>> {
        let b = geometry::boundary(ctx, &self.0.code).await?;
        geometry::feature_field(
            ctx,
            AreaLayer::Prefectures,
            b.as_deref(),
            &self.0.code,
            prefecture_properties(&self.0),
            precision,
        )
        .await
    }
    /// The prefecture's municipalities, in code order.
    #[graphql(
        complexity = "crate::graphql::cost::times(crate::graphql::cost::MUNICIPALITIES_PER_PREFECTURE, child_complexity)"
    )]
    async fn municipalities(
        &self,
        ctx: &Context<'_>,
        kind: Option<MunicipalityKind>,
        #[graphql(default = false)] include_not_administered: bool,
    ) -> Result<Vec<Municipality>> {
        let filter = RepoFilter {
            prefecture: PrefectureCode::parse(&self.0.code).ok(),
            kind: kind.map(Into::into),
            name_contains: None,
            include_not_administered,
            codes: None,
            search: None,
        };
        Ok(repo::municipalities(db(ctx), &filter, None, None)
            .await
            .gql()?
            .into_iter()
            .map(Municipality::from)
            .collect())
    }
}

fn prefecture_properties(p: &prefecture::Model) -> Map<String, Value> {
    let Value::Object(map) = json!({
        "code": p.code, "lgCode": p.lg_code, "name": p.name, "nameEn": p.name_en,
    }) else {
        return Map::new();
    };
    map
}

/// A municipality (市区町村): city, special ward, town or village.
#[derive(MergedObject)]
pub struct Municipality(MunicipalityFields, AreaFields);

impl From<municipality::Model> for Municipality {
    fn from(row: municipality::Model) -> Self {
        let code = row.code.clone();
        Self(MunicipalityFields(row), AreaFields { code })
    }
}

/// A municipality's own fields.
pub struct MunicipalityFields(municipality::Model);

impl MunicipalityFields {
    async fn names(&self, ctx: &Context<'_>) -> Result<Option<Arc<municipality_name::Model>>> {
        ctx.data_unchecked::<DataLoader<AreaLoader>>()
            .load_one(NamesKey(self.0.code.clone()))
            .await
    }

    fn properties(&self) -> Map<String, Value> {
        let m = &self.0;
        let Value::Object(map) = json!({
            "code": m.code, "lgCode": m.lg_code, "name": m.name,
            "prefecture": m.prefecture_code, "kind": m.kind.as_str(), "administered": m.administered,
        }) else {
            return Map::new();
        };
        map
    }
}

#[Object]
impl MunicipalityFields {
    /// Five-digit code (JIS X 0402, N03's N03_007), e.g. "13104".
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Six-digit 全国地方公共団体コード with its check digit, e.g. "131041".
    async fn lg_code(&self) -> &str {
        &self.0.lg_code
    }
    /// Japanese name, e.g. 新宿区.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Kind of municipality.
    async fn kind(&self) -> MunicipalityKind {
        self.0.kind.into()
    }
    /// False only for the six Northern Territories villages (01695-01700).
    async fn administered(&self) -> bool {
        self.0.administered
    }
    /// The county (郡) it belongs to, if any.
    async fn county(&self) -> Option<&str> {
        self.0.county.as_deref()
    }
    /// The Hokkaido subprefecture (振興局) it belongs to, if any.
    async fn subprefecture(&self) -> Option<&str> {
        self.0.subprefecture.as_deref()
    }
    /// Reading in hiragana (しんじゅくく), from localgovjp; null until the names are imported.
    async fn name_kana(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(self.names(ctx).await?.and_then(|n| n.kana.clone()))
    }
    /// Romanised name (Shinjuku-ku), from jp-prefecture: a romanisation, not an official
    /// English name.
    async fn name_romaji(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(self.names(ctx).await?.and_then(|n| n.romaji.clone()))
    }
    /// Official website, from localgovjp.
    async fn website(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(self.names(ctx).await?.and_then(|n| n.website.clone()))
    }
    /// The town hall (市役所, 区役所, 町村役場) point, from localgovjp.
    async fn town_hall(&self, ctx: &Context<'_>) -> Result<Option<LonLat>> {
        Ok(self.names(ctx).await?.and_then(|n| {
            Some(LonLat {
                lon: n.town_hall_lon?,
                lat: n.town_hall_lat?,
            })
        }))
    }
    /// Its value of a statistic (`A1101` population, `share_65_plus`…; see `statistics`),
    /// with unit, year and source.
    async fn statistic(
        &self,
        ctx: &Context<'_>,
        code: String,
    ) -> Result<crate::graphql::context::StatisticValue> {
        crate::graphql::context::statistic_value(ctx, &self.0.code, &code)
    }
    /// The prefecture it lies in.
    async fn prefecture(&self, ctx: &Context<'_>) -> Result<Prefecture> {
        let p: Option<Arc<prefecture::Model>> = ctx
            .data_unchecked::<DataLoader<AreaLoader>>()
            .load_one(PrefectureKey(self.0.prefecture_code.clone()))
            .await?;
        p.map(|p| Prefecture::from((*p).clone()))
            .ok_or_else(|| {
                AppError::invariant(format!("prefecture {} missing", self.0.prefecture_code))
            })
            .gql()
    }
    /// The boundary as an RFC 7946 geometry (lon/lat, right-hand rule) carrying the credit line;
    /// `precision` rounds coordinates to that many decimals (omit for full precision).
    #[graphql(complexity = "crate::graphql::cost::BOUNDARY")]
    async fn geometry(
        &self,
        ctx: &Context<'_>,
        precision: Option<i32>,
    ) -> Result<Option<Json<Value>>> {
        let b = geometry::boundary(ctx, &self.0.code).await?;
        geometry::geometry_field(ctx, AreaLayer::Municipalities, b.as_deref(), precision).await
    }
    /// Municipalities sharing a border with this one (from the boundaries' topology; a point
    /// contact is not a border). Islands have none.
    #[graphql(
        complexity = "crate::graphql::cost::times(crate::graphql::cost::NEIGHBOURS, child_complexity)"
    )]
    async fn neighbors(&self, ctx: &Context<'_>) -> Result<Vec<Municipality>> {
        let atlas = ctx.data_unchecked::<Arc<ReadModel>>().atlas();
        let layer = &atlas.municipalities;
        let Some(i) = layer.position(&self.0.code) else {
            return Ok(Vec::new());
        };
        let codes: Vec<String> = layer
            .rook(i)
            .iter()
            .map(|j| layer.areas[*j].code.clone())
            .collect();
        let filter = RepoFilter {
            include_not_administered: true,
            codes: Some(codes),
            ..Default::default()
        };
        Ok(repo::municipalities(db(ctx), &filter, None, None)
            .await
            .gql()?
            .into_iter()
            .map(Municipality::from)
            .collect())
    }
    /// The municipality as an RFC 7946 Feature with its properties and the credit line.
    #[graphql(complexity = "crate::graphql::cost::BOUNDARY")]
    async fn feature(
        &self,
        ctx: &Context<'_>,
        precision: Option<i32>,
    ) -> Result<Option<Json<Value>>> {
        let b = geometry::boundary(ctx, &self.0.code).await?;
        geometry::feature_field(
            ctx,
            AreaLayer::Municipalities,
            b.as_deref(),
            &self.0.code,
            self.properties(),
            precision,
        )
        .await
    }
}
