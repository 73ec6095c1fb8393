//! Sessions as they happen: where a running agent's transcript is (by its session id, or the
//! newest ones of a working directory), and what its last lines say the agent is doing. The
//! app's agent watcher polls these a few times a second; nothing here touches the database.

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Agent, SessionRoots, sha256, time};

/// How much of a transcript's end is read to tell its state.
const TAIL_BYTES: u64 = 64 * 1024;
/// How much of its start is read for its id, cwd, start time and title.
const HEAD_BYTES: u64 = 64 * 1024;

/// A transcript of a working directory, as found on disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveTranscript {
    pub agent: Agent,
    pub session: String,
    pub path: PathBuf,
    /// When the session started (its first timestamp; else the file's modification time).
    pub started_ms: i64,
}

/// What a transcript's last meaningful line says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TailState {
    /// The user sent a prompt (or a tool returned its result): the agent is at work.
    Prompted,
    /// The agent called a tool that has no result yet: running it, or waiting for approval.
    ToolPending,
    /// The agent wrote an answer; `asks` when it ends with a question.
    Answered { asks: bool },
    /// The agent marked its turn as done; `asks` when its last answer was a question.
    TurnDone { asks: bool },
    /// The agent asked for an approval (Codex writes these requests).
    ApprovalAsked,
}

/// Claude's folder for a working directory: every character outside `[A-Za-z0-9]` becomes `-`.
/// Past 200 characters Claude truncates and hashes the name: those are found by prefix.
fn claude_project_dirs(root: &Path, cwd: &Path) -> Vec<PathBuf> {
    let encoded: String = cwd
        .to_string_lossy()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let projects = root.join("projects");
    if encoded.len() <= 200 {
        return vec![projects.join(encoded)];
    }
    let prefix = &encoded[..200];
    read_dir_paths(&projects)
        .into_iter()
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with(prefix))
        })
        .collect()
}

/// The transcripts of `agent` whose working directory is `cwd` and that changed at or after
/// `changed_since_ms` (ms since the epoch; files older than that are not even opened), newest
/// first.
pub fn transcripts_of_dir(
    roots: &SessionRoots,
    agent: Agent,
    cwd: &Path,
    changed_since_ms: i64,
) -> Vec<LiveTranscript> {
    let fresh = |path: &PathBuf| modified_ms(path) >= changed_since_ms;
    let mut found = match agent {
        Agent::Claude => roots.claude.as_deref().map_or_else(Vec::new, |root| {
            claude_project_dirs(root, cwd)
                .iter()
                .flat_map(|dir| read_dir_paths(dir))
                .filter(|path| has_extension(path, "jsonl") && fresh(path))
                .filter_map(|path| {
                    let session = path.file_stem()?.to_str()?.to_owned();
                    // Older sub-agent files sit beside the sessions.
                    (!session.starts_with("agent-")).then(|| live(Agent::Claude, session, path))
                })
                .collect()
        }),
        Agent::Codex => roots.codex.as_deref().map_or_else(Vec::new, |root| {
            recent_codex_files(root)
                .into_iter()
                .filter(fresh)
                .filter_map(|path| {
                    let head = head_json(&path, 1).into_iter().next()?;
                    let payload = head.get("payload")?;
                    if payload.get("cwd")?.as_str()? != cwd.to_str()? {
                        return None;
                    }
                    Some(LiveTranscript {
                        agent: Agent::Codex,
                        session: payload.get("id")?.as_str()?.to_owned(),
                        started_ms: head
                            .get("timestamp")
                            .and_then(Value::as_str)
                            .and_then(time::parse_millis)
                            .unwrap_or_else(|| modified_ms(&path)),
                        path,
                    })
                })
                .collect()
        }),
        Agent::Gemini => roots.gemini.as_deref().map_or_else(Vec::new, |root| {
            gemini_project_dirs(root, cwd)
                .iter()
                .flat_map(|dir| read_dir_paths(&dir.join("chats")))
                .filter(|path| has_extension(path, "jsonl") && fresh(path))
                .filter_map(|path| {
                    let head = head_json(&path, 1).into_iter().next()?;
                    Some(LiveTranscript {
                        agent: Agent::Gemini,
                        session: head.get("sessionId")?.as_str()?.to_owned(),
                        started_ms: head
                            .get("startTime")
                            .and_then(Value::as_str)
                            .and_then(time::parse_millis)
                            .unwrap_or_else(|| modified_ms(&path)),
                        path,
                    })
                })
                .collect()
        }),
    };
    found.sort_by_key(|t| std::cmp::Reverse(t.started_ms));
    found
}

