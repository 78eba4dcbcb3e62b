//! The boundary import: read N03 files, validate everything, then write it in one transaction.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};

use crate::domain::{prefectures, MunicipalityKind};
use crate::entity::{boundary, municipality, prefecture};
use crate::error::{AppResult, ImportError};
use crate::repo::boundaries::{self, AreaRows};
use crate::spatial::{geojson, measure, n03};

/// The municipal boundary file read by default (designated cities whole, as the survey counts them).
pub const MUNICIPALITIES_FILE: &str = "N03-21_210101_designated_city.topojson";
/// The prefectural boundary file read by default.
pub const PREFECTURES_FILE: &str = "prefectures.topojson";

/// Which files to import.
#[derive(Debug, Clone)]
pub struct ImportSources {
    /// Municipal boundaries (TopoJSON or GeoJSON in the N03 schema).
    pub municipalities: PathBuf,
    /// Prefectural boundaries.
    pub prefectures: PathBuf,
}

impl ImportSources {
    /// The default files in `folder` (or in `geodata/`, then `../shared/geodata`), with either
    /// file replaced where given.
    pub fn locate(
        folder: Option<&Path>,
        municipalities: Option<PathBuf>,
        prefectures: Option<PathBuf>,
    ) -> Result<Self, ImportError> {
        let find = |given: Option<PathBuf>, file: &str| {
            given.or_else(|| n03::locate(folder, file)).ok_or_else(|| {
                let place = folder.map_or_else(
                    || "geodata/ or ../shared/geodata".to_owned(),
                    |f| f.display().to_string(),
                );
                ImportError::new(
                    Path::new(file),
                    None,
                    format!("not found in {place}; `dx-atlas fetch` downloads it"),
                )
            })
        };
        Ok(Self {
            municipalities: find(municipalities, MUNICIPALITIES_FILE)?,
            prefectures: find(prefectures, PREFECTURES_FILE)?,
        })
    }
}

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// Files read, with their SHA-256.
    pub files: Vec<(PathBuf, String)>,
    /// Municipalities by kind (administered ones).
    pub by_kind: BTreeMap<MunicipalityKind, usize>,
    /// Municipalities counted but not administered (Northern Territories).
    pub not_administered: usize,
    /// Prefectures.
    pub prefectures: usize,
    /// Features skipped as 所属未定地 (no code), by file position.
    pub unassigned_areas: Vec<usize>,
    /// Municipalities whose file had no geometry.
    pub without_geometry: Vec<String>,
    /// Features whose winding was corrected to RFC 7946.
    pub reoriented: usize,
    /// Codes of the boundaries whose self-crossing rings were repaired.
    pub repaired: Vec<String>,
    /// Ward features gathered into their designated city.
    pub wards_merged: usize,
}

impl ImportReport {
    /// Administered municipalities.
    pub fn municipalities(&self) -> usize {
        self.by_kind.values().sum()
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (path, sha) in &self.files {
            writeln!(f, "read {} (sha256 {sha})", path.display())?;
        }
        writeln!(f, "prefectures: {}", self.prefectures)?;
        writeln!(
            f,
            "municipalities: {} administered + {} not administered (Northern Territories)",
            self.municipalities(),
            self.not_administered
        )?;
        for (kind, n) in &self.by_kind {
            writeln!(f, "  {kind}: {n}")?;
        }
        writeln!(
            f,
            "skipped: {} features of 所属未定地 (no code) at {:?}",
            self.unassigned_areas.len(),
            self.unassigned_areas
        )?;
        if !self.without_geometry.is_empty() {
            writeln!(f, "without geometry: {:?}", self.without_geometry)?;
        }
        if self.wards_merged > 0 {
            writeln!(
                f,
                "wards gathered into their designated city: {}",
                self.wards_merged
            )?;
        }
        writeln!(
            f,
            "features rewound to RFC 7946 orientation: {}",
            self.reoriented
        )?;
        write!(
            f,
            "boundaries repaired where a ring crossed itself (area kept within 0.1%): {} {:?}",
            self.repaired.len(),
            self.repaired
        )
    }
}

fn sha256(path: &Path) -> Result<String, ImportError> {
    let bytes = crate::files::read(path, crate::files::BOUNDARY_FILE)
        .map_err(|e| ImportError::new(path, None, e.to_string()))?;
    Ok(format!("{:x}", Sha256::digest(&bytes)))
}

