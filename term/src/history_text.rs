//! Turns a pane's raw recorded output into plain text lines, for `spaces history` and the
//! full-history view: escape sequences dropped, carriage returns and backspaces applied per
//! line (so progress bars show their last state), and full-screen programs (the alternate
//! screen) left out, since their frames are not history.

use alacritty_terminal::vte::{Params, Parser, Perform};

/// Streams bytes in, complete lines out.
pub struct HistoryText {
    parser: Parser,
    lines: LineBuilder,
}

#[derive(Default)]
struct LineBuilder {
    current: Vec<char>,
    column: usize,
    in_alt_screen: bool,
    finished: Vec<String>,
}

impl Default for HistoryText {
    fn default() -> Self {
        Self {
            parser: Parser::new(),
            lines: LineBuilder::default(),
        }
    }
}

impl HistoryText {
    /// Feeds output; returns the lines it completed.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        self.parser.advance(&mut self.lines, bytes);
        std::mem::take(&mut self.lines.finished)
    }

    /// The unfinished last line, if it has text.
    pub fn finish(mut self) -> Option<String> {
        let line = self.lines.take_line();
        (!line.is_empty()).then_some(line)
    }
}

impl LineBuilder {
    fn take_line(&mut self) -> String {
        let line: String = self.current.iter().collect();
        self.current.clear();
        self.column = 0;
        line.trim_end().to_owned()
    }

    fn put(&mut self, c: char) {
        if self.column < self.current.len() {
            self.current[self.column] = c;
        } else {
            self.current.resize(self.column, ' ');
            self.current.push(c);
        }
        self.column += 1;
    }
}

impl Perform for LineBuilder {
    fn print(&mut self, c: char) {
        if !self.in_alt_screen {
            self.put(c);
        }
    }

    fn execute(&mut self, byte: u8) {
        if self.in_alt_screen {
            return;
        }
        match byte {
            b'\n' => {
                let line = self.take_line();
                self.finished.push(line);
            }
            b'\r' => self.column = 0,
            0x08 => self.column = self.column.saturating_sub(1),
            b'\t' => {
                let next = (self.column / 8 + 1) * 8;
                while self.column < next {
                    self.put(' ');
                }
            }
            _ => {}
        }
    }

    fn csi_dispatch(&mut self, params: &Params, intermediates: &[u8], _ignore: bool, action: char) {
        let first = params
            .iter()
            .next()
            .and_then(|p| p.first().copied())
            .unwrap_or(0);
        match (intermediates, action) {
            (b"?", 'h') if matches!(first, 1049 | 1047 | 47) => self.in_alt_screen = true,
            (b"?", 'l') if matches!(first, 1049 | 1047 | 47) => self.in_alt_screen = false,
            // Erase to the end of the line: what shells and progress bars use to redraw.
            ([], 'K') if first == 0 && !self.in_alt_screen => self.current.truncate(self.column),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(bytes: &[u8]) -> Vec<String> {
        let mut history = HistoryText::default();
        let mut lines = history.push(bytes);
        lines.extend(history.finish());
        lines
    }

    #[test]
    fn strips_colours_and_keeps_lines() {
        assert_eq!(
            render(b"\x1b[31mred\x1b[0m text\r\nnext\r\n"),
            vec!["red text", "next"]
        );
    }

    #[test]
    fn carriage_return_overwrites_like_a_progress_bar() {
        assert_eq!(render(b"10%\r50%\r100%\r\n"), vec!["100%"]);
        assert_eq!(render(b"abcdef\r\x1b[Kxy\n"), vec!["xy"]);
    }

    #[test]
    fn full_screen_programs_are_left_out() {
        let bytes = b"$ vim\r\n\x1b[?1049h\x1b[Hfile contents\r\n~\r\n\x1b[?1049l$ ls\r\n";
        assert_eq!(render(bytes), vec!["$ vim", "$ ls"]);
    }

    #[test]
    fn lines_split_across_pushes() {
        let mut history = HistoryText::default();
        assert!(history.push("hal".as_bytes()).is_empty());
        assert_eq!(history.push("lo 中\r\nx".as_bytes()), vec!["hallo 中"]);
        assert_eq!(history.finish(), Some("x".to_owned()));
    }
}
