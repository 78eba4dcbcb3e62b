//! Compute, the pipeline's third step: pure functions from a map's inputs ([`MapInputs`]) to
//! the map: values (municipal shares, counts per a statistic), the areas placed with their
//! classes and colours, the legend, statistics and a bivariate map's grid. Nothing here reads.

use std::collections::BTreeMap;

use super::bivariate;
use super::gather::{Band, Indicator, MapInputs, MapVariable};
use super::legend::{self, categorical_legend, missing_class, numeric_legend};
use super::map::{AreaValues, Bivariate, Choropleth, LegendClass, MapArea, MapMethod, Mapped};
use super::map::{Per, Statistics};
use super::spec::MapSpec;
use crate::context::statistics::Statistic;
use crate::domain::PrefectureCode;
use crate::entity::question_option;
use crate::error::AppResult;
use crate::spatial::atlas::Layer;
use crate::stats::palette;
use crate::survey::source::Provenance;
use crate::survey::values::RespondentValue;

/// The map of `inputs`: each area's value, class and colour, the legend and the statistics.
pub fn compute(inputs: MapInputs<'_>) -> AppResult<Choropleth> {
    let numeric = inputs.numeric();
    let MapInputs {
        spec,
        layer,
        variable,
        values,
        weight,
        per,
        band,
        second,
        sources,
    } = inputs;
    let (indicator, edition, options, fractions) = match variable {
        MapVariable::Indicator(indicator) => {
            let Indicator {
                question,
                options,
                edition,
            } = *indicator;
            let fractions = spec.is_municipal_share() && !question.kind.is_numeric();
            (
                Mapped::indicator(&question),
                Some(edition),
                options,
                fractions,
            )
        }
        MapVariable::Statistic(statistic) => {
            (Mapped::statistic(statistic), None, Vec::new(), false)
        }
    };
    let values = if spec.is_municipal_share() {
        municipal_shares(values, weight)
    } else {
        values
    };
    let (values, per) = match per {
        Some(statistic) => {
            let (values, per) = divided(values, statistic, spec.scale());
            (values, Some(per))
        }
        None => (values, None),
    };
    let areas = place_areas(layer, &values, spec.request().prefecture, band.as_ref());
    let (classes, bivariate) = match second {
        Some(y) => {
            let (classes, x_bounds, y_bounds) = bivariate_classes(areas, &y.values)?;
            let described = Bivariate {
                y: y.described,
                x_bounds,
                y_bounds,
            };
            (classes, Some(described))
        }
        None => (
            classified(areas, &spec, (numeric, fractions), &options)?,
            None,
        ),
    };
    let areas = within_box(classes.areas, layer, &spec);
    Ok(Choropleth {
        spec,
        indicator,
        edition,
        numeric,
        method: classes.method,
        areas,
        legend: classes.legend,
        missing: classes.missing,
        statistics: classes.statistics,
        sources: sources.into_iter().collect(),
        per,
        bivariate,
    })
}

/// The areas whose boundary meets the map's `bbox`, or all without one. The box picks what is
/// written, after classing: an area is coloured as on the whole map, and the legend and
/// statistics stay the whole map's, so that a box cut from a map matches it.
fn within_box(mut areas: Vec<MapArea>, layer: &Layer, spec: &MapSpec) -> Vec<MapArea> {
    if let Some(bbox) = spec.bbox() {
        let meeting: std::collections::HashSet<usize> =
            layer.intersecting(bbox.rect()).into_iter().collect();
        areas.retain(|area| meeting.contains(&area.index));
    }
    areas
}

/// The areas of a map placed, classed and coloured, with the legend and statistics.
struct Classified {
    areas: Vec<MapArea>,
    legend: Vec<LegendClass>,
    missing: LegendClass,
    method: MapMethod,
    statistics: Statistics,
}

/// Classes the placed areas; `(numeric, fractions)`: whether the values are numbers, and
/// whether they are shares to be labelled as percentages.
fn classified(
    mut areas: Vec<MapArea>,
    spec: &MapSpec,
    (numeric, fractions): (bool, bool),
    options: &[question_option::Model],
) -> AppResult<Classified> {
    let missing = missing_class(&areas);
    let (legend, method, statistics) = if numeric {
        numeric_legend(&mut areas, spec, missing.count, fractions)?
    } else {
        categorical_legend(&mut areas, spec, options, missing.count)?
    };
    Ok(Classified {
        areas,
        legend,
        missing,
        method,
        statistics,
    })
}

