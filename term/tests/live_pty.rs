//! Live PTY tests: real child processes in a `Terminal`, observed through its grid, its events and
//! its output sink. Every wait is on a condition with a deadline.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use spaces_term::palette::Palette;
use spaces_term::{
    ExitInfo, Listeners, OutputSink, PaneId, SpawnOptions, TermSize, Terminal, TerminalError,
    TerminalEvent, TerminalEventKind, text,
};

/// Generous: the tests run in parallel on small CI machines.
const DEADLINE: Duration = Duration::from_secs(20);

/// Keeps every chunk the reader hands to the sink, and every input recorded.
#[derive(Default)]
struct RecordingSink {
    chunks: Mutex<Vec<(u64, Arc<[u8]>)>>,
    inputs: Mutex<Vec<u8>>,
}

impl OutputSink for RecordingSink {
    fn output(&self, _pane: PaneId, offset: u64, bytes: Arc<[u8]>) {
        self.chunks.lock().expect("sink lock").push((offset, bytes));
    }

    fn input(&self, _pane: PaneId, _offset: u64, bytes: &[u8]) {
        self.inputs
            .lock()
            .expect("sink lock")
            .extend_from_slice(bytes);
    }
}

impl RecordingSink {
    fn recorded_input(&self) -> String {
        String::from_utf8_lossy(&self.inputs.lock().expect("sink lock")).into_owned()
    }
}

/// A spawned terminal with the receiving ends of its listeners.
struct Harness {
    terminal: Terminal,
    events: Receiver<TerminalEvent>,
    wakes: Receiver<()>,
}

fn listeners(
    sink: Option<Arc<dyn OutputSink>>,
) -> (Listeners, Receiver<TerminalEvent>, Receiver<()>) {
    let (events, events_rx) = crossbeam_channel::bounded(1024);
    let (wake_tx, wakes) = crossbeam_channel::bounded::<()>(1);
    let wake: Arc<dyn Fn() + Send + Sync> = Arc::new(move || {
        // One pending wake is enough: the waiter re-reads the whole state.
        let _pending = wake_tx.try_send(());
    });
    let listeners = Listeners {
        events,
        wake,
        sink,
        palette: Arc::new(Palette::default()),
    };
    (listeners, events_rx, wakes)
}

fn spawn_with(
    id: u64,
    command: &[&str],
    size: TermSize,
    sink: Option<Arc<dyn OutputSink>>,
) -> Result<Harness, TerminalError> {
    let (listeners, events, wakes) = listeners(sink);
    let options = SpawnOptions {
        command: command.iter().map(|part| (*part).to_owned()).collect(),
        size,
        env: vec![("SPACES_TEST_EXTRA".to_owned(), "extra-value".to_owned())],
        ..SpawnOptions::default()
    };
    let terminal = Terminal::spawn(PaneId(id), options, listeners)?;
    Ok(Harness {
        terminal,
        events,
        wakes,
    })
}

/// Runs `script` with `/bin/sh -c` on an 80x24 PTY.
fn spawn_sh(id: u64, script: &str) -> Harness {
    spawn_with(id, &["/bin/sh", "-c", script], TermSize::new(80, 24), None).expect("spawn /bin/sh")
}

impl Harness {
    fn screen(&self) -> Vec<String> {
        self.terminal.read(text::screen)
    }

    /// Waits until `condition` holds for the screen, re-checking on every wake.
    fn wait_for_screen(&self, what: &str, condition: impl Fn(&[String]) -> bool) -> Vec<String> {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let screen = self.screen();
            if condition(&screen) {
                return screen;
            }
            let now = Instant::now();
            assert!(
                now < deadline,
                "timed out waiting for {what}; screen: {screen:#?}"
            );
            // A short cap as well: a wake can land between reading the screen and waiting.
            let _woken = self
                .wakes
                .recv_timeout((deadline - now).min(Duration::from_millis(100)));
        }
    }

    fn wait_for_text(&self, needle: &str) -> Vec<String> {
        self.wait_for_screen(needle, |screen| {
            screen.iter().any(|row| row.contains(needle))
        })
    }

    /// Waits for the exit event, skipping other events.
    fn wait_for_exit(&self) -> ExitInfo {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let event = self.events.recv_deadline(deadline).unwrap_or_else(|error| {
                panic!("no exit event: {error}; screen: {:#?}", self.screen())
            });
            assert_eq!(event.pane, self.terminal.id());
            if let TerminalEventKind::Exited(info) = event.kind {
                return info;
            }
        }
    }
}

#[test]
fn printed_text_appears_on_the_screen() {
    let harness = spawn_sh(1, "printf 'hello\\n'; exit 0");
    let screen = harness.wait_for_text("hello");
    assert_eq!(screen[0], "hello");
    assert_eq!(harness.wait_for_exit().code, 0);
}

