//! The Codex CLI reader: rollouts `<home>/sessions/YYYY/MM/DD/rollout-<time>-<uuid>.jsonl`
//! (and the same under `archived_sessions/`), one `{timestamp, type, payload}` per line.
//!
//! Traps handled here: prompts come from `event_msg user_message` (older versions), from
//! `response_item` messages of role `user` (which also carry the injected AGENTS.md,
//! environment and instruction blocks, skipped) and from `event_msg item_completed` (0.171):
//! the same prompt written two ways is kept once. The cwd can change per turn: the session
//! keeps the one it started in (where `codex resume` works). The model comes from
//! `turn_context`; rollouts without any are from gpt-5 (marked as assumed). Usage is per turn
//! from `last_token_usage`, else the difference of totals; zero deltas are skipped.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::path::Path;

use serde::Deserialize;

use super::content::{Content, TextPart, bounded};
use super::lines::{LineOutcome, read_lines};
use super::time::parse_millis;
use super::transcript::{ParsedMessage, ReaderState, TitleSource, Transcript};
use super::{MessageRole, TokenUsage};

/// The model of rollouts that never name one (written before `turn_context` existed).
pub(crate) const ASSUMED_MODEL: &str = "gpt-5";

/// How injected context blocks (role `user`, but not typed by the user) begin.
const INJECTED_PREFIXES: &[&str] = &[
    "<environment_context",
    "<user_instructions",
    "<INSTRUCTIONS",
    "# AGENTS.md",
    "<permissions",
    "<developer_instructions",
    "<collaboration_mode",
    "<turn_aborted",
];

/// Top-level line types that hold nothing the index keeps.
const IGNORED_TYPES: &[&str] = &["compacted", "world_state"];

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    payload: Option<Payload<'a>>,
}

#[derive(Deserialize)]
struct Payload<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    cwd: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    git: Option<Git<'a>>,
    #[serde(borrow, default)]
    model: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    role: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    content: Option<Content<'a, TextPart<'a>>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    arguments: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    input: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    call_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    output: Option<Content<'a, TextPart<'a>>>,
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
    #[serde(default)]
    info: Option<TokenInfo>,
    #[serde(borrow, default)]
    item: Option<Item<'a>>,
}

#[derive(Deserialize)]
struct Git<'a> {
    #[serde(borrow, default)]
    branch: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Item<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    content: Option<Content<'a, TextPart<'a>>>,
    #[serde(borrow, default)]
    text: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct TokenInfo {
    #[serde(default)]
    last_token_usage: Option<CodexUsage>,
    #[serde(default)]
    total_token_usage: Option<CodexUsage>,
}

#[derive(Deserialize)]
struct CodexUsage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    cached_input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default)]
    reasoning_output_tokens: u64,
}

impl CodexUsage {
    fn to_usage(&self) -> TokenUsage {
        TokenUsage {
            input: self.input_tokens,
            output: self.output_tokens,
            cache_read: self.cached_input_tokens,
            reasoning: self.reasoning_output_tokens,
            ..TokenUsage::default()
        }
    }
}

/// Reads a rollout from `start` up to `length`, going on from `state`.
pub(crate) fn read(
    path: &Path,
    file: File,
    start: u64,
    length: u64,
    state: ReaderState,
) -> io::Result<Transcript> {
    let mut reader = Reader::new(path, state);
    let mut counts = reader.transcript.lines;
    let read = read_lines(file, start, length, &mut counts, |line| reader.line(line))?;
    let mut transcript = reader.transcript;
    transcript.lines = counts;
    transcript.end_offset = read.end_offset;
    transcript.bytes_read = read.bytes_read;
    Ok(transcript)
}

/// The session id at the end of a rollout's file name, if it is there.
pub(crate) fn id_from_file_name(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    let id = stem.get(stem.len().checked_sub(36)?..)?;
    let looks_like_uuid = id.bytes().filter(|byte| *byte == b'-').count() == 4
        && id
            .bytes()
            .all(|byte| byte.is_ascii_hexdigit() || byte == b'-');
    looks_like_uuid.then(|| id.to_owned())
}

struct Reader {
    transcript: Transcript,
    /// The last prompt kept since the last answer, so one written twice is kept once.
    last_prompt: Option<String>,
    /// The last answer kept since the last prompt, likewise.
    last_answer: Option<String>,
    /// The model-output message that the next token count belongs to.
    usage_target: Option<usize>,
    /// Tool names by call id, to name the outputs.
    tool_names: HashMap<String, String>,
}

