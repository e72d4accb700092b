//! The questions `bim init` asks a person: each defaults to the detected (or bim.toml)
//! answer, and each is skipped when its flag was given. The answers come back as the same
//! `Overrides` flags produce, so they are validated exactly as flags are.

use crate::answer_fields::TextAnswer;
use crate::answers::{self, Overrides};
use crate::config::{Ci, Config, Registry, ServiceConfig};
use crate::detect::{Detection, Language};
use crate::error::Error;
use crate::prompt::Prompter;
use crate::validate;

pub fn interview(
    detection: &Detection,
    existing: Option<&Config>,
    flags: &Overrides,
    remote_ci: Option<Ci>,
    prompter: &mut dyn Prompter,
) -> Result<Overrides, Error> {
    let mut answers = flags.clone();
    // Offered where GitLab is in view: the origin remote is a GitLab host, or bim.toml
    // already chose it. Elsewhere GitHub is the answer, without a question.
    let current_ci = existing.map(|c| c.ci).or(remote_ci).unwrap_or_default();
    if flags.ci.is_none() && (current_ci == Ci::Gitlab || remote_ci == Some(Ci::Gitlab)) {
        let items = vec!["GitHub Actions".to_string(), "GitLab CI/CD (.gitlab-ci.yml)".to_string()];
        let default = if current_ci == Ci::Gitlab { 1 } else { 0 };
        answers.ci =
            Some(match prompter.select("Which CI should test, build and deploy?", &items, default)? {
                1 => Ci::Gitlab.into(),
                _ => Ci::Github.into(),
            });
    }
    let ci = answers.ci().unwrap_or(current_ci);
    let services: Vec<ServiceConfig> = match existing {
        Some(config) => config.services.clone(),
        None => detection.services.iter().map(answers::from_detected).collect(),
    };
    if services.len() > 1 && flags.services.is_empty() {
        let items: Vec<String> =
            services.iter().map(|s| format!("{} ({}, {})", s.path, s.app, s.language)).collect();
        let chosen =
            prompter.multiselect("Which services should deploy?", &items, &vec![true; items.len()])?;
        if chosen.is_empty() {
            return Err(Error::Usage {
                message: "no service was chosen".into(),
                flag: Some("--service PATH".into()),
            });
        }
        answers.services = chosen.iter().map(|&i| services[i].path.clone()).collect();
    }
    let selected: Vec<&ServiceConfig> = services
        .iter()
        .filter(|s| answers.services.is_empty() || answers.services.iter().any(|w| s.is_named(w)))
        .collect();
    if let [service] = selected.as_slice() {
        ask_service(service, detection, flags, &mut answers, prompter)?;
    }
    if flags.registry.is_none() {
        let current = match existing.map(|c| c.registry.clone()) {
            Some(Registry::Ghcr | Registry::Gitlab) | None => ci.default_registry(),
            Some(other) => other,
        };
        let items = vec![
            match ci {
                Ci::Github => "GitHub Container Registry (ghcr.io)".to_string(),
                Ci::Gitlab => "The GitLab project's container registry".to_string(),
            },
            "Docker Hub".to_string(),
            "Another registry host".to_string(),
        ];
        let default = match current {
            Registry::Ghcr | Registry::Gitlab => 0,
            Registry::Dockerhub => 1,
            Registry::Host(_) => 2,
        };
        answers.registry =
            Some(match prompter.select("Where should images be pushed?", &items, default)? {
                0 => ci.default_registry().to_string(),
                1 => "dockerhub".into(),
                _ => {
                    let host = if let Registry::Host(h) = &current { h.clone() } else { String::new() };
                    prompter.input("Registry host", &host, &|v| validate::host(v, "--registry"))?
                }
            });
    }
    if let [service] = selected.as_slice()
        && flags.image.is_none()
    {
        let current = service.image.clone().unwrap_or_default();
        let image = prompter.input("Image name (empty: derived from the repository)", &current, &|v| {
            if v.is_empty() { Ok(()) } else { validate::image(v, "--image") }
        })?;
        answers.image = (!image.is_empty()).then_some(image);
    }
    if flags.branch.is_none() {
        let current = existing.map_or_else(|| "main".to_string(), |c| c.branch.clone());
        answers.branch =
            Some(prompter.input("Deploy pushes to branch", &current, &|v| validate::branch(v, "--branch"))?);
    }
    Ok(answers)
}

fn ask_service(
    service: &ServiceConfig,
    detection: &Detection,
    flags: &Overrides,
    answers: &mut Overrides,
    prompter: &mut dyn Prompter,
) -> Result<(), Error> {
    let detected = detection.services.iter().find(|d| d.path == service.path);
    if flags.language.is_none()
        && let Some(detected) = detected
        && !detected.other_languages.is_empty()
    {
        let mut choices = vec![detected.language];
        choices.extend(detected.other_languages.iter().copied());
        let items: Vec<String> = choices.iter().map(Language::to_string).collect();
        let index = prompter.select(
            &format!("{} looks like more than one kind of app. Which is it?", service.path),
            &items,
            0,
        )?;
        if index > 0 {
            answers.language = Some(choices[index].into());
        }
    }
    if flags.port.is_none() {
        let port = prompter.input("Port the app listens on", &service.port.to_string(), &|v| match v
            .parse::<u16>()
        {
            Ok(p) => validate::port(p, "--port"),
            Err(_) => Err(Error::Usage { message: format!("`{v}` is not a port (1-65535)"), flag: None }),
        })?;
        answers.port = port.parse().ok();
    }
    if flags.start_command.is_none() && service.needs_start_command() {
        let current = service.start_command.clone().unwrap_or_default();
        answers.start_command =
            Some(prompter.input("Start command", &current, &|v| TextAnswer::StartCommand.check(v))?);
    }
    if flags.app.is_none() {
        answers.app =
            Some(prompter.input("Backend.im app name", &service.app, &|v| validate::app_name(v, "--app"))?);
    }
    Ok(())
}
