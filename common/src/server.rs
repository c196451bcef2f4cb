//! A server running in the background on the caller's tokio runtime: what `spawn` of the sandbox
//! and of the gateway hand out.

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The address a listener serves on, as a client reaches it: bound to all interfaces
/// (`0.0.0.0:8787`), it is named `127.0.0.1:8787`, since links and URLs need a concrete host.
pub fn bound_addr(listener: &TcpListener) -> io::Result<SocketAddr> {
    let mut addr = listener.local_addr()?;
    if addr.ip().is_unspecified() {
        addr.set_ip(Ipv4Addr::LOCALHOST.into());
    }
    Ok(addr)
}

/// Resolves when the server is asked to stop: give it to axum's `with_graceful_shutdown`.
pub struct Shutdown(oneshot::Receiver<()>);

impl Future for Shutdown {
    type Output = ();

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        // A dropped sender (the handle is gone) stops the server as well.
        std::pin::Pin::new(&mut self.0).poll(cx).map(|_| ())
    }
}

/// A server running in the background. Dropping it shuts the server down: it stops accepting at
/// once and lets requests in flight finish.
pub struct Background {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl Background {
    /// Runs the server `serve` makes (e.g. `axum::serve(listener, app).with_graceful_shutdown(stop)`)
    /// on the current tokio runtime; `addr` is where it listens.
    pub fn start<F>(addr: SocketAddr, serve: impl FnOnce(Shutdown) -> F) -> Background
    where
        F: Future<Output = io::Result<()>> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(serve(Shutdown(rx)));
        Background { addr, shutdown: Some(tx), task: Some(task) }
    }

    /// "http://127.0.0.1:PORT"
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets requests in flight finish, and waits until the server has stopped.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A one-line echo server: answers each connection with "hi", until told to stop.
    async fn greeter() -> Background {
        let listener = TcpListener::bind("0.0.0.0:0").await.unwrap();
        let addr = bound_addr(&listener).unwrap();
        Background::start(addr, |mut stop| async move {
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let (mut socket, _) = accepted?;
                        socket.write_all(b"hi").await?;
                    }
                    _ = &mut stop => return Ok(()),
                }
            }
        })
    }

    async fn greeting(addr: SocketAddr) -> io::Result<String> {
        let mut socket = tokio::net::TcpStream::connect(addr).await?;
        let mut out = String::new();
        socket.read_to_string(&mut out).await?;
        Ok(out)
    }

    #[tokio::test]
    async fn serves_on_loopback_until_shut_down() {
        let server = greeter().await;
        let addr = server.addr();
        assert_eq!(addr.ip(), Ipv4Addr::LOCALHOST, "0.0.0.0 is named 127.0.0.1");
        assert_eq!(server.url(), format!("http://127.0.0.1:{}", addr.port()));
        assert_eq!(greeting(addr).await.unwrap(), "hi");
        server.shutdown().await;
        assert!(greeting(addr).await.is_err(), "nothing listens after shutdown");
    }

    #[tokio::test]
    async fn dropping_the_handle_stops_the_server() {
        let server = greeter().await;
        let addr = server.addr();
        drop(server);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while greeting(addr).await.is_ok() {
            assert!(std::time::Instant::now() < deadline, "still serving after drop");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
}
