//! What the agents' hooks report: `spaces hooks event` passes their JSON on, and this reads
//! it. Claude Code and Gemini CLI send one object per event on stdin (`hook_event_name`,
//! `session_id`, `cwd`, `transcript_path`); Codex's `notify` program gets one argument
//! (`type: agent-turn-complete`, `thread-id`, `cwd`).

use std::path::PathBuf;

use serde_json::Value;
use spaces_store::sessions::Agent;

use super::AgentState;

/// One event, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HookEvent {
    pub agent: Agent,
    /// The event's own name (`Notification`, `agent-turn-complete`).
    pub name: String,
    pub session: String,
    pub cwd: Option<PathBuf>,
    pub transcript: Option<PathBuf>,
    /// The state the event puts the agent in.
    pub state: AgentState,
}

/// Why an event was ignored (each is counted, none is fatal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HookProblem {
    /// Not JSON, not an object, or without a session id.
    Malformed(String),
    /// An event this version does not know.
    UnknownEvent(String),
    /// The pane it names does not exist.
    UnknownPane,
    /// No pane runs that session (Codex), or it names a session another pane holds.
    Unmatched,
    /// More events than anyone sends in a second: the rest are dropped.
    Flood,
}

impl HookProblem {
    /// The counter it goes to in `spaces cli status`.
    pub fn counter(&self) -> &'static str {
        match self {
            HookProblem::Malformed(_) => "malformed",
            HookProblem::UnknownEvent(_) => "unknown event",
            HookProblem::UnknownPane => "unknown pane",
            HookProblem::Unmatched => "no matching pane",
            HookProblem::Flood => "dropped (flood)",
        }
    }
}

/// Reads one event of `agent`.
pub fn parse(agent: Agent, payload: &str) -> Result<HookEvent, HookProblem> {
    let value: Value = serde_json::from_str(payload.trim())
        .map_err(|error| HookProblem::Malformed(format!("not JSON: {error}")))?;
    let object = value
        .as_object()
        .ok_or_else(|| HookProblem::Malformed("not a JSON object".into()))?;
    let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_owned);
    let (name, session) = match agent {
        Agent::Codex => (
            text("type"),
            text("thread-id").or_else(|| text("thread_id")),
        ),
        Agent::Claude | Agent::Gemini => (text("hook_event_name"), text("session_id")),
    };
    let name = name.ok_or_else(|| HookProblem::Malformed("no event name".into()))?;
    let session = session
        .filter(|id| !id.is_empty() && id.len() <= 200)
        .ok_or_else(|| HookProblem::Malformed("no session id".into()))?;
    let state = state_after(agent, &name).ok_or(HookProblem::UnknownEvent(name.clone()))?;
    Ok(HookEvent {
        agent,
        name,
        session,
        cwd: text("cwd").map(PathBuf::from),
        transcript: text("transcript_path").map(PathBuf::from),
        state,
    })
}

/// The state an agent is in after `event`.
pub fn state_after(agent: Agent, event: &str) -> Option<AgentState> {
    use AgentState::{Exited, Idle, Waiting, Working};
    let state = match (agent, event) {
        (Agent::Claude, "SessionStart" | "Stop" | "StopFailure" | "SubagentStop") => Idle,
        (Agent::Claude, "UserPromptSubmit" | "PreToolUse" | "PostToolUse" | "PreCompact") => {
            Working
        }
        (Agent::Claude | Agent::Gemini, "Notification") => Waiting,
        (Agent::Claude | Agent::Gemini, "SessionEnd") => Exited,
        (Agent::Gemini, "SessionStart" | "AfterAgent") => Idle,
        (
            Agent::Gemini,
            "BeforeAgent"
            | "BeforeTool"
            | "AfterTool"
            | "BeforeModel"
            | "AfterModel"
            | "BeforeToolSelection"
            | "PreCompress",
        ) => Working,
        (Agent::Codex, "agent-turn-complete") => Idle,
        _ => return None,
    };
    Some(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claude_gemini_and_codex_events_are_read() {
        let claude = parse(
            Agent::Claude,
            r#"{"hook_event_name":"Notification","session_id":"s1","cwd":"/w","transcript_path":"/t.jsonl","message":"Claude needs your permission"}"#,
        )
        .expect("claude");
        assert_eq!(claude.state, AgentState::Waiting);
        assert_eq!(claude.session, "s1");
        assert_eq!(claude.transcript, Some(PathBuf::from("/t.jsonl")));
        let gemini = parse(
            Agent::Gemini,
            r#"{"hook_event_name":"BeforeAgent","session_id":"g1","cwd":"/w","timestamp":"x"}"#,
        )
        .expect("gemini");
        assert_eq!(gemini.state, AgentState::Working);
        let codex = parse(
            Agent::Codex,
            r#"{"type":"agent-turn-complete","thread-id":"c1","turn-id":"t","cwd":"/w","input-messages":["hi"],"last-assistant-message":"done"}"#,
        )
        .expect("codex");
        assert_eq!(
            (codex.state, codex.session.as_str()),
            (AgentState::Idle, "c1")
        );
    }

    #[test]
    fn bad_events_say_why() {
        assert!(matches!(
            parse(Agent::Claude, "{not json"),
            Err(HookProblem::Malformed(_))
        ));
        assert!(matches!(
            parse(Agent::Claude, "[1,2]"),
            Err(HookProblem::Malformed(_))
        ));
        assert!(matches!(
            parse(Agent::Claude, r#"{"hook_event_name":"Stop"}"#),
            Err(HookProblem::Malformed(_))
        ));
        assert_eq!(
            parse(
                Agent::Claude,
                r#"{"hook_event_name":"Teleport","session_id":"s"}"#
            ),
            Err(HookProblem::UnknownEvent("Teleport".into()))
        );
        assert_eq!(
            parse(
                Agent::Gemini,
                r#"{"hook_event_name":"Stop","session_id":"s"}"#
            ),
            Err(HookProblem::UnknownEvent("Stop".into()))
        );
    }
}
