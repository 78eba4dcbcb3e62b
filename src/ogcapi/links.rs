//! Absolute links (OGC API – Features requires every `href` a client can follow; GDAL and
//! QGIS follow `next` as written): the service's public address, from `--public-url` or from
//! what a proxy in front says, and the paging links of `/items`.

use serde::Serialize;

/// One link of a document (RFC 8288 as OGC API writes it in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    /// Absolute address.
    pub href: String,
    /// Relation: `self`, `next`, `service-desc`, an OGC relation URI…
    pub rel: String,
    /// Media type of the target.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// What a person reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// True for a URI template (`{tileMatrix}`…) rather than an address.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub templated: bool,
}

impl Link {
    /// A link to `href` with relation `rel` and media type `media_type`.
    pub fn new(href: impl Into<String>, rel: &str, media_type: &str) -> Self {
        Self {
            href: href.into(),
            rel: rel.to_owned(),
            media_type: Some(media_type.to_owned()),
            title: None,
            templated: false,
        }
    }

    /// The same link with a title.
    #[must_use]
    pub fn titled(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// The same link marked as a URI template.
    #[must_use]
    pub fn template(mut self) -> Self {
        self.templated = true;
        self
    }
}

/// What a request says of the address it was sent to: the `Host` header and a proxy's
/// `X-Forwarded-Proto`, `X-Forwarded-Host` and `X-Forwarded-Prefix`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Forwarded<'a> {
    /// `Host`.
    pub host: Option<&'a str>,
    /// `X-Forwarded-Proto`.
    pub proto: Option<&'a str>,
    /// `X-Forwarded-Host`.
    pub forwarded_host: Option<&'a str>,
    /// `X-Forwarded-Prefix`.
    pub prefix: Option<&'a str>,
}

/// The address of the OGC API (`…/ogcapi`, no trailing slash): see [`service_root`].
pub fn api_root(public_url: Option<&str>, request: Forwarded<'_>) -> String {
    format!("{}/ogcapi", service_root(public_url, request))
}

/// The address clients reach the service at (no trailing slash), which every absolute link
/// (OGC API documents, TileJSON) starts with: `public_url` when the server is configured with
/// one, else the address the request names. Header values are checked before they are
/// written into links, so a forged header cannot inject markup or a second URL; one that
/// fails the check is ignored.
pub fn service_root(public_url: Option<&str>, request: Forwarded<'_>) -> String {
    if let Some(public) = public_url {
        return public.trim_end_matches('/').to_owned();
    }
    let host = first(request.forwarded_host)
        .filter(|h| is_host(h))
        .or_else(|| request.host.filter(|h| is_host(h)))
        .unwrap_or("localhost");
    let scheme = match first(request.proto) {
        Some(p) if p.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    };
    let prefix = first(request.prefix)
        .filter(|p| is_path(p))
        .map(|p| p.trim_end_matches('/'))
        .unwrap_or_default();
    let prefix = if prefix.is_empty() || prefix.starts_with('/') {
        prefix.to_owned()
    } else {
        format!("/{prefix}")
    };
    format!("{scheme}://{host}{prefix}")
}

/// The first of a header's values: a proxy may list several (one per hop), and the first is
/// the client's.
fn first(value: Option<&str>) -> Option<&str> {
    value.and_then(|v| v.split(',').next()).map(str::trim)
}

/// A host and optional port as `Host` carries them (names, IPv4, bracketed IPv6).
fn is_host(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
}

/// A path prefix of plain segments.
fn is_path(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~/".contains(&b))
}

