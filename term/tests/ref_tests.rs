//! Ref tests: recorded terminal output replayed into a silent `Term`, the grid compared with a
//! stored expectation, cell attributes included.
//!
//! Each case replays `tests/ref/<name>.bytes` (or `<name>.1.bytes`, `<name>.2.bytes`, ... for
//! cases with several steps, see [`Step`]) into `new_replay_term` and compares a dump of the
//! terminal with `tests/ref/<name>.screen`. The bytes are written by `tests/ref/make_fixtures.py`.
//! Run with `SPACES_BLESS=1` to rewrite the `.screen` files from what the terminal shows now, then
//! read the diff by eye before committing it.
//!
//! The `.screen` format, one section per snapshot:
//!
//! ```text
//! === <label> ===                       snapshot label (a step of the case)
//! size 20x5 cursor 1:6 history 0        columns x rows, cursor line:column, scrollback rows
//! modes show_cursor line_wrap           the interesting TermMode flags that are set
//!   -2|old line                         one row per line from the oldest scrollback line
//!    0|top of the screen                (negative) to the bottom of the screen, text from
//!    4|                                 `text::lines`, trailing blanks trimmed
//! @0:3-5 fg=red bg=#0a141e bold "abc"   a run of cells on line 0, columns 3 to 5, that share
//!                                       non-default attributes, and their characters
//! ```
//!
//! Only cells with a non-default foreground, background, flags or combining marks are listed.
//! Colours are `red`, `bright_red`, `foreground`, ... (named), `idx(196)` (256-colour) or
//! `#rrggbb` (truecolor); flags are lower-case `Flags` names (`wide`, `wide_spacer`,
//! `leading_wide_spacer`, `wrapline`, `bold`, ...); `marks=U+0301` lists combining marks.

use std::path::PathBuf;

use spaces_term::TermSize;
use spaces_term::alacritty_terminal::grid::Dimensions;
use spaces_term::alacritty_terminal::index::{Column, Line};
use spaces_term::alacritty_terminal::term::TermMode;
use spaces_term::alacritty_terminal::term::cell::{Cell, Flags};
use spaces_term::alacritty_terminal::vte::ansi::{Color, NamedColor};
use spaces_term::replay::{ReplayTerm, new_replay_term, replay_bytes};
use spaces_term::text;

/// One thing a case does to its terminal.
enum Step {
    /// Replays `tests/ref/<file>`.
    Replay(String),
    /// Resizes the grid (it reflows).
    Resize(u16, u16),
    /// Appends a dump of the terminal, under this label, to the expectation.
    Snapshot(&'static str),
}

/// A ref test: the starting size and the steps.
struct Case {
    name: &'static str,
    cols: u16,
    rows: u16,
    scrollback: usize,
    steps: Vec<Step>,
}

impl Case {
    /// The common case: replay `<name>.bytes` and compare the result.
    fn single(name: &'static str, cols: u16, rows: u16) -> Self {
        let file = format!("{name}.bytes");
        Self::steps(
            name,
            cols,
            rows,
            vec![Step::Replay(file), Step::Snapshot("end")],
        )
    }

    fn steps(name: &'static str, cols: u16, rows: u16, steps: Vec<Step>) -> Self {
        Self {
            name,
            cols,
            rows,
            scrollback: 100,
            steps,
        }
    }
}

fn ref_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/ref")
}

