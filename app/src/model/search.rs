//! Search over everything Spaces keeps: every pane's terminal history (live, closed,
//! archived), the workspaces' notes and the agents' sessions, with or without the window.
//!
//! Terminal hits carry the line number `spaces history` and the history view use: 1-based,
//! so line N is `spaces history --pane P | sed -n Np`, and [`history_index`] turns it into
//! the index of [`crate::model::history::read_lines`]'s output.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::Serialize;
use spaces_store::{Database, PaneId, SessionFilter, WorkspaceId};

use crate::model::search_index;

/// How long a search waits for the window's indexer before indexing a pane itself.
const FOLLOWED_WAIT: Duration = Duration::from_secs(10);
const FOLLOWED_POLL: Duration = Duration::from_millis(50);

/// Where a hit is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HitKind {
    Terminal,
    Notes,
    Session,
}

/// One hit, as `--json` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Hit {
    pub kind: HitKind,
    /// The workspace's name (terminal and notes hits).
    pub workspace: Option<String>,
    pub pane: Option<u64>,
    /// 1-based: the line of the pane's history, of the notes; 0 for a session.
    pub line: u64,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
}

/// The index in [`crate::model::history::read_lines`]'s lines of a terminal hit's `line`:
/// what the history view scrolls to.
pub fn history_index(line: u64) -> usize {
    usize::try_from(line.saturating_sub(1)).unwrap_or(usize::MAX)
}

/// Brings the index up to the output there is now, then searches. `window_indexes`: a
/// running window's indexer was asked to index now (it keeps each pane's replay, so it is
/// quicker): the search waits for it, and indexes itself only what it has not done in
/// [`FOLLOWED_WAIT`]. Without a window the search indexes every pane that is behind.
pub fn search(
    data_dir: &Path,
    query: &str,
    limit: usize,
    window_indexes: bool,
) -> anyhow::Result<Vec<Hit>> {
    let path = spaces_store::database_path(data_dir);
    anyhow::ensure!(
        path.exists(),
        "nothing recorded yet: {} does not exist",
        path.display()
    );
    let database = match Database::open(&path) {
        Ok(database) => {
            if window_indexes {
                let behind: Vec<(PaneId, u64)> = database
                    .panes_to_index()?
                    .iter()
                    .map(|pane| (pane.pane, pane.end_offset))
                    .collect();
                wait_for_followed(&database, &behind)?;
            } else {
                search_index::catch_up(&database, |_| false).context("indexing new history")?;
            }
            database
        }
        Err(error) => {
            eprintln!("spaces: the index cannot be updated ({error}); searching what it holds");
            Database::open_readonly(&path).with_context(|| format!("opening {}", path.display()))?
        }
    };
    let names = workspace_names(&database)?;
    let mut hits = terminal_hits(&database, &names, query, limit)?;
    hits.extend(notes_hits(&database, query, limit)?);
    hits.extend(session_hits(&database, query, limit)?);
    Ok(hits)
}

/// Waits until the window's indexer has indexed, in each pane it follows, the output there
/// was when the search began; past [`FOLLOWED_WAIT`] (the window went away, or is slow) the
/// search indexes them itself. Either way every line printed before the search is found.
fn wait_for_followed(database: &Database, panes: &[(PaneId, u64)]) -> anyhow::Result<()> {
    let deadline = Instant::now() + FOLLOWED_WAIT;
    loop {
        let mut behind = Vec::new();
        for (pane, end) in panes {
            let indexed = database
                .search_progress(*pane)?
                .map_or(0, |progress| progress.indexed_offset);
            if indexed < *end {
                behind.push(*pane);
            }
        }
        if behind.is_empty() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            search_index::catch_up(database, |pane| !behind.contains(&pane.pane))
                .context("indexing new history")?;
            return Ok(());
        }
        std::thread::sleep(FOLLOWED_POLL);
    }
}

fn workspace_names(database: &Database) -> anyhow::Result<HashMap<WorkspaceId, String>> {
    Ok(database
        .list_workspaces(true)?
        .into_iter()
        .map(|workspace| (workspace.id, workspace.name))
        .collect())
}

