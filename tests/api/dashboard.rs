//! Real answers: the Digital Agency's dashboard table imported as published, every value with
//! its source, and the synthetic values that remain drawn consistently around the real ones.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dx_atlas::survey::dashboard::{self, FILES, MUNICIPAL_FILE, MUNICIPAL_RATES_FILE};
use serde_json::{json, Value};

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    the_shared_table_imports_and_every_cell_is_served_with_its_source,
    follow_ups_stay_within_their_real_parents,
    provenance_and_credit_reach_every_download,
    broken_tables_are_refused_with_their_place_and_change_nothing,
    rates_are_served_as_published_and_agree_with_pandas,
    every_indicator_counts_its_official_and_synthetic_values,
    the_table_zip_imports_as_its_folder_does,
);

/// The folder of the shared dashboard files.
fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/dashboard")
}

/// Imports the shared table and waits until the server serves it.
async fn imported(backend: Backend) -> TestApp {
    let app = TestApp::spawn(backend).await;
    let report = dashboard::import(&app.db, "R5", Some(&shared()))
        .await
        .unwrap_or_else(|e| panic!("{}", e.detail()));
    assert!(!report.unchanged);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let data = app.data("{ surveys { provenance } }", json!({})).await;
        if data["surveys"][0]["provenance"] == "MIXED" {
            return app;
        }
        assert!(Instant::now() < deadline, "the import was not served");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The table read independently of DX Atlas: (row label, column position) → cell, with the
/// header's names; columns are the administered municipalities in code order.
pub fn table(file: &str) -> (Vec<String>, HashMap<String, Vec<String>>) {
    let text = std::fs::read_to_string(shared().join(file)).unwrap();
    let mut rows = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes())
        .into_records()
        .map(Result::unwrap);
    let header: Vec<String> = rows
        .next()
        .unwrap()
        .iter()
        .skip(2)
        .map(str::to_owned)
        .collect();
    let body = rows
        .map(|r| {
            (
                r[1].to_owned(),
                r.iter().skip(2).map(str::to_owned).collect(),
            )
        })
        .collect();
    (header, body)
}

