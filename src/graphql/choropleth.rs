//! Map-ready choropleths, spatial queries, and spatial autocorrelation.

use std::sync::Arc;

use async_graphql::{Context, Enum, InputObject, Json, Object, Result, SimpleObject};
use sea_orm::DatabaseConnection;
use serde_json::Value;

use super::areas::Municipality;
use super::budget;
use super::survey::Provenance;
use crate::choropleth::{
    self, render, ChoroplethRequest, Classification, Format, MapLevel, PrefectureValue,
};
use crate::domain::PrefectureCode;
use crate::error::{AppError, GraphqlResultExt};
use crate::readmodel::ReadModel;
use crate::repo;
use crate::spatial::CREDIT;

/// Municipalities or prefectures.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum MapLevelArg {
    /// Each municipality's own answer.
    Municipality,
    /// Prefectures: their own answer, or their municipalities' share (see `prefectureValue`).
    Prefecture,
}

/// What a prefecture's value is on a prefecture map.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum PrefectureValueArg {
    /// The prefecture's own answer (都道府県の回答).
    OwnAnswer,
    /// The share of the prefecture's municipalities giving `option` (for count indicators, their mean).
    MunicipalShare,
}

/// How numeric values are classified (mapclassify's methods of the same names).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ClassificationMethod {
    /// Equal counts per class (mapclassify Quantiles).
    Quantiles,
    /// Equal widths (EqualInterval).
    EqualInterval,
    /// Fisher-Jenks natural breaks (FisherJenks).
    NaturalBreaks,
    /// Standard deviations around the mean (StdMean).
    StandardDeviation,
    /// Upper bounds given in `breaks` (UserDefined).
    Manual,
}

/// Output geometry format.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum MapFormat {
    /// RFC 7946 FeatureCollection.
    Geojson,
    /// TopoJSON with shared, quantized, delta-encoded arcs.
    Topojson,
}

/// A class of the legend.
#[derive(SimpleObject)]
pub struct LegendEntry {
    /// Class index (as `class` on each feature).
    pub index: i32,
    /// Lower bound (numeric values).
    pub lower: Option<f64>,
    /// Upper bound, inclusive (numeric values).
    pub upper: Option<f64>,
    /// The option, for categorical values.
    pub category: Option<String>,
    /// Label.
    pub label: String,
    /// Colour, #rrggbb.
    pub colour: String,
    /// Areas in the class.
    pub count: i32,
}

/// Summary statistics of the mapped values.
#[derive(SimpleObject)]
pub struct MapStatistics {
    /// Areas with a value.
    pub n: i32,
    /// Areas without one (outside the question's universe or unanswered).
    pub missing: i32,
    /// Smallest value.
    pub min: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
    /// Mean.
    pub mean: Option<f64>,
    /// Median.
    pub median: Option<f64>,
}

/// Links to the same map as files.
#[derive(SimpleObject)]
pub struct Downloads {
    /// GeoJSON.
    pub geojson: String,
    /// TopoJSON.
    pub topojson: String,
    /// CSV of code, name, value, class.
    pub csv: String,
}

/// A map-ready choropleth. Where `provenance` is CALIBRATED_SYNTHETIC the per-authority values
/// are synthetic: only the published totals are real.
#[derive(SimpleObject)]
pub struct Choropleth {
    /// The whole document (GeoJSON FeatureCollection or TopoJSON topology): features with
    /// code, name, value, class, colour and label; legend, statistics, provenance and credit.
    pub document: Json<render::OwnedDocument>,
    /// Method used: quantiles, equal_interval, natural_breaks, standard_deviation, manual, or categories.
    pub method: String,
    /// Legend classes.
    pub legend: Vec<LegendEntry>,
    /// The missing class (neutral colour).
    pub missing: LegendEntry,
    /// Summary statistics.
    pub statistics: MapStatistics,
    /// Where the mapped values come from: OFFICIAL, CALIBRATED_SYNTHETIC, or MIXED.
    pub provenance: Provenance,
    /// What the provenance means for individual values.
    pub provenance_note: String,
    /// Credit line of the boundaries.
    pub credit: String,
    /// The same map as files.
    pub downloads: Downloads,
}

fn entry(c: &choropleth::LegendClass) -> LegendEntry {
    LegendEntry {
        index: c.index as i32,
        lower: c.lower,
        upper: c.upper,
        category: c.category.clone(),
        label: c.label.clone(),
        colour: c.colour.clone(),
        count: c.count as i32,
    }
}

