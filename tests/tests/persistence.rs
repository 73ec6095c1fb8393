//! End-to-end persistence tests: kill -9 the real window and start it again on the same data
//! directory; the layout, scrollback, working directories and focus come back, old commands
//! are offered but never re-run, old output is replayed without answering its queries,
//! `spaces history` prints everything, and a corrupt database is moved aside.

use std::fs;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, ensure};
use serde_json::Value;
use spaces_e2e::{PaneInfo, Spaces, XServer, wait_until};

#[path = "support/restore.rs"]
mod restore;
use restore::*;

/// Text that looks like a terminal's answer to a query, as `cat -v` or the tty's echo shows
/// it: DA (`^[[?6c`), DSR (`^[[1;1R`), colour reports (`rgb:`), title reports (`^[]l`).
fn has_terminal_answers(text: &str) -> bool {
    ["^[", "\x1b", "[?", ";1R", "rgb:", "]l", "]L"]
        .iter()
        .any(|needle| text.contains(needle))
}

/// The escape-sequence queries a program may print: DA1, DSR cursor position, OSC 11 colour
/// query, OSC 52 clipboard read, title report.
const QUERIES: &str = r"printf '\033[c\033[6n\033]11;?\007\033]52;c;?\007\033[21t'";

/// Reads whatever arrives on the tty for a second (no echo) and prints it through `cat -v`.
fn read_answers(tag: &str) -> String {
    format!(
        r#"read -r -s -n 1000 -t 1 junk; printf '{tag}:[%s]\n' "$(printf %s "$junk" | cat -v)""#
    )
}

/// The line a `read_answers(tag)` printed, once it has printed.
fn answers_line<'a>(screen: &'a str, tag: &str) -> Option<&'a str> {
    let prefix = format!("{tag}:[");
    screen
        .lines()
        .map(str::trim_end)
        .find(|line| line.starts_with(&prefix))
}

#[test]
fn restore_after_kill9() -> Result<()> {
    let (mut spaces, left) = start()?;
    let full = spaces.pane(left)?;
    let right = spaces.split(left, "--right")?;
    spaces.wait_for_prompt(right)?;
    type_line(&spaces, left, "cd /usr/share")?;
    type_line(&spaces, right, "cd /tmp")?;
    // The split focused the new pane: focus the first one, so focus has to be restored.
    spaces.cli(&["focus", "--pane", &left.to_string()])?;
    spaces.wait_for_saved_pane(left, "cwd /usr/share saved", |p| p.cwd == "/usr/share")?;
    spaces.wait_for_saved_pane(right, "cwd /tmp saved", |p| p.cwd == "/tmp")?;

    type_line(&spaces, left, "seq 1 30000")?;
    spaces.wait_for_line(left, "30000")?;
    spaces.wait_for_prompt(left)?;
    spaces.wait_for_recorded(left, "30000 and the prompt recorded", |tail| {
        tail.contains("\n30000\r\n") && tail.ends_with("$ ")
    })?;
    spaces.wait_for_saved_focus(left)?;
    let before = spaces.list()?;
    ensure!(
        before.iter().map(|p| (p.id, p.focused)).collect::<Vec<_>>()
            == [(left, true), (right, false)],
        "before the kill: {before:#?}"
    );

    spaces.kill9()?;
    spaces.restart()?;

    // The same panes, side by side in the same places, the same one focused.
    let after = spaces.wait_for_list("the two panes back", |p| p.len() == 2)?;
    let shape = |panes: &[PaneInfo]| -> Vec<(u64, u64, u64, bool)> {
        panes
            .iter()
            .map(|p| (p.id, p.cols, p.rows, p.focused))
            .collect()
    };
    ensure!(
        shape(&after) == shape(&before),
        "layout before the kill {:?}, after the restart {:?}",
        shape(&before),
        shape(&after)
    );
    ensure!(
        after
            .iter()
            .all(|p| p.rows == full.rows && p.cols < full.cols * 6 / 10),
        "not side by side (one pane alone was {}x{}): {after:#?}",
        full.cols,
        full.rows
    );

    // Old scrollback and screen, the divider, then a fresh shell.
    wait_for_restored_prompt(&spaces, left)?;
    let rows = i32::try_from(after[0].rows)?;
    let text = spaces.get_text(left, Some((-12000, rows - 1)))?;
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let divider = lines
        .iter()
        .rposition(|line| line.contains(DIVIDER))
        .with_context(|| {
            format!(
                "no divider in the restored text; it ends {:?}",
                tail(&lines)
            )
        })?;
    let mut end = divider;
    while end > 0 && matches!(lines[end - 1].trim(), "" | "$") {
        end -= 1;
    }
    let old: Vec<u64> = lines[..end]
        .iter()
        .map(|line| line.trim().parse::<u64>())
        .collect::<Result<_, _>>()
        .with_context(|| {
            format!(
                "the restored scrollback is not only numbers: {:?}",
                tail(&lines[..end])
            )
        })?;
    ensure!(
        old.last() == Some(&30000),
        "the restored output ends with {:?}",
        old.last()
    );
    ensure!(
        old.windows(2).all(|pair| pair[1] == pair[0] + 1),
        "the restored numbers are not one contiguous run (first {:?})",
        old.first()
    );
    ensure!(
        old.len() >= 10_000,
        "only {} lines of scrollback came back (from {:?})",
        old.len(),
        old.first()
    );
    ensure!(
        new_lines(&text) == ["$"],
        "below the divider: {:?}",
        new_lines(&text)
    );
    println!(
        "restored {} lines ({}..=30000) above the divider",
        old.len(),
        old[0]
    );

    // Each new shell starts where the old one was.
    wait_for_restored_prompt(&spaces, right)?;
    run_after_restore(&spaces, left, "pwd", "/usr/share")?;
    run_after_restore(&spaces, right, "pwd", "/tmp")?;
    Ok(())
}

