//! A percentage an authority reports (a share: card holders among residents, procedures
//! online among those it carries out), held exactly as published.
//!
//! Published rates are written with at most one decimal (`72%`, `88.8%`); holding them as
//! whole hundredths of a percent (basis points) keeps every published digit exact, so that
//! a stored rate compares, hashes and round-trips like the text it was read from.

use std::fmt;

use thiserror::Error;

/// Why a text or a number is not a percentage.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PercentError {
    /// Not a number followed by `%`.
    #[error("`{0}` is not a percentage: expected a number followed by %, such as 72% or 88.8%")]
    Syntax(String),
    /// More decimals than two.
    #[error("`{0}` has more than two decimals")]
    Precision(String),
    /// Below 0 or above 100.
    #[error("`{0}` is outside 0-100%: a share cannot be")]
    Range(String),
}

/// A share between 0 and 100 percent, in hundredths of a percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percent(u16);

impl Percent {
    /// 100%, in hundredths.
    const WHOLE: u16 = 10_000;

    /// Reads a percentage as published: digits, an optional decimal part of at most two
    /// digits, and `%` (spaces around it are allowed).
    pub fn parse(text: &str) -> Result<Self, PercentError> {
        let syntax = || PercentError::Syntax(text.to_owned());
        let number = text.trim().strip_suffix('%').ok_or_else(syntax)?.trim_end();
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        // A decimal point needs digits on both sides.
        let (whole, fraction) = match number.split_once('.') {
            Some((whole, fraction)) if digits(fraction) => (whole, fraction),
            Some(_) => return Err(syntax()),
            None => (number, ""),
        };
        if !digits(whole) {
            return Err(syntax());
        }
        if fraction.len() > 2 {
            return Err(PercentError::Precision(text.to_owned()));
        }
        let range = || PercentError::Range(text.to_owned());
        // More than three digits before the point is above 100% whatever follows.
        let whole: u16 = if whole.len() > 3 {
            return Err(range());
        } else {
            whole.parse().map_err(|_| syntax())?
        };
        let hundredths: u16 = format!("{fraction:0<2}").parse().map_err(|_| syntax())?;
        Self::from_hundredths(i64::from(whole) * 100 + i64::from(hundredths)).ok_or_else(range)
    }

    /// From hundredths of a percent, as stored; `None` outside 0-100%.
    pub fn from_hundredths(hundredths: i64) -> Option<Self> {
        u16::try_from(hundredths)
            .ok()
            .filter(|h| *h <= Self::WHOLE)
            .map(Self)
    }

    /// Hundredths of a percent, as stored.
    pub fn hundredths(self) -> i64 {
        i64::from(self.0)
    }

    /// The percentage as a number (72.5 for 72.5%).
    pub fn value(self) -> f64 {
        f64::from(self.0) / 100.0
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, rest) = (self.0 / 100, self.0 % 100);
        match rest {
            0 => write!(f, "{whole}%"),
            r if r.is_multiple_of(10) => write!(f, "{whole}.{}%", r / 10),
            r => write!(f, "{whole}.{r:02}%"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_rates_are_read_exactly_and_written_back_as_published() {
        for text in ["72%", "88.8%", "0%", "100%", "0.5%", "12.34%", "9.05%"] {
            let p = Percent::parse(text).unwrap();
            assert_eq!(p.to_string(), text);
        }
        assert_eq!(Percent::parse("88.8%").unwrap().hundredths(), 8880);
        assert_eq!(Percent::parse(" 72 % ").unwrap().value(), 72.0);
    }

    #[test]
    fn anything_else_is_refused_with_why() {
        for text in ["72", "%", "-1%", "7a%", "1.%", ".5%", "1e2%", "", "実施"] {
            assert!(
                matches!(Percent::parse(text), Err(PercentError::Syntax(_))),
                "{text}"
            );
        }
        assert!(matches!(
            Percent::parse("1.234%"),
            Err(PercentError::Precision(_))
        ));
        for text in ["100.01%", "101%", "99999%"] {
            assert!(
                matches!(Percent::parse(text), Err(PercentError::Range(_))),
                "{text}"
            );
        }
        assert_eq!(Percent::from_hundredths(10_001), None);
        assert_eq!(Percent::from_hundredths(-1), None);
    }
}
