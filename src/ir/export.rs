//! Source-system exports in the IR: which system exports an entity, in which file format and
//! dialect, with which value styles, batches and code vocabularies. Plain data plus the words
//! and patterns the documents print; the transform that applies it to clean rows is
//! `crate::export`.

use super::AttrId;
use super::Type;
use super::value::{MS_PER_DAY, civil_from_days, format_decimal};

/// The folder key of an export batch: `export_date=YYYY-MM-DD/`.
pub const BATCH_KEY: &str = "export_date";

/// How a system exports one entity.
#[derive(Clone, Debug, PartialEq)]
pub struct Export {
    /// The system's name; the exports go under `raw/<system>/<entity>/`.
    pub system: String,
    pub format: ExportFormat,
    /// The date or timestamp attribute whose UTC day names each row's batch folder.
    pub batch: Option<AttrId>,
    /// How each exported attribute is written, in column order.
    pub columns: Vec<(AttrId, ValueStyle)>,
    /// Nested fields of a JSON Lines export (field name, node), in the order declared; empty
    /// for a flat export. See [`super::nest`].
    pub nest: Vec<(String, super::nest::Node)>,
    /// What the system gets wrong (none by default, and none with `--clean`).
    pub mess: Mess,
    /// Schema drift of a batched text export, by date (declaration order within a date):
    /// what changes from which batch on. A column has at most one change of each kind.
    pub drift: Vec<Drift>,
    /// How the system writes a timestamp no column setting restyles (its own and the
    /// entity's settings): the style of the change-data times of its daily increments.
    pub changes_time: TimeStyle,
}

/// The defects of an export: cells, duplicates, omissions and delays, each at a declared
/// rate, and what the answer key needs to explain them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mess {
    /// Cell defects: (index into `columns`, kind name, rate), in declaration order (the first
    /// that fires on a cell wins).
    pub cells: Vec<(usize, String, f64)>,
    /// The reference attribute naming the golden record each row stands for (`None`: the
    /// row itself), its target entity.
    pub identity: Option<(AttrId, super::EntityId)>,
    pub duplicates: Option<Duplicates>,
    pub exact_duplicates: f64,
    pub orphans: f64,
    /// (rate, most days late).
    pub late: Option<(f64, u32)>,
}

/// One schema change of a batched export.
#[derive(Clone, Debug, PartialEq)]
pub struct Drift {
    /// The first batch day (days since the epoch) the change holds for.
    pub from: i32,
    /// The changed column (index into `columns`).
    pub column: usize,
    pub change: Change,
}

/// What a drift changes.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// The column's name in the files (CSV header, JSON key) from the date on.
    Rename(String),
    /// The column is absent from the files of earlier batches.
    Add,
    /// The column is written in another style from the date on; `words` are the settings as
    /// the spec gives them (`decimals minor_units`), for the answer key's detail.
    Retype { style: ValueStyle, words: String },
}

impl Drift {
    /// The answer key's description of the change, for a column first named `name`:
    /// `<name> renamed to <new>`, `<name> added` or `<name> retyped: <settings>`.
    pub fn detail(&self, name: &str) -> String {
        match &self.change {
            Change::Rename(new) => format!("{name} renamed to {new}"),
            Change::Add => format!("{name} added"),
            Change::Retype { words, .. } => format!("{name} retyped: {words}"),
        }
    }
}

/// How a column is written in the files of one batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written<'a> {
    /// Its name in the files when renamed (`None`: the attribute's name).
    pub renamed: Option<&'a str>,
    /// Whether the files of that batch hold the column at all.
    pub present: bool,
    /// The index among the export's retypes ([`Export::retypes`]) whose style applies, if any.
    pub retype: Option<usize>,
}

impl Export {
    /// The export's retypes, in drift order: retype `k` is written from its date on, in its
    /// own style, and the rendered batch carries it as column `columns.len() + k`.
    pub fn retypes(&self) -> impl Iterator<Item = &Drift> {
        self.drift
            .iter()
            .filter(|d| matches!(d.change, Change::Retype { .. }))
    }

