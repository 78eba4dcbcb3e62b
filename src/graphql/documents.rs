//! Map documents in GraphQL answers, written once, as bytes.
//!
//! A `document` field is a JSON scalar of up to several megabytes. async-graphql turns a JSON
//! scalar into its own value tree before the answer is serialised: for a whole-country map, a
//! tree of hundreds of thousands of nodes built, serialised and dropped for every answer. So a
//! resolver writes its document's bytes once and answers a placeholder unique to its request;
//! once the answer is serialised, the HTTP layer puts each document's bytes in the place of its
//! placeholder ([`Documents::splice`]). No maintained crate splices raw JSON into an
//! async-graphql answer; the placeholder holds a per-request random part, so that no text a
//! client sends can be taken for it.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::{Context, Json};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use crate::error::{AppError, GraphqlResultExt};

/// The documents of one request's answer, by placeholder.
pub struct Documents {
    nonce: u64,
    held: Mutex<Vec<Vec<u8>>>,
}

impl Default for Documents {
    fn default() -> Self {
        Self::new()
    }
}

impl Documents {
    /// Documents for a new request.
    pub fn new() -> Self {
        Self {
            nonce: RandomState::new().hash_one(std::time::Instant::now()),
            held: Mutex::new(Vec::new()),
        }
    }

    /// The placeholder of the `index`-th document.
    fn placeholder(&self, index: usize) -> String {
        format!("dx-atlas-document:{:016x}:{index}", self.nonce)
    }

    /// Keeps a document's bytes for [`Self::splice`]; returns its placeholder.
    fn hold(&self, bytes: Vec<u8>) -> String {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        held.push(bytes);
        self.placeholder(held.len() - 1)
    }

    /// `body`, a serialised answer, with each placeholder replaced by its document. A
    /// placeholder the answer lost (its field nulled by an error elsewhere) is skipped.
    pub fn splice(&self, body: Vec<u8>) -> Vec<u8> {
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if held.is_empty() {
            return body;
        }
        let mut out = Vec::with_capacity(body.len() + held.iter().map(Vec::len).sum::<usize>());
        let mut rest: &[u8] = &body;
        for (index, document) in held.iter().enumerate() {
            // As the serialised answer writes it: a JSON string.
            let placeholder = format!("\"{}\"", self.placeholder(index));
            if let Some(at) = memchr::memmem::find(rest, placeholder.as_bytes()) {
                out.extend_from_slice(&rest[..at]);
                out.extend_from_slice(document);
                rest = &rest[at + placeholder.len()..];
            }
        }
        out.extend_from_slice(rest);
        out
    }
}

/// What a document field answers: a placeholder for the HTTP layer to replace, or where the
/// schema is executed without it, the document itself.
pub enum DocumentField {
    /// The placeholder's text.
    Held(String),
    /// The document's bytes.
    Inline(Box<RawValue>),
}

impl Serialize for DocumentField {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Held(placeholder) => serializer.serialize_str(placeholder),
            Self::Inline(raw) => raw.serialize(serializer),
        }
    }
}

/// The field answering `bytes`, a document already written and charged to the answer's budget.
pub fn field(ctx: &Context<'_>, bytes: Vec<u8>) -> async_graphql::Result<Json<DocumentField>> {
    if let Some(documents) = ctx.data_opt::<Arc<Documents>>() {
        return Ok(Json(DocumentField::Held(documents.hold(bytes))));
    }
    let text = String::from_utf8(bytes)
        .map_err(|e| AppError::internal("reading a map document", e))
        .gql()?;
    let raw = RawValue::from_string(text)
        .map_err(|e| AppError::internal("reading a map document", e))
        .gql()?;
    Ok(Json(DocumentField::Inline(raw)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_placeholder_is_replaced_by_its_document_in_order() {
        let documents = Documents::new();
        let a = documents.hold(br#"{"type":"FeatureCollection","features":[]}"#.to_vec());
        let b = documents.hold(b"[1,2]".to_vec());
        let answer = serde_json::json!({"data": {"a": {"document": a}, "b": {"document": b}, "c": "dx-atlas-document:0:0"}});
        let body = documents.splice(serde_json::to_vec(&answer).unwrap());
        let spliced: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            spliced["data"]["a"]["document"]["type"],
            "FeatureCollection"
        );
        assert_eq!(spliced["data"]["b"]["document"], serde_json::json!([1, 2]));
        assert_eq!(
            spliced["data"]["c"], "dx-atlas-document:0:0",
            "a client's text is kept"
        );
    }

    #[test]
    fn an_answer_that_lost_its_placeholder_is_left_as_it_is() {
        let documents = Documents::new();
        documents.hold(b"{}".to_vec());
        let body = br#"{"data":null,"errors":[]}"#.to_vec();
        assert_eq!(documents.splice(body.clone()), body);
    }
}
