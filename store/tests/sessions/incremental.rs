//! Incremental runs: nothing changed reads nothing; an appended line reads only new bytes;
//! a rewritten or shrunk file is read again whole; a deleted transcript keeps its session.

use std::time::{Duration, SystemTime};

use spaces_store::{Agent, Database, SessionFilter};

use super::{Home, append, index};

const CLAUDE_MAIN: &str = "3f1c2a9e-6b7d-4e21-9a0c-5d8e7f6a1b2c";

fn main_file(home: &Home) -> std::path::PathBuf {
    home.claude_project().join(format!("{CLAUDE_MAIN}.jsonl"))
}

const APPENDED_LINE: &str = concat!(
    r#"{"type":"user","sessionId":"3f1c2a9e-6b7d-4e21-9a0c-5d8e7f6a1b2c","cwd":"/home/alice/webapp","#,
    r#""uuid":"c-u9","timestamp":"2025-11-22T09:00:00.000Z","message":{"role":"user","content":"Also expose the uptime in the zebrafish report"}}"#,
    "\n"
);

#[test]
fn a_second_run_with_nothing_changed_reads_no_content() {
    let home = Home::new();
    let database = Database::open_in_memory().expect("open");
    let first = index(&database, &home.roots());
    let second = index(&database, &home.roots());
    assert_eq!(second.files_found, first.files_found);
    assert_eq!(second.files_unchanged, first.files_found);
    assert_eq!(second.files_read, 0);
    assert_eq!(second.bytes_read, 0);
    assert_eq!(second.check_bytes_read, 0);
    assert_eq!(second.messages_added, 0);
    assert_eq!(
        database
            .list_sessions(&SessionFilter::default())
            .expect("list")
            .len(),
        9
    );
}

#[test]
fn an_appended_line_is_read_alone_and_is_searchable() {
    let home = Home::new();
    let database = Database::open_in_memory().expect("open");
    index(&database, &home.roots());
    append(&main_file(&home), APPENDED_LINE);
    let report = index(&database, &home.roots());
    assert_eq!(report.files_read, 1);
    assert_eq!(report.files_read_whole, 0);
    assert_eq!(
        report.bytes_read,
        APPENDED_LINE.len() as u64,
        "only the new bytes"
    );
    assert!(report.check_bytes_read <= 128);
    assert_eq!(report.messages_added, 1);
    let session = database
        .session_summary(Agent::Claude, CLAUDE_MAIN)
        .expect("q")
        .expect("kept");
    assert_eq!(session.message_count, 10);
    assert_eq!(
        session.title, "Add /healthz endpoint",
        "a later prompt does not replace a summary"
    );
    assert_eq!(session.last_at_ms, Some(1_763_802_000_000));
    let hits = database
        .search_sessions("zebrafish", &SessionFilter::default(), 10)
        .expect("search");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].session.id, CLAUDE_MAIN);
    let messages = database
        .session_messages(Agent::Claude, CLAUDE_MAIN)
        .expect("messages");
    assert_eq!(
        messages.last().map(|m| m.text.as_str()),
        Some("Also expose the uptime in the zebrafish report")
    );
}

#[test]
fn an_appended_codex_turn_keeps_the_model_of_the_earlier_read() {
    let home = Home::new();
    let database = Database::open_in_memory().expect("open");
    index(&database, &home.roots());
    let path = home.path().join("codex/sessions/2025/11/20/rollout-2025-11-20T10-00-00-019a9776-0a34-7842-8627-112b63d66e90.jsonl");
    append(
        &path,
        concat!(
            r#"{"timestamp":"2025-11-20T10:02:00.000Z","type":"event_msg","payload":{"type":"user_message","message":"One more"}}"#,
            "\n",
            r#"{"timestamp":"2025-11-20T10:02:05.000Z","type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Done."}]}}"#,
            "\n",
            r#"{"timestamp":"2025-11-20T10:02:06.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":21000,"cached_input_tokens":15000,"output_tokens":650,"reasoning_output_tokens":300,"total_tokens":21650}}}}"#,
            "\n",
        ),
    );
    let report = index(&database, &home.roots());
    assert_eq!(report.files_read_whole, 0);
    let messages = database
        .session_messages(Agent::Codex, "019a9776-0a34-7842-8627-112b63d66e90")
        .expect("m");
    let last = messages.last().expect("answer");
    assert_eq!(last.text, "Done.");
    assert_eq!(last.model.as_deref(), Some("gpt-5.1-codex"));
    assert_eq!(
        last.usage.map(|u| (u.input, u.output)),
        Some((1_000, 50)),
        "difference from the stored total"
    );
    assert_eq!(last.ordinal, 7);
}

