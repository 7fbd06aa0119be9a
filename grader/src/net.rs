//! Loopback addresses and ports: everything the grader sends or serves stays on this machine.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};

/// `http://HOST:PORT` of an app already running on this machine (`--url`): its base URL for
/// requests and its port for Prometheus; anything but loopback is refused, like everything the
/// grader sends.
pub fn parse_loopback_url(url: &str) -> Result<(String, SocketAddr), String> {
    let rest = url
        .trim()
        .trim_end_matches('/')
        .strip_prefix("http://")
        .ok_or_else(|| format!("`{url}`: expected http://127.0.0.1:PORT"))?;
    let (host, port) = rest
        .rsplit_once(':')
        .ok_or_else(|| format!("`{url}`: the port is missing (http://127.0.0.1:PORT)"))?;
    let port: u16 = port
        .parse()
        .map_err(|_| format!("`{url}`: `{port}` is not a port"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let ip: std::net::IpAddr = match host {
        "localhost" => Ipv4Addr::LOCALHOST.into(),
        h => h
            .parse()
            .map_err(|_| format!("`{url}`: `{h}` is not 127.0.0.1, ::1 or localhost"))?,
    };
    if !ip.is_loopback() {
        return Err(format!(
            "`{url}`: only an app on this machine can be graded (127.0.0.1, ::1, localhost)"
        ));
    }
    let addr = SocketAddr::new(ip, port);
    Ok((format!("http://{addr}"), addr))
}

/// A free TCP port on 127.0.0.1 (free when asked; the app binds it right after).
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

pub fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

/// An HTTP client for the grader's own requests to an app on this machine (fault injection,
/// the catalogue, a flash sale): never through a proxy the machine may have configured, and
/// at most 5 s a request.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .no_proxy()
        .build()
        .expect("a client with no TLS and no proxy always builds")
}
