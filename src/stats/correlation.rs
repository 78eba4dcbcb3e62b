//! Correlation of two variables over the same areas (Pearson's r, Spearman's ρ) and the
//! independence of two categorical ones (Pearson's χ², Cramér's V), with their p-values, as
//! scipy.stats computes them (`pearsonr`, `spearmanr`, `chi2_contingency` without Yates's
//! correction beyond one degree of freedom).

use statrs::distribution::{ChiSquared, ContinuousCDF};
use statrs::function::beta::beta_reg;
use thiserror::Error;

/// Which coefficient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Method {
    /// Pearson's product-moment r.
    #[default]
    Pearson,
    /// Spearman's rank ρ: Pearson's r of the ranks, ties given their mean rank.
    Spearman,
}

/// Why a coefficient cannot be computed.
#[derive(Debug, Error, PartialEq)]
pub enum CorrelationError {
    /// Fewer than three pairs: no p-value exists.
    #[error("only {0} areas have both values; a correlation needs at least 3")]
    TooFew(usize),
    /// One variable does not vary.
    #[error(
        "{0} has the same value in every area with both values; a correlation needs variation"
    )]
    Constant(&'static str),
    /// A table with fewer than two rows or columns that are observed.
    #[error("the table has {rows} row(s) and {columns} column(s) with observations; χ² needs at least 2 of each")]
    Degenerate {
        /// Rows with at least one observation.
        rows: usize,
        /// Columns with at least one observation.
        columns: usize,
    },
}

/// A correlation coefficient and its test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Correlation {
    /// r or ρ.
    pub coefficient: f64,
    /// Pairs.
    pub n: usize,
    /// Two-sided p-value of no correlation (Student's t with n − 2 degrees of freedom).
    pub p_value: f64,
}

/// Correlates `x` and `y`, pair by pair.
pub fn correlate(x: &[f64], y: &[f64], method: Method) -> Result<Correlation, CorrelationError> {
    let n = x.len().min(y.len());
    if n < 3 {
        return Err(CorrelationError::TooFew(n));
    }
    let (x, y) = (&x[..n], &y[..n]);
    let r = match method {
        Method::Pearson => pearson(x, y)?,
        Method::Spearman => pearson(&ranks(x), &ranks(y))?,
    };
    Ok(Correlation {
        coefficient: r,
        n,
        p_value: p_value(r, n),
    })
}

/// Pearson's r, clamped to [-1, 1] against rounding.
fn pearson(x: &[f64], y: &[f64]) -> Result<f64, CorrelationError> {
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx == 0.0 {
        return Err(CorrelationError::Constant("x"));
    }
    if syy == 0.0 {
        return Err(CorrelationError::Constant("y"));
    }
    Ok((sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0))
}

/// Two-sided p-value of r over n pairs: P(|T| ≥ |t|) for t = r √((n−2)/(1−r²)), written as the
/// regularised incomplete beta I_{(1−r²)}((n−2)/2, 1/2), which keeps its digits where the
/// p-value is tiny and `1 − cdf` would round to zero.
fn p_value(r: f64, n: usize) -> f64 {
    let df = (n - 2) as f64;
    let x = (1.0 - r * r).max(0.0);
    if x == 0.0 {
        return 0.0;
    }
    beta_reg(df / 2.0, 0.5, x).clamp(0.0, 1.0)
}

/// Ranks from 1, ties sharing their mean rank (scipy's `rankdata(method="average")`).
pub fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|a, b| values[*a].total_cmp(&values[*b]));
    let mut out = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Positions start..end hold ranks start+1..=end; their mean is (start+1+end)/2.
        let mean = (start + 1 + end) as f64 / 2.0;
        for i in &order[start..end] {
            out[*i] = mean;
        }
        start = end;
    }
    out
}

/// Pearson's χ² test of independence of a contingency table, and Cramér's V.
#[derive(Debug, Clone, PartialEq)]
pub struct ChiSquare {
    /// χ².
    pub statistic: f64,
    /// Degrees of freedom: (rows − 1)(columns − 1) over the observed rows and columns.
    pub degrees_of_freedom: usize,
    /// P(χ² ≥ statistic).
    pub p_value: f64,
    /// Cramér's V = √(χ² / (n (min(rows, columns) − 1))), from the uncorrected χ² (as scipy's
    /// `contingency.association`).
    pub cramers_v: f64,
    /// Observations.
    pub n: u64,
}

