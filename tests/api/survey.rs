//! The survey: the calibrated edition reproduces every published figure; answers, aggregates
//! and imports of per-authority data behave as researchers expect.

use std::path::{Path, PathBuf};
use std::process::Command;

use dx_atlas::survey::{calibrate, catalogue::Catalogue, microdata, seed};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    reconcile_matches_every_published_figure,
    aggregates_show_structure_and_respect_universes,
    stored_answers_are_the_deterministic_generator_output,
    export_then_import_round_trips_and_still_reconciles,
    wide_csv_and_xlsx_import_with_a_mapping,
    bad_microdata_files_name_row_and_column_and_change_nothing,
    catalogue_is_browsable_by_section,
);

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/survey")
        .join(name)
}

const RECONCILE: &str = "{ reconcile { total matched allMatched provenance
    national { code published computed matched }
    figures { matched computed computedDenominator
      figure { indicator subject measure option group value denominator percent quote } } } }";

fn find<'a>(figures: &'a [Value], indicator: &str, subject: &str, option: &str) -> &'a Value {
    figures
        .iter()
        .find(|f| {
            f["figure"]["indicator"] == indicator
                && f["figure"]["subject"] == subject
                && f["figure"]["option"] == option
        })
        .unwrap_or_else(|| panic!("no figure {indicator} {subject} {option}"))
}

async fn reconcile_matches_every_published_figure(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let data = app.data(RECONCILE, json!({})).await;
    let r = &data["reconcile"];
    let unmatched: Vec<&Value> = r["figures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["matched"] != true)
        .collect();
    assert!(unmatched.is_empty(), "unmatched: {unmatched:#?}");
    assert_eq!(r["allMatched"], true);
    assert_eq!(r["provenance"], "CALIBRATED_SYNTHETIC");
    assert!(r["total"].as_i64().unwrap() >= 130, "{}", r["total"]);
    assert_eq!(r["national"][0]["computed"], 57.6);

    let figures = r["figures"].as_array().unwrap();
    for (indicator, subject, option, value, denominator) in [
        ("cio.appointed", "MUNICIPALITY", "yes", 1270, 1733),
        ("cio.appointed", "PREFECTURE", "yes", 43, 47),
        ("security.csirt", "MUNICIPALITY", "yes", 1397, 1741),
        ("gis.status", "MUNICIPALITY", "adopted", 1142, 1733),
        ("digital_divide.measures", "MUNICIPALITY", "yes", 1197, 1733),
    ] {
        let f = find(figures, indicator, subject, option);
        assert_eq!(f["figure"]["value"], value, "{indicator}");
        assert_eq!(f["computed"], value, "{indicator} computed");
        assert_eq!(
            f["computedDenominator"], denominator,
            "{indicator} denominator"
        );
    }
}

async fn aggregates_show_structure_and_respect_universes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let data = app
        .data(
            r#"{ aggregate(indicator: "cio.appointed", subject: MUNICIPALITY, groupBy: KIND) {
                   provenance groups { key asked respondents missing sum counts { option count rate } } }
                 nation: aggregate(indicator: "cio.appointed", subject: MUNICIPALITY) { groups { key respondents counts { option count } } }
                 tokyo: aggregate(indicator: "security.csirt", subject: MUNICIPALITY, groupBy: PREFECTURE) { groups { key asked respondents } }
                 staff: aggregate(indicator: "staff.dx_it_units", subject: PREFECTURE) { groups { sum } }
                 kanazawa: municipality(code: "17201") { cio: value(indicator: "cio.appointed") { options }
                                                         csirt: value(indicator: "security.csirt") { options provenance } } }"#,
            json!({}),
        )
        .await;
    let groups = data["aggregate"]["groups"].as_array().unwrap();
    let rate = |key: &str| {
        let g = groups.iter().find(|g| g["key"] == key).unwrap();
        assert_eq!(g["missing"], 0);
        g["counts"][0]["rate"].as_f64().unwrap()
    };
    assert!(
        rate("DESIGNATED_CITY") > rate("CITY") && rate("CITY") > rate("VILLAGE"),
        "{groups:?}"
    );
    let asked: i64 = groups.iter().map(|g| g["asked"].as_i64().unwrap()).sum();
    assert_eq!(asked, 1733);
    assert_eq!(data["nation"]["groups"][0]["counts"][0]["count"], 1270);
    let tokyo = data["tokyo"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "13")
        .unwrap();
    assert_eq!(tokyo["asked"], 62);
    assert_eq!(data["staff"]["groups"][0]["sum"], 2039);
    // Kanazawa is outside the 1,733 universe: no answer, not "no".
    assert!(data["kanazawa"]["cio"].is_null());
    assert_eq!(
        data["kanazawa"]["csirt"]["provenance"],
        "CALIBRATED_SYNTHETIC"
    );
}

