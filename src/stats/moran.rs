//! Spatial autocorrelation for DX Atlas maps: global and local Moran's I.
//!
//! The statistics follow PySAL's esda (`esda.Moran` and `esda.Moran_Local`)
//! with row-standardised weights (esda's default transformation `"r"`), so
//! that I, its analytical moments and p-values, and the local I values agree
//! with what an analyst gets from esda on the same neighbours. No maintained
//! Rust crate computes these with esda-compatible results, which is why they
//! are implemented here from their definitions (Cliff and Ord for the global
//! moments, Anselin 1995 for the local statistic).
//!
//! Permutation p-values use a seeded generator of DX Atlas's own, so they are
//! reproducible for a given seed but do not equal esda's draws. They are
//! defined as esda defines them (folded pseudo p-values, conditional
//! randomisation for the local statistic), except that a draw exactly equal
//! to the observed statistic counts in both tails: that is what keeps
//! islands, whose local I is always zero, from being reported as
//! significant.

use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::Arc;

use thiserror::Error;

/// Which observations neighbour which: binary contiguity or k-nearest
/// neighbours, row-standardised when the statistics use them.
///
/// Links need not be symmetric (k-nearest neighbours are not). An
/// observation without neighbours is an island: under row standardisation
/// its row of weights is all zero, as in a libpysal `W` with islands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weights {
    /// Neighbours of each observation, sorted by index.
    neighbours: Vec<Vec<usize>>,
}

/// Why a Moran statistic could not be computed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MoranError {
    /// The values and the weights cover different numbers of observations.
    #[error("{values} values were given for weights over {weights} observations")]
    LengthMismatch {
        /// Number of values.
        values: usize,
        /// Number of observations in the weights.
        weights: usize,
    },
    /// Too few observations for the statistic.
    #[error("at least {needed} observations are needed, {got} were given")]
    TooFewValues {
        /// Observations given.
        got: usize,
        /// Observations needed.
        needed: usize,
    },
    /// A value was NaN or infinite.
    #[error("value at index {index} is not a finite number")]
    NonFinite {
        /// Position of the first offending value.
        index: usize,
    },
    /// All values are equal, so there is no variation to correlate.
    #[error("all values are equal, so Moran's I is undefined")]
    ZeroVariance,
    /// A neighbour index does not name an observation.
    #[error("observation {observation} lists neighbour {neighbour}, but there are only {len} observations")]
    NeighbourOutOfRange {
        /// The observation whose list is wrong.
        observation: usize,
        /// The offending neighbour index.
        neighbour: usize,
        /// Number of observations.
        len: usize,
    },
    /// An observation lists itself as a neighbour.
    #[error("observation {observation} lists itself as a neighbour")]
    SelfNeighbour {
        /// The offending observation.
        observation: usize,
    },
    /// An observation lists the same neighbour twice.
    #[error("observation {observation} lists neighbour {neighbour} more than once")]
    DuplicateNeighbour {
        /// The offending observation.
        observation: usize,
        /// The repeated neighbour.
        neighbour: usize,
    },
    /// The number of nearest neighbours is not between 1 and n - 1.
    #[error(
        "k = {k} nearest neighbours is impossible among {points} points (need 1 <= k < points)"
    )]
    BadK {
        /// Requested number of neighbours.
        k: usize,
        /// Number of points.
        points: usize,
    },
    /// A coordinate was NaN or infinite.
    #[error("point {index} has a coordinate that is not a finite number")]
    NonFiniteCoordinate {
        /// Position of the first offending point.
        index: usize,
    },
    /// Every observation is an island.
    #[error("no observation has a neighbour, so Moran's I is undefined")]
    NoLinks,
    /// An analytical variance of I came out non-positive, which happens only
    /// for tiny or degenerate inputs.
    #[error("the variance of I under {assumption} is not positive ({variance}); too few observations for the analytical test")]
    DegenerateVariance {
        /// `"normality"` or `"randomisation"`.
        assumption: &'static str,
        /// The variance computed.
        variance: f64,
    },
    /// The significance level is not a probability.
    #[error("significance level {0} is not between 0 and 1")]
    BadSignificance(f64),
    /// The caller stopped waiting: the permutations were abandoned.
    #[error("the permutations were stopped before they finished")]
    Stopped,
}

/// Asks long permutation runs to stop: set when whoever waits for them gives up (a request
/// past its deadline), read every [`STOP_CHECK`] permutations.
#[derive(Debug, Clone, Default)]
pub struct Stop(Arc<AtomicBool>);

/// Permutations between two looks at [`Stop`]: a few milliseconds of work at most.
pub const STOP_CHECK: usize = 64;

