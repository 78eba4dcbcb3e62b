//! The gathered editions of the current read-model generation, as the OGC API's feature
//! tables are kept ([`crate::ogcapi::features::FeatureStore`]): built on first use after each
//! swap, then shared by every table and file of the edition until the next.

use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::ConnectionTrait;

use super::data::{gather, SurveyData};
use crate::entity::survey_edition;
use crate::error::AppResult;
use crate::readmodel::Generation;

/// The editions gathered for one generation.
struct Gathered {
    version: i64,
    editions: HashMap<String, Arc<SurveyData>>,
}

/// The gathered editions of the current generation.
#[derive(Default)]
pub struct DatasetStore {
    current: tokio::sync::Mutex<Option<Gathered>>,
}

impl DatasetStore {
    /// `edition` gathered over `generation`, now if the one kept is of another generation.
    /// Requests that arrive during a gathering wait for it rather than gather their own.
    pub async fn edition(
        &self,
        db: &impl ConnectionTrait,
        generation: &Generation,
        edition: survey_edition::Model,
    ) -> AppResult<Arc<SurveyData>> {
        let mut current = self.current.lock().await;
        if current
            .as_ref()
            .is_none_or(|g| g.version != generation.version)
        {
            *current = Some(Gathered {
                version: generation.version,
                editions: HashMap::new(),
            });
        }
        let Some(gathered) = current.as_mut() else {
            return Ok(Arc::new(gather(db, generation, edition).await?));
        };
        if let Some(data) = gathered.editions.get(&edition.code) {
            return Ok(Arc::clone(data));
        }
        let code = edition.code.clone();
        let data = Arc::new(gather(db, generation, edition).await?);
        gathered.editions.insert(code, Arc::clone(&data));
        Ok(data)
    }
}
