//! Links in a pane: a link under the pointer is underlined; Ctrl+click opens it with the
//! desktop's opener (`xdg-open`), and the pointer becomes a hand over one while Ctrl is held.
//! A link is the cell's OSC 8 hyperlink when a program set one, else a URL written in the
//! (possibly wrapped) line, else a path of an existing file (`src/main.rs:12`, relative to the
//! pane's directory), which opens in `$EDITOR` in a new pane. Only web, mail and file links
//! are opened: a program must not make a click run some other handler.

use alacritty_terminal::grid::Dimensions as _;
use alacritty_terminal::index::{Column, Line, Point};
use alacritty_terminal::term::cell::Flags;
use spaces_term::alacritty_terminal;
use std::path::{Path, PathBuf};

/// The schemes a click opens.
const SCHEMES: [&str; 4] = ["https://", "http://", "file://", "mailto:"];

/// What a link leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A URL for the desktop's opener.
    Url(String),
    /// A file (absolute), and the line the text named.
    File { path: PathBuf, line: Option<u32> },
}

/// A link in a pane: where it leads and the cells it covers (grid points).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub target: Target,
    pub cells: Vec<Point>,
}

/// The link at `point` (a grid point: negative lines are history), if there is one; file
/// paths are looked for relative to `cwd`.
pub fn link_at<T>(
    term: &alacritty_terminal::Term<T>,
    point: Point,
    cwd: Option<&Path>,
) -> Option<Link> {
    let grid = term.grid();
    let inside = point.column.0 < grid.columns()
        && point.line.0 < grid.screen_lines() as i32
        && point.line.0 >= -(grid.history_size() as i32);
    if !inside {
        // The view's size and the grid's differ for a frame while a resize goes through.
        return None;
    }
    let (text, columns) = logical_line(term, point.line);
    let at = columns
        .iter()
        .position(|&(line, column)| line == point.line && column == point.column)?;
    if let Some(hyperlink) = grid[point].hyperlink() {
        let uri = hyperlink.uri().to_owned();
        if !opens(&uri) {
            return None;
        }
        // The run of cells around the point carrying the same link.
        let same = |index: usize| {
            let (line, column) = columns[index];
            grid[line][column].hyperlink().as_ref() == Some(&hyperlink)
        };
        let mut first = at;
        while first > 0 && same(first - 1) {
            first -= 1;
        }
        let mut last = at;
        while last + 1 < columns.len() && same(last + 1) {
            last += 1;
        }
        return Some(Link {
            target: Target::Url(uri),
            cells: cells(&columns, first..last + 1),
        });
    }
    if let Some((url, span)) = url_span(&text, at) {
        return Some(Link {
            target: Target::Url(url),
            cells: cells(&columns, span),
        });
    }
    let (path, line, span) = path_around(&text, at, cwd?)?;
    Some(Link {
        target: Target::File { path, line },
        cells: cells(&columns, span),
    })
}

fn cells(columns: &[(Line, Column)], span: std::ops::Range<usize>) -> Vec<Point> {
    columns[span]
        .iter()
        .map(|&(line, column)| Point::new(line, column))
        .collect()
}

/// The path of an existing file around character `at` (`src/main.rs:12:5`, `./a b` not:
/// paths end at spaces), resolved against `cwd`; with the line it names, and its span.
fn path_around(
    text: &[char],
    at: usize,
    cwd: &Path,
) -> Option<(PathBuf, Option<u32>, std::ops::Range<usize>)> {
    let stops = |c: char| c.is_whitespace() || "\"'<>`()[]{},;|".contains(c);
    if stops(*text.get(at)?) {
        return None;
    }
    let mut first = at;
    while first > 0 && !stops(text[first - 1]) {
        first -= 1;
    }
    let mut end = at + 1;
    while end < text.len() && !stops(text[end]) {
        end += 1;
    }
    let word: String = text[first..end].iter().collect();
    let word = word.trim_end_matches(['.', ':']);
    // `file:12` or `file:12:5`: the line (and column) after the path.
    let mut parts = word.splitn(3, ':');
    let name = parts.next()?;
    let line = parts.next().and_then(|line| line.parse().ok());
    if name.is_empty() || !name.contains(['/', '.']) {
        return None;
    }
    let path = cwd.join(name.strip_prefix("~/").map_or_else(
        || PathBuf::from(name),
        |rest| {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_default()
                .join(rest)
        },
    ));
    path.is_file().then(|| {
        let shown = first + word.chars().count();
        (path, line, first..shown)
    })
}

/// The link at `point` as the old API gave it: the URL or the file's path.
#[cfg(test)]
fn target_at<T>(term: &alacritty_terminal::Term<T>, point: Point) -> Option<String> {
    match link_at(term, point, None)?.target {
        Target::Url(url) => Some(url),
        Target::File { path, .. } => Some(path.display().to_string()),
    }
}

/// Whether a click may open `uri`.
fn opens(uri: &str) -> bool {
    SCHEMES
        .iter()
        .any(|scheme| uri.len() > scheme.len() && uri[..scheme.len()].eq_ignore_ascii_case(scheme))
}

