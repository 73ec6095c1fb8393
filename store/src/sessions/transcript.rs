//! What a reader makes of one transcript file: the session's facts, its messages, where to
//! resume, and how many lines it could not understand.

use std::fs::File;
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Agent, MAX_TOOL_RESULT_TEXT, MessageRole, TokenUsage, claude, codex, gemini};

/// Where a title came from; a better source replaces a worse one, never the other way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TitleSource {
    /// The first prompt the user typed.
    FirstPrompt = 1,
    /// A summary the agent wrote (Claude `summary` / `ai-title`, Gemini `$set.summary`).
    Summary = 2,
    /// A title the user chose (Claude `custom-title`).
    UserTitle = 3,
}

/// A session title and where it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Title {
    pub text: String,
    pub source: TitleSource,
}

/// The facts of one session, as far as the bytes read tell them.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SessionFacts {
    /// The agent's own session id (empty when the bytes read did not say).
    pub id: String,
    pub cwd: Option<String>,
    pub title: Option<Title>,
    pub git_branch: Option<String>,
    /// Model names in order of first use.
    pub models: Vec<String>,
    /// The model was not named and is assumed (old Codex rollouts: gpt-5).
    pub model_assumed: bool,
    pub first_at_ms: Option<i64>,
    pub last_at_ms: Option<i64>,
    /// The session a sub-agent worked for.
    pub parent: Option<String>,
}

impl SessionFacts {
    /// Widens the activity span to include `at_ms`.
    pub(crate) fn note_time(&mut self, at_ms: Option<i64>) {
        let Some(at_ms) = at_ms else { return };
        self.first_at_ms = Some(self.first_at_ms.map_or(at_ms, |first| first.min(at_ms)));
        self.last_at_ms = Some(self.last_at_ms.map_or(at_ms, |last| last.max(at_ms)));
    }

    /// Records a model the first time it is used.
    pub(crate) fn add_model(&mut self, model: &str) {
        if !model.is_empty() && !self.models.iter().any(|known| known == model) {
            self.models.push(model.to_owned());
        }
    }

    /// Takes `text` as the title unless the one held came from a better source. Among equal
    /// sources the first prompt keeps the first, summaries and user titles keep the latest.
    pub(crate) fn offer_title(&mut self, text: &str, source: TitleSource) {
        let text = title_line(text);
        if text.is_empty() {
            return;
        }
        let replace = match &self.title {
            None => true,
            Some(held) if source == TitleSource::FirstPrompt => held.source < source,
            Some(held) => held.source <= source,
        };
        if replace {
            self.title = Some(Title { text, source });
        }
    }

    /// Sets the cwd the first time one is seen.
    pub(crate) fn offer_cwd(&mut self, cwd: &str) {
        if self.cwd.is_none() && !cwd.is_empty() {
            self.cwd = Some(cwd.to_owned());
        }
    }
}

/// The longest title kept, in characters.
const MAX_TITLE_CHARS: usize = 200;

/// The first non-empty line of `text`, trimmed and cut to [`MAX_TITLE_CHARS`].
fn title_line(text: &str) -> String {
    let line = text.lines().map(str::trim).find(|line| !line.is_empty());
    line.unwrap_or("").chars().take(MAX_TITLE_CHARS).collect()
}

/// One message of a conversation, as read.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ParsedMessage {
    pub role: MessageRole,
    pub text: String,
    pub model: Option<String>,
    pub at_ms: Option<i64>,
    pub tool_name: Option<String>,
    /// Written by a sub-agent (Claude `isSidechain`, or a sub-agent's own file).
    pub from_subagent: bool,
    /// Claude's line uuid, so a copy made by a resume is kept once.
    pub key: Option<String>,
    /// Claude's (message.id, requestId): the lines of one response share it.
    pub usage_key: Option<String>,
    pub usage: Option<TokenUsage>,
    /// Kept only for its usage: the agent dropped the message from the conversation after it
    /// was billed (a Gemini `$rewindTo`). The conversation view does not show it.
    pub usage_only: bool,
}

