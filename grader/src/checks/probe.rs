//! What the checks read the running system through: the app's HTTP side ([`AppProbe`]) and
//! Prometheus with its `promtool` ([`PrometheusProbe`]). A grading hands the checks the real
//! ones ([`Scraper`], [`Prometheus`]); the checks' unit tests hand them fakes that answer what
//! a test sets, so one check's logic is tested alone, beside the end-to-end tests that run it
//! against a real app and a real Prometheus.

use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::lang::Text;
use crate::prometheus::{Prometheus, Sample, Target, ToolRun};
use crate::scrape::{Scrape, Scraper};
use crate::spec::Request;

/// The app, over HTTP.
pub trait AppProbe: Send + Sync + std::fmt::Debug {
    /// Reads `/metrics` (see [`Scraper::scrape`]).
    fn scrape(&mut self) -> BoxFuture<'_, Result<Scrape, Text>>;
    /// Makes one request of the spec (see [`Scraper::request`]).
    fn request<'a>(&'a self, req: &'a Request) -> BoxFuture<'a, Result<(), Text>>;
}

/// Prometheus, as the checks use it: PromQL, its targets, and files for `promtool`.
pub trait PrometheusProbe: Send + Sync + std::fmt::Debug {
    /// The number of series `query` returns now.
    fn query<'a>(&'a self, query: &'a str) -> BoxFuture<'a, Result<usize, Text>>;
    /// The series `query` returns at `time` (Unix seconds).
    fn query_at<'a>(
        &'a self,
        query: &'a str,
        time: f64,
    ) -> BoxFuture<'a, Result<Vec<Sample>, Text>>;
    /// Every active target.
    fn targets(&self) -> BoxFuture<'_, Result<Vec<Target>, Text>>;
    /// Waits until the app's target is up (see [`Prometheus::wait_target_up`]).
    fn wait_target_up(&self, timeout: Duration) -> BoxFuture<'_, Result<(), Text>>;
    /// Writes a file where `promtool` reads it.
    fn write_file(&self, file: &str, text: &str) -> Result<(), Text>;
    /// The path under which `promtool` sees `file`.
    fn seen_path(&self, file: &str) -> String;
    /// Runs `promtool` with `args`.
    fn promtool<'a>(&'a self, args: &'a [String]) -> BoxFuture<'a, Result<ToolRun, Text>>;
}

impl AppProbe for Scraper {
    fn scrape(&mut self) -> BoxFuture<'_, Result<Scrape, Text>> {
        Box::pin(Scraper::scrape(self))
    }

    fn request<'a>(&'a self, req: &'a Request) -> BoxFuture<'a, Result<(), Text>> {
        Box::pin(Scraper::request(self, req))
    }
}

impl PrometheusProbe for Prometheus {
    fn query<'a>(&'a self, query: &'a str) -> BoxFuture<'a, Result<usize, Text>> {
        Box::pin(Prometheus::query(self, query))
    }

    fn query_at<'a>(
        &'a self,
        query: &'a str,
        time: f64,
    ) -> BoxFuture<'a, Result<Vec<Sample>, Text>> {
        Box::pin(Prometheus::query_at(self, query, time))
    }

    fn targets(&self) -> BoxFuture<'_, Result<Vec<Target>, Text>> {
        Box::pin(Prometheus::targets(self))
    }

    fn wait_target_up(&self, timeout: Duration) -> BoxFuture<'_, Result<(), Text>> {
        Box::pin(Prometheus::wait_target_up(self, timeout))
    }

    fn write_file(&self, file: &str, text: &str) -> Result<(), Text> {
        Prometheus::write_file(self, file, text)
    }

    fn seen_path(&self, file: &str) -> String {
        Prometheus::seen_path(self, file)
    }

    fn promtool<'a>(&'a self, args: &'a [String]) -> BoxFuture<'a, Result<ToolRun, Text>> {
        Box::pin(Prometheus::promtool(self, args))
    }
}

/// Fakes for the checks' unit tests: an app and a Prometheus that answer what the test set.
#[cfg(test)]
pub(crate) mod fake {
    use std::collections::{BTreeMap, VecDeque};
    use std::sync::Mutex;
    use std::time::Duration;

    use futures_util::future::BoxFuture;

    use super::{AppProbe, PrometheusProbe};
    use crate::lang::{Text, both};
    use crate::prometheus::{Sample, Target, ToolRun};
    use crate::scrape::Scrape;
    use crate::spec::Request;

    /// An app whose `/metrics` answers the bodies given, one per scrape (the last one
    /// again once they run out), and which records the requests made to it.
    #[derive(Debug)]
    pub struct App {
        bodies: VecDeque<Result<String, Text>>,
        pub content_type: Option<String>,
        pub requests: Mutex<Vec<String>>,
    }