#[test]
fn exit_code_arrives_as_an_event_and_in_exit_info() {
    let harness = spawn_sh(2, "exit 3");
    let info = harness.wait_for_exit();
    assert_eq!(
        info,
        ExitInfo {
            code: 3,
            signal: None
        }
    );
    assert_eq!(harness.terminal.exit_info(), Some(info.clone()));
    assert_eq!(info.to_string(), "process exited with code 3");
}

#[test]
fn kill_ends_the_child_and_reports_the_signal() {
    let harness = spawn_sh(3, "echo started; exec sleep 600");
    harness.wait_for_text("started");
    assert!(harness.terminal.exit_info().is_none());
    harness.terminal.kill();
    let info = harness.wait_for_exit();
    assert!(info.signal.is_some(), "killed by a signal: {info:?}");
    assert_eq!(harness.terminal.exit_info(), Some(info));
}

/// Writes a query to the terminal in raw mode, reads the answer up to `final_byte`, and prints
/// it in hex: the answer can only come from the pane's parser thread, as no UI runs here.
fn query_script(query: &str, final_byte: char) -> String {
    format!(
        "import os, sys, tty\n\
         tty.setraw(0)\n\
         os.write(1, b'{query}')\n\
         reply = b''\n\
         while not reply.endswith(b'{final_byte}'):\n\
         \x20   reply += os.read(0, 1)\n\
         os.write(1, b'REPLY:' + reply.hex().encode() + b'\\r\\n')\n"
    )
}

fn query_reply(id: u64, query: &str, final_byte: char) -> String {
    let script = query_script(query, final_byte);
    let harness = spawn_with(id, &["python3", "-c", &script], TermSize::new(80, 24), None)
        .expect("spawn python3");
    let screen = harness.wait_for_text("REPLY:");
    let row = screen
        .iter()
        .find_map(|row| row.split_once("REPLY:"))
        .expect("reply row")
        .1
        .to_owned();
    assert_eq!(harness.wait_for_exit().code, 0);
    row
}

#[test]
fn device_attributes_query_is_answered_without_a_ui() {
    let reply = query_reply(4, "\\x1b[c", 'c');
    // ESC [ ? ... c
    assert!(reply.starts_with("1b5b3f"), "DA reply {reply}");
    assert!(reply.ends_with("63"), "DA reply {reply}");
}

#[test]
fn cursor_position_query_reports_where_the_cursor_is() {
    // The query is written at the start of the screen: row 1, column 1.
    let reply = query_reply(5, "\\x1b[6n", 'R');
    assert_eq!(reply, hex(b"\x1b[1;1R"));
}

