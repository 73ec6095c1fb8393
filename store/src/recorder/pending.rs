//! The writer's queue of writes waiting for a successful commit, bounded in memory.

use std::collections::VecDeque;

use crate::database::Database;
use crate::error::Result;
use crate::ids::{PaneId, WorkspaceId};
use crate::layouts::LayoutRecord;
use crate::panes::PaneRecord;
use crate::snapshots::SnapshotRecord;
use crate::workspaces::WorkspaceRecord;
use crate::workspaces::setup::{WorkspaceSetup, WorktreeRecord};

/// One write, ready to apply inside the tick's transaction.
#[derive(Debug)]
pub(super) enum Write {
    Output {
        pane: PaneId,
        start_offset: u64,
        raw_len: usize,
        created_at_ms: i64,
        compressed: Vec<u8>,
    },
    Input {
        pane: PaneId,
        output_offset: u64,
        created_at_ms: i64,
        bytes: Vec<u8>,
    },
    /// `header.data` is empty; the blob is in `compressed`.
    Snapshot {
        header: SnapshotRecord,
        raw_len: usize,
        compressed: Vec<u8>,
    },
    Pane(PaneRecord),
    Layout(LayoutRecord),
    Workspace(WorkspaceRecord),
    DeleteWorkspace(WorkspaceId),
    WorkspaceSetup(WorkspaceSetup),
    Worktree(WorktreeRecord),
    ForgetWorktree {
        workspace: WorkspaceId,
        path: String,
    },
    Setting {
        key: String,
        value: String,
    },
    TrimHistory {
        pane: PaneId,
        max_compressed_bytes: u64,
    },
}

impl Write {
    /// Applies the write on `database` (inside the caller's transaction).
    pub(super) fn apply(&self, database: &Database) -> Result<()> {
        match self {
            Self::Output {
                pane,
                start_offset,
                raw_len,
                created_at_ms,
                compressed,
            } => database.insert_compressed_output(
                *pane,
                *start_offset,
                *raw_len,
                *created_at_ms,
                compressed,
            ),
            Self::Input {
                pane,
                output_offset,
                created_at_ms,
                bytes,
            } => database
                .record_input(*pane, *output_offset, *created_at_ms, bytes)
                .map(drop),
            Self::Snapshot {
                header,
                raw_len,
                compressed,
            } => {
                database.insert_compressed_snapshot(header, *raw_len, compressed)?;
                // Only the newest snapshots are ever restored from; two in case one is bad.
                database.prune_snapshots(header.pane_id, 2).map(drop)
            }
            Self::Pane(pane) => database.upsert_pane(pane),
            Self::Layout(layout) => database.save_layout(layout),
            Self::Workspace(workspace) => database.upsert_workspace(workspace),
            Self::DeleteWorkspace(workspace) => database.delete_workspace(*workspace).map(drop),
            Self::WorkspaceSetup(setup) => database.save_workspace_setup(setup),
            Self::Worktree(worktree) => database.save_worktree(worktree),
            Self::ForgetWorktree { workspace, path } => {
                database.forget_worktree(*workspace, path).map(drop)
            }
            Self::Setting { key, value } => database.set_setting(key, value),
            Self::TrimHistory {
                pane,
                max_compressed_bytes,
            } => {
                // Input follows the output's retention and the same budget.
                database.trim_history(*pane, *max_compressed_bytes)?;
                database.trim_input(*pane, *max_compressed_bytes).map(drop)
            }
        }
    }

    /// Bytes this write holds in memory.
    pub(super) fn memory_bytes(&self) -> usize {
        match self {
            Self::Output { compressed, .. } | Self::Snapshot { compressed, .. } => compressed.len(),
            Self::Input { bytes, .. } => bytes.len(),
            Self::Layout(layout) => layout.tree_json.len(),
            Self::Workspace(workspace) => workspace.notes.len(),
            Self::Pane(_)
            | Self::DeleteWorkspace(_)
            | Self::WorkspaceSetup(_)
            | Self::Worktree(_)
            | Self::ForgetWorktree { .. }
            | Self::Setting { .. }
            | Self::TrimHistory { .. } => 0,
        }
    }

    /// Output bytes lost if this write is given up.
    pub(super) fn output_bytes(&self) -> u64 {
        match self {
            Self::Output { raw_len, .. } => u64::try_from(*raw_len).unwrap_or(u64::MAX),
            _ => 0,
        }
    }
}

/// Writes in the order they were received, with their total size tracked.
#[derive(Debug, Default)]
pub(super) struct PendingWrites {
    writes: VecDeque<Write>,
    memory_bytes: usize,
}

impl PendingWrites {
    pub(super) fn push(&mut self, write: Write) {
        self.memory_bytes += write.memory_bytes();
        self.writes.push_back(write);
    }

    pub(super) fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    pub(super) fn memory_bytes(&self) -> usize {
        self.memory_bytes
    }

    pub(super) fn get(&self, index: usize) -> Option<&Write> {
        self.writes.get(index)
    }

    pub(super) fn remove(&mut self, index: usize) -> Option<Write> {
        let write = self.writes.remove(index)?;
        self.memory_bytes -= write.memory_bytes();
        Some(write)
    }

    pub(super) fn clear(&mut self) {
        self.writes.clear();
        self.memory_bytes = 0;
    }

    /// Puts `writes` before everything pending, in their order.
    pub(super) fn push_front_all(&mut self, writes: Vec<Write>) {
        for write in writes.into_iter().rev() {
            self.memory_bytes += write.memory_bytes();
            self.writes.push_front(write);
        }
    }

    /// Drops the oldest output writes until at most `limit` bytes are held, and returns how
    /// many output bytes were dropped. Other writes are small and kept: they describe panes
    /// and layouts, which matter more than any single stretch of output.
    pub(super) fn shrink_to(&mut self, limit: usize) -> u64 {
        let mut dropped = 0;
        let mut index = 0;
        while self.memory_bytes > limit && index < self.writes.len() {
            if matches!(self.writes[index], Write::Output { .. }) {
                if let Some(write) = self.remove(index) {
                    dropped += write.output_bytes();
                }
            } else {
                index += 1;
            }
        }
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(start_offset: u64, size: usize) -> Write {
        Write::Output {
            pane: PaneId(1),
            start_offset,
            raw_len: size * 2,
            created_at_ms: 0,
            compressed: vec![0; size],
        }
    }

    #[test]
    fn shrinking_drops_the_oldest_output_first_and_keeps_metadata() {
        let mut pending = PendingWrites::default();
        pending.push(Write::Setting {
            key: "k".to_owned(),
            value: "v".to_owned(),
        });
        pending.push(output(0, 100));
        pending.push(output(200, 100));
        pending.push(output(400, 100));
        assert_eq!(pending.memory_bytes(), 300);

        let dropped = pending.shrink_to(150);
        assert_eq!(dropped, 400, "two chunks of 200 raw bytes");
        assert_eq!(pending.memory_bytes(), 100);
        assert!(matches!(pending.get(0), Some(Write::Setting { .. })));
        assert!(matches!(
            pending.get(1),
            Some(Write::Output {
                start_offset: 400,
                ..
            })
        ));
        pending.clear();
        assert!(pending.is_empty());
        assert_eq!(pending.memory_bytes(), 0);
    }
}
