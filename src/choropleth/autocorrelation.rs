//! Spatial autocorrelation of an indicator across municipalities: global Moran's I with its
//! inference, and local Moran (LISA) with cluster classes, also drawn as a choropleth.

use geo::Centroid;
use sea_orm::ConnectionTrait;

use super::{build, Choropleth, ChoroplethRequest, LegendClass, MapLevel, MapValue};
use crate::error::{AppError, AppResult};
use crate::spatial::atlas::Atlas;
use crate::stats::moran::{self, Cluster, GlobalMoran, LocalMoran, Weights};
use crate::stats::palette;

/// Which areas count as neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightsKind {
    /// Sharing a border or a corner.
    Queen,
    /// Sharing a border.
    Rook,
    /// The k nearest centroids.
    Knn(usize),
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

/// Runs the analysis on the municipal values of `request` (its option names the answer
/// counted as 1 for choice questions).
pub async fn analyse(
    db: &impl ConnectionTrait,
    atlas: &Atlas,
    mut request: ChoroplethRequest,
    weights: WeightsKind,
    permutations: usize,
    significance: f64,
    seed: u64,
) -> AppResult<Autocorrelation> {
    request.level = MapLevel::Municipality;
    request.prefecture = None;
    let values = build(db, atlas, request).await?;
    if !values.numeric && values.request.option.is_none() {
        return Err(AppError::BadInput(format!(
            "option: `{}` is categorical; name the option whose presence is analysed",
            values.indicator.code
        )));
    }
    let observed: Vec<usize> = values
        .areas
        .iter()
        .enumerate()
        .filter(|(_, a)| a.value != MapValue::Missing)
        .map(|(i, _)| i)
        .collect();
    let numbers: Vec<f64> = observed
        .iter()
        .map(|&i| match &values.areas[i].value {
            MapValue::Number(n) => *n,
            MapValue::Category(c) => f64::from(u8::from(c == "yes")),
            MapValue::Missing => 0.0,
        })
        .collect();
    let layer = &atlas.municipalities;
    // Layer position → observed position.
    let mut position = vec![None; layer.areas.len()];
    for (o, &i) in observed.iter().enumerate() {
        position[values.areas[i].index] = Some(o);
    }
    let bad = |e: moran::MoranError| AppError::BadInput(format!("spatial autocorrelation: {e}"));
    let w = match weights {
        WeightsKind::Queen | WeightsKind::Rook => {
            let all = if weights == WeightsKind::Queen {
                layer.queen_all()
            } else {
                layer.rook_all()
            };
            let neighbours = observed
                .iter()
                .map(|&i| {
                    all[values.areas[i].index]
                        .iter()
                        .filter_map(|j| position[*j])
                        .collect()
                })
                .collect();
            Weights::new(neighbours).map_err(bad)?
        }
        WeightsKind::Knn(k) => {
            let points: Vec<(f64, f64)> = observed
                .iter()
                .map(|&i| {
                    layer.areas[values.areas[i].index]
                        .geometry
                        .centroid()
                        .map_or((0.0, 0.0), |p| (p.x(), p.y()))
                })
                .collect();
            Weights::knn(&points, k).map_err(bad)?
        }
    };
    // Permutations are CPU work of up to seconds: off the async workers.
    let (global, local, w) = tokio::task::spawn_blocking(move || {
        let global = moran::global(&numbers, &w, permutations, seed).map_err(bad)?;
        let local = moran::local(&numbers, &w, permutations, seed, significance).map_err(bad)?;
        Ok::<_, AppError>((global, local, w))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))??;
    Ok(Autocorrelation {
        islands: w.islands(),
        values,
        observed,
        weights: w,
        global,
        local,
    })
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
        area.value = MapValue::Missing;
        area.class = None;
        area.colour = palette::MISSING.to_owned();
    }
    for (o, &i) in result.observed.iter().enumerate() {
        let Some(cluster) = result.local.cluster.get(o) else {
            continue;
        };
        let class = order.iter().position(|c| c == cluster).unwrap_or(4);
        let (code, label, colour) = cluster_style(cluster);
        let area = &mut map.areas[i];
        area.value = MapValue::Category(code.to_owned());
        area.class = Some(class);
        area.colour = colour.to_owned();
        area.label = label.to_owned();
        legend[class].count += 1;
    }
    map.missing.count = map.areas.len() - result.observed.len();
    map.statistics = super::Statistics {
        n: result.observed.len(),
        missing: map.missing.count,
        ..Default::default()
    };
    map.legend = legend;
    map.numeric = false;
    map.method = "lisa_clusters".to_owned();
    map
}
