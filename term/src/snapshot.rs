//! Grid snapshots: the main screen and its in-memory scrollback in a compact binary format of
//! our own, versioned, so a restore starts from a snapshot and replays only the output after
//! it.
//!
//! Format (little endian), version 1:
//! `"SPSN" u8:version u16:cols u16:rows u32:lines i32:cursor_line u16:cursor_column
//!  attrs:cursor_template` then `lines` rows, oldest first. A row is `u16:cells` (trailing
//! blank cells trimmed) and each cell a header byte (bit 0: same attributes as the previous
//! cell of the row, bit 1: has combining marks), the character as a varint, the attributes
//! (`color:fg color:bg u16:flags`) unless bit 0, and the marks (`u8:count` + varints) if bit 1.
//! A colour is a tag (0 named + u16, 1 rgb + 3 bytes, 2 indexed + u8).
//!
//! Version 2 adds, after the rows, the colours the program set (OSC 4/10/11/12/17/19, see
//! `crate::colors`): `u16:count` then `count` times `u16:slot u8:r u8:g u8:b`. Version 1
//! snapshots (no colours) are still read. Decoding validates every field: random bytes give
//! an error, never a panic.

use alacritty_terminal::event::EventListener;
use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::index::{Column, Line, Point};
use alacritty_terminal::term::cell::{Cell, Flags};
use alacritty_terminal::vte::ansi::{Color, NamedColor, Rgb};

use crate::replay::replay_bytes;
use crate::size::TermSize;

const MAGIC: &[u8; 4] = b"SPSN";
pub const FORMAT_VERSION: u8 = 2;
/// The first version this build still reads.
const OLDEST_VERSION: u8 = 1;
/// Limits that keep a hostile or corrupt snapshot from allocating without bound.
const MAX_COLUMNS: u16 = 4096;
const MAX_ROWS: u16 = 2048;
const MAX_LINES: u32 = 2_000_000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SnapshotError {
    #[error("not a Spaces snapshot")]
    BadMagic,
    #[error("snapshot format {0} is newer than this Spaces understands")]
    UnknownVersion(u8),
    #[error("snapshot is truncated")]
    Truncated,
    #[error("snapshot holds an invalid {0}")]
    Invalid(&'static str),
}

/// What a snapshot says about the grid it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SnapshotInfo {
    pub size: TermSize,
    /// Scrollback lines restored (beyond the screen).
    pub history_lines: usize,
}

/// Encodes the active grid: screen plus scrollback, cursor and current attributes.
pub fn encode<T>(term: &alacritty_terminal::Term<T>) -> Vec<u8> {
    let grid = term.grid();
    let history = grid.history_size();
    let rows = term.screen_lines();
    let cols = term.columns();
    let mut out = Vec::with_capacity((history + rows) * 32);
    out.extend_from_slice(MAGIC);
    out.push(FORMAT_VERSION);
    out.extend_from_slice(&(cols as u16).to_le_bytes());
    out.extend_from_slice(&(rows as u16).to_le_bytes());
    out.extend_from_slice(&((history + rows) as u32).to_le_bytes());
    out.extend_from_slice(&grid.cursor.point.line.0.to_le_bytes());
    out.extend_from_slice(&(grid.cursor.point.column.0 as u16).to_le_bytes());
    write_attributes(&mut out, &grid.cursor.template);
    for line in -(history as i32)..rows as i32 {
        let row = &grid[Line(line)];
        let used = (0..cols)
            .rev()
            .find(|&column| !is_blank(&row[Column(column)]))
            .map_or(0, |last| last + 1);
        out.extend_from_slice(&(used as u16).to_le_bytes());
        let mut previous: Option<&Cell> = None;
        for column in 0..used {
            let cell = &row[Column(column)];
            let same = previous.is_some_and(|p| same_attributes(p, cell));
            let marks = cell.zerowidth().filter(|marks| !marks.is_empty());
            out.push(u8::from(same) | (u8::from(marks.is_some()) << 1));
            write_varint(&mut out, cell.c as u32);
            if !same {
                write_attributes(&mut out, cell);
            }
            if let Some(marks) = marks {
                out.push(marks.len().min(255) as u8);
                for mark in marks.iter().take(255) {
                    write_varint(&mut out, *mark as u32);
                }
            }
            previous = Some(cell);
        }
    }
    write_colors(&mut out, term.colors());
    out
}