/// A bivariate map's classes: the areas' own values as x, `ys` as y, each in tertiles; with
/// both variables' bounds.
fn bivariate_classes(
    mut areas: Vec<MapArea>,
    ys: &std::collections::HashMap<String, (f64, Provenance)>,
) -> AppResult<(Classified, Vec<f64>, Vec<f64>)> {
    let (legend, x_bounds, y_bounds) = bivariate::classify_areas(&mut areas, ys)?;
    let missing = missing_class(&areas);
    let statistics = legend::statistics(&legend::numbers(&areas), missing.count);
    let classes = Classified {
        areas,
        legend,
        missing,
        method: MapMethod::Bivariate,
        statistics,
    };
    Ok((classes, x_bounds, y_bounds))
}

/// Each prefecture's share of municipalities whose value is `yes` (for counts, their mean),
/// with the provenance of the values it is made of. With `weight`, each municipality counts
/// by its value of that statistic (the share of residents whose municipality chose the
/// option); a municipality without a weight is left out.
pub fn municipal_shares(municipal: AreaValues, weight: Option<&Statistic>) -> AreaValues {
    let mut by_prefecture: BTreeMap<String, (f64, f64, Option<Provenance>)> = BTreeMap::new();
    for (code, (value, provenance)) in municipal {
        let Some(x) = value.as_number() else {
            continue;
        };
        let w = match weight {
            Some(statistic) => match statistic.value(&code) {
                Some(w) => w,
                None => continue,
            },
            None => 1.0,
        };
        let entry = by_prefecture.entry(code[..2].to_owned()).or_default();
        entry.0 += w * x;
        entry.1 += w;
        entry.2 = Some(entry.2.map_or(provenance, |p| p.with(provenance)));
    }
    by_prefecture
        .into_iter()
        .filter(|(_, (_, total, _))| *total > 0.0)
        .filter_map(|(p, (sum, total, provenance))| {
            Some((p, (RespondentValue::Number(sum / total), provenance?)))
        })
        .collect()
}

/// Each number divided by the area's value of `statistic`, times `scale`; an area whose
/// denominator is missing or zero becomes missing, and is counted as undivided.
pub fn divided(values: AreaValues, statistic: &Statistic, scale: f64) -> (AreaValues, Per) {
    let mut undivided = 0;
    let out = values
        .into_iter()
        .filter_map(|(code, (value, provenance))| {
            let RespondentValue::Number(n) = value else {
                return Some((code, (value, provenance)));
            };
            if let Some(d) = statistic.value(&code).filter(|d| *d != 0.0) {
                Some((code, (RespondentValue::Number(n / d * scale), provenance)))
            } else {
                undivided += 1;
                None
            }
        })
        .collect();
    let per = Per {
        code: statistic.code.clone(),
        label: statistic.label.clone(),
        unit: statistic.unit.clone(),
        year: statistic.year,
        scale,
        undivided,
    };
    (out, per)
}

