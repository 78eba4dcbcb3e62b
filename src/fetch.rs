//! The data files DX Atlas reads, as its manifests list them (`geodata/manifest.toml` for the
//! boundaries, `data/manifest.toml` for the dashboard table; both compiled in): where they are
//! looked for, and their download from the public source, each checked against the
//! manifest's sha256 before it is used.
//!
//! Boundaries are looked for in the folder given with `--geodata`, or else in `geodata/` and
//! then `../shared/geodata`, and downloaded to the given folder or `geodata/`. The dashboard
//! table is looked for in `data/dashboard/`, then `../shared/data/dashboard/`, and downloaded
//! to `data/dashboard/`.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};
use thiserror::Error;

/// The boundaries' manifest as committed.
const MANIFEST: &str = include_str!("../geodata/manifest.toml");
/// The other data sets, each with its manifest as committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataSet {
    /// The Digital Agency's dashboard table (`data/manifest.toml`).
    Dashboard,
    /// SSDSE-A (`data/ssdse.toml`).
    Ssdse,
    /// Municipalities' readings and romanised names (`data/names.toml`).
    Names,
}

impl DataSet {
    /// Every data set.
    pub const ALL: [Self; 3] = [Self::Dashboard, Self::Ssdse, Self::Names];

    fn manifest_text(self) -> &'static str {
        match self {
            Self::Dashboard => include_str!("../data/manifest.toml"),
            Self::Ssdse => include_str!("../data/ssdse.toml"),
            Self::Names => include_str!("../data/names.toml"),
        }
    }

    /// Its manifest.
    pub fn manifest(self) -> Result<Manifest, FetchError> {
        Ok(toml::from_str(self.manifest_text())?)
    }

    /// Where its files are looked for and downloaded to.
    pub fn folders(self) -> Result<DataFolders, FetchError> {
        let manifest = self.manifest()?;
        let name = manifest.folder.unwrap_or_else(|| "dashboard".into());
        Ok(DataFolders::data_set(&name))
    }
}

/// The folder downloads go to when none is given.
pub const DEFAULT_FOLDER: &str = "geodata";
/// The folder of a checkout's shared data, read when present.
pub const SHARED_FOLDER: &str = "../shared/geodata";

/// Largest file a download may bring: the largest listed is under 2 MB.
const MAX_DOWNLOAD_BYTES: u64 = 64 * 1024 * 1024;

/// The manifest: where the files come from and what each must hash to.
#[derive(Debug, Deserialize)]
pub struct Manifest {
    /// The source of the files.
    pub source: String,
    /// Their terms.
    pub licence: String,
    /// The credit line their terms require.
    pub credit: String,
    /// The data set's folder below `data/` (absent for the boundaries).
    pub folder: Option<String>,
    /// The files.
    pub file: Vec<DataFile>,
}

/// One file of the manifest.
#[derive(Debug, Clone, Deserialize)]
pub struct DataFile {
    /// Its name in the data folder.
    pub name: String,
    /// Its SHA-256, lower-case hex.
    pub sha256: String,
    /// The public download location.
    pub url: String,
    /// Where the file is published only inside an archive (a zip, or a Python wheel): its
    /// path in the archive at `url`.
    #[serde(default)]
    pub member: Option<String>,
    /// What it holds.
    pub what: String,
}

/// A file that could not be had.
#[derive(Debug)]
pub struct Missing {
    /// The file's name.
    pub name: String,
    /// Where it would be downloaded from.
    pub url: String,
    /// Why the download failed, when one was tried.
    pub reason: Option<String>,
    /// The folders it was looked for in.
    pub folders: Vec<PathBuf>,
    /// The folder a download writes it to.
    pub target: PathBuf,
}

