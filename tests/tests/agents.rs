//! End to end: agents in panes. Stand-in `claude` and `codex` scripts on `PATH` behave like
//! the real CLIs where Spaces looks: they write transcripts in the real formats, Claude's
//! calls the hook commands `spaces hooks install` put in its `settings.json` (with the JSON
//! on stdin, as Claude Code does), and both record how they were started. Two agent panes
//! get linked to their own sessions (Claude through hooks, Codex from its transcript alone),
//! their states change as they work and wait, and after a `kill -9` of the window each pane
//! runs its own agent's resume command, with its own session id, in its own directory.

use std::fs;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, Result, ensure};
use spaces_e2e::{PaneInfo, Spaces, wait_until};

/// Shared by both stand-ins: where calls are recorded, a timestamp, JSON escaping of the
/// working directory.
const PRELUDE: &str = r#"#!/bin/sh
echo "$(basename "$0") $* @ $(pwd)" >> "$HOME/agent-calls.txt"
now() { date -u +%Y-%m-%dT%H:%M:%S.000Z; }
cwd=$(pwd)
"#;

/// Claude Code as Spaces sees it: `--session-id`/`--resume` name the session (else a new
/// one), the transcript is `~/.claude/projects/<cwd with - for every other char>/<id>.jsonl`,
/// and every hook command installed for an event runs with the event's JSON on stdin.
const CLAUDE: &str = r#"sid=""
while [ $# -gt 0 ]; do
  case "$1" in --session-id|--resume|-r) sid="$2"; shift;; esac
  shift
done
[ -n "$sid" ] || sid=$(cat /proc/sys/kernel/random/uuid)
dir="$HOME/.claude/projects/$(printf %s "$cwd" | sed 's/[^A-Za-z0-9]/-/g')"
mkdir -p "$dir"
file="$dir/$sid.jsonl"
hook() {
  sed -n 's/.*"command": *"\(.*hooks event --agent claude\)".*/\1/p' "$HOME/.claude/settings.json" 2>/dev/null | head -n 1 | while IFS= read -r cmd; do
    printf '{"hook_event_name":"%s","session_id":"%s","cwd":"%s","transcript_path":"%s"}' "$1" "$sid" "$cwd" "$file" | sh -c "$cmd"
  done
}
hook SessionStart
echo "claude stand-in $sid"
while IFS= read -r line; do
  if [ "$line" = y ]; then
    printf '{"type":"user","sessionId":"%s","cwd":"%s","timestamp":"%s","message":{"content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}}\n' "$sid" "$cwd" "$(now)" >> "$file"
    hook PostToolUse
    printf '{"type":"assistant","sessionId":"%s","cwd":"%s","timestamp":"%s","requestId":"req_1","message":{"id":"msg_1","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Done."}],"usage":{"input_tokens":1000,"output_tokens":200,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}}\n' "$sid" "$cwd" "$(now)" >> "$file"
    hook Stop
    echo "claude: done"
  else
    printf '{"type":"user","sessionId":"%s","cwd":"%s","timestamp":"%s","message":{"role":"user","content":"%s"}}\n' "$sid" "$cwd" "$(now)" "$line" >> "$file"
    hook UserPromptSubmit
    printf '{"type":"assistant","sessionId":"%s","cwd":"%s","timestamp":"%s","message":{"content":[{"type":"tool_use","id":"t1","name":"Bash","input":{}}]}}\n' "$sid" "$cwd" "$(now)" >> "$file"
    hook Notification
    echo "claude: run the tests? (y/n)"
  fi
done
"#;

/// Codex as Spaces sees it without hooks: `codex resume ID`, else a new rollout in today's
/// `~/.codex/sessions/YYYY/MM/DD/` opening with `session_meta`; a tool call waits for
/// approval with no output.
const CODEX: &str = r#"sid=""
[ "$1" = resume ] && sid="$2"
if [ -n "$sid" ]; then
  file=$(ls "$HOME"/.codex/sessions/*/*/*/rollout-*-"$sid".jsonl | head -n 1)
else
  sid=$(cat /proc/sys/kernel/random/uuid)
  day="$HOME/.codex/sessions/$(date +%Y/%m/%d)"
  mkdir -p "$day"
  file="$day/rollout-$(date +%Y-%m-%dT%H-%M-%S)-$sid.jsonl"
  printf '{"timestamp":"%s","type":"session_meta","payload":{"id":"%s","cwd":"%s","originator":"codex-tui","cli_version":"0.171.0","source":"cli"}}\n' "$(now)" "$sid" "$cwd" > "$file"
