//! The cell-defect taxonomy of source-system exports and the pure functions that plant each
//! defect: a clean value and a 64-bit key (a hash of seed, table, column, defect kind and row,
//! so every dirty value is a pure function of them, like every generated value) give the dirty
//! value, or `None` when the defect cannot apply to that value (a transposition in a
//! one-letter word, a day–month swap of the 20th). The kinds and their definitions follow the
//! record-linkage and data-cleaning literature (Febrl, pseudopeople, Splink's corruptions,
//! BART, Jenga); `docs/defects.md` documents each with an example. Values are handled as the
//! text a system exports, except where a kind needs the typed value (dates and numbers), which
//! has its own function.

use crate::hash::mix2;
use crate::ir::value::{civil_from_days, days_from_civil};

/// A kind of cell defect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Defect {
    /// The value is emptied (exported as the system's null token).
    Missing,
    /// A placeholder for unknown written as text: `N/A`, `unknown`, `-` or an empty string.
    Sentinel,
    /// One keystroke too many: a neighbouring key inserted.
    TypoInsert,
    /// One character left out.
    TypoDelete,
    /// One character replaced by a neighbouring key.
    TypoSubstitute,
    /// Two neighbouring characters swapped.
    TypoTranspose,
    /// Look-alike glyphs read by OCR: `O` ↔ `0`, `S` ↔ `5`, `l` ↔ `1` …
    Ocr,
    /// Day and month exchanged (only where both are ≤ 12 and differ).
    DayMonthSwap,
    /// One digit replaced by another.
    WrongDigits,
    /// The amount in another unit: × 100 (minor units) or ÷ 100.
    WrongUnit,
    /// A number far outside its range (× 10 or a sign flip).
    OutOfRange,
    /// Stray spaces: leading, trailing or doubled.
    Whitespace,
    /// Letter case changed: upper, lower, or title case.
    Case,
    /// UTF-8 bytes read as Windows-1252 (`Müller` → `MÃ¼ller`).
    Mojibake,
    /// Cut to a shorter field length.
    Truncation,
    /// A given name replaced by a common nickname (`William` → `Bill`).
    Nickname,
    /// A spelling that sounds alike (`Catherine` → `Katherine`).
    Phonetic,
    /// A phone number written in another common layout (`+1 415 555 0100` →
    /// `(415) 555-0100`).
    PhoneFormat,
    /// Address words abbreviated or spelled out (`Street` ↔ `St`, `North` ↔ `N`).
    Abbreviation,
}

impl Defect {
    /// Every kind, in the order of the taxonomy.
    pub const ALL: [Defect; 19] = [
        Defect::Missing,
        Defect::Sentinel,
        Defect::TypoInsert,
        Defect::TypoDelete,
        Defect::TypoSubstitute,
        Defect::TypoTranspose,
        Defect::Ocr,
        Defect::DayMonthSwap,
        Defect::WrongDigits,
        Defect::WrongUnit,
        Defect::OutOfRange,
        Defect::Whitespace,
        Defect::Case,
        Defect::Mojibake,
        Defect::Truncation,
        Defect::Nickname,
        Defect::Phonetic,
        Defect::PhoneFormat,
        Defect::Abbreviation,
    ];

    /// The name used in specs and answer keys.
    pub fn name(self) -> &'static str {
        match self {
            Defect::Missing => "missing",
            Defect::Sentinel => "sentinel",
            Defect::TypoInsert => "typo_insert",
            Defect::TypoDelete => "typo_delete",
            Defect::TypoSubstitute => "typo_substitute",
            Defect::TypoTranspose => "typo_transpose",
            Defect::Ocr => "ocr",
            Defect::DayMonthSwap => "day_month_swap",
            Defect::WrongDigits => "wrong_digits",
            Defect::WrongUnit => "wrong_unit",
            Defect::OutOfRange => "out_of_range",
            Defect::Whitespace => "whitespace",
            Defect::Case => "case",
            Defect::Mojibake => "mojibake",
            Defect::Truncation => "truncation",
            Defect::Nickname => "nickname",
            Defect::Phonetic => "phonetic",
            Defect::PhoneFormat => "phone_format",
            Defect::Abbreviation => "abbreviation",
        }
    }

    /// The kind of a name, if any.
    pub fn from_name(name: &str) -> Option<Defect> {
        Defect::ALL.into_iter().find(|d| d.name() == name)
    }

    /// Whether the kind applies to text (otherwise to dates or numbers only).
    pub fn on_text(self) -> bool {
        !matches!(
            self,
            Defect::DayMonthSwap | Defect::WrongUnit | Defect::OutOfRange
        )
    }
}

