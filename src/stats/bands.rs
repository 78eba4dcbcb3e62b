//! Population bands: areas grouped by the band their population falls in, the bands given by
//! their increasing thresholds.

use thiserror::Error;

/// The default thresholds: under 10,000; 10,000–50,000; 50,000–100,000; 100,000–300,000;
/// 300,000 and over.
pub const DEFAULT_THRESHOLDS: [i64; 4] = [10_000, 50_000, 100_000, 300_000];

/// Most thresholds one grouping may have.
pub const MAX_THRESHOLDS: usize = 20;

/// Thresholds that do not make bands.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum BandError {
    /// None given.
    #[error("bands: give at least one threshold")]
    Empty,
    /// Too many.
    #[error("bands: {0} thresholds; give at most {MAX_THRESHOLDS}")]
    TooMany(usize),
    /// Zero or negative.
    #[error("bands: {0} is not a population; thresholds are positive")]
    NotPositive(i64),
    /// Out of order or repeated: the bands would overlap.
    #[error("bands: {0} does not follow {1}; thresholds must be strictly increasing, or the bands would overlap")]
    NotIncreasing(i64, i64),
}

/// Bands between increasing thresholds: below the first, between each two, from the last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bands {
    thresholds: Vec<i64>,
}

impl Default for Bands {
    fn default() -> Self {
        Self {
            thresholds: DEFAULT_THRESHOLDS.to_vec(),
        }
    }
}

fn grouped(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Bands {
    /// Bands from thresholds, checked.
    pub fn new(thresholds: Vec<i64>) -> Result<Self, BandError> {
        if thresholds.is_empty() {
            return Err(BandError::Empty);
        }
        if thresholds.len() > MAX_THRESHOLDS {
            return Err(BandError::TooMany(thresholds.len()));
        }
        if let Some(t) = thresholds.iter().find(|t| **t <= 0) {
            return Err(BandError::NotPositive(*t));
        }
        if let Some(w) = thresholds.windows(2).find(|w| w[1] <= w[0]) {
            return Err(BandError::NotIncreasing(w[1], w[0]));
        }
        Ok(Self { thresholds })
    }

    /// The bands' labels, in order: `under 10,000`, `10,000–50,000`, …, `300,000 and over`.
    pub fn labels(&self) -> Vec<String> {
        let t = &self.thresholds;
        let mut out = vec![format!("under {}", grouped(t[0]))];
        out.extend(
            t.windows(2)
                .map(|w| format!("{}–{}", grouped(w[0]), grouped(w[1]))),
        );
        out.push(format!("{} and over", grouped(t[t.len() - 1])));
        out
    }

    /// The label of the band `population` falls in (a threshold opens its band).
    pub fn label(&self, population: f64) -> String {
        let index = self
            .thresholds
            .iter()
            .take_while(|t| population >= **t as f64)
            .count();
        self.labels().swap_remove(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_threshold_opens_its_band() {
        let b = Bands::default();
        assert_eq!(b.label(9_999.0), "under 10,000");
        assert_eq!(b.label(10_000.0), "10,000–50,000");
        assert_eq!(b.label(299_999.0), "100,000–300,000");
        assert_eq!(b.label(3_000_000.0), "300,000 and over");
        assert_eq!(b.labels().len(), 5);
    }

    #[test]
    fn overlapping_or_empty_bands_are_refused() {
        assert_eq!(Bands::new(vec![]), Err(BandError::Empty));
        assert_eq!(
            Bands::new(vec![50_000, 10_000]),
            Err(BandError::NotIncreasing(10_000, 50_000))
        );
        assert_eq!(
            Bands::new(vec![10, 10]),
            Err(BandError::NotIncreasing(10, 10))
        );
        assert_eq!(Bands::new(vec![0]), Err(BandError::NotPositive(0)));
    }
}
