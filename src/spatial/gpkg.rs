//! A [`FeatureTable`] as a GeoPackage (OGC 12-128r18, version 1.4): an SQLite file with the
//! three required metadata tables and one feature table whose geometry column holds
//! GeoPackage binary (a header with the SRS and envelope, then WKB).
//!
//! The tables are written by hand over the SQLite driver the service already has (sea-orm's
//! sqlx), rather than through a GIS library: a GeoPackage of polygons needs four `CREATE
//! TABLE`s and geozero's WKB writer, where GDAL would bring a C++ build of its own. SQLite
//! writes to files, so the GeoPackage is made in a temporary directory and read back.

use geo::{BoundingRect, MultiPolygon, Rect};
use geozero::CoordDimensions;
use geozero::ToWkb;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DbBackend, Statement, TransactionTrait, Value,
};

use super::features::{FeatureFileError, FeatureTable, FieldType, FieldValue};

/// `PRAGMA application_id` of a GeoPackage: `GPKG` in ASCII (spec 1.1.1.1.1).
const APPLICATION_ID: i32 = 0x4750_4B47;
/// `PRAGMA user_version` of GeoPackage 1.4.0.
const USER_VERSION: i32 = 10400;

/// WGS 84 as GeoPackage 1.4 requires it in `gpkg_spatial_ref_sys` (EPSG's WKT 1), beside the
/// two undefined systems every GeoPackage lists.
const WGS84_WKT: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#;

/// The metadata tables, as spec 1.1.2, 1.1.3 and 2.1.5 define them.
const METADATA_TABLES: [&str; 3] = [
    "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, \
     organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, \
     description TEXT)",
    "CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, \
     identifier TEXT UNIQUE, description TEXT DEFAULT '', \
     last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), \
     min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER, \
     CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))",
    "CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, \
     geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, \
     CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), \
     CONSTRAINT uk_gc_table_name UNIQUE (table_name), \
     CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name), \
     CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))",
];

/// The table as a GeoPackage file's bytes: one MultiPolygon layer in EPSG:4326, fields typed
/// TEXT, INTEGER or DOUBLE, `fid` its primary key.
pub async fn geopackage(table: &FeatureTable) -> Result<Vec<u8>, FeatureFileError> {
    // Geometry encoding is CPU work done before the database is opened.
    let geometries = table
        .features
        .iter()
        .map(|f| Ok(f.geometry.as_ref().map(binary).transpose()?.flatten()))
        .collect::<Result<Vec<_>, FeatureFileError>>()?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("map.gpkg");
    let mut options = ConnectOptions::new(format!("sqlite://{}?mode=rwc", path.display()));
    // One connection, so that the pragmas and the tables are the same file's session; and a
    // thousand inserts are not a thousand log lines.
    options.max_connections(1).sqlx_logging(false);
    let db = Database::connect(options).await?;
    let backend = DbBackend::Sqlite;
    db.execute_unprepared(&format!(
        "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {USER_VERSION}"
    ))
    .await?;
    let txn = db.begin().await?;
    for statement in METADATA_TABLES {
        txn.execute_unprepared(statement).await?;
    }
    insert_reference_systems(&txn).await?;
    let extent = extent(table.features.iter().filter_map(|f| f.geometry.as_ref()));
    let bounds: [Value; 4] = match extent {
        Some(r) => [
            r.min().x.into(),
            r.min().y.into(),
            r.max().x.into(),
            r.max().y.into(),
        ],
        None => [(); 4].map(|()| Value::Double(None)),
    };
    let [min_x, min_y, max_x, max_y] = bounds;
    txn.execute(Statement::from_sql_and_values(
        backend,
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, max_x, max_y, srs_id) \
         VALUES (?, 'features', ?, ?, ?, ?, ?, ?, 4326)",
        [
            table.name.as_str().into(),
            table.title.as_str().into(),
            table.description.as_str().into(),
            min_x,
            min_y,
            max_x,
            max_y,
        ],
    ))
    .await?;
    txn.execute(Statement::from_sql_and_values(
        backend,
        "INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'MULTIPOLYGON', 4326, 0, 0)",
        [table.name.as_str().into()],
    ))
    .await?;
    txn.execute_unprepared(&create_table(table)).await?;
    let insert = insert_statement(table);
    for (feature, geometry) in table.features.iter().zip(geometries) {
        let mut values: Vec<Value> = feature.values.iter().map(sql_value).collect();
        values.push(Value::Bytes(geometry.map(Box::new)));
        txn.execute(Statement::from_sql_and_values(backend, &insert, values))
            .await?;
    }
    txn.commit().await?;
    db.close().await?;
    Ok(tokio::fs::read(&path).await?)
}

/// The rows of `gpkg_spatial_ref_sys`: the two undefined systems every GeoPackage lists, and
/// WGS 84.
async fn insert_reference_systems(txn: &impl ConnectionTrait) -> Result<(), sea_orm::DbErr> {
    for (name, id, org, org_id, definition, description) in [
        (
            "Undefined cartesian SRS",
            -1,
            "NONE",
            -1,
            "undefined",
            "undefined cartesian coordinate reference system",
        ),
        (
            "Undefined geographic SRS",
            0,
            "NONE",
            0,
            "undefined",
            "undefined geographic coordinate reference system",
        ),
        (
            "WGS 84 geodetic",
            4326,
            "EPSG",
            4326,
            WGS84_WKT,
            "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid",
        ),
    ] {
        txn.execute(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)",
            [
                name.into(),
                id.into(),
                org.into(),
                org_id.into(),
                definition.into(),
                description.into(),
            ],
        ))
        .await?;
    }
    Ok(())
}

