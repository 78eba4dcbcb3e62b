//! The two collections, what each feature's properties are, and the JSON Schema and
//! queryables that describe them (OGC API – Features Part 5 schemas, as GDAL and QGIS read
//! them through the `describedby` link): every column with its type, unit, source and
//! reference date.

use serde_json::{json, Map, Value};

use crate::error::{AppError, AppResult};

/// The collections served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollectionId {
    /// The 1,741 administered municipalities.
    Municipalities,
    /// The 47 prefectures.
    Prefectures,
}

impl CollectionId {
    /// Both, in the order `/collections` lists them.
    pub const ALL: [Self; 2] = [Self::Municipalities, Self::Prefectures];

    /// The collection named `id` in a path, or 404.
    pub fn parse(id: &str) -> AppResult<Self> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == id)
            .ok_or_else(|| {
                AppError::NotFound(format!(
                    "no collection `{id}`: the collections are municipalities and prefectures"
                ))
            })
    }

    /// The id in paths.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Municipalities => "municipalities",
            Self::Prefectures => "prefectures",
        }
    }

    /// The title.
    pub fn title(self) -> &'static str {
        match self {
            Self::Municipalities => {
                "Municipalities (市区町村) with official survey values and statistics"
            }
            Self::Prefectures => "Prefectures (都道府県) with official survey values",
        }
    }

    /// What the collection holds and leaves out.
    pub fn description(self) -> &'static str {
        match self {
            Self::Municipalities => {
                "The 1,741 municipalities Japan administers (the 1,718 cities, towns and villages and \
                 Tokyo's 23 special wards), as the survey counts them; the six Northern Territories \
                 villages (01695-01700), which Japan counts but does not administer and the survey \
                 does not ask, are left out. Feature id: the five-digit code as a number. Survey \
                 values are the authorities' official answers only; where an authority's value is \
                 not published it is null, never synthetic."
            }
            Self::Prefectures => {
                "The 47 prefectures. Feature id: the two-digit code as a number. Survey values are \
                 the prefectures' official answers only; where a value is not published it is null, \
                 never synthetic."
            }
        }
    }

    /// Digits of a code of this collection (a feature id is the code as a number).
    pub fn code_width(self) -> usize {
        match self {
            Self::Municipalities => 5,
            Self::Prefectures => 2,
        }
    }

    /// The code a feature id names, if it is one of this collection's shape.
    pub fn code_of_id(self, id: &str) -> Option<String> {
        let number: u32 = id.parse().ok()?;
        let code = format!("{number:0width$}", width = self.code_width());
        (code.len() == self.code_width()).then_some(code)
    }

    /// The property filters `/items` takes (the queryables).
    pub fn queryables(self) -> &'static [&'static str] {
        match self {
            Self::Municipalities => &["prefecture", "kind"],
            Self::Prefectures => &["prefecture"],
        }
    }
}

/// A column's JSON type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Text (every code is text: leading zeros matter).
    String,
    /// A number.
    Number,
    /// Yes (true) or no (false).
    Boolean,
}

impl ColumnType {
    fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Number => "number",
            Self::Boolean => "boolean",
        }
    }
}

/// One property of the features.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The property's name.
    pub name: String,
    /// Title, short.
    pub title: String,
    /// What it is, where it comes from and when it holds.
    pub description: String,
    /// Its JSON type.
    pub kind: ColumnType,
    /// Unit, where it has one.
    pub unit: Option<String>,
    /// Values it may take, where they are few.
    pub values: Option<Vec<String>>,
}

impl Column {
    /// A column.
    pub fn new(name: &str, title: &str, description: impl Into<String>, kind: ColumnType) -> Self {
        Self {
            name: name.to_owned(),
            title: title.to_owned(),
            description: description.into(),
            kind,
            unit: None,
            values: None,
        }
    }

    /// The same column with a unit.
    #[must_use]
    pub fn unit(mut self, unit: Option<&str>) -> Self {
        self.unit = unit.map(str::to_owned);
        self
    }