#[test]
fn a_rewritten_file_of_the_same_size_is_read_again_whole() {
    let home = Home::new();
    let database = Database::open_in_memory().expect("open");
    index(&database, &home.roots());
    let path = main_file(&home);
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(
        &path,
        text.replace("quick database ping", "quick database PONG"),
    )
    .expect("rewrite");
    let later = SystemTime::now() + Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .expect("open")
        .set_modified(later)
        .expect("mtime");
    let report = index(&database, &home.roots());
    assert_eq!(report.files_read_whole, 1);
    let session = database
        .session_summary(Agent::Claude, CLAUDE_MAIN)
        .expect("q")
        .expect("kept");
    assert_eq!(session.message_count, 9, "replaced, not doubled");
    assert_eq!(
        database
            .search_sessions("PONG", &SessionFilter::default(), 5)
            .expect("search")
            .len(),
        1
    );
    assert!(
        database
            .search_sessions("\"quick database ping\"", &SessionFilter::default(), 5)
            .expect("search")
            .iter()
            .all(|hit| hit.session.id != CLAUDE_MAIN)
    );
}

#[test]
fn a_file_rewritten_with_more_bytes_is_noticed_and_read_whole() {
    let home = Home::new();
    let database = Database::open_in_memory().expect("open");
    index(&database, &home.roots());
    let path = main_file(&home);
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(
        &path,
        text.replace(
            "Add a /healthz endpoint",
            "Add a much longer /healthz endpoint",
        ),
    )
    .expect("rewrite");
    let report = index(&database, &home.roots());
    assert_eq!(
        report.files_read_whole, 1,
        "the bytes before the old offset changed"
    );
    let session = database
        .session_summary(Agent::Claude, CLAUDE_MAIN)
        .expect("q")
        .expect("kept");
    assert_eq!(session.message_count, 9);
}

#[test]
fn a_shrunk_file_is_read_again_whole() {
    let home = Home::new();
    let database = Database::open_in_memory().expect("open");
    index(&database, &home.roots());
    let path = main_file(&home);
    let text = std::fs::read_to_string(&path).expect("read");
    let first_lines: String = text
        .lines()
        .take(3)
        .map(|line| format!("{line}\n"))
        .collect();
    std::fs::write(&path, first_lines).expect("shrink");
    let report = index(&database, &home.roots());
    assert_eq!(report.files_read_whole, 1);
    let session = database
        .session_summary(Agent::Claude, CLAUDE_MAIN)
        .expect("q")
        .expect("kept");
    assert_eq!(session.message_count, 2);
    assert_eq!(
        session.title,
        "Add a /healthz endpoint that reports the database status"
    );
}

#[test]
fn a_deleted_transcript_keeps_its_session_marked_gone() {
    let home = Home::new();
    let database = Database::open_in_memory().expect("open");
    index(&database, &home.roots());
    std::fs::remove_file(main_file(&home)).expect("delete");
    let report = index(&database, &home.roots());
    assert_eq!(report.files_gone, 1);
    let session = database
        .session_summary(Agent::Claude, CLAUDE_MAIN)
        .expect("q")
        .expect("kept");
    assert!(session.file_gone);
    assert_eq!(session.message_count, 9);
    assert_eq!(
        database
            .search_sessions("\"database ping\"", &SessionFilter::default(), 5)
            .expect("s")
            .len(),
        1
    );
    let again = index(&database, &home.roots());
    assert_eq!(again.files_gone, 0, "counted once");
}

#[test]
fn a_grown_gemini_chat_is_read_again_whole() {
    let home = Home::new();
    let database = Database::open_in_memory().expect("open");
    index(&database, &home.roots());
    let path = home
        .path()
        .join("gemini/.gemini/tmp/webapp/chats/session-2026-04-20T10-00-a1b2c3d4.jsonl");
    append(&path, "{\"$rewindTo\":\"m5\"}\n");
    let report = index(&database, &home.roots());
    assert_eq!(report.files_read_whole, 1);
    let session = database
        .session_summary(Agent::Gemini, "a1b2c3d4-e5f6-7890-abcd-ef1234567890")
        .expect("q")
        .expect("kept");
    assert_eq!(session.message_count, 5, "m5 and m6 rewound away");
}

