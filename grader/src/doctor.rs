//! `grader doctor`: is this machine ready to grade? (the roteiro's Partes 1-2, checked).
//!
//! Each line is a fact with OK, or what to do. Grading needs cargo and one way to run
//! Prometheus (Docker with the image, or the binary); the rest is advice.

use std::net::{Ipv4Addr, TcpListener};
use std::path::Path;
use std::process::Command;

use crate::course::Course;
use crate::lang::{Lang, Text, both};
use crate::prometheus::{self, find_binary};

#[derive(Debug)]
pub struct Finding {
    pub ok: bool,
    /// Whether grading is impossible without it.
    pub required: bool,
    pub what: Text,
    pub detail: Text,
}

/// Every finding; the machine can grade when no required one failed and at least one way of
/// running Prometheus works.
pub async fn examine(course: Option<&Path>, image: &str, bin: Option<&Path>) -> Vec<Finding> {
    let mut out = Vec::new();
    out.push(match Course::locate(course) {
        Ok(c) => ok(
            both("curso", "course"),
            both(c.root.display().to_string(), c.root.display().to_string()),
        ),
        Err(e) => bad(
            true,
            both("curso", "course"),
            both(
                format!("{e} (rode de dentro do repositório do curso)"),
                e.to_string(),
            ),
        ),
    });
    out.push(match version_of("cargo", &["--version"]) {
        Some(v) => ok(both("Rust (cargo)", "Rust (cargo)"), both(v.clone(), v)),
        None => bad(
            true,
            both("Rust (cargo)", "Rust (cargo)"),
            both(
                "cargo não encontrado: instale o Rust com rustup (rustup.rs)",
                "cargo not found: install Rust with rustup (rustup.rs)",
            ),
        ),
    });

    let docker = match crate::docker::engine().await {
        Ok(d) => {
            let v = d
                .version()
                .await
                .ok()
                .and_then(|v| v.version)
                .unwrap_or_else(|| "?".into());
            out.push(ok(
                both("Docker", "Docker"),
                both(
                    format!("motor {v} respondeu"),
                    format!("engine {v} answered"),
                ),
            ));
            Some(d)
        }
        Err(e) => {
            out.push(bad(
                false,
                both("Docker", "Docker"),
                both(
                    format!("{}: instale o Docker, ou use o binário do Prometheus", e.pt),
                    format!("{}: install Docker, or use the Prometheus binary", e.en),
                ),
            ));
            None
        }
    };
    let mut image_ok = false;
    if let Some(d) = &docker {
        image_ok = d.inspect_image(image).await.is_ok();
        out.push(if image_ok {
            ok(both("imagem do Prometheus", "Prometheus image"), both(format!("{image} presente"), format!("{image} present")))
        } else {
            bad(false, both("imagem do Prometheus", "Prometheus image"), both(
                format!("{image} ausente: `docker pull {image}` (o avaliador também tenta baixar sozinho)"),
                format!("{image} missing: `docker pull {image}` (the grader also tries to pull it itself)"),
            ))
        });
    }
    let binary = find_binary(bin);
    out.push(match &binary {
        Some(b) => {
            let v = version_of(&b.display().to_string(), &["--version"]).unwrap_or_else(|| "?".into());
            ok(both("binário do Prometheus", "Prometheus binary"), both(format!("{} ({v})", b.display()), format!("{} ({v})", b.display())))
        }
        None => bad(false, both("binário do Prometheus", "Prometheus binary"), both(
            "não encontrado: `sudo apt-get install prometheus`, ou baixe em prometheus.io/download (ou --prometheus-bin)",
            "not found: `sudo apt-get install prometheus`, or download it from prometheus.io/download (or --prometheus-bin)",
        )),
    });
    // ex5 runs an Alertmanager beside Prometheus: the binary natively, the image in Docker
    // (pulled by the grader when missing).
    out.push(match prometheus::find_alertmanager(None) {
        Some(b) => {
            let v =
                version_of(&b.display().to_string(), &["--version"]).unwrap_or_else(|| "?".into());
            ok(
                both("binário do Alertmanager (ex5)", "Alertmanager binary (ex5)"),
                both(
                    format!("{} ({v})", b.display()),
                    format!("{} ({v})", b.display()),
                ),
            )
        }
        None => bad(
            false,
            both("binário do Alertmanager (ex5)", "Alertmanager binary (ex5)"),
            prometheus::how_to_install_alertmanager(),
        ),
    });
    // ex8 runs a Pushgateway beside Prometheus, the same way.
    out.push(match prometheus::find_pushgateway(None) {
        Some(b) => {
            let v =
                version_of(&b.display().to_string(), &["--version"]).unwrap_or_else(|| "?".into());
            ok(
                both("binário do Pushgateway (ex8)", "Pushgateway binary (ex8)"),
                both(
                    format!("{} ({v})", b.display()),
                    format!("{} ({v})", b.display()),
                ),
            )
        }
        None => bad(
            false,
            both("binário do Pushgateway (ex8)", "Pushgateway binary (ex8)"),
            prometheus::how_to_install_pushgateway(),
        ),
    });
    out.push(majors(binary.as_deref(), image, image_ok));
    let any_prometheus = image_ok || binary.is_some();
    out.push(if any_prometheus {
        ok(
            both("Prometheus para avaliar", "Prometheus to grade with"),
            both(
                if image_ok {
                    "Docker (imagem presente)"
                } else {
                    "binário local"
                },
                if image_ok {
                    "Docker (image present)"
                } else {
                    "local binary"
                },
            ),
        )
    } else {
        bad(
            true,
            both("Prometheus para avaliar", "Prometheus to grade with"),
            prometheus::how_to_install(),
        )
    });

    out.push(match TcpListener::bind((Ipv4Addr::LOCALHOST, 0)) {
        Ok(_) => ok(
            both("portas em 127.0.0.1", "ports on 127.0.0.1"),
            both(
                "o avaliador consegue abrir portas livres",
                "the grader can open free ports",
            ),
        ),
        Err(e) => bad(
            true,
            both("portas em 127.0.0.1", "ports on 127.0.0.1"),
            both(
                format!("não consegui abrir uma porta: {e}"),
                format!("could not open a port: {e}"),
            ),
        ),
    });
    // The roteiro's fixed ports: busy is fine for grading, but `docker compose up` and the
    // lessons' commands will clash.
    for (port, who) in [
        (5000, "app"),
        (9090, "Prometheus"),
        (9093, "Alertmanager"),
        (3000, "Grafana"),
    ] {
        let free = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok();
        out.push(if free {
            ok(
                both(
                    format!("porta {port} ({who})"),
                    format!("port {port} ({who})"),
                ),
                both("livre", "free"),
            )
        } else {
            bad(
                false,
                both(
                    format!("porta {port} ({who})"),
                    format!("port {port} ({who})"),
                ),
                both(
                    "em uso: o avaliador não precisa dela, mas os comandos das aulas sim",
                    "in use: the grader does not need it, but the lessons' commands do",
                ),
            )
        });
    }
    out
}