    /// How column `c` is written in the batch of `day`.
    pub fn written(&self, c: usize, day: i64) -> Written<'_> {
        let mut w = Written {
            renamed: None,
            present: true,
            retype: None,
        };
        for (k, d) in self.retypes().enumerate() {
            if d.column == c && i64::from(d.from) <= day {
                w.retype = Some(k);
            }
        }
        for d in self.drift.iter().filter(|d| d.column == c) {
            match &d.change {
                Change::Rename(n) if i64::from(d.from) <= day => w.renamed = Some(n),
                Change::Add if day < i64::from(d.from) => w.present = false,
                _ => {}
            }
        }
        w
    }
}

/// Near duplicates of an export's records.
#[derive(Clone, Debug, PartialEq)]
pub struct Duplicates {
    pub rate: f64,
    /// Most extra copies of one record.
    pub max: u32,
    /// Defects planted in copies only: (index into `columns`, kind name, rate).
    pub noise: Vec<(usize, String, f64)>,
}

/// How one column's values are written by a system.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueStyle {
    /// As the clean data has it (strings, integers, doubles).
    Plain,
    Date(DateStyle),
    Time(TimeStyle),
    /// A decimal or double column.
    Decimal(DecimalStyle),
    Bool(BoolStyle),
    /// A code vocabulary: (value as the clean data writes it, the system's code), by value.
    Codes(Vec<(String, String)>),
}

impl ValueStyle {
    /// A short description for the dictionary, e.g. `dates DD.MM.YYYY`.
    pub fn describe(&self) -> String {
        match self {
            ValueStyle::Plain
            | ValueStyle::Date(DateStyle::Iso)
            | ValueStyle::Decimal(DecimalStyle::Point)
            | ValueStyle::Bool(BoolStyle::TrueFalse) => String::new(),
            ValueStyle::Date(d) => format!("date {}", d.word()),
            ValueStyle::Time(TimeStyle::Local(m)) => {
                format!("local time {}", offset_text(*m))
            }
            ValueStyle::Time(t) => format!("timestamp {}", t.word()),
            ValueStyle::Decimal(d) => format!("decimal {}", d.word()),
            ValueStyle::Bool(b) => format!("boolean {}", b.word()),
            ValueStyle::Codes(c) => {
                let pairs: Vec<String> = c.iter().map(|(v, k)| format!("{v}={k}")).collect();
                format!("codes {}", pairs.join(", "))
            }
        }
    }
}

/// The file format of an export.
#[derive(Clone, Debug, PartialEq)]
pub enum ExportFormat {
    Parquet,
    Csv(CsvDialect),
    /// JSON Lines: one object per line, keys in column order (nested fields at their first
    /// column's place), nulls as `null`.
    Jsonl,
}

impl ExportFormat {
    /// The format's name in the manifest and the files' extension.
    pub fn name(&self) -> &'static str {
        match self {
            ExportFormat::Parquet => "parquet",
            ExportFormat::Csv(_) => "csv",
            ExportFormat::Jsonl => "jsonl",
        }
    }

    /// The format and dialect in words, e.g. `csv (delimiter ';', quote '"', header, null
    /// 'NULL', latin-1)`.
    pub fn describe(&self) -> String {
        match self {
            ExportFormat::Csv(d) => format!(
                "csv (delimiter {:?}, quote {:?}, {}, {}, null {:?}, {})",
                char::from(d.delimiter),
                char::from(d.quote),
                d.escape.map_or("quotes doubled".to_string(), |e| format!(
                    "escape {:?}",
                    char::from(e)
                )),
                if d.header { "header" } else { "no header" },
                d.null,
                d.encoding.word()
            ),
            other => other.name().to_string(),
        }
    }
}

/// A CSV dialect.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvDialect {
    pub delimiter: u8,
    pub quote: u8,
    /// The escape written before a quote or escape inside a quoted field; `None`: a quote is
    /// doubled (RFC 4180).
    pub escape: Option<u8>,
    pub header: bool,
    pub null: String,
    pub encoding: Encoding,
}

