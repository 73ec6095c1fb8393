//! Realistic coloured terminal output for benchmarks: compiler logs, `ls --color`, `git log`
//! with SGR colours, long and short lines, generated deterministically.

/// About `target` bytes of coloured text, the same every run.
pub fn coloured_output(target: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(target + 4096);
    let mut rng = Lcg(0x5eed_1234_abcd_0001);
    let mut line = 0u64;
    while out.len() < target {
        line += 1;
        push_line(&mut out, &mut rng, line);
    }
    out
}

/// `count` lines of coloured text for pane `pane`, each starting with its
/// [`line_marker`] (lines numbered from 1), different for every pane.
pub fn numbered_lines(pane: u64, count: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(count as usize * 140);
    let mut rng = Lcg(0x5eed_1234_abcd_0001 ^ pane.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    for line in 1..=count {
        out.extend_from_slice(format!("\x1b[2m{}\x1b[0m ", line_marker(pane, line)).as_bytes());
        push_line(&mut out, &mut rng, line);
    }
    out
}

/// The text that starts line `line` of [`numbered_lines`] for `pane`.
pub fn line_marker(pane: u64, line: u64) -> String {
    format!("P{pane:02}L{line:06}")
}

const WORDS: [&str; 27] = [
    "compiling",
    "error",
    "warning",
    "src/main.rs",
    "fn",
    "let",
    "match",
    "Ok(())",
    "struct",
    "impl",
    "trait",
    "cargo",
    "build",
    "finished",
    "release",
    "target",
    "deps",
    "alacritty",
    "terminal",
    "pane",
    "workspace",
    "session",
    "claude",
    "codex",
    "gemini",
    "tokens",
    "cost",
];

/// One line: a coloured lead (severity, hash, number or true colour) and 3 to 38 words
/// (about 20 to 260 characters, 140 on average: compiler logs, `git log`, agents' JSON lines).
fn push_line(out: &mut Vec<u8>, rng: &mut Lcg, line: u64) {
    match rng.next() % 4 {
        0 => {
            // A compiler-style line with a coloured severity.
            let colour = [31, 33, 32, 36][(rng.next() % 4) as usize];
            out.extend_from_slice(
                format!(
                    "\x1b[1;{colour}m{}\x1b[0m: ",
                    WORDS[(rng.next() % 3) as usize]
                )
                .as_bytes(),
            );
        }
        1 => out.extend_from_slice(format!("\x1b[33m{:08x}\x1b[0m ", rng.next()).as_bytes()),
        2 => out.extend_from_slice(
            format!("\x1b[38;5;{}m{:>6}\x1b[0m ", rng.next() % 256, line).as_bytes(),
        ),
        _ => out.extend_from_slice(
            format!(
                "\x1b[38;2;{};{};{}m",
                rng.next() % 256,
                rng.next() % 256,
                rng.next() % 256
            )
            .as_bytes(),
        ),
    }
    let count = 3 + rng.next() % 36;
    for _ in 0..count {
        out.extend_from_slice(WORDS[(rng.next() % WORDS.len() as u64) as usize].as_bytes());
        out.push(b' ');
    }
    out.extend_from_slice(b"\x1b[0m\r\n");
}

/// A tiny deterministic generator: benchmarks need the same bytes every run, not randomness.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn output_is_coloured_and_sized() {
        let bytes = super::coloured_output(100_000);
        assert!(bytes.len() >= 100_000 && bytes.len() < 101_000);
        assert!(bytes.windows(2).filter(|w| w == b"\x1b[").count() > 1000);
        assert_eq!(bytes, super::coloured_output(100_000), "deterministic");
    }

    #[test]
    fn numbered_lines_start_with_their_marker() {
        let bytes = super::numbered_lines(3, 50);
        let text = String::from_utf8(bytes).expect("utf-8");
        assert_eq!(text.matches("\r\n").count(), 50);
        assert!(text.contains(&super::line_marker(3, 50)));
        assert_ne!(
            text.into_bytes(),
            super::numbered_lines(4, 50),
            "differs per pane"
        );
    }
}
