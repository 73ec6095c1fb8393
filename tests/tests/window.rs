//! End-to-end tests of the real window under Xvfb: keys typed with xdotool, panes driven and
//! read back with `spaces cli`, full-screen programs, resizing, tab dragging and errors.

use std::os::unix::fs::{FileTypeExt as _, PermissionsExt as _};
use std::process::Command;

use anyhow::{Context as _, Result, ensure};
use spaces_e2e::{PaneInfo, Spaces, has_tool, spaces_bin, wait_until};

/// The workspace sidebar's width (`ui/workspaces.rs`), left of the panes.
const SIDEBAR_WIDTH: i32 = 190;

/// Starts a window and waits for the shell prompt in its first pane.
fn start() -> Result<(Spaces, u64)> {
    let spaces = Spaces::start()?;
    let pane = spaces.first_pane()?;
    spaces.wait_for_prompt(pane)?;
    Ok((spaces, pane))
}

/// Types a command line into the window with real key events and presses Return.
fn type_command(spaces: &Spaces, command: &str) -> Result<()> {
    spaces.type_text(command)?;
    spaces.key(&["Return"])
}

/// The foreground process of a pane is `name`.
fn runs(panes: &[PaneInfo], pane: u64, name: &str) -> bool {
    panes
        .iter()
        .any(|p| p.id == pane && p.process.as_deref() == Some(name))
}

/// The last non-blank line of a screen.
fn last_line(screen: &str) -> &str {
    screen
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or_default()
}

/// How many lines of a screen are exactly `line`.
fn count_lines(screen: &str, line: &str) -> usize {
    screen.lines().filter(|l| l.trim_end() == line).count()
}

#[test]
fn typed_keys_reach_the_shell() -> Result<()> {
    let (spaces, pane) = start()?;
    type_command(&spaces, "echo typed-$((6*7))")?;
    spaces.wait_for_line(pane, "typed-42")?;
    spaces.wait_for_prompt(pane)?;
    Ok(())
}

#[test]
fn keyboard_interrupts_recalls_edits_completes_and_splits() -> Result<()> {
    let (spaces, pane) = start()?;

    // Ctrl+C interrupts the foreground program.
    type_command(&spaces, "sleep 100")?;
    spaces.wait_for_list("sleep in the foreground", |p| runs(p, pane, "sleep"))?;
    spaces.key(&["ctrl+c"])?;
    spaces.wait_for_list("bash back in the foreground", |p| runs(p, pane, "bash"))?;
    spaces.wait_for_text(pane, "^C")?;
    spaces.wait_for_prompt(pane)?;

    // Up recalls the last command.
    type_command(&spaces, "echo hist-$((2+3))")?;
    spaces.wait_for_line(pane, "hist-5")?;
    spaces.key(&["Up"])?;
    spaces.wait_for_screen(pane, "the recalled command", |s| {
        last_line(s) == "$ echo hist-$((2+3))"
    })?;
    spaces.key(&["Return"])?;
    spaces.wait_for_screen(pane, "hist-5 printed twice", |s| {
        count_lines(s, "hist-5") == 2
    })?;

    // BackSpace edits the line.
    spaces.type_text("echo bs-12345")?;
    spaces.key(&["BackSpace", "BackSpace"])?;
    type_command(&spaces, "X")?;
    spaces.wait_for_line(pane, "bs-123X")?;

    // Tab completes a command name.
    spaces.type_text("ech")?;
    spaces.key(&["Tab"])?;
    spaces.wait_for_screen(pane, "`ech` completed to `echo `", |s| {
        last_line(s) == "$ echo"
    })?;
    type_command(&spaces, "tab-$((3*3))")?;
    spaces.wait_for_line(pane, "tab-9")?;

    // Ctrl+Shift+E is Spaces' own shortcut: split right, focus the new pane.
    spaces.key(&["ctrl+shift+e"])?;
    let panes = spaces.wait_for_list("two panes", |p| p.len() == 2)?;
    let new = panes
        .iter()
        .find(|p| p.id != pane)
        .context("the new pane")?;
    ensure!(
        new.focused,
        "the new pane should have the focus: {panes:#?}"
    );
    Ok(())
}