/// Why the data files are not all there.
#[derive(Debug, Error)]
pub enum FetchError {
    /// The compiled-in manifest does not parse.
    #[error("geodata/manifest.toml: {0}")]
    Manifest(#[from] toml::de::Error),
    /// A file is there but is not the published one.
    #[error("{}: sha256 is {found}, the manifest says {expected}; delete it (or put the published file there) and run `dx-atlas fetch`", path.display())]
    Altered {
        /// The file.
        path: PathBuf,
        /// What it hashes to.
        found: String,
        /// What the manifest says.
        expected: String,
    },
    /// A file or folder could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Files that are nowhere and could not be downloaded.
    #[error("{}", missing_message(.0))]
    Missing(Vec<Missing>),
}

fn shown(folders: &[PathBuf]) -> String {
    folders
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn missing_message(files: &[Missing]) -> String {
    let mut text = format!("{} data file(s) missing:", files.len());
    for file in files {
        text.push_str(&format!(
            "\n  {}  from {}\n      looked for in {}; downloads go to {}",
            file.name,
            file.url,
            shown(&file.folders),
            file.target.display()
        ));
        if let Some(reason) = &file.reason {
            text.push_str(&format!("\n      download failed: {reason}"));
        }
    }
    text.push_str(
        "\nDownload them (or copy them) into one of those folders, or name the boundaries' folder with --geodata / DX_ATLAS_GEODATA.",
    );
    text
}

/// The boundaries' manifest compiled into the binary.
pub fn manifest() -> Result<Manifest, FetchError> {
    Ok(toml::from_str(MANIFEST)?)
}

/// Where files are looked for and where downloads go.
#[derive(Debug, Clone)]
pub struct DataFolders {
    /// Folders looked in, in order.
    pub search: Vec<PathBuf>,
    /// The folder downloads are written to.
    pub target: PathBuf,
}

impl DataFolders {
    /// The folders of a data set below `data/`: `data/NAME`, then `../shared/data/NAME`.
    pub fn data_set(name: &str) -> Self {
        let own = Path::new("data").join(name);
        Self {
            search: vec![own.clone(), Path::new("../shared/data").join(name)],
            target: own,
        }
    }

    /// The folder given, or `geodata/` then `../shared/geodata`.
    pub fn new(given: Option<&Path>) -> Self {
        match given {
            Some(folder) => Self {
                search: vec![folder.to_owned()],
                target: folder.to_owned(),
            },
            None => Self {
                search: vec![PathBuf::from(DEFAULT_FOLDER), PathBuf::from(SHARED_FOLDER)],
                target: PathBuf::from(DEFAULT_FOLDER),
            },
        }
    }
}

/// What happened to each file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Already there, with the right hash.
    Present(PathBuf),
    /// Downloaded to this path, with the right hash.
    Downloaded(PathBuf),
}

/// What `fetch` did.
#[derive(Debug, Default)]
pub struct FetchReport {
    /// Each file with its outcome.
    pub files: Vec<(String, Outcome)>,
}

impl FetchReport {
    /// Where the file named `name` is.
    pub fn path(&self, name: &str) -> Result<PathBuf, FetchError> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, Outcome::Present(p) | Outcome::Downloaded(p))| p.clone())
            .ok_or_else(|| {
                FetchError::Missing(vec![Missing {
                    name: name.to_owned(),
                    url: String::new(),
                    reason: Some("not in the manifest".to_owned()),
                    folders: Vec::new(),
                    target: PathBuf::from(DEFAULT_FOLDER),
                }])
            })
    }

    /// Whether anything was written.
    pub fn changed(&self) -> bool {
        self.files
            .iter()
            .any(|(_, o)| matches!(o, Outcome::Downloaded(_)))
    }
}

impl fmt::Display for FetchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, outcome) in &self.files {
            match outcome {
                Outcome::Present(p) => writeln!(f, "ok          {name} ({})", p.display())?,
                Outcome::Downloaded(p) => writeln!(f, "downloaded  {name} ({})", p.display())?,
            }
        }
        if self.changed() {
            write!(f, "every file is present and matches the manifest")
        } else {
            write!(
                f,
                "nothing was changed: every file was present and matches the manifest"
            )
        }
    }
}

/// Options of a fetch.
#[derive(Debug, Clone, Default)]
pub struct FetchOptions {
    /// The folder given with `--geodata`.
    pub folder: Option<PathBuf>,
    /// Download from `{mirror}/{name}` instead of each file's own URL.
    pub mirror: Option<String>,
    /// Only these files (all of the manifest when `None`).
    pub only: Option<Vec<String>>,
}

