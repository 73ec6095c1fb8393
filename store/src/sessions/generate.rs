//! Realistic transcripts for all three agents (many sessions, a chosen total size), for
//! `spaces bench index` and for tests. Deterministic for a given seed.
//!
//! The lines follow the shapes the readers expect, with the traps included: Claude responses
//! split over several lines repeating their usage, Codex prompts written twice, Gemini
//! messages re-appended as they grow and `$set` summaries.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::SessionRoots;
use super::time::format_millis;

/// What [`write_fixture_home`] wrote.
#[derive(Clone, Debug, Serialize)]
pub struct GeneratedHome {
    pub roots: SessionRoots,
    pub files: u64,
    pub bytes: u64,
    pub sessions: u64,
}

/// Searches to time on a generated index: a word, a phrase, several words, a miss.
pub const BENCH_QUERIES: &[&str] = &[
    "database timeout",
    "\"retry the queue\"",
    "healthz",
    "glyph atlas texture",
    "mutex",
    "please fix",
    "unicode width",
    "borrow lifetime",
    "deploy release",
    "zzzznotthere",
];

/// 2025-01-01T00:00:00Z: generated sessions start here and move forward.
const EPOCH_MS: i64 = 1_735_689_600_000;

const WORDS: &[&str] = &[
    "the",
    "route",
    "database",
    "cache",
    "token",
    "handler",
    "request",
    "response",
    "error",
    "retry",
    "timeout",
    "config",
    "parser",
    "session",
    "cookie",
    "login",
    "user",
    "account",
    "invoice",
    "payment",
    "queue",
    "worker",
    "thread",
    "lock",
    "mutex",
    "channel",
    "buffer",
    "socket",
    "stream",
    "file",
    "path",
    "folder",
    "index",
    "query",
    "search",
    "snippet",
    "test",
    "fixture",
    "migration",
    "schema",
    "table",
    "column",
    "row",
    "commit",
    "branch",
    "merge",
    "rebase",
    "deploy",
    "build",
    "release",
    "metric",
    "trace",
    "span",
    "log",
    "panic",
    "unwrap",
    "result",
    "option",
    "future",
    "async",
    "await",
    "tokio",
    "serde",
    "json",
    "yaml",
    "toml",
    "endpoint",
    "healthz",
    "status",
    "latency",
    "throughput",
    "memory",
    "allocation",
    "vector",
    "string",
    "slice",
    "iterator",
    "closure",
    "trait",
    "generic",
    "lifetime",
    "borrow",
    "render",
    "layout",
    "widget",
    "button",
    "window",
    "pane",
    "terminal",
    "shell",
    "prompt",
    "cursor",
    "scroll",
    "resize",
    "font",
    "glyph",
    "atlas",
    "texture",
    "shader",
    "frame",
    "vsync",
    "input",
    "keyboard",
    "mouse",
    "clipboard",
    "selection",
    "unicode",
    "emoji",
    "width",
    "wrap",
    "line",
    "please",
    "add",
    "fix",
    "refactor",
    "rename",
    "remove",
    "explain",
    "why",
    "does",
    "and",
    "with",
    "for",
    "into",
    "from",
    "when",
    "because",
    "still",
    "fails",
    "works",
    "faster",
];

/// Writes about `total_bytes` of transcripts under `directory` (claude 50%, codex 30%, gemini
/// 20% of the bytes) and returns the roots to index them from.
pub fn write_fixture_home(
    directory: &Path,
    total_bytes: u64,
    seed: u64,
) -> io::Result<GeneratedHome> {
    let roots = SessionRoots {
        claude: Some(directory.join("claude")),
        codex: Some(directory.join("codex")),
        gemini: Some(directory.join("gemini/.gemini")),
    };
    let mut generator = Generator {
        random: Random(seed | 1),
        directory: directory.to_path_buf(),
        written: 0,
        files: 0,
    };
    let mut session = 0_u64;
    while generator.written < total_bytes {
        let remaining = total_bytes - generator.written;
        let size = generator
            .random
            .between(40_000, 1_600_000)
            .min(remaining.max(2_000));
        match generator.random.below(10) {
            0..=4 => generator.claude_session(session, size)?,
            5..=7 => generator.codex_session(session, size)?,
            _ => generator.gemini_session(session, size)?,
        }
        session += 1;
    }
    Ok(GeneratedHome {
        roots,
        files: generator.files,
        bytes: generator.written,
        sessions: session,
    })
}

