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
    check_private_dir, fallback_socket_path, peer_is_us, read_message, socket_path, write_message,
};

/// Largest reply read (a `get-text` of the whole scrollback fits).
const MAX_REPLY: u64 = 256 * 1024 * 1024;

/// Sends one request to the window of `data_dir` and returns its reply; a `Reply::Error`
/// becomes an error with the window's message.
pub fn send_request(data_dir: &Path, request: &Request) -> anyhow::Result<Reply> {
    let stream = connect(data_dir)?;
    stream.set_read_timeout(Some(REPLY_TIMEOUT + Duration::from_secs(5)))?;
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

/// Connects to the window's socket: the one in the data directory, else the fallback in the
/// runtime directory. Whatever answers must run as our user, and a fallback socket must sit
/// in a private directory of ours: another user could otherwise plant a listener there and
/// read what we type or forge what we read.
fn connect(data_dir: &Path) -> anyhow::Result<UnixStream> {
    let primary = socket_path(data_dir);
    let fallback = fallback_socket_path(data_dir);
    let (stream, path) = match UnixStream::connect(&primary) {
        Ok(stream) => (stream, primary),
        Err(_) => {
            let stream = UnixStream::connect(&fallback).map_err(|_| {
                anyhow::anyhow!(
                    "no Spaces window is running for {} (start one with `spaces`)",
                    data_dir.display()
                )
            })?;
            if let Some(dir) = fallback.parent() {
                check_private_dir(dir).with_context(|| {
                    format!("refusing to talk to the socket {}", fallback.display())
                })?;
            }
            (stream, fallback)
        }
    };
    match peer_is_us(&stream) {
        Ok(true) => Ok(stream),
        Ok(false) => bail!(
            "refusing to talk to the socket {}: it is served by another user",
            path.display()
        ),
        Err(error) => bail!(
            "refusing to talk to the socket {}: cannot check who serves it ({error})",
            path.display()
        ),
    }
}
