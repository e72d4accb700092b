//! Java apps built with Maven (pom.xml) or Gradle (build.gradle[.kts]), with or without
//! their wrappers; Spring Boot and Quarkus. When both build tools are present, bim warns
//! and chooses.

use crate::detect::Field;
use std::sync::LazyLock;

use crate::pattern::Pattern;

use super::dir::Dir;
use super::model::{Framework, Language, PackageManager, Service};
use super::{app_name, defaults, port, versions};
use crate::error::Error;

const CONFIG: &[&str] = &[".properties", ".yml", ".yaml"];

static SERVER_PORT: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r"(?m)^\s*(?:server\.port|quarkus\.http\.port)\s*[=:]\s*(\d{2,5})\s*$"));
static YAML_SERVER_PORT: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r"(?m)^server:\s*\n(?:[ \t]+.*\n)*?[ \t]+port:\s*(\d{2,5})"));
static GRADLE_TOOLCHAIN: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r"JavaLanguageVersion\.of\(\s*(\d+)\s*\)"));
static GRADLE_COMPAT: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(r#"sourceCompatibility\s*=\s*(?:JavaVersion\.VERSION_(?:1_)?|['"])?(\d+)"#)
});

/// What one build file says.
struct Build {
    file: String,
    name: Option<String>,
    framework: Framework,
    java: Option<(String, String)>,
    actuator: bool,
    smallrye_health: bool,
    runnable: bool,
}

/// Java and Kotlin: a Maven or Gradle build.
pub struct Java;

impl super::stack::Stack for Java {
    fn languages(&self) -> &'static [Language] {
        &[Language::Java]
    }

    fn triggers(&self) -> &'static [&'static str] {
        &["pom.xml", "build.gradle", "build.gradle.kts"]
    }

    fn detect(&self, dir: &Dir) -> Result<Option<Service>, Error> {
        detect(dir)
    }

    fn facts(&self, at: &super::facts::At, facts: &mut super::facts::Facts) -> Result<(), Error> {
        let maven = at.query.package_manager == PackageManager::Maven;
        facts.inputs = if maven {
            at.copy_here(&["pom.xml", "mvnw"])
        } else {
            at.copy_here(&[
                "build.gradle",
                "build.gradle.kts",
                "settings.gradle",
                "settings.gradle.kts",
                "gradle.properties",
                "gradlew",
            ])
        };
        // The wrapper scripts need their folder (and Gradle its version catalog there).
        let wrapper_dir = if maven { ".mvn" } else { "gradle" };
        if at.snap.has_dir(&crate::scan::join(at.context, wrapper_dir)) {
            facts.inputs.push(format!("{wrapper_dir}/"));
        }
        Ok(())
    }
}

pub fn detect(dir: &Dir) -> Result<Option<Service>, Error> {
    let maven = maven(dir)?;
    let gradle = gradle(dir)?;
    let use_gradle = match (&maven, &gradle) {
        (None, None) => return Ok(None),
        (Some(_), None) => false,
        (None, Some(_)) => true,
        (Some(_), Some(_)) => dir.has("gradlew") && !dir.has("mvnw"),
    };
    let (build, pm) = if use_gradle {
        (gradle.as_ref(), PackageManager::Gradle)
    } else {
        (maven.as_ref(), PackageManager::Maven)
    };
    let Some(build) = build else { return Ok(None) };
    if !build.runnable {
        return Ok(None); // a library or a parent build
    }
    let mut service =
        Service::new(dir.path, app_name(&build.name.clone().unwrap_or_else(|| dir.name())), Language::Java);
    service.found(Field::Language, &build.file, "Java build file");
    service.package_manager = pm;
    service.found(Field::PackageManager, &build.file, format!("{pm} build"));
    if maven.is_some() && gradle.is_some() {
        let other = if use_gradle { "maven" } else { "gradle" };
        service.warn(format!(
            "both Maven and Gradle builds are present; chose {pm} — pass --package-manager {other} to use the other"
        ));
    }
    if build.framework != Framework::None {
        service.framework = build.framework;
        service.found(Field::Framework, &build.file, format!("uses {}", build.framework));
    }
    let pin = match &build.java {
        Some((version, detail)) => Some(versions::Pin {
            version: version.clone(),
            file: build.file.clone(),
            detail: detail.clone(),
            range: None,
        }),
        None => versions::find(dir, &[".java-version"], &["java"])?,
    };
    versions::apply(&mut service, pin, defaults::JAVA, "Java");

    let (build_cmd, test_cmd) = match (pm, dir.has("mvnw"), dir.has("gradlew")) {
        (PackageManager::Maven, true, _) => ("./mvnw -B package -DskipTests", "./mvnw -B test"),
        (PackageManager::Maven, false, _) => ("mvn -B package -DskipTests", "mvn -B test"),
        (_, _, true) => ("./gradlew build -x test", "./gradlew test"),
        _ => ("gradle build -x test", "gradle test"),
    };
    service.build_command = Some(build_cmd.into());
    service.test_command = Some(test_cmd.into());
    service.start_command = Some(if build.framework == Framework::Quarkus {
        "java -jar quarkus-app/quarkus-run.jar".into()
    } else {
        "java -jar app.jar".into()
    });
    if build.actuator {
        service.found(Field::HealthcheckPath, &build.file, "spring-boot-starter-actuator");
        service.healthcheck_path = Some("/actuator/health".into());
    } else if build.smallrye_health {
        service.found(Field::HealthcheckPath, &build.file, "quarkus-smallrye-health");
        service.healthcheck_path = Some("/q/health".into());
    }
    let found = port::search(dir, CONFIG, &[&SERVER_PORT, &YAML_SERVER_PORT])?;
    port::apply(&mut service, found, 8080, "Spring Boot and Quarkus serve on 8080");
    Ok(Some(service))
}