impl Stop {
    /// Asks the run to stop.
    pub fn stop(&self) {
        self.0.store(true, AtomicOrdering::Relaxed);
    }

    fn requested(&self) -> bool {
        self.0.load(AtomicOrdering::Relaxed)
    }

    fn check(&self, permutation: usize) -> Result<(), MoranError> {
        if permutation.is_multiple_of(STOP_CHECK) && self.requested() {
            Err(MoranError::Stopped)
        } else {
            Ok(())
        }
    }
}

impl Weights {
    /// Builds weights from each observation's list of neighbours.
    ///
    /// Lists may be in any order (the weights are binary, so order carries no
    /// meaning); an index must name an observation, may not be the
    /// observation itself and may not repeat. An empty list makes an island.
    pub fn new(mut neighbours: Vec<Vec<usize>>) -> Result<Self, MoranError> {
        let len = neighbours.len();
        for (observation, list) in neighbours.iter_mut().enumerate() {
            list.sort_unstable();
            if let Some(&neighbour) = list.iter().find(|&&j| j >= len) {
                return Err(MoranError::NeighbourOutOfRange {
                    observation,
                    neighbour,
                    len,
                });
            }
            if list.binary_search(&observation).is_ok() {
                return Err(MoranError::SelfNeighbour { observation });
            }
            if let Some(pair) = list.windows(2).find(|pair| pair[0] == pair[1]) {
                return Err(MoranError::DuplicateNeighbour {
                    observation,
                    neighbour: pair[0],
                });
            }
        }
        Ok(Self { neighbours })
    }

    /// Links each point to its `k` nearest other points by Euclidean distance
    /// on the given coordinates, as `libpysal.weights.KNN` links them. Among
    /// equally distant points the lower indices win (libpysal leaves that
    /// choice to its k-d tree, so exact ties may be linked differently there).
    ///
    /// Coordinates are taken as planar: project longitude and latitude first.
    pub fn knn(points: &[(f64, f64)], k: usize) -> Result<Self, MoranError> {
        let n = points.len();
        if k == 0 || k >= n {
            return Err(MoranError::BadK { k, points: n });
        }
        if let Some(index) = points
            .iter()
            .position(|(x, y)| !x.is_finite() || !y.is_finite())
        {
            return Err(MoranError::NonFiniteCoordinate { index });
        }
        let by_distance =
            |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
        let mut candidates = Vec::with_capacity(n - 1);
        let mut neighbours = Vec::with_capacity(n);
        for (i, &(xi, yi)) in points.iter().enumerate() {
            candidates.clear();
            // Squared distances order points exactly as distances do.
            candidates.extend(
                points
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    .map(|(j, &(xj, yj))| ((xj - xi).powi(2) + (yj - yi).powi(2), j)),
            );
            candidates.select_nth_unstable_by(k - 1, by_distance);
            let mut nearest: Vec<usize> = candidates[..k].iter().map(|&(_, j)| j).collect();
            nearest.sort_unstable();
            neighbours.push(nearest);
        }
        Ok(Self { neighbours })
    }

    /// Observations without neighbours. Their row-standardised weights are all
    /// zero, so their spatial lag and local I are zero.
    pub fn islands(&self) -> Vec<usize> {
        self.neighbours
            .iter()
            .enumerate()
            .filter(|(_, list)| list.is_empty())
            .map(|(i, _)| i)
            .collect()
    }

    /// Each observation's neighbours, sorted by index.
    pub fn neighbours(&self) -> &[Vec<usize>] {
        &self.neighbours
    }

    /// Number of observations.
    pub fn len(&self) -> usize {
        self.neighbours.len()
    }

    /// Whether the weights cover no observations.
    pub fn is_empty(&self) -> bool {
        self.neighbours.is_empty()
    }

    /// Row-standardised weight of each of observation `i`'s links.
    fn row_weight(&self, i: usize) -> f64 {
        match self.neighbours.get(i).map_or(0, Vec::len) {
            0 => 0.0,
            links => 1.0 / links as f64,
        }
    }

    /// Row-standardised weight from `i` to `j` (zero when not linked).
    fn weight(&self, i: usize, j: usize) -> f64 {
        let linked = self
            .neighbours
            .get(i)
            .is_some_and(|list| list.binary_search(&j).is_ok());
        if linked {
            self.row_weight(i)
        } else {
            0.0
        }
    }

    /// Spatial lag: the mean of each observation's neighbours' values (zero
    /// for islands).
    fn lag(&self, z: &[f64]) -> Vec<f64> {
        self.neighbours
            .iter()
            .enumerate()
            .map(|(i, list)| {
                let w = self.row_weight(i);
                list.iter().map(|&j| w * z[j]).sum()
            })
            .collect()
    }

