//! Map-ready choropleths, spatial queries, and spatial autocorrelation.

use std::sync::Arc;

use async_graphql::{ComplexObject, Context, Enum, Json, Object, Result, SimpleObject};
use serde_json::Value;

use super::areas::Municipality;
use super::budget;
use super::data::db;
use super::documents::{self, DocumentField};
use super::survey::Provenance;
use crate::choropleth::autocorrelation::{self as ac, Analysis};
use crate::choropleth::{self, render, ChoroplethRequest, MapArguments, MapSpec};
use crate::error::{AppError, GraphqlResultExt};
use crate::readmodel::ReadModel;
use crate::repo;
use crate::spatial::atlas::Atlas;
use crate::spatial::CREDIT;

/// Municipalities or prefectures.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "MapLevelArg", remote = "crate::choropleth::MapLevel")]
pub enum MapLevel {
    /// Each municipality's own answer.
    Municipality,
    /// Prefectures: their own answer, or their municipalities' share (see `prefectureValue`).
    Prefecture,
}

/// What a prefecture's value is on a prefecture map.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(
    name = "PrefectureValueArg",
    remote = "crate::choropleth::PrefectureValue"
)]
pub enum PrefectureValue {
    /// The prefecture's own answer (都道府県の回答).
    OwnAnswer,
    /// The share of the prefecture's municipalities giving `option` (for count indicators, their mean).
    MunicipalShare,
}

/// How numeric values are classified (mapclassify's methods of the same names).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::stats::classify::Method")]
pub enum ClassificationMethod {
    /// Equal counts per class (mapclassify Quantiles).
    Quantiles,
    /// Equal widths (EqualInterval).
    EqualInterval,
    /// Fisher-Jenks natural breaks (FisherJenks).
    #[graphql(name = "NATURAL_BREAKS")]
    FisherJenks,
    /// Standard deviations around the mean (StdMean).
    #[graphql(name = "STANDARD_DEVIATION")]
    StdMean,
    /// Upper bounds given in `breaks` (UserDefined).
    Manual,
}

/// Output geometry format.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "MapFormat", remote = "crate::choropleth::Format")]
pub enum Format {
    /// RFC 7946 FeatureCollection.
    #[graphql(name = "GEOJSON")]
    GeoJson,
    /// TopoJSON with shared, quantized, delta-encoded arcs.
    #[graphql(name = "TOPOJSON")]
    TopoJson,
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
    /// CSV of code, name, value, class (UTF-8 without a byte-order mark: pandas, R).
    pub csv: String,
    /// The same CSV with a UTF-8 byte-order mark, which Excel needs to read the names.
    pub excel_csv: String,
    /// An Excel workbook: codes as text, numbers as numbers, a sheet describing the columns
    /// and one of credits and licences.
    pub xlsx: String,
    /// GeoPackage (QGIS's own format): the GeoJSON's features, typed, EPSG:4326.
    pub geopackage: String,
    /// FlatGeobuf with its spatial index, which GDAL and QGIS read a bounding box at a time.
    pub flatgeobuf: String,
}

/// A map-ready choropleth. Where `provenance` is CALIBRATED_SYNTHETIC the per-authority values
/// are synthetic: only the published totals are real.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Choropleth {
    /// The map and its boundaries, written as `document` when asked for.
    #[graphql(skip)]
    pub map: render::OwnedDocument,
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
    /// For a `per` map: the statistic the counts are divided by, and the factor.
    pub per: Option<MapPer>,
    /// For a bivariate map: the second variable, both variables' class bounds and the palette
    /// grid (the legend's nine classes are its cells, `category` "x-y" from "1-1" to "3-3").
    pub bivariate: Option<MapBivariate>,
}

/// A bivariate map's two variables and its grid.
#[derive(SimpleObject)]
pub struct MapBivariate {
    /// The second variable's code.
    pub y: String,
    /// Its label.
    pub y_label: String,
    /// Its unit.
    pub y_unit: Option<String>,
    /// Upper bounds of x's three classes (tertiles).
    pub x_bounds: Vec<f64>,
    /// Upper bounds of y's three classes.
    pub y_bounds: Vec<f64>,
    /// Colours, rows from low to high y, columns from low to high x.
    pub grid: Vec<Vec<String>>,
}