/// Runs a case and compares (or, with `SPACES_BLESS=1`, rewrites) its expectation.
fn check(case: &Case) {
    let actual = run(case);
    let path = ref_dir().join(format!("{}.screen", case.name));
    if std::env::var_os("SPACES_BLESS").is_some_and(|value| value == "1") {
        std::fs::write(&path, &actual).expect("write the blessed .screen file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "{}: {error}; run with SPACES_BLESS=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        panic!(
            "{} differs from what the terminal shows (SPACES_BLESS=1 rewrites it)\n\
             --- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        );
    }
}

fn run(case: &Case) -> String {
    let mut term = new_replay_term(TermSize::new(case.cols, case.rows), case.scrollback);
    let mut out = String::new();
    for step in &case.steps {
        match step {
            Step::Replay(file) => {
                let path = ref_dir().join(file);
                let bytes = std::fs::read(&path)
                    .unwrap_or_else(|error| panic!("read {}: {error}", path.display()));
                replay_bytes(&mut term, &bytes);
            }
            Step::Resize(cols, rows) => term.resize(TermSize::new(*cols, *rows)),
            Step::Snapshot(label) => {
                out.push_str(&format!("=== {label} ===\n"));
                out.push_str(&dump(&term));
            }
        }
    }
    out
}

/// The terminal as text: header, rows, then attribute runs (see the file's docs).
fn dump(term: &ReplayTerm) -> String {
    let grid = term.grid();
    let history = grid.history_size() as i32;
    let cursor = grid.cursor.point;
    let mut out = String::new();
    out.push_str(&format!(
        "size {}x{} cursor {}:{} history {history}\n",
        term.columns(),
        term.screen_lines(),
        cursor.line.0,
        cursor.column.0
    ));
    out.push_str(&format!("modes {}\n", mode_names(*term.mode())));
    let last = term.screen_lines() as i32 - 1;
    for (line, row) in (-history..=last).zip(text::lines(term, -history, last)) {
        out.push_str(&format!("{line:>4}|{row}\n"));
    }
    for line in -history..=last {
        dump_attributes(term, Line(line), &mut out);
    }
    out
}

/// The attribute runs of one row.
fn dump_attributes(term: &ReplayTerm, line: Line, out: &mut String) {
    let row = &term.grid()[line];
    let mut column = 0;
    while column < term.columns() {
        let attributes = describe(&row[Column(column)]);
        let start = column;
        let mut chars = String::new();
        while column < term.columns() && describe(&row[Column(column)]) == attributes {
            let cell = &row[Column(column)];
            if !cell.flags.contains(Flags::WIDE_CHAR_SPACER) {
                chars.push(cell.c);
            }
            column += 1;
        }
        if attributes.is_empty() {
            continue;
        }
        let range = if column - 1 == start {
            format!("{start}")
        } else {
            format!("{start}-{}", column - 1)
        };
        out.push_str(&format!("@{}:{range} {attributes} {chars:?}\n", line.0));
    }
}

/// A cell's non-default attributes as text; empty for a plain cell.
fn describe(cell: &Cell) -> String {
    let mut parts = Vec::new();
    if cell.fg != Color::Named(NamedColor::Foreground) {
        parts.push(format!("fg={}", color_name(cell.fg)));
    }
    if cell.bg != Color::Named(NamedColor::Background) {
        parts.push(format!("bg={}", color_name(cell.bg)));
    }
    parts.extend(flag_names(cell.flags));
    if let Some(marks) = cell.zerowidth().filter(|marks| !marks.is_empty()) {
        let marks: Vec<String> = marks
            .iter()
            .map(|mark| format!("U+{:04X}", u32::from(*mark)))
            .collect();
        parts.push(format!("marks={}", marks.join(",")));
    }
    parts.join(" ")
}

fn color_name(color: Color) -> String {
    match color {
        Color::Named(name) => snake_case(&format!("{name:?}")),
        Color::Indexed(index) => format!("idx({index})"),
        Color::Spec(rgb) => format!("#{:02x}{:02x}{:02x}", rgb.r, rgb.g, rgb.b),
    }
}

fn snake_case(camel: &str) -> String {
    let mut out = String::new();
    for (index, character) in camel.chars().enumerate() {
        if character.is_uppercase() && index > 0 {
            out.push('_');
        }
        out.extend(character.to_lowercase());
    }
    out
}

const FLAG_NAMES: &[(Flags, &str)] = &[
    (Flags::BOLD, "bold"),
    (Flags::DIM, "dim"),
    (Flags::ITALIC, "italic"),
    (Flags::UNDERLINE, "underline"),
    (Flags::DOUBLE_UNDERLINE, "double_underline"),
    (Flags::UNDERCURL, "undercurl"),
    (Flags::DOTTED_UNDERLINE, "dotted_underline"),
    (Flags::DASHED_UNDERLINE, "dashed_underline"),
    (Flags::INVERSE, "inverse"),
    (Flags::HIDDEN, "hidden"),
    (Flags::STRIKEOUT, "strikeout"),
    (Flags::WIDE_CHAR, "wide"),
    (Flags::WIDE_CHAR_SPACER, "wide_spacer"),
    (Flags::LEADING_WIDE_CHAR_SPACER, "leading_wide_spacer"),
    (Flags::WRAPLINE, "wrapline"),
];

fn flag_names(flags: Flags) -> impl Iterator<Item = String> {
    FLAG_NAMES
        .iter()
        .filter(move |(flag, _)| flags.contains(*flag))
        .map(|(_, name)| (*name).to_owned())
}

const MODE_NAMES: &[(TermMode, &str)] = &[
    (TermMode::SHOW_CURSOR, "show_cursor"),
    (TermMode::APP_CURSOR, "app_cursor"),
    (TermMode::APP_KEYPAD, "app_keypad"),
    (TermMode::MOUSE_REPORT_CLICK, "mouse_report_click"),
    (TermMode::MOUSE_DRAG, "mouse_drag"),
    (TermMode::MOUSE_MOTION, "mouse_motion"),
    (TermMode::SGR_MOUSE, "sgr_mouse"),
    (TermMode::BRACKETED_PASTE, "bracketed_paste"),
    (TermMode::FOCUS_IN_OUT, "focus_in_out"),
    (TermMode::LINE_WRAP, "line_wrap"),
    (TermMode::ORIGIN, "origin"),
    (TermMode::INSERT, "insert"),
    (TermMode::ALT_SCREEN, "alt_screen"),
];

fn mode_names(mode: TermMode) -> String {
    let names: Vec<&str> = MODE_NAMES
        .iter()
        .filter(|(flag, _)| mode.contains(*flag))
        .map(|(_, name)| *name)
        .collect();
    names.join(" ")
}

#[test]
fn sgr_colors() {
    check(&Case::single("sgr_colors", 40, 9));
}

#[test]
fn wide_chars() {
    check(&Case::single("wide_chars", 10, 4));
}

#[test]
fn combining() {
    check(&Case::single("combining", 20, 2));
}

#[test]
fn scroll_region() {
    check(&Case::single("scroll_region", 20, 8));
}

#[test]
fn alt_screen() {
    check(&Case::steps(
        "alt_screen",
        20,
        4,
        vec![
            Step::Replay("alt_screen.1.bytes".into()),
            Step::Snapshot("in the alternate screen"),
            Step::Replay("alt_screen.2.bytes".into()),
            Step::Snapshot("back on the main screen"),
        ],
    ));
}

#[test]
fn line_wrap() {
    check(&Case::single("line_wrap", 10, 5));
}

#[test]
fn reflow() {
    check(&Case::steps(
        "reflow",
        20,
        6,
        vec![
            Step::Replay("reflow.bytes".into()),
            Step::Snapshot("20 columns"),
            Step::Resize(10, 6),
            Step::Snapshot("narrower: 10 columns"),
            Step::Resize(50, 6),
            Step::Snapshot("wider: 50 columns"),
            Step::Resize(50, 3),
            Step::Snapshot("fewer rows: 50x3"),
        ],
    ));
}

#[test]
fn erase_line() {
    check(&Case::single("erase_line", 20, 6));
}

#[test]
fn erase_display() {
    check(&Case::steps(
        "erase_display",
        10,
        3,
        vec![
            Step::Replay("erase_display.1.bytes".into()),
            Step::Snapshot("after ED 2"),
            Step::Replay("erase_display.2.bytes".into()),
            Step::Snapshot("after ED 3"),
        ],
    ));
}

#[test]
fn cursor_movement() {
    check(&Case::single("cursor_movement", 20, 8));
}

#[test]
fn tabs() {
    check(&Case::single("tabs", 40, 4));
}

#[test]
fn insert_delete() {
    check(&Case::single("insert_delete", 10, 6));
}

#[test]
fn title() {
    check(&Case::single("title", 20, 2));
}

#[test]
fn queries() {
    check(&Case::single("queries", 30, 2));
}

#[test]
fn sync_unfinished() {
    check(&Case::single("sync_unfinished", 30, 3));
}
