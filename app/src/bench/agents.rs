//! `spaces bench agents`: how fast a pane's agent state follows the agent, end to end through
//! a real window (it needs a display: `$DISPLAY`, e.g. Xvfb). The bench starts its own window
//! on a private data directory and home, opens two panes running stand-in agents, then:
//! - hooks: runs `spaces hooks event` as Claude Code's hooks do (a new process, the JSON on
//!   stdin) and times until `spaces cli list` shows the new state;
//! - transcripts (no hooks): appends a line to a Codex rollout and times until the state
//!   changes.
//!
//! The time to `cli list` is an upper bound of the badge's: the list is answered on the UI
//! thread after the change, in the same pass that draws the badge.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::json;

use super::render::{ms, percentile, round3};
use crate::control::{Reply, Request, send_request};
use spaces_term::PaneId;

/// A stand-in Claude: an agent process that does nothing (the bench sends its hooks).
const CLAUDE: &str = "#!/bin/sh\nwhile :; do sleep 1; done\n";
/// A stand-in Codex: opens its rollout like Codex does, then waits (the bench appends to it).
const CODEX: &str = r#"#!/bin/sh
sid=$(cat /proc/sys/kernel/random/uuid)
day="$HOME/.codex/sessions/$(date +%Y/%m/%d)"
mkdir -p "$day"
printf '{"timestamp":"%s","type":"session_meta","payload":{"id":"%s","cwd":"%s"}}\n' "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" "$sid" "$(pwd)" > "$day/rollout-$(date +%Y-%m-%dT%H-%M-%S)-$sid.jsonl"
while :; do sleep 1; done
"#;

/// The window the bench started; killed when dropped.
struct Window {
    child: Child,
    data: PathBuf,
}

impl Drop for Window {
    fn drop(&mut self) {
        let _gone = self.child.kill();
        let _reaped = self.child.wait();
    }
}

pub fn run(rounds: usize, json_only: bool) -> anyhow::Result<()> {
    if std::env::var_os("DISPLAY").is_none() {
        bail!("`spaces bench agents` opens a window: it needs a display (run it under Xvfb)");
    }
    let root = super::tempfile_dir()?.join("agents");
    let result = measure(&root, rounds, json_only);
    let _ignored = std::fs::remove_dir_all(&root);
    result
}

