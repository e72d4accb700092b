//! Apps that run on a person's device, not on a server: desktop apps (Tauri, Electron),
//! mobile apps (React Native, Expo) and browser extensions. Whatever web framework they
//! use, there is nothing to deploy, so their folders are no service. One table says which
//! dependency marks each kind.

use super::dir::Dir;
use super::model::Service;
use crate::error::Error;

/// A dependency (npm package or Rust crate) that makes an app a client app, and what kind.
const CLIENT_DEPENDENCIES: &[(&str, &str)] = &[
    ("tauri", "a Tauri desktop app"),
    // The build tool, not `@tauri-apps/api`, which a web app sharing code with its
    // desktop build imports too.
    ("@tauri-apps/cli", "a Tauri desktop app"),
    ("electron", "an Electron desktop app"),
    ("react-native", "a React Native mobile app"),
    ("expo", "an Expo mobile app"),
    ("wxt", "a browser extension"),
    ("plasmo", "a browser extension"),
    ("@crxjs/vite-plugin", "a browser extension"),
    ("webextension-polyfill", "a browser extension"),
];

/// Files whose `manifest_version` key marks a browser extension's own manifest (a web
/// app's manifest has none).
const EXTENSION_MANIFESTS: &[&str] = &["manifest.json", "public/manifest.json", "src/manifest.json"];

/// What kind of client app the service in `dir` is, if it is one.
pub fn kind(dir: &Dir, service: &Service) -> Result<Option<&'static str>, Error> {
    if let Some((_, kind)) = CLIENT_DEPENDENCIES.iter().find(|(dep, _)| service.dependencies.contains(*dep)) {
        return Ok(Some(kind));
    }
    for name in EXTENSION_MANIFESTS {
        if dir.text(name)?.is_some_and(|f| f.text.contains("\"manifest_version\"")) {
            return Ok(Some("a browser extension"));
        }
    }
    Ok(None)
}
