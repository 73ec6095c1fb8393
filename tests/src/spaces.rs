//! A running Spaces window: starting and killing it, and driving it through `spaces cli`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;

use anyhow::{Context as _, bail};
use serde_json::Value;

use crate::x_server::{XServer, kill_and_reap};
use crate::{PROMPT, START_TIMEOUT, TEXT_TIMEOUT, require_tool, spaces_bin, wait_until};

/// One pane as `spaces cli list --json` reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct PaneInfo {
    pub id: u64,
    pub cols: u64,
    pub rows: u64,
    pub focused: bool,
    pub process: Option<String>,
    pub exited: Option<String>,
    pub title: String,
    /// The name of the workspace the pane is in.
    pub workspace: String,
    /// A restored pane's offer to run its old command again, as a shell line.
    pub rerun_offer: Option<String>,
    /// Why a restored pane's agent conversation was not resumed.
    pub resume_problem: Option<String>,
    /// The agent CLI running in the pane, its conversation and its state.
    pub agent: Option<String>,
    pub session_id: Option<String>,
    pub agent_state: Option<String>,
    /// The linked session's cost so far, in dollars.
    pub agent_cost: Option<f64>,
}

impl PaneInfo {
    fn from_json(value: &Value) -> anyhow::Result<Self> {
        let number = |key: &str| {
            value[key]
                .as_u64()
                .with_context(|| format!("`{key}` missing in {value}"))
        };
        let text = |key: &str| value[key].as_str().map(str::to_owned);
        Ok(Self {
            id: number("id")?,
            cols: number("cols")?,
            rows: number("rows")?,
            focused: value["focused"].as_bool().unwrap_or(false),
            process: text("process"),
            exited: text("exited"),
            title: text("title").unwrap_or_default(),
            workspace: text("workspace").unwrap_or_default(),
            rerun_offer: text("rerun_offer"),
            resume_problem: text("resume_problem"),
            agent: text("agent"),
            session_id: text("session_id"),
            agent_state: text("agent_state"),
            agent_cost: value["agent_usage"]["cost_usd"].as_f64(),
        })
    }
}

/// Fills a data directory before the first start.
type Prepare<'a> = Box<dyn FnOnce(&Path) -> anyhow::Result<()> + 'a>;

/// A running Spaces window on its own display, with its own data directory and home.
#[derive(Debug)]
pub struct Spaces {
    x_server: Arc<XServer>,
    bin: PathBuf,
    root: tempfile::TempDir,
    app: Option<Child>,
    /// Variables the window gets on top of the test's own (a private D-Bus...).
    extra_env: Vec<(String, String)>,
}

impl Spaces {
    /// Starts Xvfb and a window in it, and waits until the window answers.
    pub fn start() -> anyhow::Result<Self> {
        let x_server = Arc::new(XServer::start()?);
        Self::start_on(x_server)
    }

    /// Starts another window on an existing display, with a data directory of its own.
    pub fn start_on(x_server: Arc<XServer>) -> anyhow::Result<Self> {
        Self::start_inner(x_server, None, Vec::new())
    }

    /// Starts Xvfb and a window whose environment also has `env`.
    pub fn start_with_env(env: &[(&str, &str)]) -> anyhow::Result<Self> {
        let env = env
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        Self::start_inner(Arc::new(XServer::start()?), None, env)
    }

    /// Starts a window on `x_server` after `prepare` has filled its data directory (created
    /// empty with mode 0700 first): a `config.toml`, a broken database...
    pub fn start_prepared(
        x_server: Arc<XServer>,
        prepare: impl FnOnce(&Path) -> anyhow::Result<()>,
    ) -> anyhow::Result<Self> {
        Self::start_inner(x_server, Some(Box::new(prepare)), Vec::new())
    }

