//! Export and import of a workspace: a round trip into an empty database compared record by
//! record and byte by byte, an import where the name is taken, and every kind of bad file,
//! each refused with one line and the database left exactly as it was.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use dump::dump;
use rusqlite::{Connection, OpenFlags, types::Value};
use spaces_store::{
    Agent, Database, EXPORT_VERSION, ExportError, IfExists, ImportError, ImportRules, LayoutRecord,
    PaneId, PaneRecord, SessionFilter, SessionRoots, SnapshotRecord, WorkspaceId, WorkspaceRecord,
};

#[path = "support/dump.rs"]
mod dump;
#[path = "support/tree.rs"]
mod tree;

const CLAUDE_MAIN: &str = "3f1c2a9e-6b7d-4e21-9a0c-5d8e7f6a1b2c";

/// Rules as simple as the app's: names trimmed and numbered when taken, colours kept when
/// they look like one, pane ids renumbered wherever the layout says `"pane": N`.
struct TestRules;

impl ImportRules for TestRules {
    fn name(&self, exported: &str, taken: &[String]) -> Result<String, String> {
        let name = exported.trim();
        if name.is_empty() || name.chars().any(char::is_control) {
            return Err(format!("{name:?} is not a workspace name"));
        }
        let free = |candidate: &str| !taken.iter().any(|t| t.eq_ignore_ascii_case(candidate));
        Ok((1..)
            .map(|n| match n {
                1 => name.to_owned(),
                n => format!("{name} ({n})"),
            })
            .find(|candidate| free(candidate))
            .expect("a free name"))
    }

    fn color(&self, exported: &str, _used: &[String]) -> String {
        if exported.starts_with('#') {
            exported.to_owned()
        } else {
            "#5b9cf5".to_owned()
        }
    }

    fn layout(
        &self,
        tree_json: &str,
        new_id: &dyn Fn(PaneId) -> Option<PaneId>,
    ) -> Result<String, String> {
        let mut tree: serde_json::Value =
            serde_json::from_str(tree_json).map_err(|error| error.to_string())?;
        renumber(&mut tree, new_id);
        Ok(tree.to_string())
    }
}

fn renumber(value: &mut serde_json::Value, new_id: &dyn Fn(PaneId) -> Option<PaneId>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                match child.as_i64() {
                    Some(old) if key == "pane" => {
                        *child = new_id(PaneId(old)).map_or(serde_json::Value::Null, |new| {
                            serde_json::Value::from(new.0)
                        });
                    }
                    _ => renumber(child, new_id),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|item| renumber(item, new_id)),
        _ => {}
    }
}

/// Bytes that do not compress away (so chunks are of a real size), from a seed.
fn noise(seed: u64, length: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    (0..length)
        .map(|index| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            if index % 7 == 0 {
                b'\n'
            } else {
                (state >> 33) as u8
            }
        })
        .collect()
}

/// A database with two workspaces; "api" has a shell pane with a long history, a closed
/// pane, a Claude pane linked to an indexed session (with sub-agents), a pane whose old
/// output was trimmed, a layout and notes.
struct Source {
    directory: tempfile::TempDir,
    _home: tempfile::TempDir,
    database: Database,
    api: WorkspaceRecord,
    panes: Vec<PaneId>,
}

