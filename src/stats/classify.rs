//! Classification of a variable into map classes for DX Atlas choropleths.
//!
//! Every method reproduces the class breaks of the Python library mapclassify
//! (PySAL), so a map drawn by DX Atlas shows the same classes an analyst gets
//! from `mapclassify.Quantiles`, `EqualInterval`, `FisherJenks`, `StdMean` or
//! `UserDefined` on the same values. No maintained Rust crate gives
//! mapclassify-compatible breaks (its quantile interpolation and
//! deduplication of tied quantiles, its `arange`-based equal intervals, its
//! single-precision Fisher-Jenks), which is why the methods are implemented
//! here from their definitions.
//!
//! Breaks are reported as mapclassify reports `bins`: the upper bound of each
//! class, the last one being the largest value. A value belongs to the first
//! class whose upper bound is at least the value (see [`class_of`]).

use std::num::NonZeroUsize;
use std::sync::{LazyLock, Mutex};

use lru::LruCache;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Fewest classes a map may have.
pub const MIN_CLASSES: usize = 2;

/// Most classes a map may have: the largest ColorBrewer palettes have 12 colours.
pub const MAX_CLASSES: usize = 12;

/// Most classes [`Method::StdMean`] supports: beyond ±3 standard deviations
/// the outer classes are empty for almost any real variable.
pub const STD_MEAN_MAX_CLASSES: usize = 7;

/// How class breaks are chosen. Written in GraphQL and in download links with the names
/// maps use (`NATURAL_BREAKS` for Fisher-Jenks, `STANDARD_DEVIATION` for StdMean).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Method {
    /// Classes holding (nearly) equal numbers of values, as `mapclassify.Quantiles`.
    /// Tied quantiles collapse, so fewer than `k` classes may come back.
    #[default]
    Quantiles,
    /// Classes of equal width between the minimum and the maximum, as
    /// `mapclassify.EqualInterval`.
    EqualInterval,
    /// Optimal breaks minimising the within-class sum of squared deviations,
    /// as `mapclassify.FisherJenks` finds them; where mapclassify's single
    /// precision misses the optimum by more than 0.1% of the total sum of
    /// squares, the exact optimum instead.
    #[serde(rename = "NATURAL_BREAKS")]
    FisherJenks,
    /// Breaks at the mean plus multiples of the standard deviation, as
    /// `mapclassify.StdMean` with the multiples given by [`std_mean_multiples`].
    #[serde(rename = "STANDARD_DEVIATION")]
    StdMean,
    /// Upper bounds chosen by the user, as `mapclassify.UserDefined`: when the
    /// last bound is below the largest value, the largest value is appended
    /// as a final bound. The class count argument is not used.
    Manual,
}

impl Method {
    /// The name of the matching mapclassify classifier.
    pub fn name(self) -> &'static str {
        match self {
            Method::Quantiles => "Quantiles",
            Method::EqualInterval => "EqualInterval",
            Method::FisherJenks => "FisherJenks",
            Method::StdMean => "StdMean",
            Method::Manual => "UserDefined",
        }
    }

    /// The name maps report for the method used (`natural_breaks`, …).
    pub fn map_name(self) -> &'static str {
        match self {
            Method::Quantiles => "quantiles",
            Method::EqualInterval => "equal_interval",
            Method::FisherJenks => "natural_breaks",
            Method::StdMean => "standard_deviation",
            Method::Manual => "manual",
        }
    }
}

/// The outcome of a classification.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    /// Upper bound of each class, in increasing order (mapclassify's `bins`).
    pub bounds: Vec<f64>,
    /// Number of values in each class (mapclassify's `counts`); classes may be empty.
    pub counts: Vec<usize>,
}

