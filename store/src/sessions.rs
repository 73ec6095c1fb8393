//! Agent sessions: every Claude Code, Codex CLI and Gemini CLI transcript on the machine, read
//! into Spaces' own tables so it stays listed, searchable and readable after the agent deletes
//! it.
//!
//! The readers (`claude`, `codex`, `gemini`) only parse; `index` walks the agents' folders and
//! writes what changed; `query` lists, searches and reads back. `generate` writes realistic
//! transcripts for benchmarks and tests.

mod claude;
mod codex;
mod content;
mod discover;
mod gemini;
pub mod generate;
mod index;
mod lines;
pub mod live;
mod query;
mod resume;
mod roots;
mod sha256;
mod time;
mod transcript;

use serde::{Deserialize, Serialize};

pub use index::{IndexProblem, IndexProgress, IndexReport};
pub use query::{MATCH_END, MATCH_START, SearchHit, SessionFilter, SessionMessage, SessionSummary};
pub use resume::ResumeCommand;
pub use roots::{SessionEnvironment, SessionRoots};
pub use transcript::{LineCounts, ParsedMessage, SessionFacts, Title, TitleSource, Transcript};

/// Reads one transcript file (pure parsing, no SQL): the entry point the indexer uses, public
/// so tools can inspect a single file. `start` is where to resume reading an append-only JSONL
/// file (0 for the whole file); formats that are rewritten (Gemini) are always read whole.
pub use transcript::read_transcript;

/// Which agent CLI wrote a session. Serialized as `"claude"`, `"codex"`, `"gemini"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Agent {
    Claude,
    Codex,
    Gemini,
}

impl Agent {
    /// Every agent, in the order they are indexed (Gemini last: its old hash folders are
    /// matched against the working directories the other two recorded).
    pub const ALL: [Agent; 3] = [Agent::Claude, Agent::Codex, Agent::Gemini];

    /// The name stored in the database and shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            Agent::Claude => "claude",
            Agent::Codex => "codex",
            Agent::Gemini => "gemini",
        }
    }

    /// The agent called `name` (as written by [`Agent::as_str`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|agent| agent.as_str() == name)
    }
}

impl std::fmt::Display for Agent {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// What a message of a conversation is. Serialized in snake case (`"tool_call"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageRole {
    /// A prompt the user typed.
    User,
    /// Text the model answered.
    Assistant,
    /// A tool the model called (`tool_name` names it; the text is its input).
    ToolCall,
    /// What a tool returned (cut to [`MAX_TOOL_RESULT_TEXT`]).
    ToolResult,
    /// Notes from the CLI itself: API errors, info and warnings, injected context.
    System,
}

impl MessageRole {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageRole::User => "user",
            MessageRole::Assistant => "assistant",
            MessageRole::ToolCall => "tool_call",
            MessageRole::ToolResult => "tool_result",
            MessageRole::System => "system",
        }
    }

    /// The role stored as `name`; unknown names read as `System`.
    pub fn from_name(name: &str) -> Self {
        match name {
            "user" => MessageRole::User,
            "assistant" => MessageRole::Assistant,
            "tool_call" => MessageRole::ToolCall,
            "tool_result" => MessageRole::ToolResult,
            _ => MessageRole::System,
        }
    }
}

/// Token counts of one model response, as the agent wrote them. What is part of what differs
/// per agent, and a later cost table must follow it:
/// - Claude: the four counts `input`, `output`, `cache_read`, `cache_write` are disjoint;
///   `cache_write_1h` is the part of `cache_write` kept for an hour.
/// - Codex: `cache_read` (cached input) is PART of `input`; `reasoning` is PART of `output`.
/// - Gemini: `cache_read` (cached) is PART of `input`; `reasoning` (thoughts) and `tool` are
///   counted beside `output`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    pub input: u64,
    pub output: u64,
    pub cache_read: u64,
    pub cache_write: u64,
    pub cache_write_1h: u64,
    pub reasoning: u64,
    pub tool: u64,
}

impl TokenUsage {
    /// Every count added up (for choosing the fuller copy of a repeated response).
    pub fn total(&self) -> u64 {
        self.input
            .saturating_add(self.output)
            .saturating_add(self.cache_read)
            .saturating_add(self.cache_write)
            .saturating_add(self.reasoning)
            .saturating_add(self.tool)
    }

    /// True when every count is zero (synthetic messages, empty deltas): nothing to keep.
    pub fn is_zero(&self) -> bool {
        *self == TokenUsage::default()
    }
}

/// The longest text kept for one message, in bytes. Tool output can be megabytes (a file read
/// whole); the start is what a reader of the conversation needs, and the index stays small.
pub const MAX_MESSAGE_TEXT: usize = 16 * 1024;

/// The longest tool output kept, in bytes. A tool's output is mostly file contents and
/// command output that the project itself still holds; its start says what happened, and
/// keeping less of it is what lets a cold index of a gigabyte of transcripts fit its budget
/// (the database write, not parsing, is the cost).
pub const MAX_TOOL_RESULT_TEXT: usize = 4 * 1024;
