//! Statistics for maps: classification of values into classes, ColorBrewer palettes, and spatial autocorrelation (Moran's I).

pub mod classify;
pub mod moran;
pub mod palette;
