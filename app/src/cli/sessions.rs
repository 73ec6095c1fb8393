//! `spaces sessions list|search|show|resume`: the agents' sessions, with or without the
//! window. Each command first brings Spaces' own index up to date (only what changed is
//! read), then answers from it, so sessions the agents have deleted are still there.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Value, json};
use spaces_store::Database;
use spaces_store::sessions::{
    Agent, MATCH_END, MATCH_START, SessionFilter, SessionMessage, SessionRoots, SessionSummary,
};

#[derive(Debug, Args)]
pub struct SessionsArgs {
    #[command(subcommand)]
    pub command: SessionsCommand,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum AgentName {
    Claude,
    Codex,
    Gemini,
}

impl From<AgentName> for Agent {
    fn from(name: AgentName) -> Self {
        match name {
            AgentName::Claude => Agent::Claude,
            AgentName::Codex => Agent::Codex,
            AgentName::Gemini => Agent::Gemini,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// Every session, newest first.
    List {
        #[arg(long, value_enum)]
        agent: Option<AgentName>,
        /// Only sessions that ran in this directory or below it.
        #[arg(long)]
        cwd: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Sessions whose prompts, answers or titles match (words, "a phrase").
    Search {
        query: String,
        #[arg(long, value_enum)]
        agent: Option<AgentName>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// One session's conversation.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Resume a session in a new pane of the running window (else print the command).
    Resume { id: String },
}

pub fn run(data_dir: &Path, command: SessionsCommand) -> anyhow::Result<()> {
    let database = open_index(data_dir)?;
    match command {
        SessionsCommand::List { agent, cwd, json } => {
            let filter = SessionFilter {
                agent: agent.map(Agent::from),
                cwd_prefix: cwd.map(absolute).transpose()?,
                ..SessionFilter::default()
            };
            let sessions = database.list_sessions(&filter)?;
            if json {
                let list: Vec<Value> = sessions.iter().map(session_json).collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                print_table(&sessions);
            }
        }
        SessionsCommand::Search {
            query,
            agent,
            limit,
            json,
        } => {
            let filter = SessionFilter {
                agent: agent.map(Agent::from),
                ..SessionFilter::default()
            };
            let hits = database.search_sessions(&query, &filter, limit)?;
            if json {
                let list: Vec<Value> = hits
                    .iter()
                    .map(|hit| {
                        let mut value = session_json(&hit.session);
                        value["snippet"] = json!(plain_snippet(&hit.snippet));
                        value
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for hit in &hits {
                    println!(
                        "{}  {}  {}\n    {}",
                        hit.session.agent.as_str(),
                        hit.session.id,
                        hit.session.title,
                        marked_snippet(&hit.snippet)
                    );
                }
            }
        }
        SessionsCommand::Show { id, json } => {
            let session = find(&database, &id)?;
            let messages = database.session_messages(session.agent, &session.id)?;
            if json {
                let value = json!({
                    "session": session_json(&session),
                    "messages": messages,
                });
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                print_conversation(&session, &messages);
            }
        }
        SessionsCommand::Resume { id } => resume(data_dir, &find(&database, &id)?)?,
    }
    Ok(())
}

/// Spaces' database, with the index brought up to date from the agents' folders.
pub(super) fn open_index(data_dir: &Path) -> anyhow::Result<Database> {
    spaces_store::ensure_private_dir(data_dir)?;
    let path = spaces_store::database_path(data_dir);
    let database = Database::open(&path).with_context(|| format!("opening {}", path.display()))?;
    let report = database
        .index_sessions(&SessionRoots::from_env(), &mut |_| {})
        .context("indexing the agents' sessions")?;
    if report.lines_not_understood() > 0 || report.files_with_problems > 0 {
        eprintln!(
            "spaces: {} lines not understood in {} files (the rest is indexed)",
            report.lines_not_understood(),
            report.files_with_problems
        );
    }
    Ok(database)
}

/// The session with `id`, of whichever agent wrote it.
fn find(database: &Database, id: &str) -> anyhow::Result<SessionSummary> {
    for agent in Agent::ALL {
        if let Some(session) = database.session_summary(agent, id)? {
            return Ok(session);
        }
    }
    bail!("no session with id {id} (see `spaces sessions list`)")
}

fn absolute(dir: PathBuf) -> anyhow::Result<String> {
    let dir = std::path::absolute(&dir).with_context(|| format!("resolving {}", dir.display()))?;
    Ok(dir.to_string_lossy().into_owned())
}

/// RFC 3339 (UTC) of milliseconds since the epoch.
fn rfc3339(at_ms: Option<i64>) -> Option<String> {
    let at = chrono::DateTime::from_timestamp_millis(at_ms?)?;
    Some(at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

/// A session as `sessions list --json` prints it.
pub fn session_json(session: &SessionSummary) -> Value {
    json!({
        "agent": session.agent,
        "id": session.id,
        "cwd": session.cwd,
        "title": session.title,
        "git_branch": session.git_branch,
        "models": session.models,
        "first_at": rfc3339(session.first_at_ms),
        "last_at": rfc3339(session.last_at_ms),
        "messages": session.message_count,
        "parent": session.parent,
        "file_gone": session.file_gone,
        "resume_command": session.resume_command().shell,
    })
}

/// A snippet with its match markers taken out.
fn plain_snippet(snippet: &str) -> String {
    snippet.replace([MATCH_START, MATCH_END], "")
}

/// A snippet with its matches in brackets, for a terminal.
fn marked_snippet(snippet: &str) -> String {
    snippet.replace(MATCH_START, "[").replace(MATCH_END, "]")
}

fn print_table(sessions: &[SessionSummary]) {
    println!(
        "{:<7} {:<36} {:<19} {:>5}  {:<30} TITLE",
        "AGENT", "ID", "LAST", "MSGS", "PROJECT"
    );
    for session in sessions {
        let last = rfc3339(session.last_at_ms).unwrap_or_default();
        println!(
            "{:<7} {:<36} {:<19} {:>5}  {:<30} {}",
            session.agent.as_str(),
            session.id,
            last.get(..19).unwrap_or(&last),
            session.message_count,
            session.cwd,
            session.title
        );
    }
}

fn print_conversation(session: &SessionSummary, messages: &[SessionMessage]) {
    println!(
        "{} session {} in {}\n{}\n",
        session.agent, session.id, session.cwd, session.title
    );
    for message in messages {
        let who = match message.role {
            spaces_store::sessions::MessageRole::User => "you".to_owned(),
            spaces_store::sessions::MessageRole::Assistant => message
                .model
                .clone()
                .unwrap_or_else(|| session.agent.to_string()),
            spaces_store::sessions::MessageRole::ToolCall => {
                format!("tool {}", message.tool_name.as_deref().unwrap_or("call"))
            }
            spaces_store::sessions::MessageRole::ToolResult => "tool result".to_owned(),
            spaces_store::sessions::MessageRole::System => "note".to_owned(),
        };
        let when = rfc3339(message.at_ms).unwrap_or_default();
        let indent = if message.from_subagent { "    " } else { "" };
        println!("{indent}── {who} {when}");
        for line in message.text.lines() {
            println!("{indent}{line}");
        }
        println!();
    }
}

/// Opens the session in a new pane of the running window, in its directory; without a
/// window, prints the command to run.
fn resume(data_dir: &Path, session: &SessionSummary) -> anyhow::Result<()> {
    let resume = session.resume_command();
    crate::model::sessions::check_resumable(&resume.argv, resume.cwd.as_deref())
        .map_err(|problem| anyhow::anyhow!("cannot resume here: {problem}"))?;
    let request = crate::control::Request::Spawn {
        cwd: resume.cwd.as_ref().map(PathBuf::from),
        command: resume.argv.clone(),
        workspace: None,
    };
    match crate::control::send_request(data_dir, &request) {
        Ok(crate::control::Reply::Pane(pane)) => {
            println!("{pane}");
            Ok(())
        }
        Ok(other) => bail!("the window answered the resume with {other:?}"),
        Err(error) if error.to_string().contains("no Spaces window is running") => {
            println!("{}", resume.shell);
            Ok(())
        }
        Err(error) => Err(error),
    }
}