/// Why values could not be classified.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ClassifyError {
    /// The slice of values was empty.
    #[error("there are no values to classify")]
    NoValues,
    /// A value was NaN or infinite.
    #[error("value at index {index} is not a finite number ({value})")]
    NonFinite {
        /// Position of the first offending value.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// The requested number of classes is outside what the method supports.
    #[error("{method} classification supports {min} to {max} classes, {k} were requested")]
    ClassCount {
        /// mapclassify name of the method.
        method: &'static str,
        /// Requested number of classes.
        k: usize,
        /// Fewest classes supported.
        min: usize,
        /// Most classes supported.
        max: usize,
    },
    /// The values have too few distinct values for the method.
    #[error("{method} classification needs at least {needed} distinct values, found {distinct}")]
    TooFewDistinct {
        /// mapclassify name of the method.
        method: &'static str,
        /// Distinct values needed.
        needed: usize,
        /// Distinct values found.
        distinct: usize,
    },
    /// No manual breaks were given.
    #[error("manual classification needs at least one break")]
    NoBreaks,
    /// Manual breaks were not finite and strictly increasing.
    #[error(
        "manual breaks must be finite and strictly increasing; break {index} ({value}) is not"
    )]
    BreaksNotIncreasing {
        /// Position of the first offending break.
        index: usize,
        /// The offending break.
        value: f64,
    },
}

