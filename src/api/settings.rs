//! An app's settings (the environment it runs with) in Backend.im: names come out, values
//! only go in. `GET /v1/apps/{app}/settings` answers names; `PATCH` sends `{name: value}`
//! and answers which names it created, changed or left as they were. A value travels in
//! the PATCH body and nowhere else, and a reply that quotes one has it redacted.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Client, encode_segment};
use crate::error::Error;

#[derive(Deserialize)]
struct Names {
    names: Vec<String>,
}

/// What the server says a PATCH did, by name; `None` where it did not say.
#[derive(Debug, Default, Deserialize)]
pub struct SettingsOutcome {
    #[serde(default)]
    pub created: Option<Vec<String>>,
    #[serde(default)]
    pub updated: Option<Vec<String>>,
    #[serde(default)]
    pub unchanged: Option<Vec<String>>,
}

/// One name's fate, as far as the server tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingChange {
    Created,
    Updated,
    Unchanged,
    /// Sent; the server did not say what it did with it.
    Sent,
}

impl SettingsOutcome {
    pub fn of(&self, name: &str) -> SettingChange {
        let has = |list: &Option<Vec<String>>| list.as_ref().is_some_and(|l| l.iter().any(|n| n == name));
        if has(&self.created) {
            SettingChange::Created
        } else if has(&self.updated) {
            SettingChange::Updated
        } else if has(&self.unchanged) {
            SettingChange::Unchanged
        } else {
            SettingChange::Sent
        }
    }
}

impl Client {
    fn settings_url(&self, app: &str) -> String {
        format!("{}/v1/apps/{}/settings", self.base, encode_segment(app))
    }

    /// The names of the settings the app has (never their values).
    pub fn setting_names(&self, app: &str) -> Result<Vec<String>, Error> {
        let names: Names = self.parse(&self.fetch(&self.settings_url(app), Some(app))?)?;
        Ok(names.names.iter().map(|n| self.clean(n)).collect())
    }

    /// Sets these settings (others are left alone). From here on every reply this client
    /// shows has the values redacted.
    pub fn set_settings(
        &mut self,
        app: &str,
        values: &BTreeMap<String, String>,
    ) -> Result<SettingsOutcome, Error> {
        self.hidden.extend(values.values().cloned());
        let body = serde_json::to_string(values).map_err(|e| Error::Internal(e.to_string()))?;
        let url = self.settings_url(app);
        let reply = self.call(Some(app), || {
            self.agent
                .patch(&url)
                .header("Authorization", &format!("Bearer {}", self.token))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .send(body.as_bytes())
        })?;
        // An empty 200 or 204 says nothing more than that it was done.
        if reply.trim().is_empty() {
            return Ok(SettingsOutcome::default());
        }
        let outcome: SettingsOutcome = self.parse(&reply)?;
        let clean = |list: Option<Vec<String>>| list.map(|l| l.iter().map(|n| self.clean(n)).collect());
        Ok(SettingsOutcome {
            created: clean(outcome.created),
            updated: clean(outcome.updated),
            unchanged: clean(outcome.unchanged),
        })
    }
}
