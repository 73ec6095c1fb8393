//! The writing pass of an import: a checked file written into the database in one
//! transaction, with new ids for the workspace and its panes.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};

use super::read::{Checked, ExportFile};
use super::rows::{InputRow, MessageRow, SessionRow};
use super::{IMPORTED_ID_GAP, ImportError, ImportRules, ImportSummary};
use crate::database::Database;
use crate::error::StoreError;
use crate::ids::{PaneId, WorkspaceId};
use crate::layouts::LayoutRecord;
use crate::panes::PaneRecord;
use crate::snapshots::SnapshotRecord;
use crate::workspaces::WorkspaceRecord;

pub(super) fn import(
    database: &Database,
    file: &ExportFile,
    checked: &Checked,
    rules: &dyn ImportRules,
) -> Result<ImportSummary, ImportError> {
    // IMMEDIATE: the write lock is taken (waiting out a window's recorder for up to the busy
    // timeout) before anything is decided, so the names and ids chosen stay free.
    let transaction =
        Transaction::new_unchecked(database.connection(), TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
    let workspace = add_workspace(database, file, checked, rules)?;
    let panes = add_panes(database, checked, workspace.id)?;
    add_layout(database, file, checked, rules, workspace.id, &panes)?;
    add_history(database, file, &panes)?;
    let (sessions_added, sessions_known) = add_sessions(database, file)?;
    add_activity(database, workspace.id, &checked.activity)?;
    transaction.commit().map_err(StoreError::from)?;
    Ok(ImportSummary {
        exported_name: checked.workspace.name.clone(),
        exported_by: file.exported_by.clone(),
        workspace,
        panes: panes.len() as u64,
        output_bytes: checked.output_bytes,
        input_bytes: checked.input_bytes,
        snapshots: checked.snapshots,
        sessions_added,
        sessions_known,
    })
}

/// The five-minute spans the workspace was active in (its imported output and input add
/// theirs through the triggers of migration 0004; these also cover trimmed output).
fn add_activity(
    database: &Database,
    workspace: WorkspaceId,
    buckets: &[i64],
) -> Result<(), StoreError> {
    let mut statement = database.connection().prepare_cached(
        "INSERT OR IGNORE INTO workspace_activity (workspace_id, bucket) VALUES (?1, ?2)",
    )?;
    for bucket in buckets {
        statement.execute(params![workspace, bucket])?;
    }
    Ok(())
}

/// The new workspace: archived, at the end of the sidebar, named and coloured as the app's
/// rules say.
fn add_workspace(
    database: &Database,
    file: &ExportFile,
    checked: &Checked,
    rules: &dyn ImportRules,
) -> Result<WorkspaceRecord, ImportError> {
    let existing = database.list_workspaces(true)?;
    let names: Vec<String> = existing.iter().map(|w| w.name.clone()).collect();
    let colors: Vec<String> = existing.iter().map(|w| w.color.clone()).collect();
    let exported = &checked.workspace;
    let name = rules
        .name(&exported.name, &names)
        .map_err(|reason| ImportError::Refused {
            path: file.path().to_path_buf(),
            reason,
        })?;
    let highest = |sql: &str| -> Result<i64, StoreError> {
        Ok(database.connection().query_row(sql, [], |row| row.get(0))?)
    };
    let record = WorkspaceRecord {
        id: WorkspaceId(highest("SELECT COALESCE(MAX(id), 0) FROM workspaces")? + IMPORTED_ID_GAP),
        name,
        color: rules.color(&exported.color, &colors),
        position: highest("SELECT COALESCE(MAX(position) + 1, 0) FROM workspaces")?,
        archived: true,
        notes: exported.notes.clone(),
        created_at_ms: exported.created_at_ms,
        updated_at_ms: exported.updated_at_ms,
    };
    database.upsert_workspace(&record)?;
    Ok(record)
}

/// Every pane under a new id, in the order of the old ones; returns old id -> new id.
fn add_panes(
    database: &Database,
    checked: &Checked,
    workspace: WorkspaceId,
) -> Result<BTreeMap<PaneId, PaneId>, ImportError> {
    let first: i64 = database
        .connection()
        .query_row("SELECT COALESCE(MAX(id), 0) FROM panes", [], |row| {
            row.get(0)
        })
        .map_err(StoreError::from)?;
    let mut ids = BTreeMap::new();
    for (index, (old, pane)) in checked.panes.iter().enumerate() {
        let id = PaneId(first + IMPORTED_ID_GAP + index as i64);
        database.upsert_pane(&PaneRecord {
            id,
            workspace_id: workspace,
            ..pane.clone()
        })?;
        ids.insert(*old, id);
    }
    Ok(ids)
}

fn add_layout(
    database: &Database,
    file: &ExportFile,
    checked: &Checked,
    rules: &dyn ImportRules,
    workspace: WorkspaceId,
    panes: &BTreeMap<PaneId, PaneId>,
) -> Result<(), ImportError> {
    let Some(layout) = &checked.layout else {
        return Ok(());
    };
    let tree_json = rules
        .layout(&layout.tree_json, &|old| panes.get(&old).copied())
        .map_err(|reason| ImportError::Refused {
            path: file.path().to_path_buf(),
            reason,
        })?;
    database.save_layout(&LayoutRecord {
        workspace_id: workspace,
        tree_json,
        focused_pane: layout.focused_pane.and_then(|old| panes.get(&old).copied()),
        updated_at_ms: layout.updated_at_ms,
    })?;
    Ok(())
}

/// Output, input and snapshots, their blobs copied as stored.
fn add_history(
    database: &Database,
    file: &ExportFile,
    panes: &BTreeMap<PaneId, PaneId>,
) -> Result<(), ImportError> {
    // The checking pass made sure every row names a pane of the file.
    let new_id = |old: PaneId| {
        panes
            .get(&old)
            .copied()
            .ok_or_else(|| file.invalid(format!("history of pane {old}, not in the file")))
    };
    file.for_each_output(|chunk| {
        let raw_len = usize::try_from(chunk.raw_len).unwrap_or(usize::MAX);
        database.insert_compressed_output(
            new_id(chunk.pane)?,
            chunk.start_offset,
            raw_len,
            chunk.created_at_ms,
            &chunk.data,
        )?;
        Ok(())
    })?;
    file.for_each_input(|input| {
        let pane = new_id(input.pane)?;
        insert_input(database, pane, &input)?;
        Ok(())
    })?;
    file.for_each_snapshot(|snapshot| {
        let record = SnapshotRecord {
            pane_id: new_id(snapshot.pane)?,
            output_offset: snapshot.output_offset,
            created_at_ms: snapshot.created_at_ms,
            format_version: snapshot.format_version,
            data: Vec::new(),
        };
        let raw_len = usize::try_from(snapshot.raw_len).unwrap_or(usize::MAX);
        database.insert_compressed_snapshot(&record, raw_len, &snapshot.data)?;
        Ok(())
    })
}

fn insert_input(database: &Database, pane: PaneId, input: &InputRow) -> Result<(), StoreError> {
    database
        .connection()
        .prepare_cached(
            "INSERT INTO input_chunks (pane_id, seq, output_offset, created_at_ms, data)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            pane,
            input.seq,
            input.output_offset,
            input.created_at_ms,
            input.data
        ])?;
    Ok(())
}