    /// The sums S0, S1 and S2 of the row-standardised weights that the
    /// moments of I are built from (Cliff and Ord).
    fn sums(&self) -> (f64, f64, f64) {
        let n = self.neighbours.len();
        let mut s0 = 0.0;
        let mut s1 = 0.0;
        let mut column = vec![0.0; n];
        for (i, list) in self.neighbours.iter().enumerate() {
            let w = self.row_weight(i);
            for &j in list {
                s0 += w;
                column[j] += w;
                // S1 sums (w_ij + w_ji)² over ordered pairs; a one-way link
                // shows up in both orders, so it counts twice here.
                let back = self.weight(j, i);
                s1 += if back > 0.0 {
                    (w + back).powi(2)
                } else {
                    2.0 * w * w
                };
            }
        }
        // A row sums to 1 unless it is an island's.
        let s2 = self
            .neighbours
            .iter()
            .zip(&column)
            .map(|(list, column)| {
                let row = if list.is_empty() { 0.0 } else { 1.0 };
                (row + column).powi(2)
            })
            .sum();
        (s0, s1 / 2.0, s2)
    }
}

/// Global Moran's I with its analytical and permutation inference, as
/// `esda.Moran` reports them.
#[derive(Debug, Clone, PartialEq)]
pub struct GlobalMoran {
    /// Moran's I.
    pub i: f64,
    /// Expected I under no autocorrelation, -1 / (n - 1).
    pub expected: f64,
    /// Variance of I under the normality assumption.
    pub variance_norm: f64,
    /// z-score of I under normality.
    pub z_norm: f64,
    /// Two-sided p-value of I under normality (esda's default `two_tailed=True`).
    pub p_norm: f64,
    /// Variance of I under the randomisation assumption.
    pub variance_rand: f64,
    /// z-score of I under randomisation.
    pub z_rand: f64,
    /// Two-sided p-value of I under randomisation.
    pub p_rand: f64,
    /// Pseudo p-value from random permutations, esda's folded definition
    /// (see [`global`]); `None` when no permutations were drawn.
    pub p_sim: Option<f64>,
    /// Number of permutations drawn.
    pub permutations: usize,
}

/// A local indicator's cluster type on a LISA map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cluster {
    /// High value among high neighbours (quadrant 1).
    HighHigh,
    /// Low value among low neighbours (quadrant 3).
    LowLow,
    /// High value among low neighbours (quadrant 4).
    HighLow,
    /// Low value among high neighbours (quadrant 2).
    LowHigh,
    /// The local statistic is not significant at the chosen level.
    NotSignificant,
}

/// Local Moran's I for every observation, as `esda.Moran_Local` reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalMoran {
    /// Local I of each observation (esda's `Is`).
    pub i: Vec<f64>,
    /// Moran scatterplot quadrant (esda's `q`): 1 HH, 2 LH, 3 LL, 4 HL. A
    /// value at the mean, or a lag of zero, counts as low.
    pub quadrant: Vec<u8>,
    /// Pseudo p-value of each local I under conditional permutation, esda's
    /// folded definition (see [`local`]); 1 for islands.
    pub p_sim: Vec<f64>,
    /// Cluster type where `p_sim <= significance`, else not significant.
    pub cluster: Vec<Cluster>,
}

/// Global Moran's I of `values` over row-standardised `w`, with
/// `permutations` random permutations drawn from `seed`.
///
/// Needs at least four observations, because the randomisation variance
/// divides by (n - 1)(n - 2)(n - 3), and at least one link. Islands enter as
/// in esda: zero rows that add nothing to S0, S1 or the cross-products.
///
/// `p_sim` is esda's folded pseudo p-value, (m + 1) / (permutations + 1),
/// where m counts the permuted I at least as large as the observed one, or
/// at most as large when those are fewer. A permuted I equal to the observed
/// one (within rounding) counts on both sides; esda counts it as larger only,
/// and whether it compares equal there depends on rounding.
pub fn global(
    values: &[f64],
    w: &Weights,
    permutations: usize,
    seed: u64,
) -> Result<GlobalMoran, MoranError> {
    global_until(values, w, permutations, seed, &Stop::default())
}

