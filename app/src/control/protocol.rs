//! The control protocol: what `spaces cli` and the window say to each other over the socket,
//! as typed messages. One JSON value per line:
//!
//! ```text
//! client -> {"hello":{"protocol":1,"version":"0.1.0"}}
//! window <- {"hello":{"protocol":1,"version":"0.1.0"}}     (or {"reply":"error",...} and close)
//! client -> {"request":"list"}
//! window <- {"reply":"panes","value":[{"id":1,...}]}
//! ```
//!
//! A change that an older peer would misread bumps [`PROTOCOL_VERSION`]; a peer speaking
//! another version gets a clear error in the hello, before any request is read.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
pub use spaces_term::PaneId;

/// The protocol this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// The first line each side sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    pub protocol: u32,
    /// The sender's Spaces version, for the error message on a mismatch.
    pub version: String,
}

impl Hello {
    pub fn ours() -> Self {
        Self {
            protocol: PROTOCOL_VERSION,
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }

    /// The error to give a peer that speaks another protocol, if it does.
    pub fn mismatch(&self, peer: &Hello, peer_is: &str) -> Option<String> {
        (self.protocol != peer.protocol).then(|| {
            format!(
                "the {peer_is} speaks control protocol {} (Spaces {}) and this one {} (Spaces {}): use the `spaces` binary that started the window",
                peer.protocol, peer.version, self.protocol, self.version
            )
        })
    }
}

/// The client's first line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientHello {
    Hello(Hello),
}

/// The window's first line: its hello, or an error when it will not talk.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ServerHello {
    Hello { hello: Hello },
    Refused(Reply),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SplitDirection {
    Right,
    Down,
}

/// What a client asks for. `pane: None` means the focused pane.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "kebab-case")]
pub enum Request {
    List,
    /// Problems the window shows (database moved aside, disk full...).
    Status,
    SendText {
        pane: Option<PaneId>,
        text: String,
        paste: bool,
    },
    GetText {
        pane: Option<PaneId>,
        start_line: Option<i32>,
        end_line: Option<i32>,
    },
    Split {
        pane: Option<PaneId>,
        direction: SplitDirection,
        command: Vec<String>,
        cwd: Option<PathBuf>,
    },
    Spawn {
        cwd: Option<PathBuf>,
        command: Vec<String>,
        /// The workspace to open it in (by name); the shown one when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        workspace: Option<String>,
    },
    Focus {
        pane: PaneId,
    },
    Close {
        pane: PaneId,
    },
    WorkspaceList,
    WorkspaceNew {
        name: String,
        color: Option<String>,
        /// The directory its panes start in.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        root: Option<String>,
    },
    WorkspaceRename {
        name: String,
        new_name: String,
    },
    WorkspaceColor {
        name: String,
        color: String,
    },
    WorkspaceSwitch {
        name: String,
    },
    WorkspaceArchive {
        name: String,
    },
    WorkspaceUnarchive {
        name: String,
    },
    WorkspaceDelete {
        name: String,
    },
    /// `spaces workspace import` added this workspace to the database: show it in the
    /// sidebar's Archived section.
    WorkspaceImported {
        id: i64,
    },
    /// `spaces search` is about to wait for the window's search indexer: commit what was
    /// recorded and start indexing now.
    IndexNow,
    /// Commit what was recorded so far (`spaces workspace export` reads the database next).
    Flush,
    /// Prints the notes, or replaces them with `set`.
    WorkspaceNotes {
        name: String,
        set: Option<String>,
    },
    /// `spaces hooks event`: an agent's hook fired. `pane` is the `SPACES_PANE_ID` the hook
    /// ran with; `payload` the agent's JSON as it came.
    HookEvent {
        agent: String,
        pane: Option<PaneId>,
        payload: String,
    },
}

/// The window's answer to one request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reply", content = "value", rename_all = "kebab-case")]
pub enum Reply {
    /// `list`: every pane in layout order.
    Panes(Vec<PaneInfo>),
    Status(StatusInfo),
    /// The pane a request acted on or created.
    Pane(PaneId),
    /// `get-text`: the lines asked for.
    Text {
        pane: PaneId,
        lines: Vec<String>,
    },
    /// `workspace list`: every workspace, archived ones included, in sidebar order.
    Workspaces(Vec<WorkspaceInfo>),
    /// The workspace a request acted on or created.
    Workspace(WorkspaceInfo),
    /// `workspace notes`: the notes as they are now.
    Notes(String),
    /// The request was carried out and has nothing to say (`flush`, `index-now`).
    Done,
    /// The request could not be carried out; the message is for the user.
    Error(String),
}

