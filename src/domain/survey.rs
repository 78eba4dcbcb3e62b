//! The survey's vocabulary: the shape of a question, who is asked it, who answers, what a
//! published number counts, and whether values are official.
//!
//! Each is stored as the same text it is written with in `catalogue.toml` and in GraphQL, and
//! read back through sea-orm's `DeriveActiveEnum`: a stored text that names no variant is a
//! read error, never a default.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// The shape of an answer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum QuestionType {
    /// Options `yes` and `no`.
    #[sea_orm(string_value = "YES_NO")]
    YesNo,
    /// Exactly one option.
    #[sea_orm(string_value = "SINGLE_CHOICE")]
    SingleChoice,
    /// Any number of options.
    #[sea_orm(string_value = "MULTIPLE_CHOICE")]
    MultipleChoice,
    /// A whole number: of people, or of procedures.
    #[sea_orm(string_value = "COUNT")]
    Count,
    /// Adopted, planned (this year / later) or undecided.
    #[sea_orm(string_value = "PLANNING_STATUS")]
    PlanningStatus,
    /// A share the authority reports, 0-100%.
    #[sea_orm(string_value = "RATE")]
    Rate,
}

impl QuestionType {
    /// True for the types whose answer is exactly one option.
    pub fn is_single(self) -> bool {
        matches!(
            self,
            Self::YesNo | Self::SingleChoice | Self::PlanningStatus
        )
    }

    /// True for the types whose answer is a number (a count or a rate), mapped and
    /// classified as numbers.
    pub fn is_numeric(self) -> bool {
        matches!(self, Self::Count | Self::Rate)
    }

    /// As stored, and written in GraphQL and in map documents (`YES_NO`, `COUNT`…).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::YesNo => "YES_NO",
            Self::SingleChoice => "SINGLE_CHOICE",
            Self::MultipleChoice => "MULTIPLE_CHOICE",
            Self::Count => "COUNT",
            Self::PlanningStatus => "PLANNING_STATUS",
            Self::Rate => "RATE",
        }
    }
}

/// The indicator of one of the 59 online procedures' per-authority online-use rate, e.g.
/// `online_use.b.childcare.3`: the procedure's table group and number.
pub fn online_use_indicator(category: &str, number: i32) -> String {
    format!("online_use.{category}.{number}")
}

/// A respondent level.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Subject {
    /// 都道府県.
    #[sea_orm(string_value = "PREFECTURE")]
    Prefecture,
    /// 市区町村.
    #[sea_orm(string_value = "MUNICIPALITY")]
    Municipality,
}

impl Subject {
    /// The level of a respondent code: two digits a prefecture, five a municipality.
    pub fn of_respondent(code: &str) -> Self {
        if code.len() == 2 {
            Self::Prefecture
        } else {
            Self::Municipality
        }
    }

    /// As stored and written in GraphQL.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Prefecture => "PREFECTURE",
            Self::Municipality => "MUNICIPALITY",
        }
    }
}

/// Who a question is put to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Asked {
    /// Prefectures and municipalities.
    #[sea_orm(string_value = "BOTH")]
    Both,
    /// Prefectures only.
    #[sea_orm(string_value = "PREFECTURES")]
    Prefectures,
    /// Municipalities only.
    #[sea_orm(string_value = "MUNICIPALITIES")]
    Municipalities,
}

impl Asked {
    /// Whether respondents of `subject` are among those asked.
    pub fn includes(self, subject: Subject) -> bool {
        matches!(
            (self, subject),
            (Self::Both, _)
                | (Self::Prefectures, Subject::Prefecture)
                | (Self::Municipalities, Subject::Municipality)
        )
    }
}

/// What a published number counts.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Measure {
    /// Respondents choosing an option.
    #[sea_orm(string_value = "COUNT")]
    Count,
    /// Total of a count question's numbers.
    #[sea_orm(string_value = "SUM")]
    Sum,
    /// How many were asked.
    #[sea_orm(string_value = "RESPONDENTS")]
    Respondents,
}

/// Whether a source's values are official.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum SourceKind {
    /// Published per-authority data: each value is the authority's own answer.
    #[sea_orm(string_value = "OFFICIAL")]
    Official,
    /// Calibrated synthetic values: they reproduce published totals, and no individual value
    /// is an authority's answer.
    #[sea_orm(string_value = "CALIBRATED_SYNTHETIC")]
    CalibratedSynthetic,
}

/// Where values come from: one value's source kind, or for an edition, an aggregate or a
/// share, the kinds of all the values it is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum Provenance {
    /// Official values only.
    #[sea_orm(string_value = "OFFICIAL")]
    Official,
    /// Calibrated synthetic values only.
    #[sea_orm(string_value = "CALIBRATED_SYNTHETIC")]
    CalibratedSynthetic,
    /// Both.
    #[sea_orm(string_value = "MIXED")]
    Mixed,
}

impl Provenance {
    /// The provenance of a value made of values of `self` and `other`.
    #[must_use]
    pub fn with(self, other: Self) -> Self {
        if self == other {
            self
        } else {
            Self::Mixed
        }
    }

    /// As written in downloads.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Official => "OFFICIAL",
            Self::CalibratedSynthetic => "CALIBRATED_SYNTHETIC",
            Self::Mixed => "MIXED",
        }
    }
}

impl From<SourceKind> for Provenance {
    fn from(kind: SourceKind) -> Self {
        match kind {
            SourceKind::Official => Self::Official,
            SourceKind::CalibratedSynthetic => Self::CalibratedSynthetic,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Iterable;

    #[test]
    fn who_is_asked_includes_the_right_levels() {
        assert!(Asked::Both.includes(Subject::Prefecture));
        assert!(Asked::Both.includes(Subject::Municipality));
        assert!(Asked::Prefectures.includes(Subject::Prefecture));
        assert!(!Asked::Prefectures.includes(Subject::Municipality));
        assert!(!Asked::Municipalities.includes(Subject::Prefecture));
    }

    #[test]
    fn stored_texts_round_trip_and_unknown_ones_are_refused() {
        for kind in QuestionType::iter() {
            assert_eq!(
                QuestionType::try_from_value(&kind.to_value()).ok(),
                Some(kind)
            );
            assert_eq!(kind.to_value(), kind.as_str());
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        assert!(Provenance::try_from_value(&"OFFICIAL_MICRODATA".to_owned()).is_err());
        assert!(Subject::try_from_value(&"NATION".to_owned()).is_err());
    }

    #[test]
    fn a_mix_of_kinds_is_mixed() {
        let official = Provenance::from(SourceKind::Official);
        assert_eq!(official.with(Provenance::Official), Provenance::Official);
        assert_eq!(
            official.with(SourceKind::CalibratedSynthetic.into()),
            Provenance::Mixed
        );
    }
}
