//! The window's end of the socket: accepts connections, checks the peer and the hello, and
//! hands each request to the UI thread (the only owner of panes and layout); the socket
//! threads only wait for its reply.

use std::io::BufReader;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

use super::protocol::{ClientHello, Hello, Reply, Request, ServerHello};
use super::transport::{
    bind, fallback_socket_path, peer_is_us, prepare_private_runtime_dir, read_message, socket_path,
    write_message,
};

/// How long a client waits for the window to answer.
pub(super) const REPLY_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest request accepted (a paste of a long file fits). With [`MAX_CONNECTIONS`] this
/// bounds what clients can make the window hold in memory, whatever they send.
pub(super) const MAX_REQUEST: u64 = 1024 * 1024;
/// Largest hello line.
const MAX_HELLO: u64 = 4096;
/// Connections served at once; more are answered with an error and closed at once.
pub(super) const MAX_CONNECTIONS: usize = 64;
/// A client that sends nothing (or does not read its reply) for this long is dropped.
pub(super) const IDLE_TIMEOUT: Duration = Duration::from_secs(5);

/// A request waiting for the UI thread, with where to send the reply.
pub struct PendingRequest {
    pub request: Request,
    pub reply: Sender<Reply>,
}

/// Another window already serves this data directory.
#[derive(Debug, thiserror::Error)]
#[error(
    "Spaces is already running with the data directory {} (use --data-dir for a second instance)",
    .0.display()
)]
pub struct AlreadyRunning(PathBuf);

pub fn is_already_running(error: &anyhow::Error) -> bool {
    error.downcast_ref::<AlreadyRunning>().is_some()
}

/// Listens on the socket; requests come out of `requests`.
pub struct ControlServer {
    pub requests: Receiver<PendingRequest>,
    path: PathBuf,
}

impl Drop for ControlServer {
    fn drop(&mut self) {
        // Leaves no stale socket behind (the next start would clean it up anyway).
        let _ignored = std::fs::remove_file(&self.path);
    }
}

impl ControlServer {
    /// Binds the socket (refusing if another window already answers on it) and starts the
    /// accept thread. `wake` is called for each request so an idle window handles it at once.
    pub fn start(data_dir: &Path, wake: Arc<dyn Fn() + Send + Sync>) -> anyhow::Result<Self> {
        let (primary, fallback) = (socket_path(data_dir), fallback_socket_path(data_dir));
        if [&primary, &fallback]
            .iter()
            .any(|path| UnixStream::connect(path).is_ok())
        {
            return Err(AlreadyRunning(data_dir.to_owned()).into());
        }
        let (listener, path) = match bind(&primary) {
            Ok(listener) => (listener, primary),
            Err(error) => {
                tracing::warn!(error = %format!("{error:#}"), "the data directory cannot hold the control socket");
                let bound = fallback
                    .parent()
                    .map_or(Ok(()), prepare_private_runtime_dir)
                    .and_then(|()| bind(&fallback));
                match bound {
                    Ok(listener) => (listener, fallback),
                    Err(fallback_error) => {
                        return Err(error.context(format!("{fallback_error:#}")));
                    }
                }
            }
        };
        let (sender, requests) = crossbeam_channel::bounded(64);
        std::thread::Builder::new()
            .name("control-accept".into())
            .spawn(move || accept_loop(&listener, &sender, &wake))?;
        Ok(Self { requests, path })
    }
}

fn accept_loop(
    listener: &UnixListener,
    sender: &Sender<PendingRequest>,
    wake: &Arc<dyn Fn() + Send + Sync>,
) {
    let active = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        let timeouts = stream
            .set_read_timeout(Some(IDLE_TIMEOUT))
            .and_then(|()| stream.set_write_timeout(Some(IDLE_TIMEOUT)));
        if let Err(error) = timeouts {
            tracing::debug!(%error, "control client gone before it was served");
            continue;
        }
        let Some(slot) = ConnectionSlot::take(&active) else {
            let busy = format!(
                "refused: the window already serves {MAX_CONNECTIONS} control connections; try again"
            );
            // Best effort: the refusal must not make the accept loop wait on this client.
            let _ignored = write_message(&mut stream, &ServerHello::Refused(Reply::Error(busy)));
            continue;
        };
        let sender = sender.clone();
        let wake = wake.clone();
        let spawned = std::thread::Builder::new()
            .name("control-client".into())
            .spawn(move || {
                let _slot = slot;
                if let Err(error) = serve_client(stream, &sender, &wake) {
                    tracing::debug!(%error, "control client failed");
                }
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "could not start a control thread");
        }
    }
}

