//! `bim rollback` (experimental): run again an image that was live before, by digest.
//! Backend.im lists the app's deployments newest first; the newest live one is what serves
//! now (a rollback is itself a new deployment, so this stays true after one). Without
//! `--to`, bim takes the newest live one before it whose digest differs. The redeploy is an
//! ordinary deployment — the create call, idempotency key and wait of `bim deploy` — pinned
//! as `name@digest`, so a tag moved since cannot change what runs.
//!
//! It sends no release command: the older image's migrations ran when it was live, and
//! undoing a schema is a decision for a person, not a rollback (Heroku's rule too).

use std::path::PathBuf;

use serde::Serialize;

use super::deploy::{self, Connection, Wait};
use crate::api::{DeployRequest, Deployment, Release, Status};
use crate::error::Error;
use crate::prompt::Prompter;
use crate::scrub;

pub struct RollbackOptions {
    pub app: Option<String>,
    /// A digest (`sha256:…`) or a deployment id from the app's history.
    pub to: Option<String>,
    pub wait: Wait,
    pub connection: Connection,
    /// Where to look for bim.toml.
    pub path: PathBuf,
}

/// What `bim rollback --json` prints.
#[derive(Debug, Serialize)]
pub struct RollbackReport {
    pub app: String,
    /// What served when the rollback started.
    pub from: Release,
    /// The earlier deployment whose image runs again.
    pub to: Release,
    /// The image deployed, `name@digest`.
    pub image: String,
    /// The new deployment: live, after `--wait`.
    pub deployment: Deployment,
}

/// Most deployments an error lists; the rest are counted.
const LISTED: usize = 10;

pub fn rollback(
    options: &RollbackOptions,
    prompter: Option<&mut dyn Prompter>,
    progress: &mut dyn FnMut(&Deployment),
) -> Result<RollbackReport, Error> {
    let config = deploy::read_config(&options.path)?;
    let app = deploy::app(options.app.as_deref(), config.as_ref())?;
    let client = deploy::client(&options.connection, config.as_ref(), prompter)?;
    let history = client.deployments(&app)?;
    let (from, to) = choose(&app, &history, options.to.as_deref())?;
    let digest = digest_of(to).ok_or_else(|| Error::Usage {
        message: format!(
            "deployment {} of {app} has no digest on record, and bim rolls back only by digest (its tag may name another image now)",
            to.id
        ),
        flag: Some(format!(
            "--to with a deployment that has one, or `bim deploy --image {} --app {app}` if you trust that tag",
            to.image
        )),
    })?;
    let (name, _, _) = deploy::split_image(&to.image);
    let image = format!("{name}@{digest}");
    let answers = config.as_ref().and_then(|c| c.services.iter().find(|s| s.app == app));
    let request = DeployRequest {
        app: app.clone(),
        image: image.clone(),
        digest: Some(digest),
        commit: to.commit.clone(),
        git_ref: None,
        release_command: None,
        processes: answers.map(|s| s.processes.clone()).unwrap_or_default(),
    };
    let deployment = deploy::create_and_wait(&client, &request, options.wait, progress)?;
    Ok(RollbackReport { app, from: from.clone(), to: to.clone(), image, deployment })
}

