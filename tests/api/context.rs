//! The context researchers join: SSDSE-A's statistics with their year, unit and source, the
//! derived ones, names and search, population bands and relationships, each checked against
//! pandas and scipy reading the same file.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::helpers::{first_error, shared_data, Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    statistics_are_served_with_year_unit_and_source_as_pandas_reads_them,
    a_bad_statistics_file_is_refused_by_row_and_column_and_changes_nothing,
    search_finds_by_kanji_kana_and_romaji,
    population_bands_partition_the_municipalities_as_pandas_does,
    relationships_agree_with_scipy,
    per_maps_divide_counts_by_a_statistic_as_pandas_does,
    a_statistic_is_mapped_and_analysed_like_an_indicator,
    prefecture_shares_weighted_by_population_agree_with_pandas,
    bivariate_maps_class_both_variables_in_tertiles_as_mapclassify,
    counts_per_resident_by_population_band_agree_with_pandas,
    dx_staff_per_resident_correlates_with_ageing_as_scipy_says,
    crosstabs_of_the_dashboard_agree_with_pandas_and_scipy,
    bad_context_arguments_are_refused_with_their_code,
    a_population_band_filters_a_map_as_pandas_bands_the_municipalities,
);

const SSDSE: &str = "ssdse/SSDSE-A-2025.csv";

/// What pandas and scipy make of the SSDSE file (tests/reference/context_reference.py).
fn reference(request: Value) -> Value {
    let mut request = request;
    request["file"] = json!(shared_data().join(SSDSE));
    crate::helpers::python_json(
        "context_reference.py",
        &["pandas", "scipy", "mapclassify"],
        &request,
    )
}

/// Every administered municipality's value of `statistic`, through GraphQL, two pages.
async fn served(app: &TestApp, statistic: &str) -> HashMap<String, Option<f64>> {
    let query = "query($s: String!, $after: String) { municipalities(first: 1000, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { code statistic(code: $s) { value } } } } }";
    let mut out = HashMap::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .data(query, json!({"s": statistic, "after": after}))
            .await;
        let page = &data["municipalities"];
        for edge in page["edges"].as_array().unwrap() {
            out.insert(
                edge["node"]["code"].as_str().unwrap().to_owned(),
                edge["node"]["statistic"]["value"].as_f64(),
            );
        }
        if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            return out;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

async fn statistics_are_served_with_year_unit_and_source_as_pandas_reads_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let data = app
        .data(
            "{ statistics { code label unit year formula municipalities }
               statistic(code: \"A1101\") { label unit year source { code credit files } } }",
            json!({}),
        )
        .await;
    let list = data["statistics"].as_array().unwrap();
    assert_eq!(
        list.len(),
        125 + 6,
        "125 published and 6 derived statistics"
    );
    assert!(
        list.iter().all(|s| s["unit"].is_string()),
        "every SSDSE variable's unit is told from its label"
    );
    let a1101 = &data["statistic"];
    assert_eq!(a1101["label"], "総人口");
    assert_eq!(a1101["unit"], "人");
    assert_eq!(a1101["year"], 2020);
    assert_eq!(a1101["source"]["code"], "nstac-ssdse-a");
    assert!(a1101["source"]["credit"]
        .as_str()
        .unwrap()
        .contains("統計センター"));
    assert!(a1101["source"]["files"][0]
        .as_str()
        .unwrap()
        .starts_with("b91497de"));
    let density = list.iter().find(|s| s["code"] == "density").unwrap();
    assert_eq!(
        density["year"], 2023,
        "the later of 2020 population, 2023 area"
    );
    assert!(density["formula"].as_str().unwrap().contains("B1101"));

    let codes = [
        "A1101",
        "D1202",
        "D2203",
        "share_65_plus",
        "density",
        "staff_per_1000",
    ];
    let pandas = reference(json!({"statistics": codes}));
    for code in codes {
        let ours = served(&app, code).await;
        let theirs = pandas["values"][code].as_object().unwrap();
        // 双葉町 (07546) had no residents in the 2020 census: a ratio over its population has
        // no value, for pandas (NaN) as for DX Atlas.
        let expected_len = if code.contains('_') { 1740 } else { 1741 };
        assert_eq!(theirs.len(), expected_len, "{code}: what pandas reads");
        for (municipality, value) in &ours {
            match (theirs.get(municipality), value) {
                (Some(expected), Some(got)) => {
                    let expected = expected.as_f64().unwrap();
                    assert!(
                        close(*got, expected),
                        "{code} of {municipality}: {got} vs pandas {expected}"
                    );
                }
                (None, None) => {}
                (expected, got) => {
                    panic!("{code} of {municipality}: {got:?} vs pandas {expected:?}")
                }
            }
        }
        assert_eq!(ours.len(), 1741, "{code}: every municipality answers");
    }
}

/// Why `import-statistics` refuses the file at `path`.
async fn refusal(app: &TestApp, path: &std::path::Path) -> String {
    dx_atlas::context::store::import_statistics(&app.db, path)
        .await
        .unwrap_err()
        .to_string()
}

async fn a_bad_statistics_file_is_refused_by_row_and_column_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let original = std::fs::read(shared_data().join(SSDSE)).unwrap();
    let (text, _, _) = encoding_rs::SHIFT_JIS.decode(&original);
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(text);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    // Row 4 is 札幌市: its population becomes text.
    let not_a_number = write(
        "a.csv",
        &text.replacen(
            "R01100,北海道,札幌市,1973395",
            "R01100,北海道,札幌市,many",
            1,
        ),
    );
    let error = refusal(&app, &not_a_number).await;
    assert!(
        error.ends_with("a.csv, row 4, column `A1101`, value `many`: is not a number"),
        "{error}"
    );
    let unknown = write(
        "b.csv",
        &text.replacen("R01100,北海道,札幌市", "R01199,北海道,札幌市", 1),
    );
    let error = refusal(&app, &unknown).await;
    assert!(
        error.contains("row 4, column `地域コード`, value `R01199`"),
        "{error}"
    );
    let shifted = write(
        "c.csv",
        &text.replacen("R01100,北海道,札幌市", "R01100,青森県,札幌市", 1),
    );
    let error = refusal(&app, &shifted).await;
    assert!(
        error.contains("column `都道府県`, value `青森県`: municipality 01100 lies in 北海道"),
        "{error}"
    );

    let sapporo = "{ municipality(code: \"01100\") { statistic(code: \"A1101\") { value } } }";
    let data = app.data(sapporo, json!({})).await;
    assert_eq!(data["municipality"]["statistic"]["value"], 1973395.0);
    let again = dx_atlas::context::store::import_statistics(&app.db, &shared_data().join(SSDSE))
        .await
        .unwrap();
    assert!(again.unchanged, "the same file again changes nothing");
}