/// The transcript of session `id` of `agent`, if it is on disk.
pub fn find_transcript(roots: &SessionRoots, agent: Agent, id: &str) -> Option<PathBuf> {
    if id.is_empty() || id.contains(['/', '\0']) {
        return None;
    }
    match agent {
        Agent::Claude => {
            let projects = roots.claude.as_deref()?.join("projects");
            read_dir_paths(&projects)
                .into_iter()
                .map(|dir| dir.join(format!("{id}.jsonl")))
                .find(|path| path.is_file())
        }
        Agent::Codex => {
            let root = roots.codex.as_deref()?;
            let suffix = format!("-{id}.jsonl");
            ["sessions", "archived_sessions"]
                .iter()
                .flat_map(|folder| walk_files(&root.join(folder), 4))
                .find(|path| {
                    path.file_name()
                        .and_then(|name| name.to_str())
                        .is_some_and(|name| name.ends_with(&suffix))
                })
        }
        Agent::Gemini => {
            let root = roots.gemini.as_deref()?;
            let short: String = id.chars().take(8).collect();
            read_dir_paths(&root.join("tmp"))
                .into_iter()
                .flat_map(|dir| read_dir_paths(&dir.join("chats")))
                .filter(|path| {
                    path.file_name()
                        .and_then(|name| name.to_str())
                        .is_some_and(|name| name.ends_with(&format!("-{short}.jsonl")))
                })
                .find(|path| {
                    head_json(path, 1)
                        .first()
                        .and_then(|head| head.get("sessionId"))
                        == Some(&Value::String(id.to_owned()))
                })
        }
    }
}

/// What the last meaningful line of a transcript says, if any line says something.
pub fn tail_state(agent: Agent, path: &Path) -> Option<TailState> {
    let lines = tail_json(path);
    match agent {
        Agent::Claude => claude_state(&lines),
        Agent::Codex => codex_state(&lines),
        Agent::Gemini => gemini_state(&lines),
    }
}

/// The first prompt of a transcript, short, to title a badge.
pub fn first_prompt(agent: Agent, path: &Path) -> Option<String> {
    let lines = head_json(path, usize::MAX);
    let text = lines.iter().find_map(|line| match agent {
        Agent::Claude => (line.get("type")?.as_str()? == "user"
            && line.get("isMeta").and_then(Value::as_bool) != Some(true))
        .then(|| {
            line.get("message")?
                .get("content")?
                .as_str()
                .map(str::to_owned)
        })
        .flatten(),
        Agent::Codex => {
            let payload = line.get("payload")?;
            (payload.get("type")?.as_str()? == "user_message")
                .then(|| payload.get("message")?.as_str().map(str::to_owned))
                .flatten()
        }
        Agent::Gemini => (line.get("type")?.as_str()? == "user")
            .then(|| content_text(line.get("content")?))
            .flatten(),
    })?;
    let line = text.lines().find(|line| !line.trim().is_empty())?.trim();
    Some(line.chars().take(60).collect())
}

fn claude_state(lines: &[Value]) -> Option<TailState> {
    for line in lines.iter().rev() {
        let kind = line.get("type").and_then(Value::as_str).unwrap_or("");
        match kind {
            "system" if line.get("subtype").and_then(Value::as_str) == Some("turn_duration") => {
                // The answer before it says whether the turn ended on a question.
                return Some(TailState::TurnDone {
                    asks: last_claude_answer_asks(lines),
                });
            }
            "user" => {
                if line.get("isMeta").and_then(Value::as_bool) == Some(true) {
                    continue;
                }
                return Some(TailState::Prompted);
            }
            "assistant" => {
                let content = line.get("message").and_then(|m| m.get("content"));
                let blocks = content.and_then(Value::as_array);
                let last = blocks.and_then(|blocks| blocks.last());
                match last
                    .and_then(|block| block.get("type"))
                    .and_then(Value::as_str)
                {
                    Some("tool_use") => return Some(TailState::ToolPending),
                    Some("text") => {
                        let text = last.and_then(|b| b.get("text")).and_then(Value::as_str);
                        return Some(TailState::Answered {
                            asks: text.is_some_and(ends_with_question),
                        });
                    }
                    _ => continue,
                }
            }
            _ => {}
        }
    }
    None
}