#[test]
fn background_colour_query_answers_from_the_palette() {
    let reply = query_reply(6, "\\x1b]11;?\\x07", '\x07');
    let background = Palette::default().background;
    let expected = format!(
        "\x1b]11;rgb:{0:02x}{0:02x}/{1:02x}{1:02x}/{2:02x}{2:02x}\x07",
        background.r, background.g, background.b
    );
    assert_eq!(reply, hex(expected.as_bytes()));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[test]
fn output_sink_receives_every_byte_in_order() {
    let sink = Arc::new(RecordingSink::default());
    let harness = spawn_with(
        7,
        &["seq", "1", "20000"],
        TermSize::new(80, 24),
        Some(sink.clone()),
    )
    .expect("spawn seq");
    assert_eq!(harness.wait_for_exit().code, 0);

    let chunks = sink.chunks.lock().expect("sink lock");
    let mut next_offset = 0u64;
    let mut received = Vec::new();
    for (offset, bytes) in chunks.iter() {
        assert_eq!(*offset, next_offset, "chunks are contiguous");
        assert!(!bytes.is_empty(), "no empty chunks");
        next_offset += bytes.len() as u64;
        received.extend_from_slice(bytes);
    }
    assert_eq!(next_offset, harness.terminal.bytes_read());
    // The PTY turns each "\n" into "\r\n" (onlcr).
    let expected: String = (1..=20_000).map(|number| format!("{number}\r\n")).collect();
    assert_eq!(received.len(), expected.len());
    assert!(
        received == expected.as_bytes(),
        "bytes differ from seq's output"
    );
    // The grid saw the same stream: the last numbers are on the screen.
    assert_eq!(harness.screen()[22], "20000");
}

#[test]
fn resize_changes_the_size_the_child_sees() {
    let harness = spawn_sh(8, "stty size; read _line; stty size; exit 0");
    harness.wait_for_text("24 80");
    harness.terminal.resize(TermSize::new(100, 30));
    assert_eq!(harness.terminal.size(), TermSize::new(100, 30));
    harness.terminal.write(b"\n".to_vec());
    let screen = harness.wait_for_text("30 100");
    assert_eq!(screen.len(), 30, "the grid has the new row count");
    assert_eq!(harness.wait_for_exit().code, 0);
}

#[test]
fn written_input_reaches_the_child() {
    // Echo is off, so only cat's copy of the input can appear.
    let harness = spawn_sh(9, "stty -echo; echo READY; cat");
    harness.wait_for_text("READY");
    harness.terminal.write(b"typed into the pane\n".to_vec());
    harness.wait_for_text("typed into the pane");
    // Ctrl-D at the start of a line ends cat.
    harness.terminal.write(vec![0x04]);
    assert_eq!(harness.wait_for_exit().code, 0);
}

#[test]
fn child_environment_names_the_terminal_and_the_pane() {
    let harness = spawn_sh(
        42,
        "printf 'env:%s|%s|%s|%s|%s\\n' \"$TERM\" \"$COLORTERM\" \"$SPACES_PANE_ID\" \
         \"$TERM_PROGRAM\" \"$SPACES_TEST_EXTRA\"",
    );
    let screen = harness.wait_for_text("env:");
    assert_eq!(
        screen[0],
        "env:xterm-256color|truecolor|42|spaces|extra-value"
    );
    assert_eq!(harness.wait_for_exit().code, 0);
}

#[test]
fn missing_program_gives_an_error_or_an_exit_event() {
    let program = "/nonexistent/spaces-no-such-program";
    match spawn_with(10, &[program, "--flag"], TermSize::new(80, 24), None) {
        Err(error) => {
            let message = error.to_string();
            assert!(
                message.contains(program),
                "error names the program: {message}"
            );
            assert!(matches!(error, TerminalError::Spawn { .. }), "{error:?}");
        }
        Ok(harness) => {
            let info = harness.wait_for_exit();
            assert_ne!(info.code, 0, "a missing program cannot succeed: {info:?}");
        }
    }
}

#[test]
fn title_from_osc_reaches_the_app() {
    let harness = spawn_sh(11, "printf '\\033]2;pane title\\007'; echo done");
    harness.wait_for_text("done");
    let deadline = Instant::now() + DEADLINE;
    let title = loop {
        let event = harness
            .events
            .recv_deadline(deadline)
            .expect("a title event");
        if let TerminalEventKind::Title(title) = event.kind {
            break title;
        }
    };
    assert_eq!(title.as_deref(), Some("pane title"));
    assert_eq!(harness.terminal.title().as_deref(), Some("pane title"));
}

/// Replayed history that asks the terminal questions must not produce a single byte of input
/// for the new process: old DA/DSR/colour/clipboard/title queries stay unanswered.
#[test]
fn replayed_queries_write_nothing_to_the_new_process() {
    // The child reads raw input for a second and reports how many bytes it got.
    let script = "import os, sys, tty, select\n\
                  tty.setraw(0)\n\
                  got = b''\n\
                  while select.select([0], [], [], 1.0)[0]:\n\
                  \x20   got += os.read(0, 1024)\n\
                  os.write(1, b'GOT:%d\\r\\n' % len(got))\n";
    let queries: &[u8] =
        b"old output\r\n\x1b[c\x1b[>c\x1b[6n\x1b[5n\x1b]11;?\x07\x1b]10;?\x07\x1b]4;1;?\x07\x1b]52;c;?\x07\x1b[21t\x1b[14t\x1b[?2026$p";
    let (listeners, _events, wakes) = listeners(None);
    let options = SpawnOptions {
        command: vec!["python3".into(), "-c".into(), script.into()],
        size: TermSize::new(80, 24),
        ..SpawnOptions::default()
    };
    let terminal = Terminal::spawn_with_history(PaneId(90), options, listeners, |term| {
        spaces_term::replay::replay_bytes(term, queries);
        spaces_term::replay::reset_for_new_process(term);
    })
    .expect("spawn python3");
    let harness = Harness {
        terminal,
        events: _events,
        wakes,
    };
    let screen = harness.wait_for_text("GOT:");
    // The old line stays above the new output (on the screen or, on a full one, in history).
    let all = harness.terminal.read(|term| text::lines(term, -5, 23));
    assert!(all.iter().any(|row| row == "old output"), "{all:#?}");
    assert!(
        screen.iter().any(|row| row.contains("GOT:0")),
        "replay answered a query: {screen:#?}"
    );
}

/// The control case for the test above: the same queries printed live ARE answered, so the
/// check can tell the difference.
#[test]
fn live_queries_are_answered() {
    let reply = query_reply(91, "\\x1b[5n", 'n');
    assert_eq!(reply, "1b5b306e", "DSR 5 answer");
}

#[test]
fn a_shell_reported_directory_is_kept() {
    // OSC 7 as shells send it with each prompt; a remote host's report is ignored.
    let harness = spawn_sh(
        12,
        r"printf '\033]7;file://localhost/usr/my%%20share\007one\n'; printf '\033]7;file://far-host/srv\033\\two\n'; sleep 5",
    );
    harness.wait_for_text("two");
    assert_eq!(
        harness.terminal.reported_cwd(),
        Some(std::path::PathBuf::from("/usr/my share"))
    );
    let plain = spawn_sh(13, "printf 'no report\\n'; sleep 5");
    plain.wait_for_text("no report");
    assert_eq!(plain.terminal.reported_cwd(), None);
}

/// A password typed ahead in the same write as the command that prompts for it reaches the
/// program but is not recorded; the command is.
#[test]
fn a_password_typed_ahead_is_not_recorded() {
    let sink = Arc::new(RecordingSink::default());
    let script = "echo READY; read -r command; stty -echo; read -r secret; stty echo; \
                  echo \"got:$command:${#secret}\"";
    let harness = spawn_with(
        21,
        &["/bin/sh", "-c", script],
        TermSize::new(80, 24),
        Some(sink.clone()),
    )
    .expect("spawn");
    harness.wait_for_text("READY");
    harness.terminal.write(b"sudo -k\nhunter2\n".to_vec());
    harness.wait_for_text("got:sudo -k:7");
    let recorded = sink.recorded_input();
    assert!(
        recorded.contains("sudo -k"),
        "the command is recorded: {recorded:?}"
    );
    assert!(
        !recorded.contains("hunter2"),
        "the password is not: {recorded:?}"
    );
}

/// Node's and Python's prompt libraries read passwords in raw mode with echo off, as every
/// full-screen program does: the prompt on the cursor's line says it is a secret.
#[test]
fn a_raw_mode_password_prompt_is_private_and_other_raw_input_is_not() {
    let sink = Arc::new(RecordingSink::default());
    let script = "stty raw -echo; printf 'name> '; head -c 4 >/dev/null; \
                  printf '\\r\\n? Enter your API token: '; head -c 6 >/dev/null; \
                  stty sane; echo; echo DONE";
    let harness = spawn_with(
        22,
        &["/bin/sh", "-c", script],
        TermSize::new(80, 24),
        Some(sink.clone()),
    )
    .expect("spawn");
    harness.wait_for_text("name>");
    for key in ["b", "o", "b", "\r"] {
        harness.terminal.write(key.as_bytes().to_vec());
    }
    harness.wait_for_text("API token:");
    for key in ["s", "3", "c", "r", "3", "t"] {
        harness.terminal.write(key.as_bytes().to_vec());
    }
    harness.wait_for_text("DONE");
    let recorded = sink.recorded_input();
    assert_eq!(recorded, "bob\r", "only the name is recorded");
}

/// A program that prints an endless OSC string (a title of 12 MB here) does not make the
/// parser hold it: the title arrives cut to its cap, and the pane keeps working.
#[test]
fn an_enormous_title_is_cut_and_the_pane_carries_on() {
    let script = "printf '\\033]2;'; head -c 12000000 /dev/zero | tr '\\0' x; \
                  printf '\\007'; echo AFTER";
    let harness = spawn_sh(23, script);
    harness.wait_for_text("AFTER");
    let title = harness.terminal.title().expect("a title");
    assert!(
        title.len() <= spaces_term::text::MAX_TITLE_BYTES,
        "{}",
        title.len()
    );
    assert!(
        title.starts_with("xxxx") && title.ends_with('…'),
        "cut, and marked"
    );
}

/// A colour query through a real PTY, between two cursor reports: answered with the colour
/// the program set, in stream order.
#[test]
fn colour_queries_are_answered_from_the_pane_in_order() {
    let script = "printf '\\033]11;#000000\\007'; stty raw -echo; \
                  printf '\\033[6n\\033]11;?\\007\\033[6n'; \
                  answer=$(dd bs=1 count=36 2>/dev/null | od -An -c | tr -d ' \\n'); \
                  stty sane; printf 'got:%s\\n' \"$answer\"";
    let harness = spawn_sh(24, script);
    let screen = harness.wait_for_text("got:");
    let line = screen
        .iter()
        .find(|line| line.contains("got:"))
        .expect("the answer line");
    assert!(
        line.contains("got:033[1;1R033]11;rgb:0000/0000/0000\\a033[1;1R"),
        "{line}"
    );
}

#[test]
fn the_kitty_keyboard_flags_a_program_pushes_are_kept_and_answered() {
    // Push "disambiguate" (1), then ask: the terminal answers with the flags in force.
    let reply = query_reply(31, "\\x1b[>1u\\x1b[?u", 'u');
    assert_eq!(reply, hex(b"\x1b[?1u"));
}