async fn search_finds_by_kanji_kana_and_romaji(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let query = "query($q: String!) { municipalities(filter: { search: $q }, first: 50) {
        edges { node { code name nameKana nameRomaji website townHall { lon lat } } } } }";
    let codes = |data: &Value| -> Vec<String> {
        data["municipalities"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["code"].as_str().unwrap().to_owned())
            .collect()
    };
    for (q, code) in [
        ("新宿", "13104"),
        ("しんじゅく", "13104"),
        ("シンジュク", "13104"),
        ("ｼﾝｼﾞｭｸ", "13104"),
        ("Shinjuku", "13104"),
        ("ＳＨＩＮＪＵＫＵ", "13104"),
        ("檮原", "39405"),
        ("梼原", "39405"),
        ("Yonaguni", "47382"),
    ] {
        let data = app.data(query, json!({"q": q})).await;
        assert!(
            codes(&data).contains(&code.to_owned()),
            "{q} finds {code}: {data}"
        );
    }
    let data = app.data(query, json!({"q": "しんじゅく"})).await;
    let shinjuku = &data["municipalities"]["edges"][0]["node"];
    assert_eq!(shinjuku["nameKana"], "しんじゅくく");
    assert_eq!(shinjuku["nameRomaji"], "Shinjuku-ku");
    assert!(shinjuku["website"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    assert!((shinjuku["townHall"]["lat"].as_f64().unwrap() - 35.69).abs() < 0.01);
    // A prefix, not a substring: 宿 alone is not the start of 新宿区.
    let data = app.data(query, json!({"q": "じゅく"})).await;
    assert!(!codes(&data).contains(&"13104".to_owned()));
    // `%` and `_` are taken literally.
    let data = app.data(query, json!({"q": "%"})).await;
    assert!(codes(&data).is_empty());
}

async fn population_bands_partition_the_municipalities_as_pandas_does(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let query = "query($bands: [Int!]) {
        banded: aggregate(indicator: \"cio.appointed\", subject: MUNICIPALITY,
                          groupBy: POPULATION_BAND, bands: $bands) {
          groups { key asked respondents counts { option count } } }
        nation: aggregate(indicator: \"cio.appointed\", subject: MUNICIPALITY) {
          groups { key asked respondents counts { option count } } } }";
    for bands in [json!(null), json!([5000, 20000, 1000000])] {
        let data = app.data(query, json!({"bands": bands})).await;
        let thresholds = if bands.is_null() {
            json!([10000, 50000, 100000, 300000])
        } else {
            bands.clone()
        };
        let pandas = reference(json!({"bands": thresholds}));
        let groups = data["banded"]["groups"].as_array().unwrap();
        let keys: Vec<&str> = groups.iter().map(|g| g["key"].as_str().unwrap()).collect();
        let counts = pandas["band_counts"].as_object().unwrap();
        assert_eq!(keys.len(), counts.len(), "{keys:?} vs {counts:?}");
        let nation = &data["nation"]["groups"][0];
        let mut asked = 0;
        let mut yes = 0;
        for g in groups {
            let key = g["key"].as_str().unwrap();
            // cio.appointed is asked of the 1,733 surveyed; pandas counts all 1,741 by band.
            let in_band = counts[key].as_i64().unwrap();
            assert!(g["asked"].as_i64().unwrap() <= in_band, "{key}");
            assert!(in_band - g["asked"].as_i64().unwrap() <= 8, "{key}");
            asked += g["asked"].as_i64().unwrap();
            yes += g["counts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["option"] == "yes")
                .map_or(0, |c| c["count"].as_i64().unwrap());
        }
        assert_eq!(
            asked,
            nation["asked"].as_i64().unwrap(),
            "bands partition the asked"
        );
        let nation_yes = nation["counts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["option"] == "yes")
            .unwrap()["count"]
            .as_i64()
            .unwrap();
        assert_eq!(yes, nation_yes, "bands partition the answers");
    }
}

async fn relationships_agree_with_scipy(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let query = "query($x: VariableInput!, $y: VariableInput!, $m: CorrelationMethod!) {
        relationship(x: $x, y: $y, method: $m) {
          coefficient n pValue syntheticPairs credits
          x { label unit n sources } y { label n sources }
          leftOut { noX noY neither } pairs { code x y provenance } } }";
    let staff = json!({"statistic": "staff_per_1000"});
    let ageing = json!({"statistic": "share_65_plus"});
    let pandas = reference(json!({"statistics": ["staff_per_1000", "share_65_plus"]}));
    let (px, py) = (
        pandas["values"]["staff_per_1000"].as_object().unwrap(),
        pandas["values"]["share_65_plus"].as_object().unwrap(),
    );
    let mut codes: Vec<&String> = px.keys().filter(|c| py.contains_key(*c)).collect();
    codes.sort();
    let xs: Vec<f64> = codes.iter().map(|c| px[*c].as_f64().unwrap()).collect();
    let ys: Vec<f64> = codes.iter().map(|c| py[*c].as_f64().unwrap()).collect();
    let scipy = reference(json!({"correlate": [{"x": xs, "y": ys}]}));
    for (method, key) in [("PEARSON", "pearson"), ("SPEARMAN", "spearman")] {
        let data = app
            .data(query, json!({"x": staff, "y": ageing, "m": method}))
            .await;
        let r = &data["relationship"];
        assert_eq!(r["n"], json!(codes.len()));
        let expected = &scipy["correlations"][0][key];
        let (coefficient, p) = (expected[0].as_f64().unwrap(), expected[1].as_f64().unwrap());
        assert!(
            (r["coefficient"].as_f64().unwrap() - coefficient).abs() < 1e-12,
            "{method}: {} vs scipy {coefficient}",
            r["coefficient"]
        );
        let ours = r["pValue"].as_f64().unwrap();
        assert!(
            (ours - p).abs() <= 1e-9 * p.max(1e-300) || (ours - p).abs() < 1e-15,
            "{method} p-value: {ours} vs scipy {p}"
        );
        assert_eq!(r["syntheticPairs"], 0, "both statistics are official");
        assert_eq!(r["x"]["sources"], json!(["nstac-ssdse-a"]));
        assert_eq!(r["x"]["unit"], "人/千人");
    }

    // An indicator against a statistic: the pairs are ours, the coefficient scipy's on them.
    let data = app
        .data(
            query,
            json!({"x": {"indicator": "cio.appointed"}, "y": ageing, "m": "PEARSON"}),
        )
        .await;
    let r = &data["relationship"];
    let pairs = r["pairs"].as_array().unwrap();
    for p in pairs.iter().take(50) {
        let code = p["code"].as_str().unwrap();
        assert!(close(p["y"].as_f64().unwrap(), py[code].as_f64().unwrap()));
    }
    let xs: Vec<f64> = pairs.iter().map(|p| p["x"].as_f64().unwrap()).collect();
    let ys: Vec<f64> = pairs.iter().map(|p| p["y"].as_f64().unwrap()).collect();
    let scipy = reference(json!({"correlate": [{"x": xs, "y": ys}]}));
    let expected = scipy["correlations"][0]["pearson"][0].as_f64().unwrap();
    assert!((r["coefficient"].as_f64().unwrap() - expected).abs() < 1e-12);
    // The 1,733 surveyed but 双葉町, which had no residents in 2020, so no share aged 65+.
    assert_eq!(r["n"], 1732);
    assert_eq!(r["leftOut"]["noY"], 1);
    assert_eq!(
        r["leftOut"]["noX"], 8,
        "the eight not surveyed after the Noto earthquake"
    );
    assert_eq!(
        r["syntheticPairs"], 1732,
        "the template's answers are calibrated synthetic, and the answer says so"
    );
    assert_eq!(r["x"]["unit"], "0/1");
    assert_eq!(
        r["credits"].as_array().unwrap().len(),
        1,
        "SSDSE's credit line"
    );
}

/// A map's CSV download: code → value (empty for missing).
async fn map_values(app: &TestApp, query: &str) -> HashMap<String, String> {
    let csv = app.text(&format!("/choropleth.csv?{query}")).await;
    csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(Result::unwrap)
        .map(|r| (r[0].to_owned(), r[2].to_owned()))
        .collect()
}

/// A map's values where it has one, each read by `read`, for pandas to compute from.
fn answered(
    values: &HashMap<String, String>,
    read: impl Fn(&str) -> Value,
) -> serde_json::Map<String, Value> {
    values
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(c, v)| (c.clone(), read(v)))
        .collect()
}

