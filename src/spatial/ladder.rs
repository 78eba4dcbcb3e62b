//! The ladder of simplification levels: the tolerances and island sizes a map can be drawn at.
//! A request may name any tolerance from 0 to 1 degree and any island size, and each distinct
//! pair would be a level to simplify, check, snap round and write (some 0.2 to 1 s of a core
//! and megabytes kept): a client stepping through tolerances could keep every core busy. So an
//! explicit value is taken to the nearest rung, and the levels a server can ever build are few
//! and known, whatever is asked.
//!
//! The rungs are the zooms' own levels ([`Level::for_zoom`], half a pixel of a 256-pixel tile)
//! and one step between each two zooms, so a rung is never more than a quarter zoom (a factor
//! 2^¼ in tolerance) from what was asked:
//! - tolerance: zoom 0's 0.703° times √2 (0.994°), then halving every two rungs down to zoom
//!   14's 0.0000429°, 30 rungs; below 2^-¼ of the finest rung, the stored boundaries in full
//!   (tolerance 0);
//! - islands: the zooms' island sizes (four square pixels at 35°N, 65,800 km² at zoom 0 down
//!   to 0.000245 km² at zoom 14), one rung between each two (area halves every rung), and four
//!   more above zoom 0's (up to 1,052,000 km², larger than Japan: only each area's largest
//!   part is kept); below 2^-½ of the smallest rung, every island is kept (0).
//!
//! Nearness is measured as a ratio (in logarithms), since a tolerance twice another is as far
//! from it as one half of it.

use super::simplify::Level;
use super::tile::MAX_ZOOM;

/// Rungs above zoom 0's tolerance (0.994°, past the 1° a request may ask for).
const TOLERANCE_RUNGS_ABOVE: i32 = 1;
/// Rungs above zoom 0's island size.
const ISLAND_RUNGS_ABOVE: i32 = 4;

/// The level `asked` taken to the ladder: its tolerance and its island size each to the
/// nearest rung. The zooms' own levels are rungs, so they come back as they are.
pub fn rung(asked: Level) -> Level {
    Level {
        tolerance: tolerance(asked.tolerance),
        min_island_km2: island(asked.min_island_km2),
    }
}

/// The level of a web-map `zoom`, unless an explicit `tolerance` (degrees) or smallest island
/// (`min_island_km2`) replaces the zoom's, taken to its rung: what every output that offers a
/// choice of detail (map downloads, OGC API features) draws at.
pub fn level(zoom: u8, tolerance: Option<f64>, min_island_km2: Option<f64>) -> Level {
    let by_zoom = Level::for_zoom(zoom);
    rung(Level {
        tolerance: tolerance.unwrap_or(by_zoom.tolerance),
        min_island_km2: min_island_km2.unwrap_or(by_zoom.min_island_km2),
    })
}

/// The rung of a tolerance in degrees (0 for 0, for anything too fine for the finest rung, and
/// for what is not a number).
pub fn tolerance(asked: f64) -> f64 {
    nearest(
        asked,
        -TOLERANCE_RUNGS_ABOVE,
        2 * i32::from(MAX_ZOOM),
        tolerance_rung,
        2f64.powf(-0.25),
    )
}

/// The rung of an island size in km² (0 for 0, for anything smaller than the smallest rung,
/// and for what is not a number).
pub fn island(asked: f64) -> f64 {
    nearest(
        asked,
        -ISLAND_RUNGS_ABOVE,
        2 * i32::from(MAX_ZOOM),
        island_rung,
        2f64.powf(-0.5),
    )
}

/// Every tolerance rung, coarsest first, without the 0 of full detail.
pub fn tolerance_rungs() -> impl Iterator<Item = f64> {
    (-TOLERANCE_RUNGS_ABOVE..=2 * i32::from(MAX_ZOOM)).map(tolerance_rung)
}

/// Every island rung, largest first, without the 0 that keeps every island.
pub fn island_rungs() -> impl Iterator<Item = f64> {
    (-ISLAND_RUNGS_ABOVE..=2 * i32::from(MAX_ZOOM)).map(island_rung)
}

