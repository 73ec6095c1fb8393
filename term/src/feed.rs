//! Feeding a pane's output into its `Term`: vte parses the stream, and runs of plain text are
//! written into the grid in one go.
//!
//! Most of what terminals print is printable ASCII between escape sequences. vte hands it to
//! `Term::input` one character at a time, and that call (width lookup, mode and charset checks,
//! cell lookup, cursor update per character) is most of the parser thread's time. A run of
//! printable ASCII written while vte is in its ground state, with insert mode off, every
//! charset plain ASCII and no wide character in the cells it covers, has a result that is
//! known exactly: each cell takes the character and the cursor's template (colours, flags,
//! extras), and the cursor advances, stopping at the last column with a wrap pending. That is
//! what [`write_text`] does for the whole run; everything else, and the last character of each
//! run (so `REP` repeats the right one), goes through vte as before. Where any condition does
//! not hold, vte does all of it. `tests/feed_equivalence.rs` compares the two paths on random
//! streams cut at random places; `spaces bench ingest` measures the gain.

use std::time::Instant;

use alacritty_terminal::event::EventListener;
use alacritty_terminal::grid::{Charsets, Dimensions};
use alacritty_terminal::index::Column;
use alacritty_terminal::term::TermMode;
use alacritty_terminal::term::cell::Flags;
use alacritty_terminal::vte::ansi::{Processor, StdSyncHandler};

use crate::colors::ColorOscs;
use crate::ground::GroundTracker;
use crate::palette::Palette;

/// Shorter runs go through vte whole, saving the extra parser call per run. 1, 4 and 16
/// parsed the ingest workload equally fast (within this machine's noise); not tuned further.
const MIN_RUN: usize = 4;

/// The longest OSC string vte is given (titles, hyperlinks, OSC 52 clipboard writes,
/// colours). vte buffers an OSC whole until its terminator, so a program printing
/// `ESC ] 2 ;` and 200 MB of text would otherwise make the parser hold all of it. Bytes past
/// the cap are dropped, and an ellipsis marks the cut: a cut OSC 52 payload is then not valid
/// base64 and sets no clipboard, a cut title ends in "…".
pub const MAX_OSC_BYTES: usize = 1024 * 1024;

/// What vte gets in place of an OSC string's bytes past [`MAX_OSC_BYTES`].
const OSC_CUT_MARK: &str = "…";

/// vte's processor plus the parser state mirror that says when a text run may bypass it.
#[derive(Default)]
pub struct Feeder {
    processor: Processor<StdSyncHandler>,
    ground: GroundTracker,
    /// Bytes of the OSC string in progress given to vte so far.
    osc_bytes: usize,
    /// Colour OSCs, finished here after vte (see `colors`).
    colors: ColorOscs,
    /// Where colour queries are answered: the pane's input queue and its theme. `None`
    /// while replaying recorded output, which must answer nothing.
    answers: Option<Answers>,
}

/// Where a live pane's colour answers go.
pub struct Answers {
    pub writer: crossbeam_channel::Sender<Vec<u8>>,
    pub palette: std::sync::Arc<Palette>,
}

impl Feeder {
    /// A feeder that answers nothing (replay).
    pub fn new() -> Self {
        Self::default()
    }

    /// A feeder for a live pane: colour queries are answered into `answers.writer`.
    pub fn answering(answers: Answers) -> Self {
        Self {
            answers: Some(answers),
            ..Self::default()
        }
    }

    /// Parses `bytes` into `term`, continuing whatever sequence the previous call left open.
    pub fn feed<T: EventListener>(&mut self, term: &mut alacritty_terminal::Term<T>, bytes: &[u8]) {
        // `bytes[..parsed]` has reached the grid, through vte or written directly.
        let mut parsed = 0;
        let mut index = 0;
        while index < bytes.len() {
            if self.ground.is_ground() {
                let run = printable_run(&bytes[index..]);
                if run >= MIN_RUN {
                    // vte catches up first: cells must change in stream order.
                    self.processor.advance(term, &bytes[parsed..index]);
                    parsed = index;
                    match self.write_run(term, &bytes[index..index + run - 1]) {
                        // The next byte goes through vte: the run's last character, or the one
                        // that wraps the line or lands on a wide character.
                        Some(written) => {
                            index += written;
                            parsed = index;
                            index += 1;
                        }
                        None => index += run,
                    }
                    // Printable ASCII leaves vte in the ground state.
                    continue;
                }
                index += run;
                if index == bytes.len() {
                    break;
                }
            }
            let byte = bytes[index];
            let was_osc = self.ground.in_osc();
            let was_escape = self.ground.in_escape();
            self.ground.step(byte);
            if was_escape && byte == b'c' {
                // RIS: alacritty resets the grid and modes but keeps the colours a program
                // set; xterm resets those too.
                self.processor.advance(term, &bytes[parsed..=index]);
                parsed = index + 1;
                crate::colors::reset_all(term);
            }
            if self.ground.in_osc() {
                if was_osc {
                    self.osc_bytes += 1;
                    self.colors.push(byte);
                } else {
                    self.osc_bytes = 0;
                    self.colors.start();
                }
                if self.osc_bytes > MAX_OSC_BYTES {
                    // Past the cap: this byte never reaches vte.
                    self.processor.advance(term, &bytes[parsed..index]);
                    if self.osc_bytes == MAX_OSC_BYTES + 1 {
                        self.processor.advance(term, OSC_CUT_MARK.as_bytes());
                    }
                    parsed = index + 1;
                }
            } else if was_osc && matches!(byte, 0x07 | 0x1b) && self.colors.is_color() {
                // vte applies the OSC at its terminator; the rest is done right after it, so
                // answers keep their place among the other answers of the stream.
                self.processor.advance(term, &bytes[parsed..=index]);
                parsed = index + 1;
                self.finish_color_osc(term, byte);
            }
            index += 1;
        }
        self.processor.advance(term, &bytes[parsed..]);
    }

