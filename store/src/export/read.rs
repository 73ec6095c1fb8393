//! Reading an export file: opening it (read-only), telling damage, foreign files and newer
//! formats apart, and every row decoded and checked. Import reads the file twice, through the
//! same readers: once to check everything, once to write it.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Read as _;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, Row};

use super::rows::{
    ExportedLayout, ExportedWorkspace, InputRow, MessageRow, OutputRow, RowError, SessionRow,
    SnapshotRow, decode_message, decode_pane, decode_session, flag, offset,
};
use super::{EXPORT_FORMAT, EXPORT_VERSION, ImportError};
use crate::ids::PaneId;
use crate::panes::PaneRecord;

/// The first bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// The size of SQLite's file header: a shorter file cannot be a database.
const SQLITE_HEADER_BYTES: u64 = 100;

/// An export file opened for reading, its header checked. It holds one read transaction, so
/// both passes of an import see the same rows.
pub(super) struct ExportFile {
    path: PathBuf,
    connection: Connection,
    /// The Spaces version that wrote the file.
    pub(super) exported_by: String,
}

/// What the checking pass found: the small rows, kept for the writing pass, and totals.
pub(super) struct Checked {
    pub(super) workspace: ExportedWorkspace,
    pub(super) layout: Option<ExportedLayout>,
    /// Every pane, by its id in the file (ascending).
    pub(super) panes: BTreeMap<PaneId, PaneRecord>,
    pub(super) activity: Vec<i64>,
    pub(super) output_bytes: u64,
    pub(super) input_bytes: u64,
    pub(super) snapshots: u64,
}

