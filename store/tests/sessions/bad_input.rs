//! Bad input never stops indexing: each case ends with the right count, and everything else
//! indexed.

use std::path::Path;

use spaces_store::{Agent, Database, IndexReport, SessionRoots};

use super::{Home, index};

fn user_line(session: &str, uuid: &str, text: &str) -> String {
    format!(
        r#"{{"type":"user","sessionId":"{session}","cwd":"/w","uuid":"{uuid}","timestamp":"2025-11-20T10:00:00.000Z","message":{{"role":"user","content":"{text}"}}}}"#
    )
}

/// A Claude home with one session file holding `lines` (joined by newlines, no final newline
/// unless the caller adds one).
fn claude_home(name: &str, body: &[u8]) -> (Home, SessionRoots) {
    let home = Home::empty();
    let project = home.path().join("claude/projects/-w");
    std::fs::create_dir_all(&project).expect("mkdir");
    std::fs::write(project.join(format!("{name}.jsonl")), body).expect("write");
    let roots = SessionRoots {
        claude: Some(home.path().join("claude")),
        ..SessionRoots::default()
    };
    (home, roots)
}

fn index_body(body: &[u8]) -> (Database, IndexReport) {
    let (_home, roots) = claude_home("s1", body);
    let database = Database::open_in_memory().expect("open");
    let report = index(&database, &roots);
    (database, report)
}

fn message_count(database: &Database, id: &str) -> i64 {
    database
        .session_summary(Agent::Claude, id)
        .expect("q")
        .map_or(0, |s| s.message_count)
}

#[test]
fn a_malformed_line_is_counted_and_the_rest_indexed() {
    let body = format!(
        "{}\n{{\"type\":\"user\",\"message\":\n{}\n",
        user_line("s1", "a", "first"),
        user_line("s1", "b", "second")
    );
    let (database, report) = index_body(body.as_bytes());
    assert_eq!(report.lines.malformed, 1);
    assert_eq!(report.lines_not_understood(), 1);
    assert_eq!(report.files_with_problems, 1);
    assert_eq!(message_count(&database, "s1"), 2);
}

#[test]
fn a_truncated_last_line_is_counted_and_the_rest_indexed() {
    let body = format!(
        "{}\n{}",
        user_line("s1", "a", "first"),
        &user_line("s1", "b", "second")[..40]
    );
    let (database, report) = index_body(body.as_bytes());
    assert_eq!(report.lines.incomplete, 1);
    assert_eq!(report.files_with_problems, 1);
    assert_eq!(message_count(&database, "s1"), 1);
}