/// Every served value equals pandas' where pandas has one, and is missing where it has none;
/// returns how many were compared.
fn agrees_with_pandas(
    served: &HashMap<String, String>,
    pandas: &serde_json::Map<String, Value>,
) -> usize {
    let mut compared = 0;
    for (code, value) in served {
        match pandas.get(code) {
            Some(expected) => {
                let got: f64 = value.parse().unwrap();
                let expected = expected.as_f64().unwrap();
                assert!(close(got, expected), "{code}: {got} vs pandas {expected}");
                compared += 1;
            }
            None => assert!(value.is_empty(), "{code}: {value} where pandas has none"),
        }
    }
    compared
}

async fn per_maps_divide_counts_by_a_statistic_as_pandas_does(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let counts = map_values(&app, "indicator=staff.dx_it_units").await;
    let per = map_values(&app, "indicator=staff.dx_it_units&per=A1101&scale=10000").await;
    let given = answered(&counts, |v| json!(v.parse::<f64>().unwrap()));
    let pandas = reference(json!({"divide": {"values": given, "by": "A1101", "scale": 10000}}));
    let divided = pandas["divided"].as_object().unwrap();
    assert!(divided.len() > 1000, "most municipalities have a count");
    agrees_with_pandas(&per, divided);
    let data = app
        .data(
            "{ choropleth(indicator: \"staff.dx_it_units\", per: \"A1101\", scale: 10000) {
                per { statistic label unit year scale undivided } downloads { csv } } }",
            json!({}),
        )
        .await;
    let described = &data["choropleth"]["per"];
    assert_eq!(described["label"], "総人口");
    assert_eq!(described["year"], 2020);
    assert_eq!(described["scale"], 10000.0);
    let csv_link = data["choropleth"]["downloads"]["csv"].as_str().unwrap();
    assert!(
        csv_link.contains("per=A1101") && csv_link.contains("scale=10000"),
        "{csv_link}"
    );
    let document = app
        .text("/choropleth.geojson?indicator=staff.dx_it_units&per=A1101&scale=10000")
        .await;
    let document: Value = serde_json::from_str(&document).unwrap();
    assert_eq!(document["per"]["statistic"], "A1101");
    assert!(document["credits"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c.as_str().unwrap().contains("統計センター")));
}