/// Every area of the layer (of one prefecture, if asked, and in the band, if one is given)
/// with its value, still unclassified.
pub fn place_areas(
    layer: &Layer,
    values: &AreaValues,
    prefecture: Option<PrefectureCode>,
    band: Option<&Band<'_>>,
) -> Vec<MapArea> {
    let wanted: Option<String> = prefecture.map(|p| p.to_string());
    layer
        .areas
        .iter()
        .enumerate()
        .filter(|(_, a)| wanted.as_deref().is_none_or(|p| a.prefecture == p))
        .filter(|(_, a)| band.is_none_or(|b| b.keeps(&a.code)))
        .map(|(i, a)| {
            let value = values.get(&a.code);
            MapArea {
                index: i,
                code: a.code.clone(),
                name: a.name.clone(),
                value: value.map_or(RespondentValue::Missing, |(v, _)| v.clone()),
                provenance: value
                    .filter(|(v, _)| *v != RespondentValue::Missing)
                    .map(|(_, p)| *p),
                class: None,
                colour: palette::MISSING.to_owned(),
                label: "no data".to_owned(),
                second: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::source::SSDSE;

    fn statistic(values: &[(&str, f64)]) -> Statistic {
        Statistic {
            code: "A1101".into(),
            label: "総人口".into(),
            unit: Some("人".into()),
            year: 2020,
            source: &SSDSE,
            formula: None,
            values: values.iter().map(|(c, v)| ((*c).to_owned(), *v)).collect(),
        }
    }

    fn values(list: &[(&str, RespondentValue, Provenance)]) -> AreaValues {
        list.iter()
            .map(|(c, v, p)| ((*c).to_owned(), (v.clone(), *p)))
            .collect()
    }

    #[test]
    fn a_municipal_share_counts_yes_against_every_answer_and_leaves_missing_out() {
        let municipal = values(&[
            ("13101", RespondentValue::choice(true), Provenance::Official),
            (
                "13102",
                RespondentValue::choice(false),
                Provenance::Official,
            ),
            (
                "13103",
                RespondentValue::choice(true),
                Provenance::CalibratedSynthetic,
            ),
            ("13104", RespondentValue::Missing, Provenance::Official),
            (
                "14100",
                RespondentValue::choice(false),
                Provenance::Official,
            ),
        ]);
        let shares = municipal_shares(municipal, None);
        let (tokyo, provenance) = &shares["13"];
        assert_eq!(*tokyo, RespondentValue::Number(2.0 / 3.0));
        assert_eq!(*provenance, Provenance::Mixed);
        assert_eq!(shares["14"].0, RespondentValue::Number(0.0));
    }

    #[test]
    fn a_weighted_share_counts_residents_and_leaves_out_the_unweighted() {
        let municipal = values(&[
            ("13101", RespondentValue::choice(true), Provenance::Official),
            (
                "13102",
                RespondentValue::choice(false),
                Provenance::Official,
            ),
            (
                "13103",
                RespondentValue::choice(false),
                Provenance::Official,
            ),
        ]);
        let weight = statistic(&[("13101", 300.0), ("13102", 100.0)]);
        let shares = municipal_shares(municipal, Some(&weight));
        assert_eq!(shares["13"].0, RespondentValue::Number(0.75));
    }

    #[test]
    fn counts_are_divided_and_a_zero_or_missing_denominator_is_missing() {
        let counts = values(&[
            ("13101", RespondentValue::Number(5.0), Provenance::Official),
            ("13102", RespondentValue::Number(5.0), Provenance::Official),
            ("13103", RespondentValue::Number(5.0), Provenance::Official),
            ("13104", RespondentValue::Missing, Provenance::Official),
        ]);
        let population = statistic(&[("13101", 50_000.0), ("13102", 0.0)]);
        let (divided, per) = divided(counts, &population, 10_000.0);
        assert_eq!(divided["13101"].0, RespondentValue::Number(1.0));
        assert!(!divided.contains_key("13102"));
        assert!(!divided.contains_key("13103"));
        assert_eq!(divided["13104"].0, RespondentValue::Missing);
        assert_eq!(
            (per.undivided, per.scale, per.code.as_str()),
            (2, 10_000.0, "A1101")
        );
    }

    #[test]
    fn a_band_keeps_its_lower_bound_and_leaves_out_its_upper_one() {
        let population = statistic(&[("a", 100.0), ("b", 199.0), ("c", 200.0)]);
        let band = Band {
            population: &population,
            at_least: Some(100),
            below: Some(200),
        };
        assert!(band.keeps("a"));
        assert!(band.keeps("b"));
        assert!(!band.keeps("c"));
        assert!(!band.keeps("no census"));
    }

    #[test]
    fn the_method_is_written_as_before() {
        use crate::stats::classify::Method;
        assert_eq!(
            MapMethod::Classified(Method::FisherJenks).as_str(),
            "natural_breaks"
        );
        assert_eq!(MapMethod::Categories.as_str(), "categories");
        assert_eq!(MapMethod::Bivariate.as_str(), "bivariate");
        assert_eq!(MapMethod::LisaClusters.as_str(), "lisa_clusters");
    }
}
