//! The `spaces` command line: opening the window, `spaces cli ...` (the running window's
//! control socket) and `spaces bench ...`.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand};

pub mod hooks;
pub mod search;
pub mod sessions;
pub mod usage;
pub mod workspace;

use crate::control::{PaneInfo, Reply, Request, SplitDirection, send_request};
use spaces_term::PaneId;

#[derive(Debug, Parser)]
#[command(
    name = "spaces",
    version,
    about = "Spaces: a grid of terminal panes for AI coding agents and shells, where nothing is lost."
)]
pub struct Cli {
    /// Where Spaces keeps its state (socket, database, logs). Default: $SPACES_HOME, else
    /// $XDG_DATA_HOME/spaces (~/.local/share/spaces).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<TopCommand>,
}

#[derive(Debug, Subcommand)]
pub enum TopCommand {
    /// Control the running window (list panes, send and read text, split, focus, close).
    Cli(ControlArgs),
    /// Print a pane's whole recorded output as text (works with or without the window).
    History {
        /// The pane id (as in `spaces cli list`).
        #[arg(long, env = "SPACES_PANE_ID")]
        pane: PaneId,
        /// Erase everything recorded as typed into the pane instead of printing its output.
        #[arg(long)]
        forget_input: bool,
    },
    /// Search every pane's history (closed and archived ones too), the workspaces' notes and
    /// the agents' sessions. Works with or without the window.
    Search(search::SearchArgs),
    /// The agents' sessions (Claude Code, Codex, Gemini): list, search, show, resume. Works
    /// with or without the window.
    Sessions(sessions::SessionsArgs),
    /// Tokens and cost of the agents' sessions per day, week, month, session or model.
    Usage(usage::UsageArgs),
    /// Export a workspace with its whole history to one file, or import one (archived).
    /// Works with or without the window.
    Workspace(workspace::WorkspaceArgs),
    /// The agents' hooks: install, uninstall, status (and `event`, which the hooks run).
    Hooks(hooks::HooksArgs),
    /// Measure ingest, rendering and restore speed.
    Bench(crate::bench::BenchArgs),
}

#[derive(Debug, Args)]
pub struct ControlArgs {
    #[command(subcommand)]
    pub command: ControlCommand,
}

