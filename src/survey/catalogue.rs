//! The question catalogue and the published figures of the 令和5年度 survey summary,
//! kept as data in `catalogue.toml` (the summary's text is its only source) and checked here.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;
use thiserror::Error;

/// The catalogue file, compiled into the binary.
const CATALOGUE: &str = include_str!("catalogue.toml");

pub use crate::domain::survey::{online_use_indicator, Asked, Measure, QuestionType, Subject};

/// A section of the summary, numbered as there: (1)①1 is `1-1-1`.
#[derive(Debug, Clone, Deserialize)]
pub struct Section {
    /// Numbering.
    pub code: String,
    /// Heading as written.
    pub label_ja: String,
    /// English heading.
    pub label_en: String,
}

/// An answer option.
#[derive(Debug, Clone, Deserialize)]
pub struct QuestionOption {
    /// Stable code, e.g. `yes`.
    pub code: String,
    /// Label as written.
    pub label_ja: String,
    /// English label.
    pub label_en: String,
}

/// A follow-up's condition: asked only of those who gave `option` to `question`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Condition {
    /// The parent question.
    pub question: String,
    /// The parent's option.
    pub option: String,
}

/// A question (indicator).
#[derive(Debug, Clone, Deserialize)]
pub struct Question {
    /// Stable readable code, e.g. `cio.appointed`.
    pub code: String,
    /// Section code.
    pub section: String,
    /// Label as written.
    pub label_ja: String,
    /// English label.
    pub label_en: String,
    /// Answer shape.
    #[serde(rename = "type")]
    pub kind: QuestionType,
    /// Who is asked.
    pub asked: Asked,
    /// 1,733 or 1,741 municipalities.
    pub municipal_universe: Option<u32>,
    /// For follow-ups: who is asked.
    pub condition: Option<Condition>,
    /// Calibration hint: those answering yes are drawn only from those who gave this answer
    /// (e.g. hiring external talent is one way of using it). Changes no universe.
    pub within: Option<Condition>,
    /// Calibration hint for a count: never more, per authority, than its answer to this count.
    pub bounded_by: Option<String>,
    /// Where the status date differs from the edition's.
    pub reference_date: Option<String>,
    /// Where the figures come from another survey.
    pub source: Option<String>,
    /// False when the summary names the question but gives no figure: no answers exist.
    pub has_data: bool,
    /// Remarks on the modelling.
    pub note: Option<String>,
    /// Options (none for counts).
    #[serde(default, rename = "option")]
    pub options: Vec<QuestionOption>,
}

impl Question {
    /// Whether `subject` is asked this question.
    pub fn asks(&self, subject: Subject) -> bool {
        self.asked.includes(subject)
    }
}

/// A number written in the summary.
#[derive(Debug, Clone, Deserialize)]
pub struct Figure {
    /// Its question.
    pub question: String,
    /// Prefectures or municipalities.
    pub subject: Subject,
    /// What it counts.
    pub measure: Measure,
    /// The option counted, for `COUNT`.
    pub option: Option<String>,
    /// The number.
    pub value: i64,
    /// Who was asked, for `COUNT`.
    pub denominator: Option<i64>,
    /// The percentage as written, if any.
    pub percent: Option<f64>,
    /// A breakdown by kind of municipality: DESIGNATED_CITY, SPECIAL_WARD, CORE_CITY, OTHER_CITY, TOWN_VILLAGE.
    pub group: Option<String>,
    /// The phrase of the text it comes from.
    pub quote: String,
    /// True when the number is implied by the text's percentages rather than written.
    #[serde(default)]
    pub derived: bool,
}

/// A row of the 59 online procedures table (national estimates).
#[derive(Debug, Clone, Deserialize)]
pub struct OnlineProcedure {
    /// Table and group: `a`, `b.childcare`, …
    pub category: String,
    /// Number within its group.
    pub number: i32,
    /// Name as written.
    pub name_ja: String,
    /// Who carries it out: BOTH, PREFECTURES or MUNICIPALITIES.
    pub scope: Asked,
    /// Annual procedures (national estimate), if given.
    pub annual_total: Option<i64>,
    /// Online rate in percent, if given.
    pub online_rate_percent: Option<f64>,
    /// Remarks.
    pub note: Option<String>,
}

impl OnlineProcedure {
    /// The section of the online procedures (オンライン利用実績), where each procedure's
    /// per-authority online-use rate is an indicator.
    pub const SECTION: &'static str = "2-4-4";

    /// The indicator of this procedure's online-use rate per authority. The summary gives
    /// only the national rate; the Digital Agency's dashboard table gives each authority's.
    pub fn rate_question(&self) -> Question {
        Question {
            code: online_use_indicator(&self.category, self.number),
            section: Self::SECTION.to_owned(),
            label_ja: format!("{}のオンライン利用率", self.name_ja),
            label_en: format!(
                "Online use rate of procedure {} {} ({})",
                self.category, self.number, self.name_ja
            ),
            kind: QuestionType::Rate,
            asked: self.scope,
            municipal_universe: self.scope.includes(Subject::Municipality).then_some(1741),
            condition: None,
            within: None,
            bounded_by: None,
            reference_date: None,
            source: Some(DASHBOARD_TITLE.to_owned()),
            has_data: true,
            note: Some(
                "Per authority, from the dashboard table, which does not state the date; \
                 no value where the authority reports no such procedure."
                    .to_owned(),
            ),
            options: Vec::new(),
        }
    }
}

/// The title of the source of the indicators the summary does not carry.
const DASHBOARD_TITLE: &str = "「自治体DXの取組に関するダッシュボード」（デジタル庁）";