/// Quotes an SQL identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The feature table: `fid`, the fields, then the geometry column.
fn create_table(table: &FeatureTable) -> String {
    let fields: String = table
        .fields
        .iter()
        .map(|f| {
            let kind = match f.kind {
                FieldType::Text => "TEXT",
                FieldType::Integer => "INTEGER",
                FieldType::Real => "DOUBLE",
            };
            format!(", {} {kind}", quoted(f.name))
        })
        .collect();
    format!(
        "CREATE TABLE {} (fid INTEGER PRIMARY KEY AUTOINCREMENT{fields}, geom MULTIPOLYGON)",
        quoted(&table.name)
    )
}

fn insert_statement(table: &FeatureTable) -> String {
    let names: String = table
        .fields
        .iter()
        .map(|f| format!("{}, ", quoted(f.name)))
        .collect();
    let marks = vec!["?"; table.fields.len() + 1].join(", ");
    format!(
        "INSERT INTO {} ({names}geom) VALUES ({marks})",
        quoted(&table.name)
    )
}

fn sql_value(value: &FieldValue) -> Value {
    match value {
        FieldValue::Text(s) => s.as_str().into(),
        FieldValue::Integer(n) => (*n).into(),
        FieldValue::Real(x) => (*x).into(),
        FieldValue::Null => Value::String(None),
    }
}

/// The bounding box of every geometry.
fn extent<'a>(geometries: impl Iterator<Item = &'a MultiPolygon<f64>>) -> Option<Rect<f64>> {
    geometries
        .filter_map(BoundingRect::bounding_rect)
        .reduce(|a, b| {
            Rect::new(
                geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        })
}

/// GeoPackage binary of a multipolygon: the header (version 0, SRS 4326, its envelope
/// minx, maxx, miny, maxy as spec 2.1.3 orders it), then little-endian WKB. An empty one is
/// `None`: SQL NULL says "no geometry" to every reader.
fn binary(geometry: &MultiPolygon<f64>) -> Result<Option<Vec<u8>>, geozero::error::GeozeroError> {
    let Some(r) = geometry.bounding_rect() else {
        return Ok(None);
    };
    let envelope = vec![r.min().x, r.max().x, r.min().y, r.max().y];
    geo::Geometry::MultiPolygon(geometry.clone())
        .to_gpkg_wkb(CoordDimensions::xy(), Some(4326), envelope)
        .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spatial::features::{Feature, Field};
    use geo::polygon;

    fn table() -> FeatureTable {
        FeatureTable {
            name: "choropleth".into(),
            title: "t".into(),
            description: "d".into(),
            fields: vec![Field {
                name: "code",
                kind: FieldType::Text,
                title: "Code".into(),
                description: String::new(),
            }],
            features: vec![Feature {
                values: vec![FieldValue::Text("01100".into())],
                geometry: Some(MultiPolygon::new(vec![
                    polygon![(x: 139.0, y: 35.0), (x: 140.0, y: 35.0), (x: 140.0, y: 36.0), (x: 139.0, y: 35.0)],
                ])),
            }],
        }
    }

    #[test]
    fn statements_quote_names_and_type_fields() {
        let t = table();
        assert_eq!(
            create_table(&t),
            "CREATE TABLE \"choropleth\" (fid INTEGER PRIMARY KEY AUTOINCREMENT, \"code\" TEXT, geom MULTIPOLYGON)"
        );
        assert_eq!(
            insert_statement(&t),
            "INSERT INTO \"choropleth\" (\"code\", geom) VALUES (?, ?)"
        );
    }

    #[test]
    fn geometry_binary_starts_with_the_geopackage_header() {
        let t = table();
        let Some(geometry) = &t.features[0].geometry else {
            panic!("a geometry")
        };
        let bytes = binary(geometry).unwrap().unwrap();
        // "GP", version 0, flags: envelope [minx, maxx, miny, maxy], little endian.
        assert_eq!(&bytes[..3], b"GP\0");
        assert_eq!(bytes[3], 0b0000_0011);
        assert_eq!(i32::from_le_bytes(bytes[4..8].try_into().unwrap()), 4326);
        assert_eq!(f64::from_le_bytes(bytes[8..16].try_into().unwrap()), 139.0);
        assert_eq!(f64::from_le_bytes(bytes[16..24].try_into().unwrap()), 140.0);
        assert_eq!(binary(&MultiPolygon::new(Vec::new())).unwrap(), None);
    }

    #[tokio::test]
    async fn a_geopackage_is_an_sqlite_file_marked_gpkg() {
        let bytes = geopackage(&table()).await.unwrap();
        assert_eq!(&bytes[..16], b"SQLite format 3\0");
        // The application id sits at offset 68 of the database header, big endian.
        assert_eq!(&bytes[68..72], b"GPKG");
    }
}
