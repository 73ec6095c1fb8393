//! The control socket: `spaces cli ...` talks to the running window over a Unix socket in the
//! data directory (or, when that directory cannot be written, in a private per-user runtime
//! directory, where the client looks next). One JSON request per connection, one JSON reply.
//! Requests are carried out by the UI thread (the only owner of panes and layout); the socket
//! threads only wait.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use crossbeam_channel::{Receiver, Sender};
use serde::{Deserialize, Serialize};

/// How long a client waits for the window to answer.
const REPLY_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest request accepted (send-text of a big paste fits easily).
const MAX_REQUEST: u64 = 16 * 1024 * 1024;

fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join("spaces.sock")
}

/// Where the socket goes when the data directory cannot hold it (read-only, immutable, owned
/// by someone else): a private per-user directory, one socket per data directory.
/// `$XDG_RUNTIME_DIR` when set (private by specification), else `/tmp/spaces-<uid>`.
fn fallback_socket_path(data_dir: &Path) -> PathBuf {
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .filter(|dir| !dir.is_empty())
        .map_or_else(
            || std::env::temp_dir().join(format!("spaces-{}", nix::unistd::getuid())),
            |dir| PathBuf::from(dir).join("spaces"),
        );
    let data_dir = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_owned());
    runtime.join(format!(
        "{:016x}.sock",
        fnv1a(data_dir.as_os_str().as_encoded_bytes())
    ))
}

/// FNV-1a: a hash that is the same in every build, so the window and `spaces cli` agree.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Creates the fallback socket's directory, or checks that the one there is ours and private
/// (another user could otherwise listen in our place).
fn prepare_private_runtime_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _, PermissionsExt as _};
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => return Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(error) => return Err(error).with_context(|| format!("creating {}", dir.display())),
    }
    let metadata =
        std::fs::symlink_metadata(dir).with_context(|| format!("inspecting {}", dir.display()))?;
    let ours = metadata.is_dir()
        && metadata.uid() == nix::unistd::getuid().as_raw()
        && metadata.permissions().mode() & 0o077 == 0;
    if !ours {
        bail!(
            "{} is not a private directory of this user; refusing to put the socket there",
            dir.display()
        );
    }
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SplitDirection {
    Right,
    Down,
}

/// What a client asks for. `pane: None` means the focused pane.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "kebab-case")]
pub enum Request {
    List,
    /// Problems the window shows (database moved aside, disk full...).
    Status,
    SendText {
        pane: Option<u64>,
        text: String,
        paste: bool,
    },
    GetText {
        pane: Option<u64>,
        start_line: Option<i32>,
        end_line: Option<i32>,
    },
    Split {
        pane: Option<u64>,
        direction: SplitDirection,
        command: Vec<String>,
        cwd: Option<PathBuf>,
    },
    Spawn {
        cwd: Option<PathBuf>,
        command: Vec<String>,
    },
    Focus {
        pane: u64,
    },
    Close {
        pane: u64,
    },
}

/// The window's answer: a JSON value, or an error for the user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reply {
    Ok(serde_json::Value),
    Error(String),
}

/// A request waiting for the UI thread, with where to send the reply.
pub struct PendingRequest {
    pub request: Request,
    pub reply: Sender<Reply>,
}

/// Another window already serves this data directory.
#[derive(Debug)]
pub struct AlreadyRunning(PathBuf);

impl std::fmt::Display for AlreadyRunning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Spaces is already running with the data directory {} (use --data-dir for a second instance)",
            self.0.display()
        )
    }
}

impl std::error::Error for AlreadyRunning {}

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

/// Binds a private socket at `path`, replacing one a crashed instance left (nobody listens
/// on it: the caller checked).
fn bind(path: &Path) -> anyhow::Result<UnixListener> {
    if path.exists() {
        std::fs::remove_file(path)
            .with_context(|| format!("removing stale socket {}", path.display()))?;
    }
    let listener =
        UnixListener::bind(path).with_context(|| format!("binding {}", path.display()))?;
    set_mode(path, 0o600)?;
    Ok(listener)
}

fn set_mode(path: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("setting permissions of {}", path.display()))
}

fn accept_loop(
    listener: &UnixListener,
    sender: &Sender<PendingRequest>,
    wake: &Arc<dyn Fn() + Send + Sync>,
) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let sender = sender.clone();
        let wake = wake.clone();
        let spawned = std::thread::Builder::new()
            .name("control-client".into())
            .spawn(move || {
                if let Err(error) = serve_client(stream, &sender, &wake) {
                    tracing::debug!(%error, "control client failed");
                }
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "could not start a control thread");
        }
    }
}

