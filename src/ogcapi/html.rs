//! Every document of the API as an HTML page (OGC API – Features, conformance class HTML):
//! its title and description, its links as anchors, features as a table of their
//! properties, and the JSON itself below for anything else. Plain HTML with no script, so a
//! browser shows it and a crawler reads it.

use std::fmt::Write;

use serde_json::Value;

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A cell's text.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => escape(s),
        other => escape(&other.to_string()),
    }
}

/// The page of a document (`title` when the document has none).
pub fn page(title: &str, document: &Value) -> String {
    let title = document
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or(title);
    let mut body = String::new();
    let _ = write!(body, "<h1>{}</h1>", escape(title));
    if let Some(description) = document.get("description").and_then(Value::as_str) {
        let _ = write!(body, "<p>{}</p>", escape(description));
    }
    if let Some(links) = document.get("links").and_then(Value::as_array) {
        body.push_str("<h2>Links</h2><ul>");
        for link in links {
            let href = link.get("href").and_then(Value::as_str).unwrap_or_default();
            let rel = link.get("rel").and_then(Value::as_str).unwrap_or_default();
            let kind = link.get("type").and_then(Value::as_str).unwrap_or_default();
            let text = link.get("title").and_then(Value::as_str).unwrap_or(href);
            if link.get("templated").and_then(Value::as_bool) == Some(true) {
                let _ = write!(
                    body,
                    "<li>{} <code>{}</code> ({})</li>",
                    escape(rel),
                    escape(href),
                    escape(kind)
                );
            } else {
                let _ = write!(
                    body,
                    "<li>{}: <a href=\"{}\">{}</a> ({})</li>",
                    escape(rel),
                    escape(href),
                    escape(text),
                    escape(kind)
                );
            }
        }
        body.push_str("</ul>");
    }
    if let Some(collections) = document.get("collections").and_then(Value::as_array) {
        body.push_str("<h2>Collections</h2><ul>");
        for c in collections {
            let id = c.get("id").and_then(Value::as_str).unwrap_or_default();
            let href = c
                .get("links")
                .and_then(Value::as_array)
                .and_then(|l| l.iter().find(|l| l["rel"] == "alternate"))
                .and_then(|l| l["href"].as_str())
                .unwrap_or_default();
            let _ = write!(
                body,
                "<li><a href=\"{}\">{}</a>: {}</li>",
                escape(href),
                escape(id),
                cell(&c["title"])
            );
        }
        body.push_str("</ul>");
    }
    if let Some(features) = document.get("features").and_then(Value::as_array) {
        let _ = write!(
            body,
            "<p>{} of {} features.</p>",
            cell(&document["numberReturned"]),
            cell(&document["numberMatched"])
        );
        features_table(&mut body, features);
    } else if document.get("type").and_then(Value::as_str) == Some("Feature") {
        features_table(&mut body, std::slice::from_ref(document));
    } else {
        let pretty = serde_json::to_string_pretty(document).unwrap_or_default();
        let _ = write!(body, "<h2>JSON</h2><pre>{}</pre>", escape(&pretty));
    }
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} – DX Atlas</title>\
         <style>body{{font-family:sans-serif;margin:1em 2em}}table{{border-collapse:collapse;font-size:smaller}}\
         td,th{{border:1px solid #ccc;padding:2px 6px}}pre{{background:#f6f6f6;padding:1em;overflow:auto}}</style>\
         </head><body>{body}</body></html>",
        escape(title)
    )
}

/// Features as a table: id, then their properties (no geometry: a page of text).
fn features_table(body: &mut String, features: &[Value]) {
    let Some(first) = features.first().and_then(|f| f["properties"].as_object()) else {
        return;
    };
    let names: Vec<&String> = first.keys().collect();
    body.push_str("<table><tr><th>id</th>");
    for name in &names {
        let _ = write!(body, "<th>{}</th>", escape(name));
    }
    body.push_str("</tr>");
    for feature in features {
        let _ = write!(body, "<tr><td>{}</td>", cell(&feature["id"]));
        for name in &names {
            let _ = write!(
                body,
                "<td>{}</td>",
                cell(&feature["properties"][name.as_str()])
            );
        }
        body.push_str("</tr>");
    }
    body.push_str("</table>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_is_escaped_and_links_are_anchors() {
        let html = page(
            "x",
            &json!({"title": "<b>", "links": [{"href": "http://h/a?b=1&c=2", "rel": "self", "type": "application/json"}]}),
        );
        assert!(html.contains("<h1>&lt;b&gt;</h1>"));
        assert!(html.contains("href=\"http://h/a?b=1&amp;c=2\""));
    }

    #[test]
    fn features_become_a_table() {
        let html = page(
            "items",
            &json!({"type": "FeatureCollection", "numberMatched": 2, "numberReturned": 1,
                    "features": [{"type": "Feature", "id": 13104, "properties": {"name": "新宿区"}}]}),
        );
        assert!(html.contains("<td>13104</td><td>新宿区</td>"));
    }
}