async fn a_statistic_is_mapped_and_analysed_like_an_indicator(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let served = map_values(&app, "indicator=share_65_plus").await;
    let pandas = reference(json!({"statistics": ["share_65_plus"]}));
    let theirs = pandas["values"]["share_65_plus"].as_object().unwrap();
    assert_eq!(agrees_with_pandas(&served, theirs), 1740);
    let data = app
        .data(
            "{ choropleth(indicator: \"share_65_plus\", classes: 4) {
                provenance provenanceNote statistics { n } legend { count } }
               spatialAutocorrelation(indicator: \"share_65_plus\", permutations: 0) {
                provenance sources n moranI } }",
            json!({}),
        )
        .await;
    let map = &data["choropleth"];
    assert_eq!(map["provenance"], "OFFICIAL");
    assert!(map["provenanceNote"].as_str().unwrap().contains("SSDSE"));
    assert_eq!(map["statistics"]["n"], 1740);
    let moran = &data["spatialAutocorrelation"];
    assert_eq!(moran["provenance"], "OFFICIAL");
    assert_eq!(moran["sources"], json!(["nstac-ssdse-a"]));
    assert!(
        moran["moranI"].as_f64().unwrap() > 0.3,
        "ageing clusters: {moran}"
    );
    let document: Value = serde_json::from_str(
        &app.text("/choropleth.geojson?indicator=share_65_plus")
            .await,
    )
    .unwrap();
    assert_eq!(document["indicator"]["type"], "STATISTIC");
    assert_eq!(document["indicator"]["unit"], "%");
    assert!(
        document.get("edition").is_none(),
        "a statistic has no survey edition"
    );
}

