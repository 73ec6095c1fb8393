//! Property tests of grid snapshots: any bytes given to the decoder give an error or a grid,
//! never a panic; any terminal output survives an encode/decode round trip.

use proptest::prelude::*;
use spaces_term::alacritty_terminal::grid::Dimensions;
use spaces_term::replay::{new_replay_term, replay_bytes};
use spaces_term::snapshot::{encode, restore_into};
use spaces_term::{TermSize, text};

/// Terminal-ish output: text, wide characters, colours, cursor moves, newlines.
fn output() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        "[a-z ]{1,20}".prop_map(String::into_bytes),
        Just("中文".as_bytes().to_vec()),
        Just("e\u{301}".as_bytes().to_vec()),
        Just(b"\r\n".to_vec()),
        (0u8..8).prop_map(|c| format!("\x1b[3{c}m").into_bytes()),
        (0u8..255).prop_map(|c| format!("\x1b[48;5;{c}m").into_bytes()),
        Just(b"\x1b[1;3;4m".to_vec()),
        Just(b"\x1b[0m".to_vec()),
        (1u8..10, 1u8..30).prop_map(|(r, c)| format!("\x1b[{r};{c}H").into_bytes()),
    ];
    proptest::collection::vec(piece, 0..200).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let mut term = new_replay_term(TermSize::new(20, 5), 100);
        let _result = restore_into(&mut term, &bytes);
    }

    #[test]
    fn damaged_snapshots_never_panic(output in output(), damage in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let mut source = new_replay_term(TermSize::new(30, 10), 200);
        replay_bytes(&mut source, &output);
        let mut bytes = encode(&source);
        for (at, value) in damage {
            let at = at % bytes.len();
            bytes[at] = value;
        }
        let mut term = new_replay_term(TermSize::new(30, 10), 200);
        let _result = restore_into(&mut term, &bytes);
    }

    #[test]
    fn any_output_round_trips(output in output()) {
        let mut source = new_replay_term(TermSize::new(30, 10), 200);
        replay_bytes(&mut source, &output);
        let mut restored = new_replay_term(TermSize::new(80, 24), 200);
        restore_into(&mut restored, &encode(&source)).expect("own snapshot decodes");
        let top = -(source.grid().history_size() as i32);
        prop_assert_eq!(text::lines(&restored, top, 9), text::lines(&source, top, 9));
        prop_assert_eq!(restored.grid().cursor.point, source.grid().cursor.point);
    }
}