/// What a `per` map's values are: counts per `scale` of a statistic.
#[derive(SimpleObject)]
pub struct MapPer {
    /// Statistic code, e.g. A1101.
    pub statistic: String,
    /// Its label, e.g. 総人口.
    pub label: String,
    /// Its unit, e.g. 人.
    pub unit: Option<String>,
    /// The year of its values.
    pub year: i32,
    /// The factor: values are per this many of the statistic's unit.
    pub scale: f64,
    /// Areas with a count but a missing or zero denominator, shown as missing.
    pub undivided: i32,
}

fn entry(c: &choropleth::LegendClass) -> LegendEntry {
    LegendEntry {
        index: count(c.index),
        lower: c.lower,
        upper: c.upper,
        category: c.category.clone(),
        label: c.label.clone(),
        colour: c.colour.clone(),
        count: count(c.count),
    }
}

/// The titles of a map's sources, for a statistic map's provenance note.
fn sources_titles(c: &choropleth::Choropleth) -> String {
    c.sources
        .iter()
        .filter_map(|code| crate::survey::source::by_code(code).ok())
        .map(|s| s.title)
        .collect::<Vec<_>>()
        .join("; ")
}

impl Choropleth {
    /// The answer of a built map, drawn with `atlas` when its document is asked for.
    fn new(built: Arc<choropleth::Choropleth>, atlas: Arc<Atlas>) -> Self {
        let links = render::downloads(&built);
        let link = |k: &str| {
            links
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let s = &built.statistics;
        Self {
            method: built.method.as_str().to_owned(),
            legend: built.legend.iter().map(entry).collect(),
            missing: entry(&built.missing),
            statistics: MapStatistics {
                n: count(s.n),
                missing: count(s.missing),
                min: s.min,
                max: s.max,
                mean: s.mean,
                median: s.median,
            },
            // The map's own values decide, not the edition's: a map of official answers is
            // official in an edition that also holds synthetic ones.
            provenance: render::values_provenance(&built).0.into(),
            provenance_note: built.edition.as_ref().map_or_else(
                || format!("Official statistics: {}", sources_titles(&built)),
                |e| e.provenance_note.clone(),
            ),
            credit: CREDIT.to_owned(),
            downloads: Downloads {
                geojson: link("geojson"),
                topojson: link("topojson"),
                csv: link("csv"),
                excel_csv: link("excelCsv"),
                xlsx: link("xlsx"),
                geopackage: link("geopackage"),
                flatgeobuf: link("flatgeobuf"),
            },
            bivariate: built.bivariate.as_ref().map(|b| MapBivariate {
                y: b.y.code.clone(),
                y_label: b.y.label_ja.clone(),
                y_unit: b.y.unit.clone(),
                x_bounds: b.x_bounds.clone(),
                y_bounds: b.y_bounds.clone(),
                grid: choropleth::bivariate::GRID
                    .iter()
                    .map(|row| row.iter().map(|c| (*c).to_owned()).collect())
                    .collect(),
            }),
            per: built.per.as_ref().map(|p| MapPer {
                statistic: p.code.clone(),
                label: p.label.clone(),
                unit: p.unit.clone(),
                year: p.year,
                scale: p.scale,
                undivided: count(p.undivided),
            }),
            map: render::OwnedDocument {
                choropleth: built,
                atlas,
            },
        }
    }
}

/// Which areas count as neighbours.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(
    name = "WeightsType",
    remote = "crate::choropleth::autocorrelation::WeightsKind"
)]
pub enum WeightsKind {
    /// Sharing a border or a corner (from the topology).
    Queen,
    /// Sharing a border (from the topology).
    Rook,
    /// The `k` nearest centroids.
    Knn,
}

/// Local cluster class of a LISA map.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "ClusterClass", remote = "crate::stats::moran::Cluster")]
pub enum Cluster {
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
    pub cluster: Cluster,
    /// Codes of its neighbours among the municipalities analysed.
    pub neighbors: Vec<String>,
}

