//! Classes, colours and legends of a map's areas, and the statistics of their values: pure
//! functions of the placed areas and the request, part of [`super::compute`].

use super::map::{LegendClass, MapArea, MapMethod, Statistics};
use super::spec::MapSpec;
use crate::entity::question_option;
use crate::error::{AppError, AppResult};
use crate::stats::classify;
use crate::stats::palette;
use crate::survey::values::{RespondentValue, NO, YES};

fn bad(argument: &str, detail: impl std::fmt::Display) -> AppError {
    AppError::bad_argument(argument, detail)
}

/// The numeric values of the areas, in map order.
pub fn numbers(areas: &[MapArea]) -> Vec<f64> {
    areas
        .iter()
        .filter_map(|a| match a.value {
            RespondentValue::Number(n) => Some(n),
            _ => None,
        })
        .collect()
}

/// The class of areas without a value.
pub fn missing_class(areas: &[MapArea]) -> LegendClass {
    LegendClass {
        index: 0,
        lower: None,
        upper: None,
        category: None,
        label: "データなし (not asked or no answer)".into(),
        colour: palette::MISSING.into(),
        count: areas
            .iter()
            .filter(|a| a.value == RespondentValue::Missing)
            .count(),
    }
}

/// The palette's `i`-th colour (the neutral one past its end).
fn colour_at(colours: &[&str], i: usize) -> String {
    colours
        .get(i)
        .copied()
        .unwrap_or(palette::MISSING)
        .to_owned()
}

/// Puts an area in its class and colours it, counting the class's areas.
pub fn assign(area: &mut MapArea, class: &mut LegendClass) {
    class.count += 1;
    area.class = Some(class.index);
    area.colour.clone_from(&class.colour);
    area.label.clone_from(&class.label);
}

/// Classes of numeric values by the request's method, with their statistics; `fractions`
/// labels them as percentages (a share of municipalities choosing an option, not a mean of
/// counts or of rates, which are labelled as they are).
pub fn numeric_legend(
    areas: &mut [MapArea],
    spec: &MapSpec,
    missing: usize,
    fractions: bool,
) -> AppResult<(Vec<LegendClass>, MapMethod, Statistics)> {
    let request = spec.request();
    let numbers = numbers(areas);
    let statistics = statistics(&numbers, missing);
    let method = MapMethod::Classified(request.classification);
    if numbers.is_empty() {
        return Ok((Vec::new(), method, statistics));
    }
    let breaks = request.breaks.as_deref().unwrap_or_default();
    let classes = classify::classify(&numbers, request.classification, request.classes, breaks)
        .map_err(|e| bad("classification", format!("{e}")))?;
    let palette_name = request.palette.as_deref().unwrap_or("Blues");
    let colours = palette::colours(palette_name, classes.bounds.len())
        .map_err(|e| bad("palette", format!("{e}")))?;
    let min = statistics.min.unwrap_or(0.0);
    let mut legend: Vec<LegendClass> = classes
        .bounds
        .iter()
        .enumerate()
        .map(|(i, upper)| {
            // Standard-deviation bounds can lie below the smallest value: such classes are
            // empty and start where they end.
            let lower = if i == 0 {
                min.min(*upper)
            } else {
                classes.bounds[i - 1]
            };
            LegendClass {
                index: i,
                lower: Some(lower),
                upper: Some(*upper),
                category: None,
                label: format!(
                    "{} – {}",
                    number_label(lower, fractions),
                    number_label(*upper, fractions)
                ),
                colour: colour_at(&colours, i),
                count: 0,
            }
        })
        .collect();
    for area in areas.iter_mut() {
        if let RespondentValue::Number(n) = area.value {
            if let Some(class) = legend.get_mut(classify::class_of(&classes.bounds, n)) {
                assign(area, class);
            }
        }
    }
    Ok((legend, method, statistics))
}

/// One class per option (or the chosen option against the rest).
pub fn categorical_legend(
    areas: &mut [MapArea],
    spec: &MapSpec,
    options: &[question_option::Model],
    missing: usize,
) -> AppResult<(Vec<LegendClass>, MapMethod, Statistics)> {
    let request = spec.request();
    let categories: Vec<(String, String)> = if request.option.is_some() {
        let label = options
            .iter()
            .find(|o| Some(&o.code) == request.option.as_ref())
            .map_or_else(String::new, |o| o.label_ja.clone());
        vec![
            (YES.into(), label),
            (NO.into(), "その他の回答 (other answers)".into()),
        ]
    } else {
        options
            .iter()
            .map(|o| (o.code.clone(), o.label_ja.clone()))
            .collect()
    };
    let palette_name = request.palette.as_deref().unwrap_or("Set2");
    let colours = palette::colours(palette_name, categories.len().max(1))
        .map_err(|e| bad("palette", format!("{e}")))?;
    let mut legend: Vec<LegendClass> = categories
        .into_iter()
        .enumerate()
        .map(|(i, (code, label))| LegendClass {
            index: i,
            lower: None,
            upper: None,
            category: Some(code),
            label,
            colour: colour_at(&colours, i),
            count: 0,
        })
        .collect();
    for area in areas.iter_mut() {
        if let RespondentValue::Category(c) = &area.value {
            if let Some(class) = legend.iter_mut().find(|l| l.category.as_ref() == Some(c)) {
                assign(area, class);
            }
        }
    }
    let statistics = Statistics {
        n: areas.len() - missing,
        missing,
        ..Default::default()
    };
    Ok((legend, MapMethod::Categories, statistics))
}

