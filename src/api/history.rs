//! An app's deployment history, `GET /v1/apps/{app}/deployments`: newest first, each with
//! the image and digest it ran. `bim rollback` chooses from it.

use serde::{Deserialize, Serialize};

use super::{Client, Status, encode_segment};
use crate::error::Error;

/// How many deployments bim asks for: far more than anyone rolls back across.
const LIMIT: usize = 50;

/// One deployment in an app's history.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Release {
    pub id: String,
    pub image: String,
    #[serde(default)]
    pub digest: Option<String>,
    pub status: Status,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

#[derive(Deserialize)]
struct Page {
    deployments: Vec<Release>,
}

impl Client {
    /// The app's deployments, newest first (at most `LIMIT`).
    pub fn deployments(&self, app: &str) -> Result<Vec<Release>, Error> {
        let url = format!("{}/v1/apps/{}/deployments?limit={LIMIT}", self.base, encode_segment(app));
        let page: Page = self.parse(&self.fetch(&url, Some(app))?)?;
        let clean = |text: Option<String>| text.map(|t| self.clean(&t));
        Ok(page
            .deployments
            .into_iter()
            .map(|r| Release {
                id: self.clean(&r.id),
                image: self.clean(&r.image),
                digest: clean(r.digest),
                status: r.status,
                created_at: clean(r.created_at),
                url: clean(r.url),
                commit: clean(r.commit),
            })
            .collect())
    }
}
