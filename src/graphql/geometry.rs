//! Geometry fields shared by prefectures and municipalities (area, bounding box, centroid,
//! GeoJSON geometry and feature, each read from the area's boundary row), and the bounding
//! box argument of spatial filters.

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, InputObject, Json, SimpleObject};
use serde_json::{Map, Value};

use super::budget;
use super::loaders::{AreaLoader, BoundaryKey};
use crate::entity::boundary;
use crate::error::{AppError, GraphqlResultExt};
use crate::readmodel::ReadModel;
use crate::spatial::atlas::{Atlas, Layer};
use crate::spatial::geojson;

/// A bounding box in WGS 84 degrees.
#[derive(SimpleObject, Debug, Clone, Copy)]
#[graphql(name = "BBox")]
pub struct BBox {
    /// West.
    pub min_lon: f64,
    /// South.
    pub min_lat: f64,
    /// East.
    pub max_lon: f64,
    /// North.
    pub max_lat: f64,
}

/// A position in WGS 84 degrees.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct LonLat {
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
}

/// The most decimals a caller may ask for (15 is beyond f64's exact decimals already).
const MAX_PRECISION: i32 = 15;

/// Parses the `precision` argument: `None` keeps full precision.
pub fn precision(value: Option<i32>) -> Result<Option<u8>, AppError> {
    value
        .map(|p| {
            u8::try_from(p)
                .ok()
                .filter(|p| i32::from(*p) <= MAX_PRECISION)
                .ok_or_else(|| {
                    AppError::bad_argument("precision", format!(
                        "{p} is out of range; give 0 to {MAX_PRECISION} decimals, or omit it for full precision"
                    ))
                })
        })
        .transpose()
}

/// The boundary row of an area, if it has one.
pub async fn boundary(
    ctx: &Context<'_>,
    code: &str,
) -> async_graphql::Result<Option<Arc<boundary::Model>>> {
    ctx.data_unchecked::<DataLoader<AreaLoader>>()
        .load_one(BoundaryKey(code.to_owned()))
        .await
}

/// The bounding box of a boundary row.
pub fn bbox(b: &boundary::Model) -> BBox {
    BBox {
        min_lon: b.min_lon,
        min_lat: b.min_lat,
        max_lon: b.max_lon,
        max_lat: b.max_lat,
    }
}

/// The centroid of a boundary row.
pub fn centroid(b: &boundary::Model) -> LonLat {
    LonLat {
        lon: b.centroid_lon,
        lat: b.centroid_lat,
    }
}

/// Which layer of the spatial model an area's geometry is drawn from.
#[derive(Debug, Clone, Copy)]
pub enum AreaLayer {
    /// The 47 prefectures.
    Prefectures,
    /// The municipalities.
    Municipalities,
}

impl AreaLayer {
    fn of(self, atlas: &Atlas) -> &Layer {
        match self {
            Self::Prefectures => &atlas.prefectures,
            Self::Municipalities => &atlas.municipalities,
        }
    }
}

/// The RFC 7946 geometry at the requested precision, without the credit member: the stored
/// text as it is in full precision, else the area's boundary rounded and snapped with every
/// other area of its layer, so that neighbours asked for one at a time still draw one border.
/// Drawing a layer at new decimals is CPU work under the build gate: off the async workers.
async fn geometry_value(
    ctx: &Context<'_>,
    layer: AreaLayer,
    b: &boundary::Model,
    decimals: Option<u8>,
) -> Result<Value, AppError> {
    let context = || format!("reading the stored boundary of {}", b.code);
    let Some(decimals) = decimals else {
        return serde_json::from_str(&b.geometry).map_err(|e| AppError::internal(context(), e));
    };
    let atlas = ctx.data_unchecked::<Arc<ReadModel>>().atlas();
    let code = b.code.clone();
    let drawn = tokio::task::spawn_blocking(move || {
        let layer = layer.of(&atlas);
        layer
            .position(&code)
            .map(|i| layer.precise(i, decimals))
            .transpose()
    })
    .await
    .map_err(|e| AppError::internal(context(), e))??
    .flatten()
    .ok_or_else(|| AppError::invariant(format!("{} is not in the spatial model", b.code)))?;
    serde_json::from_str(drawn.get()).map_err(|e| AppError::internal(context(), e))
}

/// The credited geometry for a `geometry(precision)` field.
pub async fn geometry_field(
    ctx: &Context<'_>,
    layer: AreaLayer,
    b: Option<&boundary::Model>,
    precision_arg: Option<i32>,
) -> async_graphql::Result<Option<Json<Value>>> {
    let decimals = precision(precision_arg).gql()?;
    let Some(b) = b else { return Ok(None) };
    // The stored text's length: what full precision answers, more than any rounding does.
    budget::charge(ctx, b.geometry.len())?;
    Ok(Some(Json(geojson::credited_geometry(
        geometry_value(ctx, layer, b, decimals).await.gql()?,
    ))))
}

/// The credited feature for a `feature(precision)` field.
pub async fn feature_field(
    ctx: &Context<'_>,
    layer: AreaLayer,
    b: Option<&boundary::Model>,
    id: &str,
    properties: Map<String, Value>,
    precision_arg: Option<i32>,
) -> async_graphql::Result<Option<Json<Value>>> {
    let decimals = precision(precision_arg).gql()?;
    let geometry = match b {
        Some(b) => {
            budget::charge(ctx, b.geometry.len())?;
            geometry_value(ctx, layer, b, decimals).await.gql()?
        }
        None => Value::Null,
    };
    Ok(Some(Json(geojson::feature(id, geometry, properties))))
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
        let b = crate::domain::BoundingBox::new(
            self.min_lon,
            self.min_lat,
            self.max_lon,
            self.max_lat,
        )?;
        Ok(b.rect())
    }
}