impl Default for CsvDialect {
    fn default() -> Self {
        CsvDialect {
            delimiter: b',',
            quote: b'"',
            escape: None,
            header: true,
            null: String::new(),
            encoding: Encoding::Utf8,
        }
    }
}

/// The character encoding of a text export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// UTF-8 after a byte-order mark (`EF BB BF`).
    Utf8Bom,
    /// ISO-8859-1; a character it cannot hold is written as `?`.
    Latin1,
}

impl Encoding {
    pub const WORDS: &'static [&'static str] = &["utf-8", "utf-8-bom", "latin-1"];

    pub fn parse(word: &str) -> Option<Encoding> {
        match word {
            "utf-8" => Some(Encoding::Utf8),
            "utf-8-bom" => Some(Encoding::Utf8Bom),
            "latin-1" => Some(Encoding::Latin1),
            _ => None,
        }
    }

    pub fn word(self) -> &'static str {
        Encoding::WORDS[self as usize]
    }
}

/// How a date is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateStyle {
    /// `2025-10-07`.
    Iso,
    /// `10/07/2025`.
    Us,
    /// `07.10.2025`.
    Dotted,
    /// `20251007`.
    Compact,
    /// Seconds since the epoch (midnight UTC for a date).
    Epoch,
}

impl DateStyle {
    pub const WORDS: &'static [&'static str] =
        &["iso", "MM/DD/YYYY", "DD.MM.YYYY", "YYYYMMDD", "epoch"];

    pub fn parse(word: &str) -> Option<DateStyle> {
        let all = [
            DateStyle::Iso,
            DateStyle::Us,
            DateStyle::Dotted,
            DateStyle::Compact,
            DateStyle::Epoch,
        ];
        DateStyle::WORDS
            .iter()
            .position(|w| *w == word)
            .map(|i| all[i])
    }

    pub fn word(self) -> &'static str {
        DateStyle::WORDS[self as usize]
    }
}

/// How a timestamp is written: a date style with the time of day (UTC), or local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeStyle {
    /// A date style followed by the time: `iso` is `2025-10-07T09:50:26.123Z`, `MM/DD/YYYY`
    /// and `DD.MM.YYYY` add ` 09:50:26`, `YYYYMMDD` adds `095026`, `epoch` is whole seconds.
    Utc(DateStyle),
    /// `2025-10-07 11:50:26 +0200`: local time at a fixed offset (minutes east of UTC).
    Local(i32),
}

impl TimeStyle {
    pub const WORDS: &'static [&'static str] = &[
        "iso",
        "MM/DD/YYYY",
        "DD.MM.YYYY",
        "YYYYMMDD",
        "epoch",
        "local",
    ];

    /// The style's word, as a spec writes it.
    pub fn word(self) -> &'static str {
        match self {
            TimeStyle::Utc(d) => d.word(),
            TimeStyle::Local(_) => "local",
        }
    }

    /// Whether the style keeps the milliseconds of a timestamp (the others cut them).
    pub fn keeps_millis(self) -> bool {
        self == TimeStyle::Utc(DateStyle::Iso)
    }
}

/// How decimal numbers are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecimalStyle {
    Point,
    Comma,
    /// The amount times 10^scale, a whole number (decimal attributes only).
    MinorUnits,
}

impl DecimalStyle {
    pub const WORDS: &'static [&'static str] = &["point", "comma", "minor_units"];

    pub fn parse(word: &str) -> Option<DecimalStyle> {
        let all = [
            DecimalStyle::Point,
            DecimalStyle::Comma,
            DecimalStyle::MinorUnits,
        ];
        DecimalStyle::WORDS
            .iter()
            .position(|w| *w == word)
            .map(|i| all[i])
    }

    pub fn word(self) -> &'static str {
        DecimalStyle::WORDS[self as usize]
    }
}

/// How booleans are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoolStyle {
    TrueFalse,
    YesNo,
    OneZero,
}

