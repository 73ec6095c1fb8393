//! The data directory a long session leaves behind, for `spaces bench restore`: one workspace
//! of panes in a grid, each with a long coloured history recorded as output chunks, a snapshot
//! near its end and a few hundred KB of output after it that a restore must replay.

use std::path::Path;
use std::time::Instant;

use anyhow::Context as _;
use egui_tiles::Tree;
use serde::{Deserialize, Serialize};
use spaces_store::{
    Database, LayoutRecord, PaneRecord, SnapshotRecord, WorkspaceId, WorkspaceRecord,
};
use spaces_term::replay::{new_replay_term, replay_bytes};
use spaces_term::{PaneId, TermSize};

use super::workload;
use crate::model::persistence::store_id;
use crate::ui::layout::{self, Direction};

/// Output recorded after each pane's snapshot (replayed on restore).
const TAIL_BYTES: usize = 300 * 1024;
/// Size of one output chunk, as the recorder batches output.
const CHUNK_BYTES: usize = 256 * 1024;
/// Scrollback of the terminal the snapshot is taken from (the app's default).
const SCROLLBACK_LINES: usize = 10_000;
const WORKSPACE: WorkspaceId = WorkspaceId(1);

/// What a fixture holds; saved next to it so a matching one can be reused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spec {
    pub panes: usize,
    pub lines: u64,
}

/// What building (or finding) the fixture gave.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Fixture {
    pub spec: Spec,
    /// Uncompressed output of all panes.
    pub raw_bytes: u64,
    /// Output replayed after the snapshot, per pane.
    pub tail_bytes: u64,
    pub db_bytes: u64,
    /// Grid size of the panes (as the window lays them out).
    pub cols: u16,
    pub rows: u16,
    pub build_secs: f64,
}

const SPEC_FILE: &str = "fixture.json";

