//! Crash safety under load: panes print timestamps as fast as they can and the window is
//! killed with SIGKILL at random moments, round after round on one data directory. After
//! every kill the database passes `PRAGMA integrity_check`, each pane's output chunks are
//! contiguous, the newest recorded timestamp is within the promised 250 ms (plus scheduling
//! slack) of the kill in every round but at most one (see `LATE_ROUNDS_ALLOWED`), and the
//! window starts again; at the end `spaces history` agrees.

use std::fs;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result, ensure};
use spaces_e2e::{Spaces, XServer, check_contiguous};

/// Kill rounds (each one starts the window, prints, kills).
const ROUNDS: usize = 20;
/// DESIGN.md: after kill -9 at most the last 250 ms of output is lost.
const PROMISED_LOSS: Duration = Duration::from_millis(250);
/// Scheduling slack on a small loaded machine (two cores for the app, three printing shells,
/// Xvfb and the test).
const SLACK: Duration = Duration::from_millis(150);
/// Rounds that may miss the promise. On two cores with three floods, Xvfb, llvmpipe and the
/// test, the scheduler now and then leaves one pane's reader unrun for a few hundred ms
/// (seen: one round of 20, in about one run of four, 428-842 ms, the other panes of that
/// round within 15 ms). One such round passes; a second fails, and so does any round past
/// [`HARD_LIMIT`] (a lost chunk, a stuck writer).
const LATE_ROUNDS_ALLOWED: usize = 1;
const HARD_LIMIT: Duration = Duration::from_millis(1500);
/// How long after printing started the kill comes: a random moment in this range.
const KILL_AFTER_MS: (u64, u64) = (300, 1500);
/// What each pane runs: `t=<unix seconds>.<microseconds>` lines as fast as the shell can (no
/// fork per line), each one also appended to `$HOME/printed-<pane>.log` once its write to the
/// terminal returned: the log says what reached the PTY before the kill.
fn printer(pane: u64) -> String {
    format!(
        r#"exec 4>"$HOME/printed-{pane}.log"; while :; do t=$EPOCHREALTIME; echo "t=$t" || break; echo "t=$t" >&4; done"#
    )
}
/// Snapshots every second, so kills land during snapshot writes too.
const CONFIG: &str = "snapshot_interval_secs = 1\n";

/// Nanoseconds since the Unix epoch.
fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos())
}

/// The time on a whole `t=<seconds>.<6 digits>` line, in ns since the epoch.
fn timestamp(line: &str) -> Option<u128> {
    let (seconds, micros) = line.trim_end().strip_prefix("t=")?.split_once('.')?;
    let digits = |text: &str, len: usize| {
        (text.len() == len && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<u128>().ok())
            .flatten()
    };
    Some(digits(seconds, 10)? * 1_000_000_000 + digits(micros, 6)? * 1_000)
}

/// The newest whole timestamp line in `text`. Escape sequences are left out first, as
/// `spaces history` leaves them out: a kill just before a line's newline leaves the next
/// shell's first escapes (bracketed paste on, a title) on that same line.
fn newest(text: &str) -> Option<u128> {
    strip_escapes(text).lines().rev().find_map(timestamp)
}