impl BoolStyle {
    pub const WORDS: &'static [&'static str] = &["true/false", "Y/N", "1/0"];

    pub fn parse(word: &str) -> Option<BoolStyle> {
        let all = [BoolStyle::TrueFalse, BoolStyle::YesNo, BoolStyle::OneZero];
        BoolStyle::WORDS
            .iter()
            .position(|w| *w == word)
            .map(|i| all[i])
    }

    pub fn word(self) -> &'static str {
        BoolStyle::WORDS[self as usize]
    }

    /// The texts written for true and false.
    pub fn texts(self) -> (&'static str, &'static str) {
        match self {
            BoolStyle::TrueFalse => ("true", "false"),
            BoolStyle::YesNo => ("Y", "N"),
            BoolStyle::OneZero => ("1", "0"),
        }
    }
}

/// What an export column carries in its files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Carried {
    /// The clean value with its own type (a CSV writes it as the clean CSV does).
    Typed,
    /// A whole number (epoch seconds, minor units).
    Int64,
    /// Text in the system's style.
    Text,
}

/// What a column of type `ty` written in `style` carries in `format`: text formats write
/// dates and timestamps as text; Parquet keeps ISO dates and timestamps typed.
pub fn carried(style: &ValueStyle, format: &ExportFormat) -> Carried {
    let text = !matches!(format, ExportFormat::Parquet);
    match style {
        ValueStyle::Plain
        | ValueStyle::Decimal(DecimalStyle::Point)
        | ValueStyle::Bool(BoolStyle::TrueFalse) => Carried::Typed,
        ValueStyle::Date(DateStyle::Epoch)
        | ValueStyle::Time(TimeStyle::Utc(DateStyle::Epoch))
        | ValueStyle::Decimal(DecimalStyle::MinorUnits) => Carried::Int64,
        ValueStyle::Date(DateStyle::Iso) | ValueStyle::Time(TimeStyle::Utc(DateStyle::Iso))
            if !text =>
        {
            Carried::Typed
        }
        _ => Carried::Text,
    }
}

/// The Athena type of an export column: every CSV column is `string` (the CSV SerDe reads
/// text); JSON Lines and Parquet keep what they carry.
pub fn athena_type(style: &ValueStyle, ty: Type, format: &ExportFormat) -> String {
    if matches!(format, ExportFormat::Csv(_)) {
        return "string".into();
    }
    match carried(style, format) {
        Carried::Typed => ty.athena(),
        Carried::Int64 => "bigint".into(),
        Carried::Text => "string".into(),
    }
}

/// A date (days since the epoch) as a system writes it.
pub fn date_text(days: i32, style: DateStyle) -> String {
    let (y, m, d) = civil_from_days(i64::from(days));
    match style {
        DateStyle::Iso => format!("{y:04}-{m:02}-{d:02}"),
        DateStyle::Us => format!("{m:02}/{d:02}/{y:04}"),
        DateStyle::Dotted => format!("{d:02}.{m:02}.{y:04}"),
        DateStyle::Compact => format!("{y:04}{m:02}{d:02}"),
        DateStyle::Epoch => (i64::from(days) * 86_400).to_string(),
    }
}

/// A timestamp (ms since the epoch, UTC) as a system writes it. Only `iso` keeps the
/// milliseconds; the other styles cut them (toward the past).
pub fn time_text(ms: i64, style: TimeStyle) -> String {
    let shifted = match style {
        TimeStyle::Local(m) => ms + i64::from(m) * 60_000,
        TimeStyle::Utc(_) => ms,
    };
    let days = shifted.div_euclid(MS_PER_DAY);
    let rem = shifted.rem_euclid(MS_PER_DAY);
    let (h, mi, s, f) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000,
    );
    let day = |d: DateStyle| date_text(days as i32, d);
    match style {
        TimeStyle::Utc(DateStyle::Iso) => {
            format!("{}T{h:02}:{mi:02}:{s:02}.{f:03}Z", day(DateStyle::Iso))
        }
        TimeStyle::Utc(DateStyle::Epoch) => ms.div_euclid(1000).to_string(),
        TimeStyle::Utc(DateStyle::Compact) => {
            format!("{}{h:02}{mi:02}{s:02}", day(DateStyle::Compact))
        }
        TimeStyle::Utc(d) => format!("{} {h:02}:{mi:02}:{s:02}", day(d)),
        TimeStyle::Local(m) => format!(
            "{} {h:02}:{mi:02}:{s:02} {}",
            day(DateStyle::Iso),
            offset_text(m)
        ),
    }
}

