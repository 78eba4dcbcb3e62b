//! The feature table of one read-model generation: every feature's properties written once
//! as JSON, in code order, beside its position in the atlas's layer. A page of `/items` is
//! then a filter over positions and a copy of bytes already written: the properties from
//! here and the geometry from the layer's drawn level ([`Layer::try_drawn`]), with no
//! database read per request.
//!
//! Survey values are the official ones only: an answer whose provenance is not
//! [`Provenance::Official`] is written as null, so the calibrated synthetic answers the
//! service can run on never reach these collections.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use geo::BoundingRect;
use sea_orm::ConnectionTrait;
use serde_json::value::RawValue;
use serde_json::Value;

use super::collections::{CollectionId, Column, ColumnType};
use super::links::Link;
use super::params::ItemsQuery;
use crate::context::statistics::Statistics;
use crate::domain::MunicipalityKind;
use crate::error::{AppError, AppResult};
use crate::readmodel::Generation;
use crate::repo;
use crate::spatial::atlas::{Drawn, Layer};
use crate::survey::catalogue::Subject;
use crate::survey::dashboard;
use crate::survey::source::{Provenance, DASHBOARD, SSDSE};
use crate::survey::values::{own_values, RespondentValue, YES};

/// The survey indicators served: the property name, the catalogue indicator, a title.
/// These are the dashboard table's per-authority rows (its yes/no indicators, card holding
/// and the online shares of the 26 and the 32 procedures); the strategy's planning status is
/// left out, since the table tells only "adopted" from "not", and the rest of its answer
/// would be synthetic.
pub const INDICATORS: [(&str, &str, &str); 12] = [
    ("cio_appointed", "cio.appointed", "CIO appointed (CIOの任命)"),
    ("cio_assistant_appointed", "cio_assistant.appointed", "CIO assistant appointed (CIO補佐官等の任命)"),
    ("dx_structure_established", "dx_structure.established", "Organisation-wide DX structure (全庁的な体制構築)"),
    ("external_talent_used", "external_talent.used", "External talent used (外部人材活用)"),
    ("training_implemented", "training.implemented", "Staff training (職員育成の取組)"),
    ("training_all_staff_courses", "training.all_staff_courses", "Courses for all staff (全職員対象研修の実施)"),
    ("ai_adopted", "ai.adopted", "AI adopted (AIの導入状況)"),
    ("rpa_adopted", "rpa.adopted", "RPA adopted (RPAの導入状況)"),
    ("telework_adopted", "telework.adopted", "Telework adopted (テレワークの導入状況)"),
    ("my_number_card_holding_rate", "my_number_card.holding_rate", "My Number Card holding, % (マイナンバーカードの保有状況)"),
    ("online_26_share", "online_procedures.childcare_care_26.online_share", "Online share of the 26 childcare and care procedures, % (子育て・介護26手続のオンライン化状況)"),
    ("online_32_share", "online_procedures.common_32.online_share", "Online share of the 32 common procedures, % (よく使う32手続のオンライン化状況)"),
];

/// The SSDSE-A statistics served (published or derived), by property name and code.
pub const STATISTICS: [(&str, &str); 7] = [
    ("population", "A1101"),
    ("households", "A7101"),
    ("area_ha", "B1101"),
    ("density", "density"),
    ("share_65_plus", "share_65_plus"),
    ("persons_per_household", "persons_per_household"),
    ("staff_per_1000", "staff_per_1000"),
];

/// One feature: its code, where its geometry is in the layer, what `/items` filters on,
/// and its properties as JSON.
pub struct Row {
    /// The area's code.
    pub code: String,
    /// The feature id (the code as a number).
    pub id: u32,
    /// Position in the atlas's layer.
    pub position: usize,
    /// Two-digit prefecture code.
    pub prefecture: String,
    /// Kind of municipality (`None` for prefectures).
    pub kind: Option<String>,
    /// The properties object, written once.
    pub properties: Box<RawValue>,
}

/// One collection's features.
pub struct FeatureTable {
    /// Which collection.
    pub id: CollectionId,
    /// The properties, in the order each feature writes them.
    pub columns: Vec<Column>,
    /// The features, in code order.
    pub rows: Vec<Row>,
    by_code: HashMap<String, usize>,
    /// West, south, east, north of all the features.
    pub extent: [f64; 4],
}