fn digest(answers: &[dx_atlas::survey::answer::Answer]) -> String {
    let mut hasher = Sha256::new();
    for a in answers {
        hasher.update(format!(
            "{}|{}|{:?}|{:?}\n",
            a.question, a.respondent, a.option, a.amount
        ));
    }
    format!("{:x}", hasher.finalize())
}

async fn stored_answers_are_the_deterministic_generator_output(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalogue = Catalogue::r5().unwrap();
    let respondents = seed::respondents(&app.db).await.unwrap();
    let first = calibrate::generate(&catalogue, &respondents, calibrate::SEED).unwrap();
    let second = calibrate::generate(&catalogue, &respondents, calibrate::SEED).unwrap();
    assert_eq!(digest(&first), digest(&second));
    let stored = dx_atlas::survey::store::all_answers(&app.db, seed::R5)
        .await
        .unwrap();
    assert_eq!(
        digest(&stored),
        digest(&first),
        "the database holds exactly the generator's output"
    );
    let other = calibrate::generate(&catalogue, &respondents, calibrate::SEED + 1).unwrap();
    assert_ne!(digest(&other), digest(&first), "the seed matters");
}

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dx-atlas"))
        .args(args)
        .output()
        .unwrap()
}

async fn export_then_import_round_trips_and_still_reconciles(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let before = dx_atlas::survey::store::all_answers(&app.db, seed::R5)
        .await
        .unwrap();
    let export = run(&["export-survey", "--database-url", &app.database_url]);
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("answers.csv");
    assert!(String::from_utf8_lossy(&export.stdout)
        .starts_with("respondent,indicator,value,provenance,source,reference_date\n"));
    // As exported, every value says it is synthetic: not to be imported as the ministry's.
    std::fs::write(&file, &export.stdout).unwrap();
    let refused = run(&[
        "import-survey",
        "--database-url",
        &app.database_url,
        file.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    for part in [
        "row 2",
        "column `provenance`",
        "value `CALIBRATED_SYNTHETIC`",
    ] {
        assert!(stderr.contains(part), "`{part}` not in: {stderr}");
    }
    std::fs::write(&file, crate::helpers::long_format_only(&export.stdout)).unwrap();

    let import = run(&[
        "import-survey",
        "--database-url",
        &app.database_url,
        file.to_str().unwrap(),
    ]);
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    let after = dx_atlas::survey::store::all_answers(&app.db, seed::R5)
        .await
        .unwrap();
    assert_eq!(digest(&after), digest(&before));

    let data = app.data(RECONCILE, json!({})).await;
    assert_eq!(data["reconcile"]["allMatched"], true);
    assert_eq!(data["reconcile"]["provenance"], "OFFICIAL");
    let data = app
        .data("{ surveys { code provenance dataVersion } }", json!({}))
        .await;
    assert_eq!(data["surveys"][0]["dataVersion"], 2);
}

async fn wide_csv_and_xlsx_import_with_a_mapping(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let query = r#"{ sapporo: municipality(code: "01100") { gis: value(indicator: "gis.status") { options }
                       uses: value(indicator: "gis.uses") { options } staff: value(indicator: "staff.dx_it_units") { amount } }
                     shinjuku: municipality(code: "13104") { cio: value(indicator: "cio.appointed") { options provenance } }
                     okinawa: prefecture(code: "47") { uses: value(indicator: "gis.uses") { options } }
                     surveys { provenance } }"#;
    for (file, mapping) in [
        ("wide.csv", "wide-mapping.toml"),
        ("wide.xlsx", "wide-xlsx-mapping.toml"),
    ] {
        let report = microdata::import(&app.db, "R5", &fixture(file), Some(&fixture(mapping)))
            .await
            .unwrap();
        assert_eq!(report.respondents, 4, "{file}");
        let data = app.data(query, json!({})).await;
        assert_eq!(
            data["sapporo"]["gis"]["options"],
            json!(["adopted"]),
            "{file}"
        );
        assert_eq!(
            data["sapporo"]["uses"]["options"],
            json!(["roads"]),
            "{file}"
        );
        assert_eq!(data["sapporo"]["staff"]["amount"], 25, "{file}");
        assert_eq!(data["shinjuku"]["cio"]["options"], json!(["no"]), "{file}");
        assert_eq!(data["shinjuku"]["cio"]["provenance"], "OFFICIAL");
        assert_eq!(
            data["okinawa"]["uses"]["options"],
            json!([]),
            "answered, none ticked"
        );
        assert_eq!(data["surveys"][0]["provenance"], "OFFICIAL");
    }
    let report = microdata::import(&app.db, "R5", &fixture("long.csv"), None)
        .await
        .unwrap();
    assert_eq!(report.respondents, 3);
    let data = app
        .data(
            r#"{ municipality(code: "13104") { value(indicator: "gis.uses") { options } } }"#,
            json!({}),
        )
        .await;
    let mut uses: Vec<String> =
        serde_json::from_value(data["municipality"]["value"]["options"].clone()).unwrap();
    uses.sort();
    assert_eq!(uses, ["agriculture_forestry", "roads"]);
}

