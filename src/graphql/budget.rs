//! The bytes one GraphQL answer may hold. Complexity estimates work before execution; the
//! budget is the second line of defence, counted while resolving: every boundary and map
//! document charges its size, and once the total passes the limit the request is answered
//! with one `RESPONSE_TOO_LARGE` error instead of its data (see `http::graphql`).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use async_graphql::{Context, ErrorExtensions};

/// The code of a refused answer.
pub const RESPONSE_TOO_LARGE: &str = "RESPONSE_TOO_LARGE";

/// Bytes an answer has used of its limit. One per request, in the request's data as an
/// `Arc` so that the HTTP layer reads it after execution.
#[derive(Debug)]
pub struct AnswerBudget {
    limit: usize,
    spent: AtomicUsize,
    exceeded: AtomicBool,
}

impl AnswerBudget {
    /// A budget of `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            spent: AtomicUsize::new(0),
            exceeded: AtomicBool::new(false),
        }
    }

    /// The limit in bytes.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Adds `bytes`; false once the total passes the limit (and for every charge after).
    pub fn charge(&self, bytes: usize) -> bool {
        let before = self.spent.fetch_add(bytes, Ordering::Relaxed);
        if before.saturating_add(bytes) > self.limit {
            self.exceeded.store(true, Ordering::Relaxed);
        }
        !self.exceeded()
    }

    /// Whether the answer has passed its limit.
    pub fn exceeded(&self) -> bool {
        self.exceeded.load(Ordering::Relaxed)
    }

    /// The answer that replaces one over its budget: a single error, no data.
    pub fn refusal(&self) -> async_graphql::Response {
        let mut error = async_graphql::ServerError::new(self.message(), None);
        let mut extensions = async_graphql::ErrorExtensionValues::default();
        extensions.set("code", RESPONSE_TOO_LARGE);
        error.extensions = Some(extensions);
        async_graphql::Response::from_errors(vec![error])
    }

    /// The message of a refused answer.
    pub fn message(&self) -> String {
        format!(
            "the answer would be larger than {} MB; ask for fewer boundaries or documents, a page at a time, or a lower precision",
            self.limit / (1024 * 1024)
        )
    }
}

/// Charges `bytes` to the request's budget, if it carries one (executions outside HTTP, such
/// as the schema's own tests, do not). A field over the budget resolves to an error; the
/// HTTP layer then replaces the whole answer by one refusal.
pub fn charge(ctx: &Context<'_>, bytes: usize) -> async_graphql::Result<()> {
    match ctx.data_opt::<Arc<AnswerBudget>>() {
        Some(budget) if !budget.charge(bytes) => Err(async_graphql::Error::new(budget.message())
            .extend_with(|_, e| e.set("code", RESPONSE_TOO_LARGE))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_refuses_once_its_limit_is_passed_and_after() {
        let budget = AnswerBudget::new(100);
        assert!(budget.charge(60));
        assert!(budget.charge(40));
        assert!(!budget.charge(1));
        assert!(!budget.charge(0));
        assert!(budget.exceeded());
    }
}
