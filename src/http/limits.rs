//! Refusals with a code that says which limit: too many requests at once (503 `OVERLOADED`),
//! too slow (503 `TIMEOUT`), too many aliases in one query (`TOO_MANY_ALIASES`), nesting too
//! deep (`QUERY_TOO_DEEP`) or too complex (`QUERY_TOO_COMPLEX`). The depth and complexity
//! limits themselves are async-graphql's (see `graphql::builder`); [`ErrorCodes`] gives their
//! errors, and every other error the GraphQL engine raises itself, a code.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, ValidationResult, Variables};
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

/// Gives every error without a code one: `GRAPHQL_PARSE_FAILED` for a query that does not
/// parse, `QUERY_TOO_DEEP` and `QUERY_TOO_COMPLEX` for the limits, `GRAPHQL_VALIDATION_FAILED`
/// for other invalid queries, and `BAD_USER_INPUT` for arguments or variables of the wrong
/// type. Errors of DX Atlas's own resolvers carry their codes already.
pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension)
    }
}

struct ErrorCodesExtension;

fn set_code_if_missing(error: &mut ServerError, code: &str) {
    let has_code = error
        .extensions
        .as_ref()
        .is_some_and(|e| e.get("code").is_some());
    if !has_code {
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", code);
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    async fn request(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextRequest<'_>,
    ) -> async_graphql::Response {
        let mut response = next.run(ctx).await;
        for error in &mut response.errors {
            // The code Apollo clients look for to send the query with its hash.
            let code = if error.message == "PersistedQueryNotFound" {
                "PERSISTED_QUERY_NOT_FOUND"
            } else if error.path.is_empty() {
                "GRAPHQL_VALIDATION_FAILED"
            } else {
                "BAD_USER_INPUT"
            };
            set_code_if_missing(error, code);
        }
        response
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|mut e| {
            set_code_if_missing(&mut e, "GRAPHQL_PARSE_FAILED");
            e
        })
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|mut errors| {
            for e in &mut errors {
                // async-graphql reports its limits by message only.
                let code = if e.message.contains("nested too deep") {
                    "QUERY_TOO_DEEP"
                } else if e.message.contains("too complex") {
                    "QUERY_TOO_COMPLEX"
                } else {
                    "GRAPHQL_VALIDATION_FAILED"
                };
                set_code_if_missing(e, code);
            }
            errors
        })
    }
}