#[test]
fn a_50_megabyte_line_is_skipped_and_counted() {
    let mut body = format!("{}\n", user_line("s1", "a", "before")).into_bytes();
    body.extend_from_slice(br#"{"type":"user","message":{"content":""#);
    body.resize(body.len() + 50 * 1024 * 1024, b'x');
    body.extend_from_slice(b"\"}}\n");
    body.extend_from_slice(format!("{}\n", user_line("s1", "b", "after")).as_bytes());
    let (database, report) = index_body(&body);
    assert_eq!(report.lines.too_long, 1);
    assert_eq!(message_count(&database, "s1"), 2);
}

#[test]
fn an_unknown_line_type_is_counted_apart_and_skipped() {
    let body = format!(
        "{}\n{{\"type\":\"hologram\",\"x\":1}}\n{}\n",
        user_line("s1", "a", "one"),
        user_line("s1", "b", "two")
    );
    let (database, report) = index_body(body.as_bytes());
    assert_eq!(report.lines.unknown_type, 1);
    assert_eq!(report.lines_not_understood(), 0);
    assert_eq!(report.files_with_problems, 0);
    assert_eq!(message_count(&database, "s1"), 2);
}

#[test]
fn bytes_that_are_not_utf8_are_replaced_and_counted() {
    let mut body = user_line("s1", "a", "caf\u{0}")
        .replace('\u{0}', "")
        .into_bytes();
    let quote = body.iter().rposition(|b| *b == b'f').expect("f") + 1;
    body.insert(quote, 0xE9);
    body.push(b'\n');
    let (database, report) = index_body(&body);
    assert_eq!(report.lines.not_utf8, 1);
    assert_eq!(report.files_with_problems, 1);
    let messages = database.session_messages(Agent::Claude, "s1").expect("m");
    assert_eq!(messages[0].text, "caf\u{fffd}");
}

/// Twenty sessions, so the reader thread is still far from the last when the first is written.
fn many_sessions() -> (Home, SessionRoots, std::path::PathBuf) {
    let home = Home::empty();
    let project = home.path().join("claude/projects/-w");
    std::fs::create_dir_all(&project).expect("mkdir");
    for number in 0..20 {
        let id = format!("s{number:02}");
        let body = format!(
            "{}\n{}\n",
            user_line(&id, &format!("{id}a"), "hello"),
            user_line(&id, &format!("{id}b"), "again")
        );
        std::fs::write(project.join(format!("{id}.jsonl")), body).expect("write");
    }
    let roots = SessionRoots {
        claude: Some(home.path().join("claude")),
        ..SessionRoots::default()
    };
    let last = project.join("s19.jsonl");
    (home, roots, last)
}

#[test]
fn a_file_deleted_during_indexing_is_counted_and_the_rest_indexed() {
    let (_home, roots, last) = many_sessions();
    let database = Database::open_in_memory().expect("open");
    let mut deleted = false;
    let report = database
        .index_sessions(&roots, &mut |_| {
            if !deleted {
                std::fs::remove_file(&last).expect("delete");
                deleted = true;
            }
        })
        .expect("index");
    assert_eq!(report.files_with_problems, 1, "{report:#?}");
    assert!(report.problems[0].path.ends_with("s19.jsonl"));
    assert_eq!(report.sessions_updated, 19);
}

#[test]
fn a_file_truncated_during_indexing_is_counted_and_read_whole_next_time() {
    let (_home, roots, last) = many_sessions();
    let database = Database::open_in_memory().expect("open");
    let mut truncated = false;
    let report = database
        .index_sessions(&roots, &mut |_| {
            if !truncated {
                let file = std::fs::File::options()
                    .write(true)
                    .open(&last)
                    .expect("open");
                file.set_len(150).expect("truncate");
                truncated = true;
            }
        })
        .expect("index");
    assert_eq!(report.lines.incomplete, 1, "{report:#?}");
    assert_eq!(report.sessions_updated, 20);
    assert_eq!(message_count(&database, "s19"), 1);
    let again = index(&database, &roots);
    assert_eq!(again.files_read_whole, 1);
}

#[test]
fn an_unreadable_folder_is_reported_and_the_rest_indexed() {
    let (home, roots, _) = many_sessions();
    let locked = home.path().join("claude/projects/-locked");
    std::fs::create_dir_all(&locked).expect("mkdir");
    std::fs::write(
        locked.join("x.jsonl"),
        format!("{}\n", user_line("x", "xa", "hidden")),
    )
    .expect("write");
    set_mode(&locked, 0o000);
    let readable = std::fs::read_dir(&locked).is_ok(); // root reads anything
    let database = Database::open_in_memory().expect("open");
    let report = index(&database, &roots);
    set_mode(&locked, 0o755);
    assert_eq!(report.sessions_updated, if readable { 21 } else { 20 });
    if !readable {
        assert_eq!(report.entries_unreadable, 1, "{report:#?}");
    }
}

#[test]
fn an_entry_that_cannot_be_looked_at_is_reported_and_the_rest_indexed() {
    let (home, roots, _) = many_sessions();
    let project = home.path().join("claude/projects/-w");
    std::os::unix::fs::symlink("nowhere.jsonl", project.join("dangling.jsonl")).expect("symlink");
    let database = Database::open_in_memory().expect("open");
    let report = index(&database, &roots);
    assert_eq!(report.entries_unreadable, 1, "{report:#?}");
    assert_eq!(report.sessions_updated, 20);
}

#[test]
fn symlink_loops_are_walked_once() {
    let (home, roots, _) = many_sessions();
    let project = home.path().join("claude/projects/-w");
    std::os::unix::fs::symlink(".", project.join("again")).expect("dir loop");
    std::os::unix::fs::symlink("self.jsonl", project.join("self.jsonl")).expect("file loop");
    let database = Database::open_in_memory().expect("open");
    let report = index(&database, &roots);
    assert_eq!(report.files_found, 20, "{report:#?}");
    assert_eq!(report.sessions_updated, 20);
    assert_eq!(report.entries_unreadable, 1, "the link to itself");
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}
