//! Wall-clock timestamps as stored in the database (milliseconds since the Unix epoch).

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, or 0 if the clock is set before 1970.
pub fn unix_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Seconds since the Unix epoch, used to name quarantined files.
pub(crate) fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millis_and_seconds_agree() {
        let millis = unix_millis();
        let seconds = unix_seconds();
        // 2020-01-01 as a sanity floor: a clock this far off would be a broken machine.
        assert!(millis > 1_577_836_800_000);
        assert!((millis / 1000 - i64::try_from(seconds).expect("fits")).abs() <= 1);
    }
}