/// The characters of the line holding `line`, joined across wrapped rows, with where each
/// came from.
fn logical_line<T>(
    term: &alacritty_terminal::Term<T>,
    line: Line,
) -> (Vec<char>, Vec<(Line, Column)>) {
    let grid = term.grid();
    let top = Line(-(grid.history_size() as i32));
    let bottom = Line(grid.screen_lines() as i32 - 1);
    let last = grid.last_column();
    let wraps = |line: Line| grid[line][last].flags.contains(Flags::WRAPLINE);
    let mut first = line;
    while first > top && wraps(first - 1) {
        first -= 1;
    }
    let mut end = line;
    while end < bottom && wraps(end) {
        end += 1;
    }
    let mut text = Vec::new();
    let mut columns = Vec::new();
    let mut row = first;
    while row <= end {
        for column in 0..grid.columns() {
            let cell = &grid[row][Column(column)];
            if cell.flags.contains(Flags::WIDE_CHAR_SPACER) {
                continue;
            }
            text.push(cell.c);
            columns.push((row, Column(column)));
        }
        row += 1;
    }
    (text, columns)
}

/// The URL that covers character `at` of `text`, and the characters it spans.
fn url_span(text: &[char], at: usize) -> Option<(String, std::ops::Range<usize>)> {
    let line: String = text.iter().collect();
    let mut search = 0;
    while let Some((start, scheme)) = SCHEMES
        .iter()
        .filter_map(|scheme| line[search..].find(scheme).map(|i| (search + i, *scheme)))
        .min_by_key(|(start, _)| *start)
    {
        let mut end = start + scheme.len();
        for c in line[end..].chars() {
            if c.is_whitespace() || "\"'<>`".contains(c) {
                break;
            }
            end += c.len_utf8();
        }
        let url = trim_url(&line[start..end]);
        let (first, last) = (
            line[..start].chars().count(),
            line[..start + url.len()].chars().count(),
        );
        if url.len() > scheme.len() && (first..last).contains(&at) {
            return Some((url.to_owned(), first..last));
        }
        search = end.max(start + 1);
    }
    None
}

/// Punctuation that ends a sentence rather than the URL, and closing brackets without their
/// opening one (a URL written in parentheses).
fn trim_url(url: &str) -> &str {
    let mut url = url;
    loop {
        let Some(last) = url.chars().last() else {
            return url;
        };
        let unbalanced = |open: char, close: char| {
            last == close && url.matches(open).count() < url.matches(close).count()
        };
        if ".,;:!?".contains(last) || unbalanced('(', ')') || unbalanced('[', ']') {
            url = &url[..url.len() - last.len_utf8()];
        } else {
            return url;
        }
    }
}

/// Opens `url` with the desktop's opener, without waiting for it.
pub fn open(url: &str) {
    let spawned = std::process::Command::new("xdg-open")
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match spawned {
        // Reaped on a thread: the opener may run for as long as the browser starts.
        Ok(mut child) => {
            let _thread = std::thread::Builder::new()
                .name("open-link".into())
                .spawn(move || child.wait());
        }
        Err(error) => tracing::warn!(%error, url, "could not run xdg-open"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url_at(line: &str, at: usize) -> Option<String> {
        url_span(&line.chars().collect::<Vec<_>>(), at).map(|(url, _)| url)
    }

    #[test]
    fn urls_are_found_where_the_click_is() {
        let line = "see https://example.com/a?b=c#d, or (http://x.org/p_(1)) and more";
        assert_eq!(
            url_at(line, 4),
            Some("https://example.com/a?b=c#d".to_owned())
        );
        assert_eq!(
            url_at(line, 20),
            Some("https://example.com/a?b=c#d".to_owned())
        );
        assert_eq!(url_at(line, 31), None, "the comma after it");
        assert_eq!(url_at(line, 40), Some("http://x.org/p_(1)".to_owned()));
        assert_eq!(url_at(line, 0), None);
        assert_eq!(url_at("go to https:// now", 8), None, "a scheme alone");
        assert_eq!(
            url_at("日本 https://例え.jp/パス end", 5),
            Some("https://例え.jp/パス".to_owned())
        );
    }

    #[test]
    fn only_web_mail_and_file_links_open() {
        assert!(opens("https://example.com"));
        assert!(opens("FILE:///tmp/x"));
        assert!(opens("mailto:a@b.c"));
        assert!(!opens("javascript:alert(1)"));
        assert!(!opens("ssh://host"));
        assert!(!opens("https://"));
    }

    #[test]
    fn a_wrapped_url_is_found_from_either_row() {
        let mut term = spaces_term::replay::new_replay_term(spaces_term::TermSize::new(20, 4), 10);
        spaces_term::replay::replay_bytes(&mut term, b"go https://example.com/long/path ok\r\n");
        let url = Some("https://example.com/long/path".to_owned());
        assert_eq!(target_at(&term, Point::new(Line(0), Column(5))), url);
        assert_eq!(target_at(&term, Point::new(Line(1), Column(3))), url);
        assert_eq!(target_at(&term, Point::new(Line(1), Column(15))), None);
        assert_eq!(
            target_at(&term, Point::new(Line(9), Column(3))),
            None,
            "off the grid"
        );
    }

    #[test]
    fn paths_of_existing_files_are_links_with_their_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("src")).expect("mkdir");
        std::fs::write(dir.path().join("src/main.rs"), "fn main() {}").expect("write");
        let text: Vec<char> = "error at src/main.rs:12:5: boom; see missing.rs:3"
            .chars()
            .collect();
        let found = path_around(&text, 12, dir.path()).expect("a path");
        assert_eq!(found.0, dir.path().join("src/main.rs"));
        assert_eq!(found.1, Some(12));
        assert_eq!(found.2, 9..25, "the path and its line and column");
        assert_eq!(path_around(&text, 45, dir.path()), None, "no such file");
        assert_eq!(path_around(&text, 2, dir.path()), None, "a plain word");
    }
}
