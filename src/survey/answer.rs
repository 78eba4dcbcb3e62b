//! An answer of one authority to one question, whatever its source.

use crate::domain::Percent;

/// One stored answer: an option chosen, a number, a share, or (for a multiple-choice question
/// answered with none of the listed options) none of them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Answer {
    /// Question code.
    pub question: String,
    /// Respondent code.
    pub respondent: String,
    /// Option chosen.
    pub option: Option<String>,
    /// Number given (count questions).
    pub amount: Option<i64>,
    /// Share given (rate questions).
    pub rate: Option<Percent>,
}
