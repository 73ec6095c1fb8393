//! The Gemini CLI reader: `<home>/tmp/<project>/chats/session-*.jsonl` (v0.39+), the older
//! single `.json` files (rewritten whole on every update), and sub-agent chats under
//! `chats/<parentSessionId>/`.
//!
//! A JSONL chat is a log of edits, so it is always read whole: messages are re-appended with
//! the same id as they grow (last wins), `{"$set": {"messages": [...]}}` replaces the list,
//! and `{"$rewindTo": id}` drops that message and everything after it. A dropped answer was
//! still billed: its usage stays, as a usage-only row the conversation does not show.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use serde::Deserialize;

use super::content::{Content, TextPart, bounded};
use super::lines::{LineOutcome, MAX_LINE_BYTES, read_lines};
use super::time::parse_millis;
use super::transcript::{ParsedMessage, SessionFacts, TitleSource, Transcript};
use super::{MessageRole, TokenUsage};

/// The largest old-style `.json` chat read (it must be held whole to be parsed).
const MAX_JSON_FILE_BYTES: u64 = 16 * MAX_LINE_BYTES as u64;

/// Prompts that are commands or injected context, not a title.
const NOT_A_TITLE: &[&str] = &["/", "?", "<session_context>", "<hook_context>"];

/// Any line of a chat (metadata, message, update), or a whole old-style chat.
#[derive(Deserialize, Default)]
struct Record<'a> {
    #[serde(rename = "sessionId", borrow, default)]
    session_id: Option<Cow<'a, str>>,
    #[serde(rename = "startTime", borrow, default)]
    start_time: Option<Cow<'a, str>>,
    #[serde(rename = "lastUpdated", borrow, default)]
    last_updated: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    summary: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    content: Option<Content<'a, TextPart<'a>>>,
    #[serde(borrow, default)]
    model: Option<Cow<'a, str>>,
    #[serde(default)]
    tokens: Option<Tokens>,
    #[serde(rename = "toolCalls", borrow, default)]
    tool_calls: Option<Vec<ToolCall<'a>>>,
    #[serde(borrow, default)]
    messages: Option<Vec<Record<'a>>>,
    #[serde(rename = "$set", borrow, default)]
    set: Option<Box<Record<'a>>>,
    #[serde(rename = "$rewindTo", borrow, default)]
    rewind_to: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Tokens {
    #[serde(default)]
    input: u64,
    #[serde(default)]
    output: u64,
    #[serde(default)]
    cached: u64,
    #[serde(default)]
    thoughts: u64,
    #[serde(default)]
    tool: u64,
}

#[derive(Deserialize)]
struct ToolCall<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(default)]
    args: Option<serde_json::Value>,
    #[serde(rename = "resultDisplay", default)]
    result_display: Option<serde_json::Value>,
}

/// One chat message as it stands, with the rows it gives.
struct Message {
    id: String,
    rows: Vec<ParsedMessage>,
}

/// Reads a whole chat, `.json` or `.jsonl`.
pub(crate) fn read(path: &Path, file: File, length: u64) -> io::Result<Transcript> {
    let mut chat = Chat::new(path);
    let mut transcript = Transcript::default();
    if path
        .extension()
        .is_some_and(|extension| extension == "json")
    {
        read_whole_json(file, length, &mut chat, &mut transcript)?;
    } else {
        let mut counts = transcript.lines;
        let read = read_lines(file, 0, length, &mut counts, |line| chat.line(line))?;
        transcript.lines = counts;
        transcript.end_offset = read.end_offset;
        transcript.bytes_read = read.bytes_read;
    }
    chat.finish(&mut transcript);
    Ok(transcript)
}

