//! Panes: what runs in each terminal of a workspace, so it can be started again after a restart.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use crate::clock::unix_millis;
use crate::database::Database;
use crate::error::{Result, StoreError};
use crate::ids::{PaneId, WorkspaceId};

/// One row of `panes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaneRecord {
    pub id: PaneId,
    pub workspace_id: WorkspaceId,
    /// The working directory, as last known. Stored as text: a non-UTF-8 directory cannot be
    /// represented and the caller should store its lossy form.
    pub cwd: String,
    /// The argv the pane runs; empty means the user's login shell.
    pub command: Vec<String>,
    /// Environment overrides on top of the app's environment.
    pub env: BTreeMap<String, String>,
    pub title: String,
    pub cols: u16,
    pub rows: u16,
    /// True while the pane runs a plain shell (restore starts a fresh one).
    pub is_shell: bool,
    /// Which agent runs in the pane (`claude`, `codex`, `gemini`), if one is linked.
    pub agent_kind: Option<String>,
    /// The agent's session id, to resume it.
    pub agent_session: Option<String>,
    /// When the user closed the pane; its history is kept.
    pub closed_at_ms: Option<i64>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

impl PaneRecord {
    /// A new open shell pane in `workspace`, stamped now.
    pub fn new_shell(
        id: PaneId,
        workspace_id: WorkspaceId,
        cwd: &str,
        cols: u16,
        rows: u16,
    ) -> Self {
        let now = unix_millis();
        Self {
            id,
            workspace_id,
            cwd: cwd.to_owned(),
            command: Vec::new(),
            env: BTreeMap::new(),
            title: String::new(),
            cols,
            rows,
            is_shell: true,
            agent_kind: None,
            agent_session: None,
            closed_at_ms: None,
            created_at_ms: now,
            updated_at_ms: now,
        }
    }

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            workspace_id: row.get("workspace_id")?,
            cwd: row.get("cwd")?,
            command: json_column(row, "command_json")?,
            env: json_column(row, "env_json")?,
            title: row.get("title")?,
            cols: row.get("cols")?,
            rows: row.get("rows")?,
            is_shell: row.get("is_shell")?,
            agent_kind: row.get("agent_kind")?,
            agent_session: row.get("agent_session")?,
            closed_at_ms: row.get("closed_at_ms")?,
            created_at_ms: row.get("created_at_ms")?,
            updated_at_ms: row.get("updated_at_ms")?,
        })
    }
}

/// Decodes a JSON text column, reporting a bad value as a conversion error of that column.
fn json_column<T: serde::de::DeserializeOwned>(row: &Row<'_>, name: &str) -> rusqlite::Result<T> {
    let text: String = row.get(name)?;
    serde_json::from_str(&text).map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(error))
    })
}

const COLUMNS: &str = "id, workspace_id, cwd, command_json, env_json, title, cols, rows, is_shell,
    agent_kind, agent_session, closed_at_ms, created_at_ms, updated_at_ms";

impl Database {
    /// Inserts `pane`, or updates every field of the pane with its id except the creation time.
    /// Stores a pane's record. Values longer than the store keeps (see [`crate::limits`]) are
    /// cut (title) or left out (a cwd or command line no one could use again).
    pub fn upsert_pane(&self, pane: &PaneRecord) -> Result<()> {
        use crate::limits::{MAX_COMMAND_JSON_BYTES, MAX_CWD_BYTES, MAX_TITLE_BYTES, cap};
        let mut command = serde_json::to_string(&pane.command)?;
        let mut is_shell = pane.is_shell;
        if command.len() > MAX_COMMAND_JSON_BYTES {
            command = "[]".to_owned();
            is_shell = true;
        }
        let cwd = if pane.cwd.len() > MAX_CWD_BYTES {
            ""
        } else {
            pane.cwd.as_str()
        };
        let title = cap(&pane.title, MAX_TITLE_BYTES);
        let env = serde_json::to_string(&pane.env)?;
        let mut statement = self.connection().prepare_cached(
            "INSERT INTO panes (id, workspace_id, cwd, command_json, env_json, title, cols, rows,
                                is_shell, agent_kind, agent_session, closed_at_ms, created_at_ms,
                                updated_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             ON CONFLICT (id) DO UPDATE SET
                 workspace_id = excluded.workspace_id, cwd = excluded.cwd,
                 command_json = excluded.command_json, env_json = excluded.env_json,
                 title = excluded.title, cols = excluded.cols, rows = excluded.rows,
                 is_shell = excluded.is_shell, agent_kind = excluded.agent_kind,
                 agent_session = excluded.agent_session, closed_at_ms = excluded.closed_at_ms,
                 updated_at_ms = excluded.updated_at_ms",
        )?;
        statement.execute(params![
            pane.id,
            pane.workspace_id,
            cwd,
            command,
            env,
            title,
            pane.cols,
            pane.rows,
            is_shell,
            pane.agent_kind,
            pane.agent_session,
            pane.closed_at_ms,
            pane.created_at_ms,
            pane.updated_at_ms,
        ])?;
        Ok(())
    }