/// Checks `--public-url`: an absolute http or https address with a host and no query or
/// fragment; it comes back without its trailing slash.
pub fn public_url(text: &str) -> Result<String, String> {
    let url = url::Url::parse(text.trim()).map_err(|e| {
        format!("`{text}` is not an address ({e}): write it as https://host[:port][/path]")
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "`{text}`: the public address must start with http:// or https://"
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{text}`: the public address has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "`{text}`: the public address may not carry a query or a fragment"
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// The `next` and `prev` links of a page of `/items`: `offset` and `limit` of this page,
/// `matched` features in all. `query` is the request's other parameters, kept as they were so
/// that each page filters as the first did.
pub fn paging(
    items_url: &str,
    query: &[(String, String)],
    offset: usize,
    limit: usize,
    matched: usize,
    media_type: &str,
) -> Vec<Link> {
    let page = |offset: usize| {
        let mut pairs: Vec<(&str, String)> = query
            .iter()
            .filter(|(k, _)| k != "offset" && k != "limit")
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        pairs.push(("limit", limit.to_string()));
        if offset > 0 {
            pairs.push(("offset", offset.to_string()));
        }
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        format!("{items_url}?{query}")
    };
    let mut links = Vec::new();
    if offset.saturating_add(limit) < matched {
        links.push(Link::new(page(offset + limit), "next", media_type).titled("Next page"));
    }
    if offset > 0 {
        links.push(
            Link::new(page(offset.saturating_sub(limit)), "prev", media_type)
                .titled("Previous page"),
        );
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_public_url_wins_over_the_headers() {
        let request = Forwarded {
            host: Some("internal:8080"),
            ..Forwarded::default()
        };
        assert_eq!(
            api_root(Some("https://atlas.example/dx/"), request),
            "https://atlas.example/dx/ogcapi"
        );
        assert_eq!(api_root(None, request), "http://internal:8080/ogcapi");
    }

    #[test]
    fn a_proxy_names_scheme_host_and_prefix() {
        let request = Forwarded {
            host: Some("10.0.0.2:8080"),
            proto: Some("https, http"),
            forwarded_host: Some("maps.example"),
            prefix: Some("atlas/"),
        };
        assert_eq!(api_root(None, request), "https://maps.example/atlas/ogcapi");
    }

    #[test]
    fn forged_headers_are_ignored() {
        let request = Forwarded {
            host: Some("evil\"><script>"),
            proto: Some("javascript"),
            forwarded_host: Some("a b"),
            prefix: Some("?x=1"),
        };
        assert_eq!(api_root(None, request), "http://localhost/ogcapi");
    }

    #[test]
    fn public_urls_are_checked() {
        assert_eq!(
            public_url("https://maps.example/atlas/").as_deref(),
            Ok("https://maps.example/atlas")
        );
        assert_eq!(
            public_url("http://127.0.0.1:8080").as_deref(),
            Ok("http://127.0.0.1:8080")
        );
        for wrong in [
            "maps.example",
            "ftp://maps.example",
            "https://maps.example/?a=1",
            "https://maps.example/#x",
        ] {
            let e = public_url(wrong).expect_err(wrong);
            assert!(e.contains(wrong), "{e}");
        }
    }

    #[test]
    fn pages_link_forward_and_back_without_gaps() {
        let query = pairs(&[("bbox", "139,35,140,36"), ("offset", "10"), ("limit", "10")]);
        let links = paging(
            "http://h/ogcapi/collections/m/items",
            &query,
            10,
            10,
            25,
            "application/geo+json",
        );
        let next = links.iter().find(|l| l.rel == "next").unwrap();
        assert_eq!(
            next.href,
            "http://h/ogcapi/collections/m/items?bbox=139%2C35%2C140%2C36&limit=10&offset=20"
        );
        let prev = links.iter().find(|l| l.rel == "prev").unwrap();
        assert_eq!(
            prev.href,
            "http://h/ogcapi/collections/m/items?bbox=139%2C35%2C140%2C36&limit=10"
        );
    }

    #[test]
    fn the_last_page_has_no_next_and_the_first_no_prev() {
        let links = paging("u", &[], 20, 10, 25, "t");
        assert_eq!(
            links.iter().map(|l| l.rel.as_str()).collect::<Vec<_>>(),
            ["prev"]
        );
        let links = paging("u", &[], 0, 10, 10, "t");
        assert!(links.is_empty());
        let links = paging("u", &[], 0, 10, 11, "t");
        assert_eq!(
            links.iter().map(|l| l.rel.as_str()).collect::<Vec<_>>(),
            ["next"]
        );
    }
}