impl Source {
    fn new() -> Self {
        let directory = tempfile::tempdir().expect("tempdir");
        let database = Database::open(&directory.path().join("spaces.db")).expect("open");
        let home = tempfile::tempdir().expect("home");
        tree::copy_tree(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sessions"),
            home.path(),
        );
        let roots = SessionRoots {
            claude: Some(home.path().join("claude")),
            codex: Some(home.path().join("codex")),
            gemini: Some(home.path().join("gemini/.gemini")),
        };
        database.index_sessions(&roots, &mut |_| {}).expect("index");

        let other = database
            .create_workspace("other", "#58b368")
            .expect("other");
        let stray = PaneRecord::new_shell(PaneId(1), other.id, "/srv", 80, 24);
        database.upsert_pane(&stray).expect("stray pane");
        database
            .append_output(stray.id, 0, b"not part of the export")
            .expect("stray output");

        let mut api = database.create_workspace("api", "#e5734c").expect("api");
        api.notes = "Deploy after the migration.\nAsk Sam about the cache.".to_owned();
        database.upsert_workspace(&api).expect("notes");

        let shell = PaneRecord::new_shell(PaneId(2), api.id, "/home/me/api", 120, 35);
        database.upsert_pane(&shell).expect("shell");
        let mut offset = 0;
        for (seed, size) in [(1, 4096), (2, 300_000), (3, 13)] {
            database
                .append_output(shell.id, offset, &noise(seed, size))
                .expect("output");
            offset += size as u64;
        }
        for (at, text) in [
            (10, "ls -la\r"),
            (4100, "cargo test\r"),
            (304_000, "\x1b[A\r"),
        ] {
            database
                .record_input(shell.id, at, 1_700_000_000_000 + at as i64, text.as_bytes())
                .expect("input");
        }
        for (at, seed) in [(4096, 7), (304_096, 8)] {
            database
                .save_snapshot(&SnapshotRecord {
                    pane_id: shell.id,
                    output_offset: at,
                    created_at_ms: 1_700_000_000_000,
                    format_version: 2,
                    data: noise(seed, 50_000),
                })
                .expect("snapshot");
        }

        let closed = PaneRecord::new_shell(PaneId(3), api.id, "/tmp", 80, 24);
        database.upsert_pane(&closed).expect("closed");
        database
            .append_output(closed.id, 0, b"$ exit\r\n")
            .expect("output");
        database
            .close_pane(closed.id, 1_700_000_100_000)
            .expect("close");

        let mut claude = PaneRecord::new_shell(PaneId(4), api.id, "/home/alice/webapp", 100, 30);
        claude.command = vec![
            "claude".to_owned(),
            "--resume".to_owned(),
            CLAUDE_MAIN.to_owned(),
        ];
        claude.env.insert("FOO".to_owned(), "bar".to_owned());
        claude.title = "claude: tests".to_owned();
        claude.is_shell = false;
        claude.agent_kind = Some("claude".to_owned());
        claude.agent_session = Some(CLAUDE_MAIN.to_owned());
        database.upsert_pane(&claude).expect("claude");
        database
            .append_output(claude.id, 0, &noise(9, 1000))
            .expect("output");
        database
            .record_input(claude.id, 0, 1, b"fix the tests\r")
            .expect("input");

        let trimmed = PaneRecord::new_shell(PaneId(5), api.id, "/", 80, 24);
        database.upsert_pane(&trimmed).expect("trimmed");
        database
            .append_output(trimmed.id, 5000, b"what was kept")
            .expect("output");

        database
            .save_layout(&LayoutRecord {
                workspace_id: api.id,
                tree_json: layout_json(shell.id, claude.id, trimmed.id),
                focused_pane: Some(claude.id),
                updated_at_ms: 1_700_000_200_000,
            })
            .expect("layout");
        Self {
            directory,
            _home: home,
            api: database.workspace(api.id).expect("read").expect("api"),
            database,
            panes: vec![shell.id, closed.id, claude.id, trimmed.id],
        }
    }

    fn path(&self) -> PathBuf {
        self.directory.path().join("spaces.db")
    }

    /// Exports "api" into a fresh directory; returns the file.
    fn export(&self, directory: &Path) -> PathBuf {
        let file = directory.join("api.spaces");
        self.database
            .export_workspace(self.api.id, &file, IfExists::Refuse)
            .expect("export");
        file
    }
}

fn layout_json(left: PaneId, right_top: PaneId, right_bottom: PaneId) -> String {
    format!(
        r#"{{"version":1,"root":{{"kind":"split","dir":"horizontal","children":[{{"share":0.5,"node":{{"kind":"pane","pane":{left}}}}},{{"share":0.5,"node":{{"kind":"tabs","active":0,"children":[{{"kind":"pane","pane":{right_top}}},{{"kind":"pane","pane":{right_bottom}}}]}}}}]}}}}"#
    )
}

