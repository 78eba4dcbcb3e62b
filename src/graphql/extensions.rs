//! Extensions of the GraphQL engine: limits on a query's shape checked right after parsing
//! ([`QueryShape`]), a code on every error the engine raises itself ([`ErrorCodes`]), and the
//! schema's own description in introspection ([`SchemaDescription`]).
//! The depth and complexity limits are async-graphql's own (see `graphql::builder`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest, NextResolve,
    NextValidation, ResolveInfo,
};
use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, ServerError, ServerResult, ValidationResult, Variables};

/// The code of a persisted query's hash this server does not know: Apollo clients answer it
/// by sending the query with its hash.
pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";

/// Most aliases one query may use: enough for any map page, far from alias-amplification.
pub const MAX_ALIASES: usize = 64;

/// Most selections a query may hold once every fragment spread is replaced by its fragment.
/// The standard introspection query expands to a few hundred; a map page to a few dozen.
pub const MAX_EXPANDED_SELECTIONS: usize = 5_000;

/// Longest chain of fragments spreading fragments.
pub const MAX_FRAGMENT_CHAIN: usize = 64;

/// Refuses, before validation, queries with more than [`MAX_ALIASES`] aliases
/// (`TOO_MANY_ALIASES`) and queries whose fragments expand to more than
/// [`MAX_EXPANDED_SELECTIONS`] selections (`QUERY_TOO_COMPLEX`).
///
/// The engine's validation and complexity rules walk every fragment spread into its fragment,
/// so a query of a kilobyte whose fragments each spread the next twice costs them 2^depth
/// steps. Here each fragment is expanded once and its size remembered, so the check is linear
/// in the query's text whatever its fragments do.
pub struct QueryShape;

impl ExtensionFactory for QueryShape {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(QueryShapeExtension)
    }
}

struct QueryShapeExtension;

fn refusal(code: &str, message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
    error
}

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

/// Sizes of selection sets with their fragments expanded, each fragment counted once.
struct Expansion<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    sizes: HashMap<&'a str, usize>,
    chain: HashSet<&'a str>,
}

impl<'a> Expansion<'a> {
    fn new(document: &'a ExecutableDocument) -> Self {
        Self {
            fragments: &document.fragments,
            sizes: HashMap::new(),
            chain: HashSet::new(),
        }
    }

    /// Selections in `set`, saturating rather than overflowing.
    fn size(&mut self, set: &'a SelectionSet) -> usize {
        set.items.iter().fold(0, |total, item| {
            let n = match &item.node {
                Selection::Field(f) => 1usize.saturating_add(self.size(&f.node.selection_set.node)),
                Selection::InlineFragment(i) => self.size(&i.node.selection_set.node),
                Selection::FragmentSpread(s) => self.fragment(s.node.fragment_name.node.as_str()),
            };
            total.saturating_add(n)
        })
    }

    fn fragment(&mut self, name: &'a str) -> usize {
        if let Some(&n) = self.sizes.get(name) {
            return n;
        }
        if self.chain.len() >= MAX_FRAGMENT_CHAIN {
            return usize::MAX;
        }
        // A fragment that spreads itself is refused by validation; count it as empty here.
        if !self.chain.insert(name) {
            return 0;
        }
        let n = self
            .fragments
            .get(name)
            .map_or(0, |f| self.size(&f.node.selection_set.node));
        self.chain.remove(name);
        self.sizes.insert(name, n);
        n
    }
}

/// Selections of the document's operations with every fragment expanded.
pub fn expanded_selections(document: &ExecutableDocument) -> usize {
    let mut expansion = Expansion::new(document);
    document.operations.iter().fold(0, |total, (_, op)| {
        total.saturating_add(expansion.size(&op.node.selection_set.node))
    })
}

fn check_shape(document: &ExecutableDocument) -> ServerResult<()> {
    let aliases = document
        .operations
        .iter()
        .map(|(_, op)| count_aliases(&op.node.selection_set.node))
        .chain(
            document
                .fragments
                .values()
                .map(|f| count_aliases(&f.node.selection_set.node)),
        )
        .fold(0usize, usize::saturating_add);
    if aliases > MAX_ALIASES {
        return Err(refusal(
            "TOO_MANY_ALIASES",
            format!("the query uses {aliases} aliases; at most {MAX_ALIASES} are allowed"),
        ));
    }
    let selections = expanded_selections(document);
    if selections > MAX_EXPANDED_SELECTIONS {
        let size = if selections == usize::MAX {
            format!("chains more than {MAX_FRAGMENT_CHAIN} fragments or expands to too many")
        } else {
            format!("expands to {selections}")
        };
        return Err(refusal(
            "QUERY_TOO_COMPLEX",
            format!(
                "the query {size} selections once its fragments are spread; at most {MAX_EXPANDED_SELECTIONS} are allowed"
            ),
        ));
    }
    Ok(())
}

#[async_graphql::async_trait::async_trait]
impl Extension for QueryShapeExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // The engine checks the document's recursion depth while parsing, walking every
        // fragment spread into its fragment: exponential for doubling fragments. So the shape
        // is checked on a parse of our own first (microseconds for any query the body limit
        // lets in); a query that does not parse is left to the engine to report.
        if let Ok(document) = async_graphql::parser::parse_query(query) {
            check_shape(&document)?;
        }
        next.run(ctx, query, variables).await
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
                PERSISTED_QUERY_NOT_FOUND
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
                } else if e.message.starts_with("Invalid value for argument")
                    || e.message.contains("expected type")
                {
                    // An argument of the wrong type is bad input, as resolvers say of values
                    // out of range.
                    "BAD_USER_INPUT"
                } else {
                    "GRAPHQL_VALIDATION_FAILED"
                };
                set_code_if_missing(e, code);
            }
            errors
        })
    }
}

/// Answers `__schema { description }` with [`super::DESCRIPTION`]. async-graphql answers it
/// with a fixed text about what a GraphQL schema is, and has no setting for a schema's own.
pub struct SchemaDescription;

impl ExtensionFactory for SchemaDescription {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(SchemaDescription)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for SchemaDescription {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<async_graphql::Value>> {
        if info.parent_type == "__Schema" && info.name == "description" {
            return Ok(Some(async_graphql::Value::String(
                super::DESCRIPTION.to_owned(),
            )));
        }
        next.run(ctx, info).await
    }
}