    impl App {
        /// Answers `body` to every scrape, as `text/plain; version=0.0.4`.
        pub fn serving(body: &str) -> Self {
            Self::answering([Ok(body.to_string())])
        }

        /// Answers each of `bodies` in turn.
        pub fn answering(bodies: impl IntoIterator<Item = Result<String, Text>>) -> Self {
            Self {
                bodies: bodies.into_iter().collect(),
                content_type: Some("text/plain; version=0.0.4; charset=utf-8".into()),
                requests: Mutex::new(Vec::new()),
            }
        }
    }

    impl AppProbe for App {
        fn scrape(&mut self) -> BoxFuture<'_, Result<Scrape, Text>> {
            let body = if self.bodies.len() > 1 {
                self.bodies.pop_front()
            } else {
                self.bodies.front().cloned()
            };
            let content_type = self.content_type.clone();
            Box::pin(async move {
                let body = body.unwrap_or_else(|| Err(both("sem resposta", "no answer")))?;
                let exposition =
                    exposition::parse(&body).map_err(|e| both(e.to_string(), e.to_string()))?;
                Ok(Scrape {
                    exposition,
                    content_type,
                })
            })
        }

        fn request<'a>(&'a self, req: &'a Request) -> BoxFuture<'a, Result<(), Text>> {
            self.requests.lock().unwrap().push(req.path.clone());
            Box::pin(async { Ok(()) })
        }
    }

    /// A Prometheus that answers each query from a table (a query it does not know gives no
    /// series), with the targets, the target wait and the `promtool` run the test set.
    #[derive(Debug)]
    pub struct Server {
        pub answers: BTreeMap<String, Vec<Sample>>,
        pub targets: Vec<Target>,
        pub up: Result<(), Text>,
        pub promtool: ToolRun,
        pub files: Mutex<BTreeMap<String, String>>,
        pub asked: Mutex<Vec<String>>,
    }

    impl Default for Server {
        fn default() -> Self {
            Self {
                answers: BTreeMap::new(),
                targets: Vec::new(),
                up: Ok(()),
                promtool: ToolRun {
                    success: true,
                    output: "SUCCESS".into(),
                },
                files: Mutex::new(BTreeMap::new()),
                asked: Mutex::new(Vec::new()),
            }
        }
    }

    impl Server {
        /// Answers `query` with one series of `labels` (`name=value` pairs) and `value`.
        pub fn with(mut self, query: &str, labels: &[(&str, &str)], value: f64) -> Self {
            self.answers
                .entry(query.to_string())
                .or_default()
                .push(Sample {
                    labels: labels
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                    value,
                });
            self
        }

        fn answer(&self, query: &str) -> Vec<Sample> {
            self.asked.lock().unwrap().push(query.to_string());
            self.answers.get(query).cloned().unwrap_or_default()
        }
    }

    impl PrometheusProbe for Server {
        fn query<'a>(&'a self, query: &'a str) -> BoxFuture<'a, Result<usize, Text>> {
            let n = self.answer(query).len();
            Box::pin(async move { Ok(n) })
        }

        fn query_at<'a>(
            &'a self,
            query: &'a str,
            _time: f64,
        ) -> BoxFuture<'a, Result<Vec<Sample>, Text>> {
            let samples = self.answer(query);
            Box::pin(async move { Ok(samples) })
        }

        fn targets(&self) -> BoxFuture<'_, Result<Vec<Target>, Text>> {
            Box::pin(async { Ok(self.targets.clone()) })
        }

        fn wait_target_up(&self, _timeout: Duration) -> BoxFuture<'_, Result<(), Text>> {
            Box::pin(async { self.up.clone() })
        }

        fn write_file(&self, file: &str, text: &str) -> Result<(), Text> {
            self.files
                .lock()
                .unwrap()
                .insert(file.to_string(), text.to_string());
            Ok(())
        }

        fn seen_path(&self, file: &str) -> String {
            format!("/fake/{file}")
        }

        fn promtool<'a>(&'a self, _args: &'a [String]) -> BoxFuture<'a, Result<ToolRun, Text>> {
            Box::pin(async { Ok(self.promtool.clone()) })
        }
    }

    /// A context with `app` and, when given, `prometheus`; the rest empty, the load's instant
    /// at 1000 s.
    pub fn context<'a>(
        app: &'a mut App,
        prometheus: Option<&'a Server>,
    ) -> super::super::Context<'a> {
        super::super::Context {
            scraper: app,
            prometheus: prometheus.map(|p| p as &dyn PrometheusProbe),
            config: None,
            answers: None,
            rules: None,
            at: Some(1000.0),
            dashboard: None,
            readings: None,
            repeated: None,
            submission: None,
        }
    }

    /// A check kind as a spec writes it (`kind = "series"` and its keys).
    pub fn kind(toml: &str) -> crate::spec::CheckKind {
        toml::from_str(toml).expect("a check kind as a spec writes it")
    }
}