fn to_u8(name: &str, v: Option<i32>) -> Result<Option<u8>, AppError> {
    v.map(|v| {
        u8::try_from(v).map_err(|_| AppError::BadInput(format!("{name}: {v} is out of range")))
    })
    .transpose()
}

/// Which areas count as neighbours.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum WeightsType {
    /// Sharing a border or a corner (from the topology).
    Queen,
    /// Sharing a border (from the topology).
    Rook,
    /// The `k` nearest centroids.
    Knn,
}

/// Local cluster class of a LISA map.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ClusterClass {
    /// High value among high neighbours.
    HighHigh,
    /// Low value among low neighbours.
    LowLow,
    /// High value among low neighbours.
    HighLow,
    /// Low value among high neighbours.
    LowHigh,
    /// Not significant at the chosen level.
    NotSignificant,
}

/// One municipality's local Moran statistic.
#[derive(SimpleObject)]
pub struct LocalMoranEntry {
    /// Municipality code.
    pub code: String,
    /// Name.
    pub name: String,
    /// The value analysed (1/0 for the chosen option).
    pub value: f64,
    /// Local I.
    pub i: f64,
    /// Moran scatterplot quadrant: 1 HH, 2 LH, 3 LL, 4 HL.
    pub quadrant: i32,
    /// Pseudo p-value from conditional permutations.
    pub p_sim: f64,
    /// Cluster class at the chosen significance.
    pub cluster: ClusterClass,
    /// Codes of its neighbours among the municipalities analysed.
    pub neighbors: Vec<String>,
}

/// Global and local Moran's I of an indicator over municipalities. Where `provenance` is
/// CALIBRATED_SYNTHETIC the per-authority values, and so any pattern found, are synthetic.
#[derive(SimpleObject)]
pub struct SpatialAutocorrelation {
    /// The indicator.
    pub indicator: String,
    /// The option counted as 1, for choice indicators.
    pub option: Option<String>,
    /// Where the answers come from.
    pub provenance: Provenance,
    /// Weights used: QUEEN, ROOK or KNN(k), row-standardised.
    pub weights: String,
    /// Municipalities analysed (those with a value).
    pub n: i32,
    /// Municipalities analysed that have no neighbour among them (reported, kept with a zero lag).
    pub islands: Vec<String>,
    /// Global Moran's I.
    pub moran_i: f64,
    /// Its expectation under no autocorrelation, -1/(n-1).
    pub expected: f64,
    /// Variance under normality.
    pub variance_norm: f64,
    /// z-score under normality.
    pub z_norm: f64,
    /// Two-sided p-value under normality.
    pub p_norm: f64,
    /// Variance under randomisation.
    pub variance_rand: f64,
    /// z-score under randomisation.
    pub z_rand: f64,
    /// Two-sided p-value under randomisation.
    pub p_rand: f64,
    /// Pseudo p-value from permutations.
    pub p_sim: Option<f64>,
    /// Permutations run.
    pub permutations: i32,
    /// Local Moran per municipality analysed.
    pub local: Vec<LocalMoranEntry>,
    /// The local clusters as a choropleth document (GeoJSON, default zoom), missing areas grey.
    pub cluster_map: Json<render::OwnedDocument>,
}

/// A ColorBrewer scheme.
#[derive(SimpleObject)]
pub struct Palette {
    /// Name, as `palette` takes it.
    pub name: String,
    /// SEQUENTIAL, DIVERGING or QUALITATIVE.
    pub kind: String,
    /// Fewest classes with a published set (fewer take the first colours of it).
    pub min_classes: i32,
    /// Most classes.
    pub max_classes: i32,
}

/// Charges a document's bytes to the answer's budget before it is put in the answer.
fn charge_document(
    ctx: &Context<'_>,
    map: &choropleth::Choropleth,
    atlas: &crate::spatial::atlas::Atlas,
) -> Result<()> {
    let bytes = render::document_len(map, atlas)
        .map_err(|e| AppError::Internal(format!("measuring a map document: {e}")))
        .gql()?;
    budget::charge(ctx, bytes)
}

/// Queries for maps and spatial analysis.
#[derive(Default)]
pub struct MapQuery;

