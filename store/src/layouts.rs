//! Layouts: the tile tree of each workspace (egui_tiles as JSON, holding pane ids only).

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::database::Database;
use crate::error::Result;
use crate::ids::{PaneId, WorkspaceId};

/// One row of `layouts`: how the panes of a workspace are arranged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayoutRecord {
    pub workspace_id: WorkspaceId,
    /// The serialized tile tree. Opaque to the store: the app owns its format.
    pub tree_json: String,
    pub focused_pane: Option<PaneId>,
    pub updated_at_ms: i64,
}

impl Database {
    /// Stores the layout of a workspace, replacing the previous one.
    pub fn save_layout(&self, layout: &LayoutRecord) -> Result<()> {
        let mut statement = self.connection().prepare_cached(
            "INSERT INTO layouts (workspace_id, tree_json, focused_pane, updated_at_ms)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (workspace_id) DO UPDATE SET
                 tree_json = excluded.tree_json, focused_pane = excluded.focused_pane,
                 updated_at_ms = excluded.updated_at_ms",
        )?;
        statement.execute(params![
            layout.workspace_id,
            layout.tree_json,
            layout.focused_pane,
            layout.updated_at_ms
        ])?;
        Ok(())
    }

    /// The saved layout of a workspace, if one was ever saved.
    pub fn load_layout(&self, workspace: WorkspaceId) -> Result<Option<LayoutRecord>> {
        let layout = self
            .connection()
            .query_row(
                "SELECT workspace_id, tree_json, focused_pane, updated_at_ms
                 FROM layouts WHERE workspace_id = ?1",
                [workspace],
                |row| {
                    Ok(LayoutRecord {
                        workspace_id: row.get(0)?,
                        tree_json: row.get(1)?,
                        focused_pane: row.get(2)?,
                        updated_at_ms: row.get(3)?,
                    })
                },
            )
            .optional()?;
        Ok(layout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layout_round_trips_and_is_replaced() {
        let database = Database::open_in_memory().expect("open");
        let workspace = database.create_workspace("w", "blue").expect("workspace");
        assert_eq!(database.load_layout(workspace.id).expect("load"), None);

        let first = LayoutRecord {
            workspace_id: workspace.id,
            tree_json: r#"{"root":1}"#.to_owned(),
            focused_pane: Some(PaneId(4)),
            updated_at_ms: 10,
        };
        database.save_layout(&first).expect("save");
        assert_eq!(
            database.load_layout(workspace.id).expect("load"),
            Some(first)
        );

        let second = LayoutRecord {
            workspace_id: workspace.id,
            tree_json: r#"{"root":2}"#.to_owned(),
            focused_pane: None,
            updated_at_ms: 20,
        };
        database.save_layout(&second).expect("replace");
        assert_eq!(
            database.load_layout(workspace.id).expect("load"),
            Some(second)
        );
    }

    #[test]
    fn a_layout_needs_its_workspace() {
        let database = Database::open_in_memory().expect("open");
        let orphan = LayoutRecord {
            workspace_id: WorkspaceId(77),
            tree_json: "{}".to_owned(),
            focused_pane: None,
            updated_at_ms: 0,
        };
        assert!(
            database.save_layout(&orphan).is_err(),
            "foreign keys are on"
        );
    }
}