/// The last few lines, for error messages.
fn tail<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    lines[lines.len().saturating_sub(8)..].to_vec()
}

#[test]
fn restart_offers_rerun_not_rerun() -> Result<()> {
    let (mut spaces, pane) = start()?;
    type_line(&spaces, pane, "top")?;
    spaces.wait_for_list("top in the foreground", |p| runs(p, pane, "top"))?;
    spaces.wait_for_saved_pane(pane, "top saved as the pane's command", |p| {
        !p.is_shell && p.command.first().is_some_and(|c| c.ends_with("top"))
    })?;
    let running = spaces.pane(pane)?;
    // Control: without an offer the screen has (almost) none of the offer's colour.
    let control = spaces.pixels()?.count_near(OFFER_TEXT, 6);

    spaces.kill9()?;
    spaces.restart()?;

    spaces.wait_for_list("a shell in the restored pane", |p| runs(p, pane, "bash"))?;
    holds_for(
        "the restored pane running a shell, not top",
        Duration::from_secs(2),
        || {
            let now = spaces.pane(pane)?;
            ensure!(
                now.process.as_deref() != Some("top"),
                "top was re-run by itself: {now:?}"
            );
            Ok(true)
        },
    )?;
    wait_for_restored_prompt(&spaces, pane)?;

    // The offer is a banner along the bottom of the pane: it takes rows from the grid.
    let offered = spaces.wait_for_list("the offer's banner to take rows", |p| {
        p.iter().any(|p| p.id == pane && p.rows < running.rows)
    })?;
    let shot = spaces.screenshot("restart-offers-rerun")?;
    let offer = spaces.pixels()?.count_near(OFFER_TEXT, 6);
    println!(
        "offer colour pixels: {control} before the kill, {offer} after the restart ({})",
        shot.display()
    );
    ensure!(
        offer > control + 40,
        "no re-run offer on screen: {offer} pixels of its colour, {control} without it (see {})",
        shot.display()
    );

    // The offer works when asked: Ctrl+Shift+Enter runs top again and the banner goes.
    spaces.key(&["ctrl+shift+Return"])?;
    spaces.wait_for_list("top running again on request, the banner gone", |p| {
        runs(p, pane, "top") && p.iter().any(|p| p.id == pane && p.rows == running.rows)
    })?;
    println!(
        "rows: {} while top ran, {} with the offer",
        running.rows,
        offered.iter().find(|p| p.id == pane).map_or(0, |p| p.rows)
    );
    Ok(())
}

