//! Writing an export: the workspace's rows copied, in one read transaction of the database,
//! into a private temporary file beside the target that is checked, synced and renamed.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rusqlite::types::Value;
use rusqlite::{Connection, Transaction, TransactionBehavior, params};

use super::{EXPORT_FORMAT, EXPORT_VERSION, ExportError, ExportSummary, IfExists};
use crate::clock::unix_millis;
use crate::database::Database;
use crate::error::StoreError;
use crate::ids::WorkspaceId;

/// The tables of an export file.
pub(super) const SCHEMA: &str = include_str!("schema.sql");

/// The sessions linked to the workspace's panes (?1) and, below them, their sub-agents'.
const LINKED_SESSIONS: &str = "WITH RECURSIVE linked (agent, session_id) AS (
        SELECT agent_kind, agent_session FROM panes
        WHERE workspace_id = ?1 AND agent_kind IS NOT NULL AND agent_session IS NOT NULL
        UNION
        SELECT s.agent, s.session_id FROM agent_sessions s
        JOIN linked l ON s.agent = l.agent AND s.parent_session = l.session_id
    )";

/// Each table of the file and the query that fills it from the database (?1: the workspace).
const COPIES: [(&str, &str); 9] = [
    (
        "workspace",
        "SELECT id, name, color, position, archived, notes, created_at_ms, updated_at_ms
         FROM workspaces WHERE id = ?1",
    ),
    (
        "layout",
        "SELECT tree_json, focused_pane, updated_at_ms FROM layouts WHERE workspace_id = ?1",
    ),
    (
        "panes",
        "SELECT id, cwd, command_json, env_json, title, cols, rows, is_shell, agent_kind,
                agent_session, closed_at_ms, created_at_ms, updated_at_ms
         FROM panes WHERE workspace_id = ?1",
    ),
    (
        "output_chunks",
        "SELECT pane_id, start_offset, end_offset, created_at_ms, raw_len, data
         FROM output_chunks WHERE pane_id IN (SELECT id FROM panes WHERE workspace_id = ?1)",
    ),
    (
        "input_chunks",
        "SELECT pane_id, seq, output_offset, created_at_ms, data
         FROM input_chunks WHERE pane_id IN (SELECT id FROM panes WHERE workspace_id = ?1)",
    ),
    (
        "snapshots",
        "SELECT pane_id, output_offset, created_at_ms, format_version, raw_len, data
         FROM snapshots WHERE pane_id IN (SELECT id FROM panes WHERE workspace_id = ?1)",
    ),
    (
        "agent_sessions",
        "SELECT s.id, s.agent, s.session_id, s.cwd, s.title, s.title_rank, s.git_branch,
                s.models, s.model_assumed, s.first_at_ms, s.last_at_ms, s.message_count,
                s.parent_session
         FROM agent_sessions s JOIN linked l ON l.agent = s.agent AND l.session_id = s.session_id",
    ),
    (
        "session_messages",
        "SELECT m.id, m.session_id, m.ordinal, m.role, m.text, m.model, m.at_ms, m.tool_name,
                m.from_subagent, m.message_key, m.usage_key, m.input_tokens, m.output_tokens,
                m.cache_read_tokens, m.cache_write_tokens, m.cache_write_1h_tokens,
                m.reasoning_tokens, m.tool_tokens, m.usage_only
         FROM session_messages m JOIN agent_sessions s ON s.id = m.session_id
         JOIN linked l ON l.agent = s.agent AND l.session_id = s.session_id",
    ),
    (
        "workspace_activity",
        "SELECT bucket FROM workspace_activity WHERE workspace_id = ?1",
    ),
];

pub(super) fn export(
    database: &Database,
    id: WorkspaceId,
    path: &Path,
    if_exists: IfExists,
) -> Result<ExportSummary, ExportError> {
    check_destination(path, if_exists)?;
    // One read transaction: every table comes from the same moment, whatever a window
    // running beside this records meanwhile.
    let reading = Transaction::new_unchecked(database.connection(), TransactionBehavior::Deferred)
        .map_err(StoreError::from)?;
    let workspace = database
        .workspace(id)?
        .ok_or(ExportError::NoSuchWorkspace(id))?;
    let staging = Staging::create(path)?;
    let target = Connection::open(&staging.path).map_err(StoreError::from)?;
    fill(database.connection(), &target, id).map_err(StoreError::from)?;
    drop(reading);
    let mut summary = summarize(&target, workspace.name).map_err(StoreError::from)?;
    let verdict: String = target
        .query_row("PRAGMA quick_check", [], |row| row.get(0))
        .map_err(StoreError::from)?;
    if verdict != "ok" {
        return Err(StoreError::CorruptData(format!(
            "the written export failed its check: {verdict}"
        ))
        .into());
    }
    target
        .close()
        .map_err(|(_, error)| StoreError::from(error))?;
    summary.file_bytes = staging.persist(path)?;
    Ok(summary)
}

