//! What a workspace sets up for its panes (root directory, environment) and the git
//! worktrees made for it.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::database::Database;
use crate::error::Result;
use crate::ids::WorkspaceId;

/// One row of `workspace_setup`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceSetup {
    pub workspace_id: WorkspaceId,
    /// The directory new panes start in.
    pub root: Option<String>,
    /// Variables every new pane gets.
    pub env: BTreeMap<String, String>,
    pub updated_at_ms: i64,
}

/// One row of `workspace_worktrees`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorktreeRecord {
    pub workspace_id: WorkspaceId,
    pub path: String,
    pub branch: String,
    pub repository: String,
    pub created_at_ms: i64,
}

impl WorkspaceSetup {
    /// No root and no variables.
    pub fn empty(workspace_id: WorkspaceId) -> Self {
        Self {
            workspace_id,
            root: None,
            env: BTreeMap::new(),
            updated_at_ms: 0,
        }
    }
}

impl Database {
    /// The setup of every workspace that has one.
    pub fn workspace_setups(&self) -> Result<Vec<WorkspaceSetup>> {
        let mut statement = self.connection().prepare_cached(
            "SELECT workspace_id, root, env_json, updated_at_ms FROM workspace_setup
             ORDER BY workspace_id",
        )?;
        let rows = statement.query_map([], |row| {
            let env: String = row.get(2)?;
            Ok(WorkspaceSetup {
                workspace_id: row.get(0)?,
                root: row.get(1)?,
                env: serde_json::from_str(&env).map_err(|error| {
                    rusqlite::Error::FromSqlConversionFailure(
                        2,
                        rusqlite::types::Type::Text,
                        Box::new(error),
                    )
                })?,
                updated_at_ms: row.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The setup of `workspace`, if it has one.
    pub fn workspace_setup(&self, workspace: WorkspaceId) -> Result<Option<WorkspaceSetup>> {
        Ok(self
            .workspace_setups()?
            .into_iter()
            .find(|setup| setup.workspace_id == workspace))
    }

    pub fn save_workspace_setup(&self, setup: &WorkspaceSetup) -> Result<()> {
        let env = serde_json::to_string(&setup.env)?;
        self.connection()
            .prepare_cached(
                "INSERT INTO workspace_setup (workspace_id, root, env_json, updated_at_ms)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (workspace_id) DO UPDATE SET
                     root = excluded.root, env_json = excluded.env_json,
                     updated_at_ms = excluded.updated_at_ms",
            )?
            .execute(params![
                setup.workspace_id,
                setup.root,
                env,
                setup.updated_at_ms
            ])?;
        Ok(())
    }

    /// Every worktree made for a workspace, oldest first.
    pub fn worktrees(&self) -> Result<Vec<WorktreeRecord>> {
        let mut statement = self.connection().prepare_cached(
            "SELECT workspace_id, path, branch, repository, created_at_ms
             FROM workspace_worktrees ORDER BY created_at_ms, path",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(WorktreeRecord {
                workspace_id: row.get(0)?,
                path: row.get(1)?,
                branch: row.get(2)?,
                repository: row.get(3)?,
                created_at_ms: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    pub fn save_worktree(&self, worktree: &WorktreeRecord) -> Result<()> {
        self.connection()
            .prepare_cached(
                "INSERT OR REPLACE INTO workspace_worktrees
                     (workspace_id, path, branch, repository, created_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                worktree.workspace_id,
                worktree.path,
                worktree.branch,
                worktree.repository,
                worktree.created_at_ms
            ])?;
        Ok(())
    }

    /// Forgets a worktree (after the user removed it); returns whether it was listed.
    pub fn forget_worktree(&self, workspace: WorkspaceId, path: &str) -> Result<bool> {
        let removed = self
            .connection()
            .prepare_cached(
                "DELETE FROM workspace_worktrees WHERE workspace_id = ?1 AND path = ?2",
            )?
            .execute(params![workspace, path])?;
        Ok(removed > 0)
    }

    /// Whether `workspace` has a worktree at `path`.
    pub fn has_worktree(&self, workspace: WorkspaceId, path: &str) -> Result<bool> {
        Ok(self
            .connection()
            .query_row(
                "SELECT 1 FROM workspace_worktrees WHERE workspace_id = ?1 AND path = ?2",
                params![workspace, path],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setups_and_worktrees_are_kept_and_go_with_their_workspace() {
        let database = Database::open_in_memory().expect("open");
        let api = database.create_workspace("api", "#ff0000").expect("api");
        let setup = WorkspaceSetup {
            workspace_id: api.id,
            root: Some("/src/api".to_owned()),
            env: BTreeMap::from([("RUST_LOG".to_owned(), "debug".to_owned())]),
            updated_at_ms: 5,
        };
        database.save_workspace_setup(&setup).expect("save");
        assert_eq!(
            database.workspace_setup(api.id).expect("read"),
            Some(setup.clone())
        );
        let changed = WorkspaceSetup {
            root: None,
            ..setup.clone()
        };
        database.save_workspace_setup(&changed).expect("update");
        assert_eq!(database.workspace_setups().expect("all"), vec![changed]);

        let worktree = WorktreeRecord {
            workspace_id: api.id,
            path: "/src/api-worktrees/fix-login".to_owned(),
            branch: "fix-login".to_owned(),
            repository: "/src/api".to_owned(),
            created_at_ms: 7,
        };
        database.save_worktree(&worktree).expect("worktree");
        assert!(database.has_worktree(api.id, &worktree.path).expect("has"));
        assert_eq!(database.worktrees().expect("list"), vec![worktree.clone()]);
        assert!(
            database
                .forget_worktree(api.id, &worktree.path)
                .expect("forget")
        );
        assert!(
            !database
                .forget_worktree(api.id, &worktree.path)
                .expect("again")
        );

        database.save_worktree(&worktree).expect("worktree again");
        database.delete_workspace(api.id).expect("delete");
        assert!(database.workspace_setups().expect("all").is_empty());
        assert!(database.worktrees().expect("list").is_empty());
    }
}
