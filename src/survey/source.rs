//! Where answers come from. Every stored answer names a source, and a source says whether its
//! values are official: the Digital Agency's dashboard table and the ministry's 個別データ
//! are; DX Atlas's calibrated generator is not.

use std::collections::HashMap;

use thiserror::Error;

use super::answer::Answer;

pub use crate::domain::survey::{Provenance, SourceKind};

/// A stored text that names no known source.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("stored {what} `{text}` is not one DX Atlas knows")]
pub struct UnknownStored {
    /// What was read.
    pub what: &'static str,
    /// The text.
    pub text: String,
}

/// The provenance of one value of the source stored as `code`.
pub fn provenance_of(code: &str) -> Result<Provenance, UnknownStored> {
    Ok(by_code(code)?.kind.into())
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

/// The Statistics Center's SSDSE-A: municipal statistics, imported with `import-statistics`.
pub const SSDSE: SourceInfo = SourceInfo {
    code: "nstac-ssdse-a",
    kind: SourceKind::Official,
    title: "SSDSE（教育用標準データセット）SSDSE-A（市区町村）, drawn from e-Stat 「都道府県・市区町村のすがた（社会・人口統計体系）」",
    publisher: "独立行政法人統計センター",
    url: Some("https://www.nstac.go.jp/use/literacy/ssdse/"),
    credit: Some("「SSDSE（教育用標準データセット）」（独立行政法人統計センター）を加工して作成"),
    licence: Some("政府標準利用規約（第2.0版）: reuse with attribution, compatible with CC BY 4.0"),
    published: None,
};

/// Municipalities' readings, websites and town-hall points (localgovjp) and romanised names
/// (jp-prefecture): reference data about the authorities, not survey values.
pub const NAMES: SourceInfo = SourceInfo {
    code: "municipality-names",
    kind: SourceKind::Official,
    title: "code4fukui/localgovjp (readings, websites, town halls) and jp-prefecture 0.7.9.1 (romanised names, which are romanisations, not official English names)",
    publisher: "Code for FUKUI; Goichi Yukawa",
    url: Some("https://github.com/code4fukui/localgovjp"),
    credit: Some("localgovjp (CC0); jp-prefecture (MIT, © Goichi Yukawa)"),
    licence: Some("CC0 1.0; MIT"),
    published: None,
};

/// Every source DX Atlas writes.
pub const ALL: [&SourceInfo; 5] = [&CALIBRATED, &MICRODATA, &DASHBOARD, &SSDSE, &NAMES];

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
pub fn dated<S: std::hash::BuildHasher>(
    answers: Vec<Answer>,
    source: &'static SourceInfo,
    question_dates: &HashMap<String, Option<String>, S>,
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

/// The kind of the answers given by `sources` (each a source code and its reference date)
/// together; `None` when there are none.
pub fn provenance_of_sources(sources: &[(String, Option<String>)]) -> Option<Provenance> {
    sources
        .iter()
        .filter_map(|(code, _)| provenance_of(code).ok())
        .reduce(Provenance::with)
}

/// Why a published figure and its recomputation from `sources` (source, reference date)
/// differ, when the official answers among them hold for another date than the figure's.
pub fn mismatch_note(figure_date: &str, sources: &[(String, Option<String>)]) -> Option<String> {
    sources
        .iter()
        .filter(|(code, _)| provenance_of(code).is_ok_and(|p| p == Provenance::Official))
        .find(|(_, date)| date.as_deref() != Some(figure_date))
        .map(|(code, date)| {
            format!(
                "computed from official answers of `{code}` that hold for {}, while the figure holds for {figure_date}: another round of the survey, not an error",
                date.as_deref().unwrap_or("a date the source does not state")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_read_back_what_is_stored_and_refuse_the_rest() {
        for source in ALL {
            assert_eq!(by_code(source.code), Ok(source));
        }
        assert_eq!(provenance_of(DASHBOARD.code), Ok(Provenance::Official));
        assert_eq!(
            by_code("guessed").unwrap_err().to_string(),
            "stored source `guessed` is not one DX Atlas knows"
        );
    }
}