#[Object]
impl MapQuery {
    /// An indicator as a map-ready choropleth.
    #[allow(clippy::too_many_arguments)]
    async fn choropleth(
        &self,
        ctx: &Context<'_>,
        indicator: String,
        #[graphql(
            desc = "Map the choice of this option (required for multiple choice and municipal shares)"
        )]
        option: Option<String>,
        edition: Option<String>,
        #[graphql(default_with = "MapLevelArg::Municipality")] level: MapLevelArg,
        #[graphql(default_with = "PrefectureValueArg::OwnAnswer")]
        prefecture_value: PrefectureValueArg,
        #[graphql(desc = "Only this prefecture's municipalities (two-digit code)")]
        prefecture: Option<String>,
        #[graphql(default_with = "ClassificationMethod::Quantiles")]
        classification: ClassificationMethod,
        #[graphql(default = 5)] classes: i32,
        #[graphql(desc = "Upper bounds for MANUAL classification")] breaks: Option<Vec<f64>>,
        #[graphql(desc = "ColorBrewer scheme, e.g. Blues, YlGnBu, RdBu, Set2")] palette: Option<
            String,
        >,
        #[graphql(desc = "Web-map zoom choosing the simplification (default 6)")] zoom: Option<i32>,
        #[graphql(desc = "Douglas-Peucker tolerance in degrees, instead of the zoom's")] tolerance: Option<f64>,
        #[graphql(desc = "Drop islands smaller than this many km² (default from the zoom)")]
        min_island_km2: Option<f64>,
        #[graphql(desc = "Decimals of coordinates (default from the tolerance)")] precision: Option<
            i32,
        >,
        #[graphql(default_with = "MapFormat::Geojson")] format: MapFormat,
    ) -> Result<Choropleth> {
        let zoom = to_u8("zoom", zoom).gql()?;
        let precision = to_u8("precision", precision).gql()?;
        let classes = usize::try_from(classes)
            .map_err(|_| {
                AppError::BadInput(format!("classes: {classes} is out of range; give 2 to 12"))
            })
            .gql()?;
        let classification = match classification {
            ClassificationMethod::Quantiles => Classification::Quantiles,
            ClassificationMethod::EqualInterval => Classification::EqualInterval,
            ClassificationMethod::NaturalBreaks => Classification::NaturalBreaks,
            ClassificationMethod::StandardDeviation => Classification::StandardDeviation,
            ClassificationMethod::Manual => Classification::Manual(
                breaks
                    .ok_or_else(|| {
                        AppError::BadInput("breaks: MANUAL classification needs breaks".into())
                    })
                    .gql()?,
            ),
        };
        let request = ChoroplethRequest {
            indicator,
            option,
            edition,
            level: match level {
                MapLevelArg::Municipality => MapLevel::Municipality,
                MapLevelArg::Prefecture => MapLevel::Prefecture,
            },
            prefecture_value: match prefecture_value {
                PrefectureValueArg::OwnAnswer => PrefectureValue::OwnAnswer,
                PrefectureValueArg::MunicipalShare => PrefectureValue::MunicipalShare,
            },
            prefecture: prefecture
                .as_deref()
                .map(PrefectureCode::parse)
                .transpose()
                .map_err(AppError::from)
                .gql()?,
            classification,
            classes,
            palette,
            zoom,
            tolerance,
            min_island_km2,
            precision,
            format: match format {
                MapFormat::Geojson => Format::GeoJson,
                MapFormat::Topojson => Format::TopoJson,
            },
        };
        request.validate().gql()?;
        let atlas = ctx.data_unchecked::<Arc<ReadModel>>().atlas();
        let db = ctx.data_unchecked::<DatabaseConnection>();
        let built = Arc::new(choropleth::build(db, &atlas, request).await.gql()?);
        if ctx.look_ahead().field("document").exists() {
            charge_document(ctx, &built, &atlas)?;
        }
        let links = render::downloads(&built);
        let link = |k: &str| {
            links
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let s = &built.statistics;
        Ok(Choropleth {
            document: Json(render::OwnedDocument {
                choropleth: Arc::clone(&built),
                atlas,
            }),
            method: built.method.clone(),
            legend: built.legend.iter().map(entry).collect(),
            missing: entry(&built.missing),
            statistics: MapStatistics {
                n: s.n as i32,
                missing: s.missing as i32,
                min: s.min,
                max: s.max,
                mean: s.mean,
                median: s.median,
            },
            // The map's own values decide, not the edition's: a map of official answers is
            // official in an edition that also holds synthetic ones.
            provenance: match built
                .areas
                .iter()
                .filter_map(|a| a.provenance)
                .reduce(crate::survey::source::Provenance::with)
            {
                Some(p) => p.into(),
                None => super::survey::edition_provenance(&built.edition.provenance).gql()?,
            },
            provenance_note: built.edition.provenance_note.clone(),
            credit: CREDIT.to_owned(),
            downloads: Downloads {
                geojson: link("geojson"),
                topojson: link("topojson"),
                csv: link("csv"),
            },
        })
    }

    /// Global Moran's I and local Moran (LISA) of an indicator over municipalities.
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        complexity = "crate::graphql::cost::ANALYSIS + permutations.clamp(0, 99_999) as usize / 4 + child_complexity"
    )]
    async fn spatial_autocorrelation(
        &self,
        ctx: &Context<'_>,
        indicator: String,
        #[graphql(desc = "For choice indicators: the option counted as 1 (others 0)")]
        option: Option<String>,
        edition: Option<String>,
        #[graphql(default_with = "WeightsType::Queen")] weights: WeightsType,
        #[graphql(desc = "Neighbours for KNN weights", default = 5)] k: i32,
        #[graphql(default = 999)] permutations: i32,
        #[graphql(default = 0.05)] significance: f64,
        #[graphql(desc = "Seed of the permutations", default = 12345)] seed: i32,
    ) -> Result<SpatialAutocorrelation> {
        use crate::choropleth::autocorrelation::{self as ac, WeightsKind};
        let permutations = usize::try_from(permutations)
            .ok()
            .filter(|p| *p <= 99_999)
            .ok_or_else(|| {
                AppError::BadInput(format!(
                    "permutations: {permutations} is out of range; give 0 to 99999"
                ))
            })
            .gql()?;
        if !(0.0..=1.0).contains(&significance) {
            return Err(AppError::BadInput(format!(
                "significance: {significance} is not a probability"
            )))
            .gql();
        }
        let kind = match weights {
            WeightsType::Queen => WeightsKind::Queen,
            WeightsType::Rook => WeightsKind::Rook,
            WeightsType::Knn => WeightsKind::Knn(
                usize::try_from(k)
                    .ok()
                    .filter(|k| (1..=50).contains(k))
                    .ok_or_else(|| {
                        AppError::BadInput(format!("k: {k} is out of range; give 1 to 50"))
                    })
                    .gql()?,
            ),
        };
        let request = ChoroplethRequest {
            option: option.clone(),
            edition,
            ..ChoroplethRequest::whole_country(indicator.clone())
        };
        let atlas = ctx.data_unchecked::<Arc<ReadModel>>().atlas();
        let db = ctx.data_unchecked::<DatabaseConnection>();
        let result = ac::analyse(
            db,
            &atlas,
            request,
            kind,
            permutations,
            significance,
            seed as u32 as u64,
        )
        .await
        .gql()?;
        let code_of = |o: usize| result.values.areas[result.observed[o]].code.clone();
        let local = result
            .observed
            .iter()
            .enumerate()
            .map(|(o, &i)| {
                let area = &result.values.areas[i];
                let cluster = result
                    .local
                    .cluster
                    .get(o)
                    .copied()
                    .unwrap_or(crate::stats::moran::Cluster::NotSignificant);
                LocalMoranEntry {
                    code: area.code.clone(),
                    name: area.name.clone(),
                    value: match &area.value {
                        choropleth::MapValue::Number(n) => *n,
                        choropleth::MapValue::Category(c) => f64::from(u8::from(c == "yes")),
                        choropleth::MapValue::Missing => f64::NAN,
                    },
                    i: result.local.i.get(o).copied().unwrap_or(0.0),
                    quadrant: i32::from(result.local.quadrant.get(o).copied().unwrap_or(0)),
                    p_sim: result.local.p_sim.get(o).copied().unwrap_or(1.0),
                    cluster: match cluster {
                        crate::stats::moran::Cluster::HighHigh => ClusterClass::HighHigh,
                        crate::stats::moran::Cluster::LowLow => ClusterClass::LowLow,
                        crate::stats::moran::Cluster::HighLow => ClusterClass::HighLow,
                        crate::stats::moran::Cluster::LowHigh => ClusterClass::LowHigh,
                        crate::stats::moran::Cluster::NotSignificant => {
                            ClusterClass::NotSignificant
                        }
                    },
                    neighbors: result
                        .weights
                        .neighbours()
                        .get(o)
                        .map(|n| n.iter().map(|j| code_of(*j)).collect())
                        .unwrap_or_default(),
                }
            })
            .collect();
        let g = result.global.clone();
        let islands = result.islands.iter().map(|o| code_of(*o)).collect();
        let n = result.observed.len() as i32;
        let provenance =
            super::survey::edition_provenance(&result.values.edition.provenance).gql()?;
        let map = ac::cluster_map(result);
        if ctx.look_ahead().field("clusterMap").exists() {
            charge_document(ctx, &map, &atlas)?;
        }
        Ok(SpatialAutocorrelation {
            indicator,
            option,
            provenance,
            weights: match kind {
                WeightsKind::Queen => "QUEEN".into(),
                WeightsKind::Rook => "ROOK".into(),
                WeightsKind::Knn(k) => format!("KNN({k})"),
            },
            n,
            islands,
            moran_i: g.i,
            expected: g.expected,
            variance_norm: g.variance_norm,
            z_norm: g.z_norm,
            p_norm: g.p_norm,
            variance_rand: g.variance_rand,
            z_rand: g.z_rand,
            p_rand: g.p_rand,
            p_sim: g.p_sim,
            permutations: g.permutations as i32,
            local,
            cluster_map: Json(render::OwnedDocument {
                choropleth: Arc::new(map),
                atlas,
            }),
        })
    }

    /// The ColorBrewer schemes `choropleth` accepts as `palette`.
    async fn palettes(&self) -> Vec<Palette> {
        use crate::stats::palette::{all, SchemeKind};
        all()
            .iter()
            .map(|s| Palette {
                name: s.name.to_owned(),
                kind: match s.kind {
                    SchemeKind::Sequential => "SEQUENTIAL",
                    SchemeKind::Diverging => "DIVERGING",
                    SchemeKind::Qualitative => "QUALITATIVE",
                }
                .to_owned(),
                min_classes: *s.class_counts().start() as i32,
                max_classes: *s.class_counts().end() as i32,
            })
            .collect()
    }

    /// The municipality containing a WGS 84 position; null at sea or abroad.
    async fn municipality_at(
        &self,
        ctx: &Context<'_>,
        lon: f64,
        lat: f64,
    ) -> Result<Option<Municipality>> {
        if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
            return Err(AppError::BadInput(format!(
                "({lon}, {lat}) is not a WGS 84 longitude/latitude"
            )))
            .gql();
        }
        let atlas = ctx.data_unchecked::<Arc<ReadModel>>().atlas();
        let atlas = &*atlas;
        let Some(i) = atlas.municipalities.at(lon, lat) else {
            return Ok(None);
        };
        let code = crate::domain::AuthorityCode::parse(&atlas.municipalities.areas[i].code)
            .map_err(AppError::from)
            .gql()?;
        let db = ctx.data_unchecked::<DatabaseConnection>();
        Ok(repo::areas::municipality(db, code)
            .await
            .gql()?
            .map(Municipality))
    }
}

/// A bounding box argument in WGS 84 degrees.
#[derive(InputObject, Clone, Copy, Debug)]
pub struct BBoxInput {
    /// West.
    pub min_lon: f64,
    /// South.
    pub min_lat: f64,
    /// East.
    pub max_lon: f64,
    /// North.
    pub max_lat: f64,
}

impl BBoxInput {
    /// The box as a rectangle, checked.
    pub fn rect(&self) -> Result<geo::Rect<f64>, AppError> {
        let ok = self.min_lon <= self.max_lon
            && self.min_lat <= self.max_lat
            && (-180.0..=180.0).contains(&self.min_lon)
            && (-180.0..=180.0).contains(&self.max_lon)
            && (-90.0..=90.0).contains(&self.min_lat)
            && (-90.0..=90.0).contains(&self.max_lat);
        if !ok {
            return Err(AppError::BadInput(format!(
                "bbox: {self:?} is not a west-south-east-north box in WGS 84 degrees"
            )));
        }
        Ok(geo::Rect::new(
            geo::coord! { x: self.min_lon, y: self.min_lat },
            geo::coord! { x: self.max_lon, y: self.max_lat },
        ))
    }
}
