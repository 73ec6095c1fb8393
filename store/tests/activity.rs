//! Usage patterns: active time per workspace and per agent in five-minute buckets, and the
//! most-run shell commands per workspace, from recorded input and output and indexed
//! messages. Expected figures are worked out by hand in the comments.

use spaces_store::usage::{ActiveTime, CommandCount, UsageQuery};
use spaces_store::{Agent, Database, PaneId, PaneRecord};

/// A bucket boundary: 1_764_000_000_000 / 300_000 = 5_880_000.
const T0: i64 = 1_764_000_000_000;
const MINUTE: i64 = 60_000;

fn active(name: &str, minutes: u64) -> ActiveTime {
    ActiveTime {
        name: name.to_owned(),
        minutes,
    }
}

fn command(workspace: &str, command: &str, runs: u64) -> CommandCount {
    CommandCount {
        workspace: workspace.to_owned(),
        command: command.to_owned(),
        runs,
    }
}

fn type_keys(database: &Database, pane: PaneId, at_ms: i64, text: &str) {
    // One write per key, as a person types.
    for key in text.as_bytes() {
        database
            .record_input(pane, 0, at_ms, std::slice::from_ref(key))
            .expect("input");
    }
}

#[test]
fn active_time_and_commands_per_workspace() {
    let database = Database::open_in_memory().expect("open");
    let web = database.create_workspace("web", "blue").expect("web");
    let api = database.create_workspace("api", "green").expect("api");
    let shell = PaneRecord::new_shell(PaneId(1), web.id, "/srv/web", 80, 24);
    let agent = PaneRecord {
        is_shell: false,
        ..PaneRecord::new_shell(PaneId(2), web.id, "/srv/web", 80, 24)
    };
    let api_shell = PaneRecord::new_shell(PaneId(3), api.id, "/srv/api", 80, 24);
    for pane in [&shell, &agent, &api_shell] {
        database.upsert_pane(pane).expect("pane");
    }
    // web: typing in bucket T0 (twice) and T0 + 10 min: two buckets.
    type_keys(&database, shell.id, T0, "git status\r");
    type_keys(&database, shell.id, T0 + MINUTE, "cargo test\r");
    type_keys(&database, shell.id, T0 + 12 * MINUTE, "git push\r");
    // An agent pane's prompt is not a shell command (but it is activity: same bucket).
    type_keys(&database, agent.id, T0 + 2 * MINUTE, "fix the tests\r");
    // api: one bucket an hour later; a recalled line (Up, Enter) is not counted.
    type_keys(&database, api_shell.id, T0 + 60 * MINUTE, "ls\r");
    database
        .record_input(api_shell.id, 0, T0 + 61 * MINUTE, b"\x1b[A\r")
        .expect("input");

    let activity = database
        .activity(&UsageQuery::default(), 5)
        .expect("activity");
    assert_eq!(activity.by_workspace, [active("web", 10), active("api", 5)]);
    assert_eq!(
        activity.commands,
        [
            command("api", "ls", 1),
            command("web", "git", 2),
            command("web", "cargo", 1),
        ]
    );
    // The top one per workspace only.
    let top = database.activity(&UsageQuery::default(), 1).expect("top");
    assert_eq!(
        top.commands,
        [command("api", "ls", 1), command("web", "git", 2)]
    );

    // Output counts as activity too: printed now, so a third bucket for web.
    database
        .append_output(shell.id, 0, b"On branch main\r\n")
        .expect("output");
    let activity = database
        .activity(&UsageQuery::default(), 5)
        .expect("activity");
    assert_eq!(activity.by_workspace, [active("web", 15), active("api", 5)]);
}

#[test]
fn active_time_per_agent_follows_their_messages() {
    let database = Database::open_in_memory().expect("open");
    // Three sessions (claude, codex, gemini) of 30 responses 12 s apart: each spans 348 s
    // from a start within the first second of a bucket, so two buckets: 10 minutes each.
    database.generate_usage(3, 30).expect("generate");
    let activity = database
        .activity(&UsageQuery::default(), 5)
        .expect("activity");
    assert_eq!(
        activity.by_agent,
        [
            active("claude", 10),
            active("codex", 10),
            active("gemini", 10)
        ]
    );
    let codex = UsageQuery {
        agent: Some(Agent::Codex),
        ..UsageQuery::default()
    };
    assert_eq!(
        database.activity(&codex, 5).expect("codex").by_agent,
        [active("codex", 10)]
    );
    // Nothing in a range before the sessions.
    let before = UsageQuery {
        until: chrono::NaiveDate::from_ymd_opt(2024, 12, 1),
        ..UsageQuery::default()
    };
    assert!(
        database
            .activity(&before, 5)
            .expect("before")
            .by_agent
            .is_empty()
    );
}