/// A decimal (unscaled value and scale) in a decimal style.
pub fn decimal_text(v: i128, scale: u8, style: DecimalStyle) -> String {
    match style {
        DecimalStyle::Point => format_decimal(v, scale),
        DecimalStyle::Comma => format_decimal(v, scale).replace('.', ","),
        DecimalStyle::MinorUnits => v.to_string(),
    }
}

/// Parses a fixed UTC offset `+HH:MM` / `-HH:MM` (at most 14 hours) into minutes east of UTC.
pub fn parse_offset(text: &str) -> Option<i32> {
    let b = text.as_bytes();
    if b.len() != 6 || b[3] != b':' || !matches!(b[0], b'+' | b'-') {
        return None;
    }
    let h: i32 = text.get(1..3)?.parse().ok()?;
    let m: i32 = text.get(4..6)?.parse().ok()?;
    if !text[1..3].bytes().all(|c| c.is_ascii_digit())
        || !text[4..6].bytes().all(|c| c.is_ascii_digit())
        || m >= 60
        || h * 60 + m > 14 * 60
    {
        return None;
    }
    let minutes = h * 60 + m;
    Some(if b[0] == b'-' { -minutes } else { minutes })
}

/// An offset in minutes as `+HHMM`.
pub fn offset_text(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.unsigned_abs();
    format!("{sign}{:02}{:02}", m / 60, m % 60)
}

/// The folder of the answer key in the truth layer: `truth/_answers/<table>/`.
pub const ANSWERS_DIR: &str = "_answers";