async fn prefecture_shares_weighted_by_population_agree_with_pandas(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let municipal = map_values(&app, "indicator=cio.appointed&option=yes").await;
    let given = answered(&municipal, |v| json!(u8::from(v == "yes")));
    assert!(
        given.len() > 1700,
        "the municipal map reads yes or no: {given:?}"
    );
    let pandas = reference(json!({"weighted": {"values": given, "by": "A1101"}}));
    let expected = pandas["weighted"].as_object().unwrap();
    let weighted = map_values(
        &app,
        "indicator=cio.appointed&option=yes&level=PREFECTURE&prefectureValue=MUNICIPAL_SHARE&weight=A1101",
    )
    .await;
    let unweighted = map_values(
        &app,
        "indicator=cio.appointed&option=yes&level=PREFECTURE&prefectureValue=MUNICIPAL_SHARE",
    )
    .await;
    assert_eq!(weighted.len(), 47);
    let mut differ = 0;
    for (code, value) in &weighted {
        let got: f64 = value.parse().unwrap();
        let want = expected[code].as_f64().unwrap();
        assert!(close(got, want), "{code}: {got} vs pandas {want}");
        differ += usize::from(!close(got, unweighted[code].parse().unwrap()));
    }
    assert!(
        differ > 40,
        "weighting by residents changes most prefectures' shares"
    );
}