/// `text` without CSI (`ESC [ ... final`) and OSC (`ESC ] ... BEL or ESC \`) sequences.
fn strip_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('[') => {
                for c in chars.by_ref() {
                    if ('\x40'..='\x7e').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\x07' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// A small xorshift generator: reproducible from the seed it prints.
struct Rng(u64);

impl Rng {
    fn new() -> Self {
        let seed = std::env::var("SPACES_CRASH_SEED")
            .ok()
            .and_then(|seed| seed.parse().ok())
            .unwrap_or_else(|| (now_ns() as u64) | 1);
        println!("seed: {seed} (SPACES_CRASH_SEED={seed} repeats the kill moments)");
        Self(seed)
    }

    fn range(&mut self, low: u64, high: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        low + self.0 % (high - low + 1)
    }
}

/// What one round measured, per pane.
struct Round {
    kill_after: Duration,
    /// The promise's measure: from the first line that reached the PTY but is not in the
    /// database, to the kill (zero when everything printed was saved).
    unsaved: Vec<Duration>,
    /// Kill time minus the newest recorded timestamp (includes moments the shell did not
    /// print at all).
    ages: Vec<Duration>,
    /// Lines that reached the PTY before the kill but are not in the database.
    lost_lines: Vec<usize>,
    /// Bytes recorded this round.
    bytes: Vec<u64>,
    restart: Duration,
}

impl std::fmt::Display for Round {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |list: &[Duration]| {
            list.iter()
                .map(|d| d.as_millis().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let kb: Vec<String> = self.bytes.iter().map(|b| (b / 1024).to_string()).collect();
        write!(
            f,
            "killed {} ms in; unsaved [{}] ms ({:?} lines); newest saved line [{}] ms old; \
             recorded [{}] KiB; restart {} ms",
            self.kill_after.as_millis(),
            ms(&self.unsaved),
            self.lost_lines,
            ms(&self.ages),
            kb.join(", "),
            self.restart.as_millis()
        )
    }
}

/// The timestamps of the lines a pane's printer wrote to the PTY before `killed_at`.
fn printed_before(spaces: &Spaces, pane: u64, killed_at: u128) -> Result<Vec<u128>> {
    let path = spaces.home().join(format!("printed-{pane}.log"));
    let text = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    Ok(text
        .lines()
        .filter_map(timestamp)
        .filter(|&t| t < killed_at)
        .collect())
}

/// The snapshots a pane got in the 2 s before the kill, as "ms before the kill", for errors.
fn recent_snapshots(store: &spaces_e2e::Store, pane: u64, killed_at: u128) -> Result<Vec<i64>> {
    let killed_ms = i64::try_from(killed_at / 1_000_000)?;
    Ok(store
        .snapshots(pane)?
        .into_iter()
        .map(|(_, created)| killed_ms - created)
        .filter(|before| *before < 2000)
        .collect())
}

#[test]
fn kill9_at_random_moments() -> Result<()> {
    let started = Instant::now();
    let mut rng = Rng::new();
    let x_server = Arc::new(XServer::start()?);
    let mut spaces = Spaces::start_prepared(x_server, |data_dir| {
        fs::write(data_dir.join("config.toml"), CONFIG).context("writing config.toml")
    })?;
    let first = spaces.first_pane()?;
    spaces.wait_for_prompt(first)?;
    let second = spaces.split(first, "--right")?;
    let third = spaces.split(second, "--down")?;
    let panes = [first, second, third];
    for pane in panes {
        spaces.wait_for_saved_pane(pane, "the pane saved", |_| true)?;
    }

    let mut rounds = Vec::new();
    let mut late_rounds: Vec<String> = Vec::new();
    let mut ends = vec![0_u64; panes.len()];
    for round in 0..ROUNDS {
        let restart = Instant::now();
        if round > 0 {
            spaces.restart()?;
        }
        let restart = restart.elapsed();
        let ids: Vec<u64> = spaces.list()?.iter().map(|p| p.id).collect();
        ensure!(ids == panes, "round {round}: panes {ids:?}, not {panes:?}");
        for pane in panes {
            spaces.wait_for_prompt(pane)?;
        }
        let printing_from = now_ns();
        for pane in panes {
            spaces.send_keys(pane, &format!("{}\r", printer(pane)))?;
        }
        for pane in panes {
            spaces.wait_for_screen(pane, "new timestamps", |screen| {
                newest(screen).is_some_and(|t| t > printing_from)
            })?;
        }
        let kill_after = Duration::from_millis(rng.range(KILL_AFTER_MS.0, KILL_AFTER_MS.1));
        std::thread::sleep(kill_after);
        let killed_at = now_ns();
        spaces.kill9()?;

        let store = spaces.store()?;
        let integrity = store.integrity_check()?;
        ensure!(
            integrity == "ok",
            "round {round}: integrity_check says {integrity}"
        );
        let mut this = Round {
            kill_after,
            unsaved: Vec::new(),
            ages: Vec::new(),
            lost_lines: Vec::new(),
            bytes: Vec::new(),
            restart,
        };
        for (index, pane) in panes.into_iter().enumerate() {
            let ranges = store.chunk_ranges(pane)?;
            check_contiguous(&ranges).with_context(|| format!("round {round}, pane {pane}"))?;
            let end = ranges.last().map_or(0, |&(_, end)| end);
            this.bytes.push(end - ends[index]);
            ends[index] = end;
            let tail = String::from_utf8_lossy(&store.output_tail(pane, 8)?).into_owned();
            let recorded = newest(&tail)
                .filter(|&t| t > printing_from)
                .with_context(|| {
                    format!("round {round}, pane {pane}: no timestamp of this round recorded")
                })?;
            let printed = printed_before(&spaces, pane, killed_at)?;
            let lost: Vec<u128> = printed.into_iter().filter(|&t| t > recorded).collect();
            let since = |t: u128| Duration::from_nanos(killed_at.saturating_sub(t) as u64);
            this.unsaved
                .push(lost.first().map_or(Duration::ZERO, |&t| since(t)));
            this.lost_lines.push(lost.len());
            this.ages.push(since(recorded));
        }
        println!("round {round:2}: {this}");
        let allowed = PROMISED_LOSS + SLACK;
        for (index, pane) in panes.into_iter().enumerate() {
            let unsaved = this.unsaved[index];
            if unsaved <= allowed {
                continue;
            }
            let late = format!(
                "round {round}, pane {pane}: output printed {unsaved:?} before the kill was not \
                 saved (promised {PROMISED_LOSS:?}, allowed {allowed:?}); snapshots taken {:?} \
                 ms before the kill",
                recent_snapshots(&store, pane, killed_at)?
            );
            println!("LATE: {late}");
            ensure!(
                unsaved <= HARD_LIMIT,
                "{late} (past the hard limit {HARD_LIMIT:?})"
            );
            late_rounds.push(late);
            ensure!(
                late_rounds.len() <= LATE_ROUNDS_ALLOWED,
                "more than {LATE_ROUNDS_ALLOWED} late round(s): {late_rounds:#?}"
            );
        }
        drop(store);
        rounds.push(this);
    }

    // The window still starts, and `spaces history` holds every round, in order.
    spaces.restart()?;
    let ids: Vec<u64> = spaces.list()?.iter().map(|p| p.id).collect();
    ensure!(ids == panes, "after the last kill: panes {ids:?}");
    let reading = Instant::now();
    let history = spaces.history(first)?;
    let reading = reading.elapsed();
    let times: Vec<u128> = history.lines().filter_map(timestamp).collect();
    ensure!(
        times.windows(2).all(|pair| pair[0] < pair[1]),
        "`spaces history` has timestamps out of order or twice"
    );
    let store = spaces.store()?;
    let recorded = newest(&String::from_utf8_lossy(&store.output_tail(first, 8)?));
    ensure!(
        times.last().copied() == recorded,
        "`spaces history` ends at {:?}, the database at {recorded:?}",
        times.last()
    );

    let worst = |pick: fn(&Round) -> &Vec<Duration>| {
        rounds
            .iter()
            .flat_map(|r| pick(r).iter().copied())
            .max()
            .unwrap_or_default()
    };
    println!(
        "{ROUNDS} rounds in {:?}: worst unsaved window {:?}, oldest newest-saved-line {:?}, \
         lines lost {}; `spaces history` read {} timestamp lines of pane {first} in {reading:?}",
        started.elapsed(),
        worst(|r| &r.unsaved),
        worst(|r| &r.ages),
        rounds.iter().flat_map(|r| &r.lost_lines).sum::<usize>(),
        times.len()
    );
    Ok(())
}

#[test]
fn escapes_after_the_last_digits_do_not_hide_a_timestamp() {
    assert_eq!(
        newest("t=1763770000.000001\nt=1763770000.000002\x1b[?2004h\x1b]0;bash\x07"),
        Some(1_763_770_000_000_002_000)
    );
}

#[test]
fn timestamps_are_parsed_whole_or_not_at_all() {
    assert_eq!(
        timestamp("t=1763770000.123456"),
        Some(1_763_770_000_123_456_000)
    );
    assert_eq!(timestamp("t=1763770000.12345"), None);
    assert_eq!(timestamp("t=176377000.123456"), None);
    assert_eq!(
        timestamp(r#"$ while :; do echo "t=$EPOCHREALTIME"; done"#),
        None
    );
    assert_eq!(
        newest("t=1763770000.000001\nt=1763770000.000002\nt=17637"),
        Some(1_763_770_000_000_002_000)
    );
}
