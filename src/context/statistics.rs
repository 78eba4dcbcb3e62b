//! Statistics in memory: every stored SSDSE variable and the derived ones people ask for
//! first, each with every municipality's value, so that a map, a correlation or a band over
//! all municipalities reads no database.

use std::collections::HashMap;

use crate::domain::survey::{QuestionType, Subject};
use crate::entity::{question, statistic};
use crate::error::{AppError, AppResult};
use crate::stats::bands::Bands;
use crate::survey::aggregate::GroupBy;
use crate::survey::source::{self, SourceInfo};

/// The statistic population bands are drawn from: the 2020 census population (SSDSE-A).
pub const POPULATION: &str = "A1101";

/// Largest factor of a figure per a statistic.
pub const MAX_SCALE: f64 = 1e9;

/// Checks the factor of a figure per a statistic (10000: per 10,000 residents), for maps,
/// aggregates and relationships alike: above 0 and at most [`MAX_SCALE`]. The error names the
/// argument, `scale`.
pub fn check_scale(scale: f64) -> AppResult<()> {
    if !scale.is_finite() || scale <= 0.0 || scale > MAX_SCALE {
        return Err(AppError::bad_argument(
            "scale",
            format!("{scale} is out of range; give a factor above 0 and at most 1,000,000,000"),
        ));
    }
    Ok(())
}

/// The factor of a figure per a statistic, when `per` names one: `scale` (default 1) checked
/// by [`check_scale`]. A `scale` without a `per` is refused, naming `scale`. The one rule of
/// maps, aggregates and relationships alike.
pub fn per_scale(per: Option<&str>, scale: Option<f64>) -> AppResult<Option<f64>> {
    match (per, scale) {
        (Some(_), scale) => {
            let scale = scale.unwrap_or(1.0);
            check_scale(scale)?;
            Ok(Some(scale))
        }
        (None, Some(_)) => Err(AppError::bad_argument(
            "scale",
            "it applies with per (a figure per a statistic); give per too",
        )),
        (None, None) => Ok(None),
    }
}

/// Whether answers of this type can be divided by a statistic: only counts are (a choice or a
/// rate is a share already).
pub fn divisible(kind: QuestionType) -> bool {
    kind == QuestionType::Count
}

/// Refuses, naming `per`, to divide indicator `code` of type `kind` by a statistic unless it
/// is a count: the one rule of maps, aggregates and relationships.
pub fn check_divisible(code: &str, kind: QuestionType) -> AppResult<()> {
    if divisible(kind) {
        return Ok(());
    }
    Err(AppError::bad_argument(
        "per",
        format!(
            "`{code}` is not a count; only counts are divided by a statistic (a choice or a rate is a share already)"
        ),
    ))
}

/// A statistic derived from two stored ones: `numerator / denominator × scale`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Formula {
    /// Code of the derived statistic.
    pub code: &'static str,
    /// Japanese label.
    pub label: &'static str,
    /// Unit.
    pub unit: &'static str,
    /// Numerator's code.
    pub numerator: &'static str,
    /// Denominator's code.
    pub denominator: &'static str,
    /// Factor applied to the ratio.
    pub scale: f64,
    /// The formula in words, as the API documents it.
    pub text: &'static str,
}