fn last_claude_answer_asks(lines: &[Value]) -> bool {
    lines
        .iter()
        .rev()
        .filter(|line| line.get("type").and_then(Value::as_str) == Some("assistant"))
        .find_map(|line| {
            let blocks = line.get("message")?.get("content")?.as_array()?;
            let text = blocks.iter().rev().find_map(|block| {
                (block.get("type")?.as_str()? == "text").then(|| block.get("text")?.as_str())?
            })?;
            Some(ends_with_question(text))
        })
        .unwrap_or(false)
}

fn codex_state(lines: &[Value]) -> Option<TailState> {
    for line in lines.iter().rev() {
        let Some(payload) = line.get("payload") else {
            continue;
        };
        let kind = payload.get("type").and_then(Value::as_str).unwrap_or("");
        let line_type = line.get("type").and_then(Value::as_str).unwrap_or("");
        match (line_type, kind) {
            ("event_msg", "task_complete" | "turn_complete") => {
                let last = payload
                    .get("last_agent_message")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                return Some(TailState::TurnDone {
                    asks: ends_with_question(last),
                });
            }
            ("event_msg", "task_started" | "user_message") => return Some(TailState::Prompted),
            ("event_msg", kind) if kind.ends_with("approval_request") => {
                return Some(TailState::ApprovalAsked);
            }
            ("event_msg", "agent_message") => {
                let text = payload.get("message").and_then(Value::as_str).unwrap_or("");
                return Some(TailState::Answered {
                    asks: ends_with_question(text),
                });
            }
            ("response_item", "function_call" | "custom_tool_call" | "local_shell_call") => {
                return Some(TailState::ToolPending);
            }
            ("response_item", "function_call_output" | "custom_tool_call_output") => {
                return Some(TailState::Prompted);
            }
            _ => {}
        }
    }
    None
}

fn gemini_state(lines: &[Value]) -> Option<TailState> {
    for line in lines.iter().rev() {
        match line.get("type").and_then(Value::as_str) {
            Some("user") => return Some(TailState::Prompted),
            Some("gemini") => {
                let pending =
                    line.get("toolCalls")
                        .and_then(Value::as_array)
                        .is_some_and(|calls| {
                            calls.iter().any(|call| {
                                call.get("status")
                                    .and_then(Value::as_str)
                                    .is_some_and(|status| {
                                        !matches!(status, "success" | "error" | "cancelled")
                                    })
                            })
                        });
                if pending {
                    return Some(TailState::ToolPending);
                }
                let text = line
                    .get("content")
                    .and_then(content_text)
                    .unwrap_or_default();
                return Some(TailState::Answered {
                    asks: ends_with_question(&text),
                });
            }
            _ => {}
        }
    }
    None
}

