//! Reading the index back: sessions listed newest first with paging, full-text search with
//! snippets, and one session's conversation with its sub-agents' messages woven in.

use std::os::unix::ffi::OsStrExt;

use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use super::{Agent, MessageRole, TokenUsage};
use crate::database::Database;
use crate::error::Result;

/// Marks the start of a match in a [`SearchHit`] snippet.
pub const MATCH_START: char = '\u{1}';
/// Marks the end of a match in a [`SearchHit`] snippet.
pub const MATCH_END: char = '\u{2}';

/// Which sessions to list or search.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionFilter {
    /// Only this agent's sessions.
    pub agent: Option<Agent>,
    /// Only sessions whose cwd is this folder or below it.
    pub cwd_prefix: Option<String>,
    /// List sub-agent sessions too (by default their work shows in their parent's).
    pub include_subagents: bool,
    /// At most this many rows (`None`: all).
    pub limit: Option<usize>,
    /// Rows to skip first (paging).
    pub offset: usize,
}

/// One session as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SessionSummary {
    pub agent: Agent,
    pub id: String,
    /// Where the session ran (empty when no line said so).
    pub cwd: String,
    pub title: String,
    pub git_branch: String,
    pub models: Vec<String>,
    /// The model was not named in the transcript and is assumed (old Codex: gpt-5).
    pub model_assumed: bool,
    pub first_at_ms: Option<i64>,
    pub last_at_ms: Option<i64>,
    pub message_count: i64,
    /// The session a sub-agent worked for.
    pub parent: Option<String>,
    /// The transcript file (lossy if the path is not UTF-8).
    pub file: Option<String>,
    /// The agent has deleted the transcript; the index still holds the session.
    pub file_gone: bool,
}

/// A search result: the session, and a piece of the best match with each matched term
/// between [`MATCH_START`] (`\u{1}`) and [`MATCH_END`] (`\u{2}`) and `…` where text was cut.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SearchHit {
    pub session: SessionSummary,
    pub snippet: String,
    /// The match is in the title rather than in a message.
    pub in_title: bool,
}

/// One message of a conversation, as the index holds it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SessionMessage {
    /// Position within its own session (a sub-agent's messages count on their own).
    pub ordinal: i64,
    pub role: MessageRole,
    pub text: String,
    pub model: Option<String>,
    pub at_ms: Option<i64>,
    pub tool_name: Option<String>,
    /// Written by a sub-agent.
    pub from_subagent: bool,
    /// The sub-agent session it comes from, when it is not the session asked for.
    pub subagent: Option<String>,
    pub usage: Option<TokenUsage>,
}

const SUMMARY_COLUMNS: &str = "s.agent, s.session_id, s.cwd, s.title, s.git_branch, s.models,
    s.model_assumed, s.first_at_ms, s.last_at_ms, s.message_count, s.parent_session, f.path,
    coalesce(f.gone, 1)";

/// The filter as SQL over `s` (agent_sessions), using parameters ?1 to ?4.
const FILTER_SQL: &str = "(?1 IS NULL OR s.agent = ?1)
    AND (?2 IS NULL OR s.cwd = ?2 OR substr(s.cwd, 1, length(?3)) = ?3)
    AND (?4 OR s.parent_session IS NULL)";

/// Snippet length in tokens.
const SNIPPET_TOKENS: i64 = 16;