/// A small counter-based draw sequence from one key.
struct Draws {
    key: u64,
    n: u64,
}

impl Draws {
    fn new(key: u64) -> Draws {
        Draws { key, n: 0 }
    }
    /// A number in `0..m` (`m` ≥ 1).
    fn below(&mut self, m: usize) -> usize {
        self.n += 1;
        (mix2(self.key, self.n) % m.max(1) as u64) as usize
    }
}

/// The keys next to each key on a QWERTY keyboard (letters and digits), for typos.
fn neighbours(c: char) -> &'static str {
    match c.to_ascii_lowercase() {
        'q' => "wa",
        'w' => "qes",
        'e' => "wrd",
        'r' => "etf",
        't' => "ryg",
        'y' => "tuh",
        'u' => "yij",
        'i' => "uok",
        'o' => "ipl",
        'p' => "ol",
        'a' => "qsz",
        's' => "adwx",
        'd' => "sfec",
        'f' => "dgrv",
        'g' => "fhtb",
        'h' => "gjyn",
        'j' => "hkum",
        'k' => "jli",
        'l' => "ko",
        'z' => "xa",
        'x' => "zcs",
        'c' => "xvd",
        'v' => "cbf",
        'b' => "vng",
        'n' => "bmh",
        'm' => "nj",
        '1' => "2",
        '2' => "13",
        '3' => "24",
        '4' => "35",
        '5' => "46",
        '6' => "57",
        '7' => "68",
        '8' => "79",
        '9' => "80",
        '0' => "9",
        _ => "",
    }
}

/// A neighbour of `c` in the same case, or `c` itself when it has none.
fn neighbour(c: char, d: &mut Draws) -> char {
    let n: Vec<char> = neighbours(c).chars().collect();
    if n.is_empty() {
        return c;
    }
    let x = n[d.below(n.len())];
    if c.is_uppercase() {
        x.to_ascii_uppercase()
    } else {
        x
    }
}

/// The placeholders for unknown a `sentinel` defect writes, in draw order.
pub const SENTINELS: [&str; 4] = ["N/A", "", "unknown", "-"];