/// A pane that ran an agent CLI started with a chosen session id (`claude --session-id X`)
/// comes back after `kill -9` offering the resume form, and running the offer resumes
/// (a stand-in `claude` records the arguments it was started with).
/// An agent started with a session id Spaces (or the user) chose is resumed with that id
/// after a `kill -9`, never started again with `--session-id` (which the CLIs refuse for an
/// id in use); once its conversation is gone, the pane says so instead.
#[test]
fn a_restored_agent_pane_resumes_its_session_and_says_when_it_is_gone() -> Result<()> {
    let (mut spaces, pane) = start()?;
    let bin = spaces.scratch().join("agents");
    fs::create_dir_all(&bin)?;
    let calls = spaces.scratch().join("claude-calls.txt");
    let claude = bin.join("claude");
    fs::write(
        &claude,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\necho stand-in claude running\nwhile :; do sleep 1; done\n",
            calls.display()
        ),
    )?;
    fs::set_permissions(&claude, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    type_line(
        &spaces,
        pane,
        &format!("{} --session-id 3f1c2a9e", claude.display()),
    )?;
    spaces.wait_for_saved_pane(pane, "the agent's session saved with the pane", |p| {
        !p.is_shell && p.agent_session.as_deref() == Some("3f1c2a9e")
    })?;
    // Claude writes its transcript at the first prompt: `<config>/projects/<cwd>/<id>.jsonl`.
    let home = spaces.home();
    let encoded: String = home
        .display()
        .to_string()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let transcript = home
        .join(".claude/projects")
        .join(encoded)
        .join("3f1c2a9e.jsonl");
    fs::create_dir_all(transcript.parent().context("parent")?)?;
    fs::write(
        &transcript,
        r#"{"type":"user","sessionId":"3f1c2a9e","message":{"role":"user","content":"hi"}}"#
            .to_owned()
            + "\n",
    )?;

    spaces.kill9()?;
    spaces.restart()?;
    let recorded = wait_until(
        "the stand-in to be resumed by itself",
        Duration::from_secs(20),
        || {
            let text = fs::read_to_string(&calls).unwrap_or_default();
            Ok((text.lines().count() >= 2).then_some(text))
        },
    )?;
    let lines: Vec<&str> = recorded.lines().collect();
    ensure!(
        lines == ["--session-id 3f1c2a9e", "--resume 3f1c2a9e"],
        "the agent was started with: {lines:?}"
    );
    spaces.wait_for_saved_pane(pane, "the resumed agent's session saved", |p| {
        !p.is_shell && p.agent_session.as_deref() == Some("3f1c2a9e")
    })?;

    // The agent deletes the conversation; the next relaunch says so and runs nothing.
    fs::remove_file(&transcript)?;
    spaces.kill9()?;
    spaces.restart()?;
    let panes = spaces.wait_for_list("the banner saying why", |p| {
        p.iter().any(|p| p.id == pane && p.resume_problem.is_some())
    })?;
    let problem = panes
        .iter()
        .find(|p| p.id == pane)
        .and_then(|p| p.resume_problem.clone())
        .unwrap_or_default();
    ensure!(
        problem.contains("3f1c2a9e") && problem.contains("gone"),
        "{problem}"
    );
    std::thread::sleep(Duration::from_secs(1));
    let after = fs::read_to_string(&calls)?;
    ensure!(after.lines().count() == 2, "ran again: {after}");
    Ok(())
}

