//! What municipalities are called: readings, websites and town-hall points (localgovjp),
//! romanised names (jp-prefecture), and the folding that lets one search box find a
//! municipality by kanji, kana or romaji.

use std::collections::BTreeMap;
use std::path::Path;

use unicode_normalization::UnicodeNormalization;

use crate::domain::AuthorityCode;
use crate::error::DataFileError;

/// One municipality's names, as the two files give them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Names {
    /// Reading in hiragana.
    pub kana: Option<String>,
    /// Romanised name.
    pub romaji: Option<String>,
    /// Official website.
    pub website: Option<String>,
    /// Town hall (latitude, longitude).
    pub town_hall: Option<(f64, f64)>,
}

/// The readings file of localgovjp (UTF-8 with BOM).
pub const READINGS_FILE: &str = "localgovjp-utf8.csv";
/// The romanised names of jp-prefecture.
pub const ROMAJI_FILE: &str = "jp_prefecture-cities.csv";

fn refuse(file: &Path, row: usize, column: &str, value: &str, reason: &str) -> DataFileError {
    DataFileError::at(file, Some(row), Some(column), Some(value), reason)
}

/// CSV rows of a UTF-8 file with a header, each with its header-named cells and row number.
fn rows(
    file: &Path,
    bytes: &[u8],
    wanted: &[&str],
) -> Result<Vec<(usize, Vec<String>)>, DataFileError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        DataFileError::at(file, None, None, None, format!("is not UTF-8 text: {e}"))
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header = reader
        .headers()
        .map_err(|e| refuse(file, 1, "", "", &format!("is not CSV: {e}")))?
        .clone();
    let positions = wanted
        .iter()
        .map(|w| {
            header
                .iter()
                .position(|h| h.trim() == *w)
                .ok_or_else(|| refuse(file, 1, w, "", "the header lacks this column"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = record.map_err(|e| refuse(file, line, "", "", &format!("is not CSV: {e}")))?;
        out.push((
            line,
            positions
                .iter()
                .map(|p| record.get(*p).unwrap_or_default().trim().to_owned())
                .collect(),
        ));
    }
    Ok(out)
}

/// A coordinate within Japan's extent, or the refusal naming it.
fn coordinate(
    file: &Path,
    line: usize,
    column: &str,
    text: &str,
    range: std::ops::RangeInclusive<f64>,
) -> Result<f64, DataFileError> {
    text.parse::<f64>()
        .ok()
        .filter(|v| range.contains(v))
        .ok_or_else(|| {
            refuse(
                file,
                line,
                column,
                text,
                &format!(
                    "is not a coordinate within Japan ({} to {})",
                    range.start(),
                    range.end()
                ),
            )
        })
}

/// Reads localgovjp's readings, websites and town halls, and jp-prefecture's romanised names,
/// by five-digit code. Wards of designated cities are read too; the caller keeps what it
/// stores.
pub fn parse(
    readings: (&Path, &[u8]),
    romaji: (&Path, &[u8]),
) -> Result<BTreeMap<AuthorityCode, Names>, DataFileError> {
    let mut out: BTreeMap<AuthorityCode, Names> = BTreeMap::new();
    let (file, bytes) = readings;
    for (line, cells) in rows(file, bytes, &["lgcode", "citykana", "lat", "lng", "url"])? {
        let code = AuthorityCode::parse(&cells[0])
            .map_err(|e| refuse(file, line, "lgcode", &cells[0], &e.to_string()))?;
        let entry = out.entry(code).or_default();
        // Wards are written after their city, separated by a space: `さっぽろし ちゅうおうく`.
        entry.kana = Some(cells[1].replace([' ', '\u{3000}'], "")).filter(|k| !k.is_empty());
        if !cells[2].is_empty() || !cells[3].is_empty() {
            entry.town_hall = Some((
                coordinate(file, line, "lat", &cells[2], 20.0..=46.0)?,
                coordinate(file, line, "lng", &cells[3], 122.0..=154.0)?,
            ));
        }
        entry.website = Some(cells[4].clone()).filter(|u| u.starts_with("http"));
    }
    let (file, bytes) = romaji;
    for (line, cells) in rows(file, bytes, &["cityCode", "cityAlphabet"])? {
        let code = AuthorityCode::parse(&cells[0])
            .map_err(|e| refuse(file, line, "cityCode", &cells[0], &e.to_string()))?;
        out.entry(code).or_default().romaji = Some(cells[1].clone()).filter(|r| !r.is_empty());
    }
    Ok(out)
}

/// Characters written two ways in place names, folded to one so either spelling finds the
/// place (檮原町 is also written 梼原町; 﨑 and 髙 are the "ladder" forms of 崎 and 高).
const VARIANTS: [(char, char); 16] = [
    ('檮', '梼'),
    ('﨑', '崎'),
    ('嵜', '崎'),
    ('髙', '高'),
    ('德', '徳'),
    ('檜', '桧'),
    ('龍', '竜'),
    ('鰺', '鯵'),
    ('邊', '辺'),
    ('邉', '辺'),
    ('澤', '沢'),
    ('嶋', '島'),
    ('濱', '浜'),
    ('冨', '富'),
    ('舘', '館'),
    ('ヶ', 'ケ'),
];

/// Latin vowels with a macron or circumflex, as Hepburn writes long vowels (Chūō): folded to
/// the plain vowel, as jp-prefecture writes them (Chuo).
const LONG_VOWELS: [(char, char); 10] = [
    ('ā', 'a'),
    ('ī', 'i'),
    ('ū', 'u'),
    ('ē', 'e'),
    ('ō', 'o'),
    ('â', 'a'),
    ('î', 'i'),
    ('û', 'u'),
    ('ê', 'e'),
    ('ô', 'o'),
];

/// A name folded for search: full and half width unified (NFKC), katakana as hiragana, Latin
/// in lower case without long-vowel marks, spelling variants unified, and spaces, hyphens and
/// middle dots dropped. `Ｓｈｉｎｊｕｋｕ`, `shinjuku`, `シンジュク` and `しんじゅく` fold
/// to the start of the same keys.
pub fn fold(text: &str) -> String {
    text.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '‐' | '－' | '・' | '\'' | '’'))
        .map(|c| {
            let c = VARIANTS
                .iter()
                .chain(LONG_VOWELS.iter())
                .find(|(from, _)| *from == c)
                .map_or(c, |(_, to)| *to);
            // Katakana ァ..ヶ sit 0x60 above their hiragana.
            if ('\u{30a1}'..='\u{30f6}').contains(&c) {
                char::from_u32(c as u32 - 0x60).unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

/// The search keys of a municipality: its folded name, reading and romanised name, each after
/// a newline, so that a prefix search is `LIKE '%\n' || fold(query) || '%'`. A romanised name
/// with its county or city first (`Yaeyama-gun Yonaguni-cho`) is also keyed from each word,
/// so `Yonaguni` finds it.
pub fn search_keys(name: &str, names: &Names) -> String {
    let romaji = names.romaji.as_deref().unwrap_or_default();
    let words: Vec<&str> = romaji.split_whitespace().collect();
    let mut keys = String::new();
    for form in std::iter::once(name.to_owned())
        .chain(names.kana.clone())
        .chain((0..words.len()).map(|i| words[i..].join(" ")))
    {
        keys.push('\n');
        keys.push_str(&fold(&form));
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_unifies_width_script_case_and_variants() {
        assert_eq!(fold("Shinjuku-ku"), "shinjukuku");
        assert_eq!(fold("Ｓｈｉｎｊｕｋｕ"), "shinjuku");
        assert_eq!(fold("シンジュク"), "しんじゅく");
        assert_eq!(fold("ｼﾝｼﾞｭｸ"), "しんじゅく");
        assert_eq!(fold("檮原町"), fold("梼原町"));
        assert_eq!(fold("龍ヶ崎市"), fold("竜ケ崎市"));
        assert_eq!(fold("Chūō"), "chuo");
    }

    #[test]
    fn reads_both_files_by_code() {
        let readings = "\u{feff}pid,pref,cid,city,citykana,lat,lng,url,phrase,lgcode\n\
            13,東京都,13104,新宿区,しんじゅくく,35.69,139.70,https://www.city.shinjuku.lg.jp/,x,131041\n";
        let romaji = ",prefCode,cityCode,cityName,cityAlphabet,latitude,longitude,bigCityFlag\n\
            0,13,13104,新宿区,Shinjuku-ku,35.69,139.70,0\n";
        let names = parse(
            (Path::new("r.csv"), readings.as_bytes()),
            (Path::new("a.csv"), romaji.as_bytes()),
        )
        .unwrap();
        let n = &names[&AuthorityCode::parse("13104").unwrap()];
        assert_eq!(n.kana.as_deref(), Some("しんじゅくく"));
        assert_eq!(n.romaji.as_deref(), Some("Shinjuku-ku"));
        assert_eq!(n.town_hall, Some((35.69, 139.70)));
        assert_eq!(
            search_keys("新宿区", n),
            "\n新宿区\nしんじゅくく\nshinjukuku"
        );
    }

    #[test]
    fn a_romanised_name_is_found_from_each_word() {
        let names = Names {
            romaji: Some("Yaeyama-gun Yonaguni-cho".into()),
            ..Names::default()
        };
        assert_eq!(
            search_keys("与那国町", &names),
            "\n与那国町\nyaeyamagunyonagunicho\nyonagunicho"
        );
    }

    #[test]
    fn a_bad_check_digit_or_coordinate_is_named() {
        let romaji = ",prefCode,cityCode,cityName,cityAlphabet\n";
        let bad =
            "pid,pref,cid,city,citykana,lat,lng,url,phrase,lgcode\n1,x,1,x,x,35,139,u,p,131049\n";
        let e = parse(
            (Path::new("r.csv"), bad.as_bytes()),
            (Path::new("a.csv"), romaji.as_bytes()),
        )
        .unwrap_err();
        assert!(e
            .to_string()
            .starts_with("r.csv, row 2, column `lgcode`, value `131049`"));
        let bad =
            "pid,pref,cid,city,citykana,lat,lng,url,phrase,lgcode\n1,x,1,x,x,135,39,u,p,131041\n";
        let e = parse(
            (Path::new("r.csv"), bad.as_bytes()),
            (Path::new("a.csv"), romaji.as_bytes()),
        )
        .unwrap_err();
        assert!(e.to_string().contains("column `lat`, value `135`"));
    }
}