async fn bivariate_maps_class_both_variables_in_tertiles_as_mapclassify(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let query = "indicator=share_65_plus&bivariate=staff_per_1000";
    let csv = app.text(&format!("/choropleth.csv?{query}")).await;
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    let pairs: Vec<(f64, f64, usize)> = rows
        .iter()
        .filter(|r| !r[2].is_empty())
        .map(|r| {
            (
                r[2].parse().unwrap(),
                r[8].parse().unwrap(),
                r[3].parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        pairs.len(),
        1740,
        "every municipality with both values (not 双葉町)"
    );
    let xs: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    let ys: Vec<f64> = pairs.iter().map(|p| p.1).collect();
    let bins = |values: &[f64]| -> Vec<f64> {
        reference(json!({"quantiles": {"values": values, "k": 3}}))["quantiles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_f64().unwrap())
            .collect()
    };
    let (x_bins, y_bins) = (bins(&xs), bins(&ys));
    let class_of = |bins: &[f64], v: f64| bins.iter().position(|b| v <= *b).unwrap();
    for (x, y, class) in &pairs {
        assert_eq!(
            *class,
            3 * class_of(&y_bins, *y) + class_of(&x_bins, *x),
            "x {x}, y {y}"
        );
    }
    let data = app
        .data(
            "{ choropleth(indicator: \"share_65_plus\", bivariate: \"staff_per_1000\") {
                method legend { category colour count }
                bivariate { y yUnit xBounds yBounds grid } } }",
            json!({}),
        )
        .await;
    let map = &data["choropleth"];
    assert_eq!(map["method"], "bivariate");
    let legend = map["legend"].as_array().unwrap();
    assert_eq!(legend.len(), 9);
    assert_eq!(
        legend
            .iter()
            .map(|c| c["count"].as_u64().unwrap())
            .sum::<u64>(),
        1740
    );
    let x_bounds: Vec<f64> = map["bivariate"]["xBounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_f64().unwrap())
        .collect();
    for (ours, theirs) in x_bounds.iter().zip(&x_bins) {
        assert!(
            close(*ours, *theirs),
            "x bounds {x_bounds:?} vs mapclassify {x_bins:?}"
        );
    }
    assert_eq!(map["bivariate"]["yUnit"], "人/千人");
    assert_eq!(legend[8]["colour"], map["bivariate"]["grid"][2][2]);
}

async fn counts_per_resident_by_population_band_agree_with_pandas(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let counts = map_values(&app, "indicator=staff.dx_it_units").await;
    let given = answered(&counts, |v| json!(v.parse::<f64>().unwrap()));
    let pandas = reference(json!({"banded_ratio": {
        "values": given, "by": "A1101", "scale": 10000,
        "bands": [10000, 50000, 100000, 300000]}}));
    let expected = pandas["banded_ratio"].as_object().unwrap();
    let data = app
        .data(
            "{ aggregate(indicator: \"staff.dx_it_units\", subject: MUNICIPALITY,
                         groupBy: POPULATION_BAND, per: \"A1101\", scale: 10000) {
                 groups { key perStatistic } } }",
            json!({}),
        )
        .await;
    let groups = data["aggregate"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 5);
    for g in groups {
        let key = g["key"].as_str().unwrap();
        let (got, want) = (
            g["perStatistic"].as_f64().unwrap(),
            expected[key].as_f64().unwrap(),
        );
        assert!(close(got, want), "{key}: {got} vs pandas {want}");
    }
}

/// The researcher's question in one query: DX staff per 10,000 residents by municipality, its
/// correlation with the share aged 65+, and the same by population band.
async fn dx_staff_per_resident_correlates_with_ageing_as_scipy_says(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let data = app
        .data(
            "{ map: choropleth(indicator: \"staff.dx_it_units\", per: \"A1101\", scale: 10000) {
                 per { label } statistics { n } }
               relationship(x: {indicator: \"staff.dx_it_units\", per: \"A1101\", scale: 10000},
                            y: {statistic: \"share_65_plus\"}) {
                 coefficient pValue n x { unit sources } pairs { code x y } }
               aggregate(indicator: \"staff.dx_it_units\", subject: MUNICIPALITY,
                         groupBy: POPULATION_BAND, per: \"A1101\", scale: 10000) {
                 groups { key perStatistic } } }",
            json!({}),
        )
        .await;
    let counts = map_values(&app, "indicator=staff.dx_it_units").await;
    let given = answered(&counts, |v| json!(v.parse::<f64>().unwrap()));
    let pandas = reference(json!({
        "divide": {"values": given, "by": "A1101", "scale": 10000},
        "statistics": ["share_65_plus"]}));
    let per_resident = pandas["divided"].as_object().unwrap();
    let ageing = pandas["values"]["share_65_plus"].as_object().unwrap();
    let mut codes: Vec<&String> = per_resident
        .keys()
        .filter(|c| ageing.contains_key(*c))
        .collect();
    codes.sort();
    let r = &data["relationship"];
    assert_eq!(r["n"], json!(codes.len()));
    for p in r["pairs"].as_array().unwrap() {
        let code = p["code"].as_str().unwrap();
        assert!(
            close(
                p["x"].as_f64().unwrap(),
                per_resident[code].as_f64().unwrap()
            ),
            "{code}"
        );
    }
    let xs: Vec<f64> = codes
        .iter()
        .map(|c| per_resident[*c].as_f64().unwrap())
        .collect();
    let ys: Vec<f64> = codes.iter().map(|c| ageing[*c].as_f64().unwrap()).collect();
    let scipy = reference(json!({"correlate": [{"x": xs, "y": ys}]}));
    let expected = &scipy["correlations"][0]["pearson"];
    assert!((r["coefficient"].as_f64().unwrap() - expected[0].as_f64().unwrap()).abs() < 1e-12);
    assert_eq!(
        r["x"]["sources"],
        json!(["calibrated-synthetic", "nstac-ssdse-a"])
    );
    assert_eq!(data["aggregate"]["groups"].as_array().unwrap().len(), 5);
    assert_eq!(data["map"]["per"]["label"], "総人口");
}