#[test]
fn a_line_written_in_two_pieces_is_read_once_complete() {
    let home = Home::new();
    let database = Database::open_in_memory().expect("open");
    index(&database, &home.roots());
    let (head, tail) = APPENDED_LINE.split_at(60);
    append(&main_file(&home), head);
    let partial = index(&database, &home.roots());
    assert_eq!(partial.lines.incomplete, 1);
    assert_eq!(partial.messages_added, 0);
    append(&main_file(&home), tail);
    let complete = index(&database, &home.roots());
    assert_eq!(complete.files_read_whole, 0);
    assert_eq!(complete.messages_added, 1);
    assert_eq!(complete.bytes_read, APPENDED_LINE.len() as u64);
}

#[test]
fn a_response_split_across_two_runs_keeps_its_usage_once() {
    let home = Home::new();
    // The resumed session's copy of c-a2 would otherwise be the one kept (by uuid).
    let resumed = home
        .claude_project()
        .join("7d2e4b10-1111-4222-8333-944455556666.jsonl");
    std::fs::remove_file(resumed).expect("remove the resumed copy");
    let path = main_file(&home);
    let text = std::fs::read_to_string(&path).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    // Up to c-a1 (thinking, output 12); c-a2 and c-a3 (output 85) come in a later run.
    let first: String = lines[..4].iter().map(|line| format!("{line}\n")).collect();
    let rest: String = lines[4..].iter().map(|line| format!("{line}\n")).collect();
    std::fs::write(&path, first).expect("write first part");
    let database = Database::open_in_memory().expect("open");
    index(&database, &home.roots());
    append(&path, &rest);
    let report = index(&database, &home.roots());
    assert_eq!(report.files_read_whole, 0);
    let usages: Vec<_> = database
        .session_messages(Agent::Claude, CLAUDE_MAIN)
        .expect("messages")
        .into_iter()
        .filter(|m| m.subagent.is_none())
        .filter_map(|m| m.usage)
        .map(|usage| usage.output)
        .collect();
    assert_eq!(usages, [85, 40], "msg_1 once, with its largest copy");
}

#[test]
fn an_old_gemini_hash_folder_is_matched_once_its_path_becomes_known() {
    let home = Home::new();
    // Without the slug folder and the other agents, nothing knows /home/alice/webapp yet.
    std::fs::remove_dir_all(home.path().join("gemini/.gemini/tmp/webapp")).expect("remove slug");
    let gemini_only = spaces_store::SessionRoots {
        claude: None,
        codex: None,
        ..home.roots()
    };
    let database = Database::open_in_memory().expect("open");
    index(&database, &gemini_only);
    let old = "0a0b0c0d-1111-4222-8333-444455556666";
    let cwd = |database: &Database| {
        database
            .session_summary(Agent::Gemini, old)
            .expect("q")
            .expect("indexed")
            .cwd
    };
    assert_eq!(cwd(&database), "");
    let report = index(&database, &home.roots());
    assert_eq!(
        report.files_unchanged, 2,
        "the Gemini chats left are not read again"
    );
    assert_eq!(
        cwd(&database),
        "/home/alice/webapp",
        "matched once Claude recorded the path"
    );
}

#[test]
fn codex_titles_come_from_its_state_database_when_present() {
    let home = Home::new();
    let state =
        rusqlite::Connection::open(home.path().join("codex/state_5.sqlite")).expect("state");
    state
        .execute_batch(
            "CREATE TABLE threads (id TEXT PRIMARY KEY, rollout_path TEXT, cwd TEXT, title TEXT,
                                   first_user_message TEXT, tokens_used INTEGER);
             INSERT INTO threads (id, title) VALUES
                 ('019a9776-0a34-7842-8627-112b63d66e90', 'Login rate limiting'),
                 ('not-indexed', 'Nothing');",
        )
        .expect("fill");
    drop(state);
    let database = Database::open_in_memory().expect("open");
    let report = index(&database, &home.roots());
    assert_eq!(report.titles_from_codex_state, 1);
    let session = database
        .session_summary(Agent::Codex, "019a9776-0a34-7842-8627-112b63d66e90")
        .expect("q")
        .expect("indexed");
    assert_eq!(session.title, "Login rate limiting");
    assert_eq!(
        index(&database, &home.roots()).titles_from_codex_state,
        0,
        "already applied"
    );
}