fi
echo "codex stand-in $sid"
while IFS= read -r line; do
  if [ "$line" = y ]; then
    printf '{"timestamp":"%s","type":"response_item","payload":{"type":"function_call_output","call_id":"c1","output":"ok"}}\n' "$(now)" >> "$file"
    printf '{"timestamp":"%s","type":"event_msg","payload":{"type":"task_complete","last_agent_message":"Done."}}\n' "$(now)" >> "$file"
    echo "codex: done"
  else
    printf '{"timestamp":"%s","type":"event_msg","payload":{"type":"user_message","message":"%s"}}\n' "$(now)" "$line" >> "$file"
    printf '{"timestamp":"%s","type":"response_item","payload":{"type":"function_call","name":"shell","call_id":"c1"}}\n' "$(now)" >> "$file"
    echo "codex: allow the command? (y/n)"
  fi
done
"#;

fn install_stand_in(home: &Path, name: &str, body: &str) -> Result<()> {
    let path = home.join("bin").join(name);
    fs::create_dir_all(path.parent().context("parent")?)?;
    fs::write(&path, format!("{PRELUDE}{body}"))?;
    fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    Ok(())
}

fn type_line(spaces: &Spaces, pane: u64, line: &str) -> Result<()> {
    spaces.send_keys(pane, &format!("{line}\r"))
}

fn agent_pane(
    spaces: &Spaces,
    pane: u64,
    what: &str,
    check: impl Fn(&PaneInfo) -> bool,
) -> Result<PaneInfo> {
    let list = spaces.wait_for_list(what, |panes| {
        panes.iter().any(|info| info.id == pane && check(info))
    })?;
    list.into_iter()
        .find(|info| info.id == pane)
        .context("the pane left the list")
}

/// Pixels of the "waiting" amber (tab badge and the sidebar's ring).
fn amber_pixels(spaces: &Spaces) -> Result<usize> {
    Ok(spaces.pixels()?.count_near([0xf0, 0xb4, 0x3c], 6))
}