/// Classifies `values` into `k` classes with `method`; `breaks` are the upper bounds of
/// [`Method::Manual`] and are not used by the other methods.
///
/// `k` must lie in [`MIN_CLASSES`]`..=`[`MAX_CLASSES`] (up to
/// [`STD_MEAN_MAX_CLASSES`] for [`Method::StdMean`]); it is ignored for
/// [`Method::Manual`]. The result may have fewer than `k` classes where
/// mapclassify's does: tied quantiles collapse, and [`Method::StdMean`] drops
/// its top class when no value lies above the highest multiple.
///
/// Where mapclassify refuses or degenerates, so does this function:
/// [`Method::FisherJenks`] needs at least `k` distinct values (mapclassify
/// raises), [`Method::EqualInterval`] needs two (mapclassify raises when all
/// values are equal) and so does [`Method::StdMean`] (mapclassify would return
/// identical bounds from a zero standard deviation).
pub fn classify(
    values: &[f64],
    method: Method,
    k: usize,
    breaks: &[f64],
) -> Result<Classification, ClassifyError> {
    if values.is_empty() {
        return Err(ClassifyError::NoValues);
    }
    if let Some((index, &value)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(ClassifyError::NonFinite { index, value });
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (Some(&min), Some(&max)) = (sorted.first(), sorted.last()) else {
        return Err(ClassifyError::NoValues);
    };

    let bounds = match method {
        Method::Quantiles => {
            check_class_count(method, k, MAX_CLASSES)?;
            quantile_bounds(&sorted, k)
        }
        Method::EqualInterval => {
            check_class_count(method, k, MAX_CLASSES)?;
            check_distinct(method, &sorted, 2)?;
            equal_interval_bounds(min, max, k)
        }
        Method::FisherJenks => {
            check_class_count(method, k, MAX_CLASSES)?;
            check_distinct(method, &sorted, k)?;
            fisher_jenks_bounds(&sorted, k)
        }
        Method::StdMean => {
            check_class_count(method, k, STD_MEAN_MAX_CLASSES)?;
            check_distinct(method, &sorted, 2)?;
            std_mean_bounds(values, max, &std_mean_multiples(k))
        }
        Method::Manual => user_defined_bounds(breaks, max)?,
    };

    let mut counts = vec![0; bounds.len()];
    for &value in values {
        if let Some(count) = counts.get_mut(class_of(&bounds, value)) {
            *count += 1;
        }
    }
    Ok(Classification { bounds, counts })
}

/// The class of `value` given class upper `bounds`: the first class whose
/// upper bound is at least `value`.
///
/// Values above the last bound (and NaN) fall in the last class, as
/// mapclassify's `find_bin` places them; an empty `bounds` gives class 0.
pub fn class_of(bounds: &[f64], value: f64) -> usize {
    bounds
        .iter()
        .position(|&bound| value <= bound)
        .unwrap_or_else(|| bounds.len().saturating_sub(1))
}

/// The multiples of the standard deviation that [`Method::StdMean`] places
/// breaks at for `k` classes.
///
/// With `h = (k - 1) / 2` (rounded down) the multiples are `-h..=h`, leaving
/// out 0 when `k` is odd so that the mean falls inside the middle class:
///
/// | k | multiples |
/// |---|-----------|
/// | 2 | `0` |
/// | 3 | `-1, 1` |
/// | 4 | `-1, 0, 1` |
/// | 5 | `-2, -1, 1, 2` (mapclassify's default) |
/// | 6 | `-2, -1, 0, 1, 2` |
/// | 7 | `-3, -2, -1, 1, 2, 3` |
///
/// That is `k - 1` breaks plus the maximum, hence `k` classes whenever some
/// value lies above the highest multiple.
pub fn std_mean_multiples(k: usize) -> Vec<f64> {
    let half = i32::try_from(k.saturating_sub(1) / 2).unwrap_or(i32::MAX);
    let keep_zero = k.is_multiple_of(2);
    (-half..=half)
        .filter(|&m| keep_zero || m != 0)
        .map(f64::from)
        .collect()
}

fn check_class_count(method: Method, k: usize, max: usize) -> Result<(), ClassifyError> {
    if (MIN_CLASSES..=max).contains(&k) {
        Ok(())
    } else {
        Err(ClassifyError::ClassCount {
            method: method.name(),
            k,
            min: MIN_CLASSES,
            max,
        })
    }
}

fn check_distinct(method: Method, sorted: &[f64], needed: usize) -> Result<(), ClassifyError> {
    let distinct = 1 + sorted.windows(2).filter(|pair| pair[0] != pair[1]).count();
    if distinct >= needed {
        Ok(())
    } else {
        Err(ClassifyError::TooFewDistinct {
            method: method.name(),
            needed,
            distinct,
        })
    }
}

/// Values `start, start + step, ...` below `stop`, computed as NumPy's
/// `arange` computes them, since mapclassify derives percentiles and equal
/// intervals from `arange` and the last ulp decides whether tied quantiles
/// collapse.
fn arange(start: f64, stop: f64, step: f64) -> Vec<f64> {
    let len = ((stop - start) / step).ceil();
    if len.is_nan() || len < 1.0 {
        return Vec::new();
    }
    // `len` is a small positive integer here: at most MAX_CLASSES + 1 in practice.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let len = len as usize;
    // NumPy stores start and start + step, then fills the rest from their difference.
    let delta = (start + step) - start;
    (0..len)
        .map(|i| match i {
            0 => start,
            1 => start + step,
            _ => start + i as f64 * delta,
        })
        .collect()
}

/// mapclassify's quantile bounds: scipy's `scoreatpercentile` (linear
/// interpolation) at 100/k, 200/k, ..., 100 percent, with exact duplicates
/// removed as `numpy.unique` does.
fn quantile_bounds(sorted: &[f64], k: usize) -> Vec<f64> {
    let width = 100.0 / k as f64;
    // The last percentile can come out a hair above 100 (k = 6, 7, 11);
    // mapclassify caps it, and the others stay below 100 for k <= 12.
    let mut bounds: Vec<f64> = arange(width, 100.0 + width, width)
        .into_iter()
        .map(|p| score_at_percentile(sorted, p.min(100.0)))
        .collect();
    bounds.sort_by(f64::total_cmp);
    bounds.dedup_by(|a, b| a == b);
    bounds
}

/// scipy's `scoreatpercentile` with its default "fraction" interpolation,
/// keeping its order of operations so that equal neighbours interpolate to
/// the same float mapclassify sees.
fn score_at_percentile(sorted: &[f64], percentile: f64) -> f64 {
    let last = sorted.len().saturating_sub(1);
    let idx = percentile / 100.0 * last as f64;
    // idx lies in 0..=last, so truncation gives a valid index.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let i = (idx as usize).min(last);
    let lower = sorted.get(i).copied().unwrap_or(f64::NAN);
    if i as f64 == idx {
        return lower;
    }
    let upper = sorted.get(i + 1).copied().unwrap_or(lower);
    let below = (i + 1) as f64 - idx;
    let above = idx - i as f64;
    (lower * below + upper * above) / (below + above)
}

/// mapclassify's equal-interval bounds: `arange(min + w, max + w, w)` cut to
/// `k` entries, with the last replaced by the maximum so that rounding can
/// never leave the largest value outside every class.
fn equal_interval_bounds(min: f64, max: f64, k: usize) -> Vec<f64> {
    let width = (max - min) / k as f64;
    let mut bounds = arange(min + width, max + width, width);
    bounds.truncate(k);
    match bounds.last_mut() {
        Some(last) => *last = max,
        None => bounds.push(max),
    }
    bounds
}

/// mapclassify's StdMean bounds: mean + m·sd for each multiple m (sd with
/// one degree of freedom removed), then the maximum when it lies above them.
fn std_mean_bounds(values: &[f64], max: f64, multiples: &[f64]) -> Vec<f64> {
    let n = values.len() as f64;
    let mean = pairwise_sum(values) / n;
    let squares: Vec<f64> = values
        .iter()
        .map(|v| {
            let d = v - mean;
            d * d
        })
        .collect();
    let sd = (pairwise_sum(&squares) / (n - 1.0)).sqrt();
    let mut bounds: Vec<f64> = multiples.iter().map(|m| mean + sd * m).collect();
    if bounds.last().is_some_and(|&last| last < max) {
        bounds.push(max);
    }
    bounds
}

/// Sums as NumPy's `add.reduce` does (pairwise, with eight accumulators per
/// block of up to 128 values), so that the mean and standard deviation behind
/// StdMean bounds agree with NumPy's to the last bit.
fn pairwise_sum(values: &[f64]) -> f64 {
    const BLOCK: usize = 128;
    let n = values.len();
    if n < 8 {
        values.iter().fold(0.0, |acc, v| acc + v)
    } else if n <= BLOCK {
        let mut acc = [0.0; 8];
        acc.copy_from_slice(&values[..8]);
        let whole = n - n % 8;
        for chunk in values[8..whole].chunks_exact(8) {
            for (a, v) in acc.iter_mut().zip(chunk) {
                *a += v;
            }
        }
        let mut sum =
            ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
        for v in &values[whole..] {
            sum += v;
        }
        sum
    } else {
        let half = n / 2;
        let half = half - half % 8;
        pairwise_sum(&values[..half]) + pairwise_sum(&values[half..])
    }
}

/// mapclassify's UserDefined bounds, after checking that the breaks are usable.
fn user_defined_bounds(breaks: &[f64], max: f64) -> Result<Vec<f64>, ClassifyError> {
    let Some(&last) = breaks.last() else {
        return Err(ClassifyError::NoBreaks);
    };
    let mut previous = f64::NEG_INFINITY;
    for (index, &value) in breaks.iter().enumerate() {
        if !value.is_finite() || value <= previous {
            return Err(ClassifyError::BreaksNotIncreasing { index, value });
        }
        previous = value;
    }
    let mut bounds = breaks.to_vec();
    if last < max {
        bounds.push(max);
    }
    Ok(bounds)
}

/// Fisher's optimal breaks: the partition of the sorted values into `k`
/// classes with the least within-class sum of squared deviations.
///
/// mapclassify runs the dynamic programme with single-precision sums, whose
/// rounding grows with n and with the square of mean/spread. On survey-like
/// data (n ≈ 1,800, values 60 ± 8) its partition is typically a hair off the
/// optimum, by 10⁻⁶ to 10⁻⁴ of the total sum of squares, and its choice
/// between tied partitions of repeated values depends on that rounding too.
/// To give the breaks an analyst sees in mapclassify, the programme is run
/// as mapclassify runs it, and that partition is kept while it is within
/// 0.1% of the total sum of squares of the true optimum, a difference no map
/// reader can see. Past that, single precision has broken down (values such
/// as 10⁶ ± 50, where mapclassify's breaks are not even increasing), and the
/// exact optimum, computed in double precision with Welford's updates, is used.
fn fisher_jenks_bounds(sorted: &[f64], k: usize) -> Vec<f64> {
    let key = JenksKey {
        k,
        sorted: sorted.iter().map(|v| v.to_bits()).collect(),
    };
    if let Some(bounds) = JENKS_MEMO
        .lock()
        .ok()
        .and_then(|mut memo| memo.get(&key).cloned())
    {
        return bounds;
    }
    let bounds = fisher_jenks_computed(sorted, k);
    if let Ok(mut memo) = JENKS_MEMO.lock() {
        memo.put(key, bounds.clone());
    }
    bounds
}

/// The values and class count of one Fisher-Jenks run, compared bit for bit.
#[derive(PartialEq, Eq, Hash)]
struct JenksKey {
    k: usize,
    sorted: Vec<u64>,
}

/// Fisher-Jenks runs two O(k·n²) passes, tens of milliseconds over every municipality, and a
/// map is classified again with the same values whenever only its palette or zoom changes:
/// the bounds of the latest inputs are kept (a pure function's results, whatever the data's
/// version; some 14 KB of key per entry).
static JENKS_MEMO: LazyLock<Mutex<LruCache<JenksKey, Vec<f64>>>> =
    LazyLock::new(|| Mutex::new(LruCache::new(JENKS_MEMO_ENTRIES)));

const JENKS_MEMO_ENTRIES: NonZeroUsize = match NonZeroUsize::new(64) {
    Some(n) => n,
    None => NonZeroUsize::MIN,
};

fn fisher_jenks_computed(sorted: &[f64], k: usize) -> Vec<f64> {
    let exact = jenks_partition(sorted, k, JenksPass::Exact);
    let like_mapclassify = jenks_partition(sorted, k, JenksPass::Mapclassify);

    let tolerance = 1e-3 * within_class_squares(sorted, &[sorted.len()]);
    let ends = match (like_mapclassify, exact) {
        (Some(theirs), Some(best))
            if within_class_squares(sorted, &theirs)
                <= within_class_squares(sorted, &best) + tolerance =>
        {
            theirs
        }
        (_, Some(best)) => best,
        (Some(theirs), None) => theirs,
        (None, None) => vec![sorted.len()],
    };
    ends.iter()
        .filter_map(|&end| end.checked_sub(1).and_then(|last| sorted.get(last)))
        .copied()
        .collect()
}

/// The two ways [`jenks_partition`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JenksPass {
    /// Single-precision sums and mapclassify's initial table, which lets a
    /// single value stand for several classes.
    Mapclassify,
    /// Double precision with Welford's updates, which do not cancel
    /// catastrophically, and only partitions whose classes all hold a value.
    Exact,
}