/// As [`global`], abandoning the permutations with [`MoranError::Stopped`] once `stop` is set.
pub fn global_until(
    values: &[f64],
    w: &Weights,
    permutations: usize,
    seed: u64,
    stop: &Stop,
) -> Result<GlobalMoran, MoranError> {
    check_inputs(values, w, 4)?;
    let (s0, s1, s2) = w.sums();
    if s0 <= 0.0 {
        return Err(MoranError::NoLinks);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let z: Vec<f64> = values.iter().map(|v| v - mean).collect();
    let z2ss: f64 = z.iter().map(|d| d * d).sum();
    let statistic = |z: &[f64]| {
        let cross: f64 = z.iter().zip(w.lag(z)).map(|(a, b)| a * b).sum();
        n / s0 * cross / z2ss
    };
    let i = statistic(&z);

    let expected = -1.0 / (n - 1.0);
    let s02 = s0 * s0;
    let variance_norm =
        (n * n * s1 - n * s2 + 3.0 * s02) / ((n - 1.0) * (n + 1.0) * s02) - expected * expected;
    let kurtosis = (z.iter().map(|d| d.powi(4)).sum::<f64>() / n) / (z2ss / n).powi(2);
    let a = n * ((n * n - 3.0 * n + 3.0) * s1 - n * s2 + 3.0 * s02);
    let b = kurtosis * ((n * n - n) * s1 - 2.0 * n * s2 + 6.0 * s02);
    let variance_rand = (a - b) / ((n - 1.0) * (n - 2.0) * (n - 3.0) * s02) - expected * expected;
    for (assumption, variance) in [
        ("normality", variance_norm),
        ("randomisation", variance_rand),
    ] {
        if !(variance > 0.0 && variance.is_finite()) {
            return Err(MoranError::DegenerateVariance {
                assumption,
                variance,
            });
        }
    }
    let z_norm = (i - expected) / variance_norm.sqrt();
    let z_rand = (i - expected) / variance_rand.sqrt();

    let p_sim = if permutations > 0 {
        let mut rng = SplitMix64::new(seed);
        let mut shuffled = z.clone();
        // I is scale-free (|I| is at most about 1), so an absolute tolerance works.
        let mut pseudo = PseudoP::new(i, 1e-9);
        for permutation in 0..permutations {
            stop.check(permutation)?;
            rng.shuffle(&mut shuffled);
            pseudo.add(statistic(&shuffled));
        }
        Some(pseudo.value())
    } else {
        None
    };

    Ok(GlobalMoran {
        i,
        expected,
        variance_norm,
        z_norm,
        p_norm: two_sided_p(z_norm),
        variance_rand,
        z_rand,
        p_rand: two_sided_p(z_rand),
        p_sim,
        permutations,
    })
}

/// Local Moran's I of `values` over row-standardised `w`, with conditional
/// permutation inference and LISA clusters at `significance`.
///
/// As in esda, each permutation draws, once for all observations, a sample
/// without replacement of as many positions as the largest neighbour count;
/// observation i reads its first `|N(i)|` draws as indices into the other
/// n - 1 values, so its own value stays fixed while its neighbours are
/// resampled. Each `p_sim` is esda's folded pseudo p-value, as for
/// [`global`]; with no permutations every p-value is 1.
///
/// An island's local I is zero whatever is drawn, and so is that of a value
/// exactly at the mean. Every permutation then ties with the observation,
/// and counting ties on both sides (as for [`global`]) gives them a p-value
/// of 1, where esda reports the smallest possible p-value and would mark
/// them as clusters.
pub fn local(
    values: &[f64],
    w: &Weights,
    permutations: usize,
    seed: u64,
    significance: f64,
) -> Result<LocalMoran, MoranError> {
    local_until(
        values,
        w,
        permutations,
        seed,
        significance,
        &Stop::default(),
    )
}

/// As [`local`], abandoning the permutations with [`MoranError::Stopped`] once `stop` is set.
pub fn local_until(
    values: &[f64],
    w: &Weights,
    permutations: usize,
    seed: u64,
    significance: f64,
    stop: &Stop,
) -> Result<LocalMoran, MoranError> {
    check_inputs(values, w, 3)?;
    if !(0.0..=1.0).contains(&significance) {
        return Err(MoranError::BadSignificance(significance));
    }
    let n = values.len();
    let nf = n as f64;
    let mean = values.iter().sum::<f64>() / nf;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / nf).sqrt();
    let z: Vec<f64> = values.iter().map(|v| (v - mean) / sd).collect();
    let scaling = (nf - 1.0) / z.iter().map(|v| v * v).sum::<f64>();
    let lag = w.lag(&z);
    let i: Vec<f64> = z
        .iter()
        .zip(&lag)
        .map(|(zi, li)| scaling * zi * li)
        .collect();
    let quadrant: Vec<u8> = z
        .iter()
        .zip(&lag)
        .map(|(&zi, &li)| match (zi > 0.0, li > 0.0) {
            (true, true) => 1,
            (false, true) => 2,
            (false, false) => 3,
            (true, false) => 4,
        })
        .collect();

    // Local I are products of standardised values, so ties are judged
    // against the size of the largest product an observation can reach.
    let largest = z.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let mut pseudo: Vec<PseudoP> = i
        .iter()
        .zip(&z)
        .map(|(&observed, zi)| PseudoP::new(observed, 1e-9 * (1.0 + zi.abs() * largest)))
        .collect();
    let max_links = w.neighbours.iter().map(Vec::len).max().unwrap_or(0);
    let mut rng = SplitMix64::new(seed);
    let mut pool: Vec<usize> = (0..n - 1).collect();
    for permutation in 0..permutations {
        stop.check(permutation)?;
        rng.partial_shuffle(&mut pool, max_links);
        for (obs, (list, tally)) in w.neighbours.iter().zip(&mut pseudo).enumerate() {
            let weight = w.row_weight(obs);
            // Draws index the other n - 1 values: skip over obs itself.
            let resampled: f64 = pool[..list.len()]
                .iter()
                .map(|&d| weight * z[if d < obs { d } else { d + 1 }])
                .sum();
            tally.add(scaling * z[obs] * resampled);
        }
    }
    let p_sim: Vec<f64> = pseudo.iter().map(PseudoP::value).collect();
    let cluster = quadrant
        .iter()
        .zip(&p_sim)
        .map(|(&q, &p)| match q {
            _ if p > significance => Cluster::NotSignificant,
            1 => Cluster::HighHigh,
            2 => Cluster::LowHigh,
            3 => Cluster::LowLow,
            _ => Cluster::HighLow,
        })
        .collect();
    Ok(LocalMoran {
        i,
        quadrant,
        p_sim,
        cluster,
    })
}

