//! Workspaces: named, coloured, ordered groups of panes, with notes; archived ones are kept.

use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use crate::clock::unix_millis;
use crate::database::Database;
use crate::error::Result;
use crate::ids::WorkspaceId;

pub mod setup;

/// One row of `workspaces`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceRecord {
    pub id: WorkspaceId,
    pub name: String,
    /// A colour as the UI writes it (for example `#4f9dff`); the store does not interpret it.
    pub color: String,
    /// Sort order in the sidebar, ascending.
    pub position: i64,
    pub archived: bool,
    pub notes: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

impl WorkspaceRecord {
    /// A new, unarchived workspace without notes, stamped now.
    pub fn new(id: WorkspaceId, name: &str, color: &str, position: i64) -> Self {
        let now = unix_millis();
        Self {
            id,
            name: name.to_owned(),
            color: color.to_owned(),
            position,
            archived: false,
            notes: String::new(),
            created_at_ms: now,
            updated_at_ms: now,
        }
    }

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            name: row.get("name")?,
            color: row.get("color")?,
            position: row.get("position")?,
            archived: row.get("archived")?,
            notes: row.get("notes")?,
            created_at_ms: row.get("created_at_ms")?,
            updated_at_ms: row.get("updated_at_ms")?,
        })
    }
}

const COLUMNS: &str = "id, name, color, position, archived, notes, created_at_ms, updated_at_ms";

impl Database {
    /// Creates a workspace at the end of the sidebar order and returns it with its new id.
    pub fn create_workspace(&self, name: &str, color: &str) -> Result<WorkspaceRecord> {
        let id = self.next_workspace_id()?;
        let position: i64 = self.connection().query_row(
            "SELECT COALESCE(MAX(position) + 1, 0) FROM workspaces",
            [],
            |row| row.get(0),
        )?;
        let record = WorkspaceRecord::new(id, name, color, position);
        self.upsert_workspace(&record)?;
        Ok(record)
    }

    /// Inserts `record`, or updates every field of the workspace with its id except the
    /// creation time.
    pub fn upsert_workspace(&self, record: &WorkspaceRecord) -> Result<()> {
        let mut statement = self.connection().prepare_cached(
            "INSERT INTO workspaces (id, name, color, position, archived, notes, created_at_ms,
                                     updated_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (id) DO UPDATE SET
                 name = excluded.name, color = excluded.color, position = excluded.position,
                 archived = excluded.archived, notes = excluded.notes,
                 updated_at_ms = excluded.updated_at_ms",
        )?;
        statement.execute(params![
            record.id,
            record.name,
            record.color,
            record.position,
            record.archived,
            record.notes,
            record.created_at_ms,
            record.updated_at_ms,
        ])?;
        Ok(())
    }

    /// The workspace with `id`, if any.
    pub fn workspace(&self, id: WorkspaceId) -> Result<Option<WorkspaceRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM workspaces WHERE id = ?1");
        let record = self
            .connection()
            .query_row(&sql, [id], WorkspaceRecord::from_row)
            .optional()?;
        Ok(record)
    }

    /// The workspace called `name`, archived or not: the one with exactly that name, else the
    /// only one whose name differs from it in letter case alone.
    pub fn workspace_by_name(&self, name: &str) -> Result<Option<WorkspaceRecord>> {
        let all = self.list_workspaces(true)?;
        if let Some(exact) = all.iter().find(|workspace| workspace.name == name) {
            return Ok(Some(exact.clone()));
        }
        let mut folded = all
            .into_iter()
            .filter(|workspace| workspace.name.eq_ignore_ascii_case(name));
        Ok(match (folded.next(), folded.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        })
    }

    /// Workspaces in sidebar order; archived ones only when asked for.
    pub fn list_workspaces(&self, include_archived: bool) -> Result<Vec<WorkspaceRecord>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM workspaces WHERE archived = 0 OR ?1 ORDER BY position, id"
        );
        let mut statement = self.connection().prepare_cached(&sql)?;
        let rows = statement.query_map([include_archived], WorkspaceRecord::from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Deletes a workspace with its layout, panes and their whole history. Returns whether it
    /// existed. Archiving is the usual way to hide one; this is for real removal.
    pub fn delete_workspace(&self, id: WorkspaceId) -> Result<bool> {
        let deleted = self
            .connection()
            .execute("DELETE FROM workspaces WHERE id = ?1", [id])?;
        Ok(deleted > 0)
    }

    /// An id no workspace has used yet in this database.
    pub fn next_workspace_id(&self) -> Result<WorkspaceId> {
        let id = self.connection().query_row(
            "SELECT COALESCE(MAX(id) + 1, 1) FROM workspaces",
            [],
            |row| row.get(0),
        )?;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_list_update_archive_delete() {
        let database = Database::open_in_memory().expect("open");
        let default = database
            .create_workspace("default", "#888888")
            .expect("create");
        let mut api = database.create_workspace("api", "#ff0000").expect("create");
        assert_eq!((default.position, api.position), (0, 1));
        assert_ne!(default.id, api.id);

        api.notes = "remember the migration".to_owned();
        api.archived = true;
        api.updated_at_ms += 5;
        database.upsert_workspace(&api).expect("update");
        assert_eq!(database.workspace(api.id).expect("get"), Some(api.clone()));

        let visible = database.list_workspaces(false).expect("list");
        assert_eq!(visible, vec![default.clone()]);
        let all = database.list_workspaces(true).expect("list all");
        assert_eq!(all, vec![default.clone(), api.clone()]);

        assert!(database.delete_workspace(api.id).expect("delete"));
        assert!(!database.delete_workspace(api.id).expect("delete again"));
        assert_eq!(database.workspace(api.id).expect("get"), None);
    }

    #[test]
    fn workspaces_are_found_by_name_archived_or_not() {
        let database = Database::open_in_memory().expect("open");
        let api = database.create_workspace("api", "#ff0000").expect("create");
        let mut old = database.create_workspace("Old", "#00ff00").expect("create");
        old.archived = true;
        database.upsert_workspace(&old).expect("archive");
        let found = |name| database.workspace_by_name(name).expect("query");
        assert_eq!(found("api"), Some(api.clone()));
        assert_eq!(found("API"), Some(api));
        assert_eq!(found("old"), Some(old));
        assert_eq!(found("web"), None);
    }

    #[test]
    fn upsert_keeps_the_creation_time() {
        let database = Database::open_in_memory().expect("open");
        let record = WorkspaceRecord::new(WorkspaceId(9), "w", "red", 3);
        database.upsert_workspace(&record).expect("insert");
        let changed = WorkspaceRecord {
            name: "renamed".to_owned(),
            created_at_ms: 1,
            ..record.clone()
        };
        database.upsert_workspace(&changed).expect("update");
        let stored = database.workspace(record.id).expect("get").expect("exists");
        assert_eq!(stored.name, "renamed");
        assert_eq!(stored.created_at_ms, record.created_at_ms);
        assert_eq!(database.next_workspace_id().expect("next"), WorkspaceId(10));
    }
}