fn maven(dir: &Dir) -> Result<Option<Build>, Error> {
    let rel = dir.rel("pom.xml");
    let parsed = crate::manifest::xml(dir.snap, &rel, |doc| {
        let root = doc.root_element();
        let child = |node: roxmltree::Node, name: &str| {
            node.children()
                .find(|c| c.has_tag_name(name))
                .and_then(|c| c.text())
                .map(|t| t.trim().to_string())
        };
        let artifact = child(root, "artifactId");
        let packaging = child(root, "packaging");
        let parent = root.children().find(|c| c.has_tag_name("parent")).and_then(|p| child(p, "artifactId"));
        let mut groups = Vec::new();
        let mut artifacts = Vec::new();
        for dep in root.descendants().filter(|n| n.has_tag_name("dependency") || n.has_tag_name("plugin")) {
            groups.extend(child(dep, "groupId"));
            artifacts.extend(child(dep, "artifactId"));
        }
        let prop = |name: &str| {
            root.children()
                .find(|c| c.has_tag_name("properties"))
                .and_then(|p| child(p, name))
                .map(|v| (v, name.to_string()))
        };
        let java = prop("java.version")
            .or_else(|| prop("maven.compiler.release"))
            .or_else(|| prop("maven.compiler.source"));
        (artifact, packaging, parent, groups, artifacts, java)
    })?;
    let Some((artifact, packaging, parent, groups, artifacts, java)) = parsed else {
        return Ok(None);
    };
    let spring = parent.as_deref().is_some_and(|p| p.starts_with("spring-boot"))
        || groups.iter().any(|g| g == "org.springframework.boot");
    let quarkus = groups.iter().any(|g| g.starts_with("io.quarkus"));
    let framework = if spring {
        Framework::SpringBoot
    } else if quarkus {
        Framework::Quarkus
    } else {
        Framework::None
    };
    Ok(Some(Build {
        file: rel,
        name: artifact,
        framework,
        java: java.and_then(|(v, key)| Some((versions::normalize(&v)?, format!("<{key}>{v}</{key}>")))),
        actuator: artifacts.iter().any(|a| a == "spring-boot-starter-actuator"),
        smallrye_health: artifacts.iter().any(|a| a == "quarkus-smallrye-health"),
        runnable: framework != Framework::None
            || (packaging.as_deref() != Some("pom")
                && artifacts.iter().any(|a| a == "maven-shade-plugin" || a == "exec-maven-plugin")),
    }))
}

fn gradle(dir: &Dir) -> Result<Option<Build>, Error> {
    let Some(rel) = dir.first_of(&["build.gradle.kts", "build.gradle"]) else {
        return Ok(None);
    };
    let Some(file) = crate::manifest::text(dir.snap, &rel)? else {
        return Ok(None);
    };
    let text = &file.text;
    let framework = if text.contains("org.springframework.boot") {
        Framework::SpringBoot
    } else if text.contains("io.quarkus") {
        Framework::Quarkus
    } else {
        Framework::None
    };
    let java = GRADLE_TOOLCHAIN
        .captures(text)
        .map(|c| (c[1].to_string(), format!("toolchain {}", &c[0])))
        .or_else(|| GRADLE_COMPAT.captures(text).map(|c| (c[1].to_string(), c[0].to_string())));
    let settings = dir.first_of(&["settings.gradle.kts", "settings.gradle"]);
    let name = match settings {
        Some(s) => dir.snap.read(&s)?.and_then(|f| {
            let re = Pattern::new(r#"rootProject\.name\s*=\s*['"]([^'"]+)['"]"#);
            re.captures(&f.text).map(|c| c[1].to_string())
        }),
        None => None,
    };
    Ok(Some(Build {
        file: rel,
        name,
        framework,
        java,
        actuator: text.contains("spring-boot-starter-actuator"),
        smallrye_health: text.contains("quarkus-smallrye-health"),
        runnable: framework != Framework::None || text.contains("application") && text.contains("mainClass"),
    }))
}