#[test]
fn replay_is_safe() -> Result<()> {
    // The detector itself: it must flag real answers and pass clean lines.
    for answer in [
        "^[[?6c",
        "^[[1;1R",
        "^[]11;rgb:1e1e/1e1e/2020^G",
        "^[]lbash^[\\",
    ] {
        ensure!(has_terminal_answers(answer), "{answer:?} not detected");
    }
    for clean in ["$", "after:[]", "$ read -r -s -n 1000 -t 1 junk"] {
        ensure!(!has_terminal_answers(clean), "{clean:?} flagged");
    }

    let (mut spaces, pane) = start()?;
    // Live, the terminal answers: read the answers back so that they are seen (the control:
    // this terminal's answers are what the checks below look for) and do not linger.
    type_line(
        &spaces,
        pane,
        // Echo off before the queries: answers that arrive before `read` starts would
        // otherwise be echoed onto the start of the answers line.
        &format!("stty -echo; {QUERIES}; {}; stty echo", read_answers("live")),
    )?;
    let screen = spaces.wait_for_screen(pane, "the live answers", |s| {
        answers_line(s, "live").is_some()
    })?;
    let live = answers_line(&screen, "live").unwrap_or_default().to_owned();
    ensure!(
        has_terminal_answers(&live),
        "the live terminal did not answer the queries: {live:?}"
    );
    println!("live answers: {live}");
    spaces.wait_for_prompt(pane)?;
    spaces.wait_for_recorded(pane, "the queries and the answers line recorded", |tail| {
        tail.contains("\x1b[6n") && tail.contains("live:[^[") && tail.ends_with("$ ")
    })?;

    spaces.kill9()?;
    spaces.restart()?;

    // Nothing reached the new shell: its prompt line stays clean (no tty echo, no readline
    // input), and a read finds nothing waiting.
    wait_for_restored_prompt(&spaces, pane)?;
    holds_for(
        "a clean prompt below the divider",
        Duration::from_secs(1),
        || {
            let screen = spaces.get_text(pane, None)?;
            let below = new_lines(&screen);
            ensure!(below == ["$"], "below the divider: {below:?}");
            Ok(true)
        },
    )?;
    let check = read_answers("after");
    type_line(&spaces, pane, &check)?;
    let screen = spaces.wait_for_screen(pane, "the read after the restore", |s| {
        answers_line(s, "after").is_some() && new_lines(s).last() == Some(&"$")
    })?;
    let below = new_lines(&screen);
    ensure!(
        below
            == [
                "$ ".to_owned() + &check,
                "after:[]".to_owned(),
                "$".to_owned()
            ],
        "after the restore the new shell saw input nobody typed: {below:?}"
    );
    ensure!(
        !below.iter().any(|line| has_terminal_answers(line)),
        "{below:?}"
    );
    // The replayed screen still shows the old answers line, so the replay happened.
    let text = spaces.get_text(pane, Some((-200, 100)))?;
    ensure!(
        text.contains(&live),
        "the old output was not replayed: {text:?}"
    );
    Ok(())
}

#[test]
fn corrupt_database_is_moved_aside() -> Result<()> {
    let garbage = b"this is not an SQLite database, just garbage\n".repeat(200);
    let x_server = Arc::new(XServer::start()?);
    let mut spaces = Spaces::start_prepared(x_server, |data_dir| {
        fs::write(data_dir.join("spaces.db"), &garbage).context("writing the garbage")
    })?;
    let pane = spaces.first_pane()?;
    spaces.wait_for_prompt(pane)?;

    let broken = broken_files(&spaces)?;
    ensure!(broken.len() == 1, "moved-aside files: {broken:?}");
    let moved = fs::read(spaces.data_dir().join(&broken[0]))?;
    ensure!(moved == garbage, "the moved file does not hold the garbage");

    let status: Value = serde_json::from_str(&spaces.cli(&["status"])?)?;
    let notices = status["notices"]
        .as_array()
        .context("`cli status` has no notices")?;
    ensure!(
        notices
            .iter()
            .any(|n| n.as_str().is_some_and(|n| n.contains(&broken[0]))),
        "no notice names {}: {status:#}",
        broken[0]
    );
    ensure!(status["recording_problem"].is_null(), "{status:#}");
    ensure!(status["saving"] == true, "{status:#}");

    // The new database is sound and in use: the pane is saved, a restart restores it.
    spaces.wait_for_saved_pane(pane, "the pane saved in the new database", |_| true)?;
    ensure!(spaces.store()?.integrity_check()? == "ok");
    type_line(&spaces, pane, "echo fresh-$((6*7))")?;
    spaces.wait_for_line(pane, "fresh-42")?;
    spaces.wait_for_recorded(pane, "fresh-42 recorded", |tail| {
        tail.contains("fresh-42\r\n")
    })?;
    spaces.kill9()?;
    spaces.restart()?;
    ensure!(
        spaces.first_pane()? == pane,
        "{:#?}\n{}",
        spaces.list()?,
        spaces.log_tail()
    );
    spaces.wait_for_line(pane, "fresh-42")?;
    let status: Value = serde_json::from_str(&spaces.cli(&["status"])?)?;
    ensure!(
        status["notices"].as_array().is_some_and(Vec::is_empty),
        "a sound database should start without notices: {status:#}"
    );
    ensure!(
        broken_files(&spaces)? == broken,
        "{:?}",
        broken_files(&spaces)?
    );
    Ok(())
}

