#!/usr/bin/env python3
"""Writes the .bytes fixtures of the ref tests (run from this folder; the output is committed).

Each fixture is a small hand-written stream of terminal output; the matching .screen files are
the expectations, regenerated with SPACES_BLESS=1 and checked by eye.
"""

E = "\x1b"
CSI = E + "["


def sgr(*params):
    return CSI + ";".join(str(p) for p in params) + "m"


FIXTURES = {
    # Named, bright, 256-colour and truecolor foregrounds/backgrounds, then each attribute.
    "sgr_colors.bytes": "".join(
        [
            "".join(sgr(30 + i) + "KRGYBMCW"[i] for i in range(8)),
            sgr(0) + "\r\n",
            "".join(sgr(90 + i) + str(i) for i in range(8)) + sgr(0) + "\r\n",
            "".join(sgr(40 + i) + "abcdefgh"[i] for i in range(8)) + sgr(0),
            "".join(sgr(100 + i) + "ABCDEFGH"[i] for i in range(8)) + sgr(0) + "\r\n",
            sgr(38, 5, 196) + "A" + sgr(0) + sgr(48, 5, 21) + "B" + sgr(0),
            sgr(38, 5, 16, 48, 5, 231) + "C" + sgr(0) + "\r\n",
            sgr(38, 2, 255, 128, 0) + "O" + sgr(48, 2, 10, 20, 30) + "P" + sgr(0),
            CSI + "38:2::1:2:3mQ" + sgr(0) + "\r\n",
            sgr(1) + "bold" + sgr(0) + " " + sgr(2) + "dim" + sgr(0) + " ",
            sgr(3) + "italic" + sgr(0) + " " + sgr(4) + "under" + sgr(0) + "\r\n",
            sgr(7) + "inverse" + sgr(0) + " " + sgr(9) + "strike" + sgr(0) + " ",
            sgr(8) + "hidden" + sgr(0) + "\r\n",
            sgr(1, 3, 4) + "X" + sgr(22) + "Y" + sgr(23) + "Z" + sgr(24) + "W" + sgr(0) + " ",
            sgr(31, 42, 7) + "I" + sgr(27) + "J" + sgr(0) + " ",
            sgr(31, 41) + "K" + sgr(39) + "L" + sgr(49) + "M" + sgr(0),
        ]
    ),
    # CJK and emoji take two cells; one that does not fit the last column wraps.
    "wide_chars.bytes": "中文ab\r\n😀x\r\nabcdefghi中",
    # Combining marks stay in the cell of their base character.
    "combining.bytes": "e\u0301 a\u0308 n\u0303 x\u0301\u0302 中\u0301!",
    # DECSTBM region rows 3-6: LF at its bottom, RI at its top, SU; then a full-screen scroll.
    "scroll_region.bytes": "\r\n".join("line%d" % n for n in range(1, 9))
    + CSI + "3;6r"
    + CSI + "6;1H\n\nA"
    + CSI + "3;1H" + E + "MB"
    + CSI + "S"
    + CSI + "r"
    + CSI + "8;1H\nlast",
    # Main screen, then the alternate screen.
    "alt_screen.1.bytes": "main1\r\nmain2" + CSI + "?1049h" + CSI + "2J" + CSI + "H"
    + "alt screen text\r\nmore",
    # Leaving it restores the main screen and the cursor.
    "alt_screen.2.bytes": CSI + "?1049l!",
    # Autowrap at the last column, a pending wrap that a CRLF consumes, and DECAWM off.
    "line_wrap.bytes": "0123456789abcde\r\nABCDEFGHIJ\r\n" + CSI + "?7l0123456789XYZ"
    + CSI + "?7h",
    # A long line wrapped at 20 columns, reflowed by resizes (steps in ref_tests.rs).
    "reflow.bytes": "short\r\nThe quick brown fox jumps over the lazy dog.\r\nend",
    # EL 0/1/2, ECH, ED 1 and ED 0 on a filled screen.
    "erase_line.bytes": "\r\n".join(str(r) * 20 for r in range(6))
    + CSI + "1;6H" + CSI + "K"
    + CSI + "2;6H" + CSI + "1K"
    + CSI + "3;6H" + CSI + "2K"
    + CSI + "4;6H" + CSI + "3X"
    + CSI + "5;11H" + CSI + "J"
    + CSI + "1;3H" + CSI + "1J",
    # ED 2 clears the screen (alacritty keeps what it showed in the scrollback) ...
    "erase_display.1.bytes": "a\r\nb\r\nc\r\nd\r\ne" + CSI + "2J",
    # ... and ED 3 clears the scrollback.
    "erase_display.2.bytes": CSI + "3Jx",
    # CUP, CUU/CUD/CUF/CUB, CHA, VPA, DECSC/DECRC, CNL, CPL, home, clamped CUP.
    "cursor_movement.bytes": CSI + "3;5HA" + CSI + "2AB" + CSI + "3BC" + CSI + "2CD"
    + CSI + "5DE" + CSI + "12GF" + CSI + "6dG" + E + "7" + CSI + "8;1HH" + E + "8I"
    + CSI + "EJ" + CSI + "2FK" + CSI + "HL" + CSI + "100;100HM",
    # Default stops every 8 columns, HTS, CHT, CBT, TBC.
    "tabs.bytes": "a\tb\tc\r\n"
    + CSI + "5G" + E + "H\r\tX\tY\r\n"
    + CSI + "2IP" + CSI + "2ZQ\r\n"
    + CSI + "3g\tZ",
    # IL, DL, ICH, DCH and insert mode.
    "insert_delete.bytes": "\r\n".join(c * 4 for c in "abcdef")
    + CSI + "2;1H" + CSI + "L"
    + CSI + "5;1H" + CSI + "2M"
    + CSI + "1;2H" + CSI + "2@"
    + CSI + "3;2H" + CSI + "2P"
    + CSI + "4;1H" + CSI + "4hXY" + CSI + "4l",
    # OSC 0/1/2 with BEL and ST terminators print nothing.
    "title.bytes": "before" + E + "]0;Title Zero\x07mid" + E + "]2;Title Two" + E + "\\"
    + "after" + E + "]1;icon\x07!",
    # Queries a replay must swallow: DA1, DA2, DSR, OSC 52/11/10/4 reads, window reports,
    # DECRQM, XTVERSION, kitty keyboard query.
    "queries.bytes": "q:" + CSI + "c" + CSI + ">c" + CSI + "6n" + CSI + "5n"
    + E + "]52;c;?\x07" + E + "]11;?\x07" + E + "]10;?" + E + "\\" + E + "]4;1;?\x07"
    + CSI + "21t" + CSI + "14t" + CSI + "18t" + CSI + "?2026$p" + CSI + ">q" + CSI + "?u"
    + " done",
    # An unfinished synchronized update (mode 2026) is still shown after the replay.
    "sync_unfinished.bytes": "shown" + CSI + "?2026h" + "\r\nheld back until the end",
}

for name, text in FIXTURES.items():
    with open(name, "wb") as f:
        f.write(text.encode("utf-8"))
