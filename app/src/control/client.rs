//! `spaces cli`'s end of the socket: finds the window's socket, checks that it is ours, says
//! hello, and sends one request.

use std::io::BufReader;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, bail};

use super::protocol::{ClientHello, Hello, Reply, Request, ServerHello};
use super::server::{MAX_REQUEST, REPLY_TIMEOUT};
use super::transport::{
    check_private_dir_of, fallback_socket_path, peer_uid, read_message, socket_path, write_message,
};

/// Largest reply read (a `get-text` of the whole scrollback fits).
const MAX_REPLY: u64 = 256 * 1024 * 1024;

/// Sends one request to the window of `data_dir` and returns its reply; a `Reply::Error`
/// becomes an error with the window's message.
pub fn send_request(data_dir: &Path, request: &Request) -> anyhow::Result<Reply> {
    send_request_within(data_dir, request, REPLY_TIMEOUT + Duration::from_secs(5))
}

/// [`send_request`], giving up when the window has not answered within `timeout` (an agent's
/// hook must not wait long on a window that hangs).
pub fn send_request_within(
    data_dir: &Path,
    request: &Request,
    timeout: Duration,
) -> anyhow::Result<Reply> {
    let line = serde_json::to_vec(request)?;
    if line.len() as u64 >= MAX_REQUEST {
        bail!(
            "the request is {} KiB, more than the window takes ({} KiB): send the text in parts",
            line.len() / 1024,
            MAX_REQUEST / 1024
        );
    }
    let stream = connect(data_dir, Peer::us())?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(&stream);
    let ours = Hello::ours();
    write_message(&mut writer, &ClientHello::Hello(ours.clone()))?;
    match read_message::<ServerHello>(&mut reader, MAX_REQUEST)
        .context("reading the window's hello")?
    {
        ServerHello::Hello { hello } => {
            if let Some(mismatch) = ours.mismatch(&hello, "window") {
                bail!("{mismatch}");
            }
        }
        ServerHello::Refused(Reply::Error(message)) => bail!("{message}"),
        ServerHello::Refused(other) => bail!("unexpected answer to the hello: {other:?}"),
    }
    write_message(&mut writer, request)?;
    match read_message::<Reply>(&mut reader, MAX_REPLY).context("reading the window's reply")? {
        Reply::Error(message) => bail!("{message}"),
        reply => Ok(reply),
    }
}

/// Who the window must run as: this process's user (tests pass another).
#[derive(Clone, Copy, Debug)]
struct Peer {
    uid: u32,
}

impl Peer {
    fn us() -> Self {
        Self {
            uid: nix::unistd::getuid().as_raw(),
        }
    }
}

/// Connects to the window's socket: the one in the data directory, else the fallback in the
/// runtime directory.
fn connect(data_dir: &Path, peer: Peer) -> anyhow::Result<UnixStream> {
    connect_to(
        &socket_path(data_dir),
        &fallback_socket_path(data_dir),
        peer,
    )
    .map_err(|error| match error {
        Refusal::NoWindow => anyhow::anyhow!(
            "no Spaces window is running for {} (start one with `spaces`)",
            data_dir.display()
        ),
        Refusal::Unsafe(error) => error,
    })
}

enum Refusal {
    NoWindow,
    Unsafe(anyhow::Error),
}

/// Whatever answers must run as `peer`'s user, and a fallback socket must sit in a private
/// directory of that user: another user could otherwise plant a listener there and read what
/// we type or forge what we read.
fn connect_to(primary: &Path, fallback: &Path, peer: Peer) -> Result<UnixStream, Refusal> {
    let (stream, path) = match UnixStream::connect(primary) {
        Ok(stream) => (stream, primary),
        Err(_) => {
            let stream = UnixStream::connect(fallback).map_err(|_| Refusal::NoWindow)?;
            if let Some(dir) = fallback.parent() {
                check_private_dir_of(dir, peer.uid)
                    .with_context(|| {
                        format!("refusing to talk to the socket {}", fallback.display())
                    })
                    .map_err(Refusal::Unsafe)?;
            }
            (stream, fallback)
        }
    };
    match peer_uid(&stream) {
        Ok(uid) if uid == peer.uid => Ok(stream),
        Ok(uid) => Err(Refusal::Unsafe(anyhow::anyhow!(
            "refusing to talk to the socket {}: it is served by uid {uid}, not by us ({})",
            path.display(),
            peer.uid
        ))),
        Err(error) => Err(Refusal::Unsafe(anyhow::anyhow!(
            "refusing to talk to the socket {}: cannot check who serves it ({error})",
            path.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;
    use std::os::unix::net::UnixListener;

    use super::*;

    /// A runtime directory with a listener planted in it, as another user could.
    fn planted(mode: u32) -> (tempfile::TempDir, std::path::PathBuf, UnixListener) {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("spaces-runtime");
        std::fs::create_dir(&dir).expect("mkdir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode)).expect("chmod");
        let socket = dir.join("window.sock");
        let listener = UnixListener::bind(&socket).expect("bind");
        (root, socket, listener)
    }

    fn refusal(result: Result<UnixStream, Refusal>) -> String {
        match result {
            Ok(_) => panic!("connected to a socket it should have refused"),
            Err(Refusal::NoWindow) => panic!("the planted socket was not found"),
            Err(Refusal::Unsafe(error)) => format!("{error:#}"),
        }
    }

    #[test]
    fn a_fallback_socket_in_a_shared_directory_is_refused() {
        let (_root, socket, _listener) = planted(0o777);
        let message = refusal(connect_to(
            Path::new("/nonexistent.sock"),
            &socket,
            Peer::us(),
        ));
        assert!(message.contains(&socket.display().to_string()), "{message}");
        assert!(message.contains("mode is 777"), "{message}");
    }

    #[test]
    fn a_fallback_socket_of_another_user_is_refused() {
        // The directory and the listener are ours; the client acts for another user, as it
        // would find them if another user had planted them.
        let (_root, socket, _listener) = planted(0o700);
        let other = Peer {
            uid: Peer::us().uid + 4242,
        };
        let message = refusal(connect_to(Path::new("/nonexistent.sock"), &socket, other));
        assert!(message.contains("belongs to uid"), "{message}");
    }

    #[test]
    fn a_primary_socket_served_by_another_user_is_refused() {
        let (_root, socket, _listener) = planted(0o700);
        let other = Peer {
            uid: Peer::us().uid + 4242,
        };
        let message = refusal(connect_to(&socket, Path::new("/nonexistent.sock"), other));
        assert!(message.contains("served by uid"), "{message}");
    }

    #[test]
    fn our_own_private_socket_is_accepted() {
        let (_root, socket, _listener) = planted(0o700);
        assert!(connect_to(Path::new("/nonexistent.sock"), &socket, Peer::us()).is_ok());
    }

    #[test]
    fn a_request_over_the_cap_is_refused_before_connecting() {
        let dir = tempfile::tempdir().expect("tempdir");
        let request = Request::SendText {
            pane: None,
            text: "x".repeat(MAX_REQUEST as usize),
            paste: true,
        };
        let error = send_request(dir.path(), &request).expect_err("too long");
        assert!(
            error.to_string().contains("send the text in parts"),
            "{error}"
        );
    }
}
