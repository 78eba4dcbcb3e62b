//! Codes that identify Japanese local authorities, with their rules.
//!
//! Two code systems are in use for the same authorities:
//! - the five-digit administrative area code of JIS X 0402 (N03's `N03_007`), e.g. `13104`;
//! - the six-digit 全国地方公共団体コード, the same five digits followed by a check digit, e.g. `131041`.
//!
//! The check digit is the modulus-11 scheme of the 1970 自治省 notice that introduced the
//! code: weights 6, 5, 4, 3, 2 over the five digits, remainder `r` of the sum divided by 11,
//! check digit `(11 - r) mod 10` (so `r = 0` gives 1 and `r = 1` gives 0).

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a string is not a valid authority code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CodeError {
    /// Neither five nor six characters (or two for a prefecture).
    #[error("`{input}` is not an authority code: expected {expected}")]
    WrongLength {
        /// What was given.
        input: String,
        /// What shapes would have been accepted.
        expected: &'static str,
    },
    /// Something other than ASCII digits.
    #[error("`{input}` is not an authority code: only the digits 0-9 are allowed")]
    NotDigits {
        /// What was given.
        input: String,
    },
    /// A six-digit code whose last digit does not match the first five.
    #[error("`{input}` has a wrong check digit: the 全国地方公共団体コード for {base} is {base}{expected}")]
    CheckDigit {
        /// What was given.
        input: String,
        /// The five-digit part.
        base: String,
        /// The check digit it should end with.
        expected: u8,
    },
    /// A prefecture number outside 01-47.
    #[error("`{input}` names no prefecture: prefecture codes run from 01 to 47")]
    UnknownPrefecture {
        /// What was given.
        input: String,
    },
}

/// The check digit of the 全国地方公共団体コード for a five-digit code.
pub fn check_digit(five: &[u8; 5]) -> u8 {
    const WEIGHTS: [u32; 5] = [6, 5, 4, 3, 2];
    let sum: u32 = five
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(*d) * w)
        .sum();
    ((11 - sum % 11) % 10) as u8
}

fn digits<const N: usize>(input: &str) -> Result<[u8; N], CodeError> {
    let bytes = input.as_bytes();
    if !bytes.iter().all(u8::is_ascii_digit) {
        return Err(CodeError::NotDigits {
            input: input.to_owned(),
        });
    }
    let mut out = [0u8; N];
    for (o, b) in out.iter_mut().zip(bytes) {
        *o = b - b'0';
    }
    Ok(out)
}

/// A prefecture code, 01 to 47 (JIS X 0401).
///
/// Its serde form is the two-digit text, read with [`PrefectureCode::parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PrefectureCode(u8);

impl PrefectureCode {
    /// Parses `"13"`; also accepts the prefecture's five- or six-digit authority code (`13000`, `130001`).
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let input = input.trim();
        let number = match input.len() {
            2 => {
                let d = digits::<2>(input)?;
                d[0] * 10 + d[1]
            }
            5 | 6 => {
                let code = AuthorityCode::parse(input)?;
                if code.0[2..] != [0, 0, 0] {
                    return Err(CodeError::UnknownPrefecture {
                        input: input.to_owned(),
                    });
                }
                code.prefecture().0
            }
            _ => {
                if !input.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(CodeError::NotDigits {
                        input: input.to_owned(),
                    });
                }
                return Err(CodeError::WrongLength {
                    input: input.to_owned(),
                    expected: "two digits (13), or the prefecture's five- or six-digit code (13000, 130001)",
                });
            }
        };
        Self::from_number(number).ok_or_else(|| CodeError::UnknownPrefecture {
            input: input.to_owned(),
        })
    }

    /// The prefecture with this number, if it is one of the 47.
    pub fn from_number(number: u8) -> Option<Self> {
        (1..=47).contains(&number).then_some(Self(number))
    }

    /// The number, 1 to 47.
    pub fn number(self) -> u8 {
        self.0
    }

    /// The prefecture's own six-digit 全国地方公共団体コード, e.g. `130001`.
    pub fn authority_code(self) -> String {
        AuthorityCode([self.0 / 10, self.0 % 10, 0, 0, 0]).six_digit()
    }
}