/// The rows `sql` (one `?1`) returns, as values.
fn rows(path: &Path, sql: &str, parameter: impl rusqlite::ToSql) -> Vec<Vec<Value>> {
    let connection =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    let mut statement = connection.prepare(sql).expect("prepare");
    let columns = statement.column_count();
    statement
        .query_map([parameter], |row| {
            (0..columns).map(|index| row.get(index)).collect()
        })
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows")
}

fn pane_ids(path: &Path, workspace: WorkspaceId) -> Vec<PaneId> {
    rows(
        path,
        "SELECT id FROM panes WHERE workspace_id = ?1 ORDER BY id",
        workspace.0,
    )
    .into_iter()
    .map(|row| match row[0] {
        Value::Integer(id) => PaneId(id),
        ref other => panic!("pane id {other:?}"),
    })
    .collect()
}

/// Usage rows of a session (?1) and its sub-agents, by the agent's ids (row ids differ
/// between databases).
const USAGE: &str = "SELECT s.session_id, u.bucket, u.model, u.long_context, u.responses,
        u.input_tokens, u.output_tokens, u.cache_read_tokens, u.cache_write_tokens
    FROM usage_buckets u JOIN agent_sessions s ON s.id = u.session_id
    WHERE s.session_id = ?1 OR s.parent_session = ?1
    ORDER BY s.session_id, u.bucket, u.model";

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

/// A bad file: its label, path, the error expected, and words its message holds.
type Case = (
    &'static str,
    PathBuf,
    fn(&ImportError) -> bool,
    &'static str,
);

/// A copy of `file` changed by `sql` (run on the copy).
fn altered(file: &Path, directory: &Path, name: &str, sql: &str) -> PathBuf {
    let copy = directory.join(name);
    std::fs::copy(file, &copy).expect("copy");
    Connection::open(&copy)
        .expect("open copy")
        .execute_batch(sql)
        .expect("alter");
    copy
}