#[test]
fn cli_splits_runs_reads_closes_and_focuses() -> Result<()> {
    let (spaces, first) = start()?;
    let right = spaces.split(first, "--right")?;
    let below = spaces.split(right, "--down")?;
    let panes = spaces.wait_for_list("three panes", |p| p.len() == 3)?;
    let ids: Vec<u64> = panes.iter().map(|p| p.id).collect();
    ensure!(ids == [first, right, below], "layout order: {ids:?}");

    for pane in [first, right, below] {
        spaces.wait_for_prompt(pane)?;
        spaces.run_command(pane, &format!("echo pane-{pane}-$(({pane}*100))"))?;
    }
    for pane in [first, right, below] {
        spaces.wait_for_line(pane, &format!("pane-{pane}-{}", pane * 100))?;
    }
    // Each pane has only its own output.
    let first_screen = spaces.get_text(first, None)?;
    ensure!(
        !first_screen.contains(&format!("pane-{right}-")),
        "pane {first} shows another pane's output:\n{first_screen}"
    );

    spaces.cli(&["close", "--pane", &below.to_string()])?;
    spaces.wait_for_list("two panes after close", |p| {
        p.len() == 2 && p.iter().all(|pane| pane.id != below)
    })?;

    for target in [first, right] {
        spaces.cli(&["focus", "--pane", &target.to_string()])?;
        spaces.wait_for_list("the focus to move", |p| {
            p.iter().all(|pane| pane.focused == (pane.id == target))
        })?;
    }
    Ok(())
}

#[test]
fn vim_edits_and_saves_a_file() -> Result<()> {
    let (spaces, pane) = start()?;
    let file = spaces.scratch().join("vim-note.txt");
    type_command(&spaces, "vim")?;
    spaces.wait_for_list("vim in the foreground", |p| runs(p, pane, "vim"))?;
    spaces.wait_for_screen(pane, "vim's empty buffer", |s| {
        s.lines().filter(|l| l.starts_with('~')).count() > 5
    })?;
    spaces.type_text("ihello")?;
    spaces.key(&["Escape"])?;
    type_command(&spaces, &format!(":wq {}", file.display()))?;
    let content = wait_until("vim to write the file", spaces_e2e::TEXT_TIMEOUT, || {
        Ok(std::fs::read_to_string(&file)
            .ok()
            .filter(|t| !t.is_empty()))
    })?;
    ensure!(content == "hello\n", "vim wrote {content:?}");
    spaces.wait_for_list("vim to exit", |p| runs(p, pane, "bash"))?;
    spaces.wait_for_prompt(pane)?;
    Ok(())
}

#[test]
fn less_and_tmux_start_and_exit_cleanly() -> Result<()> {
    let (spaces, pane) = start()?;

    type_command(&spaces, "seq 1 300 | less")?;
    spaces.wait_for_screen(pane, "less showing the numbers", |s| {
        s.lines().next() == Some("1") && last_line(s) == ":"
    })?;
    spaces.key(&["q"])?;
    // less leaves the alternate screen: the command line is back in view.
    let screen = spaces.wait_for_prompt(pane)?;
    ensure!(
        screen.contains("$ seq 1 300 | less"),
        "the shell screen was not restored:\n{screen}"
    );

    if !has_tool("tmux") {
        println!("tmux is not installed: skipped the tmux check");
        return Ok(());
    }
    type_command(&spaces, "tmux -f /dev/null new -s e2e")?;
    spaces.wait_for_screen(pane, "tmux's status line", |s| {
        last_line(s).contains("[e2e]")
    })?;
    type_command(&spaces, "echo in-tmux-$((5*5))")?;
    spaces.wait_for_line(pane, "in-tmux-25")?;
    spaces.key(&["ctrl+b", "d"])?;
    spaces.wait_for_text(pane, "[detached (from session e2e)]")?;
    type_command(&spaces, "tmux kill-server; echo tmux-status-$?")?;
    spaces.wait_for_line(pane, "tmux-status-0")?;
    spaces.wait_for_prompt(pane)?;
    Ok(())
}

/// Runs `stty size` in a pane and returns (rows, cols) as the program inside sees them.
/// `tag` makes the output line unique, so an earlier answer is never read by mistake.
fn stty_size(spaces: &Spaces, pane: u64, tag: &str) -> Result<(u64, u64)> {
    let prefix = format!("size-{tag}=");
    spaces.run_command(pane, &format!("echo {prefix}$(stty size)"))?;
    let is_answer = |line: &str| line.starts_with(&prefix) && line.ends_with(char::is_numeric);
    let screen =
        spaces.wait_for_screen(pane, "the stty size output", |s| s.lines().any(is_answer))?;
    let line = screen
        .lines()
        .find(|l| is_answer(l))
        .context("the size line")?;
    let mut numbers = line[prefix.len()..].split_whitespace().map(str::parse);
    match (numbers.next(), numbers.next()) {
        (Some(Ok(rows)), Some(Ok(cols))) => Ok((rows, cols)),
        _ => anyhow::bail!("cannot parse {line:?}"),
    }
}