    fn finish_color_osc<T: EventListener>(
        &mut self,
        term: &mut alacritty_terminal::Term<T>,
        terminator: u8,
    ) {
        match &self.answers {
            Some(answers) => {
                let writer = answers.writer.clone();
                let palette = answers.palette.clone();
                let mut send = |bytes: Vec<u8>| {
                    // After the child exited the writer thread is gone: nothing to answer.
                    let _ignored = writer.send(bytes);
                };
                self.colors
                    .finish(term, terminator, &palette, Some(&mut send));
            }
            None => self
                .colors
                .finish(term, terminator, &Palette::default(), None),
        }
    }

    /// True at a clean boundary of the stream: vte in its ground state with no partial
    /// character, and nothing held back by a synchronized update.
    pub fn is_clean(&self) -> bool {
        self.ground.is_ground() && self.processor.sync_bytes_count() == 0
    }

    /// Bytes held back by a synchronized update (mode 2026).
    pub fn sync_bytes_count(&self) -> usize {
        self.processor.sync_bytes_count()
    }

    /// When the synchronized update in progress must be ended, if there is one.
    pub fn sync_deadline(&self) -> Option<Instant> {
        self.processor.sync_timeout().sync_timeout()
    }

    /// Ends a synchronized update: what it held back is applied.
    pub fn stop_sync<T: EventListener>(&mut self, term: &mut alacritty_terminal::Term<T>) {
        self.processor.stop_sync(term);
    }

    /// Writes what it can of `text` (printable ASCII) at the cursor where vte would do exactly
    /// that, and says how much. `None` when vte must handle all of it (a synchronized update
    /// holds output back, insert mode, a non-ASCII charset).
    fn write_run<T: EventListener>(
        &self,
        term: &mut alacritty_terminal::Term<T>,
        text: &[u8],
    ) -> Option<usize> {
        if self.processor.sync_timeout().sync_timeout().is_some() {
            return None;
        }
        write_text(term, text)
    }
}

/// The cell-by-cell effect of `Term::input` for each byte of `text`, up to the end of the
/// line or the first cell holding half of a wide character (overwriting it also clears the
/// other half: vte's job). `None` where `Term::input` would do more than write cells (see
/// [`Feeder::write_run`]).
fn write_text<T: EventListener>(
    term: &mut alacritty_terminal::Term<T>,
    text: &[u8],
) -> Option<usize> {
    if term.mode().contains(TermMode::INSERT) {
        return None;
    }
    let grid = term.grid_mut();
    if grid.cursor.charsets != Charsets::default() {
        return None;
    }
    if grid.cursor.input_needs_wrap {
        return Some(0);
    }
    let columns = grid.columns();
    let point = grid.cursor.point;
    let count = text.len().min(columns - point.column.0);
    let template = grid.cursor.template.clone();
    let cells = &mut grid[point.line][point.column..point.column + count];
    let mut written = 0;
    for (cell, &byte) in cells.iter_mut().zip(text) {
        if cell
            .flags
            .intersects(Flags::WIDE_CHAR | Flags::WIDE_CHAR_SPACER)
        {
            break;
        }
        cell.c = char::from(byte);
        cell.fg = template.fg;
        cell.bg = template.bg;
        cell.flags = template.flags;
        cell.extra.clone_from(&template.extra);
        written += 1;
    }
    let end = point.column + written;
    if end.0 < columns {
        grid.cursor.point.column = end;
    } else {
        grid.cursor.point.column = Column(columns - 1);
        grid.cursor.input_needs_wrap = true;
    }
    Some(written)
}

/// Length of the leading run of printable ASCII (space to `~`). Blocks are tested without an
/// early exit, which the compiler turns into SIMD.
fn printable_run(bytes: &[u8]) -> usize {
    const BLOCK: usize = 32;
    let printable = |byte: u8| (0x20..0x7f).contains(&byte);
    let mut start = 0;
    for block in bytes.chunks_exact(BLOCK) {
        if !block.iter().fold(true, |all, &byte| all & printable(byte)) {
            break;
        }
        start += BLOCK;
    }
    start
        + bytes[start..]
            .iter()
            .position(|&byte| !printable(byte))
            .unwrap_or(bytes.len() - start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_runs_end_at_the_first_other_byte() {
        for length in [0, 1, 31, 32, 33, 64, 100] {
            let plain = vec![b'a'; length];
            assert_eq!(printable_run(&plain), length);
            for at in 0..length {
                for other in [0x1b, b'\n', 0x7f, 0x80, 0xe4, 0x00] {
                    let mut bytes = plain.clone();
                    bytes[at] = other;
                    assert_eq!(printable_run(&bytes), at, "{other:#x} at {at} of {length}");
                }
            }
        }
    }
}
