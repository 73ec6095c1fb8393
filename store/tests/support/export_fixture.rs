//! The workspace the export tests export: a source database with panes, history, input,
//! snapshots, a layout, notes and agent sessions, plus the small import rules the store is
//! tested with. Each export test crate uses part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, types::Value};
use spaces_store::{
    Database, IfExists, ImportRules, LayoutRecord, PaneId, PaneRecord, SessionRoots,
    SnapshotRecord, WorkspaceId, WorkspaceRecord,
};

#[path = "tree.rs"]
mod tree;

pub const CLAUDE_MAIN: &str = "3f1c2a9e-6b7d-4e21-9a0c-5d8e7f6a1b2c";

/// Rules as simple as the app's: names trimmed and numbered when taken, colours kept when
/// they look like one, pane ids renumbered wherever the layout says `"pane": N`.
pub struct TestRules;

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

pub fn renumber(value: &mut serde_json::Value, new_id: &dyn Fn(PaneId) -> Option<PaneId>) {
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
pub fn noise(seed: u64, length: usize) -> Vec<u8> {
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
pub struct Source {
    pub directory: tempfile::TempDir,
    pub _home: tempfile::TempDir,
    pub database: Database,
    pub api: WorkspaceRecord,
    pub panes: Vec<PaneId>,
}

impl Source {
    pub fn new() -> Self {
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

    pub fn path(&self) -> PathBuf {
        self.directory.path().join("spaces.db")
    }

    /// Exports "api" into a fresh directory; returns the file.
    pub fn export(&self, directory: &Path) -> PathBuf {
        let file = directory.join("api.spaces");
        self.database
            .export_workspace(self.api.id, &file, IfExists::Refuse)
            .expect("export");
        file
    }
}

pub fn layout_json(left: PaneId, right_top: PaneId, right_bottom: PaneId) -> String {
    format!(
        r#"{{"version":1,"root":{{"kind":"split","dir":"horizontal","children":[{{"share":0.5,"node":{{"kind":"pane","pane":{left}}}}},{{"share":0.5,"node":{{"kind":"tabs","active":0,"children":[{{"kind":"pane","pane":{right_top}}},{{"kind":"pane","pane":{right_bottom}}}]}}}}]}}}}"#
    )
}

/// The rows `sql` (one `?1`) returns, as values.
pub fn rows(path: &Path, sql: &str, parameter: impl rusqlite::ToSql) -> Vec<Vec<Value>> {
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

pub fn pane_ids(path: &Path, workspace: WorkspaceId) -> Vec<PaneId> {
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
pub const USAGE: &str = "SELECT s.session_id, u.bucket, u.model, u.long_context, u.responses,
        u.input_tokens, u.output_tokens, u.cache_read_tokens, u.cache_write_tokens
    FROM usage_buckets u JOIN agent_sessions s ON s.id = u.session_id
    WHERE s.session_id = ?1 OR s.parent_session = ?1
    ORDER BY s.session_id, u.bucket, u.model";