impl Reader {
    fn new(path: &Path, state: ReaderState) -> Self {
        let mut transcript = Transcript {
            state,
            ..Transcript::default()
        };
        transcript.facts.id = id_from_file_name(path).unwrap_or_default();
        Self {
            transcript,
            last_prompt: None,
            last_answer: None,
            usage_target: None,
            tool_names: HashMap::new(),
        }
    }

    fn line(&mut self, text: &str) -> LineOutcome {
        let Ok(line) = serde_json::from_str::<Line<'_>>(text) else {
            return LineOutcome::Malformed;
        };
        let at_ms = line.timestamp.as_deref().and_then(parse_millis);
        let kind = line.kind.as_ref();
        let Some(payload) = &line.payload else {
            return if IGNORED_TYPES.contains(&kind) {
                LineOutcome::Understood
            } else {
                LineOutcome::Malformed
            };
        };
        let outcome = match kind {
            "session_meta" => self.session_meta(payload),
            "turn_context" => self.turn_context(payload),
            "response_item" => self.response_item(payload, at_ms),
            "event_msg" => self.event(payload, at_ms),
            kind if IGNORED_TYPES.contains(&kind) => LineOutcome::Understood,
            _ => LineOutcome::UnknownType,
        };
        if outcome == LineOutcome::Understood {
            self.transcript.facts.note_time(at_ms);
        }
        outcome
    }

    fn session_meta(&mut self, payload: &Payload<'_>) -> LineOutcome {
        let facts = &mut self.transcript.facts;
        if facts.id.is_empty()
            && let Some(id) = &payload.id
        {
            facts.id = id.to_string();
        }
        if let Some(cwd) = &payload.cwd {
            facts.offer_cwd(cwd);
        }
        let branch = payload.git.as_ref().and_then(|git| git.branch.as_deref());
        if let Some(branch) = branch.filter(|branch| !branch.is_empty()) {
            facts.git_branch = Some(branch.to_owned());
        }
        LineOutcome::Understood
    }

    fn turn_context(&mut self, payload: &Payload<'_>) -> LineOutcome {
        if let Some(cwd) = &payload.cwd {
            self.transcript.facts.offer_cwd(cwd);
        }
        if let Some(model) = payload.model.as_deref().filter(|model| !model.is_empty()) {
            self.transcript.facts.add_model(model);
            self.transcript.state.model = Some(model.to_owned());
        }
        LineOutcome::Understood
    }

    fn response_item(&mut self, payload: &Payload<'_>, at_ms: Option<i64>) -> LineOutcome {
        match payload.kind.as_deref() {
            Some("message") => {
                self.response_message(payload, at_ms);
            }
            Some("function_call" | "custom_tool_call" | "local_shell_call" | "web_search_call") => {
                let name = payload
                    .name
                    .as_deref()
                    .or(payload.kind.as_deref())
                    .unwrap_or("");
                if let Some(call_id) = &payload.call_id {
                    self.tool_names.insert(call_id.to_string(), name.to_owned());
                }
                let input = payload.arguments.as_deref().or(payload.input.as_deref());
                let text = bounded(input.unwrap_or(""));
                self.push_output(MessageRole::ToolCall, text, Some(name.to_owned()), at_ms);
            }
            Some("function_call_output" | "custom_tool_call_output") => {
                let text = payload.output.as_ref().map(Content::joined_text);
                let call_id = payload.call_id.as_deref();
                let name = call_id.and_then(|id| self.tool_names.get(id)).cloned();
                self.push(
                    MessageRole::ToolResult,
                    text.unwrap_or_default(),
                    name,
                    at_ms,
                );
            }
            _ => {}
        }
        LineOutcome::Understood
    }

    fn response_message(&mut self, payload: &Payload<'_>, at_ms: Option<i64>) -> LineOutcome {
        let text = payload
            .content
            .as_ref()
            .map(Content::joined_text)
            .unwrap_or_default();
        match payload.role.as_deref() {
            Some("user") => self.prompt(text, at_ms),
            Some("assistant") => self.answer(text, at_ms),
            _ => {}
        }
        LineOutcome::Understood
    }

    fn event(&mut self, payload: &Payload<'_>, at_ms: Option<i64>) -> LineOutcome {
        match payload.kind.as_deref() {
            Some("user_message") => {
                let text = bounded(payload.message.as_deref().unwrap_or(""));
                self.prompt(text, at_ms);
            }
            Some("agent_message") => {
                let text = bounded(payload.message.as_deref().unwrap_or(""));
                self.answer(text, at_ms);
            }
            Some("token_count") => self.token_count(payload.info.as_ref(), at_ms),
            Some("item_completed") => self.item_completed(payload.item.as_ref(), at_ms),
            _ => {}
        }
        LineOutcome::Understood
    }

    /// A finished item of the 0.171 protocol: user and agent messages are kept.
    fn item_completed(&mut self, item: Option<&Item<'_>>, at_ms: Option<i64>) {
        let Some(item) = item else { return };
        let kind: String = item
            .kind
            .as_deref()
            .unwrap_or("")
            .chars()
            .filter(|c| *c != '_')
            .flat_map(char::to_lowercase)
            .collect();
        let text = item
            .content
            .as_ref()
            .map(Content::joined_text)
            .filter(|t| !t.is_empty());
        let text = text.or_else(|| {
            item.text
                .as_deref()
                .or(item.message.as_deref())
                .map(bounded)
        });
        let Some(text) = text else { return };
        match kind.as_str() {
            "usermessage" => self.prompt(text, at_ms),
            "agentmessage" => self.answer(text, at_ms),
            _ => {}
        }
    }

    /// A user prompt, unless it is injected context or the one just kept written again.
    fn prompt(&mut self, text: String, at_ms: Option<i64>) {
        let trimmed = text.trim_start();
        if trimmed.is_empty() || INJECTED_PREFIXES.iter().any(|p| trimmed.starts_with(p)) {
            return;
        }
        if self.last_prompt.as_deref() == Some(text.as_str()) {
            return;
        }
        self.transcript
            .facts
            .offer_title(&text, TitleSource::FirstPrompt);
        self.last_prompt = Some(text.clone());
        self.last_answer = None;
        self.push(MessageRole::User, text, None, at_ms);
    }

    /// A model answer, unless it is the one just kept written again.
    fn answer(&mut self, text: String, at_ms: Option<i64>) {
        if text.is_empty() || self.last_answer.as_deref() == Some(text.as_str()) {
            return;
        }
        self.last_answer = Some(text.clone());
        self.last_prompt = None;
        self.push_output(MessageRole::Assistant, text, None, at_ms);
    }

    /// A message the model produced: it carries the model and receives the next usage.
    fn push_output(
        &mut self,
        role: MessageRole,
        text: String,
        tool: Option<String>,
        at_ms: Option<i64>,
    ) {
        let model = self.current_model();
        self.push(role, text, tool, at_ms);
        let index = self.transcript.messages.len() - 1;
        self.transcript.messages[index].model = Some(model);
        self.usage_target = Some(index);
    }

    fn push(&mut self, role: MessageRole, text: String, tool: Option<String>, at_ms: Option<i64>) {
        let mut message = ParsedMessage::new(role, text);
        message.tool_name = tool;
        message.at_ms = at_ms;
        self.transcript.messages.push(message);
    }

    /// The model of the current turn, or the assumed one for rollouts that never say.
    fn current_model(&mut self) -> String {
        if let Some(model) = &self.transcript.state.model {
            return model.clone();
        }
        self.transcript.facts.model_assumed = true;
        self.transcript.facts.add_model(ASSUMED_MODEL);
        ASSUMED_MODEL.to_owned()
    }

    fn token_count(&mut self, info: Option<&TokenInfo>, at_ms: Option<i64>) {
        let Some(info) = info else { return };
        let total = info.total_token_usage.as_ref().map(CodexUsage::to_usage);
        let usage = match (&info.last_token_usage, total) {
            (Some(last), _) => Some(last.to_usage()),
            (None, Some(total)) => self
                .transcript
                .state
                .previous_total
                .map(|p| difference(total, p))
                .or(Some(total)),
            (None, None) => None,
        };
        if total.is_some() {
            self.transcript.state.previous_total = total;
        }
        let Some(usage) = usage.filter(|usage| !usage.is_zero()) else {
            return;
        };
        self.attach_usage(usage, at_ms);
    }

    /// Gives a request's usage to the model output it followed, or to a usage-only row of its
    /// own (with the turn's model and the count's time, so the usage report can place it)
    /// when that output was read in an earlier run or never written.
    fn attach_usage(&mut self, usage: TokenUsage, at_ms: Option<i64>) {
        let index = match self.usage_target.take() {
            Some(index) => index,
            None => {
                let model = self.current_model();
                self.push(MessageRole::System, String::new(), None, at_ms);
                let index = self.transcript.messages.len() - 1;
                self.transcript.messages[index].model = Some(model);
                self.transcript.messages[index].usage_only = true;
                index
            }
        };
        self.transcript.messages[index].usage = Some(usage);
    }
}

fn difference(total: TokenUsage, previous: TokenUsage) -> TokenUsage {
    TokenUsage {
        input: total.input.saturating_sub(previous.input),
        output: total.output.saturating_sub(previous.output),
        cache_read: total.cache_read.saturating_sub(previous.cache_read),
        reasoning: total.reasoning.saturating_sub(previous.reasoning),
        ..TokenUsage::default()
    }
}
