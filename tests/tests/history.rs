//! End to end: `spaces history` prints a pane's whole recorded output, across restarts, as
//! the screen showed it.

use std::fs;
use std::time::Instant;

use anyhow::{Context as _, Result, ensure};
use spaces_e2e::wait_until;

#[path = "support/restore.rs"]
mod restore;
use restore::*;

/// `spaces history` of a pane that ran TUI-like programs reads as their screens did:
/// cursor-forward spacing becomes spaces, a status line redrawn a thousand times appears once
/// in its final state, and a full-screen program's screen appears once, marked.
#[test]
fn history_reads_like_the_screen_did() -> Result<()> {
    let (spaces, pane) = start()?;
    let script = spaces.scratch().join("tui.sh");
    fs::write(
        &script,
        concat!(
            "printf 'Interrupted\\033[1C\\302\\267\\033[1CWhat\\033[1Cshould\\033[1CClaude\\033[1Cdo\\033[1Cinstead?\\n'\n",
            "i=0; while [ $i -lt 1000 ]; do printf '\\r\\033[2KThinking %d' $i; i=$((i+1)); done\n",
            "printf '\\r\\033[2KDone thinking\\n'\n",
            "printf '\\033[?1049h\\033[H\\033[2Jfull-screen frame A'; sleep 1.5\n",
            "printf '\\033[H\\033[2Jfull-screen frame B'; sleep 0.2; printf '\\033[?1049l'\n",
            "echo tui-done-$((6*7))\n",
        ),
    )?;
    type_line(&spaces, pane, &format!("sh {}", script.display()))?;
    spaces.wait_for_line(pane, "tui-done-42")?;
    spaces.wait_for_recorded(pane, "the script's output recorded", |tail| {
        tail.contains("tui-done-42")
    })?;
    let text = spaces.history(pane)?;
    ensure!(
        text.lines()
            .any(|line| line.trim_end() == "Interrupted · What should Claude do instead?"),
        "cursor-forward spacing not resolved:\n{text}"
    );
    let thinking = text
        .lines()
        .filter(|line| line.contains("Thinking"))
        .count();
    ensure!(
        thinking == 0,
        "the status line shows {thinking} times:\n{text}"
    );
    ensure!(text.lines().any(|line| line == "Done thinking"), "{text}");
    let frames = |frame: &str| text.lines().filter(|line| line.contains(frame)).count();
    ensure!(
        frames("full-screen frame A") == 1 && frames("full-screen frame B") == 1,
        "each settled screen once:\n{text}"
    );
    ensure!(
        text.lines()
            .any(|line| line.contains("screen of a full-screen program")),
        "screens are marked:\n{text}"
    );
    Ok(())
}

#[test]
fn history_command_prints_everything() -> Result<()> {
    const COUNT: u64 = 50_000;
    let (mut spaces, pane) = start()?;
    type_line(&spaces, pane, &format!("seq 1 {COUNT}"))?;
    spaces.wait_for_line(pane, &COUNT.to_string())?;
    spaces.wait_for_prompt(pane)?;
    spaces.wait_for_recorded(pane, "the last number and the prompt recorded", |tail| {
        tail.contains(&format!("\n{COUNT}\r\n")) && tail.ends_with("$ ")
    })?;
    spaces.kill9()?;

    let expected: Vec<u64> = (1..=COUNT).collect();
    let started = Instant::now();
    let text = spaces.history(pane)?;
    println!(
        "history without a window: {} lines in {:?}",
        text.lines().count(),
        started.elapsed()
    );
    ensure!(
        numbers(&text) == expected,
        "`spaces history` without a window does not have 1..={COUNT} in order: {} numbers, first {:?}, last {:?}",
        numbers(&text).len(),
        numbers(&text).first(),
        numbers(&text).last()
    );
    ensure!(
        text.lines()
            .any(|line| line.trim_end() == format!("$ seq 1 {COUNT}")),
        "the command line is not in the history"
    );

    // While a window runs: the same, plus what the new shell printed.
    spaces.restart()?;
    wait_for_restored_prompt(&spaces, pane)?;
    run_after_restore(&spaces, pane, "echo after-$((40+2))", "after-42")?;
    let text = wait_until(
        "the new shell's output in `spaces history`",
        spaces_e2e::TEXT_TIMEOUT,
        || {
            let text = spaces.history(pane)?;
            Ok(text
                .lines()
                .any(|line| line.trim_end() == "after-42")
                .then_some(text))
        },
    )?;
    ensure!(
        numbers(&text) == expected,
        "`spaces history` beside a window lost numbers: {} of {COUNT}",
        numbers(&text).len()
    );
    // The restore point is a line of its own: the old last prompt ends its line, the divider
    // follows, and the new shell's prompt starts a new one.
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let divider = lines
        .iter()
        .position(|line| line.contains("restored from"))
        .context(format!("no restore divider in the history:\n{text}"))?;
    ensure!(
        divider > 0 && lines[divider - 1] == "$",
        "the old prompt does not end its own line before the divider: {:?}",
        &lines[divider.saturating_sub(2)..(divider + 2).min(lines.len())]
    );
    ensure!(
        lines[divider + 1..]
            .iter()
            .any(|line| line.starts_with("$ echo after-")),
        "the new shell's prompt does not start a line: {:?}",
        &lines[divider..]
    );
    Ok(())
}