#[test]
fn bad_files_are_refused_with_one_line_and_change_nothing() {
    let source = Source::new();
    let outside = tempfile::tempdir().expect("tempdir");
    let directory = outside.path();
    let file = source.export(directory);
    let bytes = std::fs::read(&file).expect("read export");

    let truncated = directory.join("truncated.spaces");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
    let random = directory.join("random.spaces");
    std::fs::write(&random, noise(42, 100_000)).expect("write");
    let empty = directory.join("empty.spaces");
    std::fs::write(&empty, b"").expect("write");
    let tiny = directory.join("tiny.spaces");
    std::fs::write(&tiny, &bytes[..40]).expect("write");
    let foreign = directory.join("foreign.db");
    Connection::open(&foreign)
        .expect("create")
        .execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('hello');")
        .expect("foreign");
    let newer = altered(
        &file,
        directory,
        "newer.spaces",
        &format!("UPDATE spaces_export SET version = {}", EXPORT_VERSION + 1),
    );
    let other_format = altered(
        &file,
        directory,
        "other.spaces",
        "UPDATE spaces_export SET format = 'photos'",
    );
    let overlap = altered(
        &file,
        directory,
        "overlap.spaces",
        "UPDATE output_chunks SET start_offset = start_offset - 1, end_offset = end_offset - 1
         WHERE start_offset = 4096",
    );
    let wrong_length = altered(
        &file,
        directory,
        "length.spaces",
        "UPDATE output_chunks SET raw_len = raw_len + 1, end_offset = end_offset + 1
         WHERE start_offset = 300000 + 4096",
    );
    let garbled_blob = altered(
        &file,
        directory,
        "blob.spaces",
        "UPDATE snapshots SET data = x'00112233' WHERE output_offset = 4096",
    );
    let huge_length = altered(
        &file,
        directory,
        "huge.spaces",
        "UPDATE snapshots SET raw_len = 9000000000000 WHERE output_offset = 4096",
    );
    let orphan = altered(
        &file,
        directory,
        "orphan.spaces",
        "UPDATE input_chunks SET pane_id = 999
         WHERE rowid = (SELECT MIN(rowid) FROM input_chunks)",
    );
    let bad_agent = altered(
        &file,
        directory,
        "agent.spaces",
        "UPDATE panes SET agent_kind = 'copilot' WHERE agent_kind IS NOT NULL",
    );
    let bad_flag = altered(
        &file,
        directory,
        "flag.spaces",
        "UPDATE panes SET is_shell = 7",
    );
    let bad_name = altered(
        &file,
        directory,
        "name.spaces",
        "UPDATE workspace SET name = '  '",
    );
    let two_workspaces = altered(
        &file,
        directory,
        "two.spaces",
        "INSERT INTO workspace SELECT * FROM workspace",
    );
    let missing_table = altered(
        &file,
        directory,
        "table.spaces",
        "DROP TABLE session_messages",
    );
    let bad_size = altered(
        &file,
        directory,
        "size.spaces",
        "UPDATE panes SET cols = 70000",
    );

    let cases: Vec<Case> = vec![
        (
            "truncated",
            truncated,
            |e| matches!(e, ImportError::Damaged { .. }),
            "damaged or truncated",
        ),
        (
            "random",
            random,
            |e| matches!(e, ImportError::NotAnExport { .. }),
            "not a Spaces workspace export",
        ),
        (
            "empty",
            empty,
            |e| matches!(e, ImportError::Empty { .. }),
            "is empty",
        ),
        (
            "tiny",
            tiny,
            |e| matches!(e, ImportError::Damaged { .. }),
            "damaged or truncated",
        ),
        (
            "foreign",
            foreign,
            |e| matches!(e, ImportError::NotAnExport { .. }),
            "without a spaces_export table",
        ),
        (
            "newer",
            newer,
            |e| matches!(e, ImportError::Newer { .. }),
            "update Spaces",
        ),
        (
            "other format",
            other_format,
            |e| matches!(e, ImportError::NotAnExport { .. }),
            "\"photos\"",
        ),
        (
            "overlap",
            overlap,
            |e| matches!(e, ImportError::Invalid { .. }),
            "overlaps",
        ),
        (
            "wrong length",
            wrong_length,
            |e| matches!(e, ImportError::Invalid { .. }),
            "expands to",
        ),
        (
            "garbled blob",
            garbled_blob,
            |e| matches!(e, ImportError::Invalid { .. }),
            "does not decompress",
        ),
        (
            "huge length",
            huge_length,
            |e| matches!(e, ImportError::Invalid { .. }),
            "expands to",
        ),
        (
            "orphan",
            orphan,
            |e| matches!(e, ImportError::Invalid { .. }),
            "pane 999",
        ),
        (
            "agent",
            bad_agent,
            |e| matches!(e, ImportError::Invalid { .. }),
            "copilot",
        ),
        (
            "flag",
            bad_flag,
            |e| matches!(e, ImportError::Invalid { .. }),
            "0 or 1",
        ),
        (
            "name",
            bad_name,
            |e| matches!(e, ImportError::Refused { .. }),
            "not a workspace name",
        ),
        (
            "two",
            two_workspaces,
            |e| matches!(e, ImportError::Invalid { .. }),
            "2 workspace rows",
        ),
        (
            "table",
            missing_table,
            |e| matches!(e, ImportError::Invalid { .. }),
            "session_messages",
        ),
        (
            "size",
            bad_size,
            |e| matches!(e, ImportError::Invalid { .. }),
            "panes",
        ),
        (
            "missing",
            directory.join("nowhere.spaces"),
            |e| matches!(e, ImportError::Unreadable { .. }),
            "No such file",
        ),
        (
            "directory",
            directory.to_path_buf(),
            |e| matches!(e, ImportError::Unreadable { .. }),
            "is a directory",
        ),
    ];
    let before = dump(&source.path());
    for (label, path, expected, words) in cases {
        let error = source
            .database
            .import_workspace(&path, &TestRules)
            .expect_err(label);
        let message = error.to_string();
        assert!(expected(&error), "{label}: {error:?}");
        assert!(message.contains(words), "{label}: {message}");
        assert!(!message.contains('\n'), "{label}: one line: {message}");
        assert_eq!(
            dump(&source.path()),
            before,
            "{label}: the database changed"
        );
    }
    // The file those were made from still imports.
    source
        .database
        .import_workspace(&file, &TestRules)
        .expect("the good file");
}