/// The names of `spaces.db.broken-*` files (not their -wal/-shm) in the data directory.
fn broken_files(spaces: &Spaces) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in fs::read_dir(spaces.data_dir())? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.starts_with("spaces.db.broken-")
            && !name.ends_with("-wal")
            && !name.ends_with("-shm")
        {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

#[test]
fn layout_change_is_durable_within_a_second() -> Result<()> {
    let (mut spaces, top) = start()?;
    let full = spaces.pane(top)?;
    let split_at = Instant::now();
    let below = spaces.split(top, "--down")?;
    let stacked = spaces.wait_for_list("two panes", |p| p.len() == 2)?;
    // The promise: durable within one second of the change (plus a little for the kill).
    std::thread::sleep(
        (split_at + Duration::from_millis(1200)).saturating_duration_since(Instant::now()),
    );
    spaces.kill9()?;
    spaces.restart()?;

    let after = spaces.list()?;
    let ids: Vec<u64> = after.iter().map(|p| p.id).collect();
    ensure!(
        ids == [top, below],
        "the split was not saved within 1.2 s: panes after the restart {after:#?}"
    );
    let after = spaces.wait_for_list("the two panes stacked", |p| {
        p.len() == 2
            && p.iter().all(|pane| {
                pane.cols == full.cols
                    && pane.rows * 10 > full.rows * 4
                    && pane.rows * 10 < full.rows * 6
            })
    })?;
    let rows = |panes: &[PaneInfo]| panes.iter().map(|p| p.rows).collect::<Vec<_>>();
    ensure!(
        rows(&after) == rows(&stacked),
        "rows before the kill {:?}, after {:?}",
        rows(&stacked),
        rows(&after)
    );
    Ok(())
}

/// Makes a data directory and its files unwritable, and writable again when dropped (so the
/// test's temporary directory can be removed). Root ignores file modes, so as root the files
/// are made immutable with `chattr +i`; anyone else gets plain read-only modes.
struct ReadOnly {
    paths: Vec<std::path::PathBuf>,
    immutable: bool,
}

impl ReadOnly {
    /// `None` (with the reason printed) when this machine cannot make files unwritable for
    /// the user running the tests (root on a file system without `chattr +i`).
    fn apply(data_dir: &std::path::Path) -> Result<Option<Self>> {
        use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
        let mut paths = vec![data_dir.to_path_buf()];
        // Regular files only: the stale control socket cannot take attributes.
        for entry in fs::read_dir(data_dir)? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                paths.push(entry.path());
            }
        }
        // The app made the directory, as the user running the tests.
        if fs::metadata(data_dir)?.uid() != 0 {
            for path in &paths {
                let mode = if path.is_dir() { 0o500 } else { 0o400 };
                fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
            }
            return Ok(Some(Self {
                paths,
                immutable: false,
            }));
        }
        let guard = Self {
            paths,
            immutable: true,
        };
        let status = std::process::Command::new("chattr")
            .arg("+i")
            .args(&guard.paths)
            .stderr(std::process::Stdio::null())
            .status();
        if !status.is_ok_and(|status| status.success()) {
            println!("skipped: running as root and `chattr +i` does not work here");
            return Ok(None);
        }
        Ok(Some(guard))
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt as _;
        if self.immutable {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .args(&self.paths)
                .status();
        } else {
            for path in &self.paths {
                let mode = if path.is_dir() { 0o700 } else { 0o600 };
                let _ = fs::set_permissions(path, fs::Permissions::from_mode(mode));
            }
        }
    }
}