/// A class bound as its legend writes it: a share as a percentage with one decimal, a whole
/// number as one, anything else with two decimals.
fn number_label(x: f64, share: bool) -> String {
    if share {
        format!("{:.1}%", x * 100.0)
    } else if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

/// Count, minimum, maximum, mean and median of `numbers`, with `missing` areas beside them.
pub fn statistics(numbers: &[f64], missing: usize) -> Statistics {
    if numbers.is_empty() {
        return Statistics {
            missing,
            ..Default::default()
        };
    }
    let mut sorted = numbers.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        f64::midpoint(sorted[n / 2 - 1], sorted[n / 2])
    };
    Statistics {
        n,
        missing,
        min: sorted.first().copied(),
        max: sorted.last().copied(),
        mean: Some(sorted.iter().sum::<f64>() / n as f64),
        median: Some(median),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::choropleth::request::ChoroplethRequest;
    use crate::stats::classify::Method;

    fn area(value: RespondentValue) -> MapArea {
        MapArea {
            index: 0,
            code: "13104".into(),
            name: "新宿区".into(),
            value,
            provenance: None,
            class: None,
            colour: palette::MISSING.into(),
            label: "no data".into(),
            second: None,
        }
    }

    fn spec(change: impl FnOnce(&mut ChoroplethRequest)) -> MapSpec {
        let mut request = ChoroplethRequest::whole_country("staff.dx_it_units");
        change(&mut request);
        MapSpec::try_from(request).unwrap()
    }

    fn option(code: &str, label: &str) -> question_option::Model {
        question_option::Model {
            question_code: "gis.status".into(),
            code: code.into(),
            label_ja: label.into(),
            label_en: label.into(),
            position: 0,
        }
    }

    #[test]
    fn a_value_on_a_manual_bound_is_in_the_class_it_closes() {
        let mut areas: Vec<MapArea> = [1.0, 10.0, 10.5, 20.0]
            .into_iter()
            .map(|n| area(RespondentValue::Number(n)))
            .collect();
        let spec = spec(|r| {
            r.classification = Method::Manual;
            r.breaks = Some(vec![10.0, 20.0]);
        });
        let (legend, method, _) = numeric_legend(&mut areas, &spec, 0, false).unwrap();
        assert_eq!(method.as_str(), "manual");
        assert_eq!(
            areas.iter().map(|a| a.class).collect::<Vec<_>>(),
            [Some(0), Some(0), Some(1), Some(1)]
        );
        assert_eq!(legend[0].label, "1 – 10");
        assert_eq!(legend[1].label, "10 – 20");
        assert_eq!(legend[1].lower, Some(10.0));
        assert_eq!(areas[3].colour, legend[1].colour);
    }

    #[test]
    fn shares_are_labelled_as_percentages_and_other_numbers_by_their_fraction() {
        assert_eq!(number_label(0.256, true), "25.6%");
        assert_eq!(number_label(12.0, false), "12");
        assert_eq!(number_label(2.345, false), "2.35");
    }

    #[test]
    fn missing_values_stay_grey_and_are_counted_apart() {
        let mut areas = vec![
            area(RespondentValue::Number(1.0)),
            area(RespondentValue::Missing),
            area(RespondentValue::Number(3.0)),
        ];
        let missing = missing_class(&areas);
        assert_eq!(missing.count, 1);
        let (legend, _, statistics) =
            numeric_legend(&mut areas, &spec(|_| {}), missing.count, false).unwrap();
        assert_eq!(areas[1].class, None);
        assert_eq!(areas[1].colour, palette::MISSING);
        assert_eq!(legend.iter().map(|c| c.count).sum::<usize>(), 2);
        assert_eq!((statistics.n, statistics.missing), (2, 1));
        assert_eq!(statistics.median, Some(2.0));
        assert_eq!(statistics.mean, Some(2.0));
    }

    #[test]
    fn no_numbers_give_no_classes_but_the_method() {
        let mut areas = vec![area(RespondentValue::Missing)];
        let (legend, method, statistics) =
            numeric_legend(&mut areas, &spec(|_| {}), 1, false).unwrap();
        assert!(legend.is_empty());
        assert_eq!(method.as_str(), "quantiles");
        assert_eq!(statistics.missing, 1);
        assert_eq!(statistics.min, None);
    }

    #[test]
    fn categories_are_the_options_in_order_and_a_chosen_option_is_yes_against_the_rest() {
        let options = [option("adopted", "導入済み"), option("none", "未導入")];
        let mut areas = vec![
            area(RespondentValue::Category("none".into())),
            area(RespondentValue::Category("adopted".into())),
            area(RespondentValue::Missing),
        ];
        let (legend, method, statistics) =
            categorical_legend(&mut areas, &spec(|_| {}), &options, 1).unwrap();
        assert_eq!(method, MapMethod::Categories);
        assert_eq!(legend[0].category.as_deref(), Some("adopted"));
        assert_eq!(areas[0].class, Some(1));
        assert_eq!(areas[2].class, None);
        assert_eq!((statistics.n, statistics.missing), (2, 1));

        let mut areas = vec![
            area(RespondentValue::choice(true)),
            area(RespondentValue::choice(false)),
        ];
        let chosen = spec(|r| r.option = Some("adopted".into()));
        let (legend, _, _) = categorical_legend(&mut areas, &chosen, &options, 0).unwrap();
        assert_eq!(legend[0].label, "導入済み");
        assert_eq!(legend[1].category.as_deref(), Some(NO));
        assert_eq!(areas[0].label, "導入済み");
        assert_eq!(areas[1].class, Some(1));
    }

    #[test]
    fn an_unknown_palette_is_refused_by_name() {
        let mut areas = vec![area(RespondentValue::Number(1.0))];
        let spec = spec(|r| r.palette = Some("Rainbow".into()));
        let e = numeric_legend(&mut areas, &spec, 0, false).unwrap_err();
        assert!(e.to_string().starts_with("palette: "), "{e}");
    }
}
