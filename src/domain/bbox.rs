//! A bounding box in WGS 84 degrees, as GIS clients send it: `west,south,east,north`
//! (OGC API – Features `bbox`, the downloads' `bbox`), or with heights
//! `west,south,low,east,north,high`, whose heights are ignored since areas have none.
//!
//! A box may not cross the antimeridian (west > east): Japan lies far from it, and reading such
//! a box as two would only hide a client's mistake of order.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// Why a text or four numbers are not a bounding box.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum BBoxError {
    /// Not four or six comma-separated numbers.
    #[error("`{0}` is not a bounding box: give west,south,east,north in degrees, e.g. 139.56,35.52,139.92,35.82")]
    Syntax(String),
    /// A corner outside longitude -180..180 or latitude -90..90.
    #[error("`{0}` is outside WGS 84: longitudes lie in -180..180 and latitudes in -90..90")]
    Range(String),
    /// West east of east, or south north of north.
    #[error("`{0}` is inside out: west must not exceed east, nor south north")]
    Order(String),
}

/// A checked west-south-east-north box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    west: f64,
    south: f64,
    east: f64,
    north: f64,
}

impl BoundingBox {
    /// A box from its four sides, checked.
    pub fn new(west: f64, south: f64, east: f64, north: f64) -> Result<Self, BBoxError> {
        let shown = || format!("{west},{south},{east},{north}");
        let lon = |v: f64| (-180.0..=180.0).contains(&v);
        let lat = |v: f64| (-90.0..=90.0).contains(&v);
        // NaN fails every range check, so it is refused here too.
        if !(lon(west) && lon(east) && lat(south) && lat(north)) {
            return Err(BBoxError::Range(shown()));
        }
        if west > east || south > north {
            return Err(BBoxError::Order(shown()));
        }
        Ok(Self {
            west,
            south,
            east,
            north,
        })
    }

    /// The box as a rectangle.
    pub fn rect(&self) -> geo::Rect<f64> {
        geo::Rect::new(
            geo::coord! { x: self.west, y: self.south },
            geo::coord! { x: self.east, y: self.north },
        )
    }

    /// West, south, east, north.
    pub fn sides(&self) -> [f64; 4] {
        [self.west, self.south, self.east, self.north]
    }
}

impl FromStr for BoundingBox {
    type Err = BBoxError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let syntax = || BBoxError::Syntax(text.to_owned());
        let numbers = text
            .split(',')
            .map(|part| part.trim().parse::<f64>().map_err(|_| syntax()))
            .collect::<Result<Vec<_>, _>>()?;
        match numbers[..] {
            [west, south, east, north] | [west, south, _, east, north, _] => {
                Self::new(west, south, east, north)
            }
            _ => Err(syntax()),
        }
    }
}

impl fmt::Display for BoundingBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{},{},{},{}",
            self.west, self.south, self.east, self.north
        )
    }
}

impl<'de> serde::Deserialize<'de> for BoundingBox {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for BoundingBox {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_or_six_numbers_make_a_box() {
        let b: BoundingBox = "139.56, 35.52,139.92,35.82".parse().unwrap();
        assert_eq!(b.sides(), [139.56, 35.52, 139.92, 35.82]);
        let b: BoundingBox = "139.56,35.52,0,139.92,35.82,100".parse().unwrap();
        assert_eq!(b.sides(), [139.56, 35.52, 139.92, 35.82]);
        assert_eq!(b.to_string().parse::<BoundingBox>().unwrap(), b);
    }

    #[test]
    fn a_point_is_a_box() {
        assert!("139.7,35.7,139.7,35.7".parse::<BoundingBox>().is_ok());
    }

    #[test]
    fn malformed_boxes_say_what_is_wrong() {
        for text in ["", "1,2,3", "1,2,3,4,5", "a,b,c,d", "1,,3,4", "NaN,1,2,3"] {
            assert!(
                matches!(
                    text.parse::<BoundingBox>(),
                    Err(BBoxError::Syntax(_) | BBoxError::Range(_))
                ),
                "{text}"
            );
        }
        assert!(matches!(
            "139,35,200,36".parse::<BoundingBox>(),
            Err(BBoxError::Range(_))
        ));
        assert!(matches!(
            "140,35,139,36".parse::<BoundingBox>(),
            Err(BBoxError::Order(_))
        ));
        assert!(matches!(
            "139,36,140,35".parse::<BoundingBox>(),
            Err(BBoxError::Order(_))
        ));
    }
}