/// Tests `table` (rows × columns of counts). Rows or columns without any observation are left
/// out, as they carry no information (scipy refuses them). No continuity correction: scipy
/// applies Yates's only at one degree of freedom, and so does this.
pub fn chi_square(table: &[Vec<u64>]) -> Result<ChiSquare, CorrelationError> {
    let columns = table.first().map_or(0, Vec::len);
    let row_sums: Vec<u64> = table.iter().map(|r| r.iter().sum()).collect();
    let column_sums: Vec<u64> = (0..columns)
        .map(|j| table.iter().map(|r| r.get(j).copied().unwrap_or(0)).sum())
        .collect();
    let rows: Vec<usize> = (0..table.len()).filter(|i| row_sums[*i] > 0).collect();
    let cols: Vec<usize> = (0..columns).filter(|j| column_sums[*j] > 0).collect();
    if rows.len() < 2 || cols.len() < 2 {
        return Err(CorrelationError::Degenerate {
            rows: rows.len(),
            columns: cols.len(),
        });
    }
    let n: u64 = row_sums.iter().sum();
    let total = n as f64;
    let df = (rows.len() - 1) * (cols.len() - 1);
    let mut statistic = 0.0;
    let mut uncorrected = 0.0;
    for i in &rows {
        for j in &cols {
            let expected = row_sums[*i] as f64 * column_sums[*j] as f64 / total;
            let observed = table[*i].get(*j).copied().unwrap_or(0) as f64;
            let diff = (observed - expected).abs();
            uncorrected += diff * diff / expected;
            // Yates: at one degree of freedom, each observation moves half a unit towards its
            // expectation (never past it).
            let corrected = if df == 1 { (diff - 0.5).max(0.0) } else { diff };
            statistic += corrected * corrected / expected;
        }
    }
    let p_value = ChiSquared::new(df as f64).map_or(f64::NAN, |d| d.sf(statistic));
    let k = rows.len().min(cols.len()) - 1;
    Ok(ChiSquare {
        statistic,
        degrees_of_freedom: df,
        p_value,
        cramers_v: (uncorrected / (total * k as f64)).sqrt(),
        n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_share_their_mean_rank() {
        assert_eq!(ranks(&[10.0, 20.0, 10.0, 30.0]), vec![1.5, 3.0, 1.5, 4.0]);
    }

    #[test]
    fn a_perfect_line_correlates_fully_and_refusals_say_why() {
        let c = correlate(
            &[1.0, 2.0, 3.0, 4.0],
            &[2.0, 4.0, 6.0, 8.0],
            Method::Pearson,
        )
        .unwrap();
        assert!((c.coefficient - 1.0).abs() < 1e-12);
        assert!(c.p_value < 1e-12);
        assert_eq!(
            correlate(&[1.0, 2.0], &[1.0, 2.0], Method::Pearson),
            Err(CorrelationError::TooFew(2))
        );
        assert_eq!(
            correlate(&[1.0, 2.0, 3.0], &[5.0, 5.0, 5.0], Method::Spearman),
            Err(CorrelationError::Constant("y"))
        );
    }

    #[test]
    fn p_value_of_no_correlation_is_one() {
        let c = correlate(
            &[1.0, 2.0, 3.0, 4.0, 5.0],
            &[2.0, 1.0, 3.0, 1.0, 2.0],
            Method::Pearson,
        )
        .unwrap();
        assert!(c.coefficient.abs() < 1e-12);
        assert!((c.p_value - 1.0).abs() < 1e-12);
    }

    #[test]
    fn an_empty_column_is_left_out_of_the_table() {
        let t = chi_square(&[vec![10, 0, 20], vec![20, 0, 10]]).unwrap();
        assert_eq!(t.degrees_of_freedom, 1);
        assert_eq!(t.n, 60);
        assert!(chi_square(&[vec![1, 2]]).is_err());
    }
}