    /// Without `prepare` the app creates the data directory itself (tests check its mode).
    fn start_inner(
        x_server: Arc<XServer>,
        prepare: Option<Prepare<'_>>,
        extra_env: Vec<(String, String)>,
    ) -> anyhow::Result<Self> {
        require_tool("xdotool", "xdotool")?;
        let bin = spaces_bin()?;
        let root = tempfile::Builder::new()
            .prefix("spaces-e2e-")
            .tempdir()
            .context("creating the test directory")?;
        write_home(&root.path().join("home"))?;
        if let Some(prepare) = prepare {
            let data_dir = root.path().join("data");
            fs::create_dir_all(&data_dir)
                .with_context(|| format!("creating {}", data_dir.display()))?;
            fs::set_permissions(
                &data_dir,
                std::os::unix::fs::PermissionsExt::from_mode(0o700),
            )
            .context("making the data directory private")?;
            prepare(&data_dir)?;
        }
        let mut spaces = Self {
            x_server,
            bin,
            root,
            app: None,
            extra_env,
        };
        spaces.launch()?;
        Ok(spaces)
    }

    /// The display this window is on.
    pub fn x_server(&self) -> Arc<XServer> {
        self.x_server.clone()
    }

    /// The `DISPLAY` the window is on.
    pub fn display(&self) -> String {
        self.x_server.display()
    }

    /// The app's process id, while it runs.
    pub fn app_pid(&self) -> Option<u32> {
        self.app.as_ref().map(Child::id)
    }

    /// The data directory (created by the app with mode 0700).
    pub fn data_dir(&self) -> PathBuf {
        self.root.path().join("data")
    }

    /// The `HOME` of the shells in the panes.
    pub fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    /// A scratch directory for files the test writes or expects.
    pub fn scratch(&self) -> PathBuf {
        self.root.path().to_path_buf()
    }

    fn log_path(&self) -> PathBuf {
        self.root.path().join("spaces.log")
    }

    fn launch(&mut self) -> anyhow::Result<()> {
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .context("opening the app log")?;
        let home = self.home();
        let child = Command::new(&self.bin)
            .arg("--data-dir")
            .arg(self.data_dir())
            .env("DISPLAY", self.x_server.display())
            .env("HOME", &home)
            .env("PATH", self.path())
            .env_remove("CLAUDE_CONFIG_DIR")
            .env_remove("CODEX_HOME")
            .env_remove("GEMINI_CLI_HOME")
            .env("SHELL", "/bin/bash")
            .env("TMUX_TMPDIR", &home)
            .env("LIBGL_ALWAYS_SOFTWARE", "1")
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("SPACES_HOME")
            .env_remove("SPACES_PANE_ID")
            .env_remove("TMUX")
            .env_remove("PROMPT_COMMAND")
            .envs(self.extra_env.iter().map(|(key, value)| (key, value)))
            .stdin(Stdio::null())
            .stdout(log.try_clone().context("sharing the app log")?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", self.bin.display()))?;
        self.app = Some(child);
        let waited = wait_until("the window to answer `cli list`", START_TIMEOUT, || {
            self.check_alive()?;
            Ok(self.list().ok().filter(|panes| !panes.is_empty()))
        });
        waited.with_context(|| self.log_tail())?;
        Ok(())
    }

    /// How the app ended, once it has (`None` while it runs). It counts as stopped then.
    pub fn exit_status(&mut self) -> anyhow::Result<Option<std::process::ExitStatus>> {
        let Some(app) = self.app.as_mut() else {
            bail!("the app is not running");
        };
        let status = app.try_wait()?;
        if status.is_some() {
            self.app = None;
        }
        Ok(status)
    }

    /// Fails when the app has exited (with its log, which says why).
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        let Some(app) = self.app.as_mut() else {
            bail!("the app is not running");
        };
        if let Some(status) = app.try_wait()? {
            bail!("the app exited ({status}); {}", self.log_tail());
        }
        Ok(())
    }

