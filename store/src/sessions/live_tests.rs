use std::path::Path;

use super::*;

fn write(path: &Path, lines: &[&str]) {
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let mut text = lines.join("\n");
    text.push('\n');
    fs::write(path, text).expect("write");
}

fn roots(base: &Path) -> SessionRoots {
    SessionRoots {
        claude: Some(base.join("claude")),
        codex: Some(base.join("codex")),
        gemini: Some(base.join("gemini")),
    }
}

const CLAUDE_PROMPT: &str = r#"{"type":"user","sessionId":"S","cwd":"/w/app","uuid":"u1","timestamp":"2026-12-03T10:00:00.000Z","message":{"role":"user","content":"Fix the tests"}}"#;
const CLAUDE_TOOL: &str = r#"{"type":"assistant","uuid":"u2","timestamp":"2026-12-03T10:00:02.000Z","message":{"content":[{"type":"text","text":"Running them."},{"type":"tool_use","id":"t1","name":"Bash","input":{}}]}}"#;
const CLAUDE_RESULT: &str = r#"{"type":"user","uuid":"u3","timestamp":"2026-12-03T10:00:03.000Z","message":{"content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}}"#;
const CLAUDE_ASKS: &str = r#"{"type":"assistant","uuid":"u4","timestamp":"2026-12-03T10:00:04.000Z","message":{"content":[{"type":"text","text":"Shall I commit?"}]}}"#;
const CLAUDE_DONE: &str =
    r#"{"type":"system","subtype":"turn_duration","timestamp":"2026-12-03T10:00:05.000Z"}"#;

#[test]
fn claude_sessions_of_a_directory_newest_first_and_by_id() {
    let base = tempfile::tempdir().expect("tempdir");
    let roots = roots(base.path());
    let dir = base.path().join("claude/projects/-w-my-app");
    write(&dir.join("old.jsonl"), &[CLAUDE_PROMPT]);
    write(
        &dir.join("new.jsonl"),
        &[&CLAUDE_PROMPT.replace("10:00:00", "11:00:00")],
    );
    write(&dir.join("agent-x.jsonl"), &[CLAUDE_PROMPT]);
    let found = transcripts_of_dir(&roots, Agent::Claude, Path::new("/w/my_app"), 0);
    let ids: Vec<&str> = found.iter().map(|t| t.session.as_str()).collect();
    assert_eq!(ids, ["new", "old"]);
    // Files not changed since a moment are not even read.
    let later = modified_ms(&dir.join("new.jsonl")) + 60_000;
    assert!(transcripts_of_dir(&roots, Agent::Claude, Path::new("/w/my_app"), later).is_empty());
    assert!(found[0].started_ms > found[1].started_ms);
    assert_eq!(
        find_transcript(&roots, Agent::Claude, "old"),
        Some(dir.join("old.jsonl"))
    );
    assert_eq!(find_transcript(&roots, Agent::Claude, "gone"), None);
    assert_eq!(find_transcript(&roots, Agent::Claude, "../x"), None);
    assert_eq!(
        first_prompt(Agent::Claude, &dir.join("old.jsonl")).as_deref(),
        Some("Fix the tests")
    );
}

#[test]
fn claude_states_follow_the_last_meaningful_line() {
    let base = tempfile::tempdir().expect("tempdir");
    let path = base.path().join("s.jsonl");
    let cases: &[(&[&str], Option<TailState>)] = &[
        (&[], None),
        (&[CLAUDE_PROMPT], Some(TailState::Prompted)),
        (&[CLAUDE_PROMPT, CLAUDE_TOOL], Some(TailState::ToolPending)),
        (
            &[CLAUDE_PROMPT, CLAUDE_TOOL, CLAUDE_RESULT],
            Some(TailState::Prompted),
        ),
        (
            &[CLAUDE_PROMPT, CLAUDE_ASKS],
            Some(TailState::Answered { asks: true }),
        ),
        (
            &[CLAUDE_PROMPT, CLAUDE_ASKS, CLAUDE_DONE],
            Some(TailState::TurnDone { asks: true }),
        ),
        (
            &[CLAUDE_PROMPT, CLAUDE_TOOL, CLAUDE_DONE],
            Some(TailState::TurnDone { asks: false }),
        ),
    ];
    for (lines, expected) in cases {
        if lines.is_empty() {
            fs::write(&path, "").expect("write");
        } else {
            write(&path, lines);
        }
        assert_eq!(tail_state(Agent::Claude, &path), *expected, "{lines:?}");
    }
    // A line still being written does not count.
    let mut text = format!("{CLAUDE_PROMPT}\n");
    text.push_str(&CLAUDE_ASKS[..30]);
    fs::write(&path, text).expect("write");
    assert_eq!(tail_state(Agent::Claude, &path), Some(TailState::Prompted));
}