/// The report, and whether this machine can grade.
pub fn render(findings: &[Finding], lang: Lang) -> (String, bool) {
    let mut text = String::new();
    for f in findings {
        let mark = if f.ok {
            "OK "
        } else if f.required {
            "ERRO"
        } else {
            "aviso"
        };
        let mark = match (lang, mark) {
            (Lang::En, "ERRO") => "FAIL",
            (Lang::En, "aviso") => "warn",
            (_, m) => m,
        };
        text.push_str(&format!(
            "[{mark:<5}] {}: {}\n",
            f.what.get(lang),
            f.detail.get(lang)
        ));
    }
    let ready = findings.iter().all(|f| f.ok || !f.required);
    text.push_str(lang.t(
        if ready {
            "\nPronto para avaliar.\n"
        } else {
            "\nAinda não dá para avaliar: resolva as linhas ERRO.\n"
        },
        if ready {
            "\nReady to grade.\n"
        } else {
            "\nNot ready to grade: fix the FAIL lines.\n"
        },
    ));
    (text, ready)
}

fn ok(what: Text, detail: Text) -> Finding {
    Finding {
        ok: true,
        required: false,
        what,
        detail,
    }
}

fn bad(required: bool, what: Text, detail: Text) -> Finding {
    Finding {
        ok: false,
        required,
        what,
        detail,
    }
}