impl ExportFile {
    /// Opens `path` read-only and checks that it is a whole, undamaged export of a format
    /// version this build reads.
    pub(super) fn open(path: &Path) -> Result<Self, ImportError> {
        check_file_start(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection =
            Connection::open_with_flags(path, flags).map_err(|error| ImportError::Damaged {
                path: path.to_path_buf(),
                detail: error.to_string(),
            })?;
        let file = Self {
            path: path.to_path_buf(),
            connection,
            exported_by: String::new(),
        };
        file.connection
            .execute_batch("BEGIN")
            .map_err(|error| file.damaged(error.to_string()))?;
        file.check_integrity()?;
        file.read_header()
    }

    /// Reads and checks every row (each blob decompressed to check its length); returns what
    /// the writing pass needs besides the rows it reads again.
    pub(super) fn check(&self) -> Result<Checked, ImportError> {
        let workspace = self.workspace()?;
        let layout = self.layout()?;
        let mut panes = BTreeMap::new();
        self.for_each_pane(|pane| {
            panes.insert(pane.id, pane);
            Ok(())
        })?;
        let ids: BTreeSet<PaneId> = panes.keys().copied().collect();
        let (output_bytes, input_bytes, snapshots) = self.check_history(&ids)?;
        self.check_sessions()?;
        let mut activity = Vec::new();
        self.for_each_activity(|bucket| {
            activity.push(bucket);
            Ok(())
        })?;
        Ok(Checked {
            workspace,
            layout,
            panes,
            activity,
            output_bytes,
            input_bytes,
            snapshots,
        })
    }

    /// Output, input and snapshots: each belongs to a pane of the file, output chunks of a
    /// pane do not overlap, and every blob expands to its recorded length.
    fn check_history(&self, panes: &BTreeSet<PaneId>) -> Result<(u64, u64, u64), ImportError> {
        let known = |pane: PaneId, what: &str| {
            if panes.contains(&pane) {
                Ok(())
            } else {
                Err(self.invalid(format!("{what} of pane {pane}, which is not in the file")))
            }
        };
        let mut output_bytes = 0_u64;
        let mut previous: Option<(PaneId, u64)> = None;
        self.for_each_output(|chunk| {
            known(chunk.pane, "output")?;
            if let Some((pane, end)) = previous
                && pane == chunk.pane
                && chunk.start_offset < end
            {
                return Err(self.invalid(format!(
                    "output of pane {pane} overlaps itself at offset {}",
                    chunk.start_offset
                )));
            }
            previous = Some((chunk.pane, chunk.start_offset + chunk.raw_len));
            self.check_expands(&chunk.data, chunk.raw_len, "output", chunk.pane)?;
            output_bytes += chunk.raw_len;
            Ok(())
        })?;
        let mut input_bytes = 0_u64;
        self.for_each_input(|input| {
            known(input.pane, "input")?;
            input_bytes += input.data.len() as u64;
            Ok(())
        })?;
        let mut snapshots = 0_u64;
        self.for_each_snapshot(|snapshot| {
            known(snapshot.pane, "a snapshot")?;
            self.check_expands(
                &snapshot.data,
                snapshot.raw_len,
                "a snapshot",
                snapshot.pane,
            )?;
            snapshots += 1;
            Ok(())
        })?;
        Ok((output_bytes, input_bytes, snapshots))
    }

    /// Sessions are unique per agent, and messages belong to a session of the file.
    fn check_sessions(&self) -> Result<(), ImportError> {
        let mut ids = HashSet::new();
        let mut names = HashSet::new();
        self.for_each_session(|session| {
            if !names.insert((session.agent, session.session_id.clone())) {
                return Err(self.invalid(format!(
                    "the {} session {} is in the file twice",
                    session.agent, session.session_id
                )));
            }
            ids.insert(session.id);
            Ok(())
        })?;
        self.for_each_message(|message| {
            if ids.contains(&message.session) {
                Ok(())
            } else {
                Err(self.invalid(format!(
                    "a message of session row {}, which is not in the file",
                    message.session
                )))
            }
        })
    }

    /// `data` must be zstd that expands to exactly `raw_len` bytes (counted while streaming,
    /// so a forged length cannot make this allocate it).
    fn check_expands(
        &self,
        data: &[u8],
        raw_len: u64,
        what: &str,
        pane: PaneId,
    ) -> Result<(), ImportError> {
        let expanded = zstd::stream::read::Decoder::with_buffer(data).and_then(|decoder| {
            std::io::copy(&mut decoder.take(raw_len + 1), &mut std::io::sink())
        });
        match expanded {
            Ok(length) if length == raw_len => Ok(()),
            Ok(length) => Err(self.invalid(format!(
                "{what} of pane {pane} expands to {} bytes, not {raw_len}",
                if length > raw_len {
                    "more".to_owned()
                } else {
                    length.to_string()
                }
            ))),
            Err(error) => Err(self.invalid(format!(
                "{what} of pane {pane} does not decompress: {error}"
            ))),
        }
    }

    pub(super) fn workspace(&self) -> Result<ExportedWorkspace, ImportError> {
        let mut rows = Vec::new();
        self.rows(
            "workspace",
            "SELECT name, color, position, archived, notes, created_at_ms, updated_at_ms
             FROM workspace",
            |row| {
                flag(row, 3)?;
                let _position: i64 = row.get(2)?;
                Ok(ExportedWorkspace {
                    name: row.get(0)?,
                    color: row.get(1)?,
                    notes: row.get(4)?,
                    created_at_ms: row.get(5)?,
                    updated_at_ms: row.get(6)?,
                })
            },
            |workspace| {
                rows.push(workspace);
                Ok(())
            },
        )?;
        let count = rows.len();
        match (rows.pop(), count) {
            (Some(workspace), 1) => Ok(workspace),
            _ => Err(self.invalid(format!("{count} workspace rows, not one"))),
        }
    }

    fn layout(&self) -> Result<Option<ExportedLayout>, ImportError> {
        let mut rows = Vec::new();
        self.rows(
            "layout",
            "SELECT tree_json, focused_pane, updated_at_ms FROM layout",
            |row| {
                Ok(ExportedLayout {
                    tree_json: row.get(0)?,
                    focused_pane: row.get(1)?,
                    updated_at_ms: row.get(2)?,
                })
            },
            |layout| {
                rows.push(layout);
                Ok(())
            },
        )?;
        if rows.len() > 1 {
            return Err(self.invalid(format!("{} layout rows, not one", rows.len())));
        }
        Ok(rows.pop())
    }

    pub(super) fn for_each_pane(
        &self,
        visit: impl FnMut(PaneRecord) -> Result<(), ImportError>,
    ) -> Result<(), ImportError> {
        self.rows(
            "panes",
            "SELECT id, cwd, command_json, env_json, title, cols, rows, is_shell, agent_kind,
                    agent_session, closed_at_ms, created_at_ms, updated_at_ms
             FROM panes ORDER BY id",
            decode_pane,
            visit,
        )
    }

    pub(super) fn for_each_output(
        &self,
        visit: impl FnMut(OutputRow) -> Result<(), ImportError>,
    ) -> Result<(), ImportError> {
        self.rows(
            "output_chunks",
            "SELECT pane_id, start_offset, end_offset, created_at_ms, raw_len, data
             FROM output_chunks ORDER BY pane_id, start_offset",
            |row| {
                let start_offset = offset(row, 1)?;
                let end_offset = offset(row, 2)?;
                let raw_len = offset(row, 4)?;
                if raw_len == 0 || start_offset.checked_add(raw_len) != Some(end_offset) {
                    return Err(format!(
                        "a chunk of [{start_offset}, {end_offset}) holds {raw_len} bytes"
                    )
                    .into());
                }
                Ok(OutputRow {
                    pane: row.get(0)?,
                    start_offset,
                    raw_len,
                    created_at_ms: row.get(3)?,
                    data: row.get(5)?,
                })
            },
            visit,
        )
    }

    pub(super) fn for_each_input(
        &self,
        visit: impl FnMut(InputRow) -> Result<(), ImportError>,
    ) -> Result<(), ImportError> {
        self.rows(
            "input_chunks",
            "SELECT pane_id, seq, output_offset, created_at_ms, data
             FROM input_chunks ORDER BY pane_id, seq",
            |row| {
                Ok(InputRow {
                    pane: row.get(0)?,
                    seq: offset(row, 1)?,
                    output_offset: offset(row, 2)?,
                    created_at_ms: row.get(3)?,
                    data: row.get(4)?,
                })
            },
            visit,
        )
    }

    pub(super) fn for_each_snapshot(
        &self,
        visit: impl FnMut(SnapshotRow) -> Result<(), ImportError>,
    ) -> Result<(), ImportError> {
        self.rows(
            "snapshots",
            "SELECT pane_id, output_offset, created_at_ms, format_version, raw_len, data
             FROM snapshots ORDER BY pane_id, output_offset",
            |row| {
                Ok(SnapshotRow {
                    pane: row.get(0)?,
                    output_offset: offset(row, 1)?,
                    created_at_ms: row.get(2)?,
                    format_version: row.get(3)?,
                    raw_len: offset(row, 4)?,
                    data: row.get(5)?,
                })
            },
            visit,
        )
    }

    pub(super) fn for_each_session(
        &self,
        visit: impl FnMut(SessionRow) -> Result<(), ImportError>,
    ) -> Result<(), ImportError> {
        self.rows(
            "agent_sessions",
            "SELECT id, agent, session_id, cwd, title, title_rank, git_branch, models,
                    model_assumed, first_at_ms, last_at_ms, message_count, parent_session
             FROM agent_sessions ORDER BY id",
            decode_session,
            visit,
        )
    }

    pub(super) fn for_each_message(
        &self,
        visit: impl FnMut(MessageRow) -> Result<(), ImportError>,
    ) -> Result<(), ImportError> {
        self.rows(
            "session_messages",
            "SELECT session_id, ordinal, role, text, model, at_ms, tool_name, from_subagent,
                    message_key, usage_key, input_tokens, output_tokens, cache_read_tokens,
                    cache_write_tokens, cache_write_1h_tokens, reasoning_tokens, tool_tokens,
                    usage_only
             FROM session_messages ORDER BY id",
            decode_message,
            visit,
        )
    }

    fn for_each_activity(
        &self,
        visit: impl FnMut(i64) -> Result<(), ImportError>,
    ) -> Result<(), ImportError> {
        self.rows(
            "workspace_activity",
            "SELECT bucket FROM workspace_activity ORDER BY bucket",
            |row| Ok(offset(row, 0)? as i64),
            visit,
        )
    }

    /// Runs `sql` over the file, decoding each row with `decode` (a refusal names the table)
    /// and handing it to `visit`.
    fn rows<T>(
        &self,
        table: &str,
        sql: &str,
        decode: impl Fn(&Row<'_>) -> Result<T, RowError>,
        mut visit: impl FnMut(T) -> Result<(), ImportError>,
    ) -> Result<(), ImportError> {
        let mut statement = self
            .connection
            .prepare(sql)
            .map_err(|error| self.read_error(table, error))?;
        let mut rows = statement
            .query([])
            .map_err(|error| self.read_error(table, error))?;
        while let Some(row) = rows.next().map_err(|error| self.read_error(table, error))? {
            let value = decode(row).map_err(|error| match error {
                RowError::Sqlite(error) => self.read_error(table, error),
                RowError::Invalid(detail) => self.invalid(format!("{table}: {detail}")),
            })?;
            visit(value)?;
        }
        Ok(())
    }

    fn check_integrity(&self) -> Result<(), ImportError> {
        let verdict: Vec<String> = self
            .connection
            .prepare("PRAGMA integrity_check(5)")
            .and_then(|mut statement| {
                statement
                    .query_map([], |row| row.get(0))?
                    .collect::<rusqlite::Result<_>>()
            })
            .map_err(|error| self.damaged(error.to_string()))?;
        if verdict != ["ok"] {
            return Err(self.damaged(verdict.join("; ")));
        }
        // A file cut at a page boundary can still check out when the lost pages held nothing
        // the checked pages point to: the header says how long the file must be.
        let expected: u64 = self
            .connection
            .query_row(
                "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
                [],
                |row| row.get(0),
            )
            .map_err(|error| self.damaged(error.to_string()))?;
        let actual = std::fs::metadata(&self.path)
            .map(|metadata| metadata.len())
            .unwrap_or(0);
        if actual < expected {
            return Err(self.damaged(format!(
                "{actual} bytes of the {expected} its header announces"
            )));
        }
        Ok(())
    }

    fn read_header(mut self) -> Result<Self, ImportError> {
        let has_header: bool = self
            .connection
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_schema
                                WHERE type = 'table' AND name = 'spaces_export')",
                [],
                |row| row.get(0),
            )
            .map_err(|error| self.damaged(error.to_string()))?;
        if !has_header {
            return Err(self.not_an_export("a SQLite database without a spaces_export table"));
        }
        let mut headers = Vec::new();
        self.rows(
            "spaces_export",
            "SELECT format, version, spaces_version FROM spaces_export",
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, String>(2)?,
                ))
            },
            |header| {
                headers.push(header);
                Ok(())
            },
        )?;
        let [(format, version, by)] = <[_; 1]>::try_from(headers)
            .map_err(|headers| self.invalid(format!("{} header rows, not one", headers.len())))?;
        if format != EXPORT_FORMAT {
            return Err(self.not_an_export(&format!("its format is {format:?}")));
        }
        if version > EXPORT_VERSION {
            return Err(ImportError::Newer {
                path: self.path.clone(),
                found: version,
                by,
            });
        }
        if version < 1 {
            return Err(self.invalid(format!("format version {version}")));
        }
        self.exported_by = by;
        Ok(self)
    }

    /// A failed read of `table`: damage when SQLite says so, else a file whose tables are
    /// not what this format has.
    fn read_error(&self, table: &str, error: rusqlite::Error) -> ImportError {
        let damage = matches!(
            error.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
        );
        if damage {
            self.damaged(error.to_string())
        } else {
            self.invalid(format!("{table}: {error}"))
        }
    }

    fn damaged(&self, detail: String) -> ImportError {
        ImportError::Damaged {
            path: self.path.clone(),
            detail,
        }
    }

    pub(super) fn invalid(&self, detail: String) -> ImportError {
        ImportError::Invalid {
            path: self.path.clone(),
            detail,
        }
    }

    fn not_an_export(&self, reason: &str) -> ImportError {
        ImportError::NotAnExport {
            path: self.path.clone(),
            reason: reason.to_owned(),
        }
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }
}