#[test]
fn codex_rollouts_of_a_directory_and_their_states() {
    let base = tempfile::tempdir().expect("tempdir");
    let roots = roots(base.path());
    let now = chrono::Local::now();
    let day = base
        .path()
        .join("codex/sessions")
        .join(now.format("%Y/%m/%d").to_string());
    let meta = |id: &str, cwd: &str, at: &str| {
        format!(
            r#"{{"timestamp":"{at}","type":"session_meta","payload":{{"id":"{id}","cwd":"{cwd}"}}}}"#
        )
    };
    let here = day.join("rollout-2026-12-03T10-00-00-aaa.jsonl");
    write(
        &here,
        &[
            &meta("aaa", "/w/app", "2026-12-03T10:00:00.000Z"),
            r#"{"timestamp":"2026-12-03T10:00:01.000Z","type":"event_msg","payload":{"type":"user_message","message":"Add a route"}}"#,
        ],
    );
    write(
        &day.join("rollout-2026-12-03T10-00-01-bbb.jsonl"),
        &[&meta("bbb", "/elsewhere", "2026-12-03T10:00:01.000Z")],
    );
    let found = transcripts_of_dir(&roots, Agent::Codex, Path::new("/w/app"), 0);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].session, "aaa");
    assert!(find_transcript(&roots, Agent::Codex, "bbb").is_some());
    assert_eq!(tail_state(Agent::Codex, &here), Some(TailState::Prompted));
    assert_eq!(
        first_prompt(Agent::Codex, &here).as_deref(),
        Some("Add a route")
    );
    let mut text = fs::read_to_string(&here).expect("read");
    text.push_str(r#"{"timestamp":"x","type":"response_item","payload":{"type":"function_call","name":"shell"}}"#);
    text.push('\n');
    fs::write(&here, &text).expect("write");
    assert_eq!(
        tail_state(Agent::Codex, &here),
        Some(TailState::ToolPending)
    );
    text.push_str(r#"{"timestamp":"x","type":"event_msg","payload":{"type":"task_complete","last_agent_message":"Done."}}"#);
    text.push('\n');
    fs::write(&here, &text).expect("write");
    assert_eq!(
        tail_state(Agent::Codex, &here),
        Some(TailState::TurnDone { asks: false })
    );
}

#[test]
fn gemini_chats_are_found_through_the_project_root_file() {
    let base = tempfile::tempdir().expect("tempdir");
    let roots = roots(base.path());
    let project = base.path().join("gemini/tmp/app");
    fs::create_dir_all(&project).expect("mkdir");
    fs::write(project.join(".project_root"), "/w/app").expect("write");
    let chat = project.join("chats/session-2026-12-03T10-00-a1b2c3d4.jsonl");
    write(
        &chat,
        &[
            r#"{"sessionId":"a1b2c3d4-e5f6","projectHash":"x","startTime":"2026-12-03T10:00:00.000Z","lastUpdated":"2026-12-03T10:00:00.000Z"}"#,
            r#"{"id":"m1","timestamp":"2026-12-03T10:00:05.000Z","type":"user","content":[{"text":"Add a route"}]}"#,
            r#"{"id":"m2","timestamp":"2026-12-03T10:00:06.000Z","type":"gemini","content":"Which port?"}"#,
            r#"{"$set":{"lastUpdated":"2026-12-03T10:00:06.000Z"}}"#,
        ],
    );
    let found = transcripts_of_dir(&roots, Agent::Gemini, Path::new("/w/app"), 0);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].session, "a1b2c3d4-e5f6");
    assert_eq!(
        find_transcript(&roots, Agent::Gemini, "a1b2c3d4-e5f6"),
        Some(chat.clone())
    );
    assert_eq!(
        find_transcript(&roots, Agent::Gemini, "a1b2c3d4-0000"),
        None
    );
    assert_eq!(
        tail_state(Agent::Gemini, &chat),
        Some(TailState::Answered { asks: true })
    );
    assert_eq!(
        first_prompt(Agent::Gemini, &chat).as_deref(),
        Some("Add a route")
    );
}