#[test]
fn splitting_resizes_the_pty() -> Result<()> {
    let (spaces, first) = start()?;
    let before = spaces.pane(first)?;
    ensure!(
        stty_size(&spaces, first, "before")? == (before.rows, before.cols),
        "stty size disagrees with cli list before the split"
    );

    let right = spaces.split(first, "--right")?;
    let panes = spaces.wait_for_list("the first pane to get narrower", |p| {
        p.iter()
            .any(|pane| pane.id == first && pane.cols < before.cols * 6 / 10)
    })?;
    for pane in [first, right] {
        let info = panes
            .iter()
            .find(|p| p.id == pane)
            .context("pane in list")?;
        ensure!(
            info.rows == before.rows,
            "a side-by-side split keeps the height: {info:?} vs {before:?}"
        );
        spaces.wait_for_prompt(pane)?;
        let size = stty_size(&spaces, pane, &format!("after-{pane}"))?;
        ensure!(
            size == (info.rows, info.cols),
            "pane {pane}: stty size {size:?}, cli list {}x{} rows x cols",
            info.rows,
            info.cols
        );
    }
    Ok(())
}

#[test]
fn dragging_a_tab_stacks_the_panes() -> Result<()> {
    let (spaces, left) = start()?;
    let full = spaces.pane(left)?;
    // What a plain split down gives: the sizes the dragged layout should match.
    let below = spaces.split(left, "--down")?;
    let stacked = spaces.wait_for_list("two stacked panes", |p| p.len() == 2)?;
    let stacked_rows: Vec<u64> = stacked.iter().map(|p| p.rows).collect();
    spaces.cli(&["close", "--pane", &below.to_string()])?;
    spaces.wait_for_list("one pane again", |p| p == [full.clone()])?;

    let right = spaces.split(left, "--right")?;
    spaces.wait_for_list("two panes side by side", |p| {
        p.len() == 2 && p.iter().all(|pane| pane.cols < full.cols * 6 / 10)
    })?;
    spaces.wait_for_prompt(right)?;
    spaces.screenshot("drag-tab-before")?;

    // The workspace sidebar takes the left 190 px; menu bar ~22 px and the workspace's 3 px
    // colour bar, then each group's 26 px tab bar: the right group's tab starts just right of
    // the middle of the pane area.
    let window = spaces.geometry()?;
    let (area_x, area_width) = (window.x + SIDEBAR_WIDTH, window.width - SIDEBAR_WIDTH);
    let tab = (area_x + area_width / 2 + 20, window.y + 22 + 3 + 13);
    let lower_left = (area_x + area_width / 4, window.y + window.height * 4 / 5);
    spaces.drag(tab, lower_left)?;

    let dragged = spaces.wait_for_list("the panes stacked one above the other", |p| {
        p.len() == 2
            && p.iter()
                .all(|pane| pane.cols == full.cols && pane.rows < full.rows * 6 / 10)
    });
    spaces.screenshot("drag-tab-after")?;
    let dragged = dragged?;
    let ids: Vec<u64> = dragged.iter().map(|p| p.id).collect();
    ensure!(
        ids == [left, right],
        "the dragged pane should be below: {ids:?}"
    );
    let dragged_rows: Vec<u64> = dragged.iter().map(|p| p.rows).collect();
    ensure!(
        dragged_rows == stacked_rows,
        "dragging wasted space: rows {dragged_rows:?}, a split down gives {stacked_rows:?} \
         (an extra tab bar around the new column?)"
    );

    // Closing the dragged pane gives the whole window back to the other one.
    spaces.cli(&["close", "--pane", &right.to_string()])?;
    let alone = spaces.wait_for_list("one pane after closing", |p| p.len() == 1)?;
    ensure!(
        alone[0].rows == full.rows && alone[0].cols == full.cols,
        "the last pane should fill the window again: {:?} vs {full:?}",
        alone[0]
    );
    Ok(())
}