/// The colours the program set (the slots it left alone are not written).
fn write_colors(out: &mut Vec<u8>, colors: &alacritty_terminal::term::color::Colors) {
    let set: Vec<(usize, Rgb)> = (0..alacritty_terminal::term::color::COUNT)
        .filter_map(|slot| colors[slot].map(|color| (slot, color)))
        .collect();
    out.extend_from_slice(&(set.len() as u16).to_le_bytes());
    for (slot, color) in set {
        out.extend_from_slice(&(slot as u16).to_le_bytes());
        out.extend_from_slice(&[color.r, color.g, color.b]);
    }
}

/// Reads the colours section of a version 2 snapshot.
fn read_colors(reader: &mut Reader<'_>) -> Result<Vec<(usize, Rgb)>, SnapshotError> {
    let count = reader.u16()?;
    let mut colors = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let slot = usize::from(reader.u16()?);
        if slot >= alacritty_terminal::term::color::COUNT {
            return Err(SnapshotError::Invalid("colour slot"));
        }
        let [r, g, b] = [reader.u8()?, reader.u8()?, reader.u8()?];
        colors.push((slot, Rgb { r, g, b }));
    }
    Ok(colors)
}

fn is_blank(cell: &Cell) -> bool {
    cell.c == ' '
        && cell.flags.is_empty()
        && cell.fg == Color::Named(NamedColor::Foreground)
        && cell.bg == Color::Named(NamedColor::Background)
        && cell.zerowidth().is_none()
}

fn same_attributes(a: &Cell, b: &Cell) -> bool {
    a.fg == b.fg && a.bg == b.bg && a.flags == b.flags
}

fn write_attributes(out: &mut Vec<u8>, cell: &Cell) {
    write_color(out, cell.fg);
    write_color(out, cell.bg);
    out.extend_from_slice(&cell.flags.bits().to_le_bytes());
}

fn write_color(out: &mut Vec<u8>, color: Color) {
    match color {
        Color::Named(name) => {
            out.push(0);
            out.extend_from_slice(&(name as u16).to_le_bytes());
        }
        Color::Spec(Rgb { r, g, b }) => out.extend_from_slice(&[1, r, g, b]),
        Color::Indexed(index) => out.extend_from_slice(&[2, index]),
    }
}

