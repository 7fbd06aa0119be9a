//! The load generator with nothing around it, for `scripts/bench-load.sh`: closed-loop users
//! with no think time against one URL, Locust's table at the end.
//!
//! `cargo run --release -p loadgen --example carga -- URL [USERS] [SECONDS] [MIX]`
//! (defaults: 32 users, 10 s, `navegar=1`). `grader load` is the same library with the
//! course's options and messages.

use std::time::Duration;

use loadgen::{Mix, Mode, Plan};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .ok_or("usage: carga URL [USERS] [SECONDS] [MIX]")?;
    let users: u32 = args.next().map_or(Ok(32), |a| a.parse())?;
    let seconds: f64 = args.next().map_or(Ok(10.0), |a| a.parse())?;
    let mix: Mix = args.next().as_deref().unwrap_or("navegar=1").parse()?;
    let plan = Plan {
        mode: Mode::Users {
            users,
            spawn_rate: f64::from(users) * 100.0,
            think_time: (Duration::ZERO, Duration::ZERO),
        },
        duration: Duration::from_secs_f64(seconds),
        mix,
        seed: 1,
        ..Plan::default()
    };
    let report = loadgen::run(&url, &plan).await?;
    print!("{}", report.table());
    Ok(())
}