impl FeatureTable {
    /// The feature with this code.
    pub fn row(&self, code: &str) -> Option<&Row> {
        self.by_code.get(code).map(|i| &self.rows[*i])
    }

    /// The rows `query` selects, in code order (before paging).
    pub fn select(&self, layer: &Layer, query: &ItemsQuery) -> Vec<&Row> {
        let in_box: Option<Vec<bool>> = query.bbox.map(|b| {
            let mut hit = vec![false; layer.areas.len()];
            for i in layer.intersecting(b.rect()) {
                if let Some(h) = hit.get_mut(i) {
                    *h = true;
                }
            }
            hit
        });
        self.rows
            .iter()
            .filter(|r| {
                query.prefecture.as_ref().is_none_or(|p| *p == r.prefecture)
                    && query
                        .kind
                        .as_ref()
                        .is_none_or(|k| r.kind.as_ref() == Some(k))
                    && in_box
                        .as_ref()
                        .is_none_or(|hit| hit.get(r.position).copied().unwrap_or(false))
            })
            .collect()
    }
}

/// Both collections of one generation.
pub struct Tables {
    /// The generation's dataset version.
    pub version: i64,
    /// The municipalities.
    pub municipalities: FeatureTable,
    /// The prefectures.
    pub prefectures: FeatureTable,
}

impl Tables {
    /// The table of a collection.
    pub fn get(&self, id: CollectionId) -> &FeatureTable {
        match id {
            CollectionId::Municipalities => &self.municipalities,
            CollectionId::Prefectures => &self.prefectures,
        }
    }
}

/// The tables of the current generation, built on first use after each swap.
#[derive(Default)]
pub struct FeatureStore {
    current: tokio::sync::Mutex<Option<Arc<Tables>>>,
}

impl FeatureStore {
    /// The tables of `generation`, built now if the ones kept are of another. Requests that
    /// arrive during a build wait for it rather than build their own.
    pub async fn tables(
        &self,
        db: &impl ConnectionTrait,
        generation: &Generation,
    ) -> AppResult<Arc<Tables>> {
        let mut current = self.current.lock().await;
        if let Some(tables) = current.as_ref().filter(|t| t.version == generation.version) {
            return Ok(Arc::clone(tables));
        }
        let tables = Arc::new(build(db, generation).await?);
        *current = Some(Arc::clone(&tables));
        Ok(tables)
    }
}

/// Reads names, official answers and statistics, and writes every feature's properties.
async fn build(db: &impl ConnectionTrait, generation: &Generation) -> AppResult<Tables> {
    let (edition, municipal_values) =
        official_values(db, generation, Subject::Municipality).await?;
    let (_, prefectural_values) = official_values(db, generation, Subject::Prefecture).await?;
    let prefectural = repo::areas::prefectures(db).await?;
    let municipalities = municipality_table(
        db,
        generation,
        edition.as_ref(),
        &prefectural,
        &municipal_values,
    )
    .await?;
    let mut columns = prefectural_columns();
    columns.extend(indicator_columns(edition.as_ref()));
    let layer = &generation.atlas.prefectures;
    let rows = prefectural
        .iter()
        .map(|p| {
            let mut values: Vec<Value> = vec![
                Value::from(p.code.as_str()),
                Value::from(p.lg_code.as_str()),
                Value::from(p.name.as_str()),
                Value::from(p.name_en.as_str()),
                Value::from(p.code.as_str()),
            ];
            values.extend(own(&prefectural_values, &p.code));
            row(layer, &columns, &p.code, &p.code, None, &values)
        })
        .collect::<AppResult<Vec<_>>>()?;
    let prefectures = table(CollectionId::Prefectures, columns, rows, layer);
    Ok(Tables {
        version: generation.version,
        municipalities,
        prefectures,
    })
}

