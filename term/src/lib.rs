//! Everything live about a terminal: the PTY, the parser threads, input encoding and grid text.
//!
//! `term` knows nothing of egui and nothing of the store. A [`Terminal`] is one live pane: a
//! child process on a PTY, a reader thread that only reads, a parser thread that feeds the
//! alacritty_terminal [`Term`](alacritty_terminal::Term), and a small API for the view
//! (lock the grid, send input, resize) and for the recorder (an [`OutputSink`]).

pub mod colors;
pub mod feed;
pub mod history_text;
pub mod input;
pub mod palette;
pub mod process;
pub mod replay;
pub mod size;
pub mod snapshot;
pub mod terminal;
pub mod text;

mod event_proxy;
mod ground;
mod osc7;
mod parser;
mod pty;

pub use alacritty_terminal;
pub use event_proxy::EventProxy;
pub use size::TermSize;
pub use terminal::{
    ExitInfo, Listeners, OutputSink, PaneId, SpawnOptions, Terminal, TerminalError, TerminalEvent,
    TerminalEventKind, Wake,
};

/// The alacritty terminal type every Spaces pane uses.
pub type Term = alacritty_terminal::Term<EventProxy>;
