//! Partition naming: the value a date or timestamp falls in at a granularity (`2024-03-05`,
//! `2024-03`, `2024`) and the Hive folder name `key=value`. The sink names its folders with
//! these, and the Athena/Glue partition projection (range and location template) is written
//! with the same functions, so the metastore finds exactly the folders that were written.

use super::Granularity;
use super::value::{MS_PER_DAY, civil_from_days};

/// The partition value of a day (days since 1970-01-01, UTC).
pub fn value_of_day(days: i64, g: Granularity) -> String {
    let (y, m, d) = civil_from_days(days);
    match g {
        Granularity::Day => format!("{y:04}-{m:02}-{d:02}"),
        Granularity::Month => format!("{y:04}-{m:02}"),
        Granularity::Year => format!("{y:04}"),
    }
}

/// The partition value of an instant (milliseconds since the epoch, UTC).
pub fn value_of_ms(ms: i64, g: Granularity) -> String {
    value_of_day(ms.div_euclid(MS_PER_DAY), g)
}

/// The Hive folder of one partition: `key=value` (no slashes).
pub fn folder(key: &str, value: &str) -> String {
    format!("{key}={value}")
}

/// The folder of every partition as a projection template: `key=${key}`.
pub fn folder_template(key: &str) -> String {
    folder(key, &format!("${{{key}}}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_folders() {
        // 2024-03-05 is day 19787.
        assert_eq!(value_of_day(19_787, Granularity::Day), "2024-03-05");
        assert_eq!(value_of_day(19_787, Granularity::Month), "2024-03");
        assert_eq!(value_of_day(19_787, Granularity::Year), "2024");
        // One millisecond before the epoch is still 1969-12-31.
        assert_eq!(value_of_ms(-1, Granularity::Day), "1969-12-31");
        assert_eq!(
            value_of_ms(19_787 * MS_PER_DAY + 5, Granularity::Day),
            "2024-03-05"
        );
        assert_eq!(folder("dt", "2024-03"), "dt=2024-03");
        assert_eq!(folder_template("dt"), "dt=${dt}");
    }
}