/// Refuses a target that is a directory, sits in a missing directory, or exists already
/// (unless it may be replaced), before anything is read.
fn check_destination(path: &Path, if_exists: IfExists) -> Result<(), ExportError> {
    let refuse = |reason: &str| ExportError::Destination {
        path: path.to_path_buf(),
        reason: reason.to_owned(),
    };
    match std::fs::metadata(path) {
        Ok(metadata) if metadata.is_dir() => return Err(refuse("it is a directory")),
        Ok(_) if if_exists == IfExists::Refuse => {
            return Err(ExportError::Exists {
                path: path.to_path_buf(),
            });
        }
        Ok(_) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(refuse(&error.to_string())),
    }
    let parent = parent_of(path);
    match std::fs::metadata(&parent) {
        Ok(metadata) if metadata.is_dir() => Ok(()),
        Ok(_) => Err(refuse(&format!("{} is not a directory", parent.display()))),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(refuse(&format!(
            "the directory {} does not exist",
            parent.display()
        ))),
        Err(error) => Err(refuse(&error.to_string())),
    }
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Creates the file's tables and copies every row into them, in one transaction.
fn fill(source: &Connection, target: &Connection, id: WorkspaceId) -> rusqlite::Result<()> {
    // The file is thrown away if anything fails, so it needs no journal; it is synced once,
    // whole, before it is renamed into place.
    target.pragma_update(None, "journal_mode", "OFF")?;
    target.pragma_update(None, "synchronous", "OFF")?;
    target.execute_batch(SCHEMA)?;
    target.execute_batch("BEGIN")?;
    target.execute(
        "INSERT INTO spaces_export (format, version, exported_at_ms, spaces_version)
         VALUES (?1, ?2, ?3, ?4)",
        params![
            EXPORT_FORMAT,
            EXPORT_VERSION,
            unix_millis(),
            env!("CARGO_PKG_VERSION")
        ],
    )?;
    for (table, query) in COPIES {
        let query = if query.contains("linked") {
            format!("{LINKED_SESSIONS} {query}")
        } else {
            query.to_owned()
        };
        copy_rows(source, target, table, &query, id)?;
    }
    target.execute_batch("COMMIT")
}

/// Copies the rows of `query` into `table` of `target`, column by column as they are (the
/// column names of the query are those of the table).
fn copy_rows(
    source: &Connection,
    target: &Connection,
    table: &str,
    query: &str,
    id: WorkspaceId,
) -> rusqlite::Result<()> {
    let mut select = source.prepare(query)?;
    let columns: Vec<String> = select
        .column_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let placeholders = vec!["?"; columns.len()].join(", ");
    let mut insert = target.prepare(&format!(
        "INSERT INTO {table} ({}) VALUES ({placeholders})",
        columns.join(", ")
    ))?;
    let mut rows = select.query([id])?;
    while let Some(row) = rows.next()? {
        let values = (0..columns.len())
            .map(|index| row.get::<_, Value>(index))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        insert.execute(rusqlite::params_from_iter(values))?;
    }
    Ok(())
}

fn summarize(file: &Connection, workspace: String) -> rusqlite::Result<ExportSummary> {
    let count = |sql: &str| file.query_row(sql, [], |row| row.get::<_, u64>(0));
    Ok(ExportSummary {
        workspace,
        panes: count("SELECT COUNT(*) FROM panes")?,
        output_bytes: count("SELECT COALESCE(SUM(raw_len), 0) FROM output_chunks")?,
        input_bytes: count("SELECT COALESCE(SUM(length(data)), 0) FROM input_chunks")?,
        snapshots: count("SELECT COUNT(*) FROM snapshots")?,
        sessions: count("SELECT COUNT(*) FROM agent_sessions")?,
        file_bytes: 0,
    })
}

/// The file being written, beside the target; removed unless [`Staging::persist`] moved it
/// into place.
struct Staging {
    path: PathBuf,
    persisted: bool,
}

impl Staging {
    /// A new private (0600: it holds terminal output) file in the target's directory.
    fn create(target: &Path) -> Result<Self, ExportError> {
        let name = target
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "export".to_owned());
        let directory = parent_of(target);
        let mut attempt = 0;
        loop {
            let path = directory.join(format!(".{name}.{}-{attempt}.partial", std::process::id()));
            let created = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path);
            match created {
                Ok(_) => {
                    return Ok(Self {
                        path,
                        persisted: false,
                    });
                }
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists && attempt < 16 => {
                    attempt += 1;
                }
                Err(error) => {
                    return Err(ExportError::Destination {
                        path: target.to_path_buf(),
                        reason: error.to_string(),
                    });
                }
            }
        }
    }

    /// Syncs the file, renames it to `target` and syncs the directory; returns its size.
    fn persist(mut self, target: &Path) -> Result<u64, ExportError> {
        let failed = |error: std::io::Error| ExportError::Destination {
            path: target.to_path_buf(),
            reason: error.to_string(),
        };
        let file = File::open(&self.path).map_err(failed)?;
        file.sync_all().map_err(failed)?;
        let size = file.metadata().map_err(failed)?.len();
        std::fs::rename(&self.path, target).map_err(failed)?;
        self.persisted = true;
        // The rename itself is durable once the directory is synced; a failure here leaves a
        // complete file, so it is not an error.
        if let Err(error) = File::open(parent_of(target)).and_then(|directory| directory.sync_all())
        {
            tracing::warn!(%error, "could not sync the export's directory");
        }
        Ok(size)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.persisted
            && let Err(error) = std::fs::remove_file(&self.path)
            && error.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(%error, path = %self.path.display(), "could not remove a partial export");
        }
    }
}
