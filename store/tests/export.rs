//! Export and import of a workspace: a round trip into an empty database compared record by
//! record and byte by byte, an import where the name is taken, and every kind of bad file,
//! each refused with one line and the database left exactly as it was.

use rusqlite::types::Value;
use spaces_store::{
    Agent, Database, IfExists, PaneId, PaneRecord, SessionFilter, SnapshotRecord, WorkspaceRecord,
};

#[path = "support/export_fixture.rs"]
mod export_fixture;

use export_fixture::*;

#[test]
fn a_workspace_round_trips_into_an_empty_database_byte_for_byte() {
    let source = Source::new();
    let outside = tempfile::tempdir().expect("tempdir");
    let file = source.export(outside.path());
    let exported = source
        .database
        .export_workspace(
            source.api.id,
            &outside.path().join("again"),
            IfExists::Refuse,
        )
        .expect("export again");
    assert_eq!(exported.panes, 4, "closed panes too");
    assert_eq!(exported.output_bytes, 4096 + 300_000 + 13 + 8 + 1000 + 13);
    assert_eq!(exported.snapshots, 2);
    let subagents = source
        .database
        .list_sessions(&SessionFilter {
            include_subagents: true,
            ..SessionFilter::default()
        })
        .expect("sessions")
        .into_iter()
        .filter(|session| session.parent.as_deref() == Some(CLAUDE_MAIN))
        .count();
    assert!(subagents > 0, "the fixture has sub-agents");
    assert_eq!(exported.sessions, 1 + subagents as u64);

    let target_directory = tempfile::tempdir().expect("tempdir");
    let target_path = target_directory.path().join("spaces.db");
    let target = Database::open(&target_path).expect("fresh database");
    let imported = target.import_workspace(&file, &TestRules).expect("import");
    assert_eq!(imported.exported_name, "api");
    assert_eq!(imported.panes, 4);
    assert_eq!(imported.output_bytes, exported.output_bytes);
    assert_eq!(imported.input_bytes, exported.input_bytes);
    assert_eq!(
        (imported.sessions_added, imported.sessions_known),
        (exported.sessions, 0)
    );

    // The workspace: the same record, archived, under a new id.
    let workspaces = target.list_workspaces(true).expect("workspaces");
    assert_eq!(workspaces, vec![imported.workspace.clone()]);
    assert_eq!(
        imported.workspace,
        WorkspaceRecord {
            id: imported.workspace.id,
            archived: true,
            position: 0,
            ..source.api.clone()
        }
    );
    assert!(target.list_workspaces(false).expect("visible").is_empty());

    // Panes: every record, in order, under new ids.
    let new_ids = pane_ids(&target_path, imported.workspace.id);
    assert_eq!(new_ids.len(), source.panes.len());
    for (old, new) in source.panes.iter().zip(&new_ids) {
        let before = source.database.pane(*old).expect("read").expect("old");
        let after = target.pane(*new).expect("read").expect("new");
        assert_eq!(
            after,
            PaneRecord {
                id: *new,
                workspace_id: imported.workspace.id,
                ..before
            }
        );
        // Every byte of history: the output stream, each input, each snapshot.
        assert_eq!(
            target.output_since(*new, 0).expect("output"),
            source.database.output_since(*old, 0).expect("output")
        );
        target.check_contiguous(*new).expect("contiguous");
        assert_eq!(
            target.input_chunks(*new).expect("input"),
            source.database.input_chunks(*old).expect("input")
        );
        let snapshots = "SELECT output_offset, created_at_ms, format_version, raw_len, data
                         FROM snapshots WHERE pane_id = ?1 ORDER BY output_offset";
        assert_eq!(
            rows(&target_path, snapshots, new.0),
            rows(&source.path(), snapshots, old.0)
        );
        let latest = source.database.latest_snapshot(*old).expect("snapshot");
        assert_eq!(
            target.latest_snapshot(*new).expect("snapshot"),
            latest.map(|snapshot| SnapshotRecord {
                pane_id: *new,
                ..snapshot
            })
        );
    }
    assert_eq!(target.output_since(new_ids[0], 0).expect("read").len(), 3);

    // The layout names the new ids.
    let layout = target
        .load_layout(imported.workspace.id)
        .expect("layout")
        .expect("saved");
    let expected: serde_json::Value =
        serde_json::from_str(&layout_json(new_ids[0], new_ids[2], new_ids[3])).expect("json");
    let stored: serde_json::Value = serde_json::from_str(&layout.tree_json).expect("json");
    assert_eq!(stored, expected);
    assert_eq!(layout.focused_pane, Some(new_ids[2]));
    assert_eq!(layout.updated_at_ms, 1_700_000_200_000);

    // The agent session: listed, readable, searchable, its usage counted.
    let before = source
        .database
        .session_summary(Agent::Claude, CLAUDE_MAIN)
        .expect("summary")
        .expect("indexed");
    let after = target
        .session_summary(Agent::Claude, CLAUDE_MAIN)
        .expect("summary")
        .expect("imported");
    assert_eq!(
        after,
        spaces_store::SessionSummary {
            file: None,
            file_gone: true,
            ..before
        }
    );
    let messages = source
        .database
        .session_messages(Agent::Claude, CLAUDE_MAIN)
        .expect("messages");
    assert!(!messages.is_empty());
    assert_eq!(
        target
            .session_messages(Agent::Claude, CLAUDE_MAIN)
            .expect("messages"),
        messages
    );
    let word = messages
        .iter()
        .filter(|message| message.role == spaces_store::MessageRole::User)
        .flat_map(|message| message.text.split_whitespace())
        .find(|word| word.len() > 4 && word.chars().all(char::is_alphanumeric))
        .expect("a word to search");
    let hits = target
        .search_sessions(word, &SessionFilter::default(), 10)
        .expect("search");
    assert!(
        hits.iter().any(|hit| hit.session.id == CLAUDE_MAIN),
        "{word}: {hits:?}"
    );
    let usage = rows(&source.path(), USAGE, CLAUDE_MAIN);
    assert!(!usage.is_empty(), "the fixture session has usage");
    assert_eq!(rows(&target_path, USAGE, CLAUDE_MAIN), usage);

    // Activity: the spans the workspace was active in.
    let activity = "SELECT bucket FROM workspace_activity WHERE workspace_id = ?1";
    assert_eq!(
        rows(&target_path, activity, imported.workspace.id.0),
        rows(&source.path(), activity, source.api.id.0)
    );
    assert_eq!(target.integrity_check().expect("check"), "ok");
}

