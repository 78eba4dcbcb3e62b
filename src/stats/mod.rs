//! Statistics for maps: classification of values into classes, ColorBrewer palettes, and spatial autocorrelation (Moran's I).

pub mod bands;
pub mod classify;
pub mod correlation;
pub mod moran;
pub mod palette;