/// Makes sure every boundary file wanted is present and unaltered, downloading what is
/// missing. Progress goes to standard error, a line per file.
pub async fn fetch(options: &FetchOptions) -> Result<FetchReport, FetchError> {
    let mut run = Run::new(options)?;
    run.set(&manifest()?, &DataFolders::new(options.folder.as_deref()))
        .await?;
    run.finish()
}

/// Makes sure a data set's files are present and unaltered, downloading what is missing.
pub async fn fetch_data_set(
    set: DataSet,
    options: &FetchOptions,
) -> Result<FetchReport, FetchError> {
    let mut run = Run::new(options)?;
    run.set(&set.manifest()?, &set.folders()?).await?;
    run.finish()
}

/// Every file of every manifest: the boundaries and each data set.
pub async fn fetch_everything(options: &FetchOptions) -> Result<FetchReport, FetchError> {
    let mut run = Run::new(options)?;
    run.set(&manifest()?, &DataFolders::new(options.folder.as_deref()))
        .await?;
    for set in DataSet::ALL {
        run.set(&set.manifest()?, &set.folders()?).await?;
    }
    run.finish()
}

/// One fetch: its client, what it found, what is missing.
struct Run<'a> {
    options: &'a FetchOptions,
    client: reqwest::Client,
    report: FetchReport,
    missing: Vec<Missing>,
}

impl<'a> Run<'a> {
    fn new(options: &'a FetchOptions) -> Result<Self, FetchError> {
        let client = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(std::time::Duration::from_secs(300))
            .build()
            .map_err(|e| FetchError::Io {
                path: PathBuf::from(DEFAULT_FOLDER),
                source: std::io::Error::other(e),
            })?;
        Ok(Self {
            options,
            client,
            report: FetchReport::default(),
            missing: Vec::new(),
        })
    }

    /// The files of one manifest wanted, found in `folders` or downloaded.
    async fn set(&mut self, manifest: &Manifest, folders: &DataFolders) -> Result<(), FetchError> {
        let only = self.options.only.as_ref();
        for file in manifest
            .file
            .iter()
            .filter(|f| only.is_none_or(|only| only.contains(&f.name)))
        {
            if let Some(path) = find(file, folders)? {
                self.report
                    .files
                    .push((file.name.clone(), Outcome::Present(path)));
                continue;
            }
            let url = self.options.mirror.as_ref().map_or_else(
                || file.url.clone(),
                |m| format!("{}/{}", m.trim_end_matches('/'), file.name),
            );
            match download(&self.client, file, &url, &folders.target).await {
                Ok(path) => self
                    .report
                    .files
                    .push((file.name.clone(), Outcome::Downloaded(path))),
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::Unreachable(reason)) => self.missing.push(Missing {
                    name: file.name.clone(),
                    url,
                    reason: Some(reason),
                    folders: folders.search.clone(),
                    target: folders.target.clone(),
                }),
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<FetchReport, FetchError> {
        if self.missing.is_empty() {
            Ok(self.report)
        } else {
            Err(FetchError::Missing(self.missing))
        }
    }
}

/// The file in the first folder that has it, checked against its hash.
fn find(file: &DataFile, folders: &DataFolders) -> Result<Option<PathBuf>, FetchError> {
    for folder in &folders.search {
        let path = folder.join(&file.name);
        if !path.is_file() {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|source| FetchError::Io {
            path: path.clone(),
            source,
        })?;
        let found = hex_sha256(&bytes);
        if found != file.sha256 {
            return Err(FetchError::Altered {
                path,
                found,
                expected: file.sha256.clone(),
            });
        }
        return Ok(Some(path));
    }
    Ok(None)
}

/// One member of a zip archive (a wheel is one), read within the download bound.
fn extract(archive: &[u8], member: &str) -> Result<Vec<u8>, String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive))
        .map_err(|e| format!("not a zip archive: {e}"))?;
    let entry = zip
        .by_name(member)
        .map_err(|e| format!("no member {member}: {e}"))?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(entry, MAX_DOWNLOAD_BYTES + 1),
        &mut bytes,
    )
    .map_err(|e| format!("reading {member}: {e}"))?;
    if bytes.len() as u64 > MAX_DOWNLOAD_BYTES {
        return Err(format!("{member} is larger than a data file may be"));
    }
    Ok(bytes)
}

/// Lower-case hex SHA-256.
pub fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

