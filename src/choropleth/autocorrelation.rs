//! Spatial autocorrelation of an indicator across municipalities: global Moran's I with its
//! inference, and local Moran (LISA) with cluster classes, also drawn as a choropleth.

use geo::Centroid;
use sea_orm::ConnectionTrait;

use super::build;
use super::gather::MapData;
use super::map::{Choropleth, LegendClass, MapMethod, Statistics};
use super::spec::MapSpec;
use crate::error::{AppError, AppResult};
use crate::spatial::atlas::Atlas;
use crate::stats::moran::{self, Cluster, GlobalMoran, LocalMoran, Weights};
use crate::stats::palette;
use crate::survey::values::RespondentValue;

/// Which areas count as neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightsKind {
    /// Sharing a border or a corner.
    Queen,
    /// Sharing a border.
    Rook,
    /// The `k` nearest centroids.
    Knn,
}

/// Most neighbours of KNN weights.
pub const MAX_K: usize = 50;
/// Most permutations of the pseudo p-values.
pub const MAX_PERMUTATIONS: usize = 99_999;

/// How an analysis is run, checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Analysis {
    /// The weights.
    pub weights: WeightsKind,
    /// Neighbours of KNN weights (1 to [`MAX_K`]).
    pub k: usize,
    /// Permutations for pseudo p-values (0 to [`MAX_PERMUTATIONS`]).
    pub permutations: usize,
    /// Significance of the local clusters, a probability.
    pub significance: f64,
    /// Seed of the permutations.
    pub seed: u64,
}

impl Analysis {
    /// Checks the ranges; `k` matters only for KNN weights.
    pub fn new(
        weights: WeightsKind,
        k: i64,
        permutations: i64,
        significance: f64,
        seed: u64,
    ) -> AppResult<Self> {
        let checked_k = usize::try_from(k).ok().filter(|k| (1..=MAX_K).contains(k));
        let k = match (weights, checked_k) {
            (WeightsKind::Knn, None) => {
                return Err(AppError::bad_argument(
                    "k",
                    format!("{k} is out of range; give 1 to {MAX_K}"),
                ))
            }
            (_, k) => k.unwrap_or(0),
        };
        let permutations = usize::try_from(permutations)
            .ok()
            .filter(|p| *p <= MAX_PERMUTATIONS)
            .ok_or_else(|| {
                AppError::bad_argument(
                    "permutations",
                    format!("{permutations} is out of range; give 0 to {MAX_PERMUTATIONS}"),
                )
            })?;
        if !(0.0..=1.0).contains(&significance) {
            return Err(AppError::bad_argument(
                "significance",
                format!("{significance} is not a probability"),
            ));
        }
        Ok(Self {
            weights,
            k,
            permutations,
            significance,
            seed,
        })
    }

    /// The weights as reported: QUEEN, ROOK or KNN(k), row-standardised.
    pub fn weights_name(&self) -> String {
        match self.weights {
            WeightsKind::Queen => "QUEEN".into(),
            WeightsKind::Rook => "ROOK".into(),
            WeightsKind::Knn => format!("KNN({})", self.k),
        }
    }
}

/// The result of an analysis.
pub struct Autocorrelation {
    /// The choropleth of the values analysed (its areas carry the values).
    pub values: Choropleth,
    /// Positions (into `values.areas`) of the areas analysed: those with a value.
    pub observed: Vec<usize>,
    /// The weights among the observed areas (indices into `observed`).
    pub weights: Weights,
    /// Observed areas without a neighbour among the observed (indices into `observed`).
    pub islands: Vec<usize>,
    /// Global Moran's I.
    pub global: GlobalMoran,
    /// Local Moran.
    pub local: LocalMoran,
}

/// The colour and label of each cluster class (the usual LISA map colours).
pub fn cluster_style(c: &Cluster) -> (&'static str, &'static str, &'static str) {
    match c {
        Cluster::HighHigh => ("HIGH_HIGH", "High-High", "#d7191c"),
        Cluster::LowLow => ("LOW_LOW", "Low-Low", "#2c7bb6"),
        Cluster::HighLow => ("HIGH_LOW", "High-Low", "#fdae61"),
        Cluster::LowHigh => ("LOW_HIGH", "Low-High", "#abd9e9"),
        Cluster::NotSignificant => ("NOT_SIGNIFICANT", "Not significant", "#f7f7f7"),
    }
}

