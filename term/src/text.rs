//! Plain text out of a terminal grid: what `spaces cli get-text` prints.

use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::index::{Column, Line};
use alacritty_terminal::term::cell::Flags;

use crate::Term;

/// The text of rows `start..=end`, where line 0 is the top of the screen and negative lines
/// reach into the scrollback (as `wezterm cli get-text`). Out-of-range lines are clamped.
/// Each row has its trailing blanks trimmed.
pub fn lines<T>(term: &alacritty_terminal::Term<T>, start: i32, end: i32) -> Vec<String> {
    let top = -(term.grid().history_size() as i32);
    let bottom = term.screen_lines() as i32 - 1;
    let start = start.clamp(top, bottom);
    let end = end.clamp(top, bottom);
    (start..=end)
        .map(|line| row_text(term, Line(line)))
        .collect()
}

/// The visible screen (ignoring any scrollback the user is viewing).
pub fn screen(term: &Term) -> Vec<String> {
    lines(term, 0, term.screen_lines() as i32 - 1)
}

/// One row's text without trailing blanks. Wide characters appear once; combining marks follow
/// their base character.
pub fn row_text<T>(term: &alacritty_terminal::Term<T>, line: Line) -> String {
    let row = &term.grid()[line];
    let mut text = String::with_capacity(term.columns());
    for column in 0..term.columns() {
        let cell = &row[Column(column)];
        if cell
            .flags
            .intersects(Flags::WIDE_CHAR_SPACER | Flags::LEADING_WIDE_CHAR_SPACER)
        {
            continue;
        }
        // A tab leaves '\t' in the cell where it was typed and blanks up to the next stop.
        text.push(if cell.c == '\t' { ' ' } else { cell.c });
        if let Some(marks) = cell.zerowidth() {
            text.extend(marks);
        }
    }
    let trimmed = text.trim_end_matches([' ', '\t', '\0']).len();
    text.truncate(trimmed);
    text
}