/// The fixture in `dir`: reused if one of the same spec is there, else built.
pub fn prepare(dir: &Path, spec: &Spec, quiet: bool) -> anyhow::Result<Fixture> {
    if let Ok(text) = std::fs::read_to_string(dir.join(SPEC_FILE))
        && let Ok(fixture) = serde_json::from_str::<Fixture>(&text)
        && fixture.spec == *spec
    {
        return Ok(fixture);
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    let fixture = build(dir, spec, quiet)?;
    std::fs::write(dir.join(SPEC_FILE), serde_json::to_string(&fixture)?)
        .context("saving the fixture's description")?;
    Ok(fixture)
}

fn build(dir: &Path, spec: &Spec, quiet: bool) -> anyhow::Result<Fixture> {
    let started = Instant::now();
    let tree = grid_tree(spec.panes);
    let probe = dir.with_extension("probe");
    let sizes = super::restore::probe_sizes(&probe, |database| {
        write_records(database, &tree, |_| TermSize::new(80, 24))
    })?;
    std::fs::remove_dir_all(&probe).with_context(|| format!("removing {}", probe.display()))?;
    let size_of = |pane: PaneId| {
        sizes
            .iter()
            .find(|(id, _)| *id == pane)
            .map_or(TermSize::new(80, 24), |(_, size)| *size)
    };
    spaces_store::ensure_private_dir(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = spaces_store::database_path(dir);
    let database = Database::open(&path).context("creating the fixture database")?;
    write_records(&database, &tree, size_of)?;
    let ids: Vec<PaneId> = (1..=spec.panes as u64).map(PaneId).collect();
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let mut raw_bytes = 0;
    let mut tail_bytes = 0;
    for batch in ids.chunks(threads) {
        for (pane, history) in histories(batch, spec.lines, size_of)? {
            raw_bytes += history.bytes.len() as u64;
            tail_bytes = (history.bytes.len() - history.snapshot_offset) as u64;
            store_history(&database, pane, &history)?;
            if !quiet {
                eprintln!(
                    "fixture: pane {pane} written ({:.1}s)",
                    started.elapsed().as_secs_f64()
                );
            }
        }
    }
    drop(database);
    let size = size_of(PaneId(1));
    Ok(Fixture {
        spec: spec.clone(),
        raw_bytes,
        tail_bytes,
        db_bytes: super::recording::database_bytes(&path),
        cols: size.cols,
        rows: size.rows,
        build_secs: started.elapsed().as_secs_f64(),
    })
}

/// Panes `1..=panes` in a grid of about square shape: columns split right, then each column
/// split down, in halves so the shares come out even.
fn grid_tree(panes: usize) -> Tree<PaneId> {
    let columns = (panes as f64).sqrt().ceil().max(1.0) as usize;
    let id = |index: usize| PaneId(index as u64 + 1);
    let mut tree = layout::single_pane_tree("spaces-default", id(0));
    let tops: Vec<PaneId> = (0..columns.min(panes)).map(id).collect();
    split_evenly(&mut tree, &tops, Direction::Right);
    for column in 0..tops.len() {
        let cells: Vec<PaneId> = (column..panes).step_by(columns).map(id).collect();
        split_evenly(&mut tree, &cells, Direction::Down);
    }
    tree
}

/// Splits `panes[0]` (already in the tree) so that all of `panes` share its space equally.
fn split_evenly(tree: &mut Tree<PaneId>, panes: &[PaneId], direction: Direction) {
    if panes.len() < 2 {
        return;
    }
    let middle = panes.len() / 2;
    layout::split(tree, panes[0], panes[middle], direction);
    split_evenly(tree, &panes[..middle], direction);
    split_evenly(tree, &panes[middle..], direction);
}

/// The workspace, one record per pane of `tree` and the layout, as the app saves them.
fn write_records(
    database: &Database,
    tree: &Tree<PaneId>,
    size_of: impl Fn(PaneId) -> TermSize,
) -> anyhow::Result<()> {
    database.upsert_workspace(&WorkspaceRecord::new(WORKSPACE, "default", "#5b9cf5", 0))?;
    let cwd = std::env::temp_dir().to_string_lossy().into_owned();
    for pane in layout::panes(tree) {
        let size = size_of(pane);
        let record = PaneRecord::new_shell(store_id(pane), WORKSPACE, &cwd, size.cols, size.rows);
        database.upsert_pane(&record)?;
    }
    database.save_layout(&LayoutRecord {
        workspace_id: WORKSPACE,
        tree_json: serde_json::to_string(tree).context("serializing the layout")?,
        focused_pane: Some(spaces_store::PaneId(1)),
        updated_at_ms: spaces_store::unix_millis(),
    })?;
    Ok(())
}

/// One pane's recorded output and the snapshot taken `snapshot_offset` bytes into it.
struct History {
    bytes: Vec<u8>,
    snapshot_offset: usize,
    snapshot: Vec<u8>,
}

/// Generates the histories of `panes` on one thread each.
fn histories(
    panes: &[PaneId],
    lines: u64,
    size_of: impl Fn(PaneId) -> TermSize + Sync,
) -> anyhow::Result<Vec<(PaneId, History)>> {
    let size_of = &size_of;
    std::thread::scope(|scope| {
        let handles: Vec<_> = panes
            .iter()
            .map(|&pane| scope.spawn(move || (pane, history(pane, lines, size_of(pane)))))
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .map_err(|_| anyhow::anyhow!("a fixture thread panicked"))
            })
            .collect()
    })
}

/// `lines` numbered lines, and a snapshot of a terminal fed all but the last ~`TAIL_BYTES`
/// (cut at a line end, where the parser is in its ground state).
fn history(pane: PaneId, lines: u64, size: TermSize) -> History {
    let bytes = workload::numbered_lines(pane.0, lines);
    let before_tail = bytes.len().saturating_sub(TAIL_BYTES);
    let snapshot_offset = bytes[..before_tail]
        .iter()
        .rposition(|&byte| byte == b'\n')
        .map_or(0, |newline| newline + 1);
    let mut term = new_replay_term(size, SCROLLBACK_LINES);
    replay_bytes(&mut term, &bytes[..snapshot_offset]);
    History {
        snapshot: spaces_term::snapshot::encode(&term),
        bytes,
        snapshot_offset,
    }
}

/// Stores the output in recorder-sized chunks and the snapshot.
fn store_history(database: &Database, pane: PaneId, history: &History) -> anyhow::Result<()> {
    let id = store_id(pane);
    for (index, chunk) in history.bytes.chunks(CHUNK_BYTES).enumerate() {
        database.append_output(id, (index * CHUNK_BYTES) as u64, chunk)?;
    }
    if history.snapshot_offset > 0 {
        database.save_snapshot(&SnapshotRecord {
            pane_id: id,
            output_offset: history.snapshot_offset as u64,
            created_at_ms: spaces_store::unix_millis(),
            format_version: u32::from(spaces_term::snapshot::FORMAT_VERSION),
            data: history.snapshot.clone(),
        })?;
    }
    Ok(())
}