/// The municipalities' table: codes, names in three scripts, kind, prefecture, official
/// values and statistics.
async fn municipality_table(
    db: &impl ConnectionTrait,
    generation: &Generation,
    edition: Option<&crate::entity::survey_edition::Model>,
    prefectural: &[crate::entity::prefecture::Model],
    municipal_values: &[HashMap<String, Value>],
) -> AppResult<FeatureTable> {
    let municipal =
        repo::areas::municipalities(db, &repo::areas::MunicipalityFilter::default(), None, None)
            .await?;
    let prefecture_names: HashMap<&str, &str> = prefectural
        .iter()
        .map(|p| (p.code.as_str(), p.name.as_str()))
        .collect();
    let codes: Vec<String> = municipal.iter().map(|m| m.code.clone()).collect();
    let names = crate::context::store::names_of(db, &codes).await?;
    let statistics = &generation.statistics;
    let mut columns = municipal_columns();
    columns.extend(indicator_columns(edition));
    columns.extend(statistic_columns(statistics));
    let layer = &generation.atlas.municipalities;
    let rows = municipal
        .iter()
        .map(|m| {
            let name = names.get(&m.code);
            let mut values: Vec<Value> = vec![
                Value::from(m.code.as_str()),
                Value::from(m.lg_code.as_str()),
                Value::from(m.name.as_str()),
                name.and_then(|n| n.kana.clone())
                    .map_or(Value::Null, Value::from),
                name.and_then(|n| n.romaji.clone())
                    .map_or(Value::Null, Value::from),
                Value::from(m.kind.as_str()),
                Value::from(m.prefecture_code.as_str()),
                prefecture_names
                    .get(m.prefecture_code.as_str())
                    .map_or(Value::Null, |n| Value::from(*n)),
            ];
            values.extend(own(municipal_values, &m.code));
            values.extend(
                STATISTICS
                    .iter()
                    .filter_map(|(_, code)| statistics.get(code))
                    .map(|s| s.value(&m.code).map_or(Value::Null, number)),
            );
            row(
                layer,
                &columns,
                &m.code,
                &m.prefecture_code,
                Some(m.kind.as_str()),
                &values,
            )
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(table(CollectionId::Municipalities, columns, rows, layer))
}

/// An area's official value of each of [`INDICATORS`], null where it has none.
fn own<'a>(
    values: &'a [HashMap<String, Value>],
    code: &'a str,
) -> impl Iterator<Item = Value> + 'a {
    values
        .iter()
        .map(move |v| v.get(code).cloned().unwrap_or(Value::Null))
}

/// One feature of `layer`: where its geometry is, what `/items` filters on, and its
/// properties (`values`, one per column) written.
fn row(
    layer: &Layer,
    columns: &[Column],
    code: &str,
    prefecture: &str,
    kind: Option<&str>,
    values: &[Value],
) -> AppResult<Row> {
    let position = layer
        .position(code)
        .ok_or_else(|| AppError::invariant(format!("area {code} is not in the atlas")))?;
    Ok(Row {
        id: code
            .parse()
            .map_err(|e| AppError::internal(format!("area code {code}"), e))?,
        code: code.to_owned(),
        position,
        prefecture: prefecture.to_owned(),
        kind: kind.map(str::to_owned),
        properties: write_properties(columns, values)?,
    })
}

/// The municipalities' own columns: codes, names, kind and prefecture.
fn municipal_columns() -> Vec<Column> {
    let kinds: Vec<String> = MunicipalityKind::ALL
        .iter()
        .map(|k| k.as_str().to_owned())
        .collect();
    vec![
        Column::new("code", "Code", "Five-digit local government code (JIS X 0402, N03_007), without its check digit; text, leading zero kept.", ColumnType::String),
        Column::new("lg_code", "Authority code", "Six-digit 全国地方公共団体コード with its check digit.", ColumnType::String),
        Column::new("name", "Name", "Japanese name (kanji), as the N03 boundary file writes it.", ColumnType::String),
        Column::new("name_kana", "Reading", "Reading in hiragana (code4fukui/localgovjp, CC0); null where unknown.", ColumnType::String),
        Column::new("name_romaji", "Romanised name", "Romanised name (jp-prefecture, MIT): a romanisation, not an official English name; null where unknown.", ColumnType::String),
        Column::new("kind", "Kind", "Kind of municipality: designated city, core city, special ward, city, town or village.", ColumnType::String).one_of(kinds),
        Column::new("prefecture", "Prefecture code", "Two-digit prefecture code (JIS X 0401).", ColumnType::String),
        Column::new("prefecture_name", "Prefecture", "Japanese name of the prefecture.", ColumnType::String),
    ]
}