fn serve_client(
    stream: UnixStream,
    sender: &Sender<PendingRequest>,
    wake: &Arc<dyn Fn() + Send + Sync>,
) -> anyhow::Result<()> {
    let mut writer = stream.try_clone()?;
    let reply = match peer_is_us(&stream) {
        Ok(true) => read_and_forward(&stream, sender, wake),
        Ok(false) => Reply::Error("refused: the client runs as another user".into()),
        Err(error) => Reply::Error(format!("refused: cannot check the client's user ({error})")),
    };
    serde_json::to_writer(&mut writer, &reply)?;
    writer.write_all(b"\n")?;
    Ok(())
}

fn read_and_forward(
    stream: &UnixStream,
    sender: &Sender<PendingRequest>,
    wake: &Arc<dyn Fn() + Send + Sync>,
) -> Reply {
    let mut line = String::new();
    let mut reader = BufReader::new(std::io::Read::take(stream, MAX_REQUEST));
    if let Err(error) = reader.read_line(&mut line) {
        return Reply::Error(format!("could not read the request: {error}"));
    }
    let request: Request = match serde_json::from_str(&line) {
        Ok(request) => request,
        Err(error) => return Reply::Error(format!("malformed request: {error}")),
    };
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

/// Whether the connecting process runs as our user (SO_PEERCRED).
fn peer_is_us(stream: &UnixStream) -> anyhow::Result<bool> {
    let credentials =
        nix::sys::socket::getsockopt(stream, nix::sys::socket::sockopt::PeerCredentials)?;
    Ok(credentials.uid() == nix::unistd::getuid().as_raw())
}

/// Sends one request to the window of `data_dir` and returns its answer.
pub fn send_request(data_dir: &Path, request: &Request) -> anyhow::Result<serde_json::Value> {
    let mut stream = UnixStream::connect(socket_path(data_dir))
        .or_else(|_| UnixStream::connect(fallback_socket_path(data_dir)))
        .map_err(|_| {
            anyhow::anyhow!(
                "no Spaces window is running for {} (start one with `spaces`)",
                data_dir.display()
            )
        })?;
    stream.set_read_timeout(Some(REPLY_TIMEOUT + Duration::from_secs(5)))?;
    serde_json::to_writer(&mut stream, request)?;
    stream.write_all(b"\n")?;
    let mut line = String::new();
    BufReader::new(&stream)
        .read_line(&mut line)
        .context("reading the window's reply")?;
    match serde_json::from_str::<Reply>(&line).context("malformed reply from the window")? {
        Reply::Ok(value) => Ok(value),
        Reply::Error(message) => bail!("{message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fallback_socket_is_one_per_data_dir_and_stable() {
        let a = fallback_socket_path(Path::new("/nonexistent/a"));
        assert_eq!(a, fallback_socket_path(Path::new("/nonexistent/a")));
        assert_ne!(a, fallback_socket_path(Path::new("/nonexistent/b")));
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c, "FNV-1a as published");
    }

    #[test]
    fn the_runtime_dir_must_be_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let root = tempfile::tempdir().expect("temp dir");
        let fresh = root.path().join("fresh");
        prepare_private_runtime_dir(&fresh).expect("created");
        let mode = std::fs::metadata(&fresh)
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
        prepare_private_runtime_dir(&fresh).expect("ours, so accepted again");
        std::fs::set_permissions(&fresh, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let error = prepare_private_runtime_dir(&fresh).expect_err("others can read it");
        assert!(
            format!("{error}").contains("not a private directory"),
            "{error}"
        );
    }

    #[test]
    fn requests_round_trip_as_json() {
        let request = Request::GetText {
            pane: Some(3),
            start_line: Some(-100),
            end_line: None,
        };
        let text = serde_json::to_string(&request).expect("serialize");
        assert!(text.contains("\"request\":\"get-text\""));
        assert_eq!(
            serde_json::from_str::<Request>(&text).expect("parse"),
            request
        );
    }

    #[test]
    fn server_answers_and_refuses_a_second_instance() {
        let dir = tempfile::tempdir().expect("tempdir");
        let server = ControlServer::start(dir.path(), Arc::new(|| {})).expect("start");
        let answer = std::thread::spawn({
            let requests = server.requests.clone();
            move || {
                let pending = requests.recv().expect("request");
                assert_eq!(pending.request, Request::List);
                pending
                    .reply
                    .send(Reply::Ok(serde_json::json!([])))
                    .expect("reply");
            }
        });
        let value = send_request(dir.path(), &Request::List).expect("reply");
        assert_eq!(value, serde_json::json!([]));
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