fn boundary_row(
    code: String,
    level: &str,
    geometry: &geo::MultiPolygon<f64>,
    source: &Path,
) -> Option<boundary::Model> {
    let m = measure::measure(geometry)?;
    Some(boundary::Model {
        code,
        level: level.to_owned(),
        geometry: geojson::geometry_text(geometry),
        area_km2: m.area_km2,
        min_lon: m.bbox[0],
        min_lat: m.bbox[1],
        max_lon: m.bbox[2],
        max_lat: m.bbox[3],
        centroid_lon: m.centroid[0],
        centroid_lat: m.centroid[1],
        source: source
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
    })
}

/// Reads and validates both files completely, then writes in one transaction.
/// Either everything is imported or nothing changes; a file lacking stored municipalities is
/// refused (see [`import_boundaries_removing_absent`]).
pub async fn import_boundaries(
    db: &DatabaseConnection,
    sources: &ImportSources,
) -> AppResult<ImportReport> {
    import(db, sources, false).await
}

/// As [`import_boundaries`], but stored municipalities absent from the file are deleted
/// (with their answers' authority gone): for a file of a later date, after mergers.
pub async fn import_boundaries_removing_absent(
    db: &DatabaseConnection,
    sources: &ImportSources,
) -> AppResult<ImportReport> {
    import(db, sources, true).await
}

async fn import(
    db: &DatabaseConnection,
    sources: &ImportSources,
    remove_absent: bool,
) -> AppResult<ImportReport> {
    let mut report = ImportReport::default();
    // Parsing and validation are CPU work on files of megabytes: kept off the async workers.
    let sources_owned = sources.clone();
    let (rows, read) = tokio::task::spawn_blocking(move || read_sources(&sources_owned))
        .await
        .map_err(|e| crate::error::AppError::internal("reading boundary files", e))??;
    report.files = read.files;
    report.unassigned_areas = read.municipal.unassigned_areas;
    report.without_geometry = read.municipal.without_geometry;
    report.reoriented = read.municipal.reoriented + read.prefectural.reoriented;
    report.repaired = [read.municipal.repaired, read.prefectural.repaired].concat();
    report.wards_merged = read.municipal.wards_merged;
    report.prefectures = rows.prefectures.len();
    for m in &rows.municipalities {
        if m.administered {
            *report.by_kind.entry(m.kind).or_default() += 1;
        } else {
            report.not_administered += 1;
        }
    }
    boundaries::replace(db, rows, remove_absent, &sources.municipalities).await?;
    Ok(report)
}

struct Read {
    files: Vec<(PathBuf, String)>,
    municipal: n03::ReadReport,
    prefectural: n03::ReadReport,
}

fn read_sources(sources: &ImportSources) -> Result<(AreaRows, Read), ImportError> {
    let files = vec![
        (
            sources.municipalities.clone(),
            sha256(&sources.municipalities)?,
        ),
        (sources.prefectures.clone(), sha256(&sources.prefectures)?),
    ];
    let features = n03::read_features(&sources.municipalities)?;
    let (municipalities, municipal) = n03::municipalities(&sources.municipalities, features)?;
    if municipalities.is_empty() {
        return Err(ImportError::new(
            &sources.municipalities,
            None,
            "no municipality feature with a code (N03_007): nothing to import",
        ));
    }
    let features = n03::read_features(&sources.prefectures)?;
    let (prefecture_records, prefectural) = n03::prefectures(&sources.prefectures, features)?;

    let mut rows = AreaRows::default();
    for p in prefectures::all() {
        rows.prefectures.push(prefecture::Model {
            code: p.code.to_string(),
            lg_code: p.code.authority_code(),
            name: p.name.to_owned(),
            name_en: p.name_en.to_owned(),
        });
    }
    for p in &prefecture_records {
        if let Some(b) = p
            .boundary
            .as_ref()
            .and_then(|g| boundary_row(p.code.to_string(), "PREFECTURE", g, &sources.prefectures))
        {
            rows.boundaries.push(b);
        }
    }
    for m in municipalities {
        let code = m.code.to_string();
        if let Some(b) = m
            .boundary
            .as_ref()
            .and_then(|g| boundary_row(code.clone(), "MUNICIPALITY", g, &sources.municipalities))
        {
            rows.boundaries.push(b);
        }
        rows.municipalities.push(municipality::Model {
            lg_code: m.code.six_digit(),
            prefecture_code: m.code.prefecture().to_string(),
            code,
            name: m.name,
            subprefecture: m.subprefecture,
            county: m.county,
            kind: m.kind,
            administered: m.administered,
        });
    }
    Ok((
        rows,
        Read {
            files,
            municipal,
            prefectural,
        },
    ))
}