#[test]
fn an_exited_process_is_reported_and_the_window_lives_on() -> Result<()> {
    let (mut spaces, first) = start()?;
    let exited: u64 = spaces
        .cli(&["spawn", "--", "sh", "-c", "exit 3"])?
        .trim()
        .parse()
        .context("spawn prints the new pane id")?;
    spaces.wait_for_list("the exit to be reported", |p| {
        p.iter().any(|pane| {
            pane.id == exited && pane.exited.as_deref() == Some("process exited with code 3")
        })
    })?;
    spaces.check_alive()?;
    spaces.cli(&["focus", "--pane", &first.to_string()])?;
    spaces.run_command(first, "echo alive-$((9+1))")?;
    spaces.wait_for_line(first, "alive-10")?;
    Ok(())
}

#[test]
fn cli_without_a_window_is_one_clear_error() -> Result<()> {
    let bin = spaces_bin()?;
    let empty = tempfile::tempdir().context("tempdir")?;
    let output = Command::new(bin)
        .arg("--data-dir")
        .arg(empty.path())
        .args(["cli", "get-text", "--pane", "1"])
        .env_remove("SPACES_PANE_ID")
        .output()
        .context("running spaces cli")?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    ensure!(output.status.code() == Some(1), "exit: {}", output.status);
    ensure!(stderr.lines().count() == 1, "one line expected:\n{stderr}");
    ensure!(
        stderr.contains("no Spaces window is running"),
        "unclear error: {stderr}"
    );
    ensure!(output.stdout.is_empty(), "nothing on stdout");
    Ok(())
}

#[test]
fn a_bad_pane_id_is_a_clear_error() -> Result<()> {
    let (spaces, _) = start()?;
    let attempts: [&[&str]; 4] = [
        &["cli", "get-text", "--pane", "999"],
        &["cli", "send-text", "--pane", "999", "x"],
        &["cli", "focus", "--pane", "999"],
        &["cli", "close", "--pane", "999"],
    ];
    for args in attempts {
        let output = spaces.cli_output(args)?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        ensure!(!output.status.success(), "{args:?} succeeded");
        ensure!(
            stderr.lines().count() == 1 && stderr.contains("no pane with id 999"),
            "{args:?}: unclear error:\n{stderr}"
        );
    }
    ensure!(spaces.list()?.len() == 1, "nothing changed");
    Ok(())
}

#[test]
fn data_dir_is_private_and_instances_are_independent() -> Result<()> {
    let (first, first_pane) = start()?;
    let mode = std::fs::metadata(first.data_dir())?.permissions().mode() & 0o777;
    ensure!(mode == 0o700, "data dir mode is {mode:o}");
    let socket = first.data_dir().join("spaces.sock");
    let kind = std::fs::symlink_metadata(&socket)
        .with_context(|| format!("{} missing", socket.display()))?
        .file_type();
    ensure!(kind.is_socket(), "{} is not a socket", socket.display());

    // A second window on the same display, with its own data directory.
    let second = Spaces::start_on(first.x_server())?;
    let second_pane = second.first_pane()?;
    second.wait_for_prompt(second_pane)?;
    first.run_command(first_pane, "echo first-$((1+1))")?;
    second.run_command(second_pane, "echo second-$((2+2))")?;
    first.wait_for_line(first_pane, "first-2")?;
    second.wait_for_line(second_pane, "second-4")?;
    ensure!(
        !second.get_text(second_pane, None)?.contains("first-2"),
        "the second window shows the first one's output"
    );
    second.cli(&["split", "--pane", &second_pane.to_string(), "--down"])?;
    second.wait_for_list("two panes in the second window", |p| p.len() == 2)?;
    ensure!(first.list()?.len() == 1, "the first window is unaffected");

    // A third window on a data directory already in use refuses to start.
    let (status, stderr) = first.start_duplicate()?;
    ensure!(!status.success(), "the duplicate window started");
    ensure!(
        stderr.contains("already running"),
        "unclear refusal: {stderr}"
    );
    ensure!(first.list()?.len() == 1, "the first window still answers");
    Ok(())
}

#[test]
fn scrollback_is_readable_with_negative_lines() -> Result<()> {
    let (spaces, pane) = start()?;
    let rows = i32::try_from(spaces.pane(pane)?.rows)?;
    spaces.run_command(pane, "seq 1 500 | sed 's/^/line-/'")?;
    spaces.wait_for_line(pane, "line-500")?;
    spaces.wait_for_prompt(pane)?;
    let history = spaces.get_text(pane, Some((-400, rows - 1)))?;
    for line in ["line-150", "line-300", "line-500"] {
        ensure!(
            count_lines(&history, line) == 1,
            "{line} missing from the scrollback"
        );
    }
    Ok(())
}

