//! ISO-8601 / RFC 3339 timestamps (as the agents write them) to milliseconds since the epoch.

/// Parses `2025-11-20T10:00:03.512Z`, `2025-11-20T10:00:03+02:00` and the like; `None` for
/// anything else. Fractions beyond milliseconds are dropped.
pub(crate) fn parse_millis(text: &str) -> Option<i64> {
    let bytes = text.trim().as_bytes();
    if bytes.len() < 19 || !matches!(bytes[10], b'T' | b't' | b' ') {
        return None;
    }
    let year = digits(bytes, 0, 4)?;
    let month = digits(bytes, 5, 2)?;
    let day = digits(bytes, 8, 2)?;
    let hour = digits(bytes, 11, 2)?;
    let minute = digits(bytes, 14, 2)?;
    let second = digits(bytes, 17, 2)?;
    if bytes[4] != b'-' || bytes[7] != b'-' || bytes[13] != b':' || bytes[16] != b':' {
        return None;
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let (millis, rest) = fraction(&bytes[19..]);
    let offset_minutes = zone_offset(rest)?;
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second.min(60);
    Some((seconds - offset_minutes * 60) * 1_000 + millis)
}

/// A fixed-width run of ASCII digits as a number.
fn digits(bytes: &[u8], start: usize, count: usize) -> Option<i64> {
    let slice = bytes.get(start..start + count)?;
    slice.iter().try_fold(0_i64, |value, byte| {
        byte.is_ascii_digit()
            .then(|| value * 10 + i64::from(byte - b'0'))
    })
}

/// `.512...` as milliseconds, and what follows it.
fn fraction(bytes: &[u8]) -> (i64, &[u8]) {
    let Some(rest) = bytes.strip_prefix(b".") else {
        return (0, bytes);
    };
    let count = rest.iter().take_while(|byte| byte.is_ascii_digit()).count();
    let millis = rest[..count]
        .iter()
        .chain(std::iter::repeat(&b'0'))
        .take(3)
        .fold(0_i64, |value, byte| value * 10 + i64::from(byte - b'0'));
    (millis, &rest[count..])
}

/// `Z`, `+02:00`, `-0530` or nothing (read as UTC) as minutes east of UTC.
fn zone_offset(bytes: &[u8]) -> Option<i64> {
    match bytes.first() {
        None | Some(b'Z' | b'z') => Some(0),
        Some(sign @ (b'+' | b'-')) => {
            let hours = digits(bytes, 1, 2)?;
            let minutes_at = if bytes.get(3) == Some(&b':') { 4 } else { 3 };
            let minutes = digits(bytes, minutes_at, 2).unwrap_or(0);
            let total = hours * 60 + minutes;
            Some(if *sign == b'-' { -total } else { total })
        }
        Some(_) => None,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's
/// algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Formats milliseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ` (for generated files).
pub(crate) fn format_millis(millis: i64) -> String {
    let seconds = millis.div_euclid(1_000);
    let days = seconds.div_euclid(86_400);
    let in_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600,
        in_day % 3_600 / 60,
        in_day % 60,
        millis.rem_euclid(1_000)
    )
}

/// The inverse of [`days_from_civil`].
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_timestamps_parse_to_milliseconds() {
        assert_eq!(parse_millis("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_millis("2025-11-20T10:00:03.512Z"),
            Some(1_763_632_803_512)
        );
        assert_eq!(
            parse_millis("2025-11-20T12:00:03.512345+02:00"),
            Some(1_763_632_803_512)
        );
        assert_eq!(parse_millis("2025-11-20T10:00:03"), Some(1_763_632_803_000));
        assert_eq!(parse_millis("yesterday"), None);
        assert_eq!(parse_millis("2025-13-20T10:00:03Z"), None);
    }

    #[test]
    fn formatting_round_trips() {
        for millis in [0, 1_763_632_803_512, 951_782_400_000] {
            assert_eq!(parse_millis(&format_millis(millis)), Some(millis));
        }
    }
}