/// Plants a text defect in `clean` (the text a system exports). `None` when the kind does not
/// apply to the value or would leave it unchanged.
pub fn corrupt_text(kind: Defect, clean: &str, key: u64) -> Option<String> {
    let mut d = Draws::new(key);
    let chars: Vec<char> = clean.chars().collect();
    let n = chars.len();
    let out = match kind {
        Defect::Missing => String::new(),
        Defect::Sentinel => SENTINELS[d.below(4)].to_string(),
        Defect::TypoInsert => {
            let at = typo_position(&chars, &mut d)?;
            let mut v = chars.clone();
            v.insert(at + 1, neighbour(chars[at], &mut d));
            v.into_iter().collect()
        }
        Defect::TypoDelete if n >= 2 => {
            let at = typo_position(&chars, &mut d)?;
            let mut v = chars.clone();
            v.remove(at);
            v.into_iter().collect()
        }
        Defect::TypoSubstitute => {
            let at = typo_position(&chars, &mut d)?;
            let mut v = chars.clone();
            v[at] = neighbour(chars[at], &mut d);
            v.into_iter().collect()
        }
        Defect::TypoTranspose if n >= 2 => {
            let pairs: Vec<usize> = (0..n - 1)
                .filter(|&i| chars[i] != chars[i + 1] && chars[i].is_alphanumeric())
                .collect();
            let at = *pairs.get(d.below(pairs.len().max(1)))?;
            let mut v = chars.clone();
            v.swap(at, at + 1);
            v.into_iter().collect()
        }
        Defect::Ocr => ocr(&chars, &mut d)?,
        Defect::WrongDigits => {
            let digits: Vec<usize> = (0..n).filter(|&i| chars[i].is_ascii_digit()).collect();
            let at = *digits.get(d.below(digits.len().max(1)))?;
            let mut v = chars.clone();
            let old = chars[at] as u8 - b'0';
            v[at] = char::from(b'0' + ((old as usize + 1 + d.below(9)) % 10) as u8);
            v.into_iter().collect()
        }
        Defect::Whitespace => match d.below(3) {
            0 => format!(" {clean}"),
            1 => format!("{clean} "),
            _ => match clean.find(' ') {
                Some(i) => format!("{}  {}", &clean[..i], &clean[i + 1..]),
                None => format!("{clean}  "),
            },
        },
        Defect::Case => match d.below(3) {
            0 => clean.to_uppercase(),
            1 => clean.to_lowercase(),
            _ => title_case(clean),
        },
        Defect::Mojibake => mojibake(clean)?,
        Defect::Truncation if n >= 4 => {
            let keep = n / 2 + d.below(n - n / 2 - 1);
            chars[..keep].iter().collect()
        }
        Defect::Nickname => nickname(clean)?.to_string(),
        Defect::Phonetic => phonetic(clean, &mut d)?,
        Defect::PhoneFormat => phone_format(clean, &mut d)?,
        Defect::Abbreviation => abbreviation(clean, &mut d)?,
        _ => return None,
    };
    (out != clean).then_some(out)
}

/// A position for a typo: a letter or digit.
fn typo_position(chars: &[char], d: &mut Draws) -> Option<usize> {
    let at: Vec<usize> = (0..chars.len())
        .filter(|&i| chars[i].is_ascii_alphanumeric())
        .collect();
    at.get(d.below(at.len().max(1))).copied()
}

/// Title case per word (`mary ann` → `Mary Ann`).
fn title_case(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f
                    .to_uppercase()
                    .chain(c.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One look-alike glyph replaced.
fn ocr(chars: &[char], d: &mut Draws) -> Option<String> {
    const PAIRS: &[(char, char)] = &[
        ('O', '0'),
        ('0', 'O'),
        ('o', '0'),
        ('S', '5'),
        ('5', 'S'),
        ('l', '1'),
        ('1', 'l'),
        ('I', '1'),
        ('B', '8'),
        ('8', 'B'),
        ('Z', '2'),
        ('2', 'Z'),
        ('G', '6'),
        ('e', 'c'),
        ('m', 'n'),
    ];
    let at: Vec<(usize, char)> = (chars.iter().enumerate())
        .filter_map(|(i, c)| PAIRS.iter().find(|p| p.0 == *c).map(|p| (i, p.1)))
        .collect();
    let &(i, to) = at.get(d.below(at.len().max(1)))?;
    let mut v = chars.to_vec();
    v[i] = to;
    Some(v.into_iter().collect())
}

/// The text's UTF-8 bytes read as Windows-1252 (bytes that code page leaves undefined are
/// kept as the Latin-1 control character of the same number, as most decoders do). `None`
/// for ASCII text, which reads the same.
pub fn mojibake(s: &str) -> Option<String> {
    if s.is_ascii() {
        return None;
    }
    Some(s.bytes().map(cp1252).collect())
}

/// The character Windows-1252 gives byte `b`.
fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[(b - 0x80) as usize],
        _ => char::from(b),
    }
}

