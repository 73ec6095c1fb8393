//! End-to-end harness: a private Xvfb display, the real `spaces` binary in it with a throwaway
//! data directory and home, and helpers to drive it through `spaces cli` and `xdotool`.

mod pixels;
mod spaces;
mod store;
mod x_input;
mod x_server;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::bail;

pub use pixels::Pixels;
pub use spaces::{PaneInfo, Spaces};
pub use store::{SavedPane, Store, check_contiguous};
pub use x_input::Geometry;
pub use x_server::XServer;

/// How long the window may take to answer after it starts (a debug build on software GL).
pub const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a pane may take to show an expected text.
pub const TEXT_TIMEOUT: Duration = Duration::from_secs(20);
/// How often conditions are polled.
const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// The prompt the test shell shows (set by the generated `.bashrc`).
pub const PROMPT: &str = "$";

/// The `spaces` binary under test: `$SPACES_BIN`, else the workspace's debug build
/// (`<workspace>/target/debug/spaces`, or under `$CARGO_TARGET_DIR`).
pub fn spaces_bin() -> anyhow::Result<PathBuf> {
    let bin = match std::env::var_os("SPACES_BIN") {
        Some(path) => PathBuf::from(path),
        None => target_dir().join("debug/spaces"),
    };
    if !bin.is_file() {
        bail!(
            "the spaces binary is missing at {}: run `cargo build --bin spaces` first (or set SPACES_BIN)",
            bin.display()
        );
    }
    Ok(bin)
}

/// The Cargo workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Cargo's target directory: `$CARGO_TARGET_DIR` (relative to the workspace), else `target`.
pub fn target_dir() -> PathBuf {
    let dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| "target".into(), PathBuf::from);
    workspace_root().join(dir)
}

/// Fails with a clear message when a program the tests need is not installed.
pub fn require_tool(name: &str, package: &str) -> anyhow::Result<()> {
    let found = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(name).is_file()));
    if !found {
        bail!("`{name}` is not installed: install the `{package}` package (scripts/test does)");
    }
    Ok(())
}

/// Whether a program is on `PATH` (for optional checks such as tmux).
pub fn has_tool(name: &str) -> bool {
    require_tool(name, name).is_ok()
}

/// Polls `check` until it gives a value or `timeout` passes; the error names `what`.
pub fn wait_until<T>(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> anyhow::Result<Option<T>>,
) -> anyhow::Result<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check()? {
            return Ok(value);
        }
        if Instant::now() >= deadline {
            bail!("timed out after {timeout:?} waiting for {what}");
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}
