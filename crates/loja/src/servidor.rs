use std::io;
use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;

use crate::Config;

/// Serves `app` on `config.bind:config.port` until Ctrl-C or SIGTERM, then lets the requests
/// in flight finish and returns.
pub async fn serve(app: Router, config: &Config) -> io::Result<()> {
    let addr = SocketAddr::new(config.bind, config.port);
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| io::Error::new(e.kind(), format!("não consegui abrir {addr}: {e}")))?;
    eprintln!("loja ouvindo em http://{}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(sinal_de_parada())
        .await
}

/// Serves `app` in the background on a free port of 127.0.0.1 and returns its address: for
/// tests and benchmarks, which need a real socket but no fixed port. The server lives until
/// the runtime that spawned it ends.
pub async fn serve_on_free_port(app: Router) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(addr)
}

async fn sinal_de_parada() {
    let ctrl_c = async {
        // If the handler cannot be installed, wait forever rather than stop at once.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    eprintln!("loja: encerrando");
}