/// A string, or a list of `{"text": ...}` parts joined.
fn content_text(content: &Value) -> Option<String> {
    match content {
        Value::String(text) => Some(text.clone()),
        Value::Array(parts) => Some(
            parts
                .iter()
                .filter_map(|part| part.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join(""),
        ),
        _ => None,
    }
}

fn ends_with_question(text: &str) -> bool {
    text.trim_end().ends_with('?')
}

fn live(agent: Agent, session: String, path: PathBuf) -> LiveTranscript {
    let started_ms = head_json(&path, 8)
        .iter()
        .find_map(|line| line.get("timestamp")?.as_str().and_then(time::parse_millis))
        .unwrap_or_else(|| modified_ms(&path));
    LiveTranscript {
        agent,
        session,
        path,
        started_ms,
    }
}

/// Gemini's project folders for `cwd`: the slug named in `projects.json`, folders whose
/// `.project_root` says `cwd`, and the old sha256 folder.
fn gemini_project_dirs(root: &Path, cwd: &Path) -> Vec<PathBuf> {
    let tmp = root.join("tmp");
    let Some(cwd_text) = cwd.to_str() else {
        return Vec::new();
    };
    let mut dirs = vec![tmp.join(sha256::hex_digest(cwd_text.as_bytes()))];
    if let Ok(text) = fs::read_to_string(root.join("projects.json"))
        && let Ok(projects) = serde_json::from_str::<Value>(&text)
    {
        let map = projects.get("projects").unwrap_or(&projects);
        if let Some(slug) = map.get(cwd_text).and_then(Value::as_str) {
            dirs.push(tmp.join(slug));
        }
    }
    for dir in read_dir_paths(&tmp) {
        if fs::read_to_string(dir.join(".project_root")).is_ok_and(|root| root.trim() == cwd_text) {
            dirs.push(dir);
        }
    }
    dirs.sort();
    dirs.dedup();
    dirs
}

/// Codex's rollouts of the last two days (its folders are by local date; a session that
/// started before midnight is in yesterday's).
fn recent_codex_files(root: &Path) -> Vec<PathBuf> {
    let now = chrono::Local::now();
    let mut files = Vec::new();
    for day in [now, now - chrono::Duration::days(1)] {
        let dir = root
            .join("sessions")
            .join(day.format("%Y").to_string())
            .join(day.format("%m").to_string())
            .join(day.format("%d").to_string());
        files.extend(
            read_dir_paths(&dir)
                .into_iter()
                .filter(|path| has_extension(path, "jsonl")),
        );
    }
    files
}

fn read_dir_paths(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|entry| entry.path()).collect())
        .unwrap_or_default()
}

fn walk_files(dir: &Path, depth: usize) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in read_dir_paths(dir) {
        if path.is_dir() {
            if depth > 0 {
                files.extend(walk_files(&path, depth - 1));
            }
        } else {
            files.push(path);
        }
    }
    files
}

fn has_extension(path: &Path, extension: &str) -> bool {
    path.extension().is_some_and(|ext| ext == extension)
}

fn modified_ms(path: &Path) -> i64 {
    fs::metadata(path)
        .and_then(|metadata| metadata.modified())
        .ok()
        .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}

/// The first `count` JSON lines of a file (within its first [`HEAD_BYTES`]).
fn head_json(path: &Path, count: usize) -> Vec<Value> {
    let Ok(file) = fs::File::open(path) else {
        return Vec::new();
    };
    let mut bytes = Vec::new();
    if file.take(HEAD_BYTES).read_to_end(&mut bytes).is_err() {
        return Vec::new();
    }
    parse_lines(&bytes, false).into_iter().take(count).collect()
}

/// The JSON lines of a file's last [`TAIL_BYTES`] (a partial first line is skipped).
fn tail_json(path: &Path) -> Vec<Value> {
    let Ok(mut file) = fs::File::open(path) else {
        return Vec::new();
    };
    let length = file.metadata().map_or(0, |metadata| metadata.len());
    let start = length.saturating_sub(TAIL_BYTES);
    if file.seek(SeekFrom::Start(start)).is_err() {
        return Vec::new();
    }
    let mut bytes = Vec::new();
    if file.read_to_end(&mut bytes).is_err() {
        return Vec::new();
    }
    parse_lines(&bytes, start > 0)
}

/// Each complete line that parses as JSON (a line still being written is left out).
fn parse_lines(bytes: &[u8], skip_first: bool) -> Vec<Value> {
    let complete = match bytes.iter().rposition(|&b| b == b'\n') {
        Some(end) => &bytes[..=end],
        None => return Vec::new(),
    };
    complete
        .split(|&b| b == b'\n')
        .skip(usize::from(skip_first))
        .filter_map(|line| serde_json::from_slice(line).ok())
        .collect()
}

#[cfg(test)]
#[path = "live_tests.rs"]
mod tests;