/// Runs the analysis on the municipal values of `spec` (made by [`MapSpec::whole_country`]:
/// its option names the answer counted as 1 for choice questions).
pub async fn analyse(
    db: &impl ConnectionTrait,
    data: MapData<'_>,
    spec: MapSpec,
    analysis: Analysis,
) -> AppResult<Autocorrelation> {
    let values = build(db, data, spec).await?;
    if !values.numeric && values.spec.request().option.is_none() {
        return Err(AppError::bad_argument(
            "option",
            format!(
                "`{}` is categorical; name the option whose presence is analysed",
                values.indicator.code
            ),
        ));
    }
    let observed: Vec<usize> = values
        .areas
        .iter()
        .enumerate()
        .filter(|(_, a)| a.value != RespondentValue::Missing)
        .map(|(i, _)| i)
        .collect();
    let numbers: Vec<f64> = observed
        .iter()
        .map(|&i| values.areas[i].value.as_number().unwrap_or(0.0))
        .collect();
    let w = spatial_weights(data.atlas, &values, &observed, analysis)?;
    let Analysis {
        permutations,
        seed,
        significance,
        ..
    } = analysis;
    // Permutations are CPU work of up to seconds: off the async workers, and stopped when
    // this future is dropped (the request's deadline passed, or its client went away).
    let stop = moran::Stop::default();
    let _stop_on_drop = StopOnDrop(stop.clone());
    let (global, local, w) = tokio::task::spawn_blocking(move || {
        let global =
            moran::global_until(&numbers, &w, permutations, seed, &stop).map_err(moran_error)?;
        let local = moran::local_until(&numbers, &w, permutations, seed, significance, &stop)
            .map_err(moran_error)?;
        Ok::<_, AppError>((global, local, w))
    })
    .await
    .map_err(|e| AppError::internal("computing Moran's I", e))??;
    Ok(Autocorrelation {
        islands: w.islands(),
        values,
        observed,
        weights: w,
        global,
        local,
    })
}

/// Stops the permutations when dropped, however the analysis ends.
struct StopOnDrop(moran::Stop);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.stop();
    }
}

fn moran_error(e: moran::MoranError) -> AppError {
    AppError::bad_input(format!("spatial autocorrelation: {e}"))
}

/// The weights among the observed areas: contiguity from the layer's topology, or the
/// nearest centroids.
fn spatial_weights(
    atlas: &Atlas,
    values: &Choropleth,
    observed: &[usize],
    analysis: Analysis,
) -> AppResult<Weights> {
    let layer = &atlas.municipalities;
    match analysis.weights {
        WeightsKind::Queen | WeightsKind::Rook => {
            let all = if analysis.weights == WeightsKind::Queen {
                layer.queen_all()
            } else {
                layer.rook_all()
            };
            // Layer position → observed position.
            let mut position = vec![None; layer.areas.len()];
            for (o, &i) in observed.iter().enumerate() {
                position[values.areas[i].index] = Some(o);
            }
            let neighbours = observed
                .iter()
                .map(|&i| {
                    all[values.areas[i].index]
                        .iter()
                        .filter_map(|j| position[*j])
                        .collect()
                })
                .collect();
            Weights::new(neighbours).map_err(moran_error)
        }
        WeightsKind::Knn => {
            let points: Vec<(f64, f64)> = observed
                .iter()
                .map(|&i| {
                    layer.areas[values.areas[i].index]
                        .geometry
                        .centroid()
                        .map_or((0.0, 0.0), |p| (p.x(), p.y()))
                })
                .collect();
            Weights::knn(&points, analysis.k).map_err(moran_error)
        }
    }
}

/// The local clusters as a categorical choropleth (areas not analysed are missing).
pub fn cluster_map(result: Autocorrelation) -> Choropleth {
    let mut map = result.values;
    let order = [
        Cluster::HighHigh,
        Cluster::LowLow,
        Cluster::HighLow,
        Cluster::LowHigh,
        Cluster::NotSignificant,
    ];
    let mut legend: Vec<LegendClass> = order
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (code, label, colour) = cluster_style(c);
            LegendClass {
                index: i,
                lower: None,
                upper: None,
                category: Some(code.to_owned()),
                label: label.to_owned(),
                colour: colour.to_owned(),
                count: 0,
            }
        })
        .collect();
    for area in &mut map.areas {
        area.value = RespondentValue::Missing;
        area.class = None;
        palette::MISSING.clone_into(&mut area.colour);
    }
    for (o, &i) in result.observed.iter().enumerate() {
        let Some(cluster) = result.local.cluster.get(o) else {
            continue;
        };
        let class = order.iter().position(|c| c == cluster).unwrap_or(4);
        let (code, label, colour) = cluster_style(cluster);
        let area = &mut map.areas[i];
        area.value = RespondentValue::Category(code.to_owned());
        area.class = Some(class);
        colour.clone_into(&mut area.colour);
        label.clone_into(&mut area.label);
        legend[class].count += 1;
    }
    map.missing.count = map.areas.len() - result.observed.len();
    map.statistics = Statistics {
        n: result.observed.len(),
        missing: map.missing.count,
        ..Default::default()
    };
    map.legend = legend;
    map.numeric = false;
    map.method = MapMethod::LisaClusters;
    map
}
