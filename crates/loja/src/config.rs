use std::net::IpAddr;

use clap::Parser;

/// How the shop is started. Every field also reads an environment variable, so the grader (or
/// a container) can start any exercise the same way without knowing its flags.
#[derive(Debug, Clone, Parser)]
#[command(about = "A loja do curso de monitoramento com Prometheus")]
pub struct Config {
    /// TCP port to listen on.
    #[arg(long, env = "PORT", default_value_t = 5000)]
    pub port: u16,

    /// Address to listen on: 127.0.0.1 keeps the shop on this machine; 0.0.0.0 in a container.
    #[arg(long, env = "BIND", default_value = "127.0.0.1")]
    pub bind: IpAddr,

    /// Multiplies the simulated latencies (1 = the roteiro's; 0 = none). The grader uses a
    /// small value so a verdict takes seconds; fault-injected latency is never scaled.
    #[arg(long, env = "LATENCY_SCALE", default_value_t = 1.0)]
    pub latency_scale: f64,

    /// Connections to the payment gateway (at least 1): checkouts beyond this many at once
    /// wait in line, which is the shop's saturation point under load.
    #[arg(long, env = "GATEWAY_CONEXOES", default_value_t = 4)]
    pub gateway_conexoes: usize,
}

impl Config {
    /// The defaults, as if started with no flags and no environment.
    pub fn local(port: u16) -> Self {
        Self {
            port,
            bind: IpAddr::from([127, 0, 0, 1]),
            latency_scale: 1.0,
            gateway_conexoes: 4,
        }
    }
}