#[test]
fn an_import_where_the_name_is_taken_gets_a_new_name_and_adds_no_duplicates() {
    let source = Source::new();
    let outside = tempfile::tempdir().expect("tempdir");
    let file = source.export(outside.path());
    let sessions_before = rows(
        &source.path(),
        "SELECT COUNT(*) FROM session_messages WHERE ?1 = 0",
        0,
    );
    let api_before = dump_of_workspace(&source);

    let first = source
        .database
        .import_workspace(&file, &TestRules)
        .expect("import");
    let second = source
        .database
        .import_workspace(&file, &TestRules)
        .expect("import again");
    assert_eq!(first.workspace.name, "api (2)");
    assert_eq!(second.workspace.name, "api (3)");
    assert!(first.workspace.archived && second.workspace.archived);
    assert_eq!((first.sessions_added, second.sessions_added), (0, 0));
    assert!(first.sessions_known >= 2, "the session and its sub-agents");
    assert_eq!(second.sessions_known, first.sessions_known);
    assert_eq!(
        rows(
            &source.path(),
            "SELECT COUNT(*) FROM session_messages WHERE ?1 = 0",
            0
        ),
        sessions_before,
        "known sessions are not copied again"
    );
    assert_eq!(
        dump_of_workspace(&source),
        api_before,
        "the original is untouched"
    );

    let mut all_ids: Vec<PaneId> = [source.api.id, first.workspace.id, second.workspace.id]
        .into_iter()
        .flat_map(|workspace| pane_ids(&source.path(), workspace))
        .collect();
    assert_eq!(all_ids.len(), 12);
    all_ids.sort();
    all_ids.dedup();
    assert_eq!(all_ids.len(), 12, "every pane has its own id");
    assert!(
        first.workspace.id.0 > source.api.id.0 + 1000,
        "imported ids leave room for a running window's new panes"
    );
    let copies = pane_ids(&source.path(), second.workspace.id);
    assert_eq!(
        source.database.output_since(copies[0], 0).expect("copy"),
        source
            .database
            .output_since(source.panes[0], 0)
            .expect("original")
    );
    assert_eq!(source.database.integrity_check().expect("check"), "ok");
}

fn dump_of_workspace(source: &Source) -> Vec<Vec<Value>> {
    let mut all = rows(
        &source.path(),
        "SELECT * FROM workspaces WHERE id = ?1",
        source.api.id.0,
    );
    for pane in &source.panes {
        all.extend(rows(
            &source.path(),
            "SELECT * FROM panes WHERE id = ?1",
            pane.0,
        ));
        all.extend(rows(
            &source.path(),
            "SELECT * FROM output_chunks WHERE pane_id = ?1",
            pane.0,
        ));
    }
    all
}