/// Common English nicknames of given names (pseudopeople and Splink use lists like this).
const NICKNAMES: &[(&str, &str)] = &[
    ("Alexander", "Alex"),
    ("Andrew", "Andy"),
    ("Anthony", "Tony"),
    ("Benjamin", "Ben"),
    ("Catherine", "Kate"),
    ("Charles", "Charlie"),
    ("Christopher", "Chris"),
    ("Daniel", "Dan"),
    ("David", "Dave"),
    ("Deborah", "Debbie"),
    ("Edward", "Ed"),
    ("Elizabeth", "Liz"),
    ("Jennifer", "Jen"),
    ("James", "Jim"),
    ("Jessica", "Jess"),
    ("John", "Jack"),
    ("Joseph", "Joe"),
    ("Joshua", "Josh"),
    ("Katherine", "Kathy"),
    ("Kimberly", "Kim"),
    ("Margaret", "Maggie"),
    ("Matthew", "Matt"),
    ("Michael", "Mike"),
    ("Nicholas", "Nick"),
    ("Patricia", "Pat"),
    ("Patrick", "Pat"),
    ("Rebecca", "Becky"),
    ("Richard", "Rick"),
    ("Robert", "Bob"),
    ("Samantha", "Sam"),
    ("Samuel", "Sam"),
    ("Stephen", "Steve"),
    ("Steven", "Steve"),
    ("Susan", "Sue"),
    ("Thomas", "Tom"),
    ("Timothy", "Tim"),
    ("Victoria", "Vicky"),
    ("William", "Bill"),
];

/// The nickname of a given name (the first word of `s`, case kept as written), if it has one.
fn nickname(s: &str) -> Option<String> {
    let (first, rest) = s.split_once(' ').unwrap_or((s, ""));
    let nick = NICKNAMES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(first))?
        .1;
    let nick = if first.chars().all(|c| !c.is_lowercase()) {
        nick.to_uppercase()
    } else {
        nick.to_string()
    };
    Some(if rest.is_empty() {
        nick
    } else {
        format!("{nick} {rest}")
    })
}

/// One sound-alike spelling change (`ph` → `f`, `C` → `K`, `y` → `ie` …), if one applies.
fn phonetic(s: &str, d: &mut Draws) -> Option<String> {
    const RULES: &[(&str, &str)] = &[
        ("ph", "f"),
        ("Ph", "F"),
        ("ck", "k"),
        ("Ca", "Ka"),
        ("Ka", "Ca"),
        ("Co", "Ko"),
        ("th", "t"),
        ("ie", "y"),
        ("ey", "y"),
        ("ll", "l"),
        ("nn", "n"),
        ("mm", "m"),
        ("ss", "s"),
        ("tt", "t"),
        ("ee", "ea"),
        ("ai", "ay"),
        ("ou", "ow"),
        ("x", "ks"),
    ];
    let at: Vec<(usize, &(&str, &str))> = RULES
        .iter()
        .flat_map(|r| s.match_indices(r.0).map(move |(i, _)| (i, r)))
        .collect();
    let &(i, (from, to)) = at.get(d.below(at.len().max(1)))?;
    Some(format!("{}{to}{}", &s[..i], &s[i + from.len()..]))
}

/// The digits of a phone number in another layout: national digits only, dotted, dashed,
/// with the area code in parentheses, or international with spaces. `None` for text with
/// fewer than 7 digits.
fn phone_format(s: &str, d: &mut Draws) -> Option<String> {
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 7 {
        return None;
    }
    // A leading country code 1 on an 11-digit number is kept apart.
    let (cc, n) = match digits.len() {
        11 if digits.starts_with('1') => ("1", &digits[1..]),
        _ => ("", digits.as_str()),
    };
    let (a, b) = n.split_at(n.len().saturating_sub(7));
    let (p, q) = b.split_at(3);
    let intl = if cc.is_empty() {
        String::new()
    } else {
        format!("+{cc} ")
    };
    let out = match d.below(5) {
        0 => n.to_string(),
        1 if !a.is_empty() => format!("{a}.{p}.{q}"),
        2 if !a.is_empty() => format!("({a}) {p}-{q}"),
        3 if !a.is_empty() => format!("{intl}{a} {p} {q}"),
        _ => format!("{a}{}{p}-{q}", if a.is_empty() { "" } else { "-" }),
    };
    Some(out)
}