/// The derived statistics. SSDSE gives areas in hectares (100 ha = 1 km²).
pub const DERIVED: [Formula; 6] = [
    Formula {
        code: "density",
        label: "人口密度（総面積1km²当たり）",
        unit: "人/km²",
        numerator: "A1101",
        denominator: "B1101",
        scale: 100.0,
        text: "A1101 総人口 / (B1101 総面積 ha / 100)",
    },
    Formula {
        code: "density_habitable",
        label: "可住地人口密度（可住地面積1km²当たり）",
        unit: "人/km²",
        numerator: "A1101",
        denominator: "B1103",
        scale: 100.0,
        text: "A1101 総人口 / (B1103 可住地面積 ha / 100)",
    },
    Formula {
        code: "share_65_plus",
        label: "65歳以上人口の割合",
        unit: "%",
        numerator: "A1303",
        denominator: "A1101",
        scale: 100.0,
        text: "A1303 65歳以上人口 / A1101 総人口 × 100",
    },
    Formula {
        code: "share_75_plus",
        label: "75歳以上人口の割合",
        unit: "%",
        numerator: "A1419",
        denominator: "A1101",
        scale: 100.0,
        text: "A1419 75歳以上人口 / A1101 総人口 × 100",
    },
    Formula {
        code: "persons_per_household",
        label: "一般世帯の平均人員",
        unit: "人/世帯",
        numerator: "A710201",
        denominator: "A710101",
        scale: 1.0,
        text:
            "A710201 一般世帯人員数 / A710101 一般世帯数 (the number of households is A7101 itself)",
    },
    Formula {
        code: "staff_per_1000",
        label: "人口千人当たり一般行政部門職員数",
        unit: "人/千人",
        numerator: "D1202",
        denominator: "A1101",
        scale: 1000.0,
        text: "D1202 一般行政部門職員数 / A1101 総人口 × 1000",
    },
];

/// One statistic with every municipality's value.
#[derive(Debug, Clone, PartialEq)]
pub struct Statistic {
    /// Code: the publisher's (`A1101`) or a derived one (`density`).
    pub code: String,
    /// Japanese label.
    pub label: String,
    /// Unit, where known.
    pub unit: Option<String>,
    /// The year the values refer to; for a derived statistic, the later of its inputs'.
    pub year: i32,
    /// Where the values come from.
    pub source: &'static SourceInfo,
    /// How a derived statistic is computed; `None` for a published one.
    pub formula: Option<&'static Formula>,
    /// Value per five-digit municipal code; a municipality without one is absent.
    pub values: HashMap<String, f64>,
}

impl Statistic {
    /// The value of one municipality.
    pub fn value(&self, code: &str) -> Option<f64> {
        self.values.get(code).copied()
    }
}

/// Every statistic, published then derived, in the publisher's order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Statistics {
    list: Vec<Statistic>,
    by_code: HashMap<String, usize>,
}