async fn crosstabs_of_the_dashboard_agree_with_pandas_and_scipy(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let dashboard = shared_data().join("dashboard");
    dx_atlas::survey::dashboard::import(&app.db, "R5", Some(&dashboard))
        .await
        .unwrap();
    let data = app
        .data(
            "{ crosstab(a: \"cio.appointed\", b: \"ai.adopted\") {
                rows columns counts n chiSquare degreesOfFreedom pValue cramersV
                synthetic sources leftOut { noX noY neither } } }",
            json!({}),
        )
        .await;
    let ours = &data["crosstab"];
    let file = dashboard.join("市区町村毎のDX進捗状況_市区町村比較.csv");
    let pandas =
        reference(json!({"crosstab": {"file": file, "a": "CIOの任命", "b": "AIの導入状況"}}));
    let theirs = &pandas["crosstab"];
    // pandas orders 実施 before 未実施, as the catalogue orders yes before no.
    assert_eq!(theirs["rows"], json!(["実施", "未実施"]));
    assert_eq!(ours["rows"], json!(["yes", "no"]));
    assert_eq!(ours["columns"], json!(["yes", "no"]));
    assert_eq!(ours["counts"], theirs["table"]);
    assert_eq!(ours["n"], theirs["n"]);
    assert_eq!(ours["degreesOfFreedom"], theirs["dof"]);
    for (field, key) in [
        ("chiSquare", "chi2"),
        ("pValue", "p"),
        ("cramersV", "cramers_v"),
    ] {
        let (a, b) = (ours[field].as_f64().unwrap(), theirs[key].as_f64().unwrap());
        assert!(close(a, b), "{field}: {a} vs scipy {b}");
    }
    assert_eq!(
        ours["synthetic"], 0,
        "both rows are the dashboard's official answers"
    );
    let left_out = &ours["leftOut"];
    let left: u64 = ["noX", "noY", "neither"]
        .iter()
        .map(|k| left_out[*k].as_u64().unwrap())
        .sum();
    assert_eq!(left, 8, "the eight not surveyed after the Noto earthquake");
}

async fn a_population_band_filters_a_map_as_pandas_bands_the_municipalities(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let thresholds = [10000, 50000, 100000, 300000];
    let pandas = reference(json!({"band_members": thresholds}));
    // Each band's municipal codes, bands in increasing order.
    let members = pandas["band_members"].as_array().unwrap();
    let mut bounds: Vec<(Option<i64>, Option<i64>)> = vec![(None, Some(thresholds[0]))];
    bounds.extend(thresholds.windows(2).map(|w| (Some(w[0]), Some(w[1]))));
    bounds.push((Some(thresholds[3]), None));
    assert_eq!(bounds.len(), members.len(), "{members:?}");
    let mut mapped = 0;
    for ((least, below), expected) in bounds.into_iter().zip(members) {
        let mut query = "indicator=staff.dx_it_units".to_owned();
        if let Some(n) = least {
            query.push_str(&format!("&populationAtLeast={n}"));
        }
        if let Some(n) = below {
            query.push_str(&format!("&populationBelow={n}"));
        }
        let mut served: Vec<String> = map_values(&app, &query).await.into_keys().collect();
        served.sort();
        let mut expected: Vec<String> = expected
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        expected.sort();
        assert_eq!(served, expected, "{query}");
        mapped += served.len();
    }
    assert_eq!(
        mapped, 1741,
        "the bands partition the municipalities with a census population"
    );
    let geojson: Value = serde_json::from_str(
        &app.text("/choropleth.geojson?indicator=A1101&populationAtLeast=1000000")
            .await,
    )
    .unwrap();
    let names: Vec<&str> = geojson["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"横浜市") && !names.contains(&"新宿区"),
        "{names:?}"
    );
    let sources = geojson["credits"].to_string();
    assert!(
        sources.contains("SSDSE"),
        "the band's source is credited: {sources}"
    );

    let refusals = [
        (
            "{ choropleth(indicator: \"cio.appointed\", populationAtLeast: 50000, populationBelow: 50000) { method } }",
            "populationBelow: 50000 is not above populationAtLeast: 50000",
        ),
        (
            "{ choropleth(indicator: \"cio.appointed\", populationBelow: -1) { method } }",
            "populationBelow: -1 is out of range",
        ),
        (
            "{ choropleth(indicator: \"cio.appointed\", level: PREFECTURE, populationAtLeast: 10000) { method } }",
            "populationAtLeast: population bands filter municipalities",
        ),
    ];
    refused_as_bad_input(&app, &refusals).await;
}