#[test]
fn kill9_and_restart_bring_the_window_back() -> Result<()> {
    let (mut spaces, _) = start()?;
    spaces.kill9()?;
    ensure!(spaces.list().is_err(), "a killed window still answers");
    spaces.restart()?;
    let pane = spaces.first_pane()?;
    spaces.wait_for_prompt(pane)?;
    spaces.run_command(pane, "echo back-$((3+4))")?;
    spaces.wait_for_line(pane, "back-7")?;
    Ok(())
}

/// Ctrl+Minus and Ctrl+Equals are egui's own zoom keys: in Spaces they belong to the program
/// in the pane and leave the interface's scale (so the pane's size) alone.
#[test]
fn egui_zoom_keys_leave_the_interface_alone() -> Result<()> {
    let (spaces, pane) = start()?;
    let before = spaces.pane(pane)?;
    spaces.key(&["ctrl+minus", "ctrl+minus", "ctrl+equal"])?;
    // The keys reached the shell's line (as in any terminal): clear it.
    spaces.key(&["ctrl+u"])?;
    type_command(&spaces, "echo zoom-$((6*7))")?;
    spaces.wait_for_line(pane, "zoom-42")?;
    let after = spaces.pane(pane)?;
    ensure!(
        (after.cols, after.rows) == (before.cols, before.rows),
        "the pane went from {}x{} to {}x{}",
        before.cols,
        before.rows,
        after.cols,
        after.rows
    );
    Ok(())
}

/// Ctrl+Shift+= / - / 0 change the terminal font (so the pane's columns), and nothing of them
/// is typed into the shell.
#[test]
fn zoom_keys_change_the_terminal_font_only() -> Result<()> {
    let (mut spaces, pane) = start()?;
    let base = spaces.pane(pane)?.cols;
    spaces.key(&["ctrl+shift+equal", "ctrl+shift+equal"])?;
    let larger = wait_until("fewer columns", std::time::Duration::from_secs(10), || {
        Ok(Some(spaces.pane(pane)?.cols).filter(|cols| *cols < base))
    })?;
    spaces.key(&[
        "ctrl+shift+minus",
        "ctrl+shift+minus",
        "ctrl+shift+minus",
        "ctrl+shift+minus",
    ])?;
    wait_until("more columns", std::time::Duration::from_secs(10), || {
        Ok(Some(spaces.pane(pane)?.cols).filter(|cols| *cols > base))
    })?;
    // The zoom is the window's: it comes back after a relaunch.
    let zoomed_out = spaces.pane(pane)?.cols;
    std::thread::sleep(std::time::Duration::from_millis(1500));
    spaces.restart()?;
    wait_until(
        "the zoom after the relaunch",
        std::time::Duration::from_secs(10),
        || Ok((spaces.pane(pane)?.cols == zoomed_out).then_some(())),
    )?;
    spaces.key(&["ctrl+shift+0"])?;
    wait_until(
        "the font size reset",
        std::time::Duration::from_secs(10),
        || Ok((spaces.pane(pane)?.cols == base).then_some(())),
    )?;
    type_command(&spaces, "echo typed-$((6*7))")?;
    let screen = spaces.wait_for_line(pane, "typed-42")?;
    ensure!(
        screen
            .lines()
            .any(|line| line.trim_end() == "$ echo typed-$((6*7))"),
        "the zoom keys typed something into the shell:\n{screen}"
    );
    println!("columns: {base} at the start, {larger} zoomed in");
    Ok(())
}

/// The window comes back at the size and place it had when it was killed.
#[test]
fn the_window_geometry_survives_a_relaunch() -> Result<()> {
    let (mut spaces, pane) = start()?;
    let window = spaces.window()?;
    spaces.xdotool(&["windowsize", "--sync", &window, "1000", "640"])?;
    spaces.xdotool(&["windowmove", "--sync", &window, "60", "40"])?;
    let saved = spaces.data_dir().join("window.toml");
    wait_until(
        "the geometry saved",
        std::time::Duration::from_secs(20),
        || {
            let text = std::fs::read_to_string(&saved).unwrap_or_default();
            Ok((text.contains("width = 1000") && text.contains("height = 640")).then_some(()))
        },
    )?;
    spaces.kill9()?;
    spaces.restart()?;
    let geometry = spaces.geometry()?;
    ensure!(
        (geometry.width, geometry.height) == (1000, 640),
        "came back {}x{}",
        geometry.width,
        geometry.height
    );
    ensure!(
        (geometry.x - 60).abs() <= 2 && (geometry.y - 40).abs() <= 2,
        "came back at {},{}",
        geometry.x,
        geometry.y
    );
    spaces.wait_for_prompt(pane)?;
    Ok(())
}