/// Street types, directions and unit words with their postal abbreviations.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("Street", "St"),
    ("Avenue", "Ave"),
    ("Road", "Rd"),
    ("Boulevard", "Blvd"),
    ("Drive", "Dr"),
    ("Lane", "Ln"),
    ("Court", "Ct"),
    ("Place", "Pl"),
    ("Square", "Sq"),
    ("Highway", "Hwy"),
    ("North", "N"),
    ("South", "S"),
    ("East", "E"),
    ("West", "W"),
    ("Apartment", "Apt"),
    ("Suite", "Ste"),
];

/// One address word abbreviated (or an abbreviation spelled out), sometimes with a period.
fn abbreviation(s: &str, d: &mut Draws) -> Option<String> {
    let words: Vec<&str> = s.split(' ').collect();
    let swaps: Vec<(usize, String)> = (words.iter().enumerate())
        .filter_map(|(i, w)| {
            let bare = w.trim_end_matches(['.', ',']);
            let tail = &w[bare.len()..];
            ABBREVIATIONS.iter().find_map(|(long, short)| {
                if bare.eq_ignore_ascii_case(long) {
                    Some((i, format!("{short}{tail}")))
                } else if bare.eq_ignore_ascii_case(short) {
                    Some((i, format!("{long}{}", tail.trim_start_matches('.'))))
                } else {
                    None
                }
            })
        })
        .collect();
    let (i, mut w) = swaps.get(d.below(swaps.len().max(1))).cloned()?;
    if w.len() <= 4 && !w.ends_with('.') && !w.ends_with(',') && d.below(2) == 0 {
        w.push('.');
    }
    let mut out = words.iter().map(|w| (*w).to_string()).collect::<Vec<_>>();
    out[i] = w;
    Some(out.join(" "))
}

/// Day and month exchanged in a date (days since 1970-01-01); `None` when the day is above
/// 12 or equals the month (the swap would be invalid or invisible).
pub fn swap_day_month(days: i32) -> Option<i32> {
    let (y, m, d) = civil_from_days(i64::from(days));
    if d > 12 || d == m {
        return None;
    }
    i32::try_from(days_from_civil(y, d, m)).ok()
}

/// A number in the wrong unit: × 100 (amounts in minor units) or ÷ 100.
pub fn wrong_unit(x: f64, key: u64) -> f64 {
    if Draws::new(key).below(4) == 0 {
        x / 100.0
    } else {
        x * 100.0
    }
}