impl TryFrom<String> for PrefectureCode {
    type Error = CodeError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<PrefectureCode> for String {
    fn from(code: PrefectureCode) -> Self {
        code.to_string()
    }
}

impl fmt::Display for PrefectureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.0)
    }
}

/// A five-digit authority code (JIS X 0402), e.g. `13104` for 新宿区.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AuthorityCode([u8; 5]);

impl AuthorityCode {
    /// Parses the five-digit code, or the six-digit 全国地方公共団体コード whose check digit must match.
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let input = input.trim();
        let code = match input.len() {
            5 => Self(digits::<5>(input)?),
            6 => {
                let all = digits::<6>(input)?;
                let five = [all[0], all[1], all[2], all[3], all[4]];
                let expected = check_digit(&five);
                if all[5] != expected {
                    return Err(CodeError::CheckDigit {
                        input: input.to_owned(),
                        base: input[..5].to_owned(),
                        expected,
                    });
                }
                Self(five)
            }
            _ => {
                if !input.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(CodeError::NotDigits {
                        input: input.to_owned(),
                    });
                }
                return Err(CodeError::WrongLength {
                    input: input.to_owned(),
                    expected: "five digits (13104) or six with the check digit (131041)",
                });
            }
        };
        if PrefectureCode::from_number(code.0[0] * 10 + code.0[1]).is_none() {
            return Err(CodeError::UnknownPrefecture {
                input: input.to_owned(),
            });
        }
        Ok(code)
    }

    /// The prefecture the authority lies in (the first two digits).
    pub fn prefecture(self) -> PrefectureCode {
        PrefectureCode(self.0[0] * 10 + self.0[1])
    }

    /// The check digit of the six-digit form.
    pub fn check_digit(self) -> u8 {
        check_digit(&self.0)
    }

    /// The six-digit 全国地方公共団体コード.
    pub fn six_digit(self) -> String {
        format!("{self}{}", self.check_digit())
    }

    /// The code as a number, e.g. 13104.
    pub fn number(self) -> u32 {
        self.0.iter().fold(0, |acc, d| acc * 10 + u32::from(*d))
    }
}

impl fmt::Display for AuthorityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in self.0 {
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_of_known_authorities() {
        // Published codes: 新宿区 131041, 千代田区 131016, 札幌市 011002, 大阪市 271004, 北海道 010006.
        for six in ["131041", "131016", "011002", "271004", "010006"] {
            let code = AuthorityCode::parse(six).map(AuthorityCode::six_digit);
            assert_eq!(code.as_deref(), Ok(six));
        }
    }

    #[test]
    fn a_wrong_check_digit_names_the_right_one() {
        let err = AuthorityCode::parse("131042").unwrap_err();
        assert_eq!(
            err,
            CodeError::CheckDigit {
                input: "131042".into(),
                base: "13104".into(),
                expected: 1
            }
        );
        assert!(err.to_string().contains("131041"));
    }

    #[test]
    fn malformed_codes_are_refused() {
        assert!(matches!(
            AuthorityCode::parse("1310"),
            Err(CodeError::WrongLength { .. })
        ));
        assert!(matches!(
            AuthorityCode::parse("13a04"),
            Err(CodeError::NotDigits { .. })
        ));
        assert!(matches!(
            AuthorityCode::parse("99104"),
            Err(CodeError::UnknownPrefecture { .. })
        ));
    }

    #[test]
    fn prefecture_codes() {
        assert_eq!(
            PrefectureCode::parse("13").map(super::PrefectureCode::number),
            Ok(13)
        );
        assert_eq!(
            PrefectureCode::parse("130001").map(super::PrefectureCode::number),
            Ok(13)
        );
        assert_eq!(
            PrefectureCode::parse("13").map(PrefectureCode::authority_code),
            Ok("130001".into())
        );
        assert!(PrefectureCode::parse("48").is_err());
        assert!(PrefectureCode::parse("13104").is_err());
    }
}
