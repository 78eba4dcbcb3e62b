//! Batch loading, so that a page of municipalities costs one query per table, not one per row.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;

use crate::entity::{boundary, municipality_name, prefecture};
use crate::error::GraphqlResultExt;
use crate::repo;

/// Loads boundaries and prefectures by code.
pub struct AreaLoader {
    /// The database.
    pub db: DatabaseConnection,
}

/// Key for a boundary (two-digit or five-digit code).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BoundaryKey(pub String);

/// Key for a prefecture row.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PrefectureKey(pub String);

/// Key for a municipality's names (reading, romanised name, website, town hall).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NamesKey(pub String);

impl Loader<NamesKey> for AreaLoader {
    type Value = Arc<municipality_name::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[NamesKey]) -> Result<HashMap<NamesKey, Self::Value>, Self::Error> {
        let codes: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
        Ok(crate::context::store::names_of(&self.db, &codes)
            .await
            .gql()?
            .into_iter()
            .map(|(code, n)| (NamesKey(code), Arc::new(n)))
            .collect())
    }
}

impl Loader<BoundaryKey> for AreaLoader {
    type Value = Arc<boundary::Model>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[BoundaryKey],
    ) -> Result<HashMap<BoundaryKey, Self::Value>, Self::Error> {
        let codes: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
        Ok(repo::areas::boundaries(&self.db, &codes)
            .await
            .gql()?
            .into_iter()
            .map(|(code, b)| (BoundaryKey(code), Arc::new(b)))
            .collect())
    }
}

impl Loader<PrefectureKey> for AreaLoader {
    type Value = Arc<prefecture::Model>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[PrefectureKey],
    ) -> Result<HashMap<PrefectureKey, Self::Value>, Self::Error> {
        let codes: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
        Ok(repo::areas::prefectures_by_code(&self.db, &codes)
            .await
            .gql()?
            .into_iter()
            .map(|(code, p)| (PrefectureKey(code), Arc::new(p)))
            .collect())
    }
}