impl JenksPass {
    /// Rounds to single precision. Rounding each double-precision operation
    /// on single-precision operands to single precision gives exactly the
    /// single-precision result, because a double has more than twice the
    /// bits of a single.
    // The narrowing is the point: it reproduces mapclassify's float32.
    #[allow(clippy::cast_possible_truncation)]
    fn single(x: f64) -> f64 {
        f64::from(x as f32)
    }
}

/// Sum of squared deviations of a class grown one value at a time, the way
/// each [`JenksPass`] computes it.
#[derive(Debug, Clone, Copy, Default)]
struct ClassSquares {
    count: f64,
    /// Running sum (mapclassify's pass) or mean (exact pass).
    first: f64,
    /// Running sum of squares (mapclassify's pass) or of squared deviations.
    second: f64,
}

impl ClassSquares {
    /// Adds `value` and returns the class's sum of squared deviations.
    fn add(&mut self, value: f64, pass: JenksPass) -> f64 {
        self.count += 1.0;
        match pass {
            JenksPass::Mapclassify => {
                let single = JenksPass::single;
                let value = single(value);
                self.second = single(self.second + single(value * value));
                self.first = single(self.first + value);
                single(self.second - single(single(self.first * self.first) / self.count))
            }
            JenksPass::Exact => {
                let delta = value - self.first;
                self.first += delta / self.count;
                self.second += delta * (value - self.first);
                self.second
            }
        }
    }
}

