//! End to end: agent sessions written in the agents' own formats under the test's home are
//! found, listed, searched and shown by `spaces sessions`, and `spaces sessions resume` opens
//! each in a new pane of the running window, in its directory, running its agent's resume
//! command (stand-in `claude`, `codex` and `gemini` scripts record how they were started).

use std::fs;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, Result, ensure};
use serde_json::Value;
use spaces_e2e::{Spaces, wait_until};

const CLAUDE_ID: &str = "3f1c2a9e-6b7d-4e21-9a0c-5d8e7f6a1b2c";
const CODEX_ID: &str = "019a9776-0a34-7842-8627-112b63d66e90";
const GEMINI_ID: &str = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
const GONE_ID: &str = "7d2e4b10-1111-4222-8333-944455556666";

fn write(path: &Path, text: &str) -> Result<()> {
    fs::create_dir_all(path.parent().context("parent")?)?;
    fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// A stand-in agent: records its name, arguments and directory, then waits like a TUI.
fn stand_in(home: &Path, name: &str) -> Result<()> {
    let path = home.join("bin").join(name);
    write(
        &path,
        &format!(
            "#!/bin/sh\necho \"{name} $* @ $(pwd)\" >> \"$HOME/agent-calls.txt\"\necho {name} stand-in\nwhile :; do sleep 1; done\n"
        ),
    )?;
    fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    Ok(())
}

/// One session per agent in its real format, and a Claude session whose directory is gone.
fn write_sessions(home: &Path) -> Result<()> {
    let web = home.join("projects/web");
    let api = home.join("projects/api");
    let docs = home.join("projects/docs");
    for dir in [&web, &api, &docs] {
        fs::create_dir_all(dir)?;
    }
    let (web, api, docs) = (web.display(), api.display(), docs.display());
    write(
        &home.join(format!(".claude/projects/-web/{CLAUDE_ID}.jsonl")),
        &format!(
            concat!(
                r#"{{"type":"user","sessionId":"{id}","cwd":"{web}","gitBranch":"main","uuid":"u1","parentUuid":null,"isSidechain":false,"timestamp":"2026-12-01T10:00:00.000Z","message":{{"role":"user","content":"Add a /healthz endpoint"}}}}"#,
                "\n",
                r#"{{"type":"assistant","sessionId":"{id}","cwd":"{web}","uuid":"u2","parentUuid":"u1","isSidechain":false,"timestamp":"2026-12-01T10:00:03.000Z","requestId":"req_1","message":{{"id":"msg_1","model":"claude-sonnet-4-5-20250929","content":[{{"type":"text","text":"Adding the route with a liveness probe."}}],"usage":{{"input_tokens":4,"cache_creation_input_tokens":10,"cache_read_input_tokens":20,"output_tokens":30}}}}}}"#,
                "\n"
            ),
            id = CLAUDE_ID,
            web = web
        ),
    )?;
    write(
        &home.join(format!(".claude/projects/-gone/{GONE_ID}.jsonl")),
        &format!(
            "{}\n",
            format_args!(
                r#"{{"type":"user","sessionId":"{GONE_ID}","cwd":"/nonexistent/old-project","uuid":"g1","parentUuid":null,"isSidechain":false,"timestamp":"2026-11-01T10:00:00.000Z","message":{{"role":"user","content":"An old project"}}}}"#
            )
        ),
    )?;
    write(
        &home.join(format!(
            ".codex/sessions/2026/12/01/rollout-2026-12-01T11-00-00-{CODEX_ID}.jsonl"
        )),
        &format!(
            concat!(
                r#"{{"timestamp":"2026-12-01T11:00:00.000Z","type":"session_meta","payload":{{"id":"{id}","cwd":"{api}","originator":"codex_cli_rs","cli_version":"0.58.0","source":"cli","git":{{"branch":"main"}}}}}}"#,
                "\n",
                r#"{{"timestamp":"2026-12-01T11:00:01.000Z","type":"turn_context","payload":{{"cwd":"{api}","model":"gpt-5-codex"}}}}"#,
                "\n",
                r#"{{"timestamp":"2026-12-01T11:00:02.000Z","type":"event_msg","payload":{{"type":"user_message","message":"Rate-limit the login endpoint"}}}}"#,
                "\n"
            ),
            id = CODEX_ID,
            api = api
        ),
    )?;
    let project = home.join(".gemini/tmp/docs");
    write(&project.join(".project_root"), &docs.to_string())?;
    write(
        &project.join("chats/session-2026-12-01T12-00-a1b2c3d4.jsonl"),
        &format!(
            concat!(
                r#"{{"sessionId":"{id}","projectHash":"x","startTime":"2026-12-01T12:00:00.000Z","lastUpdated":"2026-12-01T12:00:09.000Z","kind":"main"}}"#,
                "\n",
                r#"{{"id":"m1","timestamp":"2026-12-01T12:00:05.000Z","type":"user","content":[{{"text":"Fix the broken sidebar links"}}]}}"#,
                "\n",
                r#"{{"id":"m2","timestamp":"2026-12-01T12:00:09.000Z","type":"gemini","content":"Fixed the relative links.","model":"gemini-2.5-pro","tokens":{{"input":100,"output":20,"cached":0,"thoughts":0,"tool":0,"total":120}}}}"#,
                "\n"
            ),
            id = GEMINI_ID
        ),
    )?;
    Ok(())
}

fn json(spaces: &Spaces, args: &[&str]) -> Result<Value> {
    let text = spaces.cli_output(args)?;
    ensure!(
        text.status.success(),
        "spaces {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&text.stderr)
    );
    Ok(serde_json::from_slice(&text.stdout)?)
}

#[test]
fn sessions_are_listed_searched_shown_and_resumed_in_their_directory() -> Result<()> {
    let spaces = Spaces::start()?;
    let home = spaces.home();
    for agent in ["claude", "codex", "gemini"] {
        stand_in(&home, agent)?;
    }
    write_sessions(&home)?;

    let list = json(&spaces, &["sessions", "list", "--json"])?;
    let sessions = list.as_array().context("an array")?;
    let ids: Vec<&str> = sessions.iter().filter_map(|s| s["id"].as_str()).collect();
    for id in [CLAUDE_ID, CODEX_ID, GEMINI_ID, GONE_ID] {
        ensure!(ids.contains(&id), "{id} is not listed: {ids:?}");
    }
    let claude = sessions
        .iter()
        .find(|s| s["id"] == CLAUDE_ID)
        .context("the Claude session")?;
    ensure!(claude["agent"] == "claude" && claude["title"] == "Add a /healthz endpoint");
    ensure!(
        claude["resume_command"]
            .as_str()
            .is_some_and(|command| command.ends_with(&format!("claude --resume {CLAUDE_ID}"))),
        "{claude}"
    );

    let hits = json(&spaces, &["sessions", "search", "liveness", "--json"])?;
    ensure!(
        hits.as_array().is_some_and(|hits| hits.len() == 1
            && hits[0]["id"] == CLAUDE_ID
            && hits[0]["snippet"]
                .as_str()
                .is_some_and(|s| s.contains("liveness"))),
        "{hits}"
    );
    let shown = spaces.cli_output(&["sessions", "show", CODEX_ID])?;
    ensure!(
        String::from_utf8_lossy(&shown.stdout).contains("Rate-limit the login endpoint"),
        "{}",
        String::from_utf8_lossy(&shown.stdout)
    );

    // Resume each in the running window: a new pane, in the session's directory.
    let calls = home.join("agent-calls.txt");
    for (id, expected) in [
        (
            CLAUDE_ID,
            format!(
                "claude --resume {CLAUDE_ID} @ {}/projects/web",
                home.display()
            ),
        ),
        (
            CODEX_ID,
            format!("codex resume {CODEX_ID} @ {}/projects/api", home.display()),
        ),
        (
            GEMINI_ID,
            format!(
                "gemini --resume {GEMINI_ID} @ {}/projects/docs",
                home.display()
            ),
        ),
    ] {
        let panes = spaces.list()?.len();
        let output = spaces.cli_output(&["sessions", "resume", id])?;
        ensure!(
            output.status.success(),
            "resume {id}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        wait_until(
            "the agent started in its directory",
            Duration::from_secs(20),
            || {
                let text = fs::read_to_string(&calls).unwrap_or_default();
                Ok(text.lines().any(|line| line == expected).then_some(()))
            },
        )?;
        ensure!(spaces.list()?.len() == panes + 1, "a new pane for {id}");
    }

    // A session whose directory is gone: one clear line, exit 1, no pane.
    let panes = spaces.list()?.len();
    let output = spaces.cli_output(&["sessions", "resume", GONE_ID])?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    ensure!(
        !output.status.success() && stderr.contains("no longer exists"),
        "{stderr}"
    );
    ensure!(spaces.list()?.len() == panes, "nothing started half-way");
    Ok(())
}