impl Statistics {
    /// Builds the set from stored rows, adding each derived statistic whose inputs are there.
    pub fn from_rows(rows: Vec<statistic::Model>) -> AppResult<Self> {
        let mut list = rows
            .into_iter()
            .map(|row| {
                let values: HashMap<String, f64> =
                    serde_json::from_str(&row.values).map_err(|e| {
                        AppError::internal(
                            format!("reading the values of statistic {}", row.code),
                            e,
                        )
                    })?;
                let source = source::by_code(&row.source_code)
                    .map_err(|e| AppError::internal("reading a statistic's source", e))?;
                Ok(Statistic {
                    code: row.code,
                    label: row.label,
                    unit: row.unit,
                    year: row.year,
                    source,
                    formula: None,
                    values,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        let stored = Self::index(list);
        list = stored.list;
        let derived: Vec<Statistic> = DERIVED
            .iter()
            .filter_map(|f| {
                let n = &list[*stored.by_code.get(f.numerator)?];
                let d = &list[*stored.by_code.get(f.denominator)?];
                Some(derive(f, n, d))
            })
            .collect();
        list.extend(derived);
        Ok(Self::index(list))
    }

    fn index(list: Vec<Statistic>) -> Self {
        let by_code = list
            .iter()
            .enumerate()
            .map(|(i, s)| (s.code.clone(), i))
            .collect();
        Self { list, by_code }
    }

    /// All of them.
    pub fn all(&self) -> &[Statistic] {
        &self.list
    }

    /// One by code.
    pub fn get(&self, code: &str) -> Option<&Statistic> {
        self.by_code.get(code).map(|i| &self.list[*i])
    }

    /// One by code, or the error naming the code and saying where the codes are listed.
    pub fn require(&self, code: &str) -> AppResult<&Statistic> {
        self.get(code).ok_or_else(|| {
            if self.list.is_empty() {
                AppError::NotFound(format!(
                    "statistic `{code}`: no statistics are loaded; import SSDSE-A with `dx-atlas import-statistics`"
                ))
            } else {
                AppError::bad_argument("statistic", format!(
                    "no statistic `{code}` (the query `statistics` lists them)"
                ))
            }
        })
    }
}

/// A derived statistic's values: where the denominator is zero or missing there is no value.
fn derive(formula: &'static Formula, n: &Statistic, d: &Statistic) -> Statistic {
    let values = n
        .values
        .iter()
        .filter_map(|(code, x)| {
            let y = d.value(code).filter(|y| *y != 0.0)?;
            Some((code.clone(), x / y * formula.scale))
        })
        .collect();
    Statistic {
        code: formula.code.to_owned(),
        label: formula.label.to_owned(),
        unit: Some(formula.unit.to_owned()),
        year: n.year.max(d.year),
        source: n.source,
        formula: Some(formula),
        values,
    }
}

/// Each municipality's population band (by [`POPULATION`]) and the bands in order, when an
/// aggregate is grouped by band (`bands`: the thresholds, or the default ones); `None`
/// otherwise.
#[allow(clippy::type_complexity)]
pub fn population_bands(
    statistics: &Statistics,
    group_by: GroupBy,
    subject: Subject,
    bands: Option<Vec<i64>>,
) -> AppResult<Option<(HashMap<String, String>, Vec<String>)>> {
    if group_by != GroupBy::PopulationBand {
        return match bands {
            Some(_) => Err(AppError::bad_argument(
                "bands",
                "they apply to groupBy: POPULATION_BAND",
            )),
            None => Ok(None),
        };
    }
    if subject != Subject::Municipality {
        return Err(AppError::bad_argument(
            "groupBy",
            "POPULATION_BAND groups municipalities; ask with subject: MUNICIPALITY",
        ));
    }
    let bands = match bands {
        Some(thresholds) => {
            Bands::new(thresholds).map_err(|e| AppError::bad_input(e.to_string()))?
        }
        None => Bands::default(),
    };
    let population = statistics.require(POPULATION)?;
    let groups = population
        .values
        .iter()
        .map(|(code, n)| (code.clone(), bands.label(*n)))
        .collect();
    Ok(Some((groups, bands.labels())))
}

/// The statistic an aggregate of `question` over `subject` divides its counts by, and the
/// factor, when `per` names one.
pub fn per_statistic<'a>(
    statistics: &'a Statistics,
    question: &question::Model,
    subject: Subject,
    per: Option<&str>,
    scale: Option<f64>,
) -> AppResult<Option<(&'a Statistic, f64)>> {
    let (Some(code), Some(scale)) = (per, per_scale(per, scale)?) else {
        return Ok(None);
    };
    check_divisible(&question.code, question.kind)?;
    if subject != Subject::Municipality {
        return Err(AppError::bad_argument(
            "per",
            "statistics are municipal; ask with subject: MUNICIPALITY",
        ));
    }
    let statistic = statistics.require(code).map_err(|e| e.within("per"))?;
    Ok(Some((statistic, scale)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: &str, values: &str) -> statistic::Model {
        statistic::Model {
            code: code.into(),
            label: code.into(),
            unit: Some("人".into()),
            year: 2020,
            source_code: source::SSDSE.code.into(),
            position: 0,
            values: values.into(),
        }
    }

    #[test]
    fn derived_statistics_follow_their_formula_and_skip_a_zero_denominator() {
        let s = Statistics::from_rows(vec![
            row("A1101", r#"{"13104": 200.0, "13105": 50.0}"#),
            row("A1303", r#"{"13104": 50.0, "13105": 10.0}"#),
            row("B1101", r#"{"13104": 100.0, "13105": 0.0}"#),
        ])
        .unwrap();
        let share = s.get("share_65_plus").unwrap();
        assert_eq!(share.value("13104"), Some(25.0));
        assert_eq!(share.value("13105"), Some(20.0));
        let density = s.get("density").unwrap();
        assert_eq!(density.value("13104"), Some(200.0));
        assert_eq!(density.value("13105"), None);
        // Inputs that are not stored give no derived statistic.
        assert!(s.get("staff_per_1000").is_none());
        assert!(s
            .require("X9999")
            .unwrap_err()
            .to_string()
            .contains("`X9999`"));
    }
}