/// Runs the Fisher-Jenks dynamic programme (as mapclassify writes it, after
/// Jenks) on sorted values in O(k·n²) and returns the end of each class: the
/// number of values in it and the classes before it. `None` when tracing the
/// table back runs out of values, which only mapclassify's pass can do.
fn jenks_partition(sorted: &[f64], k: usize, pass: JenksPass) -> Option<Vec<usize>> {
    let n = sorted.len();
    let width = k + 1;
    // Row l, column j: for the first l values split into j classes, the
    // 1-based position where the last class starts, and the least cost.
    let mut start = vec![0_usize; (n + 1) * width];
    let mut cost = vec![0.0_f64; (n + 1) * width];
    for j in 1..=k {
        start[width + j] = 1;
    }
    let first_infinite_row = match pass {
        JenksPass::Mapclassify => 2,
        JenksPass::Exact => 1,
    };
    for (index, slot) in cost.iter_mut().enumerate().skip(first_infinite_row * width) {
        if index % width > 0 {
            *slot = f64::INFINITY;
        }
    }
    for l in 1..=n {
        let row = l * width;
        let mut last_class = ClassSquares::default();
        let mut ssd = 0.0;
        for first in (1..=l).rev() {
            ssd = last_class.add(sorted[first - 1], pass);
            let before = first - 1;
            let top = match pass {
                JenksPass::Mapclassify if before == 0 => continue,
                JenksPass::Mapclassify => k,
                // The first `before` values can fill at most `before` classes.
                JenksPass::Exact => k.min(before + 1),
            };
            for j in 2..=top {
                let mut candidate = ssd + cost[before * width + j - 1];
                if pass == JenksPass::Mapclassify {
                    candidate = JenksPass::single(candidate);
                }
                // `>=`: on equal costs the largest last class wins, as in mapclassify.
                if cost[row + j] >= candidate {
                    start[row + j] = first;
                    cost[row + j] = candidate;
                }
            }
        }
        start[row + 1] = 1;
        cost[row + 1] = ssd;
    }

    let mut ends = vec![n; k];
    let mut end = n;
    for j in (2..=k).rev() {
        let first = start[end * width + j];
        if first < 2 {
            return None;
        }
        end = first - 1;
        ends[j - 2] = end;
    }
    Some(ends)
}