/// One workspace as `spaces cli workspace list --json` prints it (documented; keep stable).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceInfo {
    pub id: i64,
    pub name: String,
    pub color: String,
    pub archived: bool,
    pub active: bool,
    /// Open panes (0 for an archived workspace: its programs have ended).
    pub panes: usize,
    /// The directory new panes start in, when the workspace has one.
    pub root: Option<String>,
}

/// One pane as `spaces cli list --json` prints it (the documented fields; keep them stable).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaneInfo {
    pub id: PaneId,
    pub workspace: String,
    pub title: String,
    pub cwd: Option<String>,
    pub cols: u16,
    pub rows: u16,
    pub focused: bool,
    /// The foreground process's name.
    pub process: Option<String>,
    /// How the pane's process ended, once it has.
    pub exited: Option<String>,
    /// A restored pane's old command, offered to run again.
    pub rerun_offer: Option<String>,
    /// Why a restored pane's agent conversation was not resumed (its banner).
    #[serde(default)]
    pub resume_problem: Option<String>,
    /// The agent CLI running in the pane: "claude", "codex", "gemini", or null.
    #[serde(default)]
    pub agent: Option<String>,
    /// The agent's conversation, once linked.
    #[serde(default)]
    pub session_id: Option<String>,
    /// "working", "waiting", "idle", "exited", or null when no agent ran here.
    #[serde(default)]
    pub agent_state: Option<String>,
    /// The linked session's tokens and cost so far (`input_tokens`, `output_tokens`,
    /// `cache_creation_tokens`, `cache_read_tokens`, `cost_usd`, `unpriced`, `responses`).
    #[serde(default)]
    pub agent_usage: Option<spaces_store::usage::UsageFigures>,
}

/// `spaces cli status`: what the window tells the user about itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusInfo {
    pub notices: Vec<String>,
    pub recording_problem: Option<String>,
    /// The database this session writes to; `None` when nothing is saved.
    pub database: Option<String>,
    pub saving: bool,
    /// Hook events taken, and those ignored by reason ("malformed", "unknown pane"...).
    #[serde(default)]
    pub hook_events: crate::model::agents::HookCounts,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_keep_their_wire_form() {
        let request = Request::GetText {
            pane: Some(PaneId(3)),
            start_line: Some(-100),
            end_line: None,
        };
        let text = serde_json::to_string(&request).expect("serialize");
        assert_eq!(
            text,
            r#"{"request":"get-text","pane":3,"start_line":-100,"end_line":null}"#
        );
        assert_eq!(
            serde_json::from_str::<Request>(&text).expect("parse"),
            request
        );
    }

    #[test]
    fn replies_are_tagged_and_typed() {
        let reply = Reply::Pane(PaneId(7));
        let text = serde_json::to_string(&reply).expect("serialize");
        assert_eq!(text, r#"{"reply":"pane","value":7}"#);
        assert_eq!(serde_json::from_str::<Reply>(&text).expect("parse"), reply);
        let refused: ServerHello =
            serde_json::from_str(r#"{"reply":"error","value":"no"}"#).expect("parse");
        assert_eq!(refused, ServerHello::Refused(Reply::Error("no".into())));
        let hello: ServerHello =
            serde_json::from_str(r#"{"hello":{"protocol":1,"version":"x"}}"#).expect("parse");
        assert!(matches!(hello, ServerHello::Hello { .. }));
    }

    #[test]
    fn a_version_mismatch_names_both_sides() {
        let ours = Hello::ours();
        assert_eq!(ours.mismatch(&Hello::ours(), "window"), None);
        let old = Hello {
            protocol: 0,
            version: "0.0.9".into(),
        };
        let message = ours.mismatch(&old, "window").expect("mismatch");
        assert!(message.contains("protocol 0 (Spaces 0.0.9)"), "{message}");
        assert!(
            message.contains(&format!("this one {PROTOCOL_VERSION}")),
            "{message}"
        );
    }
}