/// `--pane` defaults to $SPACES_PANE_ID (set inside every pane), else the focused pane.
#[derive(Debug, Subcommand)]
pub enum ControlCommand {
    /// Print the problems the window shows (JSON).
    Status,
    /// List the panes of the window.
    List {
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Send text to a pane as if pasted (bracketed paste when the program asked for it).
    SendText {
        #[arg(long, env = "SPACES_PANE_ID")]
        pane: Option<PaneId>,
        /// Send the bytes as typed keys instead of a paste.
        #[arg(long)]
        no_paste: bool,
        /// The text; read from standard input when absent.
        text: Option<String>,
    },
    /// Print a pane's text, one line per row, trailing blanks trimmed.
    GetText {
        #[arg(long, env = "SPACES_PANE_ID")]
        pane: Option<PaneId>,
        /// First line: 0 is the top of the screen, negative lines reach into the scrollback.
        #[arg(long, allow_negative_numbers = true)]
        start_line: Option<i32>,
        /// Last line (inclusive); default the bottom of the screen.
        #[arg(long, allow_negative_numbers = true)]
        end_line: Option<i32>,
    },
    /// Split a pane and run a command (default: a shell) in the new one.
    Split {
        #[arg(long, env = "SPACES_PANE_ID")]
        pane: Option<PaneId>,
        #[arg(long, conflicts_with = "down", required_unless_present = "down")]
        right: bool,
        #[arg(long)]
        down: bool,
        /// Working directory of the new pane (default: the split pane's).
        #[arg(long)]
        cwd: Option<PathBuf>,
        /// The command, after `--`.
        #[arg(last = true)]
        command: Vec<String>,
    },
    /// Open a new pane as a tab beside the focused one.
    Spawn {
        #[arg(long)]
        cwd: Option<PathBuf>,
        /// Open it in this workspace (shown first); default the shown one.
        #[arg(long)]
        workspace: Option<String>,
        #[arg(last = true)]
        command: Vec<String>,
    },
    /// Give a pane the keyboard focus.
    Focus {
        #[arg(long)]
        pane: PaneId,
    },
    /// Close a pane (its process gets SIGHUP).
    Close {
        #[arg(long)]
        pane: PaneId,
    },
    /// Wait until the agent in a pane is in a state: working, waiting, idle or exited.
    Wait {
        #[arg(long, env = "SPACES_PANE_ID")]
        pane: Option<PaneId>,
        #[arg(long)]
        state: String,
        /// Give up after this many seconds (exit status 1); default: wait as long as it takes.
        #[arg(long)]
        timeout: Option<f64>,
    },
    /// Workspaces: list, create, rename, colour, switch, archive, unarchive, delete, notes.
    #[command(subcommand)]
    Workspace(WorkspaceCommand),
}

#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// List the workspaces (archived ones included).
    List {
        /// Print a JSON array: {id, name, color, archived, active, panes, root}.
        #[arg(long)]
        json: bool,
    },
    /// Create a workspace and show it.
    New {
        name: String,
        /// Its colour, as #RRGGBB (default: the next unused colour of the palette).
        #[arg(long)]
        color: Option<String>,
        /// The directory its panes start in.
        #[arg(long)]
        root: Option<PathBuf>,
    },
    Rename {
        name: String,
        new_name: String,
    },
    Color {
        name: String,
        /// The colour, as #RRGGBB.
        color: String,
    },
    /// Show a workspace.
    Switch {
        name: String,
    },
    /// End a workspace's programs and move it to the archive (everything else is kept).
    Archive {
        name: String,
    },
    /// Bring an archived workspace back (fresh shells in the old directories).
    Unarchive {
        name: String,
    },
    /// Delete a workspace with its panes and their whole history.
    Delete {
        name: String,
    },
    /// Print a workspace's notes, or replace them.
    Notes {
        name: String,
        /// The new notes.
        #[arg(long, conflicts_with = "set_file")]
        set: Option<String>,
        /// Read the new notes from this file.
        #[arg(long)]
        set_file: Option<PathBuf>,
    },
}

/// The data directory for this run.
pub fn data_dir(cli: &Cli) -> PathBuf {
    spaces_store::data_dir(cli.data_dir.as_deref())
}

/// Runs a `spaces cli ...` command against the window of `data_dir`.
pub fn run_control(data_dir: &Path, command: ControlCommand) -> anyhow::Result<()> {
    let request = match command {
        ControlCommand::Status => Request::Status,
        ControlCommand::List { json } => {
            let Reply::Panes(panes) = send_request(data_dir, &Request::List)? else {
                bail!("the window answered `list` with something else");
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&panes)?);
            } else {
                print_pane_table(&panes);
            }
            return Ok(());
        }
        ControlCommand::SendText {
            pane,
            no_paste,
            text,
        } => {
            let text = match text {
                Some(text) => text,
                None => {
                    let mut text = String::new();
                    std::io::stdin()
                        .read_to_string(&mut text)
                        .context("reading the text from standard input")?;
                    text
                }
            };
            Request::SendText {
                pane,
                text,
                paste: !no_paste,
            }
        }
        ControlCommand::GetText {
            pane,
            start_line,
            end_line,
        } => Request::GetText {
            pane,
            start_line,
            end_line,
        },
        ControlCommand::Split {
            pane,
            right,
            down,
            cwd,
            command,
        } => {
            if !right && !down {
                bail!("say where the new pane goes: --right or --down");
            }
            Request::Split {
                pane,
                direction: if right {
                    SplitDirection::Right
                } else {
                    SplitDirection::Down
                },
                command,
                cwd: absolute(cwd)?,
            }
        }
        ControlCommand::Spawn {
            cwd,
            workspace,
            command,
        } => Request::Spawn {
            cwd: absolute(cwd)?,
            command,
            workspace,
        },
        ControlCommand::Focus { pane } => Request::Focus { pane },
        ControlCommand::Close { pane } => Request::Close { pane },
        ControlCommand::Workspace(command) => return run_workspace(data_dir, command),
        ControlCommand::Wait {
            pane,
            state,
            timeout,
        } => return wait_for_state(data_dir, pane, &state, timeout),
    };
    print_reply(send_request(data_dir, &request)?)
}

