//! Replaying recorded output into a terminal safely: with every event swallowed, then leaving
//! the state a fresh process expects.

use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::term::Config;

use crate::event_proxy::EventProxy;
use crate::feed::Feeder;
use crate::size::TermSize;

/// A terminal with no process, fed from recorded bytes: queries inside them are never
/// answered (its listener drops everything).
pub type ReplayTerm = alacritty_terminal::Term<EventProxy>;

/// A fresh silent terminal of the given size.
pub fn new_replay_term(size: TermSize, scrollback_lines: usize) -> ReplayTerm {
    let config = Config {
        scrolling_history: scrollback_lines,
        ..Config::default()
    };
    alacritty_terminal::Term::new(config, &size, EventProxy::silent())
}

/// Feeds recorded bytes into `term`. The caller's listener must be muted (see
/// [`EventProxy::silent`] or [`crate::Terminal::spawn_with_history`]).
pub fn replay_bytes<T: alacritty_terminal::event::EventListener>(
    term: &mut alacritty_terminal::Term<T>,
    bytes: &[u8],
) {
    let mut replayer = Replayer::default();
    replayer.feed(term, bytes);
    replayer.finish(term);
}

/// The modes a process leaves behind that the next one must not inherit: leave the alt screen
/// (1049), mouse modes, SGR/UTF-8 mouse, bracketed paste, app cursor (DECCKM), app keypad
/// (DECKPNM), focus events; show the cursor, reset SGR and the scroll region.
pub const NEW_PROCESS_RESET: &[u8] =
    b"\x1b[?1049l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1005l\x1b[?1006l\
\x1b[?2004l\x1b[?1l\x1b>\x1b[?1004l\x1b[?25h\x1b[0m\x1b[r";

/// After replaying old output, puts the terminal back in the state a new process expects:
/// main screen, no mouse reporting, no bracketed paste, normal cursor keys, cursor visible, on
/// a fresh line below the old output. Returns the bytes it applied (to record them).
pub fn reset_for_new_process<T: alacritty_terminal::event::EventListener>(
    term: &mut alacritty_terminal::Term<T>,
) -> Vec<u8> {
    let mut applied = NEW_PROCESS_RESET.to_vec();
    replay_bytes(term, NEW_PROCESS_RESET);
    // Go to the line below the lowest old text on the screen (not to the bottom row, which on
    // a mostly empty screen would push the old output out of sight); when that text is on the
    // bottom row, scroll one line.
    let last = term.screen_lines() as i32 - 1;
    let lowest_used = (0..=last).rev().find(|&line| {
        !crate::text::row_text(term, alacritty_terminal::index::Line(line)).is_empty()
    });
    let movement = match lowest_used {
        Some(line) if line == last => format!("\x1b[{};1H\r\n", last + 1),
        Some(line) => format!("\x1b[{};1H", line + 2),
        None => "\x1b[H".to_owned(),
    };
    replay_bytes(term, movement.as_bytes());
    applied.extend_from_slice(movement.as_bytes());
    applied
}

/// Replays a stream that arrives in pieces, keeping the parser state between them (an escape
/// sequence may be cut across two recorded chunks).
#[derive(Default)]
pub struct Replayer {
    feeder: Feeder,
}

impl Replayer {
    pub fn feed<T: alacritty_terminal::event::EventListener>(
        &mut self,
        term: &mut alacritty_terminal::Term<T>,
        bytes: &[u8],
    ) {
        self.feeder.feed(term, bytes);
    }

    /// Ends the stream: output held back by an unfinished synchronized update is applied.
    pub fn finish<T: alacritty_terminal::event::EventListener>(
        mut self,
        term: &mut alacritty_terminal::Term<T>,
    ) {
        if self.feeder.sync_bytes_count() > 0 {
            self.feeder.stop_sync(term);
        }
    }
}
