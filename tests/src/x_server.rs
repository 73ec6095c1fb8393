//! A private Xvfb server per test window, on the first free display number.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use anyhow::{Context as _, bail};

use crate::{require_tool, wait_until};

/// The first X display number tried; later ones are tried when it is taken.
const FIRST_DISPLAY: u32 = 100;

/// A private Xvfb server; killed on drop.
#[derive(Debug)]
pub struct XServer {
    number: u32,
    process: Child,
}

impl XServer {
    /// Starts Xvfb on the first free display number from [`FIRST_DISPLAY`] on.
    pub fn start() -> anyhow::Result<Self> {
        require_tool("Xvfb", "xvfb")?;
        // Tests of one binary run in threads: a shared counter keeps them off each other's
        // numbers, and a taken number (another process) just moves on to the next.
        static NEXT: AtomicU32 = AtomicU32::new(FIRST_DISPLAY);
        for _ in 0..200 {
            let number = NEXT.fetch_add(1, Ordering::SeqCst);
            clear_stale_lock(number);
            if Path::new(&format!("/tmp/.X{number}-lock")).exists() || x_socket(number).exists() {
                continue;
            }
            if let Some(server) = Self::try_start(number)? {
                return Ok(server);
            }
        }
        bail!("no free X display number found from :{FIRST_DISPLAY} on")
    }

    fn try_start(number: u32) -> anyhow::Result<Option<Self>> {
        let mut process = Command::new("Xvfb")
            .arg(format!(":{number}"))
            .args(["-screen", "0", "1600x1000x24", "-nolisten", "tcp"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting Xvfb")?;
        let ready = wait_until("the Xvfb socket", Duration::from_secs(20), || {
            if process.try_wait()?.is_some() {
                return Ok(Some(false));
            }
            Ok(x_socket(number).exists().then_some(true))
        });
        match ready {
            Ok(true) => Ok(Some(Self { number, process })),
            // Exited at once: the number was taken by a server we could not see yet.
            Ok(false) => Ok(None),
            Err(error) => {
                kill_and_reap(&mut process);
                Err(error)
            }
        }
    }

    /// The `DISPLAY` value, e.g. `:100`.
    pub fn display(&self) -> String {
        format!(":{}", self.number)
    }
}

impl Drop for XServer {
    fn drop(&mut self) {
        // SIGTERM first: Xvfb then removes its lock file and socket itself.
        let terminated = Command::new("kill")
            .args(["-TERM", &self.process.id().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if terminated {
            let _ignored = wait_until("Xvfb to exit", Duration::from_secs(3), || {
                Ok(self.process.try_wait()?.map(drop))
            });
        }
        kill_and_reap(&mut self.process);
    }
}

/// Removes the lock file and socket of display `number` when the server that made them is
/// gone (an Xvfb killed with SIGKILL leaves both behind; left alone they use up every number).
fn clear_stale_lock(number: u32) {
    let lock = PathBuf::from(format!("/tmp/.X{number}-lock"));
    let Ok(text) = std::fs::read_to_string(&lock) else {
        return;
    };
    let Ok(pid) = text.trim().parse::<u32>() else {
        return;
    };
    if !Path::new(&format!("/proc/{pid}")).exists() {
        // Losing a race with another cleaner is fine: the files are gone either way.
        let _ignored = std::fs::remove_file(x_socket(number));
        let _ignored = std::fs::remove_file(&lock);
    }
}

fn x_socket(number: u32) -> PathBuf {
    PathBuf::from(format!("/tmp/.X11-unix/X{number}"))
}

pub(crate) fn kill_and_reap(child: &mut Child) {
    // Both fail only when the process is already gone, which is what we want.
    let _ignored = child.kill();
    let _ignored = child.wait();
}