fn write_varint(out: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Reads a snapshot's header without decoding the grid.
pub fn info(bytes: &[u8]) -> Result<SnapshotInfo, SnapshotError> {
    let mut reader = Reader { bytes, at: 0 };
    let header = read_header(&mut reader)?;
    Ok(SnapshotInfo {
        size: TermSize::new(header.cols, header.rows),
        history_lines: header.lines as usize - usize::from(header.rows),
    })
}

struct Header {
    version: u8,
    cols: u16,
    rows: u16,
    lines: u32,
    cursor: Point,
    template: Cell,
}

fn read_header(reader: &mut Reader<'_>) -> Result<Header, SnapshotError> {
    if reader.take(4)? != MAGIC {
        return Err(SnapshotError::BadMagic);
    }
    let version = reader.u8()?;
    if !(OLDEST_VERSION..=FORMAT_VERSION).contains(&version) {
        return Err(SnapshotError::UnknownVersion(version));
    }
    let cols = reader.u16()?;
    let rows = reader.u16()?;
    let lines = reader.u32()?;
    if !(1..=MAX_COLUMNS).contains(&cols) || !(1..=MAX_ROWS).contains(&rows) {
        return Err(SnapshotError::Invalid("grid size"));
    }
    if lines < u32::from(rows) || lines > MAX_LINES {
        return Err(SnapshotError::Invalid("line count"));
    }
    let cursor_line = reader.i32()?;
    let cursor_column = reader.u16()?;
    if !(0..i32::from(rows)).contains(&cursor_line) || cursor_column >= cols {
        return Err(SnapshotError::Invalid("cursor position"));
    }
    let mut template = Cell::default();
    read_attributes(reader, &mut template)?;
    Ok(Header {
        version,
        cols,
        rows,
        lines,
        cursor: Point::new(Line(cursor_line), Column(usize::from(cursor_column))),
        template,
    })
}

/// Replaces `term`'s grid with the snapshot's: resizes it to the snapshot's size, recreates
/// the scrollback (as much as `term` keeps) and the screen, cursor and attributes.
pub fn restore_into<T: EventListener>(
    term: &mut alacritty_terminal::Term<T>,
    bytes: &[u8],
) -> Result<SnapshotInfo, SnapshotError> {
    let mut reader = Reader { bytes, at: 0 };
    let header = read_header(&mut reader)?;
    // Validate everything before touching the terminal, so a bad snapshot changes nothing;
    // then decode again straight into the grid (no per-row allocation).
    let rows_start = reader.at;
    for _ in 0..header.lines {
        read_row(&mut reader, header.cols, |_, _| {})?;
    }
    let colors = if header.version >= 2 {
        read_colors(&mut reader)?
    } else {
        Vec::new()
    };
    let size = TermSize::new(header.cols, header.rows);
    term.resize(size);
    replay_bytes(term, b"\x1b[0m\x1b[H\x1b[2J\x1b[3J");
    let history = (header.lines - u32::from(header.rows)) as usize;
    // Make room for the scrollback: each line feed at the bottom row scrolls one line up; the
    // terminal keeps as many as its own scrollback setting allows.
    if history > 0 {
        replay_bytes(term, format!("\x1b[{};1H", header.rows).as_bytes());
        replay_bytes(term, &vec![b'\n'; history]);
    }
    let kept_history = term.grid().history_size().min(history);
    let skip = history - kept_history;
    let grid = term.grid_mut();
    let mut reader = Reader {
        bytes,
        at: rows_start,
    };
    for index in 0..header.lines as usize {
        if index < skip {
            read_row(&mut reader, header.cols, |_, _| {})?;
            continue;
        }
        let row = &mut grid[Line(index as i32 - history as i32)];
        let used = read_row(&mut reader, header.cols, |column, cell| {
            row[Column(column)] = cell
        })?;
        for column in used..usize::from(header.cols) {
            row[Column(column)] = Cell::default();
        }
    }
    grid.cursor.point = header.cursor;
    grid.cursor.template = header.template;
    restore_colors(term, &colors);
    Ok(SnapshotInfo {
        size,
        history_lines: kept_history,
    })
}

/// The program's colours as the snapshot has them: every other slot back to the theme.
fn restore_colors<T: EventListener>(
    term: &mut alacritty_terminal::Term<T>,
    colors: &[(usize, Rgb)],
) {
    use alacritty_terminal::vte::ansi::Handler as _;
    crate::colors::reset_all(term);
    for &(slot, color) in colors {
        term.set_color(slot, color);
    }
}

/// Reads one row, handing each cell to `put` with its column; returns the cell count.
fn read_row(
    reader: &mut Reader<'_>,
    cols: u16,
    mut put: impl FnMut(usize, Cell),
) -> Result<usize, SnapshotError> {
    let count = reader.u16()?;
    if count > cols {
        return Err(SnapshotError::Invalid("row length"));
    }
    let mut attributes = Cell::default();
    for index in 0..count {
        let header = reader.u8()?;
        if header & !0b11 != 0 || (index == 0 && header & 1 == 1) {
            return Err(SnapshotError::Invalid("cell header"));
        }
        let c = reader.char()?;
        if header & 1 == 0 {
            read_attributes(reader, &mut attributes)?;
        }
        let mut cell = Cell {
            c,
            fg: attributes.fg,
            bg: attributes.bg,
            flags: attributes.flags,
            ..Cell::default()
        };
        if header & 2 != 0 {
            for _ in 0..reader.u8()? {
                cell.push_zerowidth(reader.char()?);
            }
        }
        put(usize::from(index), cell);
    }
    Ok(usize::from(count))
}

fn read_attributes(reader: &mut Reader<'_>, cell: &mut Cell) -> Result<(), SnapshotError> {
    cell.fg = reader.color()?;
    cell.bg = reader.color()?;
    cell.flags = Flags::from_bits(reader.u16()?).ok_or(SnapshotError::Invalid("cell flags"))?;
    Ok(())
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, count: usize) -> Result<&'a [u8], SnapshotError> {
        let end = self.at.checked_add(count).ok_or(SnapshotError::Truncated)?;
        let slice = self
            .bytes
            .get(self.at..end)
            .ok_or(SnapshotError::Truncated)?;
        self.at = end;
        Ok(slice)
    }

    fn u8(&mut self) -> Result<u8, SnapshotError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, SnapshotError> {
        let bytes = self.take(2)?;
        Ok(u16::from_le_bytes([bytes[0], bytes[1]]))
    }

    fn u32(&mut self) -> Result<u32, SnapshotError> {
        let bytes = self.take(4)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    fn i32(&mut self) -> Result<i32, SnapshotError> {
        Ok(self.u32()? as i32)
    }

    fn varint(&mut self) -> Result<u32, SnapshotError> {
        let mut value = 0u32;
        for shift in (0..35).step_by(7) {
            let byte = self.u8()?;
            value |= u32::from(byte & 0x7f)
                .checked_shl(shift)
                .ok_or(SnapshotError::Invalid("number"))?;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(SnapshotError::Invalid("number"))
    }

    fn char(&mut self) -> Result<char, SnapshotError> {
        char::from_u32(self.varint()?).ok_or(SnapshotError::Invalid("character"))
    }

    fn color(&mut self) -> Result<Color, SnapshotError> {
        match self.u8()? {
            0 => named_color(self.u16()?).map(Color::Named),
            1 => {
                let rgb = self.take(3)?;
                Ok(Color::Spec(Rgb {
                    r: rgb[0],
                    g: rgb[1],
                    b: rgb[2],
                }))
            }
            2 => Ok(Color::Indexed(self.u8()?)),
            _ => Err(SnapshotError::Invalid("colour")),
        }
    }
}

/// Every named colour, to map a stored number back without trusting it.
const NAMED_COLORS: [NamedColor; 29] = [
    NamedColor::Black,
    NamedColor::Red,
    NamedColor::Green,
    NamedColor::Yellow,
    NamedColor::Blue,
    NamedColor::Magenta,
    NamedColor::Cyan,
    NamedColor::White,
    NamedColor::BrightBlack,
    NamedColor::BrightRed,
    NamedColor::BrightGreen,
    NamedColor::BrightYellow,
    NamedColor::BrightBlue,
    NamedColor::BrightMagenta,
    NamedColor::BrightCyan,
    NamedColor::BrightWhite,
    NamedColor::Foreground,
    NamedColor::Background,
    NamedColor::Cursor,
    NamedColor::DimBlack,
    NamedColor::DimRed,
    NamedColor::DimGreen,
    NamedColor::DimYellow,
    NamedColor::DimBlue,
    NamedColor::DimMagenta,
    NamedColor::DimCyan,
    NamedColor::DimWhite,
    NamedColor::BrightForeground,
    NamedColor::DimForeground,
];

fn named_color(value: u16) -> Result<NamedColor, SnapshotError> {
    NAMED_COLORS
        .into_iter()
        .find(|name| *name as u16 == value)
        .ok_or(SnapshotError::Invalid("named colour"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::new_replay_term;
    use crate::text;

    fn term_with(bytes: &[u8], cols: u16, rows: u16) -> crate::replay::ReplayTerm {
        let mut term = new_replay_term(TermSize::new(cols, rows), 1000);
        replay_bytes(&mut term, bytes);
        term
    }

    #[test]
    fn round_trip_keeps_text_attributes_scrollback_and_cursor() {
        let mut input = Vec::new();
        for n in 0..200 {
            input.extend_from_slice(
                format!("\x1b[3{}mline {n}\x1b[0m 中文 e\u{301}\r\n", n % 8).as_bytes(),
            );
        }
        input.extend_from_slice(b"\x1b[1;4mbold\x1b[38;2;1;2;3m rgb\x1b[48;5;200m idx");
        let original = term_with(&input, 40, 10);
        let bytes = encode(&original);
        let mut restored = new_replay_term(TermSize::new(80, 24), 1000);
        let info = restore_into(&mut restored, &bytes).expect("decode");
        assert_eq!(info.size, TermSize::new(40, 10));
        assert_eq!(info.history_lines, original.grid().history_size());
        let top = -(original.grid().history_size() as i32);
        assert_eq!(
            text::lines(&restored, top, 9),
            text::lines(&original, top, 9)
        );
        for line in top..10 {
            for column in 0..40 {
                let point = Point::new(Line(line), Column(column));
                let (a, b) = (&original.grid()[point], &restored.grid()[point]);
                assert_eq!(
                    (a.c, a.fg, a.bg, a.flags),
                    (b.c, b.fg, b.bg, b.flags),
                    "{point:?}"
                );
                assert_eq!(a.zerowidth(), b.zerowidth(), "{point:?}");
            }
        }
        assert_eq!(restored.grid().cursor.point, original.grid().cursor.point);
        // Output after the snapshot continues with the same attributes.
        assert_eq!(
            restored.grid().cursor.template.bg,
            original.grid().cursor.template.bg
        );
    }

    #[test]
    fn scrollback_beyond_capacity_keeps_the_newest_lines() {
        let mut input = Vec::new();
        for n in 0..500 {
            input.extend_from_slice(format!("{n}\r\n").as_bytes());
        }
        let original = term_with(&input, 20, 5);
        let bytes = encode(&original);
        let mut small = new_replay_term(TermSize::new(20, 5), 100);
        let info = restore_into(&mut small, &bytes).expect("decode");
        assert_eq!(info.history_lines, 100);
        assert_eq!(text::lines(&small, -1, -1), vec!["495".to_owned()]);
        assert_eq!(text::lines(&small, -100, -100), vec!["396".to_owned()]);
    }

    #[test]
    fn bad_input_is_an_error_and_changes_nothing() {
        let original = term_with(b"keep me", 20, 5);
        let mut target = term_with(b"untouched", 20, 5);
        let mut bytes = encode(&original);
        assert_eq!(
            restore_into(&mut target, b"nope"),
            Err(SnapshotError::BadMagic)
        );
        bytes[4] = 99;
        assert_eq!(
            restore_into(&mut target, &bytes),
            Err(SnapshotError::UnknownVersion(99))
        );
        bytes[4] = FORMAT_VERSION;
        let cut = &bytes[..bytes.len() - 3];
        assert_eq!(
            restore_into(&mut target, cut),
            Err(SnapshotError::Truncated)
        );
        assert_eq!(text::lines(&target, 0, 0), vec!["untouched".to_owned()]);
    }

    #[test]
    fn random_bytes_never_panic() {
        // A deterministic fuzz loop: random buffers, and valid snapshots with random damage.
        let valid = encode(&term_with(b"\x1b[31mhello\x1b[0m world\r\nsecond", 20, 4));
        let mut seed = 0x1234_5678_9abc_def0u64;
        let mut next = move || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as usize
        };
        for round in 0..3000 {
            let mut bytes = if round % 2 == 0 {
                let length = next() % 300;
                (0..length).map(|_| next() as u8).collect::<Vec<u8>>()
            } else {
                let mut bytes = valid.clone();
                for _ in 0..1 + next() % 4 {
                    let at = next() % bytes.len();
                    bytes[at] = next() as u8;
                }
                bytes
            };
            if round % 3 == 0 {
                bytes.splice(0..0, MAGIC.iter().copied().chain([FORMAT_VERSION]));
            }
            let mut term = new_replay_term(TermSize::new(10, 3), 50);
            let _result = restore_into(&mut term, &bytes);
            let _info = info(&bytes);
        }
    }
}