/// xorshift64*: small, fast and good enough for made-up text.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, limit: u64) -> u64 {
        self.next() % limit.max(1)
    }

    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high - low)
    }

    fn uuid(&mut self) -> String {
        let (a, b) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            b >> 52,
            b & 0xffff_ffff_ffff
        )
    }

    fn words(&mut self, count: u64) -> String {
        let mut text = String::new();
        for index in 0..count {
            if index > 0 {
                text.push(' ');
            }
            text.push_str(WORDS[self.below(WORDS.len() as u64) as usize]);
        }
        text
    }

    /// Code-like tool output: `lines` lines of made-up Rust.
    fn code(&mut self, lines: u64) -> String {
        let mut text = String::new();
        for number in 0..lines {
            let name = self.words(2).replace(' ', "_");
            text.push_str(&format!(
                "{number:4}  fn {name}(input: &str) -> Result<u32> {{ todo_{} }}\n",
                self.below(999)
            ));
        }
        text
    }
}

/// A JSON string literal of `text`.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

struct Generator {
    random: Random,
    directory: PathBuf,
    written: u64,
    files: u64,
}

/// A file being written, with the clock of its session.
struct Transcript {
    output: BufWriter<fs::File>,
    bytes: u64,
    now_ms: i64,
}

impl Transcript {
    fn create(path: &Path, start_ms: i64) -> io::Result<Self> {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        Ok(Self {
            output: BufWriter::with_capacity(256 * 1024, fs::File::create(path)?),
            bytes: 0,
            now_ms: start_ms,
        })
    }

    fn line(&mut self, line: &str) -> io::Result<()> {
        self.output.write_all(line.as_bytes())?;
        self.output.write_all(b"\n")?;
        self.bytes += line.len() as u64 + 1;
        Ok(())
    }

    /// The clock moved on by `seconds`, as an ISO timestamp.
    fn tick(&mut self, seconds: i64) -> String {
        self.now_ms += seconds * 1_000 + 137;
        format_millis(self.now_ms)
    }
}

impl Generator {
    fn project(&mut self) -> (String, String) {
        let name = format!(
            "{}-{}",
            WORDS[self.random.below(40) as usize],
            self.random.below(25)
        );
        (format!("/home/dev/{name}"), name)
    }

    fn start_ms(&mut self, session: u64) -> i64 {
        EPOCH_MS
            + i64::try_from(session).unwrap_or(0) * 3_600_000
            + i64::try_from(self.random.below(3_600_000)).unwrap_or(0)
    }

    fn finish(&mut self, transcript: Transcript) -> io::Result<()> {
        let bytes = transcript.bytes;
        transcript
            .output
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?
            .sync_data()
            .ok();
        self.written += bytes;
        self.files += 1;
        Ok(())
    }