/// Refuses, before SQLite sees it, what cannot be an export: a missing or unreadable file, a
/// directory, an empty file, and a file that does not start like a SQLite database.
fn check_file_start(path: &Path) -> Result<(), ImportError> {
    let unreadable = |reason: String| ImportError::Unreadable {
        path: path.to_path_buf(),
        reason,
    };
    let metadata = std::fs::metadata(path).map_err(|error| unreadable(error.to_string()))?;
    if metadata.is_dir() {
        return Err(unreadable("it is a directory".to_owned()));
    }
    if metadata.len() == 0 {
        return Err(ImportError::Empty {
            path: path.to_path_buf(),
        });
    }
    let mut start = Vec::with_capacity(SQLITE_MAGIC.len());
    std::fs::File::open(path)
        .and_then(|file| file.take(SQLITE_MAGIC.len() as u64).read_to_end(&mut start))
        .map_err(|error| unreadable(error.to_string()))?;
    if !SQLITE_MAGIC.starts_with(&start) {
        return Err(ImportError::NotAnExport {
            path: path.to_path_buf(),
            reason: "not a SQLite database".to_owned(),
        });
    }
    if metadata.len() < SQLITE_HEADER_BYTES {
        return Err(ImportError::Damaged {
            path: path.to_path_buf(),
            detail: format!("only {} bytes", metadata.len()),
        });
    }
    Ok(())
}
