//! The socket itself: where it lives, who may use it, and how one message crosses it.
//!
//! The socket is `spaces.sock` in the data directory or, when that directory cannot hold one
//! (read-only, immutable), `$XDG_RUNTIME_DIR/spaces/<hash of the data dir>.sock` (else
//! `/tmp/spaces-<uid>/`, which must be ours and private). Both ends check the other runs as
//! the same user (`SO_PEERCRED`).

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub(super) fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join("spaces.sock")
}

/// Where the socket goes when the data directory cannot hold it (read-only, immutable, owned
/// by someone else): a private per-user directory, one socket per data directory.
/// `$XDG_RUNTIME_DIR` when set (private by specification), else `/tmp/spaces-<uid>`.
pub(super) fn fallback_socket_path(data_dir: &Path) -> PathBuf {
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
pub(super) fn prepare_private_runtime_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => check_private_dir(dir),
        Err(error) => Err(error).with_context(|| format!("creating {}", dir.display())),
    }
}

/// `dir` is a real directory (not a symlink) owned by this user that nobody else can enter.
pub(super) fn check_private_dir(dir: &Path) -> anyhow::Result<()> {
    check_private_dir_of(dir, nix::unistd::getuid().as_raw())
}

/// [`check_private_dir`] for the user `uid` (tests pass another user's).
pub(super) fn check_private_dir_of(dir: &Path, uid: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
    let metadata =
        std::fs::symlink_metadata(dir).with_context(|| format!("inspecting {}", dir.display()))?;
    let problem = if !metadata.is_dir() {
        Some("it is not a directory (a symlink?)".to_owned())
    } else if metadata.uid() != uid {
        Some(format!(
            "it belongs to uid {}, not to us ({uid})",
            metadata.uid()
        ))
    } else if metadata.permissions().mode() & 0o077 != 0 {
        Some(format!(
            "its mode is {:o}, not 700",
            metadata.permissions().mode() & 0o777
        ))
    } else {
        None
    };
    if let Some(problem) = problem {
        bail!(
            "{} is not a private directory of this user: {problem}",
            dir.display()
        );
    }
    Ok(())
}

/// Binds a private socket at `path`, replacing one a crashed instance left (nobody listens
/// on it: the caller checked).
pub(super) fn bind(path: &Path) -> anyhow::Result<UnixListener> {
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

/// Whether the process at the other end runs as our user (SO_PEERCRED).
pub(super) fn peer_is_us(stream: &UnixStream) -> anyhow::Result<bool> {
    Ok(peer_uid(stream)? == nix::unistd::getuid().as_raw())
}

/// The user the process at the other end runs as.
pub(super) fn peer_uid(stream: &UnixStream) -> anyhow::Result<u32> {
    let credentials =
        nix::sys::socket::getsockopt(stream, nix::sys::socket::sockopt::PeerCredentials)?;
    Ok(credentials.uid())
}

/// Writes one message as a line of JSON.
pub(super) fn write_message(
    stream: &mut UnixStream,
    message: &impl Serialize,
) -> anyhow::Result<()> {
    let mut line = serde_json::to_vec(message)?;
    line.push(b'\n');
    stream.write_all(&line)?;
    Ok(())
}

/// Reads one line of at most `limit` bytes and parses it as a message.
pub(super) fn read_message<T: DeserializeOwned>(
    reader: &mut BufReader<&UnixStream>,
    limit: u64,
) -> anyhow::Result<T> {
    let mut line = Vec::new();
    reader
        .by_ref()
        .take(limit)
        .read_until(b'\n', &mut line)
        .context("reading from the socket")?;
    if line.is_empty() {
        bail!("the other side closed the connection");
    }
    if line.last() != Some(&b'\n') {
        bail!("message longer than {limit} bytes or cut short");
    }
    serde_json::from_slice(&line).context("malformed message")
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

    /// The decoder of what clients send, fed random bytes and mangled requests: it answers
    /// with an error or a request, never panics, and never reads past its limit.
    mod fuzz {
        use std::io::{BufReader, Write as _};
        use std::os::unix::net::UnixStream;

        use proptest::prelude::*;

        use super::super::read_message;
        use crate::control::protocol::{ClientHello, Request};

        const LIMIT: u64 = 4096;

        fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> anyhow::Result<T> {
            let (mut client, server) = UnixStream::pair().expect("pair");
            let sent = bytes.to_vec();
            let writer = std::thread::spawn(move || {
                // The reader may stop early (at its limit) and close: that is fine.
                let _ = client.write_all(&sent);
            });
            let mut reader = BufReader::new(&server);
            let result = read_message::<T>(&mut reader, LIMIT);
            drop(reader);
            drop(server);
            writer.join().expect("writer");
            result
        }

        fn mangled_request() -> impl Strategy<Value = Vec<u8>> {
            let valid = [
                r#"{"request":"list"}"#,
                r#"{"request":"send-text","pane":1,"text":"hi","paste":true}"#,
                r#"{"request":"get-text","pane":null,"start_line":-5,"end_line":3}"#,
                r#"{"request":"split","pane":2,"direction":"down","command":["sh"],"cwd":"/"}"#,
                r#"{"hello":{"protocol":1,"version":"0.1.0"}}"#,
            ];
            (
                prop::sample::select(valid.to_vec()),
                any::<usize>(),
                prop::collection::vec(any::<u8>(), 0..8),
            )
                .prop_map(|(valid, at, junk)| {
                    let mut bytes = valid.as_bytes().to_vec();
                    let at = at % (bytes.len() + 1);
                    bytes.splice(at..at, junk);
                    bytes.push(b'\n');
                    bytes
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(
                std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(256)
            ))]

            #[test]
            fn random_bytes_are_refused_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..10_000)) {
                let _ = decode::<ClientHello>(&bytes);
                let _ = decode::<Request>(&bytes);
            }

            #[test]
            fn mangled_requests_are_refused_or_understood(bytes in mangled_request()) {
                let _ = decode::<ClientHello>(&bytes);
                let _ = decode::<Request>(&bytes);
            }
        }

        #[test]
        fn a_line_past_the_limit_is_an_error() {
            let mut long = vec![b'x'; LIMIT as usize * 4];
            long.push(b'\n');
            let error = decode::<Request>(&long).expect_err("too long");
            assert!(format!("{error:#}").contains("longer than"), "{error:#}");
        }
    }
}