/// The bytes of every file in a directory, by name.
fn contents(dir: &std::path::Path) -> Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            files.push((
                entry.file_name().to_string_lossy().into_owned(),
                fs::read(entry.path())?,
            ));
        }
    }
    files.sort();
    Ok(files)
}

#[test]
fn read_only_data_dir_restores_without_changing_it() -> Result<()> {
    let (mut spaces, pane) = start()?;
    type_line(&spaces, pane, "cd /usr/share")?;
    type_line(&spaces, pane, "echo kept-$((6*7))")?;
    spaces.wait_for_line(pane, "kept-42")?;
    spaces.wait_for_saved_pane(pane, "cwd /usr/share saved", |p| p.cwd == "/usr/share")?;
    spaces.wait_for_recorded(pane, "kept-42 recorded", |tail| {
        tail.contains("kept-42\r\n")
    })?;
    spaces.kill9()?;

    // Declared after `spaces`, so it is dropped first and the temporary directory can go.
    let Some(_read_only) = ReadOnly::apply(&spaces.data_dir())? else {
        return Ok(());
    };
    let before = contents(&spaces.data_dir())?;
    spaces.restart()?;
    ensure!(spaces.first_pane()? == pane, "{:#?}", spaces.list()?);

    // The last session comes back, and the window says that nothing new is saved.
    let text = spaces.wait_for_line(pane, "kept-42")?;
    ensure!(text.contains(DIVIDER), "no restore divider: {text}");
    let status: Value = serde_json::from_str(&spaces.cli(&["status"])?)?;
    let notices: Vec<&str> = status["notices"]
        .as_array()
        .context("`cli status` has no notices")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    ensure!(
        notices.iter().any(|n| n.contains("nothing will be saved")),
        "no notice says that nothing is saved: {notices:?}"
    );
    ensure!(
        notices.iter().any(|n| n.contains("restored from")),
        "no notice says where the session came from: {notices:?}"
    );
    ensure!(status["saving"] == false, "{status:#}");
    ensure!(status["database"].is_null(), "{status:#}");

    // The new shell works, in the old directory, and the files are untouched.
    wait_for_restored_prompt(&spaces, pane)?;
    run_after_restore(&spaces, pane, "pwd", "/usr/share")?;
    run_after_restore(&spaces, pane, "echo new-$((7*7))", "new-49")?;
    ensure!(
        contents(&spaces.data_dir())? == before,
        "the read-only data directory changed"
    );
    Ok(())
}

#[test]
fn a_nested_shells_directory_is_the_one_restored() -> Result<()> {
    // `bash` inside the pane's shell (as `nix develop` or `poetry shell` start one): the
    // directory that matters is the inner shell's, not the one the outer shell waits in.
    let (mut spaces, pane) = start()?;
    type_line(&spaces, pane, "cd /usr")?;
    type_line(&spaces, pane, "bash --norc --noprofile")?;
    type_line(&spaces, pane, "cd /usr/share && echo inner-$((6*7))")?;
    spaces.wait_for_line(pane, "inner-42")?;
    spaces.wait_for_saved_pane(pane, "the inner shell's cwd saved", |p| {
        p.cwd == "/usr/share"
    })?;
    spaces.kill9()?;
    spaces.restart()?;
    wait_for_restored_prompt(&spaces, pane)?;
    run_after_restore(&spaces, pane, "pwd", "/usr/share")?;
    Ok(())
}