/// A column of an answer-key table: name, type, nullable.
pub type AnswerColumn = (&'static str, Type, bool);

/// The answer key's tables and their columns (name, type, nullable), in file order. Every key
/// is text: a record key as the export writes it, a golden key as the truth's primary key
/// (several columns joined with `|`).
pub const ANSWER_TABLES: [(&str, &[AnswerColumn]); 3] = [
    (
        "crosswalk",
        &[
            ("system", Type::String(None), false),
            ("entity", Type::String(None), false),
            ("record_key", Type::String(None), false),
            ("golden_entity", Type::String(None), false),
            ("golden_key", Type::String(None), false),
            ("copy", Type::Int32, false),
        ],
    ),
    (
        "cells",
        &[
            ("system", Type::String(None), false),
            ("entity", Type::String(None), false),
            ("record_key", Type::String(None), false),
            ("column_name", Type::String(None), false),
            ("defect", Type::String(None), false),
            ("clean", Type::String(None), true),
            ("dirty", Type::String(None), true),
        ],
    ),
    (
        "records",
        &[
            ("system", Type::String(None), false),
            ("entity", Type::String(None), false),
            ("record_key", Type::String(None), true),
            ("golden_key", Type::String(None), true),
            ("kind", Type::String(None), false),
            ("original_key", Type::String(None), true),
            ("event_date", Type::Date, true),
            ("export_date", Type::Date, true),
            ("detail", Type::String(None), true),
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_parse_and_print() {
        assert_eq!(parse_offset("+02:00"), Some(120));
        assert_eq!(parse_offset("-05:30"), Some(-330));
        assert_eq!(parse_offset("+2:00"), None);
        assert_eq!(parse_offset("+15:00"), None);
        assert_eq!(parse_offset("+02:60"), None);
        assert_eq!(offset_text(120), "+0200");
        assert_eq!(offset_text(-330), "-0530");
    }

    #[test]
    fn styles_write_the_documented_texts() {
        let day = 20368; // 2025-10-07
        assert_eq!(date_text(day, DateStyle::Iso), "2025-10-07");
        assert_eq!(date_text(day, DateStyle::Us), "10/07/2025");
        assert_eq!(date_text(day, DateStyle::Dotted), "07.10.2025");
        assert_eq!(date_text(day, DateStyle::Compact), "20251007");
        assert_eq!(date_text(day, DateStyle::Epoch), "1759795200");
        let ms = 1_759_830_626_123; // 2025-10-07T09:50:26.123Z
        assert_eq!(
            time_text(ms, TimeStyle::Utc(DateStyle::Iso)),
            "2025-10-07T09:50:26.123Z"
        );
        assert_eq!(
            time_text(ms, TimeStyle::Utc(DateStyle::Us)),
            "10/07/2025 09:50:26"
        );
        assert_eq!(
            time_text(ms, TimeStyle::Utc(DateStyle::Compact)),
            "20251007095026"
        );
        assert_eq!(
            time_text(ms, TimeStyle::Utc(DateStyle::Epoch)),
            "1759830626"
        );
        assert_eq!(
            time_text(ms, TimeStyle::Local(120)),
            "2025-10-07 11:50:26 +0200"
        );
        assert_eq!(time_text(-1, TimeStyle::Utc(DateStyle::Epoch)), "-1");
        assert_eq!(decimal_text(-123_450, 2, DecimalStyle::Comma), "-1234,50");
        assert_eq!(decimal_text(123_450, 2, DecimalStyle::MinorUnits), "123450");
    }

    /// How a column is written on a day: renamed and retyped from their dates on, absent
    /// before the date that adds it.
    #[test]
    fn drift_holds_from_its_date_on() {
        let x = Export {
            system: "s".into(),
            format: ExportFormat::Jsonl,
            batch: Some(0),
            columns: vec![(0, ValueStyle::Plain), (1, ValueStyle::Plain)],
            nest: Vec::new(),
            mess: Mess::default(),
            changes_time: TimeStyle::Utc(DateStyle::Iso),
            drift: vec![
                Drift {
                    from: 10,
                    column: 1,
                    change: Change::Add,
                },
                Drift {
                    from: 12,
                    column: 1,
                    change: Change::Rename("later".into()),
                },
                Drift {
                    from: 14,
                    column: 1,
                    change: Change::Retype {
                        style: ValueStyle::Decimal(DecimalStyle::Comma),
                        words: "decimals comma".into(),
                    },
                },
            ],
        };
        let w = |c, day| x.written(c, day);
        assert!(!w(1, 9).present);
        assert_eq!((w(1, 10).present, w(1, 10).renamed), (true, None));
        assert_eq!((w(1, 12).renamed, w(1, 12).retype), (Some("later"), None));
        assert_eq!(
            (w(1, 20).renamed, w(1, 20).retype),
            (Some("later"), Some(0))
        );
        assert_eq!(
            w(0, 20),
            Written {
                renamed: None,
                present: true,
                retype: None
            }
        );
        assert_eq!(x.drift[1].detail("amount"), "amount renamed to later");
        assert_eq!(x.drift[0].detail("note"), "note added");
        assert_eq!(x.drift[2].detail("fee"), "fee retyped: decimals comma");
    }

    #[test]
    fn words_round_trip() {
        for w in DateStyle::WORDS {
            assert_eq!(DateStyle::parse(w).map(DateStyle::word), Some(*w));
        }
        for w in Encoding::WORDS {
            assert_eq!(Encoding::parse(w).map(Encoding::word), Some(*w));
        }
        for w in DecimalStyle::WORDS {
            assert_eq!(DecimalStyle::parse(w).map(DecimalStyle::word), Some(*w));
        }
        for w in BoolStyle::WORDS {
            assert_eq!(BoolStyle::parse(w).map(BoolStyle::word), Some(*w));
        }
    }
}
