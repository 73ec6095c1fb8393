//! `spaces hooks ...`: installs Spaces' hooks into the agents' own settings (and takes them
//! out again), and `spaces hooks event`, which the hooks run: it passes the agent's JSON to
//! the window and never fails the agent (no output, exit status 0, even with no window).

use std::io::Read as _;
use std::path::Path;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use spaces_store::sessions::Agent;
use spaces_term::PaneId;

use crate::control::{Request, send_request_within};
use crate::model::agents::hook_config::{self, HookAgent, Outcome};

/// How long a hook waits for the window: an agent runs its hooks in line, and a window that
/// hangs must not hold the agent up.
const HOOK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);
/// The most of an event read from standard input.
const MAX_PAYLOAD: u64 = 1024 * 1024;

#[derive(Debug, Args)]
pub struct HooksArgs {
    #[command(subcommand)]
    pub command: HooksCommand,
}

#[derive(Debug, Subcommand)]
pub enum HooksCommand {
    /// Add Spaces' hooks to the agents' settings (Claude Code and Gemini CLI `settings.json`
    /// hooks, Codex's `notify` in `config.toml`), keeping a backup and everything else.
    Install {
        /// Only this agent: claude, codex or gemini (default: all three).
        #[arg(long)]
        agent: Option<String>,
    },
    /// Take Spaces' hooks out again (the original file comes back when nothing else changed).
    Uninstall {
        #[arg(long)]
        agent: Option<String>,
    },
    /// Say, per agent, whether the hooks are installed and where.
    Status,
    /// Run by the hooks: passes one event to the window. The JSON comes as the last argument
    /// (Codex) or on standard input (Claude Code, Gemini CLI).
    Event {
        #[arg(long)]
        agent: String,
        /// The pane the hook ran in (every pane sets it).
        #[arg(long, env = "SPACES_PANE_ID")]
        pane: Option<PaneId>,
        /// `[--then PROGRAM ARGS...] [PAYLOAD]`: a program to pass the same event to (the
        /// user's own Codex `notify`), then the event.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        rest: Vec<String>,
    },
}

pub fn run(data_dir: &Path, args: HooksArgs) -> anyhow::Result<()> {
    match args.command {
        HooksCommand::Install { agent } => {
            let program = std::env::current_exe().context("finding the spaces program")?;
            for agent in chosen(agent.as_deref())? {
                let path = settings(agent)?;
                let outcome = hook_config::install(agent, &path, &program)?;
                let said = match outcome {
                    Outcome::Installed => "installed",
                    _ => "already installed",
                };
                println!("{}: {said} in {}", agent.name(), path.display());
            }
            Ok(())
        }
        HooksCommand::Uninstall { agent } => {
            for agent in chosen(agent.as_deref())? {
                let path = settings(agent)?;
                let said = match hook_config::uninstall(agent, &path)? {
                    Outcome::Removed => "removed from",
                    _ => "not installed in",
                };
                println!("{}: {said} {}", agent.name(), path.display());
            }
            Ok(())
        }
        HooksCommand::Status => {
            for agent in HookAgent::ALL {
                let path = settings(agent)?;
                let installed = hook_config::is_installed(agent, &path)?;
                let said = if installed {
                    "installed"
                } else {
                    "not installed"
                };
                println!("{}: {said} ({})", agent.name(), path.display());
            }
            Ok(())
        }
        HooksCommand::Event { agent, pane, rest } => {
            event(data_dir, &agent, pane, rest);
            Ok(())
        }
    }
}

/// Passes one event on. Whatever goes wrong stays here: a hook must never break the agent.
fn event(data_dir: &Path, agent: &str, pane: Option<PaneId>, mut rest: Vec<String>) {
    let mut then = Vec::new();
    if rest.first().is_some_and(|first| first == "--then") {
        rest.remove(0);
        // The event is the last argument; the user's program is everything before it.
        let payload = rest.pop();
        then = rest;
        rest = payload.into_iter().collect();
    }
    let payload = match rest.pop() {
        Some(payload) => payload,
        None => {
            let mut text = String::new();
            if std::io::stdin()
                .take(MAX_PAYLOAD)
                .read_to_string(&mut text)
                .is_err()
            {
                return;
            }
            text
        }
    };
    if let Some((program, args)) = then.split_first() {
        let started = std::process::Command::new(program)
            .args(args)
            .arg(&payload)
            .stdin(std::process::Stdio::null())
            .spawn();
        if let Err(error) = started {
            eprintln!("spaces hooks event: could not run {program}: {error}");
        }
    }
    let request = Request::HookEvent {
        agent: agent.to_owned(),
        pane,
        payload,
    };
    if let Err(error) = send_request_within(data_dir, &request, HOOK_TIMEOUT) {
        tracing::debug!(%error, "hook event not delivered");
    }
}

fn chosen(agent: Option<&str>) -> anyhow::Result<Vec<HookAgent>> {
    let Some(name) = agent else {
        return Ok(HookAgent::ALL.to_vec());
    };
    let agent = match Agent::from_name(name) {
        Some(Agent::Claude) => HookAgent::Claude,
        Some(Agent::Codex) => HookAgent::Codex,
        Some(Agent::Gemini) => HookAgent::Gemini,
        None => bail!("unknown agent {name:?}: say claude, codex or gemini"),
    };
    Ok(vec![agent])
}

fn settings(agent: HookAgent) -> anyhow::Result<std::path::PathBuf> {
    hook_config::settings_path(agent).with_context(|| {
        format!(
            "cannot tell where {}'s settings are: HOME is not set",
            agent.name()
        )
    })
}
