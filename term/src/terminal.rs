//! One live pane: a child process on a PTY, its reader, parser and writer threads, and the
//! handle the app uses to read the grid, send input and resize.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use alacritty_terminal::sync::FairMutex;
use crossbeam_channel::{Receiver, Sender};
use portable_pty::{ChildKiller, MasterPty};

use crate::event_proxy::EventProxy;
use crate::palette::Palette;
use crate::size::TermSize;
use crate::{Term, parser, pty};

/// Identifies a pane for its whole life, across restarts of the app.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct PaneId(pub u64);

impl std::str::FromStr for PaneId {
    type Err = String;

    /// A pane id as people type it (`--pane 3`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.trim().parse().map(PaneId).map_err(|_| {
            format!("`{text}` is not a pane id (a whole number, as `spaces cli list` shows)")
        })
    }
}

impl std::fmt::Display for PaneId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Called whenever the pane has something new to show (from the parser thread).
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// Receives every byte the child prints, in order, with its offset in the pane's stream, plus
/// grid snapshots and typed input. `output` runs on the reader thread and may block
/// (backpressure) but should not do slow work; `snapshot` runs on the parser thread.
pub trait OutputSink: Send + Sync {
    fn output(&self, pane: PaneId, offset: u64, bytes: Arc<[u8]>);

    /// A snapshot (see [`crate::snapshot`]) of the grid after `offset` bytes of output.
    fn snapshot(&self, _pane: PaneId, _offset: u64, _data: Vec<u8>) {}

    /// Bytes typed into the pane when `offset` bytes of output had been read. Never called
    /// for input the terminal does not echo at a line prompt (passwords).
    fn input(&self, _pane: PaneId, _offset: u64, _bytes: &[u8]) {}
}

/// Something the app should know about a pane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TerminalEvent {
    pub pane: PaneId,
    pub kind: TerminalEventKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TerminalEventKind {
    /// OSC 0/2 set the title (None: reset to default).
    Title(Option<String>),
    /// OSC 52: the program asks to put this text on the clipboard.
    /// A program set the clipboard (OSC 52); `primary` for the primary selection.
    ClipboardStore {
        primary: bool,
        text: String,
    },
    Bell,
    /// The child exited and all of its output has been parsed.
    Exited(ExitInfo),
}

/// How a child process ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExitInfo {
    pub code: u32,
    pub signal: Option<String>,
}

impl std::fmt::Display for ExitInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.signal {
            Some(signal) => write!(f, "process killed by {signal}"),
            None => write!(f, "process exited with code {}", self.code),
        }
    }
}