/// The prefectures' own columns: codes and names.
fn prefectural_columns() -> Vec<Column> {
    vec![
        Column::new(
            "code",
            "Code",
            "Two-digit prefecture code (JIS X 0401); text, leading zero kept.",
            ColumnType::String,
        ),
        Column::new(
            "lg_code",
            "Authority code",
            "Six-digit 全国地方公共団体コード with its check digit.",
            ColumnType::String,
        ),
        Column::new("name", "Name", "Japanese name (kanji).", ColumnType::String),
        Column::new(
            "name_romaji",
            "Romanised name",
            "English (romanised) name.",
            ColumnType::String,
        ),
        Column::new(
            "prefecture",
            "Prefecture code",
            "Two-digit prefecture code, the same as code (for the prefecture filter).",
            ColumnType::String,
        ),
    ]
}

/// A table with its index and extent.
fn table(id: CollectionId, columns: Vec<Column>, rows: Vec<Row>, layer: &Layer) -> FeatureTable {
    let by_code = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.code.clone(), i))
        .collect();
    let mut extent = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for r in &rows {
        if let Some(b) = layer
            .areas
            .get(r.position)
            .and_then(|a| a.geometry.bounding_rect())
        {
            extent = [
                extent[0].min(b.min().x),
                extent[1].min(b.min().y),
                extent[2].max(b.max().x),
                extent[3].max(b.max().y),
            ];
        }
    }
    if !extent.iter().all(|v| v.is_finite()) {
        // No boundary at all: Japan's own box, so the document stays valid.
        extent = [122.93, 20.42, 153.99, 45.56];
    }
    FeatureTable {
        id,
        columns,
        rows,
        by_code,
        extent,
    }
}

/// The edition read, and per indicator of [`INDICATORS`] the official value of each asked
/// respondent (as JSON: true/false for yes/no, a number for shares).
async fn official_values(
    db: &impl ConnectionTrait,
    generation: &Generation,
    subject: Subject,
) -> AppResult<(
    Option<crate::entity::survey_edition::Model>,
    Vec<HashMap<String, Value>>,
)> {
    let Some(edition) = repo::survey::editions(db).await?.into_iter().next() else {
        return Ok((None, vec![HashMap::new(); INDICATORS.len()]));
    };
    let mut all = Vec::with_capacity(INDICATORS.len());
    for (_, indicator, _) in INDICATORS {
        let Some(question) = repo::survey::question(db, indicator).await? else {
            all.push(HashMap::new());
            continue;
        };
        let option = (!question.kind.is_numeric()).then_some(YES);
        let mut sources = BTreeSet::new();
        let values = own_values(
            db,
            &generation.answers,
            &edition.code,
            &question,
            subject,
            option,
            &mut sources,
        )
        .await?;
        all.push(
            values
                .into_iter()
                .filter(|(_, (_, provenance))| *provenance == Provenance::Official)
                .filter_map(|(code, (value, _))| {
                    let json = match value {
                        RespondentValue::Number(n) => number(n),
                        RespondentValue::Category(c) => Value::Bool(c == YES),
                        RespondentValue::Missing => return None,
                    };
                    Some((code, json))
                })
                .collect(),
        );
    }
    Ok((Some(edition), all))
}

/// The columns of [`INDICATORS`], each with its source and reference date.
fn indicator_columns(edition: Option<&crate::entity::survey_edition::Model>) -> Vec<Column> {
    let survey = edition.map_or_else(String::new, |e| {
        format!(" Survey edition {} ({}).", e.code, e.title)
    });
    INDICATORS
        .iter()
        .map(|(name, indicator, title)| {
            let row = dashboard::ROWS.iter().find(|r| r.indicator == *indicator);
            let date = row
                .and_then(|r| r.reference_date)
                .map_or_else(
                    || "Reference date: not stated by the table (values published 2024-07-12).".to_owned(),
                    |d| format!("Reference date: {d}."),
                );
            let numeric = row.is_some_and(|r| matches!(r.reading, dashboard::Reading::Share | dashboard::Reading::Number));
            let (kind, reading) = if numeric {
                (ColumnType::Number, "The authority's own share, in percent.")
            } else {
                (ColumnType::Boolean, "true for 実施 (yes), false for 未実施 (no).")
            };
            Column::new(
                name,
                title,
                format!(
                    "Indicator {indicator}. {reading} Official values only: {} ({}), or the ministry's per-authority data where imported; null where the authority was not asked or its value is not official.{survey} {date}",
                    DASHBOARD.title, DASHBOARD.publisher
                ),
                kind,
            )
            .unit(numeric.then_some("%"))
        })
        .collect()
}

