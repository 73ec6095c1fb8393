//! The rows of an export file as typed values, and the decoding that refuses what is not
//! valid (negative offsets, flags other than 0 and 1, unknown agents and roles, bad JSON).

use std::collections::BTreeMap;

use rusqlite::Row;

use crate::ids::PaneId;
use crate::panes::PaneRecord;
use crate::sessions::{Agent, MessageRole};

/// The workspace row of a file.
pub(super) struct ExportedWorkspace {
    pub(super) name: String,
    pub(super) color: String,
    pub(super) notes: String,
    pub(super) created_at_ms: i64,
    pub(super) updated_at_ms: i64,
}

/// The layout row of a file.
pub(super) struct ExportedLayout {
    pub(super) tree_json: String,
    pub(super) focused_pane: Option<PaneId>,
    pub(super) updated_at_ms: i64,
}

pub(super) struct OutputRow {
    pub(super) pane: PaneId,
    pub(super) start_offset: u64,
    pub(super) raw_len: u64,
    pub(super) created_at_ms: i64,
    pub(super) data: Vec<u8>,
}

pub(super) struct InputRow {
    pub(super) pane: PaneId,
    pub(super) seq: u64,
    pub(super) output_offset: u64,
    pub(super) created_at_ms: i64,
    pub(super) data: Vec<u8>,
}

pub(super) struct SnapshotRow {
    pub(super) pane: PaneId,
    pub(super) output_offset: u64,
    pub(super) created_at_ms: i64,
    pub(super) format_version: u32,
    pub(super) raw_len: u64,
    pub(super) data: Vec<u8>,
}

/// An agent session; `id` is its row id in the file.
pub(super) struct SessionRow {
    pub(super) id: i64,
    pub(super) agent: Agent,
    pub(super) session_id: String,
    pub(super) cwd: String,
    pub(super) title: String,
    pub(super) title_rank: i64,
    pub(super) git_branch: String,
    pub(super) models: String,
    pub(super) model_assumed: bool,
    pub(super) first_at_ms: Option<i64>,
    pub(super) last_at_ms: Option<i64>,
    pub(super) message_count: i64,
    pub(super) parent_session: Option<String>,
}

/// A message of an agent session; `session` is the session's row id in the file.
pub(super) struct MessageRow {
    pub(super) session: i64,
    pub(super) ordinal: i64,
    pub(super) role: MessageRole,
    pub(super) text: String,
    pub(super) model: Option<String>,
    pub(super) at_ms: Option<i64>,
    pub(super) tool_name: Option<String>,
    pub(super) from_subagent: bool,
    pub(super) message_key: Option<String>,
    pub(super) usage_key: Option<String>,
    /// input, output, cache read, cache write, cache write 1h, reasoning, tool.
    pub(super) tokens: [Option<i64>; 7],
    pub(super) usage_only: bool,
}

/// Why a row was refused: SQLite could not read it, or its values are not valid.
pub(super) enum RowError {
    Sqlite(rusqlite::Error),
    Invalid(String),
}

impl From<rusqlite::Error> for RowError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Sqlite(error)
    }
}

impl From<String> for RowError {
    fn from(detail: String) -> Self {
        Self::Invalid(detail)
    }
}

pub(super) fn decode_pane(row: &Row<'_>) -> Result<PaneRecord, RowError> {
    let id: PaneId = row.get(0)?;
    let json = |index: usize| -> Result<String, RowError> { row.get(index).map_err(Into::into) };
    let command: Vec<String> = serde_json::from_str(&json(2)?)
        .map_err(|error| format!("pane {id}: the command is not a list of words: {error}"))?;
    let env: BTreeMap<String, String> = serde_json::from_str(&json(3)?)
        .map_err(|error| format!("pane {id}: the environment is not a map: {error}"))?;
    let agent_kind: Option<String> = row.get(8)?;
    let agent_session: Option<String> = row.get(9)?;
    if let Some(kind) = &agent_kind
        && Agent::from_name(kind).is_none()
    {
        return Err(format!("pane {id}: unknown agent {kind:?}").into());
    }
    if agent_session.is_some() && agent_kind.is_none() {
        return Err(format!("pane {id}: an agent session without an agent").into());
    }
    Ok(PaneRecord {
        id,
        workspace_id: crate::ids::WorkspaceId(0),
        cwd: row.get(1)?,
        command,
        env,
        title: row.get(4)?,
        cols: row.get(5)?,
        rows: row.get(6)?,
        is_shell: flag(row, 7)?,
        agent_kind,
        agent_session,
        closed_at_ms: row.get(10)?,
        created_at_ms: row.get(11)?,
        updated_at_ms: row.get(12)?,
    })
}

pub(super) fn decode_session(row: &Row<'_>) -> Result<SessionRow, RowError> {
    let agent: String = row.get(1)?;
    let agent = Agent::from_name(&agent).ok_or_else(|| format!("unknown agent {agent:?}"))?;
    let session_id: String = row.get(2)?;
    if session_id.is_empty() {
        return Err("a session without an id".to_owned().into());
    }
    let models: String = row.get(7)?;
    serde_json::from_str::<Vec<String>>(&models)
        .map_err(|error| format!("session {session_id}: models are not a list: {error}"))?;
    let message_count: i64 = row.get(11)?;
    if message_count < 0 {
        return Err(format!("session {session_id}: {message_count} messages").into());
    }
    Ok(SessionRow {
        id: row.get(0)?,
        agent,
        session_id,
        cwd: row.get(3)?,
        title: row.get(4)?,
        title_rank: row.get(5)?,
        git_branch: row.get(6)?,
        models,
        model_assumed: flag(row, 8)?,
        first_at_ms: row.get(9)?,
        last_at_ms: row.get(10)?,
        message_count,
        parent_session: row.get(12)?,
    })
}

pub(super) fn decode_message(row: &Row<'_>) -> Result<MessageRow, RowError> {
    let role: String = row.get(2)?;
    let known = ["user", "assistant", "tool_call", "tool_result", "system"];
    if !known.contains(&role.as_str()) {
        return Err(format!("a message with role {role:?}").into());
    }
    let mut tokens = [None; 7];
    for (index, count) in tokens.iter_mut().enumerate() {
        *count = row.get::<_, Option<i64>>(10 + index)?;
        if count.is_some_and(|count| count < 0) {
            return Err("a negative token count".to_owned().into());
        }
    }
    Ok(MessageRow {
        session: row.get(0)?,
        ordinal: row.get(1)?,
        role: MessageRole::from_name(&role),
        text: row.get(3)?,
        model: row.get(4)?,
        at_ms: row.get(5)?,
        tool_name: row.get(6)?,
        from_subagent: flag(row, 7)?,
        message_key: row.get(8)?,
        usage_key: row.get(9)?,
        tokens,
        usage_only: flag(row, 17)?,
    })
}

/// A 0/1 column.
pub(super) fn flag(row: &Row<'_>, index: usize) -> Result<bool, RowError> {
    match row.get::<_, i64>(index)? {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(format!("{other} where 0 or 1 belongs").into()),
    }
}

/// A column that counts bytes or positions: never negative.
pub(super) fn offset(row: &Row<'_>, index: usize) -> Result<u64, RowError> {
    let value: i64 = row.get(index)?;
    u64::try_from(value).map_err(|_| format!("a negative offset or length ({value})").into())
}
