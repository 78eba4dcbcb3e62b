//! Where answers come from. Every stored answer names a source, and a source says whether its
//! values are official: the Digital Agency's dashboard table and the ministry's 個別データ
//! are; DX Atlas's calibrated generator is not.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use super::calibrate::Answer;

/// Whether a source's values are official.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceKind {
    /// Published per-authority data: each value is the authority's own answer.
    Official,
    /// Calibrated synthetic values: they reproduce published totals, and no individual value
    /// is an authority's answer.
    CalibratedSynthetic,
}

/// A stored text that names no known kind or source.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("stored {what} `{text}` is not one DX Atlas knows")]
pub struct UnknownStored {
    /// What was read.
    pub what: &'static str,
    /// The text.
    pub text: String,
}

impl SourceKind {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Official => "OFFICIAL",
            Self::CalibratedSynthetic => "CALIBRATED_SYNTHETIC",
        }
    }
}

impl FromStr for SourceKind {
    type Err = UnknownStored;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "OFFICIAL" => Ok(Self::Official),
            "CALIBRATED_SYNTHETIC" => Ok(Self::CalibratedSynthetic),
            other => Err(UnknownStored {
                what: "source kind",
                text: other.to_owned(),
            }),
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where values come from: one value's source kind, or for an edition, an aggregate or a
/// share the kinds of all the values it is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provenance {
    /// Official values only.
    Official,
    /// Calibrated synthetic values only.
    CalibratedSynthetic,
    /// Both.
    Mixed,
}

impl Provenance {
    /// Reads a stored edition provenance. `OFFICIAL_MICRODATA` is what imports of the
    /// ministry's spreadsheets wrote before sources were records.
    pub fn parse(text: &str) -> Result<Self, UnknownStored> {
        match text {
            "OFFICIAL" | "OFFICIAL_MICRODATA" => Ok(Self::Official),
            "CALIBRATED_SYNTHETIC" => Ok(Self::CalibratedSynthetic),
            "MIXED" => Ok(Self::Mixed),
            other => Err(UnknownStored {
                what: "edition provenance",
                text: other.to_owned(),
            }),
        }
    }

    /// The provenance of one value of the source stored as `code`.
    pub fn of_source(code: &str) -> Result<Self, UnknownStored> {
        Ok(by_code(code)?.kind.into())
    }

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

/// A source DX Atlas writes answers of.
#[derive(Debug, PartialEq, Eq)]
pub struct SourceInfo {
    /// Its code, as stored with every answer.
    pub code: &'static str,
    /// Official or synthetic.
    pub kind: SourceKind,
    /// Title.
    pub title: &'static str,
    /// Publisher.
    pub publisher: &'static str,
    /// Where the original is published.
    pub url: Option<&'static str>,
    /// The credit line its terms require.
    pub credit: Option<&'static str>,
    /// Licence or terms.
    pub licence: Option<&'static str>,
    /// Publication date, where known.
    pub published: Option<&'static str>,
}

/// DX Atlas's calibrated generator (`survey::calibrate`).
pub const CALIBRATED: SourceInfo = SourceInfo {
    code: "calibrated-synthetic",
    kind: SourceKind::CalibratedSynthetic,
    title: "DX Atlas calibrated synthetic answers (deterministic, seed 20230401): they reproduce \
            every figure of the survey summary, and no individual value is official",
    publisher: "DX Atlas",
    url: None,
    credit: None,
    licence: None,
    published: None,
};

/// The ministry's per-authority spreadsheets (個別データ), imported with `import-survey`.
pub const MICRODATA: SourceInfo = SourceInfo {
    code: "mic-microdata",
    kind: SourceKind::Official,
    title: "地方公共団体における行政情報化の推進状況調査 個別データ",
    publisher: "総務省",
    // The spreadsheets are the user's copy: where and when they were published is theirs to say.
    url: None,
    credit: Some("「地方公共団体における行政情報化の推進状況調査」（総務省）"),
    licence: None,
    published: None,
};

/// The Digital Agency's 自治体DX dashboard table (release of 2024-07-12).
pub const DASHBOARD: SourceInfo = SourceInfo {
    code: "digital-agency-dashboard",
    kind: SourceKind::Official,
    title: "自治体DXの取組に関するダッシュボード（表データ）",
    publisher: "デジタル庁 (data collected by 総務省 through this survey)",
    url: Some("https://www.digital.go.jp/resources/govdashboard/local-government-dx"),
    credit: Some("「自治体DXの取組に関するダッシュボード」（デジタル庁）"),
    licence: Some(
        "デジタル庁ウェブサイト利用規約: reuse with attribution, compatible with CC BY 4.0",
    ),
    published: Some("2024-07-12"),
};

/// Every source DX Atlas writes.
pub const ALL: [&SourceInfo; 3] = [&CALIBRATED, &MICRODATA, &DASHBOARD];

/// The source stored as `code`.
pub fn by_code(code: &str) -> Result<&'static SourceInfo, UnknownStored> {
    ALL.into_iter()
        .find(|s| s.code == code)
        .ok_or_else(|| UnknownStored {
            what: "source",
            text: code.to_owned(),
        })
}

/// An answer with where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced {
    /// The answer.
    pub answer: Answer,
    /// Its source.
    pub source: &'static SourceInfo,
    /// Its own reference date, ISO 8601; `None` where the source does not state one.
    pub reference_date: Option<String>,
}

/// Answers of one source, each dated as its question is asked: the question's own reference
/// date where the catalogue gives one (AI and RPA 2022-12-31, telework 2023-10-01), else the
/// edition's.
pub fn dated(
    answers: Vec<Answer>,
    source: &'static SourceInfo,
    question_dates: &HashMap<String, Option<String>>,
    edition_date: &str,
) -> Vec<Sourced> {
    answers
        .into_iter()
        .map(|answer| {
            let date = question_dates
                .get(&answer.question)
                .cloned()
                .flatten()
                .unwrap_or_else(|| edition_date.to_owned());
            Sourced {
                answer,
                source,
                reference_date: Some(date),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_sources_read_back_what_is_stored_and_refuse_the_rest() {
        for kind in [SourceKind::Official, SourceKind::CalibratedSynthetic] {
            assert_eq!(kind.as_str().parse::<SourceKind>(), Ok(kind));
        }
        assert!("OFFICIAL_MICRODATA".parse::<SourceKind>().is_err());
        for source in ALL {
            assert_eq!(by_code(source.code), Ok(source));
        }
        assert_eq!(
            by_code("guessed").unwrap_err().to_string(),
            "stored source `guessed` is not one DX Atlas knows"
        );
    }
}
