//! Fuzzing a pane's terminal: random bytes mixed with random escape sequences (CSI with any
//! parameters, OSC of any number and length, DCS, APC/PM/SOS, broken UTF-8, controls), cut
//! at random places, with resizes in between, fed through the same path live output takes.
//! Nothing may panic, and unterminated strings must not make the parser's memory grow.
//!
//! `PROPTEST_CASES` raises the number of cases (`scripts/test` runs a longer pass).

use proptest::prelude::*;
use spaces_term::TermSize;
use spaces_term::feed::{Feeder, MAX_OSC_BYTES};
use spaces_term::replay::new_replay_term;

/// One piece of hostile output.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    let params = prop::collection::vec(0u32..100_000, 0..20).prop_map(|numbers| {
        numbers
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(";")
    });
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        (
            params.clone(),
            prop::sample::select(b"@ABCDEFGHJKLMPSTXZ`abcdefghlmnpqrstuxz".to_vec()),
            any::<bool>()
        )
            .prop_map(|(params, final_byte, private)| {
                let mut bytes = b"\x1b[".to_vec();
                if private {
                    bytes.push(b'?');
                }
                bytes.extend_from_slice(params.as_bytes());
                bytes.push(final_byte);
                bytes
            }),
        (
            0u32..200,
            prop::collection::vec(any::<u8>(), 0..200),
            prop::sample::select(vec![&b"\x07"[..], b"\x1b\\", b""])
        )
            .prop_map(|(number, payload, end)| {
                let mut bytes = format!("\x1b]{number};").into_bytes();
                bytes.extend(payload);
                bytes.extend_from_slice(end);
                bytes
            }),
        (params, prop::collection::vec(any::<u8>(), 0..100)).prop_map(|(params, payload)| {
            let mut bytes = format!("\x1bP{params}q").into_bytes();
            bytes.extend(payload);
            bytes.extend_from_slice(b"\x1b\\");
            bytes
        }),
        (
            prop::sample::select(vec![b'_', b'^', b'X']),
            prop::collection::vec(any::<u8>(), 0..100)
        )
            .prop_map(|(kind, payload)| {
                let mut bytes = vec![0x1b, kind];
                bytes.extend(payload);
                bytes
            }),
        "[\\PC]{0,40}".prop_map(String::into_bytes),
        prop::sample::select(vec![
            &b"\x1b[?1049h"[..],
            b"\x1b[?1049l",
            b"\x1b[?2026h",
            b"\x1b[?2026l",
            b"\x1bc",
            b"\x1b#8",
            b"\x1b[r",
            b"\r\n",
            b"\x1b]8;;http://x\x07"
        ])
        .prop_map(<[u8]>::to_vec),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(256)
    ))]

    #[test]
    fn random_output_never_panics_the_terminal(
        pieces in prop::collection::vec(piece(), 1..60),
        sizes in prop::collection::vec((1u16..200, 1u16..80), 0..4),
    ) {
        let mut term = new_replay_term(TermSize::new(80, 24), 200);
        let mut feeder = Feeder::new();
        let mut sizes = sizes.into_iter();
        for (index, piece) in pieces.iter().enumerate() {
            feeder.feed(&mut term, piece);
            if index % 7 == 6 && let Some((cols, rows)) = sizes.next() {
                term.resize(TermSize::new(cols, rows));
            }
        }
        let _ = spaces_term::text::lines(&term, -200, 100);
    }
}

/// Resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

/// 64 MiB of an OSC string that never ends: the parser keeps at most its cap of it.
#[test]
fn an_endless_osc_string_does_not_grow_memory() {
    let mut term = new_replay_term(TermSize::new(80, 24), 100);
    let mut feeder = Feeder::new();
    let chunk = vec![b'x'; 64 * 1024];
    feeder.feed(&mut term, b"\x1b]2;");
    // Past the cap first, so what is measured is only what comes after.
    for _ in 0..(2 * MAX_OSC_BYTES / chunk.len()) {
        feeder.feed(&mut term, &chunk);
    }
    let before = rss_kib();
    for _ in 0..1024 {
        feeder.feed(&mut term, &chunk);
    }
    let grown = rss_kib().saturating_sub(before);
    assert!(
        grown < 16 * 1024,
        "64 MiB of OSC grew the process by {grown} KiB"
    );
    feeder.feed(&mut term, b"\x07ok");
    assert_eq!(spaces_term::text::lines(&term, 0, 0), vec!["ok".to_owned()]);
}