impl Database {
    /// Sessions matching `filter`, newest last activity first.
    pub fn list_sessions(&self, filter: &SessionFilter) -> Result<Vec<SessionSummary>> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM agent_sessions s
             LEFT JOIN session_files f ON f.id = s.file_id
             WHERE {FILTER_SQL}
             ORDER BY s.last_at_ms DESC NULLS LAST, s.id DESC LIMIT ?5 OFFSET ?6"
        );
        let (agent, exact, below) = filter_values(filter);
        let limit = filter
            .limit
            .map_or(-1, |limit| i64::try_from(limit).unwrap_or(i64::MAX));
        let offset = i64::try_from(filter.offset).unwrap_or(i64::MAX);
        let mut statement = self.connection().prepare_cached(&sql)?;
        let rows = statement.query_map(
            params![agent, exact, below, filter.include_subagents, limit, offset],
            summary_from_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The session `id` of `agent`, if the index has it.
    pub fn session_summary(&self, agent: Agent, id: &str) -> Result<Option<SessionSummary>> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM agent_sessions s
             LEFT JOIN session_files f ON f.id = s.file_id
             WHERE s.agent = ?1 AND s.session_id = ?2"
        );
        let mut statement = self.connection().prepare_cached(&sql)?;
        Ok(statement
            .query_row(params![agent.as_str(), id], summary_from_row)
            .optional()?)
    }

    /// Sessions whose title or messages match `query` (words, all required; `"a phrase"` in
    /// double quotes; the last word also matches as a prefix), at most `limit`, one hit per
    /// session: title matches first, then the sessions with the most recently indexed match.
    pub fn search_sessions(
        &self,
        query: &str,
        filter: &SessionFilter,
        limit: usize,
    ) -> Result<Vec<SearchHit>> {
        let Some(expression) = match_expression(query) else {
            return Ok(Vec::new());
        };
        let mut hits = self.search_titles(&expression, filter, limit)?;
        if hits.len() < limit {
            self.search_messages(&expression, filter, limit, &mut hits)?;
        }
        Ok(hits)
    }

    fn search_titles(
        &self,
        expression: &str,
        filter: &SessionFilter,
        limit: usize,
    ) -> Result<Vec<SearchHit>> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS},
                    highlight(session_title_search, 0, char(1), char(2))
             FROM session_title_search
             JOIN agent_sessions s ON s.id = session_title_search.rowid
             LEFT JOIN session_files f ON f.id = s.file_id
             WHERE session_title_search MATCH ?5 AND {FILTER_SQL}
             ORDER BY s.last_at_ms DESC NULLS LAST LIMIT ?6"
        );
        let (agent, exact, below) = filter_values(filter);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut statement = self.connection().prepare_cached(&sql)?;
        let rows = statement.query_map(
            params![
                agent,
                exact,
                below,
                filter.include_subagents,
                expression,
                limit
            ],
            |row| {
                Ok(SearchHit {
                    session: summary_from_row(row)?,
                    snippet: row.get(13)?,
                    in_title: true,
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Adds message hits, newest match first, until `hits` holds `limit` sessions. Matches of
    /// a sub-agent count for its parent unless the filter lists sub-agents.
    fn search_messages(
        &self,
        expression: &str,
        filter: &SessionFilter,
        limit: usize,
        hits: &mut Vec<SearchHit>,
    ) -> Result<()> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS},
                    snippet(session_message_search, 0, char(1), char(2), '…', {SNIPPET_TOKENS})
             FROM session_message_search
             JOIN session_messages m ON m.id = session_message_search.rowid
             JOIN agent_sessions s ON s.id = m.session_id
             LEFT JOIN session_files f ON f.id = s.file_id
             WHERE session_message_search MATCH ?5 AND {FILTER_SQL}
             ORDER BY session_message_search.rowid DESC"
        );
        let (agent, exact, below) = filter_values(filter);
        let mut statement = self.connection().prepare_cached(&sql)?;
        // Sub-agent sessions are always searched (?4 true): their hits go to the parent.
        let mut rows = statement.query(params![agent, exact, below, true, expression])?;
        while hits.len() < limit {
            let Some(row) = rows.next()? else { break };
            let mut session = summary_from_row(row)?;
            if !filter.include_subagents
                && let Some(parent) = session.parent.clone()
            {
                match self.session_summary(session.agent, &parent)? {
                    Some(parent) => session = parent,
                    None => continue,
                }
            }
            let seen = hits
                .iter()
                .any(|hit| hit.session.agent == session.agent && hit.session.id == session.id);
            if !seen {
                hits.push(SearchHit {
                    session,
                    snippet: row.get(13)?,
                    in_title: false,
                });
            }
        }
        Ok(())
    }

    /// The conversation of a session in order, with the messages of its sub-agents woven in
    /// by time (and marked). Empty when the index does not have the session.
    pub fn session_messages(&self, agent: Agent, id: &str) -> Result<Vec<SessionMessage>> {
        let mut lists = Vec::new();
        let main = self
            .connection()
            .prepare_cached("SELECT id FROM agent_sessions WHERE agent = ?1 AND session_id = ?2")?
            .query_row(params![agent.as_str(), id], |row| row.get::<_, i64>(0))
            .optional()?;
        let Some(main) = main else {
            return Ok(Vec::new());
        };
        lists.push(self.messages_of(main, None)?);
        let mut statement = self.connection().prepare_cached(
            "SELECT id, session_id FROM agent_sessions WHERE agent = ?1 AND parent_session = ?2 ORDER BY first_at_ms",
        )?;
        let children = statement.query_map(params![agent.as_str(), id], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })?;
        for child in children.collect::<rusqlite::Result<Vec<_>>>()? {
            lists.push(self.messages_of(child.0, Some(child.1))?);
        }
        Ok(weave(lists))
    }

    fn messages_of(&self, row_id: i64, subagent: Option<String>) -> Result<Vec<SessionMessage>> {
        let mut statement = self.connection().prepare_cached(
            "SELECT ordinal, role, text, model, at_ms, tool_name, from_subagent, input_tokens,
                    output_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens,
                    reasoning_tokens, tool_tokens
             FROM session_messages WHERE session_id = ?1 AND usage_only = 0 ORDER BY ordinal",
        )?;
        let rows = statement.query_map([row_id], |row| {
            let role: String = row.get(1)?;
            let from_subagent: bool = row.get(6)?;
            Ok(SessionMessage {
                ordinal: row.get(0)?,
                role: MessageRole::from_name(&role),
                text: row.get(2)?,
                model: row.get(3)?,
                at_ms: row.get(4)?,
                tool_name: row.get(5)?,
                from_subagent: from_subagent || subagent.is_some(),
                subagent: subagent.clone(),
                usage: usage_from_row(row, 7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

fn filter_values(filter: &SessionFilter) -> (Option<&'static str>, Option<String>, Option<String>) {
    let agent = filter.agent.map(Agent::as_str);
    let exact = filter.cwd_prefix.as_ref().map(|prefix| {
        let trimmed = prefix.trim_end_matches('/');
        if trimmed.is_empty() {
            "/".to_owned()
        } else {
            trimmed.to_owned()
        }
    });
    let below = exact.as_ref().map(|exact| {
        if exact == "/" {
            "/".to_owned()
        } else {
            format!("{exact}/")
        }
    });
    (agent, exact, below)
}

fn summary_from_row(row: &Row<'_>) -> rusqlite::Result<SessionSummary> {
    let agent: String = row.get(0)?;
    let models: String = row.get(5)?;
    let path: Option<Vec<u8>> = row.get(11)?;
    Ok(SessionSummary {
        agent: Agent::from_name(&agent).unwrap_or(Agent::Claude),
        id: row.get(1)?,
        cwd: row.get(2)?,
        title: row.get(3)?,
        git_branch: row.get(4)?,
        models: serde_json::from_str(&models).unwrap_or_default(),
        model_assumed: row.get(6)?,
        first_at_ms: row.get(7)?,
        last_at_ms: row.get(8)?,
        message_count: row.get(9)?,
        parent: row.get(10)?,
        file: path.map(|path| {
            std::ffi::OsStr::from_bytes(&path)
                .to_string_lossy()
                .into_owned()
        }),
        file_gone: row.get(12)?,
    })
}

fn usage_from_row(row: &Row<'_>, first: usize) -> rusqlite::Result<Option<TokenUsage>> {
    let input: Option<u64> = row.get(first)?;
    let Some(input) = input else { return Ok(None) };
    let count = |offset: usize| -> rusqlite::Result<u64> {
        Ok(row.get::<_, Option<u64>>(first + offset)?.unwrap_or(0))
    };
    Ok(Some(TokenUsage {
        input,
        output: count(1)?,
        cache_read: count(2)?,
        cache_write: count(3)?,
        cache_write_1h: count(4)?,
        reasoning: count(5)?,
        tool: count(6)?,
    }))
}

/// Turns what a user typed into an FTS5 expression: every word quoted (so operators and
/// punctuation are just text), phrases in double quotes kept together, the last bare word a
/// prefix. `None` when nothing searchable is left.
pub(crate) fn match_expression(query: &str) -> Option<String> {
    let mut terms = Vec::new();
    for (index, part) in query.split('"').enumerate() {
        if index % 2 == 1 {
            if !part.trim().is_empty() {
                terms.push(format!("\"{}\"", part.trim()));
            }
            continue;
        }
        terms.extend(
            part.split_whitespace()
                .map(|word| format!("\"{}\"", word.replace('"', ""))),
        );
    }
    let last_is_bare = !query.trim_end().ends_with('"');
    let mut expression = terms.join(" ");
    if expression.is_empty() {
        return None;
    }
    if last_is_bare {
        expression.push('*');
    }
    Some(expression)
}

/// Merges each list (each in its own order) by time: a message without a time takes the time
/// of the one before it; on equal times the main session (the first list) goes first.
fn weave(lists: Vec<Vec<SessionMessage>>) -> Vec<SessionMessage> {
    let mut queues: Vec<std::iter::Peekable<std::vec::IntoIter<(i64, SessionMessage)>>> = lists
        .into_iter()
        .map(|list| {
            let mut current = i64::MIN;
            let timed: Vec<(i64, SessionMessage)> = list
                .into_iter()
                .map(|message| {
                    current = message.at_ms.unwrap_or(current);
                    (current, message)
                })
                .collect();
            timed.into_iter().peekable()
        })
        .collect();
    let mut woven = Vec::new();
    loop {
        let next = queues
            .iter_mut()
            .enumerate()
            .filter_map(|(index, queue)| queue.peek().map(|(time, _)| (*time, index)))
            .min();
        let Some((_, index)) = next else { break };
        if let Some((_, message)) = queues[index].next() {
            woven.push(message);
        }
    }
    woven
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_queries_become_safe_fts_expressions() {
        assert_eq!(
            match_expression("healthz endpoint").as_deref(),
            Some("\"healthz\" \"endpoint\"*")
        );
        assert_eq!(
            match_expression("\"add a route\" now").as_deref(),
            Some("\"add a route\" \"now\"*")
        );
        assert_eq!(
            match_expression("\"add a route\"").as_deref(),
            Some("\"add a route\"")
        );
        assert_eq!(
            match_expression("AND OR (x").as_deref(),
            Some("\"AND\" \"OR\" \"(x\"*")
        );
        assert_eq!(match_expression("   "), None);
    }
}