fn read_whole_json(
    file: File,
    length: u64,
    chat: &mut Chat,
    transcript: &mut Transcript,
) -> io::Result<()> {
    if length > MAX_JSON_FILE_BYTES {
        transcript.lines.too_long += 1;
        return Ok(());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(length).unwrap_or(0));
    file.take(length).read_to_end(&mut bytes)?;
    transcript.bytes_read = bytes.len() as u64;
    transcript.end_offset = bytes.len() as u64;
    transcript.lines.lines = 1;
    let text = String::from_utf8_lossy(&bytes);
    if matches!(text, Cow::Owned(_)) {
        transcript.lines.not_utf8 += 1;
    }
    match serde_json::from_str::<Record<'_>>(&text) {
        Ok(record) => chat.whole(record),
        Err(_) if bytes.len() as u64 == length => transcript.lines.malformed += 1,
        Err(_) => transcript.lines.incomplete += 1,
    }
    Ok(())
}

/// The chat as rebuilt so far.
struct Chat {
    facts: SessionFacts,
    messages: Vec<Message>,
    /// Answers dropped from the list after they were billed, with only their usage rows.
    dropped: Vec<Message>,
    subagent: bool,
    summary: Option<String>,
}

impl Chat {
    fn new(path: &Path) -> Self {
        let facts = SessionFacts {
            id: path
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_default(),
            parent: parent_from_layout(path),
            ..SessionFacts::default()
        };
        Self {
            subagent: facts.parent.is_some(),
            facts,
            messages: Vec::new(),
            dropped: Vec::new(),
            summary: None,
        }
    }

    fn line(&mut self, text: &str) -> LineOutcome {
        let Ok(record) = serde_json::from_str::<Record<'_>>(text) else {
            return LineOutcome::Malformed;
        };
        if let Some(update) = record.set {
            self.metadata(&update);
            if let Some(messages) = update.messages {
                let old = std::mem::take(&mut self.messages);
                messages
                    .into_iter()
                    .for_each(|message| self.message(message));
                old.into_iter()
                    .for_each(|message| self.drop_message(message));
            }
            return LineOutcome::Understood;
        }
        if let Some(id) = record.rewind_to.as_deref() {
            if let Some(at) = self.messages.iter().position(|message| message.id == id) {
                let removed = self.messages.split_off(at);
                removed
                    .into_iter()
                    .for_each(|message| self.drop_message(message));
            }
            return LineOutcome::Understood;
        }
        if record.kind.is_some() && record.id.is_some() {
            self.message(record);
            return LineOutcome::Understood;
        }
        if record.session_id.is_some() {
            self.metadata(&record);
            return LineOutcome::Understood;
        }
        LineOutcome::UnknownType
    }

    /// An old-style chat: metadata and the whole message list in one object.
    fn whole(&mut self, record: Record<'_>) {
        self.metadata(&record);
        for message in record.messages.into_iter().flatten() {
            self.message(message);
        }
    }

    fn metadata(&mut self, record: &Record<'_>) {
        if let Some(id) = record.session_id.as_deref().filter(|id| !id.is_empty()) {
            self.facts.id = id.to_owned();
        }
        for time in [&record.start_time, &record.last_updated] {
            self.facts.note_time(time.as_deref().and_then(parse_millis));
        }
        if let Some(summary) = &record.summary {
            self.summary = Some(summary.to_string());
        }
    }

    /// Keeps the usage of a message taken out of the list, unless the list still holds a
    /// message with its id (then that copy is the one that counts).
    fn drop_message(&mut self, message: Message) {
        if !message.id.is_empty() && self.messages.iter().any(|held| held.id == message.id) {
            return;
        }
        let rows: Vec<ParsedMessage> = message
            .rows
            .into_iter()
            .filter(|row| row.usage.is_some_and(|usage| !usage.is_zero()))
            .map(usage_only_row)
            .collect();
        if !rows.is_empty() {
            self.dropped
                .retain(|held| message.id.is_empty() || held.id != message.id);
            self.dropped.push(Message {
                id: message.id,
                rows,
            });
        }
    }

    /// Adds a message, or replaces the one with the same id (it grew).
    fn message(&mut self, record: Record<'_>) {
        let id = record.id.as_deref().unwrap_or("").to_owned();
        if !id.is_empty() {
            // Appended again after it was dropped: the new copy is the one that counts.
            self.dropped.retain(|held| held.id != id);
        }
        let rows = self.rows(&record);
        match self
            .messages
            .iter_mut()
            .rev()
            .find(|held| !id.is_empty() && held.id == id)
        {
            Some(held) => held.rows = rows,
            None => self.messages.push(Message { id, rows }),
        }
    }

    fn rows(&self, record: &Record<'_>) -> Vec<ParsedMessage> {
        let at_ms = record.timestamp.as_deref().and_then(parse_millis);
        let model = record.model.as_deref().map(str::to_owned);
        let text = record
            .content
            .as_ref()
            .map(Content::joined_text)
            .unwrap_or_default();
        let role = match record.kind.as_deref() {
            Some("user") => MessageRole::User,
            Some("gemini") => MessageRole::Assistant,
            _ => MessageRole::System,
        };
        let mut rows = Vec::new();
        if !text.is_empty() || role == MessageRole::Assistant {
            let mut row = ParsedMessage::new(role, text);
            row.usage = record.tokens.as_ref().map(tokens_to_usage);
            rows.push(row);
        }
        for call in record.tool_calls.iter().flatten() {
            rows.extend(tool_rows(call));
        }
        for row in &mut rows {
            row.at_ms = at_ms;
            row.from_subagent = self.subagent;
            if row.role != MessageRole::User {
                row.model.clone_from(&model);
            }
        }
        rows
    }

    fn finish(self, transcript: &mut Transcript) {
        let mut facts = self.facts;
        let mut rows: Vec<ParsedMessage> = self.messages.into_iter().flat_map(|m| m.rows).collect();
        for row in &rows {
            facts.note_time(row.at_ms);
            if row.role == MessageRole::Assistant
                && let Some(model) = &row.model
            {
                facts.add_model(model);
            }
        }
        let prompt = rows.iter().find(|row| {
            row.role == MessageRole::User && !NOT_A_TITLE.iter().any(|p| row.text.starts_with(p))
        });
        if let Some(prompt) = prompt {
            facts.offer_title(&prompt.text, TitleSource::FirstPrompt);
        }
        if let Some(summary) = &self.summary {
            facts.offer_title(summary, TitleSource::Summary);
        }
        rows.extend(self.dropped.into_iter().flat_map(|m| m.rows));
        transcript.facts = facts;
        transcript.messages = rows;
    }
}