/// One of the [`MAX_CONNECTIONS`] places, given back when the connection ends.
struct ConnectionSlot(Arc<AtomicUsize>);

impl ConnectionSlot {
    fn take(active: &Arc<AtomicUsize>) -> Option<Self> {
        active
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |count| {
                (count < MAX_CONNECTIONS).then_some(count + 1)
            })
            .ok()
            .map(|_| Self(active.clone()))
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn serve_client(
    stream: UnixStream,
    sender: &Sender<PendingRequest>,
    wake: &Arc<dyn Fn() + Send + Sync>,
) -> anyhow::Result<()> {
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(&stream);
    let refusal = match peer_is_us(&stream) {
        Ok(true) => None,
        Ok(false) => Some("refused: the client runs as another user".to_owned()),
        Err(error) => Some(format!("refused: cannot check the client's user ({error})")),
    };
    if let Some(refusal) = refusal {
        return write_message(&mut writer, &ServerHello::Refused(Reply::Error(refusal)));
    }
    let ours = Hello::ours();
    let hello = match read_message::<ClientHello>(&mut reader, MAX_HELLO) {
        Ok(ClientHello::Hello(hello)) => hello,
        Err(error) => {
            let message = format!(
                "expected a hello with the control protocol version ({error:#}); is this `spaces cli` older than the window?"
            );
            return write_message(&mut writer, &ServerHello::Refused(Reply::Error(message)));
        }
    };
    if let Some(mismatch) = ours.mismatch(&hello, "client") {
        return write_message(&mut writer, &ServerHello::Refused(Reply::Error(mismatch)));
    }
    write_message(&mut writer, &ServerHello::Hello { hello: ours })?;
    let reply = match read_message::<Request>(&mut reader, MAX_REQUEST) {
        Ok(request) => forward(request, sender, wake),
        Err(error) => Reply::Error(format!("malformed request: {error:#}")),
    };
    write_message(&mut writer, &reply)
}

/// Hands `request` to the UI thread and waits for its reply.
fn forward(
    request: Request,
    sender: &Sender<PendingRequest>,
    wake: &Arc<dyn Fn() + Send + Sync>,
) -> Reply {
    let (reply_tx, reply_rx) = crossbeam_channel::bounded(1);
    if sender
        .send(PendingRequest {
            request,
            reply: reply_tx,
        })
        .is_err()
    {
        return Reply::Error("the window is closing".into());
    }
    wake();
    reply_rx
        .recv_timeout(REPLY_TIMEOUT)
        .unwrap_or_else(|_| Reply::Error("the window did not answer in time".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::client::send_request;
    use crate::control::protocol::{Reply, Request};

    #[test]
    fn server_answers_and_refuses_a_second_instance() {
        let dir = tempfile::tempdir().expect("tempdir");
        let server = ControlServer::start(dir.path(), Arc::new(|| {})).expect("start");
        let answer = std::thread::spawn({
            let requests = server.requests.clone();
            move || {
                let pending = requests.recv().expect("request");
                assert_eq!(pending.request, Request::List);
                pending.reply.send(Reply::Panes(Vec::new())).expect("reply");
            }
        });
        let reply = send_request(dir.path(), &Request::List).expect("reply");
        assert_eq!(reply, Reply::Panes(Vec::new()));
        answer.join().expect("join");
        let second = ControlServer::start(dir.path(), Arc::new(|| {}));
        assert!(
            second.is_err(),
            "a second window on one data dir must be refused"
        );
    }

    #[test]
    fn no_window_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let error = send_request(dir.path(), &Request::List).expect_err("no window");
        assert!(error.to_string().contains("no Spaces window is running"));
    }
}