fn check_inputs(values: &[f64], w: &Weights, needed: usize) -> Result<(), MoranError> {
    if values.len() != w.len() {
        return Err(MoranError::LengthMismatch {
            values: values.len(),
            weights: w.len(),
        });
    }
    if values.len() < needed {
        return Err(MoranError::TooFewValues {
            got: values.len(),
            needed,
        });
    }
    if let Some(index) = values.iter().position(|v| !v.is_finite()) {
        return Err(MoranError::NonFinite { index });
    }
    // Compared exactly: a computed mean of equal values may differ from them
    // in the last bit and fake a tiny variance.
    if values.iter().all(|&v| v == values[0]) {
        return Err(MoranError::ZeroVariance);
    }
    Ok(())
}

/// Tally of permuted statistics against an observed one, for esda's folded
/// pseudo p-value (m + 1) / (permutations + 1), m being the number of draws
/// in the tail the observed value lies in.
///
/// esda counts a draw as "larger" when it is >= the observation and takes
/// the rest as the other tail, so a draw equal to the observation only ever
/// counts in the upper tail; and whether a draw that equals the observation
/// in exact arithmetic compares as equal depends on rounding. Here draws
/// within `tolerance` of the observation count as equal, and equal draws
/// count in both tails. Without ties this is esda's value exactly; with ties
/// it is the conservative one, and it does not depend on rounding.
#[derive(Debug, Clone)]
struct PseudoP {
    observed: f64,
    tolerance: f64,
    at_least: usize,
    at_most: usize,
    draws: usize,
}

impl PseudoP {
    fn new(observed: f64, tolerance: f64) -> Self {
        Self {
            observed,
            tolerance,
            at_least: 0,
            at_most: 0,
            draws: 0,
        }
    }

    fn add(&mut self, draw: f64) {
        self.draws += 1;
        if draw >= self.observed - self.tolerance {
            self.at_least += 1;
        }
        if draw <= self.observed + self.tolerance {
            self.at_most += 1;
        }
    }

    fn value(&self) -> f64 {
        let tail = self.at_least.min(self.at_most);
        (tail as f64 + 1.0) / (self.draws as f64 + 1.0)
    }
}

/// Two-sided p-value of a standard normal z-score.
fn two_sided_p(z: f64) -> f64 {
    erfc(z.abs() / std::f64::consts::SQRT_2)
}

/// Complementary error function, to near double precision: a series with
/// positive terms below 2.5, Laplace's continued fraction above, and the
/// reflection erfc(-x) = 2 - erfc(x) for negative arguments.
///
/// Written here rather than taken from statrs (a dependency already): statrs 0.18's `erfc`
/// differs from scipy's and esda's by up to 5e-11 relative in the range Moran's z-scores
/// fall in (its p-value at z = 1.96 is off by more than 1e-13), while this one agrees with them
/// to the last digit or two (the tests below and `esda.Moran`).
fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    let two_over_sqrt_pi = std::f64::consts::FRAC_2_SQRT_PI;
    if x < 2.5 {
        // erf(x) = 2/√π · e^{-x²} · Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1))
        let mut term = x;
        let mut sum = x;
        let mut n = 0.0;
        while term > sum * 1e-17 {
            n += 1.0;
            term *= 2.0 * x * x / (2.0 * n + 1.0);
            sum += term;
        }
        1.0 - two_over_sqrt_pi * (-x * x).exp() * sum
    } else {
        // erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))
        let mut fraction = x;
        for n in (1..=60).rev() {
            fraction = x + f64::from(n) / 2.0 / fraction;
        }
        two_over_sqrt_pi / 2.0 * (-x * x).exp() / fraction
    }
}