    /// The same column with its possible values.
    #[must_use]
    pub fn one_of(mut self, values: Vec<String>) -> Self {
        self.values = Some(values);
        self
    }

    fn schema(&self) -> Value {
        let mut property = Map::new();
        property.insert("title".into(), json!(self.title));
        property.insert("description".into(), json!(self.description));
        property.insert("type".into(), json!(self.kind.as_str()));
        if let Some(unit) = &self.unit {
            property.insert("x-ogc-unit".into(), json!(unit));
        }
        if let Some(values) = &self.values {
            property.insert("enum".into(), json!(values));
        }
        if self.name == "code" {
            property.insert("x-ogc-role".into(), json!("id"));
        }
        Value::Object(property)
    }
}

/// The JSON Schema of a collection's features (OGC API – Features Part 5, `describedby`):
/// the geometry and every column.
pub fn schema(id: CollectionId, columns: &[Column], url: &str) -> Value {
    let mut properties = Map::new();
    properties.insert(
        "geometry".into(),
        json!({
            "title": "Boundary",
            "description": "The boundary in WGS 84 longitude, latitude (CRS84), simplified for the zoom asked (default 6); polygons follow the right-hand rule (RFC 7946).",
            "format": "geometry-multipolygon",
            "x-ogc-role": "primary-geometry",
        }),
    );
    for column in columns {
        properties.insert(column.name.clone(), column.schema());
    }
    json!({
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": url,
        "type": "object",
        "title": id.title(),
        "description": id.description(),
        "properties": properties,
    })
}

/// The queryables of a collection: the properties `/items` filters on, each an equality.
pub fn queryables(id: CollectionId, columns: &[Column], url: &str) -> Value {
    let properties: Map<String, Value> = columns
        .iter()
        .filter(|c| id.queryables().contains(&c.name.as_str()))
        .map(|c| (c.name.clone(), c.schema()))
        .collect();
    json!({
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": url,
        "type": "object",
        "title": id.title(),
        "description": "Filter /items by equality: ?prefecture=13, ?kind=SPECIAL_WARD.",
        "properties": properties,
        "additionalProperties": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_ids_are_codes_as_numbers() {
        let m = CollectionId::Municipalities;
        assert_eq!(m.code_of_id("13104").as_deref(), Some("13104"));
        assert_eq!(m.code_of_id("1100").as_deref(), Some("01100"));
        assert_eq!(m.code_of_id("131041"), None);
        assert_eq!(m.code_of_id("x"), None);
        let p = CollectionId::Prefectures;
        assert_eq!(p.code_of_id("1").as_deref(), Some("01"));
        assert_eq!(p.code_of_id("47").as_deref(), Some("47"));
        assert!(matches!(
            CollectionId::parse("towns"),
            Err(AppError::NotFound(_))
        ));
    }

    #[test]
    fn the_schema_describes_every_column() {
        let columns = vec![
            Column::new("code", "Code", "five digits", ColumnType::String),
            Column::new(
                "population",
                "総人口",
                "SSDSE-A A1101, 2020",
                ColumnType::Number,
            )
            .unit(Some("人")),
            Column::new("kind", "Kind", "kind", ColumnType::String)
                .one_of(vec!["CITY".into(), "TOWN".into()]),
        ];
        let s = schema(CollectionId::Municipalities, &columns, "http://h/s");
        assert_eq!(s["properties"]["code"]["type"], "string");
        assert_eq!(s["properties"]["code"]["x-ogc-role"], "id");
        assert_eq!(s["properties"]["population"]["x-ogc-unit"], "人");
        assert_eq!(
            s["properties"]["geometry"]["x-ogc-role"],
            "primary-geometry"
        );
        let q = queryables(CollectionId::Municipalities, &columns, "http://h/q");
        let names: Vec<&String> = q["properties"].as_object().unwrap().keys().collect();
        assert_eq!(names, ["kind"]);
        assert_eq!(q["properties"]["kind"]["enum"][1], "TOWN");
    }
}