    fn claude_session(&mut self, session: u64, size: u64) -> io::Result<()> {
        let (cwd, _) = self.project();
        let id = self.random.uuid();
        let folder = cwd.replace(|c: char| !c.is_ascii_alphanumeric(), "-");
        let path = self
            .directory
            .join("claude/projects")
            .join(folder)
            .join(format!("{id}.jsonl"));
        let mut file = Transcript::create(&path, self.start_ms(session))?;
        let head = format!(
            r#""sessionId":"{id}","cwd":{},"gitBranch":"main","version":"2.1.197","isSidechain":false"#,
            quoted(&cwd)
        );
        let mut turn = 0;
        while file.bytes < size {
            let prompt = format!(
                "{} {}",
                self.random.words(12),
                if turn == 0 { "please" } else { "and then" }
            );
            let time = file.tick(30);
            file.line(&format!(r#"{{"type":"user",{head},"uuid":"{id}-u{turn}","timestamp":"{time}","message":{{"role":"user","content":{}}}}}"#, quoted(&prompt)))?;
            let usage = format!(
                r#"{{"input_tokens":{},"cache_creation_input_tokens":{},"cache_read_input_tokens":{},"output_tokens":{}}}"#,
                self.random.below(50),
                self.random.below(3_000),
                self.random.below(80_000),
                self.random.below(900)
            );
            let answer = self.random.words(60);
            for (block, content) in [
                (
                    "a",
                    format!(r#"{{"type":"text","text":{}}}"#, quoted(&answer)),
                ),
                (
                    "b",
                    format!(
                        r#"{{"type":"tool_use","id":"toolu_{turn}","name":"Read","input":{{"file_path":"src/{}.rs"}}}}"#,
                        self.random.words(1)
                    ),
                ),
            ] {
                let time = file.tick(2);
                file.line(&format!(r#"{{"type":"assistant",{head},"uuid":"{id}-{block}{turn}","timestamp":"{time}","requestId":"req_{turn}","message":{{"id":"msg_{id}_{turn}","model":"claude-sonnet-4-5-20250929","role":"assistant","content":[{content}],"usage":{usage}}}}}"#))?;
            }
            let lines = self.random.between(20, 400);
            let output = self.random.code(lines);
            let time = file.tick(1);
            file.line(&format!(r#"{{"type":"user",{head},"uuid":"{id}-r{turn}","timestamp":"{time}","message":{{"role":"user","content":[{{"type":"tool_result","tool_use_id":"toolu_{turn}","content":{}}}]}}}}"#, quoted(&output)))?;
            turn += 1;
        }
        file.line(&format!(
            r#"{{"type":"summary","summary":{},"leafUuid":"{id}-a0"}}"#,
            quoted(&self.random.words(5))
        ))?;
        self.finish(file)
    }

    fn codex_session(&mut self, session: u64, size: u64) -> io::Result<()> {
        let (cwd, _) = self.project();
        let id = self.random.uuid();
        let start = self.start_ms(session);
        let stamp = format_millis(start).replace(':', "-");
        let (year, month, day) = (&stamp[0..4], &stamp[5..7], &stamp[8..10]);
        let path = self.directory.join(format!(
            "codex/sessions/{year}/{month}/{day}/rollout-{}-{id}.jsonl",
            &stamp[..19]
        ));
        let mut file = Transcript::create(&path, start)?;
        let time = file.tick(0);
        file.line(&format!(r#"{{"timestamp":"{time}","type":"session_meta","payload":{{"id":"{id}","cwd":{},"originator":"codex_cli_rs","cli_version":"0.58.0","source":"cli","git":{{"branch":"main"}}}}}}"#, quoted(&cwd)))?;
        file.line(&format!(r#"{{"timestamp":"{time}","type":"turn_context","payload":{{"cwd":{},"model":"gpt-5-codex","effort":"medium"}}}}"#, quoted(&cwd)))?;
        let mut turn = 0;
        while file.bytes < size {
            let prompt = self.random.words(14);
            let time = file.tick(40);
            file.line(&format!(r#"{{"timestamp":"{time}","type":"response_item","payload":{{"type":"message","role":"user","content":[{{"type":"input_text","text":{}}}]}}}}"#, quoted(&prompt)))?;
            file.line(&format!(r#"{{"timestamp":"{time}","type":"event_msg","payload":{{"type":"user_message","message":{}}}}}"#, quoted(&prompt)))?;
            let time = file.tick(3);
            file.line(&format!(r#"{{"timestamp":"{time}","type":"response_item","payload":{{"type":"function_call","name":"shell","arguments":"{{\"command\":[\"rg\",\"{}\"]}}","call_id":"call_{turn}"}}}}"#, self.random.words(1)))?;
            let lines = self.random.between(20, 400);
            let output = self.random.code(lines);
            file.line(&format!(r#"{{"timestamp":"{time}","type":"response_item","payload":{{"type":"function_call_output","call_id":"call_{turn}","output":{}}}}}"#, quoted(&output)))?;
            let answer = self.random.words(50);
            let time = file.tick(5);
            file.line(&format!(r#"{{"timestamp":"{time}","type":"response_item","payload":{{"type":"message","role":"assistant","content":[{{"type":"output_text","text":{}}}]}}}}"#, quoted(&answer)))?;
            let (input, output) = (self.random.between(5_000, 90_000), self.random.below(2_000));
            file.line(&format!(r#"{{"timestamp":"{time}","type":"event_msg","payload":{{"type":"token_count","info":{{"last_token_usage":{{"input_tokens":{input},"cached_input_tokens":{},"output_tokens":{output},"reasoning_output_tokens":{},"total_tokens":{}}}}}}}}}"#, input / 2, output / 3, input + output))?;
            turn += 1;
        }
        self.finish(file)
    }

    fn gemini_session(&mut self, session: u64, size: u64) -> io::Result<()> {
        let (cwd, slug) = self.project();
        let id = self.random.uuid();
        let start = self.start_ms(session);
        let stamp = format_millis(start).replace(':', "-");
        let folder = self.directory.join("gemini/.gemini/tmp").join(&slug);
        fs::create_dir_all(folder.join("chats"))?;
        fs::write(folder.join(".project_root"), &cwd)?;
        let path = folder.join(format!("chats/session-{}-{}.jsonl", &stamp[..16], &id[..8]));
        let mut file = Transcript::create(&path, start)?;
        let time = file.tick(0);
        file.line(&format!(r#"{{"sessionId":"{id}","projectHash":"{slug}","startTime":"{time}","lastUpdated":"{time}","kind":"main"}}"#))?;
        let mut turn = 0;
        while file.bytes < size {
            let time = file.tick(45);
            file.line(&format!(r#"{{"id":"u{turn}","timestamp":"{time}","type":"user","content":[{{"text":{}}}]}}"#, quoted(&self.random.words(12))))?;
            let answer = self.random.words(50);
            let lines = self.random.between(20, 400);
            let output = self.random.code(lines);
            for growth in [10, 50] {
                let time = file.tick(4);
                let tokens = format!(
                    r#"{{"input":{},"output":{growth},"cached":{},"thoughts":{},"tool":0,"total":0}}"#,
                    self.random.between(2_000, 90_000),
                    self.random.below(2_000),
                    self.random.below(500)
                );
                file.line(&format!(r#"{{"id":"g{turn}","timestamp":"{time}","type":"gemini","content":{},"model":"gemini-2.5-pro","tokens":{tokens},"toolCalls":[{{"id":"t{turn}","name":"read_file","args":{{"path":"src/main.rs"}},"status":"success","resultDisplay":{}}}]}}"#,
                    quoted(&answer), quoted(&output)))?;
            }
            turn += 1;
        }
        file.line(&format!(
            r#"{{"$set":{{"summary":{}}}}}"#,
            quoted(&self.random.words(5))
        ))?;
        self.finish(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Database;

    #[test]
    fn a_generated_home_indexes_without_problems() {
        let directory = tempfile::tempdir().expect("tempdir");
        let home = write_fixture_home(directory.path(), 3_000_000, 7).expect("generate");
        assert!(home.bytes >= 3_000_000 && home.sessions >= 2);
        let database = Database::open_in_memory().expect("open");
        let report = database
            .index_sessions(&home.roots, &mut |_| {})
            .expect("index");
        assert_eq!(report.files_read, home.files);
        assert_eq!(report.bytes_read, home.bytes);
        assert_eq!(
            report.lines_not_understood() + report.lines.unknown_type,
            0,
            "{report:#?}"
        );
        assert_eq!(report.sessions_updated, home.sessions);
    }
}