/// Prints a line, ends the window with `end`, checks it exited cleanly (success, no panic)
/// and that the next start brings the line back.
fn ends_cleanly_and_restores(end: impl FnOnce(&Spaces) -> Result<()>, word: &str) -> Result<()> {
    let (mut spaces, pane) = start()?;
    type_command(&spaces, &format!("echo {word}-$((6*7))"))?;
    spaces.wait_for_line(pane, &format!("{word}-42"))?;
    end(&spaces)?;
    let exited = wait_until(
        "the window to exit",
        std::time::Duration::from_secs(20),
        || spaces.exit_status(),
    )?;
    ensure!(
        exited.success(),
        "the window exited with {exited}: {}",
        spaces.log_tail()
    );
    ensure!(
        !spaces.log_tail().contains("panicked"),
        "{}",
        spaces.log_tail()
    );
    spaces.restart()?;
    let text = spaces.wait_for_text(pane, &format!("{word}-42"))?;
    ensure!(text.contains("restored from"), "{text}");
    Ok(())
}

/// The window system destroying the window (`xdotool windowclose`, a window manager's kill):
/// no panic, a clean exit having saved, and the next start brings everything back.
#[test]
fn a_window_destroyed_by_the_window_system_exits_cleanly_and_restores() -> Result<()> {
    ends_cleanly_and_restores(
        |spaces| {
            let window = spaces.window()?;
            spaces.xdotool(&["windowclose", &window]).map(drop)
        },
        "before-close",
    )
}

/// SIGTERM (a logout, `kill`) closes the window as a quit does: it exits cleanly, having
/// saved, and the next start brings everything back.
#[test]
fn sigterm_quits_cleanly_and_the_next_start_restores() -> Result<()> {
    ends_cleanly_and_restores(
        |spaces| {
            let pid = spaces.app_pid().context("pid")?;
            let status = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()?;
            ensure!(status.success(), "kill -TERM failed");
            Ok(())
        },
        "before-term",
    )
}

/// An agent CLI that pushes the kitty keyboard protocol tells Shift+Enter ("new line") from
/// Enter ("send"): the key arrives as `CSI 13;2u`, and Ctrl+a as `CSI 97;5u`.
#[test]
fn shift_enter_reaches_a_program_that_pushed_the_kitty_protocol() -> Result<()> {
    let (spaces, pane) = start()?;
    let script = spaces.home().join("kitty.py");
    std::fs::write(
        &script,
        "import os, sys, tty\n\
         tty.setraw(0)\n\
         os.write(1, b'\\x1b[>1uREADY\\r\\n')\n\
         for _ in range(2):\n\
         \x20   key = b''\n\
         \x20   while not key.endswith(b'u'):\n\
         \x20       key += os.read(0, 1)\n\
         \x20   os.write(1, b'KEY:' + key.hex().encode() + b'\\r\\n')\n\
         os.write(1, b'\\x1b[<u')\n",
    )?;
    type_command(&spaces, &format!("python3 {}", script.display()))?;
    spaces.wait_for_line(pane, "READY")?;
    spaces.key(&["shift+Return"])?;
    spaces.wait_for_line(pane, "KEY:1b5b31333b3275")?;
    spaces.key(&["ctrl+a"])?;
    spaces.wait_for_line(pane, "KEY:1b5b39373b3575")?;
    spaces.wait_for_prompt(pane)?;
    Ok(())
}

/// Quick Alt chords, sent without any delay, all arrive with their Alt (ESC before the key).
#[test]
fn quick_alt_chords_are_never_dropped() -> Result<()> {
    let (spaces, pane) = start()?;
    type_command(&spaces, "cat -v")?;
    spaces.wait_for_list("cat in the foreground", |p| runs(p, pane, "cat"))?;
    let mut chord = vec!["key", "--delay", "0"];
    chord.extend(std::iter::repeat_n("alt+x", 10));
    spaces.focus_window()?;
    spaces.xdotool(&chord)?;
    spaces.key(&["Return"])?;
    spaces.wait_for_line(pane, &"^[x".repeat(10))?;
    spaces.key(&["ctrl+c"])?;
    spaces.wait_for_prompt(pane)?;
    Ok(())
}