#[test]
fn an_export_that_cannot_be_written_says_why_and_leaves_nothing() {
    let source = Source::new();
    let outside = tempfile::tempdir().expect("tempdir");
    let directory = outside.path();
    let export = |path: &Path, if_exists| {
        source
            .database
            .export_workspace(source.api.id, path, if_exists)
    };

    let error =
        export(&directory.join("missing/api.spaces"), IfExists::Refuse).expect_err("missing");
    assert!(error.to_string().contains("does not exist"), "{error}");
    let error = export(directory, IfExists::Replace).expect_err("a directory");
    assert!(error.to_string().contains("is a directory"), "{error}");
    let error = source
        .database
        .export_workspace(WorkspaceId(77), &directory.join("x"), IfExists::Refuse)
        .expect_err("no workspace");
    assert!(
        matches!(error, ExportError::NoSuchWorkspace(WorkspaceId(77))),
        "{error}"
    );

    let existing = directory.join("existing.spaces");
    std::fs::write(&existing, b"keep me").expect("write");
    let error = export(&existing, IfExists::Refuse).expect_err("exists");
    assert!(matches!(error, ExportError::Exists { .. }), "{error}");
    assert_eq!(std::fs::read(&existing).expect("read"), b"keep me");
    let summary = export(&existing, IfExists::Replace).expect("replace");
    assert_eq!(
        summary.file_bytes,
        std::fs::metadata(&existing).expect("size").len()
    );

    let read_only = read_only_directory(directory);
    let error = export(&read_only.join("api.spaces"), IfExists::Refuse).expect_err("read-only");
    assert!(matches!(error, ExportError::Destination { .. }), "{error}");

    let mut left: Vec<String> = std::fs::read_dir(directory)
        .expect("list")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["existing.spaces", "locked"],
        "no partial files are left"
    );
    assert!(
        std::fs::metadata(&existing)
            .expect("meta")
            .permissions()
            .mode()
            & 0o077
            == 0,
        "an export holds terminal output: private"
    );
}

/// A directory this process cannot create files in: a 0500 one, or, for a user the mode does
/// not stop (root), `/proc/self` (no new files there for anyone).
fn read_only_directory(parent: &Path) -> PathBuf {
    let locked = parent.join("locked");
    std::fs::create_dir(&locked).expect("mkdir");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o500)).expect("chmod");
    let probe = locked.join("probe");
    if std::fs::write(&probe, b"").is_ok() {
        std::fs::remove_file(&probe).expect("remove probe");
        return PathBuf::from("/proc/self");
    }
    locked
}

#[test]
fn an_export_sees_one_moment_while_another_connection_writes() {
    let source = Source::new();
    let writer = Connection::open(source.path()).expect("writer");
    writer
        .busy_timeout(std::time::Duration::from_secs(5))
        .expect("timeout");
    writer
        .execute_batch(
            "BEGIN IMMEDIATE;
             UPDATE workspaces SET notes = 'uncommitted' WHERE name = 'api';
             DELETE FROM output_chunks;",
        )
        .expect("write half-way");
    let outside = tempfile::tempdir().expect("tempdir");
    let file = source.export(outside.path());
    writer.execute_batch("COMMIT").expect("commit");

    let target = Database::open_in_memory().expect("target");
    let imported = target.import_workspace(&file, &TestRules).expect("import");
    assert_eq!(imported.workspace.notes, source.api.notes);
    assert_eq!(imported.output_bytes, 4096 + 300_000 + 13 + 8 + 1000 + 13);
}