/// Sessions the index lacks are added with their messages; a session it already has (the
/// same agent and id) is kept as it is. Returns (added, already known).
fn add_sessions(database: &Database, file: &ExportFile) -> Result<(u64, u64), ImportError> {
    // File row id -> new row id, for the added sessions only.
    let mut added: HashMap<i64, i64> = HashMap::new();
    let mut known = 0;
    file.for_each_session(|session| {
        match insert_session(database, &session)? {
            Some(row_id) => {
                added.insert(session.id, row_id);
            }
            None => known += 1,
        }
        Ok(())
    })?;
    file.for_each_message(|message| {
        if let Some(session) = added.get(&message.session) {
            insert_message(database, *session, &message)?;
        }
        Ok(())
    })?;
    Ok((added.len() as u64, known))
}

/// Adds a session the index does not have (with no transcript file on this machine) and
/// returns its row id; `None` when the index has it already.
fn insert_session(database: &Database, session: &SessionRow) -> Result<Option<i64>, StoreError> {
    let connection = database.connection();
    let existing: Option<i64> = connection
        .prepare_cached("SELECT id FROM agent_sessions WHERE agent = ?1 AND session_id = ?2")?
        .query_row(params![session.agent.as_str(), session.session_id], |row| {
            row.get(0)
        })
        .optional()?;
    if existing.is_some() {
        return Ok(None);
    }
    let row_id = connection
        .prepare_cached(
            "INSERT INTO agent_sessions (agent, session_id, cwd, title, title_rank, git_branch,
                 models, model_assumed, first_at_ms, last_at_ms, message_count, parent_session)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
        )?
        .query_row(
            params![
                session.agent.as_str(),
                session.session_id,
                session.cwd,
                session.title,
                session.title_rank,
                session.git_branch,
                session.models,
                session.model_assumed,
                session.first_at_ms,
                session.last_at_ms,
                session.message_count,
                session.parent_session,
            ],
            |row| row.get(0),
        )?;
    Ok(Some(row_id))
}

/// Adds one message to an added session. A message whose key (Claude's line uuid) the index
/// holds already is a copy of one it has (a resumed session copies old lines) and is kept
/// once, as the indexer does.
fn insert_message(
    database: &Database,
    session: i64,
    message: &MessageRow,
) -> Result<(), StoreError> {
    let connection = database.connection();
    if let Some(key) = &message.message_key {
        let exists: bool = connection
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM session_messages WHERE message_key = ?1)",
            )?
            .query_row([key], |row| row.get(0))?;
        if exists {
            return Ok(());
        }
    }
    let [
        input,
        output,
        cache_read,
        cache_write,
        cache_write_1h,
        reasoning,
        tool,
    ] = message.tokens;
    connection
        .prepare_cached(
            "INSERT INTO session_messages (session_id, ordinal, role, text, model, at_ms,
                 tool_name, from_subagent, message_key, usage_key, input_tokens, output_tokens,
                 cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, reasoning_tokens,
                 tool_tokens, usage_only)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                     ?17, ?18)",
        )?
        .execute(params![
            session,
            message.ordinal,
            message.role.as_str(),
            message.text,
            message.model,
            message.at_ms,
            message.tool_name,
            message.from_subagent,
            message.message_key,
            message.usage_key,
            input,
            output,
            cache_read,
            cache_write,
            cache_write_1h,
            reasoning,
            tool,
            message.usage_only,
        ])?;
    Ok(())
}