/// Terminal lines, grouped by workspace and pane, in line order.
fn terminal_hits(
    database: &Database,
    names: &HashMap<WorkspaceId, String>,
    query: &str,
    limit: usize,
) -> anyhow::Result<Vec<Hit>> {
    let mut hits = Vec::new();
    let mut workspaces = HashMap::new();
    for found in database.search_history(query, limit)? {
        let workspace = match workspaces.get(&found.pane) {
            Some(workspace) => *workspace,
            None => {
                let workspace = database.pane(found.pane)?.map(|pane| pane.workspace_id);
                workspaces.insert(found.pane, workspace);
                workspace
            }
        };
        hits.push((workspace, found));
    }
    hits.sort_by_key(|(workspace, found)| (*workspace, found.pane, found.line));
    Ok(hits
        .into_iter()
        .map(|(workspace, found)| Hit {
            kind: HitKind::Terminal,
            workspace: workspace.and_then(|id| names.get(&id).cloned()),
            pane: u64::try_from(found.pane.0).ok(),
            line: found.line + 1,
            text: found.text,
            session: None,
            agent: None,
        })
        .collect())
}

/// Lines of the workspaces' notes (archived ones too) holding every word.
fn notes_hits(database: &Database, query: &str, limit: usize) -> anyhow::Result<Vec<Hit>> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    let mut hits = Vec::new();
    for workspace in database.list_workspaces(true)? {
        for (index, line) in workspace.notes.lines().enumerate() {
            let lower = line.to_lowercase();
            if hits.len() < limit && words.iter().all(|word| lower.contains(word.as_str())) {
                hits.push(Hit {
                    kind: HitKind::Notes,
                    workspace: Some(workspace.name.clone()),
                    pane: None,
                    line: index as u64 + 1,
                    text: line.to_owned(),
                    session: None,
                    agent: None,
                });
            }
        }
    }
    Ok(hits)
}

/// The agents' sessions, through the sessions index's own search.
fn session_hits(database: &Database, query: &str, limit: usize) -> anyhow::Result<Vec<Hit>> {
    let found = database.search_sessions(query, &SessionFilter::default(), limit)?;
    Ok(found
        .into_iter()
        .map(|hit| Hit {
            kind: HitKind::Session,
            workspace: None,
            pane: None,
            line: 0,
            text: if hit.in_title {
                hit.session.title.clone()
            } else {
                hit.snippet.replace(['\u{1}', '\u{2}'], "")
            },
            session: Some(hit.session.id.clone()),
            agent: Some(hit.session.agent.as_str().to_owned()),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use spaces_store::{PaneRecord, WorkspaceRecord};

    use super::*;

    #[test]
    fn hits_come_as_documented_json_from_history_and_notes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = spaces_store::database_path(dir.path());
        {
            let database = Database::open(&path).expect("open");
            let mut workspace = WorkspaceRecord::new(WorkspaceId(4), "api", "blue", 0);
            workspace.notes = "todo\nfix the flaky deploy step\n".to_owned();
            workspace.archived = true;
            database.upsert_workspace(&workspace).expect("workspace");
            let pane = PaneRecord::new_shell(spaces_store::PaneId(9), workspace.id, "/", 80, 24);
            database.upsert_pane(&pane).expect("pane");
            database
                .append_output(
                    pane.id,
                    0,
                    b"\x1b[32m$\x1b[0m make\r\nerror: deploy failed\r\n$ ",
                )
                .expect("output");
        }
        let hits = search(dir.path(), "deploy", 10, false).expect("search");
        let json = serde_json::to_value(&hits).expect("json");
        assert_eq!(
            json,
            serde_json::json!([
                {"kind": "terminal", "workspace": "api", "pane": 9, "line": 2,
                 "text": "error: deploy failed"},
                {"kind": "notes", "workspace": "api", "pane": null, "line": 2,
                 "text": "fix the flaky deploy step"},
            ])
        );
        // The line is the history's.
        let mut lines = Vec::new();
        crate::model::history::read_lines(&path, spaces_term::PaneId(9), |batch| {
            lines.extend(batch);
        })
        .expect("history");
        assert_eq!(lines[history_index(2)], "error: deploy failed");
        assert!(
            search(dir.path(), "nowhere", 10, false)
                .expect("search")
                .is_empty()
        );
    }
}