/// Within-class sum of squared deviations of a partition given by class ends.
fn within_class_squares(sorted: &[f64], ends: &[usize]) -> f64 {
    let mut begin = 0;
    let mut total = 0.0;
    for &end in ends {
        let class = sorted.get(begin..end).unwrap_or_default();
        if !class.is_empty() {
            let mean = class.iter().sum::<f64>() / class.len() as f64;
            total += class.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>();
        }
        begin = end;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(values: &[f64], method: Method, k: usize) -> Vec<f64> {
        classify(values, method, k, &[]).unwrap().bounds
    }

    #[test]
    fn equal_interval_on_zero_to_ten() {
        let values: Vec<f64> = (0..=10).map(f64::from).collect();
        let c = classify(&values, Method::EqualInterval, 5, &[]).unwrap();
        assert_eq!(c.bounds, vec![2.0, 4.0, 6.0, 8.0, 10.0]);
        // 0,1,2 | 3,4 | 5,6 | 7,8 | 9,10
        assert_eq!(c.counts, vec![3, 2, 2, 2, 2]);
    }

    #[test]
    fn equal_interval_last_bound_is_the_maximum() {
        // 0.1 * 3 is not exactly 0.3: the last bound must still be the maximum.
        let values = [0.0, 0.1, 0.3];
        let c = classify(&values, Method::EqualInterval, 3, &[]).unwrap();
        assert_eq!(c.bounds.len(), 3);
        assert_eq!(c.bounds[2], 0.3);
        assert_eq!(c.counts.iter().sum::<usize>(), 3);
    }

    #[test]
    fn quantiles_interpolate_linearly() {
        let values: Vec<f64> = (0..1000).map(f64::from).collect();
        assert_eq!(
            bounds(&values, Method::Quantiles, 4),
            vec![249.75, 499.5, 749.25, 999.0]
        );
        // 100/3 percent is not exact in binary; mapclassify gets the same ulps.
        assert_eq!(
            bounds(&values, Method::Quantiles, 3),
            vec![333.00000000000006, 666.0000000000001, 999.0]
        );
    }

    #[test]
    fn quantiles_with_ties_collapse() {
        let values = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 3.0];
        // Percentiles 25, 50 and 75 all fall on 1.0; only 1.0 and 3.0 remain.
        let c = classify(&values, Method::Quantiles, 4, &[]).unwrap();
        assert_eq!(c.bounds, vec![1.0, 3.0]);
        assert_eq!(c.counts, vec![8, 2]);
        // The 75th percentile of eight values interpolates between 1 and 2.
        let c = classify(&values[2..], Method::Quantiles, 4, &[]).unwrap();
        assert_eq!(c.bounds, vec![1.0, 1.25, 3.0]);
        assert_eq!(c.counts, vec![6, 0, 2]);
    }

    #[test]
    fn quantiles_of_constant_values_give_one_class() {
        let c = classify(&[4.0; 5], Method::Quantiles, 5, &[]).unwrap();
        assert_eq!(c.bounds, vec![4.0]);
        assert_eq!(c.counts, vec![5]);
    }

    #[test]
    fn fisher_jenks_finds_clusters() {
        let values = [
            1.0, 2.0, 1.5, 10.0, 11.0, 10.5, 30.0, 31.0, 29.0, 1.2, 10.2, 30.5,
        ];
        let c = classify(&values, Method::FisherJenks, 3, &[]).unwrap();
        assert_eq!(c.bounds, vec![2.0, 11.0, 31.0]);
        assert_eq!(c.counts, vec![4, 4, 4]);
    }

    #[test]
    fn fisher_jenks_matches_mapclassify_on_tied_integers() {
        // {0}{1,1,2} and {0,1,1}{2} both cost 2/3; in single precision the
        // first is cheaper, and mapclassify.FisherJenks gives bins [0, 2].
        let c = classify(&[0.0, 1.0, 1.0, 2.0], Method::FisherJenks, 2, &[]).unwrap();
        assert_eq!(c.bounds, vec![0.0, 2.0]);
        assert_eq!(c.counts, vec![1, 3]);
    }

    /// Least within-class squares over every way of cutting `sorted` into `k` runs.
    fn brute_force_best(sorted: &[f64], k: usize) -> f64 {
        fn go(sorted: &[f64], begin: usize, k: usize, ends: &mut Vec<usize>, best: &mut f64) {
            if k == 1 {
                ends.push(sorted.len());
                *best = best.min(within_class_squares(sorted, ends));
                ends.pop();
                return;
            }
            for end in begin + 1..=sorted.len() - (k - 1) {
                ends.push(end);
                go(sorted, end, k - 1, ends, best);
                ends.pop();
            }
        }
        let mut best = f64::INFINITY;
        go(sorted, 0, k, &mut Vec::new(), &mut best);
        best
    }

    #[test]
    fn fisher_jenks_exact_pass_is_optimal() {
        // A small linear congruential generator keeps the cases reproducible.
        let mut state = 12_345_u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 33) as f64 / f64::from(1_u32 << 31)
        };
        for case in 0..60 {
            let n = 4 + case % 9;
            let k = 2 + case % 4;
            let mut values: Vec<f64> = (0..n).map(|_| (next() * 20.0).round()).collect();
            values.sort_by(f64::total_cmp);
            if k > n {
                continue;
            }
            let ends = jenks_partition(&values, k, JenksPass::Exact).unwrap();
            let ours = within_class_squares(&values, &ends);
            let best = brute_force_best(&values, k);
            assert!(
                (ours - best).abs() < 1e-9,
                "{values:?} k={k}: {ours} vs {best}"
            );
        }
    }

    #[test]
    fn fisher_jenks_stays_optimal_where_single_precision_fails() {
        // Squares near 10¹² are beyond single precision: mapclassify's
        // FisherJenks returns bins [1000022, 1000000, 1000022] here.
        let values: Vec<f64> = [0.0, 1.0, 2.0, 10.0, 11.0, 12.0, 20.0, 21.0, 22.0]
            .iter()
            .map(|v| 1e6 + v)
            .collect();
        let c = classify(&values, Method::FisherJenks, 3, &[]).unwrap();
        assert_eq!(c.bounds, vec![1_000_002.0, 1_000_012.0, 1_000_022.0]);
        assert_eq!(c.counts, vec![3, 3, 3]);
    }

    #[test]
    fn fisher_jenks_needs_k_distinct_values() {
        let err = classify(&[1.0, 1.0, 2.0, 2.0], Method::FisherJenks, 3, &[]).unwrap_err();
        assert_eq!(
            err,
            ClassifyError::TooFewDistinct {
                method: "FisherJenks",
                needed: 3,
                distinct: 2
            }
        );
    }

    #[test]
    fn std_mean_multiples_rule() {
        assert_eq!(std_mean_multiples(2), vec![0.0]);
        assert_eq!(std_mean_multiples(3), vec![-1.0, 1.0]);
        assert_eq!(std_mean_multiples(4), vec![-1.0, 0.0, 1.0]);
        assert_eq!(std_mean_multiples(5), vec![-2.0, -1.0, 1.0, 2.0]);
        assert_eq!(std_mean_multiples(6), vec![-2.0, -1.0, 0.0, 1.0, 2.0]);
        assert_eq!(std_mean_multiples(7), vec![-3.0, -2.0, -1.0, 1.0, 2.0, 3.0]);
    }

    #[test]
    fn std_mean_uses_sample_standard_deviation() {
        // 1..=9: mean 5, squared deviations sum to 60, sample sd = sqrt(60 / 8).
        let values: Vec<f64> = (1..=9).map(f64::from).collect();
        let sd = (60.0_f64 / 8.0).sqrt();
        let c = classify(&values, Method::StdMean, 3, &[]).unwrap();
        assert_eq!(c.bounds, vec![5.0 - sd, 5.0 + sd, 9.0]);
        assert_eq!(c.counts, vec![2, 5, 2]);
    }

    #[test]
    fn std_mean_drops_top_class_when_maximum_is_below_it() {
        let values = [0.0, 0.0, 0.0, 1.0];
        // mean 0.25, sd 0.5: the top multiple gives 1.25, above the maximum 1.
        let c = classify(&values, Method::StdMean, 5, &[]).unwrap();
        assert_eq!(c.bounds.len(), 4);
        assert_eq!(c.counts, vec![0, 0, 3, 1]);
    }

    #[test]
    fn manual_breaks_append_the_maximum() {
        let values = [1.0, 5.0, 25.0, 40.0];
        let c = classify(&values, Method::Manual, 0, &[20.0, 30.0]).unwrap();
        assert_eq!(c.bounds, vec![20.0, 30.0, 40.0]);
        assert_eq!(c.counts, vec![2, 1, 1]);
        let c = classify(&values, Method::Manual, 0, &[10.0, 40.0]).unwrap();
        assert_eq!(c.bounds, vec![10.0, 40.0]);
    }

    #[test]
    fn manual_breaks_must_increase() {
        let err = classify(&[1.0], Method::Manual, 0, &[2.0, 2.0]).unwrap_err();
        assert_eq!(
            err,
            ClassifyError::BreaksNotIncreasing {
                index: 1,
                value: 2.0
            }
        );
        let err = classify(&[1.0], Method::Manual, 0, &[]).unwrap_err();
        assert_eq!(err, ClassifyError::NoBreaks);
        let err = classify(&[1.0], Method::Manual, 0, &[f64::NAN]).unwrap_err();
        assert!(matches!(
            err,
            ClassifyError::BreaksNotIncreasing { index: 0, .. }
        ));
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(
            classify(&[], Method::Quantiles, 5, &[]),
            Err(ClassifyError::NoValues)
        );
        assert!(matches!(
            classify(&[1.0, f64::INFINITY], Method::Quantiles, 5, &[]),
            Err(ClassifyError::NonFinite { index: 1, .. })
        ));
        assert!(matches!(
            classify(&[1.0, 2.0], Method::Quantiles, 1, &[]),
            Err(ClassifyError::ClassCount { k: 1, .. })
        ));
        assert!(matches!(
            classify(&[1.0, 2.0], Method::EqualInterval, 13, &[]),
            Err(ClassifyError::ClassCount { k: 13, max: 12, .. })
        ));
        assert!(matches!(
            classify(&[1.0, 2.0], Method::StdMean, 8, &[]),
            Err(ClassifyError::ClassCount { k: 8, max: 7, .. })
        ));
        assert!(matches!(
            classify(&[3.0, 3.0], Method::EqualInterval, 2, &[]),
            Err(ClassifyError::TooFewDistinct { distinct: 1, .. })
        ));
        assert!(matches!(
            classify(&[3.0], Method::StdMean, 3, &[]),
            Err(ClassifyError::TooFewDistinct { distinct: 1, .. })
        ));
    }

    #[test]
    fn class_of_follows_upper_bounds() {
        let bounds = [1.0, 5.0, 9.0];
        assert_eq!(class_of(&bounds, -3.0), 0);
        assert_eq!(class_of(&bounds, 1.0), 0);
        assert_eq!(class_of(&bounds, 1.5), 1);
        assert_eq!(class_of(&bounds, 5.0), 1);
        assert_eq!(class_of(&bounds, 9.0), 2);
        assert_eq!(class_of(&bounds, 100.0), 2);
        assert_eq!(class_of(&bounds, f64::NAN), 2);
        assert_eq!(class_of(&[], 1.0), 0);
    }

    #[test]
    fn pairwise_sum_matches_plain_sum_on_integers() {
        let values: Vec<f64> = (1..=1000).map(f64::from).collect();
        assert_eq!(pairwise_sum(&values), 500_500.0);
        assert_eq!(pairwise_sum(&values[..7]), 28.0);
        assert_eq!(pairwise_sum(&values[..100]), 5050.0);
    }
}