async fn bad_context_arguments_are_refused_with_their_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let cases = [
        (
            "{ statistic(code: \"X9999\") { code } }",
            "statistic: no statistic `X9999`",
        ),
        (
            "{ municipality(code: \"13104\") { statistic(code: \"A11\") { value } } }",
            "no statistic `A11`",
        ),
        (
            "{ relationship(x: {statistic: \"A1101\", indicator: \"cio.appointed\"}, y: {statistic: \"A1303\"}) { n } }",
            "x: give exactly one of indicator and statistic",
        ),
        (
            "{ relationship(x: {statistic: \"A1101\", option: \"yes\"}, y: {statistic: \"A1303\"}) { n } }",
            "x: option, edition, per and scale apply to an indicator",
        ),
        (
            "{ relationship(x: {indicator: \"cio.appointed\", option: \"maybe\"}, y: {statistic: \"A1303\"}) { n } }",
            "x.option: `cio.appointed` has no option `maybe`",
        ),
        (
            "{ relationship(x: {indicator: \"nope\"}, y: {statistic: \"A1303\"}) { n } }",
            "x.indicator: no indicator `nope`",
        ),
        (
            "{ choropleth(indicator: \"cio.appointed\", per: \"A1101\") { method } }",
            "per: `cio.appointed` is not a count",
        ),
        (
            "{ choropleth(indicator: \"staff.dx_it_units\", per: \"X1\") { method } }",
            "per: statistic: no statistic `X1`",
        ),
        (
            "{ choropleth(indicator: \"staff.dx_it_units\", scale: 100) { method } }",
            "scale: it applies with per",
        ),
        (
            "{ choropleth(indicator: \"staff.dx_it_units\", per: \"A1101\", scale: 0) { method } }",
            "scale: 0 is out of range",
        ),
        (
            "{ choropleth(indicator: \"cio.appointed\", option: \"yes\", weight: \"A1101\") { method } }",
            "weight: it weights a prefecture's municipal share",
        ),
        (
            "{ choropleth(indicator: \"A1101\", bivariate: \"A1303\", classes: 4) { method } }",
            "bivariate: a bivariate map has 3 × 3 classes",
        ),

        (
            "{ choropleth(indicator: \"A1101\", bivariate: \"cio.appointed\") { method } }",
            "bivariate: `cio.appointed` is a choice",
        ),
        (
            "{ aggregate(indicator: \"cio.appointed\", subject: MUNICIPALITY, per: \"A1101\") { indicator } }",
            "per: `cio.appointed` is not a count",
        ),
        (
            "{ choropleth(indicator: \"A1101\", option: \"yes\") { method } }",
            "option: `A1101` is a statistic",
        ),
        (
            "{ choropleth(indicator: \"A1101\", level: PREFECTURE) { method } }",
            "level: `A1101` is a municipal statistic",
        ),
        (
            "{ choropleth(indicator: \"nothing.here\") { method } }",
            "indicator: no indicator or statistic `nothing.here`",
        ),
        (
            "{ crosstab(a: \"staff.dx_it_units\", b: \"cio.appointed\") { n } }",
            "a: `staff.dx_it_units` is a number",
        ),
        (
            "{ aggregate(indicator: \"cio.appointed\", subject: MUNICIPALITY, groupBy: POPULATION_BAND, bands: [50000, 10000]) { indicator } }",
            "bands: 10000 does not follow 50000",
        ),
        (
            "{ aggregate(indicator: \"cio.appointed\", subject: MUNICIPALITY, bands: [10000]) { indicator } }",
            "bands: they apply to groupBy: POPULATION_BAND",
        ),
        (
            "{ aggregate(indicator: \"cio.appointed\", subject: PREFECTURE, groupBy: POPULATION_BAND) { indicator } }",
            "POPULATION_BAND groups municipalities",
        ),
    ];
    refused_as_bad_input(&app, &cases).await;
}

/// Each query is refused as BAD_USER_INPUT with a message containing its text.
async fn refused_as_bad_input(app: &TestApp, cases: &[(&str, &str)]) {
    for (query, message) in cases {
        let body = app.graphql(query, json!({})).await;
        let (code, text) = first_error(&body);
        assert_eq!(code, "BAD_USER_INPUT", "{query}: {body}");
        assert!(
            text.contains(message),
            "{query}: `{text}` lacks `{message}`"
        );
    }
}