/// SplitMix64 (Steele, Lea and Flood): small, fast and well mixed, which is
/// all permutation tests need, and fully determined by its seed so that a map
/// shows the same significance every time it is drawn.
struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..bound` (0 when `bound` is 0), by Lemire's
    /// multiply-and-reject, which avoids the bias of a plain modulo.
    fn below(&mut self, bound: usize) -> usize {
        let bound = bound as u64;
        let Some(threshold) = bound.wrapping_neg().checked_rem(bound) else {
            return 0;
        };
        // Lemire's method: the low 64 bits decide rejection, the high 64 bits (below
        // `bound`, itself a usize) are the draw. Both truncations are the algorithm's.
        #[allow(clippy::cast_possible_truncation)]
        loop {
            let product = u128::from(self.next_u64()) * u128::from(bound);
            if (product as u64) >= threshold {
                return (product >> 64) as usize;
            }
        }
    }

    /// Fisher-Yates shuffle of the whole slice.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        self.partial_shuffle(items, items.len());
    }

    /// Puts a uniform random sample without replacement of `count` items in
    /// the first `count` places.
    fn partial_shuffle<T>(&mut self, items: &mut [T], count: usize) {
        let len = items.len();
        for i in 0..count.min(len) {
            let j = i + self.below(len - i);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rook contiguity on a rows × cols lattice, numbered row by row.
    fn rook(rows: usize, cols: usize) -> Weights {
        let mut lists = Vec::new();
        for r in 0..rows {
            for c in 0..cols {
                let mut list = Vec::new();
                if r > 0 {
                    list.push((r - 1) * cols + c);
                }
                if c > 0 {
                    list.push(r * cols + c - 1);
                }
                if c + 1 < cols {
                    list.push(r * cols + c + 1);
                }
                if r + 1 < rows {
                    list.push((r + 1) * cols + c);
                }
                lists.push(list);
            }
        }
        Weights::new(lists).unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn a_stopped_run_gives_up() {
        let w = Weights::new(vec![vec![1], vec![0, 2], vec![1, 3], vec![2]]).unwrap();
        let values = [1.0, 2.0, 4.0, 8.0];
        let stop = Stop::default();
        stop.stop();
        assert_eq!(
            global_until(&values, &w, 999, 1, &stop).unwrap_err(),
            MoranError::Stopped
        );
        assert_eq!(
            local_until(&values, &w, 999, 1, 0.05, &stop).unwrap_err(),
            MoranError::Stopped
        );
        assert!(global_until(&values, &w, 0, 1, &stop).is_ok());
    }

    #[test]
    fn checkerboard_on_rook_lattice_is_perfectly_negative() {
        // 3x3 checkerboard: every neighbour of a 1 is a 0 and vice versa.
        let values = [1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0];
        let m = global(&values, &rook(3, 3), 0, 1).unwrap();
        assert!(close(m.i, -1.0), "{}", m.i);
        assert!(close(m.expected, -0.125));
        assert_eq!(m.p_sim, None);
        // The centre's four neighbours are all 0, so its local I is
        // (n-1)/n · z_centre · lag = 8/9 · 1.25 · -0.8.
        let l = local(&values, &rook(3, 3), 0, 1, 0.05).unwrap();
        assert!(close(l.i[4], -8.0 / 9.0), "{}", l.i[4]);
        assert_eq!(l.quadrant[4], 4);
        assert_eq!(l.quadrant[1], 2);
    }

    #[test]
    fn gradient_on_rook_lattice_matches_esda() {
        // Values 0..9 row by row on a 3x3 rook lattice. Row-standardised
        // sums: S0 = 9, S1 = 83/12, S2 = 1325/36; I = 5/9. The moments are
        // those esda.Moran(y, libpysal.weights.lat2W(3, 3)) reports.
        let values: Vec<f64> = (0..9).map(f64::from).collect();
        let w = rook(3, 3);
        let (s0, s1, s2) = w.sums();
        assert!(close(s0, 9.0) && close(s1, 83.0 / 12.0) && close(s2, 1325.0 / 36.0));
        let m = global(&values, &w, 0, 1).unwrap();
        assert!(close(m.i, 5.0 / 9.0), "{}", m.i);
        assert!(close(m.variance_norm, 0.05721450617283948));
        assert!(close(m.z_norm, 2.8451849756238787));
        assert!(close(m.p_norm, 0.0044385639370990194));
        assert!(close(m.variance_rand, 0.06465663580246912));
        assert!(close(m.z_rand, 2.676437040844754));
        assert!(close(m.p_rand, 0.007440954452016188));
        let l = local(&values, &w, 0, 1, 0.05).unwrap();
        let expected = [16.0 / 15.0, 0.8, 4.0 / 15.0, 4.0 / 45.0, 0.0];
        for (got, want) in l.i.iter().zip(expected) {
            assert!(close(*got, want), "{got} {want}");
        }
        assert_eq!(l.quadrant, vec![3, 3, 3, 3, 3, 1, 1, 1, 1]);
        assert!(l.p_sim.iter().all(|&p| p == 1.0));
        assert!(l.cluster.iter().all(|&c| c == Cluster::NotSignificant));
        // The centre holds the mean: its local I is 0 in every permutation,
        // which is no evidence of anything.
        let l = local(&values, &w, 99, 1, 0.05).unwrap();
        assert_eq!(l.p_sim[4], 1.0);
        assert_eq!(l.cluster[4], Cluster::NotSignificant);
    }

    #[test]
    fn p_values_follow_the_normal_distribution() {
        assert!(close(two_sided_p(0.0), 1.0));
        assert!((two_sided_p(1.959963984540054) - 0.05).abs() < 1e-13);
        assert!((two_sided_p(-2.5758293035489) - 0.01).abs() < 1e-13);
        assert!((two_sided_p(5.0) - 5.733031437583866e-7).abs() < 1e-19);
        // Just below the switch to the continued fraction, 1 - erf loses a few digits.
        assert!((erfc(2.4999) - 4.071699003334512e-4).abs() < 1e-15);
        assert!((erfc(2.5) - 4.0695201744495886e-4).abs() < 1e-16);
        assert!((erfc(0.5) - 0.4795001221869535).abs() < 1e-15);
    }

    #[test]
    fn permutation_p_values_are_reproducible_and_small_for_strong_patterns() {
        let values: Vec<f64> = (0..25).map(|i| f64::from(i / 5)).collect();
        let w = rook(5, 5);
        let a = global(&values, &w, 199, 42).unwrap();
        let b = global(&values, &w, 199, 42).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.p_sim, Some(1.0 / 200.0));
        let l = local(&values, &w, 199, 7, 0.05).unwrap();
        assert_eq!(l, local(&values, &w, 199, 7, 0.05).unwrap());
        assert!(l.p_sim.iter().all(|&p| p > 0.0 && p <= 1.0));

        // A block of highs in the middle of lows: the centre is surrounded by
        // highs, which four random draws from the other cells rarely match.
        let mut block = vec![0.0; 25];
        for cell in [6, 7, 8, 11, 12, 13, 16, 17, 18] {
            block[cell] = 10.0;
        }
        let l = local(&block, &w, 199, 7, 0.05).unwrap();
        assert_eq!(l.quadrant[12], 1);
        assert!(l.p_sim[12] <= 0.05, "{}", l.p_sim[12]);
        assert_eq!(l.cluster[12], Cluster::HighHigh);
        // A corner low among lows is common under resampling.
        assert_eq!(l.quadrant[0], 3);
        assert_eq!(l.cluster[0], Cluster::NotSignificant);
        // At level 1 every observation shows its quadrant.
        let all = local(&block, &w, 19, 7, 1.0).unwrap();
        for (q, c) in all.quadrant.iter().zip(&all.cluster) {
            let expected = match q {
                1 => Cluster::HighHigh,
                2 => Cluster::LowHigh,
                3 => Cluster::LowLow,
                _ => Cluster::HighLow,
            };
            assert_eq!(*c, expected);
        }
    }

    #[test]
    fn islands_have_zero_rows() {
        let w = Weights::new(vec![vec![1, 3], vec![0, 2], vec![1], vec![0], vec![]]).unwrap();
        assert_eq!(w.islands(), vec![4]);
        let (s0, s1, s2) = w.sums();
        // The same W in libpysal reports s0 = 4, s1 = 5.5, s2 = 17.
        assert!(
            close(s0, 4.0) && close(s1, 5.5) && close(s2, 17.0),
            "{s0} {s1} {s2}"
        );
        let values = [1.0, 5.0, 3.0, 8.0, 2.0];
        let m = global(&values, &w, 0, 0).unwrap();
        // esda.Moran on that W: I = -0.9107142857142857, p_norm = 0.1387942465725046.
        assert!((m.i + 0.9107142857142857).abs() < 1e-12, "{}", m.i);
        assert!((m.variance_norm - 0.19921875).abs() < 1e-12);
        assert!((m.p_norm - 0.1387942465725046).abs() < 1e-12);
        assert!((m.variance_rand - 0.19617491883116878).abs() < 1e-12);
        assert!((m.p_rand - 0.13576838058207485).abs() < 1e-12);
        let l = local(&values, &w, 99, 3, 0.05).unwrap();
        assert_eq!(l.i[4], 0.0);
        assert_eq!(l.quadrant[4], 3);
        assert_eq!(l.p_sim[4], 1.0);
        assert_eq!(l.cluster[4], Cluster::NotSignificant);
    }

    #[test]
    fn one_way_links_count_in_s1() {
        // 0 links to 1 but not back; 1 and 2 link both ways. Every row has
        // one neighbour, so every weight is 1.
        let w = Weights::new(vec![vec![1], vec![2], vec![1]]).unwrap();
        let (s0, s1, s2) = w.sums();
        assert!(close(s0, 3.0));
        // Ordered pairs: (0,1),(1,0): 1 each; (1,2),(2,1): (1+1)² each.
        assert!(close(s1, 0.5 * (1.0 + 1.0 + 4.0 + 4.0)), "{s1}");
        // Row sums 1, 1, 1; column sums 0, 2, 1.
        assert!(close(s2, 1.0 + 9.0 + 4.0), "{s2}");
    }

    #[test]
    fn knn_breaks_ties_by_lower_index() {
        let points = [(0.0, 0.0), (1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (5.0, 5.0)];
        let w = Weights::knn(&points, 2).unwrap();
        // Point 0 has three neighbours at distance 1: 1 and 2 win.
        assert_eq!(w.neighbours()[0], vec![1, 2]);
        assert_eq!(w.neighbours()[4], vec![1, 3]);
        assert!(w.islands().is_empty());
        assert_eq!(
            Weights::knn(&points, 5),
            Err(MoranError::BadK { k: 5, points: 5 })
        );
        assert_eq!(
            Weights::knn(&points, 0),
            Err(MoranError::BadK { k: 0, points: 5 })
        );
        assert_eq!(
            Weights::knn(&[(0.0, f64::NAN), (1.0, 1.0)], 1),
            Err(MoranError::NonFiniteCoordinate { index: 0 })
        );
    }

    #[test]
    fn rejects_bad_weights_and_values() {
        assert_eq!(
            Weights::new(vec![vec![1], vec![2]]),
            Err(MoranError::NeighbourOutOfRange {
                observation: 1,
                neighbour: 2,
                len: 2
            })
        );
        assert_eq!(
            Weights::new(vec![vec![0]]),
            Err(MoranError::SelfNeighbour { observation: 0 })
        );
        assert_eq!(
            Weights::new(vec![vec![1, 1], vec![0]]),
            Err(MoranError::DuplicateNeighbour {
                observation: 0,
                neighbour: 1
            })
        );
        let w = rook(2, 2);
        assert_eq!(
            global(&[1.0, 2.0, 3.0], &w, 0, 0),
            Err(MoranError::LengthMismatch {
                values: 3,
                weights: 4
            })
        );
        assert_eq!(
            global(&[1.0, 1.0, 1.0, 1.0], &w, 0, 0),
            Err(MoranError::ZeroVariance)
        );
        assert_eq!(
            global(&[1.0, f64::NAN, 1.0, 1.0], &w, 0, 0),
            Err(MoranError::NonFinite { index: 1 })
        );
        let w3 = rook(1, 3);
        assert_eq!(
            global(&[1.0, 2.0, 3.0], &w3, 0, 0),
            Err(MoranError::TooFewValues { got: 3, needed: 4 })
        );
        assert!(local(&[1.0, 2.0, 3.0], &w3, 9, 0, 0.05).is_ok());
        assert_eq!(
            local(&[1.0, 2.0, 3.0], &w3, 9, 0, 1.5),
            Err(MoranError::BadSignificance(1.5))
        );
        let lonely = Weights::new(vec![vec![]; 4]).unwrap();
        assert_eq!(
            global(&[1.0, 2.0, 3.0, 4.0], &lonely, 0, 0),
            Err(MoranError::NoLinks)
        );
    }

    #[test]
    fn generator_is_uniform_enough() {
        let mut rng = SplitMix64::new(0);
        let mut counts = [0_usize; 6];
        for _ in 0..60_000 {
            counts[rng.below(6)] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_000..11_000).contains(&c)),
            "{counts:?}"
        );
        assert_eq!(rng.below(0), 0);
        let mut items: Vec<usize> = (0..10).collect();
        rng.shuffle(&mut items);
        items.sort_unstable();
        assert_eq!(items, (0..10).collect::<Vec<_>>());
    }
}