/// The columns of [`STATISTICS`] that are loaded, each with its source and year.
fn statistic_columns(statistics: &Statistics) -> Vec<Column> {
    STATISTICS
        .iter()
        .filter_map(|(name, code)| {
            let s = statistics.get(code)?;
            let formula = s
                .formula
                .map_or_else(String::new, |f| format!(" Derived: {}.", f.text));
            Some(
                Column::new(
                    name,
                    &s.label,
                    format!(
                        "{} ({}), statistic {code}, year {}.{formula}",
                        SSDSE.title, SSDSE.publisher, s.year
                    ),
                    ColumnType::Number,
                )
                .unit(s.unit.as_deref()),
            )
        })
        .collect()
}

/// A number as JSON; not a number (which JSON cannot hold) as null.
fn number(n: f64) -> Value {
    serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
}

/// The properties object, written in column order (a `serde_json::Map` would sort them).
fn write_properties(columns: &[Column], values: &[Value]) -> AppResult<Box<RawValue>> {
    let mut text = String::from("{");
    for (i, (column, value)) in columns.iter().zip(values).enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(
            &serde_json::to_string(&column.name)
                .map_err(|e| AppError::internal("writing a property name", e))?,
        );
        text.push(':');
        text.push_str(
            &serde_json::to_string(value)
                .map_err(|e| AppError::internal("writing a property", e))?,
        );
    }
    text.push('}');
    RawValue::from_string(text).map_err(|e| AppError::internal("writing a feature's properties", e))
}

/// What a page of features says of itself besides its features.
pub struct Page<'a> {
    /// Features that matched the query, all pages counted.
    pub matched: usize,
    /// `self`, `next`, `prev`, alternate formats and the collection.
    pub links: &'a [Link],
}

/// A GeoJSON FeatureCollection of `rows`, their geometry copied from `drawn`.
pub fn write_items(rows: &[&Row], drawn: &Drawn, page: &Page<'_>) -> AppResult<Vec<u8>> {
    let links =
        serde_json::to_string(page.links).map_err(|e| AppError::internal("writing links", e))?;
    let mut out = String::with_capacity(rows.len() * 4096 + 512);
    out.push_str(&format!(
        "{{\"type\":\"FeatureCollection\",\"numberMatched\":{},\"numberReturned\":{},\"timeStamp\":\"{}\",\"links\":{links},\"features\":[",
        page.matched,
        rows.len(),
        timestamp(SystemTime::now())
    ));
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_feature_into(&mut out, row, drawn, None);
    }
    out.push_str("]}");
    Ok(out.into_bytes())
}

/// One GeoJSON Feature with its links.
pub fn write_one(row: &Row, drawn: &Drawn, links: &[Link]) -> AppResult<Vec<u8>> {
    let links = serde_json::to_string(links).map_err(|e| AppError::internal("writing links", e))?;
    let mut out = String::new();
    write_feature_into(&mut out, row, drawn, Some(&links));
    Ok(out.into_bytes())
}

fn write_feature_into(out: &mut String, row: &Row, drawn: &Drawn, links: Option<&str>) {
    let geometry = drawn
        .geometries
        .get(row.position)
        .map_or("null", |g| g.get());
    out.push_str(&format!(
        "{{\"type\":\"Feature\",\"id\":{},\"geometry\":{geometry},\"properties\":{}",
        row.id,
        row.properties.get()
    ));
    if let Some(links) = links {
        out.push_str(",\"links\":");
        out.push_str(links);
    }
    out.push('}');
}

/// An instant as RFC 3339 in UTC, to the second (`timeStamp`).
pub fn timestamp(at: SystemTime) -> String {
    let secs = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rest = secs % 86_400;
    // Days to a civil date (H. Hinnant's algorithm, proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_rfc_3339() {
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let at = UNIX_EPOCH + Duration::from_secs(1_709_210_096);
        assert_eq!(timestamp(at), "2024-02-29T12:34:56Z");
    }

    #[test]
    fn properties_keep_the_column_order() {
        let columns = vec![
            Column::new("z", "Z", "", ColumnType::String),
            Column::new("a", "A", "", ColumnType::Number),
        ];
        let written = write_properties(&columns, &[Value::from("01100"), Value::Null]).unwrap();
        assert_eq!(written.get(), r#"{"z":"01100","a":null}"#);
    }
}