/// The cause of a failure in portable-pty, kept as the error's source.
pub type PtyError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum TerminalError {
    #[error("could not open a pseudo-terminal: {source}")]
    OpenPty {
        #[source]
        source: PtyError,
    },
    #[error("could not start {command}: {source}")]
    Spawn {
        command: String,
        #[source]
        source: PtyError,
    },
    #[error("could not start a thread: {0}")]
    Thread(#[from] std::io::Error),
}

impl TerminalError {
    pub(crate) fn open_pty(error: impl Into<PtyError>) -> Self {
        Self::OpenPty {
            source: error.into(),
        }
    }
}

/// What to run in a pane and how.
#[derive(Clone, Debug)]
pub struct SpawnOptions {
    /// Program and arguments; empty means the user's login shell.
    pub command: Vec<String>,
    /// Working directory; `None` means the home directory.
    pub cwd: Option<PathBuf>,
    /// Extra environment variables, on top of the inherited ones and TERM/COLORTERM.
    pub env: Vec<(String, String)>,
    pub size: TermSize,
    /// Lines of scrollback kept in memory.
    pub scrollback_lines: usize,
    /// Offset of the first byte this process prints in the pane's stream (a restored pane
    /// continues its old stream).
    pub initial_offset: u64,
    /// How often the grid is snapshotted while output flows; `None`: never.
    pub snapshot_interval: Option<std::time::Duration>,
}

impl Default for SpawnOptions {
    fn default() -> Self {
        Self {
            command: Vec::new(),
            cwd: None,
            env: Vec::new(),
            size: TermSize::new(80, 24),
            scrollback_lines: 10_000,
            initial_offset: 0,
            snapshot_interval: None,
        }
    }
}

/// State shared between a pane's threads and its handle.
#[derive(Default)]
pub(crate) struct Shared {
    title: Mutex<Option<String>>,
    /// The working directory the shell last reported with OSC 7 (a local one only).
    reported_cwd: Mutex<Option<PathBuf>>,
    size: Mutex<Option<TermSize>>,
    exit: Mutex<Option<ExitInfo>>,
    /// Bumped whenever the grid changed, so views can reuse what they drew before.
    generation: AtomicU64,
    /// Bytes read from the PTY so far (the stream offset of the next byte).
    bytes_read: AtomicU64,
    wake: Option<Wake>,
    events: Option<Sender<TerminalEvent>>,
    palette: Option<Arc<Palette>>,
}

impl Shared {
    pub(crate) fn wake(&self) {
        if let Some(wake) = &self.wake {
            wake();
        }
    }

    pub(crate) fn send_event(&self, event: TerminalEvent) {
        if let Some(events) = &self.events {
            // The app may be shutting down; then nobody needs the event.
            let _ignored = events.send(event);
        }
        self.wake();
    }

    /// The pane's theme, for answers (the default one when none was given).
    pub(crate) fn palette_arc(&self) -> Arc<Palette> {
        self.palette.clone().unwrap_or_default()
    }

    pub(crate) fn size(&self) -> TermSize {
        lock(&self.size).unwrap_or_else(|| TermSize::new(80, 24))
    }

    pub(crate) fn set_title(&self, title: Option<String>) {
        *lock(&self.title) = title;
    }

    pub(crate) fn set_reported_cwd(&self, cwd: PathBuf) {
        *lock(&self.reported_cwd) = Some(cwd);
    }

    pub(crate) fn set_exit(&self, exit: ExitInfo) {
        *lock(&self.exit) = Some(exit);
    }

    pub(crate) fn bump_generation(&self) {
        self.generation.fetch_add(1, Ordering::Release);
    }

    pub(crate) fn add_bytes_read(&self, count: u64) -> u64 {
        self.bytes_read.fetch_add(count, Ordering::AcqRel)
    }
}

/// Locks a mutex, recovering the data if a thread panicked while holding it: a pane's small
/// shared fields are always valid on their own.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A terminal pane: its grid, and (once started) the process on its PTY.
///
/// A pane can exist before its process: a restart restores every pane's grid first, shows
/// them, and only then starts the shells ([`Terminal::prepare`], then [`Terminal::start`]).
pub struct Terminal {
    id: PaneId,
    term: Arc<FairMutex<Term>>,
    shared: Arc<Shared>,
    input: Sender<Vec<u8>>,
    /// Taken by `start` (the writer thread drains input typed before the process existed).
    input_rx: Mutex<Option<Receiver<Vec<u8>>>>,
    process: Mutex<Option<Process>>,
    sink: Option<Arc<dyn OutputSink>>,
    options: SpawnOptions,
}

/// The running side of a pane.
struct Process {
    master: Box<dyn MasterPty + Send>,
    killer: Box<dyn ChildKiller + Send + Sync>,
    child_pid: Option<u32>,
    _threads: Vec<JoinHandle<()>>,
}

/// Everything a terminal reports to, bundled to keep `spawn`'s signature short.
#[derive(Clone)]
pub struct Listeners {
    pub events: Sender<TerminalEvent>,
    pub wake: Wake,
    pub sink: Option<Arc<dyn OutputSink>>,
    pub palette: Arc<Palette>,
}

impl Terminal {
    /// Starts `options.command` on a new PTY with the pane's threads.
    pub fn spawn(
        id: PaneId,
        options: SpawnOptions,
        listeners: Listeners,
    ) -> Result<Self, TerminalError> {
        Self::spawn_with_history(id, options, listeners, |_| {})
    }

    /// Like [`spawn`](Self::spawn), but first lets `fill` fill the new `Term` (e.g. replay
    /// recorded output) with every event swallowed, before the process starts.
    pub fn spawn_with_history(
        id: PaneId,
        options: SpawnOptions,
        listeners: Listeners,
        fill: impl FnOnce(&mut Term),
    ) -> Result<Self, TerminalError> {
        let terminal = Self::prepare(id, options, listeners, fill);
        terminal.start()?;
        Ok(terminal)
    }

    /// A pane whose grid `fill` sets up (events muted), with no process yet: input typed
    /// meanwhile waits for [`start`](Self::start).
    pub fn prepare(
        id: PaneId,
        options: SpawnOptions,
        listeners: Listeners,
        fill: impl FnOnce(&mut Term),
    ) -> Self {
        let shared = Arc::new(Shared {
            size: Mutex::new(Some(options.size)),
            bytes_read: AtomicU64::new(options.initial_offset),
            wake: Some(listeners.wake.clone()),
            events: Some(listeners.events.clone()),
            palette: Some(listeners.palette.clone()),
            ..Shared::default()
        });
        let (input, input_rx) = crossbeam_channel::unbounded::<Vec<u8>>();
        let proxy = EventProxy::new(id, Some(input.clone()), shared.clone());
        let config = alacritty_terminal::term::Config {
            scrolling_history: options.scrollback_lines,
            // Programs may push the kitty keyboard protocol's flags (`input::KittyFlags`).
            kitty_keyboard: true,
            ..Default::default()
        };
        let mut term = Term::new(config, &options.size, proxy.clone());
        proxy.set_muted(true);
        fill(&mut term);
        proxy.set_muted(false);
        Self {
            id,
            term: Arc::new(FairMutex::new(term)),
            shared,
            input,
            input_rx: Mutex::new(Some(input_rx)),
            process: Mutex::new(None),
            sink: listeners.sink,
            options,
        }
    }

    /// Starts the pane's process on a PTY of the pane's current size, with its threads.
    /// Does nothing if it already started.
    pub fn start(&self) -> Result<(), TerminalError> {
        let mut process = lock(&self.process);
        if process.is_some() {
            return Ok(());
        }
        let mut options = self.options.clone();
        options.size = self.shared.size();
        let spawned = pty::spawn(self.id, &options)?;
        let Some(input_rx) = lock(&self.input_rx).take() else {
            return Ok(());
        };
        let child_pid = spawned.child.process_id();
        let threads = parser::start_threads(parser::Threads {
            id: self.id,
            term: self.term.clone(),
            shared: self.shared.clone(),
            // The options' offset, plus what `lead_with` added before the start.
            initial_offset: self.bytes_read(),
            snapshot_interval: self.options.snapshot_interval,
            reader: spawned.reader,
            writer: spawned.writer,
            input: input_rx,
            child: spawned.child,
            sink: self.sink.clone(),
            answers: self.input.clone(),
        })?;
        *process = Some(Process {
            master: spawned.master,
            killer: spawned.killer,
            child_pid,
            _threads: threads,
        });
        Ok(())
    }

    /// Whether the process was started (it may have exited since).
    pub fn is_started(&self) -> bool {
        lock(&self.process).is_some()
    }

    pub fn id(&self) -> PaneId {
        self.id
    }

    /// What this pane was started with (to restart it the same way).
    pub fn options(&self) -> &SpawnOptions {
        &self.options
    }

    /// Reads the grid under its lock (views, queries, `cli get-text`). Keep `read` short:
    /// the parser thread waits for the lock.
    pub fn read<R>(&self, read: impl FnOnce(&Term) -> R) -> R {
        read(&self.term.lock())
    }

    /// Changes the grid from outside the parser (scrolling the view, a selection, clearing
    /// the scrollback): the one way the UI changes a pane's grid. The generation is bumped
    /// afterwards, so every view redraws what `change` did.
    pub fn update<R>(&self, change: impl FnOnce(&mut Term) -> R) -> R {
        let result = change(&mut self.term.lock());
        self.shared.bump_generation();
        result
    }

    /// Increases whenever the grid may look different.
    pub fn generation(&self) -> u64 {
        self.shared.generation.load(Ordering::Acquire)
    }

    /// Sends bytes to the child as if typed. Never blocks.
    ///
    /// What is typed is also recorded (the sink's input), but never secrets: nothing while
    /// the terminal is at a password prompt ([`input_is_private`](Self::input_is_private)),
    /// and of one write only its first line, the one the program reading now gets. Later
    /// lines of the same write are typed ahead for whatever reads next, which may be a
    /// password prompt that has not appeared yet, so they are not recorded.
    pub fn write(&self, bytes: Vec<u8>) {
        if bytes.is_empty() {
            return;
        }
        if let Some(sink) = &self.sink
            && !self.input_is_private()
        {
            sink.input(self.id, self.bytes_read(), first_line(&bytes));
        }
        // The writer thread ends with the child; input after that has nowhere to go.
        let _ignored = self.input.send(bytes);
    }

    /// Sends bytes the terminal itself reports (focus in and out), not typed by the user:
    /// they reach the child like input but are not recorded as input.
    pub fn report(&self, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            let _ignored = self.input.send(bytes);
        }
    }

    /// Resizes the PTY (the child gets SIGWINCH) and the grid (which reflows).
    pub fn resize(&self, size: TermSize) {
        {
            let mut current = lock(&self.shared.size);
            if *current == Some(size) {
                return;
            }
            *current = Some(size);
        }
        if let Some(process) = lock(&self.process).as_ref()
            && let Err(error) = process.master.resize(size.pty_size())
        {
            tracing::debug!(pane = self.id.0, %error, "resize of an exited pty");
        }
        self.term.lock().resize(size);
        self.shared.bump_generation();
        self.shared.wake();
    }

    pub fn size(&self) -> TermSize {
        self.shared.size()
    }

    /// The title set by the program with OSC 0/2, if any.
    pub fn title(&self) -> Option<String> {
        lock(&self.shared.title).clone()
    }

    /// The working directory the shell last reported with OSC 7, if it reports one.
    pub fn reported_cwd(&self) -> Option<PathBuf> {
        lock(&self.shared.reported_cwd).clone()
    }

    /// How the child ended, once it has.
    pub fn exit_info(&self) -> Option<ExitInfo> {
        lock(&self.shared.exit).clone()
    }

    /// Offset of the next output byte in this pane's stream.
    /// Puts `bytes` at the head of the pane's output stream before its process starts, as
    /// if printed (they must already be in the grid: `prepare`'s `fill` applied them): they
    /// go to the sink at the current offset, and the process's output follows them. A
    /// restored pane leads with its divider, so later replays and the history show it too.
    /// Does nothing once the process started.
    pub fn lead_with(&self, bytes: &[u8]) {
        let process = lock(&self.process);
        if process.is_some() || bytes.is_empty() {
            return;
        }
        let offset = self.bytes_read();
        if let Some(sink) = &self.sink {
            sink.output(self.id, offset, Arc::from(bytes));
        }
        self.shared
            .bytes_read
            .store(offset + bytes.len() as u64, Ordering::Release);
    }

    pub fn bytes_read(&self) -> u64 {
        self.shared.bytes_read.load(Ordering::Acquire)
    }

    /// The foreground process group leader of the PTY (the program the user is running).
    /// `None` until the child runs its command: right after the fork it is still a copy of
    /// this program, which is not what the pane runs.
    pub fn foreground_pid(&self) -> Option<i32> {
        lock(&self.process)
            .as_ref()
            .and_then(|process| process.master.process_group_leader())
            .filter(|pid| !crate::process::is_copy_of_this_program(*pid))
    }

    /// Whether typed input is secret right now. Password prompts of the C library kind
    /// (getpass, sudo, ssh) turn echo off in line mode: always secret. Full-screen programs
    /// and line editors (vim, agents, readline) turn off echo *and* line mode, and so do the
    /// password prompts of Node's and Python's prompt libraries: there the text before the
    /// cursor decides (a prompt asking for a password, passphrase, token, PIN or secret).
    pub fn input_is_private(&self) -> bool {
        use nix::sys::termios::LocalFlags;
        let flags = {
            let process = lock(&self.process);
            let Some(process) = process.as_ref() else {
                return false;
            };
            match process.master.get_termios() {
                Some(termios) => termios.local_flags,
                None => return false,
            }
        };
        if flags.contains(LocalFlags::ECHO) {
            return false;
        }
        flags.contains(LocalFlags::ICANON) || self.read(|term| asks_for_secret(&prompt_text(term)))
    }

    /// The process the pane started (its shell), while it runs.
    pub fn child_pid(&self) -> Option<u32> {
        let pid = lock(&self.process).as_ref().and_then(|p| p.child_pid);
        pid.filter(|_| self.exit_info().is_none())
    }

    /// Ends the child (SIGHUP, as when a terminal window closes).
    pub fn kill(&self) {
        if self.exit_info().is_none()
            && let Some(process) = lock(&self.process).as_mut()
            && let Err(error) = process.killer.kill()
        {
            tracing::debug!(pane = self.id.0, %error, "kill of an exited child");
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Of one write of input, what is recorded: up to and including its first line end.
fn first_line(bytes: &[u8]) -> &[u8] {
    match memchr::memchr2(b'\r', b'\n', bytes) {
        Some(end) => &bytes[..=end],
        None => bytes,
    }
}

/// The text on the cursor's line before the cursor.
fn prompt_text(term: &Term) -> String {
    use alacritty_terminal::index::Column;
    let cursor = term.grid().cursor.point;
    let row = &term.grid()[cursor.line];
    (0..cursor.column.0.min(row.len()))
        .map(|column| row[Column(column)].c)
        .collect()
}

/// Whether a prompt asks for something secret: it names a password, passphrase, passcode,
/// token, PIN, secret or API key, and ends like a question (`:`, `?`, `>`), maybe followed
/// by the masks of what was typed so far.
pub fn asks_for_secret(prompt: &str) -> bool {
    const WORDS: &[&str] = &[
        "password",
        "passphrase",
        "passcode",
        "token",
        "pin",
        "secret",
        "api key",
        "otp",
    ];
    let trimmed = prompt
        .trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '*' | '•' | '●' | '·'))
        .to_lowercase();
    if !trimmed.ends_with([':', '?', '>']) {
        return false;
    }
    WORDS.iter().any(|word| {
        trimmed.match_indices(word).any(|(at, _)| {
            let before = trimmed[..at].chars().next_back();
            let after = trimmed[at + word.len()..].chars().next();
            let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
            boundary(before) && boundary(after)
        })
    })
}

#[cfg(test)]
mod input_privacy_tests {
    use super::{asks_for_secret, first_line};

    #[test]
    fn prompts_that_ask_for_secrets_are_recognised() {
        for prompt in [
            "Password: ",
            "[sudo] password for me: ",
            "? Enter your API token: ****",
            "Enter passphrase for key '/home/me/.ssh/id_ed25519': ",
            "PIN? ",
            "Secret> ",
            "One-time OTP: ••••",
        ] {
            assert!(asks_for_secret(prompt), "{prompt:?}");
        }
        for prompt in [
            "me@host:~$ ",
            "me@host:~$ echo $TOKEN",
            "Spinning up: ",
            "pinned? no, it's a shell> ls",
            "> ",
            "",
        ] {
            assert!(!asks_for_secret(prompt), "{prompt:?}");
        }
    }

    #[test]
    fn only_the_first_line_of_a_write_is_recorded() {
        assert_eq!(first_line(b"ls\r"), b"ls\r");
        assert_eq!(
            first_line(b"sudo -k; sudo ls\rhunter2\r"),
            b"sudo -k; sudo ls\r"
        );
        assert_eq!(first_line(b"partial"), b"partial");
        assert_eq!(first_line(b"a\nb"), b"a\n");
    }
}