enum Failure {
    /// Nothing could be had from the source: the file is missing.
    Unreachable(String),
    /// Something was had but is wrong, or could not be written.
    Fatal(FetchError),
}

/// Downloads one file into `target`, through a `.part` file renamed once its hash is right,
/// so that an interrupted or altered download leaves nothing behind.
async fn download(
    client: &reqwest::Client,
    file: &DataFile,
    url: &str,
    target: &Path,
) -> Result<PathBuf, Failure> {
    eprintln!("downloading {} from {url}", file.name);
    let mut bytes = get(client, url).await.map_err(Failure::Unreachable)?;
    if let Some(member) = &file.member {
        bytes = extract(&bytes, member).map_err(|reason| {
            Failure::Fatal(FetchError::Io {
                path: PathBuf::from(url),
                source: std::io::Error::other(reason),
            })
        })?;
    }
    let found = hex_sha256(&bytes);
    let path = target.join(&file.name);
    if found != file.sha256 {
        return Err(Failure::Fatal(FetchError::Altered {
            path: PathBuf::from(url),
            found,
            expected: file.sha256.clone(),
        }));
    }
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| Failure::Fatal(FetchError::Io { path, source })
    };
    std::fs::create_dir_all(target).map_err(io(target))?;
    let part = target.join(format!("{}.part", file.name));
    std::fs::File::create(&part)
        .and_then(|mut f| f.write_all(&bytes).and_then(|()| f.sync_all()))
        .map_err(io(&part))?;
    std::fs::rename(&part, &path).map_err(io(&path))?;
    #[allow(clippy::cast_precision_loss)] // a size shown in MB
    let mb = bytes.len() as f64 / 1e6;
    eprintln!(
        "  {mb:.1} MB, sha256 matches the manifest: {}",
        path.display()
    );
    Ok(path)
}

/// The body at `url`, at most [`MAX_DOWNLOAD_BYTES`].
async fn get(client: &reqwest::Client, url: &str) -> Result<Vec<u8>, String> {
    let mut response = client
        .get(url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| describe(&e))?;
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| describe(&e))? {
        body.extend_from_slice(&chunk);
        if body.len() as u64 > MAX_DOWNLOAD_BYTES {
            return Err(format!(
                "larger than {} MB; not the published file",
                MAX_DOWNLOAD_BYTES >> 20
            ));
        }
    }
    Ok(body)
}

/// reqwest's error with its causes, which say what actually failed (DNS, refused, TLS).
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_lists_the_boundary_files_with_their_hashes() {
        let manifest = manifest().unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<&str> = manifest.file.iter().map(|f| f.name.as_str()).collect();
        assert!(names.contains(&crate::import::MUNICIPALITIES_FILE));
        assert!(names.contains(&crate::import::PREFECTURES_FILE));
        for file in &manifest.file {
            assert_eq!(file.sha256.len(), 64, "{}", file.name);
            assert!(file.url.starts_with("https://"), "{}", file.url);
        }
    }

    #[test]
    fn the_missing_message_names_each_file_its_url_and_the_folders() {
        let text = missing_message(&[Missing {
            name: "a.topojson".into(),
            url: "https://example.org/a.json".into(),
            reason: Some("connection refused".into()),
            folders: vec![PathBuf::from("geodata"), PathBuf::from("../shared/geodata")],
            target: PathBuf::from("geodata"),
        }]);
        assert!(text.contains("a.topojson  from https://example.org/a.json"));
        assert!(text.contains("geodata, ../shared/geodata"));
        assert!(text.contains("connection refused"));
        assert!(text.contains("--geodata"));
    }

    #[test]
    fn the_data_manifests_list_their_files() {
        for set in DataSet::ALL {
            let manifest = set.manifest().unwrap_or_else(|e| panic!("{set:?}: {e}"));
            assert!(!manifest.file.is_empty());
        }
        let manifest = DataSet::Dashboard
            .manifest()
            .unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<&str> = manifest.file.iter().map(|f| f.name.as_str()).collect();
        assert!(names.contains(&crate::survey::dashboard::MUNICIPAL_FILE));
        assert!(names.contains(&crate::survey::dashboard::PREFECTURAL_FILE));
        assert_eq!(manifest.folder.as_deref(), Some("dashboard"));
    }
}
