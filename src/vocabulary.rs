//! The vocabulary every layer speaks: languages, frameworks and package managers, each a
//! lower-case word that flags, bim.toml and JSON all spell the same way. At the ground
//! floor, so that the scan's read limits and the lockfile table can name them too.

use serde::{Deserialize, Serialize};

/// A closed set of words a flag, a tool argument or bim.toml takes.
pub trait Words: Sized + Copy + Send + Sync + 'static {
    fn words() -> Vec<&'static str>;
    /// The value a word names, or a message listing the words.
    fn from_word(word: &str) -> Result<Self, String>;
}

/// Declares a lower-case vocabulary enum with `as_str`, `FromStr` and the list of values,
/// so flags, bim.toml and JSON all spell a value the same way.
macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Words for $name {
            fn words() -> Vec<&'static str> {
                $name::ALL.iter().map(|v| v.as_str()).collect()
            }
            fn from_word(word: &str) -> Result<Self, String> {
                word.parse()
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| {
                        let names: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                        format!("unknown value `{s}`; expected one of: {}", names.join(", "))
                    })
            }
        }
    };
}

vocabulary!(
    /// The runtime a service needs.
    Language {
        Node => "node", Bun => "bun", Deno => "deno", Python => "python", Go => "go",
        Rust => "rust", Java => "java", Ruby => "ruby", Php => "php", Dotnet => "dotnet",
        Elixir => "elixir", Static => "static",
    }
);

vocabulary!(
    /// The web framework, or `none` for plain standard-library servers.
    Framework {
        Express => "express", Nestjs => "nestjs", Nextjs => "nextjs", Nuxt => "nuxt",
        Remix => "remix", Sveltekit => "sveltekit", Fastify => "fastify", Hono => "hono",
        Elysia => "elysia", Vite => "vite", Fresh => "fresh", Fastapi => "fastapi",
        Flask => "flask", Django => "django", Gin => "gin", Echo => "echo", Fiber => "fiber",
        Chi => "chi", Axum => "axum", Actix => "actix", Rocket => "rocket",
        SpringBoot => "spring-boot", Quarkus => "quarkus", Rails => "rails",
        Sinatra => "sinatra", Laravel => "laravel", Symfony => "symfony",
        Aspnetcore => "aspnetcore", Phoenix => "phoenix", Jekyll => "jekyll", None => "none",
    }
);

impl Framework {
    /// A framework whose build makes the server or the site (Next.js, Nuxt, Remix,
    /// SvelteKit, Vite, Jekyll): its start and port follow the framework's conventions,
    /// not a server the app's code starts, so a missing start is not a missing answer.
    pub fn builds_its_server(self) -> bool {
        matches!(
            self,
            Framework::Nextjs
                | Framework::Nuxt
                | Framework::Remix
                | Framework::Sveltekit
                | Framework::Vite
                | Framework::Jekyll
        )
    }
}

vocabulary!(
    /// The tool that installs dependencies and runs scripts.
    PackageManager {
        Npm => "npm", Yarn => "yarn", Pnpm => "pnpm", Bun => "bun", Deno => "deno",
        Pip => "pip", Poetry => "poetry", Uv => "uv", Pipenv => "pipenv", Pdm => "pdm",
        Go => "go", Cargo => "cargo", Maven => "maven", Gradle => "gradle",
        Bundler => "bundler", Composer => "composer", Dotnet => "dotnet", Mix => "mix",
        None => "none",
    }
);