/// Which Prometheus major each backend runs: the binary's `--version`, the image's tag. The
/// majors differ in ways a student meets (the book's box on Prometheus 3), so both are shown.
fn majors(binary: Option<&Path>, image: &str, image_ok: bool) -> Finding {
    let native = binary.map(|b| {
        let v = version_of(&b.display().to_string(), &["--version"])
            .and_then(|l| version_in(&l))
            .unwrap_or_else(|| "?".into());
        (major(&v), v)
    });
    let docker = tag_version(image);
    let say = |m: Option<u32>| m.map_or("Prometheus ?".to_string(), |m| format!("Prometheus {m}"));
    let native_pt = match &native {
        Some((m, v)) => format!("native: {} ({v})", say(*m)),
        None => "native: sem binário".to_string(),
    };
    let native_en = match &native {
        Some((m, v)) => format!("native: {} ({v})", say(*m)),
        None => "native: no binary".to_string(),
    };
    let (docker_pt, docker_en) = match &docker {
        Some(v) => {
            let m = say(major(v));
            (
                format!("docker: {m} (tag de {image})"),
                format!("docker: {m} (tag of {image})"),
            )
        }
        None => (
            format!("docker: versão não dita pela tag de {image}"),
            format!("docker: {image}'s tag names no version"),
        ),
    };
    let mut detail = both(
        format!("{native_pt}; {docker_pt}"),
        format!("{native_en}; {docker_en}"),
    );
    let differ = matches!((&native, &docker), (Some((Some(a), _)), Some(v)) if major(v).is_some_and(|b| b != *a));
    if differ && image_ok {
        detail = both(
            format!(
                "{} — majors diferentes: o `auto` usa o Docker; veja no livro o que muda no Prometheus 3",
                detail.pt
            ),
            format!(
                "{} — different majors: `auto` uses Docker; the book says what changes in Prometheus 3",
                detail.en
            ),
        );
    }
    ok(
        both("Prometheus de cada backend", "Prometheus per backend"),
        detail,
    )
}

/// The version in `prometheus --version`'s first line: `prometheus, version 3.5.3+ds1 (…)`.
fn version_in(line: &str) -> Option<String> {
    let rest = line.split("version ").nth(1)?;
    Some(rest.split_whitespace().next()?.to_string())
}

/// The version an image's tag names: `prom/prometheus:v3.5.0` → 3.5.0,
/// `course-local/prometheus:3.5.3-ds1-l2` → 3.5.3; `latest` names none.
pub fn tag_version(image: &str) -> Option<String> {
    let (_, tag) = image.rsplit_once(':')?;
    // A registry's port is not a tag: `host:5000/prometheus`.
    if tag.contains('/') {
        return None;
    }
    let t = tag.strip_prefix('v').unwrap_or(tag);
    let version: String = t
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let version = version.trim_end_matches('.');
    (!version.is_empty() && version.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .then(|| version.to_string())
}

/// The major of a version: `3.5.3+ds1` → 3.
pub fn major(version: &str) -> Option<u32> {
    version.split('.').next()?.parse().ok()
}

fn version_of(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let text = if text.trim().is_empty() {
        String::from_utf8_lossy(&out.stderr).into_owned()
    } else {
        text.into_owned()
    };
    out.status
        .success()
        .then(|| text.lines().next().unwrap_or_default().trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_images_tag_names_its_version_and_major() {
        assert_eq!(
            tag_version("prom/prometheus:v3.5.0").as_deref(),
            Some("3.5.0")
        );
        assert_eq!(
            tag_version("course-local/prometheus:3.5.3-ds1-l2").as_deref(),
            Some("3.5.3")
        );
        assert_eq!(
            tag_version("course-local/prometheus:2.42.0-ds-l2").as_deref(),
            Some("2.42.0")
        );
        assert_eq!(tag_version("prom/prometheus:latest"), None);
        assert_eq!(tag_version("prom/prometheus"), None);
        assert_eq!(tag_version("localhost:5000/prometheus"), None);
        assert_eq!(major("3.5.3+ds1"), Some(3));
        assert_eq!(major("2.42.0"), Some(2));
    }

    #[test]
    fn the_binarys_version_is_read_from_its_first_line() {
        assert_eq!(
            version_in("prometheus, version 3.5.3+ds1 (branch: debian/sid, revision: 3.5.3+ds1-6)")
                .as_deref(),
            Some("3.5.3+ds1")
        );
        assert_eq!(version_in("prometheus: command not found"), None);
    }
}