async fn municipal_codes(app: &TestApp) -> Vec<String> {
    let data = app
        .data(
            "{ municipalities(first: 1000) { edges { node { code } } pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let mut codes: Vec<String> = data["municipalities"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["code"].as_str().unwrap().to_owned())
        .collect();
    let after = data["municipalities"]["pageInfo"]["endCursor"].clone();
    let data = app
        .data(
            "query($after: String) { municipalities(first: 1000, after: $after) { edges { node { code } } } }",
            json!({"after": after}),
        )
        .await;
    codes.extend(
        data["municipalities"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["code"].as_str().unwrap().to_owned()),
    );
    codes
}

// One scenario, read top to bottom: the import, then each way a value is served.
#[allow(clippy::too_many_lines)]
async fn the_shared_table_imports_and_every_cell_is_served_with_its_source(backend: Backend) {
    let app = imported(backend).await;
    let codes = municipal_codes(&app).await;
    assert_eq!(codes.len(), 1741);
    let (names, rows) = table(MUNICIPAL_FILE);
    // Every cell of CIOの任命, as the API serves it through a whole-country map's CSV.
    let csv = app.text("/choropleth.csv?indicator=cio.appointed").await;
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let served: HashMap<String, (String, String)> = reader
        .records()
        .map(Result::unwrap)
        .map(|r| (r[0].to_owned(), (r[2].to_owned(), r[6].to_owned())))
        .collect();
    let cio = &rows["CIOの任命"];
    let mut checked = 0;
    for (i, code) in codes.iter().enumerate() {
        let (value, provenance) = &served[code];
        match cio[i].as_str() {
            "実施" => assert_eq!(
                (value.as_str(), provenance.as_str()),
                ("yes", "OFFICIAL"),
                "{code} {}",
                names[i]
            ),
            "未実施" => assert_eq!(
                (value.as_str(), provenance.as_str()),
                ("no", "OFFICIAL"),
                "{code} {}",
                names[i]
            ),
            "調査無し" => assert_eq!(
                (value.as_str(), provenance.as_str()),
                ("", ""),
                "{code} {}",
                names[i]
            ),
            other => panic!("{code}: unexpected cell {other}"),
        }
        checked += 1;
    }
    assert_eq!(checked, 1741);
    // Picked by hand from the file: the two 伊達市 (Hokkaido 01233, Fukushima 07213) differ.
    let value = |code: &str, indicator: &str| {
        let app = &app;
        let query = format!(
            r#"{{ municipality(code: "{code}") {{ value(indicator: "{indicator}") {{ options provenance source referenceDate }} }} }}"#
        );
        async move { app.data(&query, json!({})).await["municipality"]["value"].clone() }
    };
    let hokkaido = value("01233", "dx_strategy.status").await;
    assert_ne!(hokkaido["options"][0], "adopted", "{hokkaido}");
    assert_eq!(
        hokkaido["provenance"], "CALIBRATED_SYNTHETIC",
        "which non-adopted status is synthetic"
    );
    let fukushima = value("07213", "dx_strategy.status").await;
    assert_eq!(fukushima["options"], json!(["adopted"]));
    assert_eq!(fukushima["provenance"], "OFFICIAL");
    assert_eq!(fukushima["source"], "digital-agency-dashboard");
    assert_eq!(fukushima["referenceDate"], "2023-04-01");
    // AI and RPA: real answers of a round whose date the file does not state.
    let ai = value("07213", "ai.adopted").await;
    assert_eq!(
        (ai["options"].clone(), ai["provenance"].clone()),
        (json!(["yes"]), json!("OFFICIAL"))
    );
    assert!(ai["referenceDate"].is_null(), "{ai}");
    assert_eq!(
        value("01233", "training.all_staff_courses").await,
        Value::Null,
        "not asked: no staff development"
    );
    assert_eq!(
        value("07213", "training.all_staff_courses").await["options"],
        json!(["no"])
    );
    // The eight left out after the Noto earthquake are outside the universe: no value.
    assert_eq!(value("17201", "cio.appointed").await, Value::Null);
    // Totals: the summary's 1,270 CIOs of municipalities and 43 of prefectures.
    let data = app
        .data(
            r#"{ m: aggregate(indicator: "cio.appointed", subject: MUNICIPALITY) { provenance groups { asked counts { option count } } }
                 p: aggregate(indicator: "cio.appointed", subject: PREFECTURE) { groups { counts { option count } } } }"#,
            json!({}),
        )
        .await;
    let count = |group: &Value, option: &str| {
        group["counts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["option"] == option)
            .unwrap()["count"]
            .clone()
    };
    assert_eq!(count(&data["m"]["groups"][0], "yes"), 1270);
    assert_eq!(
        data["m"]["provenance"], "OFFICIAL",
        "computed from official answers alone"
    );
    assert_eq!(data["m"]["groups"][0]["asked"], 1733);
    assert_eq!(count(&data["p"]["groups"][0], "yes"), 43);
    // Importing the same files again changes nothing.
    let again = dashboard::import(&app.db, "R5", Some(&shared()))
        .await
        .unwrap();
    assert!(again.unchanged);
    assert!(again.to_string().contains("nothing was changed"));
    // The edition lists its sources.
    let data = app
        .data(
            "{ surveys { sources { provenance answers source { code credit files } } } }",
            json!({}),
        )
        .await;
    let sources = data["surveys"][0]["sources"].as_array().unwrap();
    let dashboard = sources
        .iter()
        .find(|s| s["source"]["code"] == "digital-agency-dashboard")
        .unwrap();
    assert_eq!(dashboard["provenance"], "OFFICIAL");
    assert_eq!(dashboard["source"]["files"].as_array().unwrap().len(), 4);
    assert!(sources
        .iter()
        .any(|s| s["provenance"] == "CALIBRATED_SYNTHETIC"));
}

async fn follow_ups_stay_within_their_real_parents(backend: Backend) {
    let app = imported(backend).await;
    let (_, rows) = table(MUNICIPAL_FILE);
    let codes = municipal_codes(&app).await;
    let real = |label: &str| -> HashMap<String, String> {
        codes
            .iter()
            .cloned()
            .zip(rows[label].iter().cloned())
            .collect()
    };
    // Each follow-up with its real parent row and how many the real answers lead to.
    for (follow_up, parent, expected) in [
        ("cio.external_hire", "CIOの任命", 1270),
        ("cio_assistant.role", "CIO補佐官等の任命", 846),
        ("cio_assistant.external_use", "CIO補佐官等の任命", 846),
        ("dx_strategy.roadmap", "全体方針策定", 862),
        ("dx_strategy.kpi", "全体方針策定", 862),
        ("training.targeted_courses", "職員育成の取組", 1437),
    ] {
        let parent_cells = real(parent);
        let csv = app
            .text(&format!("/choropleth.csv?indicator={follow_up}"))
            .await;
        let mut answered = 0;
        for record in csv::Reader::from_reader(csv.as_bytes())
            .records()
            .map(Result::unwrap)
        {
            if !record[2].is_empty() {
                answered += 1;
                assert_eq!(
                    parent_cells[&record[0]], "実施",
                    "{follow_up} answered by {} whose real answer to {parent} is not 実施",
                    &record[0]
                );
                assert_eq!(&record[6], "CALIBRATED_SYNTHETIC");
            }
        }
        assert_eq!(
            answered, expected,
            "{follow_up}: everyone the real answers lead to answers it"
        );
    }
    // Every published figure is still reproduced where the real answers are of the same date;
    // those of CIO appointments from the real answers alone. AI and RPA differ, and say why.
    let data = app
        .data(
            "{ reconcile { figures { matched computedFrom note computed figure { indicator subject option value } } } }",
            json!({}),
        )
        .await;
    let mut explained = 0;
    for f in data["reconcile"]["figures"].as_array().unwrap() {
        let indicator = f["figure"]["indicator"].as_str().unwrap();
        if indicator == "cio.appointed" {
            assert_eq!(
                (f["matched"].clone(), f["computedFrom"].clone()),
                (json!(true), json!("OFFICIAL")),
                "{f}"
            );
        }
        if f["matched"] == false {
            assert!(
                indicator == "ai.adopted" || indicator == "rpa.adopted",
                "{f}"
            );
            let note = f["note"].as_str().unwrap_or_default();
            assert!(
                note.contains("a date the source does not state") && note.contains("2022-12-31"),
                "{f}"
            );
            explained += 1;
        } else {
            assert!(f["note"].is_null(), "{f}");
        }
    }
    // AI and RPA, municipalities and prefectures alike where their counts differ.
    assert!(explained >= 2, "{explained}");
}

async fn provenance_and_credit_reach_every_download(backend: Backend) {
    let app = imported(backend).await;
    let geojson: Value = app
        .get("/choropleth.geojson?indicator=cio.appointed")
        .await
        .json()
        .await
        .unwrap();
    let first = &geojson["features"][0]["properties"];
    assert_eq!(first["provenance"], "OFFICIAL", "{first}");
    let data = app
        .data(
            r#"{ official: choropleth(indicator: "cio.appointed") { provenance }
                 synthetic: choropleth(indicator: "gis.status") { provenance }
                 surveys { provenance } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["official"]["provenance"], "OFFICIAL");
    assert_eq!(data["synthetic"]["provenance"], "CALIBRATED_SYNTHETIC");
    assert_eq!(data["surveys"][0]["provenance"], "MIXED");
    let credits = geojson["credits"].as_array().unwrap();
    assert!(
        credits
            .iter()
            .any(|c| c.as_str().unwrap().contains("デジタル庁")),
        "{credits:?}"
    );
    assert!(
        credits
            .iter()
            .any(|c| c.as_str().unwrap().contains("国土数値情報")),
        "{credits:?}"
    );
    let synthetic: Value = app
        .get("/choropleth.geojson?indicator=gis.status")
        .await
        .json()
        .await
        .unwrap();
    let provenances: Vec<&Value> = synthetic["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["properties"]["provenance"])
        .filter(|p| !p.is_null())
        .collect();
    assert!(provenances.iter().all(|p| *p == "CALIBRATED_SYNTHETIC"));
    assert!(!synthetic["credits"].to_string().contains("デジタル庁"));
    let csv = app.text("/choropleth.csv?indicator=cio.appointed").await;
    assert!(
        csv.lines().next().unwrap().ends_with(",provenance,credit"),
        "{}",
        &csv[..200]
    );
    assert!(csv.lines().nth(1).unwrap().contains("デジタル庁"));
    let topojson: Value = app
        .get("/choropleth.topojson?indicator=cio.appointed")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        topojson["credits"].to_string().contains("デジタル庁"),
        "{}",
        topojson["credits"]
    );
}

/// Copies the shared files to a folder, letting `edit` change the municipal one's text.
fn altered(edit: impl Fn(&str) -> Vec<u8>) -> tempfile::TempDir {
    altered_file(MUNICIPAL_FILE, edit)
}

/// Copies the four shared files to a folder, letting `edit` change the text of `file`.
fn altered_file(file: &str, edit: impl Fn(&str) -> Vec<u8>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in FILES {
        let text = std::fs::read_to_string(shared().join(name)).unwrap();
        let bytes = if name == file {
            edit(&text)
        } else {
            text.into_bytes()
        };
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    dir
}

/// The text with every line's cells rearranged by `f`.
fn by_cells(text: &str, f: impl Fn(&mut Vec<&str>)) -> Vec<u8> {
    text.lines()
        .map(|line| {
            let mut cells: Vec<&str> = line.split(',').collect();
            f(&mut cells);
            cells.join(",")
        })
        .collect::<Vec<_>>()
        .join("\n")
        .into_bytes()
}

async fn broken_tables_are_refused_with_their_place_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let before = dx_atlas::survey::store::all_answers(&app.db, "R5")
        .await
        .unwrap();
    let version = dx_atlas::repo::version::current(&app.db).await.unwrap();
    for (what, dir, expected) in broken_municipal_tables() {
        let error = dashboard::import(&app.db, "R5", Some(dir.path()))
            .await
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(error.contains(MUNICIPAL_FILE), "{what}: {error}");
        for part in expected {
            assert!(error.contains(part), "{what}: `{part}` not in: {error}");
        }
    }
    let error = dashboard::import(
        &app.db,
        "R5",
        Some(
            altered_file(MUNICIPAL_RATES_FILE, |t| {
                t.replacen("転出届", "転出届（郵送）", 1).into_bytes()
            })
            .path(),
        ),
    )
    .await
    .map(|_| ())
    .unwrap_err()
    .to_string();
    for part in [MUNICIPAL_RATES_FILE, "column `2`", "value `転出届（郵送）`"] {
        assert!(error.contains(part), "`{part}` not in: {error}");
    }
    assert_eq!(
        dx_atlas::survey::store::all_answers(&app.db, "R5")
            .await
            .unwrap(),
        before
    );
    assert_eq!(
        dx_atlas::repo::version::current(&app.db).await.unwrap(),
        version
    );
}

/// Broken copies of the municipal comparison file: what is wrong, the folder, and what the
/// refusal must name.
fn broken_municipal_tables() -> Vec<(&'static str, tempfile::TempDir, Vec<&'static str>)> {
    vec![
        (
            "a column removed",
            altered(|t| {
                by_cells(t, |c| {
                    c.remove(100);
                })
            }),
            vec!["column `101`", "expected"],
        ),
        (
            "two columns swapped",
            altered(|t| by_cells(t, |c| c.swap(35, 36))),
            vec!["column `36`", "expected"],
        ),
        (
            "a renamed authority",
            altered(|t| t.replacen("函館市", "箱館市", 1).into_bytes()),
            vec!["column `4`", "箱館市", "expected 函館市"],
        ),
        (
            "an unknown value",
            altered(|t| t.replacen("実施,", "済,", 1).into_bytes()),
            vec!["row 2", "column `3 (札幌市)`", "value `済`"],
        ),
        (
            "an unknown row",
            altered(|t| t.replacen("CIOの任命", "CIOの任期", 1).into_bytes()),
            vec!["row 2", "column `2`", "value `CIOの任期`"],
        ),
        (
            "a row cut short",
            altered(|t| {
                let mut lines: Vec<String> = t.lines().map(str::to_owned).collect();
                let cells: Vec<&str> = lines[3].split(',').take(500).collect();
                lines[3] = cells.join(",");
                lines.join("\n").into_bytes()
            }),
            vec!["row 4", "498 cells", "1741 authorities"],
        ),
        ("a Shift_JIS copy", altered(shift_jis), vec!["not UTF-8"]),
        (
            "a share above 100%",
            altered(|t| t.replacen(",72%,", ",172%,", 1).into_bytes()),
            vec!["column `3 (札幌市)`", "value `172%`", "between 0% and 100%"],
        ),
        (
            "a count that is no number",
            altered(|t| {
                let mut lines: Vec<String> = t.lines().map(str::to_owned).collect();
                let mut cells: Vec<String> = lines[14].split(',').map(str::to_owned).collect();
                cells[2] = "二十四".into();
                lines[14] = cells.join(",");
                lines.join("\n").into_bytes()
            }),
            vec![
                "row 15",
                "column `3 (札幌市)`",
                "value `二十四`",
                "whole number",
            ],
        ),
        (
            "more procedures online than carried out",
            altered(|t| {
                let mut lines: Vec<String> = t.lines().map(str::to_owned).collect();
                let mut cells: Vec<String> = lines[15].split(',').map(str::to_owned).collect();
                cells[2] = "99".into();
                lines[15] = cells.join(",");
                lines.join("\n").into_bytes()
            }),
            vec!["01100", "99 procedures online"],
        ),
    ]
}

/// The text in Shift_JIS, as a spreadsheet program may re-save it: encoded here by Python's
/// codec, which the tests already use.
fn shift_jis(text: &str) -> Vec<u8> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("python3")
        .args(["-c", "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read().decode('utf-8').encode('cp932'))"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // cp932 has no BOM: a re-saved file has none.
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.trim_start_matches('\u{feff}').as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    output.stdout
}

/// What pandas reads from row `row` of the shared `file`, whose columns are `codes`.
fn pandas_reads(file: &str, row: &str, codes: &[String]) -> Value {
    let input = json!({"file": shared().join(file), "row": row, "codes": codes});
    crate::helpers::python_json("dashboard_reference.py", &["pandas"], &input)
}

/// The values of a whole-country map's CSV: code → (value, provenance).
async fn served(app: &TestApp, indicator: &str) -> HashMap<String, (String, String)> {
    let csv = app
        .text(&format!("/choropleth.csv?indicator={indicator}"))
        .await;
    csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(Result::unwrap)
        .map(|r| (r[0].to_owned(), (r[2].to_owned(), r[6].to_owned())))
        .collect()
}

async fn rates_are_served_as_published_and_agree_with_pandas(backend: Backend) {
    let app = imported(backend).await;
    let codes = municipal_codes(&app).await;
    let cases = [
        (
            MUNICIPAL_FILE,
            "マイナンバーカードの保有状況",
            "my_number_card.holding_rate",
        ),
        (
            MUNICIPAL_FILE,
            "よく使う32手続のオンライン化状況",
            "online_procedures.common_32.online_share",
        ),
        (MUNICIPAL_RATES_FILE, "転出届", "online_use.b.moving.1"),
    ];
    for (file, row, indicator) in cases {
        let reference = pandas_reads(file, row, &codes);
        let served = served(&app, indicator).await;
        for code in &codes {
            let (value, provenance) = &served[code];
            match reference["values"].get(code) {
                Some(expected) => {
                    let value: f64 = value.parse().unwrap();
                    assert_eq!(value, expected.as_f64().unwrap(), "{indicator} {code}");
                    assert_eq!(provenance, "OFFICIAL", "{indicator} {code}");
                }
                None => assert_eq!(value, "", "{indicator} {code}: no value published"),
            }
        }
        // The same means by prefecture as pandas, from the database's own averages.
        let data = app
            .data(
                "query($i: String!) { aggregate(indicator: $i, subject: MUNICIPALITY, groupBy: PREFECTURE) { provenance groups { key respondents missing meanRate } } }",
                json!({"i": indicator}),
            )
            .await;
        assert_eq!(data["aggregate"]["provenance"], "OFFICIAL", "{indicator}");
        let groups = data["aggregate"]["groups"].as_array().unwrap();
        let mut respondents = 0;
        for g in groups {
            respondents += g["respondents"].as_i64().unwrap();
            match reference["mean_by_prefecture"].get(g["key"].as_str().unwrap()) {
                Some(mean) => {
                    let ours = g["meanRate"].as_f64().unwrap();
                    assert!(
                        (ours - mean.as_f64().unwrap()).abs() < 1e-9,
                        "{indicator} {}: {ours} against pandas {mean}",
                        g["key"]
                    );
                }
                None => assert!(g["meanRate"].is_null(), "{indicator} {g}"),
            }
        }
        assert_eq!(respondents, reference["n"].as_i64().unwrap(), "{indicator}");
    }
    // Each of the 59 procedures names its indicator; the link reaches the served values.
    let data = app
        .data(
            r#"{ onlineProcedures { nameJa indicator } municipality(code: "13104") { value(indicator: "online_use.a.1") { rate provenance source referenceDate } } }"#,
            json!({}),
        )
        .await;
    let procedures = data["onlineProcedures"].as_array().unwrap();
    assert_eq!(procedures.len(), 59);
    assert!(procedures
        .iter()
        .any(|p| p["nameJa"] == "図書館の図書貸出予約等" && p["indicator"] == "online_use.a.1"));
    let shinjuku = &data["municipality"]["value"];
    let library = pandas_reads(MUNICIPAL_RATES_FILE, "図書館の図書貸出予約等", &codes);
    assert_eq!(shinjuku["rate"], library["values"]["13104"], "{shinjuku}");
    assert_eq!(shinjuku["provenance"], "OFFICIAL");
    assert_eq!(shinjuku["source"], "digital-agency-dashboard");
    assert!(
        shinjuku["referenceDate"].is_null(),
        "the file states no date"
    );
}

async fn every_indicator_counts_its_official_and_synthetic_values(backend: Backend) {
    let app = imported(backend).await;
    let codes = municipal_codes(&app).await;
    let (_, rows) = table(MUNICIPAL_FILE);
    let count = |label: &str, cell: &str| {
        i64::try_from(rows[label].iter().filter(|c| c.trim() == cell).count()).unwrap()
    };
    let coverage = |indicator: &str| {
        let app = &app;
        let query = format!(
            r#"{{ indicator(code: "{indicator}") {{ coverage {{ asked official synthetic missing }} }} }}"#
        );
        async move { app.data(&query, json!({})).await["indicator"]["coverage"].clone() }
    };
    // CIO: every one of the 1,733 asked is official.
    let cio = coverage("cio.appointed").await;
    assert_eq!(
        cio,
        json!({"asked": count("CIOの任命", "実施") + count("CIOの任命", "未実施"),
               "official": 1733, "synthetic": 0, "missing": 0})
    );
    // The strategy: adopted is official; which other status is drawn.
    let strategy = coverage("dx_strategy.status").await;
    assert_eq!(strategy["official"], count("全体方針策定", "実施"));
    assert_eq!(strategy["synthetic"], count("全体方針策定", "未実施"));
    // Card holding: all official; the 32 procedures' share: a bare % is no value.
    let card = pandas_reads(MUNICIPAL_FILE, "マイナンバーカードの保有状況", &codes);
    assert_eq!(
        coverage("my_number_card.holding_rate").await,
        json!({"asked": 1741, "official": card["n"], "synthetic": 0, "missing": card["blank"]})
    );
    let common = pandas_reads(MUNICIPAL_FILE, "よく使う32手続のオンライン化状況", &codes);
    assert!(
        common["blank"].as_i64().unwrap() > 0,
        "the file has bare % cells"
    );
    assert_eq!(
        coverage("online_procedures.common_32.online_share").await["missing"],
        common["blank"]
    );
    // CISO: the table does not give it; every value is synthetic.
    let ciso = coverage("ciso.appointed").await;
    assert_eq!(ciso["official"], 0);
    assert!(ciso["synthetic"].as_i64().unwrap() > 1000, "{ciso}");
}

async fn the_table_zip_imports_as_its_folder_does(backend: Backend) {
    use std::io::Write;
    let app = TestApp::spawn(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("table.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&archive).unwrap());
    // As an archiver writes it: the files in a folder of their own.
    for name in FILES {
        zip.start_file(
            format!("table_01/{name}"),
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        zip.write_all(&std::fs::read(shared().join(name)).unwrap())
            .unwrap();
    }
    zip.finish().unwrap();
    let report = dashboard::import(&app.db, "R5", Some(&archive))
        .await
        .unwrap_or_else(|e| panic!("{}", e.detail()));
    assert!(!report.unchanged);
    assert_eq!(report.files.len(), 4);
    // The same four files: the folder's import finds nothing to change.
    let again = dashboard::import(&app.db, "R5", Some(&shared()))
        .await
        .unwrap();
    assert!(again.unchanged, "{again}");
    // An archive without one of them is refused by name.
    let partial = dir.path().join("partial.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&partial).unwrap());
    zip.start_file(MUNICIPAL_FILE, zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(&std::fs::read(shared().join(MUNICIPAL_FILE)).unwrap())
        .unwrap();
    zip.finish().unwrap();
    let error = dashboard::import(&app.db, "R5", Some(&partial))
        .await
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("partial.zip")
            && error.contains(&format!("the archive holds no {}", FILES[1])),
        "{error}"
    );
}
