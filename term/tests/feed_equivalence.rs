//! The feeder (vte plus text runs written straight into the grid) must leave a terminal
//! exactly as vte alone does: every cell of the screen and the scrollback, the cursor with
//! its template and charsets, and the modes, on random streams cut into random pieces.

use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::index::{Column, Line};
use alacritty_terminal::term::cell::Cell;
use alacritty_terminal::vte::ansi::{Processor, StdSyncHandler};
use proptest::prelude::*;
use spaces_term::TermSize;
use spaces_term::alacritty_terminal;
use spaces_term::feed::Feeder;
use spaces_term::replay::{ReplayTerm, new_replay_term};

fn new_term(columns: u16, lines: u16) -> ReplayTerm {
    new_replay_term(TermSize::new(columns, lines), 30)
}

/// `bytes` in the pieces a reader would have handed over, cut at `cuts` (taken modulo the
/// length).
fn pieces<'a>(bytes: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut cuts: Vec<usize> = cuts.iter().map(|cut| cut % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    let mut start = 0;
    let mut pieces = Vec::new();
    for cut in cuts.into_iter().chain([bytes.len()]) {
        pieces.push(&bytes[start..cut]);
        start = cut;
    }
    pieces
}

/// vte alone, the reference, given the same pieces (vte's own result may depend on where a
/// multi-byte character was cut).
fn through_vte(columns: u16, lines: u16, bytes: &[u8], cuts: &[usize]) -> ReplayTerm {
    let mut term = new_term(columns, lines);
    let mut processor: Processor<StdSyncHandler> = Processor::new();
    for piece in pieces(bytes, cuts) {
        processor.advance(&mut term, piece);
    }
    // A synchronized update still open is ended, as its timeout would (see `check`).
    processor.stop_sync(&mut term);
    term
}

fn through_feeder(columns: u16, lines: u16, bytes: &[u8], cuts: &[usize]) -> ReplayTerm {
    let mut term = new_term(columns, lines);
    let mut feeder = Feeder::new();
    for piece in pieces(bytes, cuts) {
        feeder.feed(&mut term, piece);
    }
    feeder.stop_sync(&mut term);
    term
}

/// What a cell shows. Hyperlinks compare by address: alacritty numbers the ids it makes up
/// from a global counter, so two terminals never share them.
fn shown(cell: &Cell) -> impl PartialEq + std::fmt::Debug + use<> {
    (
        cell.c,
        cell.fg,
        cell.bg,
        cell.flags,
        cell.zerowidth().map(<[char]>::to_vec),
        cell.underline_color(),
        cell.hyperlink().map(|link| link.uri().to_owned()),
    )
}

/// Every difference a user could see now or later: cells (with their extras), cursor,
/// template, charsets, pending wrap, modes, history.
fn assert_same(expected: &ReplayTerm, actual: &ReplayTerm, context: &str) {
    let (want, got) = (expected.grid(), actual.grid());
    assert_eq!(
        want.history_size(),
        got.history_size(),
        "history size; {context}"
    );
    let cursor = |grid: &alacritty_terminal::grid::Grid<Cell>| {
        let cursor = &grid.cursor;
        (
            cursor.point,
            cursor.charsets,
            cursor.input_needs_wrap,
            shown(&cursor.template),
        )
    };
    assert_eq!(cursor(want), cursor(got), "cursor; {context}");
    assert_eq!(expected.mode(), actual.mode(), "modes; {context}");
    let top = -(want.history_size() as i32);
    for line in top..want.screen_lines() as i32 {
        for column in 0..want.columns() {
            let (a, b) = (
                &want[Line(line)][Column(column)],
                &got[Line(line)][Column(column)],
            );
            assert_eq!(
                shown(a),
                shown(b),
                "cell at line {line}, column {column}; {context}"
            );
        }
    }
}

/// Both terminals are compared once any synchronized update (mode 2026) has ended: while one
/// is open, vte itself applies bytes at moments that depend on how they arrived (it holds
/// back everything after a new `ESC[?2026h` in the same read, so a partial UTF-8 character
/// before it is ended later), and nothing of an open update is shown anyway.
fn check(columns: u16, lines: u16, bytes: &[u8], cuts: &[usize]) {
    let mut expected = through_vte(columns, lines, bytes, cuts);
    let mut actual = through_feeder(columns, lines, bytes, cuts);
    let context = format!("{columns}x{lines}");
    assert_same(&expected, &actual, &context);
    // The screen that is not showing (main or alternate) must match too.
    expected.swap_alt();
    actual.swap_alt();
    assert_same(&expected, &actual, &format!("other screen; {context}"));
}

