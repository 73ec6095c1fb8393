//! The Claude Code reader: `<root>/projects/<encoded-cwd>/<sessionId>.jsonl`, and sub-agent
//! files `agent-<id>.jsonl` (beside the session, or under `<sessionId>/subagents/`).
//!
//! Traps handled here: one response is written as several lines repeating the same usage
//! (kept once per `message.id` + `requestId`, preferring the main-chain copy, then the larger
//! total); `<synthetic>` messages (API errors) carry no model and no usage; titles come from a
//! user-set title, else a summary, else the first plain-string prompt that is not `isMeta`.
//! Each row gets the line's uuid as its key, so lines a resume copied into a new file are
//! kept once by the index.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::path::Path;

use serde::Deserialize;

use super::content::{Content, TextPart, bounded};
use super::lines::{LineOutcome, read_lines};
use super::time::parse_millis;
use super::transcript::{ParsedMessage, TitleSource, Transcript};
use super::{MessageRole, TokenUsage};

/// The model name Claude Code gives messages it made up itself (API errors).
const SYNTHETIC_MODEL: &str = "<synthetic>";

/// Line types Claude Code writes that hold nothing for the index.
const IGNORED_TYPES: &[&str] = &[
    "attachment",
    "file-history-snapshot",
    "mode",
    "permission-mode",
    "last-prompt",
    "tag",
    "pr-link",
    "relocated",
    "queue-operation",
];

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(rename = "sessionId", borrow, default)]
    session_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    cwd: Option<Cow<'a, str>>,
    #[serde(rename = "gitBranch", borrow, default)]
    git_branch: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    uuid: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(rename = "isSidechain", default)]
    is_sidechain: Option<bool>,
    #[serde(rename = "isMeta", default)]
    is_meta: Option<bool>,
    #[serde(rename = "requestId", borrow, default)]
    request_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    message: Option<Message<'a>>,
    #[serde(borrow, default)]
    summary: Option<Cow<'a, str>>,
    #[serde(rename = "customTitle", borrow, default)]
    custom_title: Option<Cow<'a, str>>,
    #[serde(rename = "aiTitle", borrow, default)]
    ai_title: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    title: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    content: Option<Content<'a, TextPart<'a>>>,
}

#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    model: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    content: Content<'a, Block<'a>>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Block<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    text: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    thinking: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(default)]
    input: Option<serde_json::Value>,
    #[serde(borrow, default)]
    tool_use_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    content: Option<Content<'a, TextPart<'a>>>,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(default)]
    input_tokens: Option<u64>,
    #[serde(default)]
    output_tokens: Option<u64>,
    #[serde(default)]
    cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    cache_read_input_tokens: Option<u64>,
    #[serde(default)]
    cache_creation: Option<CacheCreation>,
}

#[derive(Deserialize)]
struct CacheCreation {
    #[serde(default)]
    ephemeral_1h_input_tokens: Option<u64>,
}

impl Usage {
    fn to_usage(&self) -> TokenUsage {
        TokenUsage {
            input: self.input_tokens.unwrap_or(0),
            output: self.output_tokens.unwrap_or(0),
            cache_read: self.cache_read_input_tokens.unwrap_or(0),
            cache_write: self.cache_creation_input_tokens.unwrap_or(0),
            cache_write_1h: self
                .cache_creation
                .as_ref()
                .and_then(|cache| cache.ephemeral_1h_input_tokens)
                .unwrap_or(0),
            ..TokenUsage::default()
        }
    }
}

/// Reads a Claude transcript from `start` up to `length`.
pub(crate) fn read(path: &Path, file: File, start: u64, length: u64) -> io::Result<Transcript> {
    let mut reader = Reader::new(path);
    let mut counts = reader.transcript.lines;
    let read = read_lines(file, start, length, &mut counts, |line| reader.line(line))?;
    let mut transcript = reader.finish();
    transcript.lines = counts;
    transcript.end_offset = read.end_offset;
    transcript.bytes_read = read.bytes_read;
    Ok(transcript)
}

/// The reader's state while going through one file.
struct Reader {
    transcript: Transcript,
    /// The file is a sub-agent's (`agent-<id>.jsonl`): its lines name the parent session.
    subagent_file: bool,
    /// For each response key, the message holding its usage.
    usage_holders: HashMap<String, usize>,
    /// Tool names by tool-use id, to name the results.
    tool_names: HashMap<String, String>,
}

