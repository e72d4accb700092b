//! Development-mode commands: servers that watch, reload or debug. They are never an
//! image's start, whether a package.json script, a Procfile line or a Makefile target
//! names them: their tools are dev dependencies the image drops, and they serve for one.

/// Words that mark a development server or watcher, matched as whole words.
const DEV_TOOLS: &[&str] = &[
    "nodemon",
    "ts-node-dev",
    "tsx watch",
    "next dev",
    "nuxt dev",
    "astro dev",
    "vite dev",
    "nx serve",
    "--watch",
    "webpack serve",
    "webpack-dev-server",
    "react-scripts start",
    "ng serve",
    "remix dev",
    "svelte-kit dev",
    "turbo dev",
    "concurrently",
    "browser-sync",
    "runserver",
    "--reload",
    "--debug",
    "flask --debug",
    "air",
    "cargo watch",
    "mix phx.server --dev",
    // Framework and platform dev servers, each a tool's own `dev`/`serve` verb.
    "nitro dev",
    "nuxi dev",
    "vinxi dev",
    "expo start",
    "react-native start",
    "gatsby develop",
    "docusaurus start",
    "vue-cli-service serve",
    "ember serve",
    "storybook dev",
    "start-storybook",
    "wrangler dev",
    "vercel dev",
    "netlify dev",
    "tauri dev",
    "sst dev",
    "rw dev",
    "redwood dev",
    "--hot",
    "--inspect",
    "artisan serve",
    "hugo server",
    "jekyll serve",
    "mkdocs serve",
];

/// Whether a command (one step of it) runs a development server or watcher.
pub fn is_dev(step: &str) -> bool {
    let padded = format!(" {} ", step.trim());
    DEV_TOOLS
        .iter()
        .any(|tool| padded.contains(&format!(" {tool} ")) || padded.contains(&format!("/{tool} ")))
        || step.trim() == "vite"
        || (step.trim_start().starts_with("vite ")
            && !step.trim_start().starts_with("vite build")
            && !step.trim_start().starts_with("vite preview"))
}

/// The recipe of a Makefile target, when it is one line (`run:` then one command).
pub fn make_recipe(makefile: &str, target: &str) -> Option<String> {
    let mut lines = makefile.lines();
    while let Some(line) = lines.next() {
        if line.split(':').next().map(str::trim) == Some(target)
            && !line.starts_with('\t')
            && line.contains(':')
        {
            let recipe: Vec<&str> = lines
                .by_ref()
                .take_while(|l| l.starts_with('\t'))
                .map(|l| l.trim().trim_start_matches('@'))
                .collect();
            return (recipe.len() == 1).then(|| recipe[0].to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_servers_are_told_from_production_ones() {
        for dev in [
            "nodemon src/index.js",
            "python -m manage runserver 0.0.0.0:8000",
            "uvicorn app:app --reload",
            "nx serve",
            "vite",
            "next dev -p 3000",
            "nitro dev",
            "expo start --dev-client",
            "wrangler dev src/index.ts",
            "php artisan serve --port 8000",
            "bun --hot src/index.ts",
        ] {
            assert!(is_dev(dev), "{dev}");
        }
        for prod in [
            "node dist/server.js",
            "gunicorn app:app",
            "vite preview",
            "next start",
            "npx vite build",
            "nitro build",
        ] {
            assert!(!is_dev(prod), "{prod}");
        }
    }

    #[test]
    fn a_one_line_make_target_is_read() {
        let makefile = "run:\n\tpython -m manage runserver\n\ntest:\n\tpytest\n\tflake8\n";
        assert_eq!(make_recipe(makefile, "run").as_deref(), Some("python -m manage runserver"));
        assert_eq!(make_recipe(makefile, "test"), None);
    }
}
