//! The student's stack: docker-compose.yml, its local override, and what it mounts from
//! stack/ (Prometheus config and rules, Alertmanager, Grafana provisioning and dashboards).
//! One test binary; nextest runs each test in its own process.

mod alertmanager;
mod common;
mod compose;
mod e2e;
mod grafana;
mod prometheus;