impl ParsedMessage {
    /// A message with only a role and text; the readers fill in the rest.
    /// Tool output is cut to [`MAX_TOOL_RESULT_TEXT`].
    pub(crate) fn new(role: MessageRole, text: String) -> Self {
        let text = if role == MessageRole::ToolResult {
            cut(text, MAX_TOOL_RESULT_TEXT)
        } else {
            text
        };
        Self {
            role,
            text,
            model: None,
            at_ms: None,
            tool_name: None,
            from_subagent: false,
            key: None,
            usage_key: None,
            usage: None,
            usage_only: false,
        }
    }
}

/// `text` cut to at most `limit` bytes on a character boundary, an ellipsis marking the cut.
fn cut(mut text: String, limit: usize) -> String {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit - '…'.len_utf8();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push('…');
    text
}

/// Lines a reader met, and those it could not use. Nothing here stops a file from being read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LineCounts {
    /// Complete lines read.
    pub lines: u64,
    /// Lines that are not JSON, or JSON of a shape the reader cannot use.
    pub malformed: u64,
    /// Well-formed lines of a type the reader does not know (newer CLI versions).
    pub unknown_type: u64,
    /// Lines longer than the reader's limit, skipped without being held in memory.
    pub too_long: u64,
    /// Lines with bytes that are not UTF-8 (read with those bytes replaced).
    pub not_utf8: u64,
    /// A last line without its newline that is not complete JSON yet (a writer mid-line, or
    /// a truncated file): left to be read again once it grows.
    pub incomplete: u64,
}

impl LineCounts {
    /// Adds `other` into `self`.
    pub fn add(&mut self, other: &LineCounts) {
        self.lines += other.lines;
        self.malformed += other.malformed;
        self.unknown_type += other.unknown_type;
        self.too_long += other.too_long;
        self.not_utf8 += other.not_utf8;
        self.incomplete += other.incomplete;
    }

    /// Lines that did not give what they held: malformed, too long or incomplete.
    pub fn not_understood(&self) -> u64 {
        self.malformed + self.too_long + self.incomplete
    }
}

/// The small state a reader needs to go on reading an append-only file where it stopped.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct ReaderState {
    /// Codex: the model of the current turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Codex: the last `total_token_usage`, to take differences when `last_token_usage` is
    /// missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_total: Option<TokenUsage>,
}

/// Everything read from one file.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Transcript {
    pub facts: SessionFacts,
    pub messages: Vec<ParsedMessage>,
    /// The end of the last complete line read: where the next read starts.
    pub end_offset: u64,
    /// Bytes read from the file.
    pub bytes_read: u64,
    pub lines: LineCounts,
    #[serde(skip)]
    pub(crate) state: ReaderState,
}

/// Reads the transcript at `path`, written by `agent`, from byte `start` (0 for all of it).
pub fn read_transcript(agent: Agent, path: &Path, start: u64) -> io::Result<Transcript> {
    let file = File::open(path)?;
    let length = file.metadata()?.len();
    read_open_transcript(agent, path, file, start, length, ReaderState::default())
}

/// Reads an open transcript up to `length` bytes (its size when it was looked at, so what
/// is appended meanwhile is left for the next run), going on from `state`.
pub(crate) fn read_open_transcript(
    agent: Agent,
    path: &Path,
    file: File,
    start: u64,
    length: u64,
    state: ReaderState,
) -> io::Result<Transcript> {
    match agent {
        Agent::Claude => claude::read(path, file, start, length),
        Agent::Codex => codex::read(path, file, start, length, state),
        Agent::Gemini => gemini::read(path, file, length),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_prompt_never_replaces_a_summary_and_a_user_title_beats_both() {
        let mut facts = SessionFacts::default();
        facts.offer_title("first prompt\nsecond line", TitleSource::FirstPrompt);
        facts.offer_title("another prompt", TitleSource::FirstPrompt);
        assert_eq!(
            facts.title.as_ref().map(|t| t.text.as_str()),
            Some("first prompt")
        );
        facts.offer_title("A summary", TitleSource::Summary);
        facts.offer_title("late prompt", TitleSource::FirstPrompt);
        assert_eq!(
            facts.title.as_ref().map(|t| t.text.as_str()),
            Some("A summary")
        );
        facts.offer_title("Mine", TitleSource::UserTitle);
        facts.offer_title("Newer summary", TitleSource::Summary);
        assert_eq!(facts.title.as_ref().map(|t| t.text.as_str()), Some("Mine"));
    }
}