/// A dropped answer's row reduced to what billing needs: no text, not shown.
fn usage_only_row(row: ParsedMessage) -> ParsedMessage {
    let mut kept = ParsedMessage::new(MessageRole::System, String::new());
    kept.model = row.model;
    kept.at_ms = row.at_ms;
    kept.from_subagent = row.from_subagent;
    kept.usage = row.usage;
    kept.usage_only = true;
    kept
}

fn tokens_to_usage(tokens: &Tokens) -> TokenUsage {
    TokenUsage {
        input: tokens.input,
        output: tokens.output,
        cache_read: tokens.cached,
        reasoning: tokens.thoughts,
        tool: tokens.tool,
        ..TokenUsage::default()
    }
}

/// A tool call's rows: the call with its arguments, and what it showed as its result.
fn tool_rows(call: &ToolCall<'_>) -> Vec<ParsedMessage> {
    let name = call.name.as_deref().unwrap_or("").to_owned();
    let arguments = call.args.as_ref().map(|args| bounded(&args.to_string()));
    let mut call_row = ParsedMessage::new(MessageRole::ToolCall, arguments.unwrap_or_default());
    call_row.tool_name = Some(name.clone());
    let mut rows = vec![call_row];
    if let Some(display) = &call.result_display {
        let text = match display {
            serde_json::Value::String(text) => bounded(text),
            other => bounded(&other.to_string()),
        };
        let mut result_row = ParsedMessage::new(MessageRole::ToolResult, text);
        result_row.tool_name = Some(name);
        rows.push(result_row);
    }
    rows
}

/// `chats/<parentSessionId>/<sessionId>.jsonl` names its parent in its folder.
fn parent_from_layout(path: &Path) -> Option<String> {
    let folder = path.parent()?;
    if folder.parent()?.file_name()? != "chats" {
        return None;
    }
    Some(folder.file_name()?.to_string_lossy().into_owned())
}