/// `spaces cli wait`: asks the window four times a second until the pane's agent is in
/// `state`.
fn wait_for_state(
    data_dir: &Path,
    pane: Option<PaneId>,
    state: &str,
    timeout: Option<f64>,
) -> anyhow::Result<()> {
    let Some(pane) = pane else {
        bail!("say which pane: --pane ID");
    };
    if crate::model::agents::AgentState::from_name(state).is_none() {
        bail!("unknown state {state:?}: say working, waiting, idle or exited");
    }
    let deadline = match timeout {
        Some(seconds) if seconds.is_finite() && seconds >= 0.0 => {
            Some(std::time::Instant::now() + std::time::Duration::from_secs_f64(seconds))
        }
        Some(seconds) => bail!("--timeout {seconds} is not a number of seconds"),
        None => None,
    };
    loop {
        let Reply::Panes(panes) = send_request(data_dir, &Request::List)? else {
            bail!("the window answered `list` with something else");
        };
        let Some(info) = panes.iter().find(|info| info.id == pane) else {
            bail!("pane {pane} is gone");
        };
        if info.agent_state.as_deref() == Some(state) {
            return Ok(());
        }
        if deadline.is_some_and(|deadline| std::time::Instant::now() >= deadline) {
            bail!(
                "timed out: the agent in pane {pane} is {}",
                info.agent_state.as_deref().unwrap_or("not running")
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Runs a `spaces cli workspace ...` command.
fn run_workspace(data_dir: &Path, command: WorkspaceCommand) -> anyhow::Result<()> {
    let request = match command {
        WorkspaceCommand::List { json } => {
            let Reply::Workspaces(workspaces) = send_request(data_dir, &Request::WorkspaceList)?
            else {
                bail!("the window answered `workspace list` with something else");
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&workspaces)?);
            } else {
                print_workspace_table(&workspaces);
            }
            return Ok(());
        }
        WorkspaceCommand::New { name, color, root } => Request::WorkspaceNew {
            name,
            color,
            root: absolute(root)?.map(|root| root.to_string_lossy().into_owned()),
        },
        WorkspaceCommand::Rename { name, new_name } => Request::WorkspaceRename { name, new_name },
        WorkspaceCommand::Color { name, color } => Request::WorkspaceColor { name, color },
        WorkspaceCommand::Switch { name } => Request::WorkspaceSwitch { name },
        WorkspaceCommand::Archive { name } => Request::WorkspaceArchive { name },
        WorkspaceCommand::Unarchive { name } => Request::WorkspaceUnarchive { name },
        WorkspaceCommand::Delete { name } => Request::WorkspaceDelete { name },
        WorkspaceCommand::Notes {
            name,
            set,
            set_file,
        } => {
            let set = match set_file {
                Some(file) => Some(
                    std::fs::read_to_string(&file)
                        .with_context(|| format!("reading {}", file.display()))?,
                ),
                None => set,
            };
            Request::WorkspaceNotes { name, set }
        }
    };
    print_reply(send_request(data_dir, &request)?)
}

fn print_workspace_table(workspaces: &[crate::control::WorkspaceInfo]) {
    println!(
        "{:<4} {:<24} {:<8} {:>5}  STATE",
        "ID", "NAME", "COLOR", "PANES"
    );
    for workspace in workspaces {
        let state = match (workspace.active, workspace.archived) {
            (true, _) => "shown",
            (_, true) => "archived",
            _ => "",
        };
        println!(
            "{:<4} {:<24} {:<8} {:>5}  {state}",
            workspace.id, workspace.name, workspace.color, workspace.panes
        );
    }
}

/// Prints what the window answered: a pane id, text lines, or the status as JSON.
fn print_reply(reply: Reply) -> anyhow::Result<()> {
    match reply {
        Reply::Pane(pane) => println!("{pane}"),
        Reply::Text { lines, .. } => {
            let mut out = String::new();
            for line in lines {
                out.push_str(&line);
                out.push('\n');
            }
            print!("{out}");
        }
        Reply::Status(status) => println!("{}", serde_json::to_string_pretty(&status)?),
        Reply::Panes(panes) => println!("{}", serde_json::to_string_pretty(&panes)?),
        Reply::Workspaces(workspaces) => {
            println!("{}", serde_json::to_string_pretty(&workspaces)?);
        }
        Reply::Workspace(workspace) => println!("{}", workspace.name),
        Reply::Notes(notes) if notes.is_empty() || notes.ends_with('\n') => print!("{notes}"),
        Reply::Notes(notes) => println!("{notes}"),
        Reply::Done => {}
        Reply::Error(message) => bail!("{message}"),
    }
    Ok(())
}

/// Relative directories are the caller's, not the window's: resolve them here.
fn absolute(dir: Option<PathBuf>) -> anyhow::Result<Option<PathBuf>> {
    dir.map(|dir| std::path::absolute(&dir).with_context(|| format!("resolving {}", dir.display())))
        .transpose()
}

fn print_pane_table(panes: &[PaneInfo]) {
    println!(
        "{:>4}  {:<10} {:<7} {:<24} {:<16} CWD",
        "ID", "WORKSPACE", "SIZE", "TITLE", "AGENT"
    );
    for pane in panes {
        let marker = if pane.focused { "*" } else { " " };
        let agent = match (&pane.agent, &pane.agent_state) {
            (Some(agent), Some(state)) => format!("{agent} {state}"),
            _ => String::new(),
        };
        println!(
            "{:>3}{marker}  {:<10} {:<7} {:<24} {agent:<16} {}",
            pane.id,
            pane.workspace,
            format!("{}x{}", pane.cols, pane.rows),
            pane.title,
            pane.cwd.as_deref().unwrap_or_default(),
        );
    }
}

/// `spaces history --pane ID --forget-input`: erases the pane's recorded input (works while
/// the window runs: the database takes writers one at a time).
pub fn forget_input(data_dir: &Path, pane: PaneId) -> anyhow::Result<()> {
    let path = spaces_store::database_path(data_dir);
    if !path.exists() {
        bail!("nothing recorded: {} does not exist", path.display());
    }
    let database = spaces_store::Database::open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    let id = crate::model::persistence::store_id(pane);
    if database.pane(id)?.is_none() {
        bail!("no pane with id {pane} was ever recorded");
    }
    let erased = database.forget_input(id)?;
    println!("erased {erased} recorded inputs of pane {pane}");
    Ok(())
}

/// `spaces history --pane ID`: the pane's recorded output as text on stdout.
pub fn run_history(data_dir: &Path, pane: PaneId) -> anyhow::Result<()> {
    use std::io::Write as _;
    let database = spaces_store::database_path(data_dir);
    if !database.exists() {
        bail!("no history: {} does not exist", database.display());
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut write_error = None;
    crate::model::history::read_lines(&database, pane, |lines| {
        if write_error.is_some() {
            return;
        }
        for line in lines {
            if let Err(error) = writeln!(out, "{line}") {
                write_error = Some(error);
                return;
            }
        }
    })?;
    match write_error.map_or_else(|| out.flush(), Err) {
        // `spaces history | head` closes the pipe early: that is not an error.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing the history"),
    }
}