/// Rung `k` of the tolerances: zoom `k / 2`'s for even `k`, √2 finer for odd, √2 coarser
/// than zoom 0's at -1. Even rungs are computed as [`Level::for_zoom`] computes them, so a
/// zoom's level and its rung are the same bits (and the same cached level).
fn tolerance_rung(k: i32) -> f64 {
    let zoom = zoom_of(k);
    let base = Level::for_zoom(zoom).tolerance;
    match k {
        k if k < 0 => base * std::f64::consts::SQRT_2,
        k if k % 2 == 0 => base,
        _ => base / std::f64::consts::SQRT_2,
    }
}

/// Rung `k` of the island sizes: zoom `k / 2`'s for even `k`, half of it for odd, doubling
/// above zoom 0's for negative `k`.
fn island_rung(k: i32) -> f64 {
    let base = Level::for_zoom(zoom_of(k)).min_island_km2;
    match k {
        k if k < 0 => base * f64::from(1u32 << k.unsigned_abs().min(16)),
        k if k % 2 == 0 => base,
        _ => base / 2.0,
    }
}

/// The zoom whose level rung `k` is at or just finer than (0 for the rungs above zoom 0).
fn zoom_of(k: i32) -> u8 {
    u8::try_from(k.max(0) / 2).unwrap_or(MAX_ZOOM)
}

/// The rung between `first` and `last` (coarsest first) nearest to `asked` as a ratio, or 0
/// when `asked` is below `floor` times the finest rung.
fn nearest(asked: f64, first: i32, last: i32, rung: fn(i32) -> f64, floor: f64) -> f64 {
    if asked.is_nan() || asked <= 0.0 || asked < rung(last) * floor {
        return 0.0;
    }
    let distance = |k: i32| (asked.ln() - rung(k).ln()).abs();
    (first..=last)
        .min_by(|a, b| distance(*a).total_cmp(&distance(*b)))
        .map_or(0.0, rung)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zooms_levels_are_rungs_to_the_bit() {
        for zoom in 0..=MAX_ZOOM {
            let level = Level::for_zoom(zoom);
            assert_eq!(rung(level), level, "zoom {zoom}");
        }
    }

    #[test]
    fn a_tolerance_goes_to_the_nearest_rung_as_a_ratio() {
        let z6 = Level::for_zoom(6).tolerance;
        let between = z6 / std::f64::consts::SQRT_2;
        assert_eq!(tolerance(z6 * 1.05), z6);
        assert_eq!(tolerance(z6 * 0.95), z6);
        assert_eq!(tolerance(between * 1.1), between);
        // Past the quarter zoom to either side, the neighbouring rung.
        assert_eq!(tolerance(z6 * 1.3), tolerance_rung(11));
        assert_eq!(tolerance(z6 / 1.3), between);
    }

    #[test]
    fn two_tolerances_a_ten_thousandth_apart_share_a_rung() {
        assert_eq!(tolerance(0.0101), tolerance(0.0102));
        assert_eq!(tolerance(0.5), tolerance(0.5001));
    }

    #[test]
    fn the_ladder_is_small_and_covers_what_a_request_may_ask() {
        assert_eq!(tolerance_rungs().count(), 30);
        assert_eq!(island_rungs().count(), 33);
        assert!((tolerance(1.0) - 0.994).abs() < 1e-3);
        assert_eq!(tolerance(0.0), 0.0);
        assert_eq!(tolerance(1e-9), 0.0);
        assert_eq!(tolerance(f64::NAN), 0.0);
        let finest = Level::for_zoom(MAX_ZOOM).tolerance;
        assert_eq!(tolerance(finest * 0.85), finest);
        assert_eq!(tolerance(finest * 0.8), 0.0);
        // Distinct tolerances from 0 to 1° in steps of 0.0001° fall on at most 31 levels.
        let mut seen: Vec<u64> = (0..=10_000)
            .map(|i| tolerance(f64::from(i) * 1e-4).to_bits())
            .collect();
        seen.sort_unstable();
        seen.dedup();
        assert!(seen.len() <= 31, "{} levels", seen.len());
    }

    #[test]
    fn island_sizes_take_their_rung_and_huge_ones_the_top() {
        let z8 = Level::for_zoom(8).min_island_km2;
        assert_eq!(island(z8 * 1.2), z8);
        assert_eq!(island(z8 / 2.0 * 1.1), z8 / 2.0);
        assert_eq!(island(1e9), island_rungs().next().unwrap_or_default());
        assert_eq!(island(0.0), 0.0);
        assert_eq!(island(1e-9), 0.0);
    }
}
