//! Refusals with a code that says which limit: too many requests at once (503 `OVERLOADED`),
//! too slow (503 `TIMEOUT`), too many aliases in one query (`TOO_MANY_ALIASES`). Depth and
//! complexity limits are async-graphql's own (see `graphql::builder`).

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, Variables};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::BoxError;

/// Most aliases one query may use: enough for any map page, far from alias-amplification.
pub const MAX_ALIASES: usize = 64;

/// Answers a refusal of the tower layers.
pub async fn refusal(error: BoxError) -> Response {
    let (status, code, message) = if error.is::<tower::load_shed::error::Overloaded>() {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "OVERLOADED",
            "too many requests at once; retry shortly".to_owned(),
        )
    } else if error.is::<tower::timeout::error::Elapsed>() {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "TIMEOUT",
            "the request took too long".to_owned(),
        )
    } else {
        tracing::error!(error = %error, "middleware error");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_SERVER_ERROR",
            "internal error".to_owned(),
        )
    };
    metrics::counter!("dx_atlas_refusals_total", "code" => code).increment(1);
    let mut response = (
        status,
        axum::Json(serde_json::json!({"error": {"code": code, "message": message}})),
    )
        .into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from_static("1"),
        );
    }
    response
}

/// Refuses queries with more than [`MAX_ALIASES`] aliases.
pub struct AliasLimit;

impl ExtensionFactory for AliasLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AliasLimitExtension)
    }
}

struct AliasLimitExtension;

fn count_aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(f) => {
                usize::from(f.node.alias.is_some()) + count_aliases(&f.node.selection_set.node)
            }
            Selection::FragmentSpread(_) => 0,
            Selection::InlineFragment(i) => count_aliases(&i.node.selection_set.node),
        })
        .sum()
}

#[async_graphql::async_trait::async_trait]
impl Extension for AliasLimitExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let aliases: usize = document
            .operations
            .iter()
            .map(|(_, op)| count_aliases(&op.node.selection_set.node))
            .sum::<usize>()
            + document
                .fragments
                .values()
                .map(|f| count_aliases(&f.node.selection_set.node))
                .sum::<usize>();
        if aliases > MAX_ALIASES {
            let mut error = ServerError::new(
                format!("the query uses {aliases} aliases; at most {MAX_ALIASES} are allowed"),
                None,
            );
            let mut extensions = async_graphql::ErrorExtensionValues::default();
            extensions.set("code", "TOO_MANY_ALIASES");
            error.extensions = Some(extensions);
            return Err(error);
        }
        Ok(document)
    }
}