async fn bad_microdata_files_name_row_and_column_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let before = digest(
        &dx_atlas::survey::store::all_answers(&app.db, seed::R5)
            .await
            .unwrap(),
    );
    let cases: [(&str, Option<&str>, &[&str]); 6] = [
        (
            "bad-check-digit.csv",
            None,
            &[
                "row 3",
                "column `respondent`",
                "`131042`",
                "check digit",
                "131041",
            ],
        ),
        (
            "bad-option.csv",
            None,
            &["row 2", "column `value`", "`maybe`", "no option `maybe`"],
        ),
        (
            "outside-universe.csv",
            None,
            &["row 3", "17201", "outside the 1733"],
        ),
        (
            "orphan-follow-up.csv",
            None,
            &["row 3", "follow-up `cio.external_hire`"],
        ),
        ("bad-count.csv", None, &["row 2", "`-3`", "whole number"]),
        (
            "wide.csv",
            Some("bad-header-mapping.toml"),
            &["row 1", "column `CSIRT`", "no such column"],
        ),
    ];
    for (file, mapping, needles) in cases {
        let err = microdata::import(
            &app.db,
            "R5",
            &fixture(file),
            mapping.map(fixture).as_deref(),
        )
        .await
        .unwrap_err()
        .to_string();
        for needle in needles {
            assert!(err.contains(needle), "{file}: `{needle}` not in: {err}");
        }
        assert!(err.contains(file), "{err}");
    }
    let output = run(&[
        "import-survey",
        "--database-url",
        &app.database_url,
        fixture("bad-option.csv").to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("row 2"));
    let after = digest(
        &dx_atlas::survey::store::all_answers(&app.db, seed::R5)
            .await
            .unwrap(),
    );
    assert_eq!(after, before, "a failed import changed the answers");
    let data = app
        .data("{ surveys { provenance dataVersion } }", json!({}))
        .await;
    assert_eq!(data["surveys"][0]["provenance"], "CALIBRATED_SYNTHETIC");
    assert_eq!(data["surveys"][0]["dataVersion"], 1);
}

async fn catalogue_is_browsable_by_section(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let data = app
        .data(
            r#"{ surveys { code referenceDate provenance provenanceNote }
                 indicators(section: "1-1") { code type municipalUniverse hasData condition { indicator option } options { code labelJa } }
                 prefOnly: indicators(subject: PREFECTURE) { code asked }
                 ai: indicator(code: "ai.adopted") { referenceDate source municipalUniverse }
                 publishedFigures(section: "3-1-1") { indicator subject value denominator percent quote }
                 onlineProcedures { annualTotal onlineRatePercent } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["surveys"][0]["referenceDate"], "2023-04-01");
    assert!(data["surveys"][0]["provenanceNote"]
        .as_str()
        .unwrap()
        .contains("synthetic"));
    let indicators = data["indicators"].as_array().unwrap();
    let hire = indicators
        .iter()
        .find(|i| i["code"] == "cio.external_hire")
        .unwrap();
    assert_eq!(
        hire["condition"],
        json!({"indicator": "cio.appointed", "option": "yes"})
    );
    assert!(indicators
        .iter()
        .all(|i| i["code"].as_str().unwrap().contains('.')));
    assert!(data["prefOnly"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["asked"] != "MUNICIPALITIES"));
    assert_eq!(data["ai"]["referenceDate"], "2022-12-31");
    assert_eq!(data["ai"]["municipalUniverse"], 1741);
    let csirt = &data["publishedFigures"].as_array().unwrap();
    assert!(
        csirt
            .iter()
            .any(|f| f["value"] == 1397 && f["denominator"] == 1741),
        "{csirt:?}"
    );
    assert_eq!(data["onlineProcedures"].as_array().unwrap().len(), 59);
}