/// A number far outside its range: × 10 or its sign flipped (zero becomes −1).
pub fn out_of_range(x: f64, key: u64) -> f64 {
    match (Draws::new(key).below(2), x == 0.0) {
        (_, true) => -1.0,
        (0, _) => x * 10.0,
        _ => -x,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_keys(kind: Defect, clean: &str) -> Vec<String> {
        (0..200u64)
            .filter_map(|k| corrupt_text(kind, clean, k))
            .collect()
    }

    #[test]
    fn names_round_trip() {
        for d in Defect::ALL {
            assert_eq!(Defect::from_name(d.name()), Some(d));
        }
        assert_eq!(Defect::from_name("typo"), None);
    }

    #[test]
    fn typos_are_one_keystroke() {
        for v in all_keys(Defect::TypoInsert, "Robert") {
            assert_eq!(v.chars().count(), 7, "{v}");
        }
        for v in all_keys(Defect::TypoDelete, "Robert") {
            assert_eq!(v.chars().count(), 5, "{v}");
        }
        for v in all_keys(Defect::TypoSubstitute, "Robert") {
            let diff = v
                .chars()
                .zip("Robert".chars())
                .filter(|(a, b)| a != b)
                .count();
            assert_eq!(diff, 1, "{v}");
        }
        let t = all_keys(Defect::TypoTranspose, "Robert");
        assert!(t.contains(&"Rboert".to_string()), "{t:?}");
        for v in &t {
            let mut a: Vec<char> = v.chars().collect();
            let mut b: Vec<char> = "Robert".chars().collect();
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b, "{v}");
        }
        assert_eq!(corrupt_text(Defect::TypoTranspose, "a", 1), None);
        assert_eq!(corrupt_text(Defect::TypoTranspose, "aa", 1), None);
    }

    #[test]
    fn the_same_key_gives_the_same_value() {
        for d in Defect::ALL.into_iter().filter(|d| d.on_text()) {
            assert_eq!(
                corrupt_text(d, "Catherine Müller", 42),
                corrupt_text(d, "Catherine Müller", 42)
            );
        }
    }

    #[test]
    fn text_kinds_change_or_refuse() {
        for d in Defect::ALL.into_iter().filter(|d| d.on_text()) {
            for k in 0..50 {
                if let Some(v) = corrupt_text(d, "Catherine Müller", k) {
                    assert_ne!(v, "Catherine Müller", "{d:?}");
                }
            }
        }
    }

    #[test]
    fn mojibake_reads_utf8_as_cp1252() {
        assert_eq!(mojibake("Müller").as_deref(), Some("MÃ¼ller"));
        assert_eq!(mojibake("café").as_deref(), Some("cafÃ©"));
        assert_eq!(mojibake("Smith"), None);
    }

    #[test]
    fn nicknames_and_sounds() {
        assert_eq!(
            corrupt_text(Defect::Nickname, "William Smith", 0).as_deref(),
            Some("Bill Smith")
        );
        assert_eq!(
            corrupt_text(Defect::Nickname, "WILLIAM", 0).as_deref(),
            Some("BILL")
        );
        assert_eq!(corrupt_text(Defect::Nickname, "Zed", 0), None);
        assert_eq!(
            corrupt_text(Defect::Phonetic, "Catherine", 3).map(|v| v.len() <= 10),
            Some(true)
        );
        assert_eq!(corrupt_text(Defect::Phonetic, "Q", 0), None);
    }

    #[test]
    fn day_month_swap_only_where_valid_and_visible() {
        let d = |y, m, dd| days_from_civil(y, m, dd) as i32;
        assert_eq!(swap_day_month(d(2024, 3, 7)), Some(d(2024, 7, 3)));
        assert_eq!(swap_day_month(d(2024, 3, 20)), None);
        assert_eq!(swap_day_month(d(2024, 5, 5)), None);
    }

    #[test]
    fn numbers_leave_their_range() {
        let v: Vec<f64> = (0..20).map(|k| wrong_unit(12.5, k)).collect();
        assert!(v.iter().all(|&x| x == 1250.0 || x == 0.125));
        assert!(v.contains(&1250.0));
        let o: Vec<f64> = (0..20).map(|k| out_of_range(34.0, k)).collect();
        assert!(o.iter().all(|&x| x == 340.0 || x == -34.0));
        assert_eq!(out_of_range(0.0, 1), -1.0);
    }

    #[test]
    fn phones_keep_their_digits() {
        let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
        let v = all_keys(Defect::PhoneFormat, "+1 415 555 0100");
        assert!(v.contains(&"(415) 555-0100".to_string()), "{v:?}");
        for x in &v {
            assert!(digits(x).ends_with("4155550100"), "{x}");
        }
        assert_eq!(corrupt_text(Defect::PhoneFormat, "12-34", 0), None);
    }

    #[test]
    fn addresses_abbreviate_both_ways() {
        let v = all_keys(Defect::Abbreviation, "12 North Main Street");
        assert!(v.contains(&"12 North Main St".to_string()), "{v:?}");
        assert!(v.contains(&"12 N Main Street".to_string()), "{v:?}");
        let back = all_keys(Defect::Abbreviation, "5 Oak Ave.");
        assert!(back.contains(&"5 Oak Avenue".to_string()), "{back:?}");
        assert_eq!(corrupt_text(Defect::Abbreviation, "Main", 0), None);
    }

    #[test]
    fn truncation_and_whitespace() {
        for v in all_keys(Defect::Truncation, "Alexandria") {
            assert!(
                "Alexandria".starts_with(&v) && v.len() >= 5 && v.len() < 10,
                "{v}"
            );
        }
        for v in all_keys(Defect::Whitespace, "Mary Ann") {
            assert_eq!(
                v.split_whitespace().collect::<Vec<_>>(),
                ["Mary", "Ann"],
                "{v}"
            );
        }
    }
}
