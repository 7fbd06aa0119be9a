//! docker-compose.yml and its local override, as Compose itself reads them.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::common::{
    BASE, Compose, LOCAL, compose_config, mounts, placeholder_images, ports, root, run,
};

const SERVICES: [&str; 5] = [
    "alertmanager",
    "app",
    "grafana",
    "node-exporter",
    "prometheus",
];

fn service_names(config: &serde_yaml::Value) -> BTreeSet<String> {
    config["services"]
        .as_mapping()
        .expect("services")
        .keys()
        .map(|k| k.as_str().expect("a service name").to_string())
        .collect()
}

#[test]
fn the_stack_has_every_service_pinned_health_checked_and_on_loopback_ports() {
    let compose = Compose::find();
    let config = compose_config(&compose, BASE, &[]);
    let expected: BTreeSet<String> = SERVICES.iter().map(|s| s.to_string()).collect();
    assert_eq!(service_names(&config), expected);

    // Pinned images: every student (and the grader) sees the same versions.
    let image = |s: &str| {
        config["services"][s]["image"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(image("prometheus"), "prom/prometheus:v3.5.0");
    let grader = std::fs::read_to_string(root().join("grader/src/prometheus/docker.rs"))
        .expect("the grader's Docker backend");
    assert!(
        grader.contains(&format!(
            "DEFAULT_IMAGE: &str = \"{}\"",
            image("prometheus")
        )),
        "the stack's Prometheus must be the grader's pinned image"
    );
    for (service, prefix) in [
        ("alertmanager", "prom/alertmanager:v0.28."),
        ("grafana", "grafana/grafana:12."),
        ("node-exporter", "prom/node-exporter:v1."),
    ] {
        assert!(
            image(service).starts_with(prefix),
            "{service}: {}",
            image(service)
        );
    }

    // The app: built from the workspace, the student's own exercise by default.
    let app = &config["services"]["app"];
    assert_eq!(
        app["build"]["dockerfile"].as_str(),
        Some("docker/app/Dockerfile")
    );
    assert_eq!(
        app["build"]["args"]["APP"].as_str(),
        Some("ex2-metricas-negocio")
    );
    assert!(
        root()
            .join("exercises/ex2-metricas-negocio/Cargo.toml")
            .is_file()
    );
    assert_eq!(app["environment"]["BIND"].as_str(), Some("0.0.0.0"));

    let expected_ports = [
        ("app", 5000, 5000),
        ("prometheus", 9090, 9090),
        ("alertmanager", 9093, 9093),
        ("grafana", 3000, 3000),
        ("node-exporter", 9100, 9100),
    ];
    for (service, host, container) in expected_ports {
        let s = &config["services"][service];
        assert_eq!(
            ports(s),
            vec![("127.0.0.1".to_string(), host, container)],
            "{service}'s port"
        );
        let test = s["healthcheck"]["test"]
            .as_sequence()
            .unwrap_or_else(|| panic!("{service} has no health check"));
        let test: Vec<&str> = test.iter().filter_map(|t| t.as_str()).collect();
        assert!(
            test.iter()
                .any(|t| t.starts_with(&format!("http://127.0.0.1:{container}/"))),
            "{service}'s health check asks its own port: {test:?}"
        );
    }

    // Prometheus: lifecycle API on, its folder mounted read-only, data in a named volume.
    let prometheus = &config["services"]["prometheus"];
    let command: Vec<&str> = prometheus["command"]
        .as_sequence()
        .expect("prometheus command")
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert!(command.contains(&"--web.enable-lifecycle"), "{command:?}");
    assert!(
        command.contains(&"--config.file=/etc/prometheus/prometheus.yml"),
        "{command:?}"
    );
    let m = mounts(prometheus);
    let stack = root().join("stack");
    assert!(
        m.contains(&(
            stack.join("prometheus").display().to_string(),
            "/etc/prometheus".into(),
            true
        )),
        "{m:?}"
    );
    assert!(
        m.iter()
            .any(|(s, t, _)| s == "prometheus-data" && t == "/prometheus"),
        "{m:?}"
    );
    let m = mounts(&config["services"]["alertmanager"]);
    assert!(
        m.contains(&(
            stack
                .join("alertmanager/alertmanager.yml")
                .display()
                .to_string(),
            "/etc/alertmanager/alertmanager.yml".into(),
            true
        ))
    );

    // Grafana: the documented admin password by default.
    let grafana = &config["services"]["grafana"];
    assert_eq!(
        grafana["environment"]["GF_SECURITY_ADMIN_PASSWORD"].as_str(),
        Some("admin")
    );
    let volumes: BTreeSet<&str> = config["volumes"]
        .as_mapping()
        .expect("named volumes")
        .keys()
        .filter_map(|k| k.as_str())
        .collect();
    assert_eq!(
        volumes,
        BTreeSet::from(["alertmanager-data", "grafana-data", "prometheus-data"])
    );
}

#[test]
fn ports_password_and_exercise_change_with_the_documented_variables() {
    let compose = Compose::find();
    let env: Vec<(String, String)> = [
        ("APP", "ex2-metricas-negocio-solucao"),
        ("APP_PORT", "15000"),
        ("PROMETHEUS_PORT", "19090"),
        ("ALERTMANAGER_PORT", "19093"),
        ("GRAFANA_PORT", "13000"),
        ("NODE_EXPORTER_PORT", "19100"),
        ("GRAFANA_ADMIN_PASSWORD", "segredo"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let config = compose_config(&compose, BASE, &env);
    for (service, host) in [
        ("app", 15000),
        ("prometheus", 19090),
        ("alertmanager", 19093),
        ("grafana", 13000),
        ("node-exporter", 19100),
    ] {
        assert_eq!(ports(&config["services"][service])[0].1, host, "{service}");
    }
    let s = &config["services"];
    assert_eq!(
        s["app"]["build"]["args"]["APP"].as_str(),
        Some("ex2-metricas-negocio-solucao")
    );
    assert_eq!(
        s["app"]["image"].as_str(),
        Some("curso-prometheus/loja:ex2-metricas-negocio-solucao")
    );
    assert_eq!(
        s["grafana"]["environment"]["GF_SECURITY_ADMIN_PASSWORD"].as_str(),
        Some("segredo")
    );
}

#[test]
fn the_local_override_swaps_in_local_images_and_leaves_grafana_out() {
    let compose = Compose::find();
    let images = placeholder_images();
    let config = compose_config(&compose, LOCAL, &images);
    for (service, var) in [
        ("app", "LOCAL_APP_IMAGE"),
        ("prometheus", "LOCAL_PROMETHEUS_IMAGE"),
        ("alertmanager", "LOCAL_ALERTMANAGER_IMAGE"),
        ("node-exporter", "LOCAL_NODE_EXPORTER_IMAGE"),
    ] {
        let want = &images
            .iter()
            .find(|(k, _)| k == var)
            .expect("placeholder")
            .1;
        assert_eq!(
            config["services"][service]["image"].as_str(),
            Some(want.as_str()),
            "{service}"
        );
    }
    // Grafana cannot be built here: the override puts it in a profile a plain `up` skips.
    let profiles = &config["services"]["grafana"]["profiles"];
    assert_eq!(
        profiles.as_sequence().map(|p| p.len()),
        Some(1),
        "{profiles:?}"
    );
    assert_eq!(profiles[0].as_str(), Some("grafana"));
    // Everything else the students get is unchanged: same mounts, ports and health checks.
    let base = compose_config(&compose, BASE, &[]);
    for service in ["app", "prometheus", "alertmanager", "node-exporter"] {
        let (local, base) = (&config["services"][service], &base["services"][service]);
        // Compose may list the merged mounts in another order.
        let sorted = |s: &serde_yaml::Value| mounts(s).into_iter().collect::<BTreeSet<_>>();
        assert_eq!(sorted(local), sorted(base), "{service}'s mounts");
        for key in ["ports", "healthcheck", "command", "environment"] {
            assert_eq!(local[key], base[key], "{service}.{key}");
        }
    }

    // Without the images, the override says how to get them.
    let out = run(
        compose.cmd(LOCAL, None, &[]).args(["config", "-q"]),
        Duration::from_secs(60),
    )
    .expect("compose config");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("scripts/build-stack-images.sh"), "{err}");
}