/// Global and local Moran's I of an indicator over municipalities. Where `provenance` is
/// CALIBRATED_SYNTHETIC the per-authority values, and so any pattern found, are synthetic.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct SpatialAutocorrelation {
    /// The indicator.
    pub indicator: String,
    /// The option counted as 1, for choice indicators.
    pub option: Option<String>,
    /// The kind of the values analysed: OFFICIAL, CALIBRATED_SYNTHETIC or MIXED.
    pub provenance: Provenance,
    /// The codes of the sources of those values (see `surveys { sources }`).
    pub sources: Vec<String>,
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
    /// The local clusters as a map, written as `clusterMap` when asked for.
    #[graphql(skip)]
    pub clusters: render::OwnedDocument,
}

#[ComplexObject]
impl Choropleth {
    /// The whole document (GeoJSON FeatureCollection or TopoJSON topology): features with
    /// code, name, value, class, colour and label; legend, statistics, provenance and credit.
    async fn document(&self, ctx: &Context<'_>) -> Result<Json<DocumentField>> {
        written(ctx, &self.map).await
    }
}

#[ComplexObject]
impl SpatialAutocorrelation {
    /// The local clusters as a choropleth document (GeoJSON, default zoom), missing areas grey.
    async fn cluster_map(&self, ctx: &Context<'_>) -> Result<Json<DocumentField>> {
        written(ctx, &self.clusters).await
    }
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

/// A map's document, written once as bytes and charged to the answer's budget, for the answer
/// to carry (see [`documents`]). Writing a megabyte, and drawing a level not drawn yet, is CPU work: off the async workers.
async fn written(ctx: &Context<'_>, map: &render::OwnedDocument) -> Result<Json<DocumentField>> {
    let (choropleth, atlas) = (Arc::clone(&map.choropleth), Arc::clone(&map.atlas));
    let bytes = tokio::task::spawn_blocking(move || render::document(&choropleth, &atlas))
        .await
        .map_err(|e| AppError::internal("writing a map document", e))
        .and_then(|written| written)
        .gql()?;
    budget::charge(ctx, bytes.len())?;
    documents::field(ctx, bytes)
}

/// A count as GraphQL's Int (counts here are of areas and permutations, far below its bound).
fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The code of an analysed area, by its position among those observed.
fn observed_code(result: &ac::Autocorrelation, observed: usize) -> String {
    result.values.areas[result.observed[observed]].code.clone()
}

/// Each analysed municipality's local statistic, cluster and neighbours.
fn local_entries(result: &ac::Autocorrelation) -> Vec<LocalMoranEntry> {
    let local = &result.local;
    result
        .observed
        .iter()
        .enumerate()
        .map(|(o, &i)| {
            let area = &result.values.areas[i];
            LocalMoranEntry {
                code: area.code.clone(),
                name: area.name.clone(),
                value: area.value.as_number().unwrap_or(f64::NAN),
                i: local.i.get(o).copied().unwrap_or(0.0),
                quadrant: i32::from(local.quadrant.get(o).copied().unwrap_or(0)),
                p_sim: local.p_sim.get(o).copied().unwrap_or(1.0),
                cluster: local
                    .cluster
                    .get(o)
                    .copied()
                    .unwrap_or(crate::stats::moran::Cluster::NotSignificant)
                    .into(),
                neighbors: result
                    .weights
                    .neighbours()
                    .get(o)
                    .map(|n| n.iter().map(|j| observed_code(result, *j)).collect())
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// Queries for maps and spatial analysis.
#[derive(Default)]
pub struct MapQuery;

#[Object]
impl MapQuery {
    /// An indicator as a map-ready choropleth.
    // A GraphQL field's arguments are its resolver's parameters; the body hands them to
    // `MapSpec::try_from`, which knows the rules.
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
        #[graphql(default_with = "MapLevel::Municipality")] level: MapLevel,
        #[graphql(default_with = "PrefectureValue::OwnAnswer")] prefecture_value: PrefectureValue,
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
        #[graphql(
            desc = "Map a count per this statistic (e.g. A1101, residents): value / statistic × scale"
        )]
        per: Option<String>,
        #[graphql(desc = "The factor of a per map (10000: per 10,000 residents); default 1")]
        scale: Option<f64>,
        #[graphql(
            desc = "Weight a prefecture's municipal share by this statistic (A1101: the share of residents)"
        )]
        weight: Option<String>,
        #[graphql(
            desc = "A second numeric variable (statistic, count or rate): a 3 × 3 bivariate map of the two"
        )]
        bivariate: Option<String>,
        #[graphql(
            desc = "Only municipalities with at least this many residents (2020 census, A1101): with populationBelow, a population band"
        )]
        population_at_least: Option<i32>,
        #[graphql(desc = "Only municipalities with fewer residents than this")]
        population_below: Option<i32>,
        #[graphql(default_with = "Format::GeoJson")] format: Format,
    ) -> Result<Choropleth> {
        let spec = MapSpec::try_from(MapArguments {
            request: ChoroplethRequest {
                option,
                edition,
                level: level.into(),
                prefecture_value: prefecture_value.into(),
                classification: classification.into(),
                breaks,
                palette,
                tolerance,
                min_island_km2,
                per,
                scale,
                weight,
                bivariate,
                format: format.into(),
                ..ChoroplethRequest::whole_country(indicator)
            },
            prefecture,
            classes,
            zoom,
            precision,
            population_at_least,
            population_below,
        })
        .gql()?;
        let generation = ctx.data_unchecked::<Arc<ReadModel>>().current();
        let built = choropleth::build(db(ctx), generation.map_data(), spec)
            .await
            .gql()?;
        Ok(Choropleth::new(
            Arc::new(built),
            Arc::clone(&generation.atlas),
        ))
    }

    /// Global Moran's I and local Moran (LISA) of an indicator over municipalities.
    // A GraphQL field's arguments are its resolver's parameters.
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        complexity = "(crate::graphql::cost::ANALYSIS + permutations.clamp(0, 99_999) as usize / 4).saturating_add(child_complexity)"
    )]
    async fn spatial_autocorrelation(
        &self,
        ctx: &Context<'_>,
        indicator: String,
        #[graphql(desc = "For choice indicators: the option counted as 1 (others 0)")]
        option: Option<String>,
        edition: Option<String>,
        #[graphql(default_with = "WeightsKind::Queen")] weights: WeightsKind,
        #[graphql(desc = "Neighbours for KNN weights", default = 5)] k: i32,
        #[graphql(default = 999)] permutations: i32,
        #[graphql(default = 0.05)] significance: f64,
        #[graphql(desc = "Seed of the permutations", default = 12345)] seed: i32,
    ) -> Result<SpatialAutocorrelation> {
        // The seed is taken as the 32 bits given, whatever their sign.
        let seed = u64::from(u32::from_ne_bytes(seed.to_ne_bytes()));
        let analysis = Analysis::new(
            weights.into(),
            i64::from(k),
            i64::from(permutations),
            significance,
            seed,
        )
        .gql()?;
        let spec = MapSpec::whole_country(indicator.clone(), option.clone(), edition).gql()?;
        let generation = ctx.data_unchecked::<Arc<ReadModel>>().current();
        let result = ac::analyse(db(ctx), generation.map_data(), spec, analysis)
            .await
            .gql()?;
        let local = local_entries(&result);
        let g = result.global.clone();
        let islands = result
            .islands
            .iter()
            .map(|o| observed_code(&result, *o))
            .collect();
        let n = count(result.observed.len());
        let provenance = render::values_provenance(&result.values).0.into();
        let sources = result
            .values
            .sources
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let map = ac::cluster_map(result);
        Ok(SpatialAutocorrelation {
            indicator,
            option,
            provenance,
            sources,
            weights: analysis.weights_name(),
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
            permutations: count(g.permutations),
            local,
            clusters: render::OwnedDocument {
                choropleth: Arc::new(map),
                atlas: Arc::clone(&generation.atlas),
            },
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
                min_classes: count(*s.class_counts().start()),
                max_classes: count(*s.class_counts().end()),
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
            return Err(AppError::bad_input(format!(
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
        Ok(repo::areas::municipality(db(ctx), code)
            .await
            .gql()?
            .map(Municipality::from))
    }
}