fn measure(root: &Path, rounds: usize, json_only: bool) -> anyhow::Result<()> {
    let home = root.join("home");
    let web = home.join("web");
    let api = home.join("api");
    for dir in [&web, &api, &home.join("bin")] {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let claude = stand_in(&home, "claude", CLAUDE)?;
    let codex = stand_in(&home, "codex", CODEX)?;
    let window = start_window(root, &home)?;

    let hooked = spawn(&window, &web, &claude)?;
    let (_, session) = wait_for(&window, hooked, "claude", |info| {
        info.agent.as_deref() == Some("claude")
    })?;
    let mut hook_ms = Vec::new();
    for round in 0..rounds {
        let (event, state) = if round % 2 == 0 {
            ("UserPromptSubmit", "working")
        } else {
            ("Notification", "waiting")
        };
        let payload = json!({
            "hook_event_name": event,
            "session_id": session.clone().unwrap_or_else(|| "bench-session".into()),
            "cwd": web,
        });
        let start = Instant::now();
        let mut hook = Command::new(std::env::current_exe()?)
            .arg("--data-dir")
            .arg(&window.data)
            .args(["hooks", "event", "--agent", "claude"])
            .env("SPACES_PANE_ID", hooked.0.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .context("running spaces hooks event")?;
        if let Some(mut stdin) = hook.stdin.take() {
            stdin.write_all(payload.to_string().as_bytes())?;
        }
        wait_for(&window, hooked, state, |info| {
            info.agent_state.as_deref() == Some(state)
        })?;
        hook_ms.push(ms(start.elapsed()));
        let _done = hook.wait();
    }

    let watched = spawn(&window, &api, &codex)?;
    wait_for(&window, watched, "codex linked", |info| {
        info.session_id.is_some()
    })?;
    let rollout = newest_rollout(&home)?;
    let mut transcript_ms = Vec::new();
    for round in 0..rounds {
        let (line, state) = if round % 2 == 0 {
            (
                r#"{"timestamp":"x","type":"event_msg","payload":{"type":"user_message","message":"go"}}"#,
                "working",
            )
        } else {
            (
                r#"{"timestamp":"x","type":"event_msg","payload":{"type":"task_complete","last_agent_message":"done"}}"#,
                "idle",
            )
        };
        let start = Instant::now();
        let mut file = std::fs::OpenOptions::new().append(true).open(&rollout)?;
        writeln!(file, "{line}")?;
        drop(file);
        wait_for(&window, watched, state, |info| {
            info.agent_state.as_deref() == Some(state)
        })?;
        transcript_ms.push(ms(start.elapsed()));
    }

    let summary = |times: &mut Vec<f64>| {
        json!({
            "p50_ms": round3(percentile(times, 0.5)),
            "p95_ms": round3(percentile(times, 0.95)),
            "max_ms": round3(percentile(times, 1.0)),
        })
    };
    let report = json!({
        "rounds": rounds,
        "hook_event_to_state": summary(&mut hook_ms),
        "transcript_append_to_state": summary(&mut transcript_ms),
    });
    if !json_only {
        eprintln!(
            "hook event -> state (incl. starting `spaces hooks event`), then transcript append -> state:"
        );
    }
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

fn stand_in(home: &Path, name: &str, script: &str) -> anyhow::Result<PathBuf> {
    let path = home.join("bin").join(name);
    std::fs::write(&path, script)?;
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    Ok(path)
}

fn start_window(root: &Path, home: &Path) -> anyhow::Result<Window> {
    let data = root.join("data");
    let log = std::fs::File::create(root.join("window.log"))?;
    let child = Command::new(std::env::current_exe()?)
        .arg("--data-dir")
        .arg(&data)
        .env("HOME", home)
        .env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("CODEX_HOME")
        .env_remove("GEMINI_CLI_HOME")
        .env_remove("SPACES_PANE_ID")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("starting the window")?;
    let window = Window { child, data };
    let deadline = Instant::now() + Duration::from_secs(60);
    while send_request(&window.data, &Request::List).is_err() {
        if Instant::now() > deadline {
            bail!(
                "the window did not answer within a minute (see {})",
                root.join("window.log").display()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(window)
}

fn spawn(window: &Window, cwd: &Path, program: &Path) -> anyhow::Result<PaneId> {
    match send_request(
        &window.data,
        &Request::Spawn {
            cwd: Some(cwd.to_path_buf()),
            command: vec![program.display().to_string()],
            workspace: None,
        },
    )? {
        Reply::Pane(pane) => Ok(pane),
        other => bail!("spawn answered {other:?}"),
    }
}

/// Asks `cli list` until the pane satisfies `check` (every 2 ms, for 10 s at most); returns
/// the pane's agent and session.
fn wait_for(
    window: &Window,
    pane: PaneId,
    what: &str,
    check: impl Fn(&crate::control::PaneInfo) -> bool,
) -> anyhow::Result<(Option<String>, Option<String>)> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Reply::Panes(panes) = send_request(&window.data, &Request::List)?
            && let Some(info) = panes.iter().find(|info| info.id == pane)
            && check(info)
        {
            return Ok((info.agent.clone(), info.session_id.clone()));
        }
        if Instant::now() > deadline {
            bail!("pane {pane} did not become {what} within 10 s");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn newest_rollout(home: &Path) -> anyhow::Result<PathBuf> {
    let sessions = home.join(".codex/sessions");
    let mut found = Vec::new();
    let mut stack = vec![sessions];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.pop().context("the codex stand-in wrote no rollout")
}