/// A national figure that belongs to no single question (e.g. the overall online rate).
#[derive(Debug, Clone, Deserialize)]
pub struct NationalFigure {
    /// Stable code.
    pub code: String,
    /// Label as written.
    pub label_ja: String,
    /// The number.
    pub value: f64,
    /// PERCENT, …
    pub unit: String,
    /// The phrase of the text.
    pub quote: String,
}

/// The whole catalogue.
#[derive(Debug, Clone, Deserialize)]
pub struct Catalogue {
    /// Sections in the summary's order.
    #[serde(rename = "section")]
    pub sections: Vec<Section>,
    /// Questions in the summary's order.
    #[serde(rename = "question")]
    pub questions: Vec<Question>,
    /// Published figures.
    #[serde(rename = "figure")]
    pub figures: Vec<Figure>,
    /// The online procedures table.
    #[serde(rename = "online_procedure")]
    pub online_procedures: Vec<OnlineProcedure>,
    /// National figures.
    #[serde(rename = "national_figure")]
    pub national_figures: Vec<NationalFigure>,
}

/// Why the catalogue cannot be used.
#[derive(Debug, Error)]
pub enum CatalogueError {
    /// The file does not parse into a catalogue.
    #[error("catalogue.toml: {0}")]
    Parse(#[from] toml::de::Error),
    /// It parses, but contradicts itself.
    #[error("catalogue.toml: {0}")]
    Inconsistent(String),
}

impl Catalogue {
    /// Each question's own status date, where it differs from the edition's.
    pub fn question_dates(&self) -> HashMap<String, Option<String>> {
        self.questions
            .iter()
            .map(|q| (q.code.clone(), q.reference_date.clone()))
            .collect()
    }

    /// The catalogue of the 令和5年度 edition, parsed, with an online-use rate indicator for
    /// each online procedure, and checked.
    pub fn r5() -> Result<Self, CatalogueError> {
        let mut catalogue: Self = toml::from_str(CATALOGUE)?;
        let rates: Vec<Question> = catalogue
            .online_procedures
            .iter()
            .map(OnlineProcedure::rate_question)
            .collect();
        catalogue.questions.extend(rates);
        catalogue.check().map_err(CatalogueError::Inconsistent)?;
        Ok(catalogue)
    }

    /// A question by code.
    pub fn question(&self, code: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.code == code)
    }

    /// Questions keyed by code.
    pub fn by_code(&self) -> BTreeMap<&str, &Question> {
        self.questions
            .iter()
            .map(|q| (q.code.as_str(), q))
            .collect()
    }

    /// Consistency: unique codes, known sections, conditions and options that exist,
    /// figures whose question and option exist.
    fn check(&self) -> Result<(), String> {
        let sections: HashSet<&str> = self.sections.iter().map(|s| s.code.as_str()).collect();
        let mut seen = HashSet::new();
        for q in &self.questions {
            if !seen.insert(q.code.as_str()) {
                return Err(format!("question `{}` is catalogued twice", q.code));
            }
            if !q
                .code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_')
            {
                return Err(format!("question code `{}` is not [a-z0-9_.]", q.code));
            }
            if !sections.contains(q.section.as_str()) {
                return Err(format!(
                    "question `{}`: unknown section `{}`",
                    q.code, q.section
                ));
            }
            if q.asks(Subject::Municipality) && !matches!(q.municipal_universe, Some(1733 | 1741)) {
                return Err(format!(
                    "question `{}`: municipal_universe must be 1733 or 1741",
                    q.code
                ));
            }
            if let Some(c) = &q.condition {
                let parent = self.question(&c.question).ok_or_else(|| {
                    format!(
                        "question `{}`: condition on unknown `{}`",
                        q.code, c.question
                    )
                })?;
                if !parent.options.iter().any(|o| o.code == c.option) {
                    return Err(format!(
                        "question `{}`: `{}` has no option `{}`",
                        q.code, c.question, c.option
                    ));
                }
            }
        }
        for f in &self.figures {
            let q = self.question(&f.question).ok_or_else(|| {
                format!("figure `{}`: unknown question `{}`", f.quote, f.question)
            })?;
            if let Some(option) = &f.option {
                if !q.options.iter().any(|o| &o.code == option) {
                    return Err(format!(
                        "figure `{}`: `{}` has no option `{option}`",
                        f.quote, q.code
                    ));
                }
            }
            if f.measure == Measure::Count && f.option.is_none() {
                return Err(format!("figure `{}`: a COUNT needs an option", f.quote));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_parses_and_holds_the_named_figures() {
        let c = Catalogue::r5().unwrap();
        let find = |q: &str, s: Subject, o: &str| {
            c.figures
                .iter()
                .find(|f| f.question == q && f.subject == s && f.option.as_deref() == Some(o))
                .map(|f| (f.value, f.denominator))
        };
        assert_eq!(
            find("cio.appointed", Subject::Municipality, "yes"),
            Some((1270, Some(1733)))
        );
        assert_eq!(
            find("cio.appointed", Subject::Prefecture, "yes"),
            Some((43, Some(47)))
        );
        assert_eq!(
            find("security.csirt", Subject::Municipality, "yes"),
            Some((1397, Some(1741)))
        );
        assert_eq!(
            find("gis.status", Subject::Municipality, "adopted"),
            Some((1142, Some(1733)))
        );
        assert_eq!(
            find("digital_divide.measures", Subject::Municipality, "yes"),
            Some((1197, Some(1733)))
        );
        assert_eq!(c.online_procedures.len(), 59);
    }
}