/// Pieces of terminal output chosen to reach every branch of the feeder and of the parser
/// state mirror: text of all lengths, UTF-8 (wide, combining, cut, invalid), controls,
/// modes that change what printing does, strings of every kind, and raw bytes.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    const FIXED: &[&[u8]] = &[
        b"\r",
        b"\n",
        b"\r\n",
        b"\t",
        b"\x08",
        b"\x07",
        b"\x18",
        b"\x1a",
        b"\x00",
        b"\x7f",
        b"\x0e",
        b"\x0f",
        "é".as_bytes(),
        "中".as_bytes(),
        "😀".as_bytes(),
        "\u{301}".as_bytes(),
        b"\xe4\xb8",
        b"\xf0\x9f",
        b"\xc3",
        b"\x80",
        b"\x9b",
        b"\xff",
        b"\xed\xa0\x80",
        b"\x1b[31m",
        b"\x1b[1;38;5;200m",
        b"\x1b[38;2;1;2;3;48;5;17m",
        b"\x1b[0m",
        b"\x1b[7m",
        b"\x1b[4:3m\x1b[58:5:3m",
        b"\x1b[4h",
        b"\x1b[4l",
        b"\x1b[?7l",
        b"\x1b[?7h",
        b"\x1b[3b",
        b"\x1b[5@",
        b"\x1b[2P",
        b"\x1b[2K",
        b"\x1b[J",
        b"\x1b[H",
        b"\x1b[3;10H",
        b"\x1b[1;200H",
        b"\x1b[5C",
        b"\x1b[2D",
        b"\x1b[2;4r",
        b"\x1b[r",
        b"\x1b[S",
        b"\x1b[2L",
        b"\x1b[?1049h",
        b"\x1b[?1049l",
        b"\x1b[?2026h",
        b"\x1b[?2026l",
        b"\x1b(0",
        b"\x1b(B",
        b"\x1b)0",
        b"\x1b*0",
        b"\x1b7",
        b"\x1b8",
        b"\x1bM",
        b"\x1bD",
        b"\x1bE",
        b"\x1b#8",
        b"\x1b",
        b"\x1b[",
        b"\x1b[3",
        b"\x1b\n",
        b"\x1b(\r",
        b"\x1b]0;title\x07",
        b"\x1b]8;;https://example.com\x1b\\",
        b"\x1b]8;;\x1b\\",
        b"\x1b]2;cut",
        b"\x1bP1$r",
        b"\x1bPq#0;1\x9c",
        b"\x1b\\",
        b"\x1b_apc\x07",
        b"\x1b^pm",
        b"\x1bXsos\x1b\\",
    ];
    prop_oneof![
        4 => proptest::collection::vec(0x20u8..0x7f, 0..120),
        3 => proptest::sample::select(FIXED).prop_map(<[u8]>::to_vec),
        1 => proptest::collection::vec(any::<u8>(), 1..4),
    ]
}

fn stream() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(piece(), 0..60).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_feeder_leaves_the_terminal_as_vte_does(
        bytes in stream(),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
        (columns, lines) in prop_oneof![Just((12u16, 4u16)), Just((20, 6)), Just((80, 10))],
    ) {
        check(columns, lines, &bytes, &cuts);
    }

    #[test]
    fn random_bytes_leave_the_terminal_as_vte_does(
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        check(16, 5, &bytes, &cuts);
    }
}

#[test]
fn long_coloured_lines_that_wrap_and_scroll() {
    let mut bytes = Vec::new();
    for line in 0..500 {
        let colour = 31 + line % 7;
        bytes.extend_from_slice(format!("\x1b[1;{colour}mline {line}\x1b[0m: ").as_bytes());
        for word in 0..(line % 40) {
            bytes.extend_from_slice(format!("word{word} ").as_bytes());
        }
        bytes.extend_from_slice(b"\r\n");
    }
    check(80, 24, &bytes, &[4096, 8192, 8193, 12_000]);
    check(33, 7, &bytes, &[1, 2, 3, 5000]);
}

#[test]
fn text_written_over_wide_characters_clears_them_as_vte_does() {
    check(10, 3, "中中中中中\r0123456789".as_bytes(), &[]);
    check(10, 3, "a中中中中\rxyzxyzxyzx".as_bytes(), &[]);
    check(10, 3, "abcdefghi中\r\nabcdefgh".as_bytes(), &[]);
}

#[test]
fn rep_repeats_the_last_character_of_a_written_run() {
    check(20, 3, b"abcdef\x1b[3bxyz", &[]);
    let term = through_feeder(20, 3, b"abcdef\x1b[3b", &[]);
    let row: String = (0..9)
        .map(|column| term.grid()[Line(0)][Column(column)].c)
        .collect();
    assert_eq!(row, "abcdefffff"[..9].to_owned());
}