#[test]
fn two_agents_are_linked_show_their_states_and_resume_after_kill9() -> Result<()> {
    let mut spaces = Spaces::start()?;
    let home = spaces.home();
    install_stand_in(&home, "claude", CLAUDE)?;
    install_stand_in(&home, "codex", CODEX)?;
    let web = home.join("projects/web");
    let api = home.join("projects/api");
    fs::create_dir_all(&web)?;
    fs::create_dir_all(&api)?;

    // Hooks for Claude only: Codex is followed from its transcript.
    let installed = spaces.cli_output(&["hooks", "install", "--agent", "claude"])?;
    ensure!(installed.status.success(), "{installed:?}");
    let settings = fs::read_to_string(home.join(".claude/settings.json"))?;
    ensure!(
        settings.contains("hooks event --agent claude"),
        "{settings}"
    );

    let claude = spaces.first_pane()?;
    spaces.wait_for_prompt(claude)?;
    let codex = spaces.split(claude, "--right")?;
    spaces.wait_for_prompt(codex)?;
    // A login shell's profile sets its own PATH: put the stand-ins first, as an install would.
    let path = "export PATH=\"$HOME/bin:$PATH\"";
    type_line(
        &spaces,
        claude,
        &format!("{path}; cd {} && claude", web.display()),
    )?;
    type_line(
        &spaces,
        codex,
        &format!("{path}; cd {} && codex", api.display()),
    )?;
    spaces.wait_for_text(claude, "claude stand-in")?;
    spaces.wait_for_text(codex, "codex stand-in")?;

    let calls = || fs::read_to_string(home.join("agent-calls.txt")).unwrap_or_default();
    let session_of = |screen: &str, name: &str| {
        screen
            .lines()
            .find_map(|line| line.trim().strip_prefix(&format!("{name} stand-in ")))
            .map(str::to_owned)
    };
    let claude_id = session_of(&spaces.get_text(claude, None)?, "claude").context("claude id")?;
    let codex_id = session_of(&spaces.get_text(codex, None)?, "codex").context("codex id")?;
    let linked = agent_pane(
        &spaces,
        claude,
        "claude linked by its SessionStart hook",
        |info| {
            info.agent.as_deref() == Some("claude")
                && info.session_id.as_deref() == Some(&claude_id)
        },
    )?;
    ensure!(linked.agent_state.as_deref() == Some("idle"), "{linked:?}");
    // Codex's link comes from the rollout that started after its process, in its directory.
    let linked = agent_pane(&spaces, codex, "codex linked from its transcript", |info| {
        info.agent.as_deref() == Some("codex") && info.session_id.as_deref() == Some(&codex_id)
    })?;
    ensure!(linked.agent_state.as_deref() == Some("idle"), "{linked:?}");

    // Claude asks for a permission: the hook says "waiting" at once.
    let amber_before = amber_pixels(&spaces)?;
    type_line(&spaces, claude, "run the tests")?;
    let waited = spaces.cli_output(&[
        "cli",
        "wait",
        "--pane",
        &claude.to_string(),
        "--state",
        "waiting",
        "--timeout",
        "20",
    ])?;
    ensure!(waited.status.success(), "cli wait: {waited:?}");
    // The badge and the workspace's marker turn amber.
    let amber_waiting = wait_until(
        "amber for the waiting agent",
        Duration::from_secs(10),
        || {
            let amber = amber_pixels(&spaces)?;
            Ok((amber > amber_before + 20).then_some(amber))
        },
    )?;
    spaces.screenshot("agents-waiting")?;
    type_line(&spaces, claude, "y")?;
    agent_pane(&spaces, claude, "claude idle after its Stop hook", |info| {
        info.agent_state.as_deref() == Some("idle")
    })?;
    ensure!(
        amber_pixels(&spaces)? < amber_waiting,
        "the amber stayed after the answer"
    );
    // The answer's tokens are indexed and priced: 1000 input and 200 output tokens of
    // claude-sonnet-4-5 at $3 and $15 per million = $0.003 + $0.003.
    agent_pane(&spaces, claude, "the pane's cost", |info| {
        info.agent_cost
            .is_some_and(|cost| (cost - 0.006).abs() < 1e-9)
    })?;

    // Codex, with no hooks: working while its tool call is fresh, waiting once the pane has
    // gone quiet on it, idle after the turn completes.
    type_line(&spaces, codex, "add a route")?;
    agent_pane(&spaces, codex, "codex waiting on its tool call", |info| {
        info.agent_state.as_deref() == Some("waiting")
    })?;
    type_line(&spaces, codex, "y")?;
    agent_pane(&spaces, codex, "codex idle after task_complete", |info| {
        info.agent_state.as_deref() == Some("idle")
    })?;

    // The links are saved with the panes: kill the window and start it again.
    for (pane, session) in [(claude, &claude_id), (codex, &codex_id)] {
        spaces.wait_for_saved_pane(pane, "the link saved", |saved| {
            saved.agent_session.as_deref() == Some(session.as_str()) && !saved.is_shell
        })?;
    }
    let before_restart = calls();
    spaces.kill9()?;
    spaces.restart()?;
    let resumed = wait_until("both agents resumed", Duration::from_secs(30), || {
        let after = calls();
        let new = after
            .strip_prefix(before_restart.as_str())
            .unwrap_or(&after)
            .to_owned();
        let claude_line = format!("claude --resume {claude_id} @ {}", web.display());
        let codex_line = format!("codex resume {codex_id} @ {}", api.display());
        Ok((new.contains(&claude_line) && new.contains(&codex_line)).then_some(new))
    })
    .with_context(|| format!("calls:\n{}", calls()))?;
    ensure!(
        resumed.lines().count() == 2,
        "each agent resumed once: {resumed}"
    );
    spaces.wait_for_text(codex, "codex stand-in")?;
    spaces.screenshot("agents-resumed")?;
    // The restored panes know their conversations again.
    agent_pane(
        &spaces,
        claude,
        "claude relinked after the restart",
        |info| info.session_id.as_deref() == Some(&claude_id),
    )?;
    agent_pane(&spaces, codex, "codex relinked after the restart", |info| {
        info.session_id.as_deref() == Some(&codex_id)
    })?;

    // Bad hook events are counted, not fatal, and link nothing.
    for payload in [
        "{not json",
        r#"{"hook_event_name":"Teleport","session_id":"x"}"#,
        r#"{"hook_event_name":"Stop","session_id":"y"}"#,
    ] {
        let pane = if payload.contains("Stop") { "999" } else { "1" };
        let sent = std::process::Command::new(spaces_e2e::spaces_bin()?)
            .args(["--data-dir"])
            .arg(spaces.data_dir())
            .args([
                "hooks", "event", "--agent", "claude", "--pane", pane, payload,
            ])
            .output()?;
        ensure!(sent.status.success() && sent.stdout.is_empty(), "{sent:?}");
    }
    let status = spaces.cli(&["status"])?;
    for counted in [
        "\"malformed\": 1",
        "\"unknown event\": 1",
        "\"unknown pane\": 1",
    ] {
        ensure!(status.contains(counted), "{counted} not in {status}");
    }
    Ok(())
}
