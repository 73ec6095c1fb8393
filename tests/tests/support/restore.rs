//! What the restore tests share: starting a window, typing, and reading what a pane shows
//! below the restore divider.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use anyhow::{Result, ensure};
use spaces_e2e::{PaneInfo, Spaces};

/// The restored part of a pane ends with this line (`── restored from <date time> ──`).
pub const DIVIDER: &str = "restored from";
/// The colour of the re-run offer's text (`rerun_banner` in app/src/terminal_view.rs).
pub const OFFER_TEXT: [u8; 3] = [150, 200, 240];

/// Starts a window and waits for the shell prompt in its first pane.
pub fn start() -> Result<(Spaces, u64)> {
    let spaces = Spaces::start()?;
    let pane = spaces.first_pane()?;
    spaces.wait_for_prompt(pane)?;
    Ok((spaces, pane))
}

/// Types a command line as keys (no bracketed paste) and presses Enter.
pub fn type_line(spaces: &Spaces, pane: u64, line: &str) -> Result<()> {
    spaces.send_keys(pane, &format!("{line}\r"))
}

/// The foreground process of a pane is `name`.
pub fn runs(panes: &[PaneInfo], pane: u64, name: &str) -> bool {
    panes
        .iter()
        .any(|p| p.id == pane && p.process.as_deref() == Some(name))
}

/// The lines below the restore divider, if the text has one.
pub fn after_divider(text: &str) -> Option<Vec<&str>> {
    let lines: Vec<&str> = text.lines().collect();
    let divider = lines.iter().rposition(|line| line.contains(DIVIDER))?;
    Some(lines[divider + 1..].to_vec())
}

/// The non-blank lines below the restore divider (empty when there is no divider).
pub fn new_lines(text: &str) -> Vec<&str> {
    after_divider(text)
        .unwrap_or_default()
        .into_iter()
        .map(str::trim_end)
        .filter(|line| !line.trim().is_empty())
        .collect()
}

/// Waits until the pane shows a fresh prompt below the divider; returns the screen.
pub fn wait_for_restored_prompt(spaces: &Spaces, pane: u64) -> Result<String> {
    spaces.wait_for_screen(pane, "a fresh prompt below the divider", |screen| {
        new_lines(screen).last() == Some(&"$")
    })
}

/// Runs a command in a restored pane and waits for `line` among the lines below the divider.
pub fn run_after_restore(spaces: &Spaces, pane: u64, command: &str, line: &str) -> Result<()> {
    type_line(spaces, pane, command)?;
    spaces
        .wait_for_screen(pane, &format!("{line:?} below the divider"), |screen| {
            new_lines(screen).contains(&line)
        })
        .map(drop)
}

/// Checks that `check` holds on every poll for `period` (something that must NOT happen).
pub fn holds_for(
    what: &str,
    period: Duration,
    mut check: impl FnMut() -> Result<bool>,
) -> Result<()> {
    let end = Instant::now() + period;
    while Instant::now() < end {
        ensure!(check()?, "{what} stopped holding");
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

/// The numbers `seq` printed, from text where other lines (prompts, commands) may appear.
pub fn numbers(text: &str) -> Vec<u64> {
    text.lines()
        .filter_map(|line| line.trim().parse().ok())
        .collect()
}
