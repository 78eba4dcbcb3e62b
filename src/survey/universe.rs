//! Who was asked: the respondent universes of the 令和5年度 survey.
//!
//! Prefectures are always all 47. Municipal items count either all 1,741 municipalities or
//! 1,733: after the 2024 Noto Peninsula earthquake eight Ishikawa municipalities were left out
//! of some surveys. The summary does not name them; the Digital Agency's dashboard table does:
//! they are the eight marked 調査無し on every 推進体制 row (`survey::dashboard`, whose import
//! refuses a table that disagrees). They fit the summary's front-yard breakdowns (20
//! designated cities, 23 special wards, 61 core cities of 62, 706 other cities of 710, 923
//! towns and villages of 926): Ishikawa's one core city (Kanazawa), four other cities and three
//! towns. Reconciliation checks these breakdowns against the stored municipalities.

use crate::domain::MunicipalityKind;

/// The municipalities outside the 1,733 universe: code and name, as the dashboard table marks
/// them 調査無し.
pub const EXCLUDED_FROM_1733: [(&str, &str); 8] = [
    ("17201", "金沢市"),
    ("17202", "七尾市"),
    ("17203", "小松市"),
    ("17204", "輪島市"),
    ("17205", "珠洲市"),
    ("17365", "内灘町"),
    ("17407", "中能登町"),
    ("17463", "能登町"),
];

/// Whether a municipality belongs to a universe of `size` (1,733 or 1,741) municipalities.
pub fn includes(size: u32, code: &str) -> bool {
    size != 1733 || !EXCLUDED_FROM_1733.iter().any(|(c, _)| *c == code)
}

/// The survey's groups of municipalities (front-yard tables): designated cities, special
/// wards, core cities, other cities, towns and villages.
pub fn group_of(kind: MunicipalityKind) -> &'static str {
    match kind {
        MunicipalityKind::DesignatedCity => "DESIGNATED_CITY",
        MunicipalityKind::SpecialWard => "SPECIAL_WARD",
        MunicipalityKind::CoreCity => "CORE_CITY",
        MunicipalityKind::City => "OTHER_CITY",
        MunicipalityKind::Town | MunicipalityKind::Village => "TOWN_VILLAGE",
    }
}