/// The deployment serving now, and the one to go back to.
fn choose<'h>(
    app: &str,
    history: &'h [Release],
    to: Option<&str>,
) -> Result<(&'h Release, &'h Release), Error> {
    let live: Vec<&Release> = history.iter().filter(|r| r.status == Status::Live).collect();
    let Some(&current) = live.first() else {
        return Err(Error::Usage {
            message: format!(
                "no deployment of {app} is live, so there is nothing to roll back from{}",
                listing(history)
            ),
            flag: Some(format!("`bim deploy --image REF --app {app}` to deploy an image")),
        });
    };
    let Some(to) = to else {
        return live.iter().skip(1).find(|r| digest_of(r) != digest_of(current)).copied().map(|r| (current, r)).ok_or_else(|| Error::Usage {
            message: format!(
                "{app} has no live deployment before {} with another image{}",
                current.id,
                listing(history)
            ),
            flag: Some("--to DIGEST|DEPLOYMENT_ID to name one, or `bim deploy --image REF --digest DIGEST` for an image never deployed".into()),
        });
    };
    let named = |r: &&Release| r.id == to || digest_of(r).as_deref() == Some(to);
    // A digest deployed several times: its newest live deployment.
    let Some(target) = live.iter().copied().find(named).or_else(|| history.iter().find(named)) else {
        return Err(Error::Usage {
            message: format!(
                "{app} has no deployment or digest `{}`{}",
                scrub::printable(to),
                listing(history)
            ),
            flag: Some("--to with one of the ids or digests listed".into()),
        });
    };
    if target.status != Status::Live {
        return Err(Error::Usage {
            message: format!(
                "deployment {} of {app} never went live (it is {}); rollback goes back only to an image that served{}",
                target.id,
                target.status.as_str(),
                listing(&live.iter().map(|r| (*r).clone()).collect::<Vec<_>>())
            ),
            flag: Some("--to with a live deployment, or `bim deploy --image REF --digest DIGEST` to deploy that image anyway".into()),
        });
    }
    if digest_of(target).is_some() && digest_of(target) == digest_of(current) {
        return Err(Error::Usage {
            message: format!(
                "{} runs the image that is live now ({}): nothing to roll back",
                target.id, current.id
            ),
            flag: Some("--to with an earlier deployment".into()),
        });
    }
    Ok((current, target))
}

/// The digest a deployment ran: its own field, else the one its image reference pins.
fn digest_of(release: &Release) -> Option<String> {
    release.digest.clone().filter(|d| deploy::is_digest(d)).or_else(|| {
        deploy::split_image(&release.image).2.filter(|d| deploy::is_digest(d)).map(str::to_string)
    })
}

/// `: d-3 (live, sha256:1a2b3c4d5e6f, 2026-12-01T10:00:00Z), …` for an error, cut at `LISTED`.
fn listing(history: &[Release]) -> String {
    if history.is_empty() {
        return " (it has no deployments)".into();
    }
    let shown: Vec<String> = history
        .iter()
        .take(LISTED)
        .map(|r| {
            let digest = digest_of(r).map_or_else(|| "no digest".to_string(), |d| d[..19].to_string());
            let when = r.created_at.as_deref().map(|t| format!(", {t}")).unwrap_or_default();
            format!("{} ({}, {digest}{when})", r.id, r.status.as_str())
        })
        .collect();
    let more = history.len().saturating_sub(LISTED);
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    format!("; its deployments, newest first: {}{more}", shown.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(id: &str, status: Status, digest: char) -> Release {
        Release {
            id: id.into(),
            image: "ghcr.io/acme/orders:sha-1".into(),
            digest: Some(format!("sha256:{}", digest.to_string().repeat(64))),
            status,
            created_at: None,
            url: None,
            commit: None,
        }
    }

    #[test]
    fn the_target_is_the_newest_earlier_live_image_that_differs() {
        let history = [
            release("d-5", Status::Failed, 'e'),
            release("d-4", Status::Live, 'd'),
            release("d-3", Status::Live, 'd'),
            release("d-2", Status::Failed, 'b'),
            release("d-1", Status::Live, 'a'),
        ];
        let (from, to) = choose("orders", &history, None).expect("a target");
        assert_eq!((from.id.as_str(), to.id.as_str()), ("d-4", "d-1"));
        let digest = format!("sha256:{}", "a".repeat(64));
        assert_eq!(choose("orders", &history, Some(&digest)).expect("by digest").1.id, "d-1");
        assert_eq!(choose("orders", &history, Some("d-1")).expect("by id").1.id, "d-1");
        for (to, says) in
            [("d-2", "never went live"), ("d-3", "nothing to roll back"), ("d-9", "no deployment or digest")]
        {
            let err = choose("orders", &history, Some(to)).expect_err(to).to_string();
            assert!(err.contains(says), "{to}: {err}");
        }
        let err = choose("orders", &history[..3], None).expect_err("only one image was live").to_string();
        assert!(err.contains("no live deployment before d-4"), "{err}");
    }
}