impl Reader {
    fn new(path: &Path) -> Self {
        let stem = path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned());
        let stem = stem.unwrap_or_default();
        let subagent_file = stem.starts_with("agent-");
        let mut transcript = Transcript::default();
        if subagent_file {
            transcript.facts.parent = parent_from_layout(path);
        }
        transcript.facts.id = stem;
        Self {
            transcript,
            subagent_file,
            usage_holders: HashMap::new(),
            tool_names: HashMap::new(),
        }
    }

    fn finish(self) -> Transcript {
        self.transcript
    }

    fn line(&mut self, text: &str) -> LineOutcome {
        let Ok(line) = serde_json::from_str::<Line<'_>>(text) else {
            return LineOutcome::Malformed;
        };
        match line.kind.as_ref() {
            "user" => self.user(&line),
            "assistant" => self.assistant(&line),
            "system" => self.system(&line),
            "summary" => self.title(line.summary.as_deref(), TitleSource::Summary),
            "custom-title" => {
                let title = line.custom_title.as_deref().or(line.title.as_deref());
                self.title(title, TitleSource::UserTitle)
            }
            "ai-title" => {
                let title = line.ai_title.as_deref().or(line.title.as_deref());
                self.title(title, TitleSource::Summary)
            }
            kind if IGNORED_TYPES.contains(&kind) => LineOutcome::Understood,
            _ => LineOutcome::UnknownType,
        }
    }

    fn title(&mut self, title: Option<&str>, source: TitleSource) -> LineOutcome {
        match title {
            Some(title) => {
                self.transcript.facts.offer_title(title, source);
                LineOutcome::Understood
            }
            None => LineOutcome::Malformed,
        }
    }

    /// Takes what every conversation line says about the session; returns its time.
    fn note_session(&mut self, line: &Line<'_>) -> Option<i64> {
        let facts = &mut self.transcript.facts;
        if let Some(cwd) = &line.cwd {
            facts.offer_cwd(cwd);
        }
        if let Some(branch) = line.git_branch.as_deref().filter(|b| !b.is_empty()) {
            facts.git_branch = Some(branch.to_owned());
        }
        if self.subagent_file
            && let Some(parent) = &line.session_id
        {
            facts.parent = Some(parent.to_string());
        }
        let at_ms = line.timestamp.as_deref().and_then(parse_millis);
        facts.note_time(at_ms);
        at_ms
    }

    fn user(&mut self, line: &Line<'_>) -> LineOutcome {
        let Some(message) = &line.message else {
            return LineOutcome::Malformed;
        };
        let at_ms = self.note_session(line);
        let is_meta = line.is_meta.unwrap_or(false);
        let mut rows = Vec::new();
        match &message.content {
            Content::Text(text) if is_meta => rows.push((MessageRole::System, bounded(text), None)),
            Content::Text(text) => {
                self.transcript
                    .facts
                    .offer_title(text, TitleSource::FirstPrompt);
                rows.push((MessageRole::User, bounded(text), None));
            }
            Content::Blocks(blocks) => {
                for block in blocks {
                    rows.extend(self.user_block(block, is_meta));
                }
            }
        }
        self.push_rows(line, rows, at_ms, None);
        LineOutcome::Understood
    }

    fn user_block(
        &self,
        block: &Block<'_>,
        is_meta: bool,
    ) -> Option<(MessageRole, String, Option<String>)> {
        match block.kind.as_deref() {
            Some("text") => {
                let role = if is_meta {
                    MessageRole::System
                } else {
                    MessageRole::User
                };
                Some((role, bounded(block.text.as_deref()?), None))
            }
            Some("tool_result") => {
                let text = block.content.as_ref().map(Content::joined_text);
                let name = block.tool_use_id.as_deref();
                let name = name.and_then(|id| self.tool_names.get(id)).cloned();
                Some((MessageRole::ToolResult, text.unwrap_or_default(), name))
            }
            _ => None,
        }
    }

    fn assistant(&mut self, line: &Line<'_>) -> LineOutcome {
        let Some(message) = &line.message else {
            return LineOutcome::Malformed;
        };
        let at_ms = self.note_session(line);
        let model = message.model.as_deref().unwrap_or("");
        let synthetic = model == SYNTHETIC_MODEL;
        if !synthetic {
            self.transcript.facts.add_model(model);
        }
        let mut rows = Vec::new();
        match &message.content {
            Content::Text(text) => rows.push((MessageRole::Assistant, bounded(text), None)),
            Content::Blocks(blocks) => {
                for block in blocks {
                    rows.extend(self.assistant_block(block));
                }
            }
        }
        if synthetic {
            for row in &mut rows {
                row.0 = MessageRole::System;
            }
        }
        let first = self.transcript.messages.len();
        let model = (!synthetic && !model.is_empty()).then_some(model);
        self.push_rows(line, rows, at_ms, model);
        if !synthetic {
            self.keep_usage(line, message, first);
        }
        LineOutcome::Understood
    }

    fn assistant_block(
        &mut self,
        block: &Block<'_>,
    ) -> Option<(MessageRole, String, Option<String>)> {
        match block.kind.as_deref() {
            Some("text") => Some((
                MessageRole::Assistant,
                bounded(block.text.as_deref()?),
                None,
            )),
            Some("thinking") => Some((
                MessageRole::System,
                bounded(block.thinking.as_deref()?),
                None,
            )),
            Some("tool_use") => {
                let name = block.name.as_deref().unwrap_or("").to_owned();
                if let Some(id) = &block.id {
                    self.tool_names.insert(id.to_string(), name.clone());
                }
                let input = block
                    .input
                    .as_ref()
                    .map(|input| bounded(&input.to_string()));
                Some((MessageRole::ToolCall, input.unwrap_or_default(), Some(name)))
            }
            _ => None,
        }
    }

    fn push_rows(
        &mut self,
        line: &Line<'_>,
        rows: Vec<(MessageRole, String, Option<String>)>,
        at_ms: Option<i64>,
        model: Option<&str>,
    ) {
        let from_subagent = self.subagent_file || line.is_sidechain.unwrap_or(false);
        let usage_key = usage_key(line);
        for (index, (role, text, tool_name)) in rows.into_iter().enumerate() {
            let mut message = ParsedMessage::new(role, text);
            message.at_ms = at_ms;
            message.tool_name = tool_name;
            message.model = model.map(str::to_owned);
            message.from_subagent = from_subagent;
            message.key = line.uuid.as_ref().map(|uuid| format!("{uuid}:{index}"));
            message.usage_key.clone_from(&usage_key);
            self.transcript.messages.push(message);
        }
    }

    /// Gives the line's usage to its first row, unless another line of the same response
    /// already holds a better copy (main chain first, then the larger total).
    fn keep_usage(&mut self, line: &Line<'_>, message: &Message<'_>, first: usize) {
        let Some(usage) = message.usage.as_ref().map(Usage::to_usage) else {
            return;
        };
        if first >= self.transcript.messages.len() || usage.is_zero() {
            return;
        }
        let Some(key) = usage_key(line) else {
            self.transcript.messages[first].usage = Some(usage);
            return;
        };
        if let Some(&holder) = self.usage_holders.get(&key) {
            let held = &self.transcript.messages[holder];
            let held_rank = (!held.from_subagent, held.usage.map_or(0, |u| u.total()));
            let new_rank = (!line.is_sidechain.unwrap_or(false), usage.total());
            if new_rank <= held_rank {
                return;
            }
            self.transcript.messages[holder].usage = None;
        }
        self.transcript.messages[first].usage = Some(usage);
        self.usage_holders.insert(key, first);
    }

    fn system(&mut self, line: &Line<'_>) -> LineOutcome {
        let at_ms = self.note_session(line);
        if let Some(content) = &line.content {
            let text = content.joined_text();
            if !text.is_empty() {
                self.push_rows(line, vec![(MessageRole::System, text, None)], at_ms, None);
            }
        }
        LineOutcome::Understood
    }
}

/// `message.id:requestId`, the key shared by the lines of one response.
fn usage_key(line: &Line<'_>) -> Option<String> {
    let message_id = line.message.as_ref()?.id.as_deref()?;
    Some(format!(
        "{message_id}:{}",
        line.request_id.as_deref().unwrap_or("")
    ))
}

/// The parent session of `<sessionId>/subagents/agent-<id>.jsonl` (newer layout); the older
/// layout (`agent-<id>.jsonl` beside the sessions) names it only in its lines.
fn parent_from_layout(path: &Path) -> Option<String> {
    let folder = path.parent()?;
    if folder.file_name()? != "subagents" {
        return None;
    }
    Some(folder.parent()?.file_name()?.to_string_lossy().into_owned())
}
