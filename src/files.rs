//! Data files read with a bound on their size, checked before a byte is read: an import's
//! memory follows from what a file may hold, not from what someone sends.

use std::fs::File;
use std::path::Path;

use thiserror::Error;

/// The most a kind of file may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// What the file is, as errors name it.
    pub what: &'static str,
    /// Bytes.
    pub bytes: u64,
}

/// A boundary file (TopoJSON or GeoJSON). Simplified national files, as `geodata/` holds, are
/// about 1.5 MB; the full-resolution N03 is simplified before import (see the README).
pub const BOUNDARY_FILE: Limit = Limit {
    what: "a boundary file",
    bytes: 128 << 20,
};

/// A survey file (CSV or spreadsheet) or one of the dashboard's tables (about 200 KB each).
pub const SURVEY_FILE: Limit = Limit {
    what: "a survey file",
    bytes: 64 << 20,
};

/// Why a data file was not read.
#[derive(Debug, Error)]
pub enum ReadError {
    /// The file system refused.
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    /// The file is larger than its kind may be.
    #[error("it holds {size} bytes, more than {} may hold ({} MiB)", limit.what, limit.bytes >> 20)]
    TooLarge {
        /// Its size.
        size: u64,
        /// The bound it passes.
        limit: Limit,
    },
}

/// Opens `path` after checking its size against `limit`.
pub fn open(path: &Path, limit: Limit) -> Result<File, ReadError> {
    let file = File::open(path)?;
    let size = file.metadata()?.len();
    if size > limit.bytes {
        return Err(ReadError::TooLarge { size, limit });
    }
    Ok(file)
}

/// Reads `path` whole after checking its size against `limit`.
pub fn read(path: &Path, limit: Limit) -> Result<Vec<u8>, ReadError> {
    read_from(open(path, limit)?, limit)
}

/// Reads `reader` to its end, refusing it once it passes `limit`: a file can grow while it is
/// read, and an archive's entry can hold more than it declares.
pub fn read_from(reader: impl std::io::Read, limit: Limit) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    reader.take(limit.bytes + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit.bytes {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_its_limit_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("large.csv");
        // A sparse file: its size is what counts, and nothing is written or read.
        File::create(&path)
            .unwrap()
            .set_len(SURVEY_FILE.bytes + 1)
            .unwrap();
        let error = read(&path, SURVEY_FILE).unwrap_err().to_string();
        assert!(
            error.contains("more than a survey file may hold (64 MiB)"),
            "{error}"
        );
    }
}
