//! Bivariate choropleths: two variables, each in three quantile classes (tertiles), their
//! nine combinations coloured from a 3 × 3 palette whose legend is a grid.

use std::collections::HashMap;

use super::map::{LegendClass, MapArea};
use crate::error::{AppError, AppResult};
use crate::stats::classify::{self, Method};
use crate::survey::source::Provenance;
use crate::survey::values::RespondentValue;

/// Joshua Stevens's blue–red bivariate scheme, rows from low to high y, columns from low to
/// high x: grey where both are low, red where x alone is high, blue where y alone is, and the
/// dark purple where both are.
pub const GRID: [[&str; 3]; 3] = [
    ["#e8e8e8", "#e4acac", "#c85a5a"],
    ["#b0d5df", "#ad9ea5", "#985356"],
    ["#64acbe", "#627f8c", "#574249"],
];

const LEVELS: [&str; 3] = ["low", "middle", "high"];

/// Tertile bounds of `values`, or why there are none.
fn tertiles(values: &[f64], what: &str) -> AppResult<Vec<f64>> {
    if values.len() < 3 {
        return Err(AppError::bad_argument(
            "bivariate",
            format!(
                "{what} has {} areas with both values; a 3 × 3 map needs at least 3",
                values.len()
            ),
        ));
    }
    Ok(classify::classify(values, Method::Quantiles, 3, &[])
        .map_err(|e| AppError::bad_argument("bivariate", format!("{what}: {e}")))?
        .bounds)
}

/// Classes every area by its x (the area's own value) and its y, leaving an area missing
/// either value missing; returns the nine legend classes (index 3 × y class + x class) and
/// the bounds.
pub fn classify_areas<S: std::hash::BuildHasher>(
    areas: &mut [MapArea],
    y: &HashMap<String, (f64, Provenance), S>,
) -> AppResult<(Vec<LegendClass>, Vec<f64>, Vec<f64>)> {
    for area in areas.iter_mut() {
        if let (RespondentValue::Number(_), Some((v, p))) = (&area.value, y.get(&area.code)) {
            area.second = Some(*v);
            area.provenance = area.provenance.map(|own| own.with(*p));
        } else {
            area.value = RespondentValue::Missing;
            area.provenance = None;
        }
    }
    let pairs: Vec<(f64, f64)> = areas
        .iter()
        .filter_map(|a| match (&a.value, a.second) {
            (RespondentValue::Number(x), Some(y)) => Some((*x, y)),
            _ => None,
        })
        .collect();
    let xs: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    let ys: Vec<f64> = pairs.iter().map(|p| p.1).collect();
    let x_bounds = tertiles(&xs, "x")?;
    let y_bounds = tertiles(&ys, "y")?;
    let mut legend: Vec<LegendClass> = (0..9)
        .map(|i| {
            let (xi, yi) = (i % 3, i / 3);
            LegendClass {
                index: i,
                lower: (xi > 0).then(|| x_bounds[xi - 1]),
                upper: Some(x_bounds[xi]),
                category: Some(format!("{}-{}", xi + 1, yi + 1)),
                label: format!("x {}, y {}", LEVELS[xi], LEVELS[yi]),
                colour: GRID[yi][xi].to_owned(),
                count: 0,
            }
        })
        .collect();
    for area in areas.iter_mut() {
        if let (RespondentValue::Number(x), Some(y)) = (&area.value, area.second) {
            let xi = classify::class_of(&x_bounds, *x).min(2);
            let yi = classify::class_of(&y_bounds, y).min(2);
            let class = &mut legend[yi * 3 + xi];
            class.count += 1;
            area.class = Some(class.index);
            area.colour.clone_from(&class.colour);
            area.label.clone_from(&class.label);
        }
    }
    Ok((legend, x_bounds, y_bounds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(code: &str, x: f64) -> MapArea {
        MapArea {
            index: 0,
            code: code.into(),
            name: code.into(),
            value: RespondentValue::Number(x),
            provenance: Some(Provenance::Official),
            class: None,
            colour: String::new(),
            label: String::new(),
            second: None,
        }
    }

    #[test]
    fn both_high_is_the_dark_corner_and_a_missing_y_is_missing() {
        let mut areas: Vec<MapArea> = (0..9).map(|i| area(&i.to_string(), f64::from(i))).collect();
        areas.push(area("no-y", 100.0));
        let y: HashMap<String, (f64, Provenance)> = (0..9)
            .map(|i| (i.to_string(), (f64::from(i), Provenance::Official)))
            .collect();
        let (legend, _, _) = classify_areas(&mut areas, &y).unwrap();
        assert_eq!(areas[8].colour, GRID[2][2]);
        assert_eq!(areas[0].colour, GRID[0][0]);
        assert_eq!(areas[9].value, RespondentValue::Missing);
        assert_eq!(legend.iter().map(|c| c.count).sum::<usize>(), 9);
        assert_eq!(legend[8].label, "x high, y high");
    }

    #[test]
    fn cells_are_numbered_x_then_y_and_coloured_from_the_grid() {
        // x rises with i, y falls: the low-x areas have high y.
        let mut areas: Vec<MapArea> = (0..9).map(|i| area(&i.to_string(), f64::from(i))).collect();
        let y: HashMap<String, (f64, Provenance)> = (0..9)
            .map(|i| {
                (
                    i.to_string(),
                    (f64::from(8 - i), Provenance::CalibratedSynthetic),
                )
            })
            .collect();
        let (legend, x_bounds, y_bounds) = classify_areas(&mut areas, &y).unwrap();
        assert_eq!(x_bounds.len(), 3);
        assert_eq!(y_bounds.len(), 3);
        assert_eq!(legend[2].category.as_deref(), Some("3-1"));
        assert_eq!(legend[6].category.as_deref(), Some("1-3"));
        assert_eq!(areas[0].class, Some(6));
        assert_eq!(areas[0].colour, GRID[2][0]);
        assert_eq!(areas[8].class, Some(2));
        assert_eq!(areas[8].second, Some(0.0));
        assert_eq!(areas[8].provenance, Some(Provenance::Mixed));
        assert_eq!(legend[4].count, 3);
    }

    #[test]
    fn fewer_than_three_pairs_are_refused() {
        let mut areas = vec![area("a", 1.0), area("b", 2.0)];
        let y: HashMap<String, (f64, Provenance)> = [("a", 1.0), ("b", 2.0)]
            .into_iter()
            .map(|(c, v)| (c.to_owned(), (v, Provenance::Official)))
            .collect();
        let e = classify_areas(&mut areas, &y).unwrap_err();
        assert!(e.to_string().starts_with("bivariate: x has 2 areas"), "{e}");
    }
}