    /// The pane with `id`, open or closed.
    pub fn pane(&self, id: PaneId) -> Result<Option<PaneRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM panes WHERE id = ?1");
        let pane = self
            .connection()
            .query_row(&sql, [id], PaneRecord::from_row)
            .optional()?;
        Ok(pane)
    }

    /// The open (not closed) panes of a workspace, oldest first.
    pub fn list_panes(&self, workspace: WorkspaceId) -> Result<Vec<PaneRecord>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM panes
             WHERE workspace_id = ?1 AND closed_at_ms IS NULL ORDER BY id"
        );
        let mut statement = self.connection().prepare_cached(&sql)?;
        let rows = statement.query_map([workspace], PaneRecord::from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Marks a pane closed at `closed_at_ms`, keeping its record and history.
    pub fn close_pane(&self, id: PaneId, closed_at_ms: i64) -> Result<()> {
        let changed = self.connection().execute(
            "UPDATE panes SET closed_at_ms = ?2, updated_at_ms = ?2 WHERE id = ?1",
            params![id, closed_at_ms],
        )?;
        if changed == 0 {
            return Err(StoreError::Sqlite(rusqlite::Error::QueryReturnedNoRows));
        }
        Ok(())
    }

    /// An id no pane has used yet in this database. The app allocates pane ids itself (so a pane
    /// has one before its first byte is recorded) starting from this.
    pub fn next_pane_id(&self) -> Result<PaneId> {
        let id = self.connection().query_row(
            "SELECT COALESCE(MAX(id) + 1, 1) FROM panes",
            [],
            |row| row.get(0),
        )?;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent_pane(database: &Database, workspace: WorkspaceId) -> PaneRecord {
        let mut pane = PaneRecord::new_shell(
            database.next_pane_id().expect("id"),
            workspace,
            "/home/me/project",
            120,
            35,
        );
        pane.command = vec!["claude".to_owned(), "--model".to_owned(), "opus".to_owned()];
        pane.env.insert("FOO".to_owned(), "bar baz".to_owned());
        pane.title = "claude: fixing tests".to_owned();
        pane.is_shell = false;
        pane.agent_kind = Some("claude".to_owned());
        pane.agent_session = Some("0b5e-session".to_owned());
        pane
    }

    #[test]
    fn values_a_program_controls_are_capped_when_stored() {
        use crate::limits::{MAX_COMMAND_JSON_BYTES, MAX_TITLE_BYTES};
        let database = Database::open_in_memory().expect("open");
        let workspace = database.create_workspace("w", "blue").expect("workspace");
        let mut pane = agent_pane(&database, workspace.id);
        pane.title = "é".repeat(10 * 1024 * 1024);
        pane.cwd = format!("/{}", "d".repeat(10_000));
        pane.command = vec!["x".repeat(MAX_COMMAND_JSON_BYTES)];
        database.upsert_pane(&pane).expect("insert");
        let stored = database.pane(pane.id).expect("get").expect("stored");
        assert!(
            stored.title.len() <= MAX_TITLE_BYTES,
            "{}",
            stored.title.len()
        );
        assert!(stored.title.ends_with('…') && stored.title.starts_with("éé"));
        assert_eq!(
            stored.cwd, "",
            "an impossible directory is stored as unknown"
        );
        assert!(
            stored.command.is_empty() && stored.is_shell,
            "not offered again"
        );
        let size: i64 = database
            .connection()
            .query_row(
                "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
                [],
                |row| row.get(0),
            )
            .expect("size");
        assert!(size < 1024 * 1024, "the database stays small: {size} bytes");
    }

    #[test]
    fn a_pane_round_trips_with_command_env_and_agent() {
        let database = Database::open_in_memory().expect("open");
        let workspace = database.create_workspace("w", "blue").expect("workspace");
        let pane = agent_pane(&database, workspace.id);
        database.upsert_pane(&pane).expect("insert");
        assert_eq!(database.pane(pane.id).expect("get"), Some(pane.clone()));

        let resized = PaneRecord {
            cols: 80,
            rows: 24,
            cwd: "/tmp".to_owned(),
            ..pane.clone()
        };
        database.upsert_pane(&resized).expect("update");
        assert_eq!(
            database.list_panes(workspace.id).expect("list"),
            vec![resized]
        );
        assert_eq!(
            database.next_pane_id().expect("next"),
            PaneId(pane.id.0 + 1)
        );
    }

    #[test]
    fn closed_panes_leave_the_list_but_are_kept() {
        let database = Database::open_in_memory().expect("open");
        let workspace = database.create_workspace("w", "blue").expect("workspace");
        let first = PaneRecord::new_shell(PaneId(1), workspace.id, "/", 80, 24);
        let second = PaneRecord::new_shell(PaneId(2), workspace.id, "/", 80, 24);
        database.upsert_pane(&first).expect("first");
        database.upsert_pane(&second).expect("second");
        database.close_pane(first.id, 1234).expect("close");
        let open = database.list_panes(workspace.id).expect("list");
        assert_eq!(open, vec![second]);
        let closed = database.pane(first.id).expect("get").expect("kept");
        assert_eq!(closed.closed_at_ms, Some(1234));
        assert!(database.close_pane(PaneId(99), 1).is_err());
    }

    #[test]
    fn a_pane_needs_its_workspace() {
        let database = Database::open_in_memory().expect("open");
        let orphan = PaneRecord::new_shell(PaneId(1), WorkspaceId(5), "/", 80, 24);
        assert!(database.upsert_pane(&orphan).is_err());
    }
}