    /// The last lines the app wrote to stderr, for error messages.
    pub fn log_tail(&self) -> String {
        let log = fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(20)..].join("\n");
        format!("app log ({}):\n{tail}", self.log_path().display())
    }

    /// Kills the app with SIGKILL (no chance to save anything) and waits for it to go.
    pub fn kill9(&mut self) -> anyhow::Result<()> {
        let mut app = self.app.take().context("the app is not running")?;
        app.kill().context("killing the app")?;
        app.wait().context("waiting for the killed app")?;
        Ok(())
    }

    /// Starts the app again on the same data directory and display.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        if self.app.is_some() {
            self.kill9()?;
        }
        self.launch()
    }

    /// Starts a second window on this data directory and returns its exit status and stderr
    /// (it should refuse at once, since this window already owns the directory).
    pub fn start_duplicate(&self) -> anyhow::Result<(std::process::ExitStatus, String)> {
        let stderr_path = self.root.path().join("duplicate.log");
        let stderr = fs::File::create(&stderr_path).context("creating the duplicate's log")?;
        let mut child = Command::new(&self.bin)
            .arg("--data-dir")
            .arg(self.data_dir())
            .env("DISPLAY", self.x_server.display())
            .env("LIBGL_ALWAYS_SOFTWARE", "1")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .context("starting a duplicate window")?;
        let status = wait_until("the duplicate window to exit", START_TIMEOUT, || {
            Ok(child.try_wait()?)
        });
        let status = match status {
            Ok(status) => status,
            Err(error) => {
                kill_and_reap(&mut child);
                return Err(error);
            }
        };
        let text = fs::read_to_string(&stderr_path).context("reading the duplicate's log")?;
        Ok((status, text))
    }

    /// `PATH` for the window and the commands: the test home's `bin` first (stand-in agent
    /// CLIs go there), then the test's own.
    pub fn path(&self) -> std::ffi::OsString {
        let mut path = self.home().join("bin").into_os_string();
        if let Some(inherited) = std::env::var_os("PATH") {
            path.push(":");
            path.push(inherited);
        }
        path
    }

    /// Runs `spaces --data-dir DIR <args>` and returns what it did, success or not. It runs
    /// with the window's `HOME` and `PATH` (so it sees the same agents' folders and CLIs).
    pub fn cli_output(&self, args: &[&str]) -> anyhow::Result<Output> {
        Command::new(&self.bin)
            .arg("--data-dir")
            .arg(self.data_dir())
            .args(args)
            .env("HOME", self.home())
            .env("PATH", self.path())
            .env_remove("CLAUDE_CONFIG_DIR")
            .env_remove("CODEX_HOME")
            .env_remove("GEMINI_CLI_HOME")
            .env_remove("SPACES_PANE_ID")
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("running spaces {}", args.join(" ")))
    }

    /// Runs `spaces cli <args>` and returns its standard output; a failure is an error.
    /// Splits `pane` (`--right` or `--down`) with `spaces cli split`; returns the new pane.
    pub fn split(&self, pane: u64, direction: &str) -> anyhow::Result<u64> {
        use anyhow::Context as _;
        self.cli(&["split", "--pane", &pane.to_string(), direction])?
            .trim()
            .parse()
            .context("split prints the new pane id")
    }

    pub fn cli(&self, args: &[&str]) -> anyhow::Result<String> {
        let mut full = vec!["cli"];
        full.extend_from_slice(args);
        let output = self.cli_output(&full)?;
        if !output.status.success() {
            bail!(
                "`spaces {}` failed ({}): {}",
                full.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        String::from_utf8(output.stdout).context("cli output is not UTF-8")
    }

    /// The panes, in layout order.
    pub fn list(&self) -> anyhow::Result<Vec<PaneInfo>> {
        let text = self.cli(&["list", "--json"])?;
        let value: Value = serde_json::from_str(&text).context("parsing `cli list --json`")?;
        value
            .as_array()
            .context("`cli list --json` is not an array")?
            .iter()
            .map(PaneInfo::from_json)
            .collect()
    }

    /// One pane's entry in `cli list`.
    pub fn pane(&self, id: u64) -> anyhow::Result<PaneInfo> {
        self.list()?
            .into_iter()
            .find(|pane| pane.id == id)
            .with_context(|| format!("pane {id} is not in `cli list`"))
    }

    /// The id of the first pane in the layout.
    pub fn first_pane(&self) -> anyhow::Result<u64> {
        Ok(self.list()?.first().context("the window has no panes")?.id)
    }

    /// Waits until `cli list` satisfies `check`; returns that list.
    pub fn wait_for_list(
        &self,
        what: &str,
        check: impl Fn(&[PaneInfo]) -> bool,
    ) -> anyhow::Result<Vec<PaneInfo>> {
        let mut last = Vec::new();
        let waited = wait_until(what, TEXT_TIMEOUT, || {
            last = self.list()?;
            Ok(check(&last).then(|| last.clone()))
        });
        waited.with_context(|| format!("last `cli list`: {last:#?}"))
    }

    /// Pastes `text` into a pane (bracketed when the program asked for it).
    pub fn send_text(&self, pane: u64, text: &str) -> anyhow::Result<()> {
        self.cli(&["send-text", "--pane", &pane.to_string(), "--", text])
            .map(drop)
    }

    /// Sends `keys` to a pane as typed bytes (no bracketed paste).
    pub fn send_keys(&self, pane: u64, keys: &str) -> anyhow::Result<()> {
        self.cli(&[
            "send-text",
            "--pane",
            &pane.to_string(),
            "--no-paste",
            "--",
            keys,
        ])
        .map(drop)
    }

    /// Pastes a command line into a pane's shell and presses Enter.
    pub fn run_command(&self, pane: u64, command: &str) -> anyhow::Result<()> {
        self.send_text(pane, command)?;
        self.send_keys(pane, "\r")
    }

    /// A pane's text: the screen, or lines `start..=end` (negative reaches the scrollback).
    pub fn get_text(&self, pane: u64, range: Option<(i32, i32)>) -> anyhow::Result<String> {
        let pane = pane.to_string();
        let mut args = vec!["get-text", "--pane", pane.as_str()];
        let bounds = range.map(|(start, end)| (start.to_string(), end.to_string()));
        if let Some((start, end)) = &bounds {
            args.extend_from_slice(&["--start-line", start, "--end-line", end]);
        }
        self.cli(&args)
    }

    /// Waits until a pane's screen satisfies `check`; returns the screen.
    pub fn wait_for_screen(
        &self,
        pane: u64,
        what: &str,
        check: impl Fn(&str) -> bool,
    ) -> anyhow::Result<String> {
        let mut last = String::new();
        let waited = wait_until(what, TEXT_TIMEOUT, || {
            last = self.get_text(pane, None)?;
            Ok(check(&last).then(|| last.clone()))
        });
        waited.with_context(|| format!("pane {pane} shows:\n{}", last.trim_end()))
    }

    /// Waits until a pane's screen contains `needle`.
    pub fn wait_for_text(&self, pane: u64, needle: &str) -> anyhow::Result<String> {
        self.wait_for_screen(pane, &format!("{needle:?} in pane {pane}"), |screen| {
            screen.contains(needle)
        })
    }

    /// Waits until a pane shows a line that is exactly `line` (output, not the echoed command).
    pub fn wait_for_line(&self, pane: u64, line: &str) -> anyhow::Result<String> {
        self.wait_for_screen(pane, &format!("the line {line:?} in pane {pane}"), |s| {
            s.lines().any(|l| l.trim_end() == line)
        })
    }

    /// Waits until the shell in a pane shows an empty prompt on its last non-blank line.
    pub fn wait_for_prompt(&self, pane: u64) -> anyhow::Result<String> {
        self.wait_for_screen(pane, &format!("a prompt in pane {pane}"), |screen| {
            screen.lines().rev().find(|l| !l.trim().is_empty()) == Some(PROMPT)
        })
    }
}

impl Drop for Spaces {
    fn drop(&mut self) {
        if let Some(mut app) = self.app.take() {
            kill_and_reap(&mut app);
        }
    }
}

/// A home whose shell starts fast and shows a plain `$ ` prompt.
fn write_home(home: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(home).with_context(|| format!("creating {}", home.display()))?;
    let bashrc = "\
# Written by the Spaces end-to-end tests: a plain, fast, predictable shell.
PS1='$ '
PS2='> '
unset PROMPT_COMMAND
HISTFILE=\"$HOME/.bash_history\"
HISTCONTROL=
bind 'set bell-style none' 2>/dev/null
";
    let files = [
        (".bashrc", bashrc),
        (
            ".bash_profile",
            "[ -f \"$HOME/.bashrc\" ] && . \"$HOME/.bashrc\"\n",
        ),
        (".vimrc", "set nocompatible\nset noswapfile\nset viminfo=\n"),
    ];
    for (name, text) in files {
        let path = home.join(name);
        fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
