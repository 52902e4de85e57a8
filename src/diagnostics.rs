//! Diagnostics are data: an error code, a severity, a primary source span, a message and
//! optional help. Every stage collects them instead of stopping at the first problem; this
//! module also renders them rustc-style (header, `--> file:line:col`, the source line and a
//! caret under the offending span, then `= help:`), plain when the output is not a terminal.

use std::fmt::Write as _;

/// Index of a source file in a [`SourceMap`].
pub type FileId = u32;

/// A location in a source file. Lines and columns are 1-based and count characters, which is
/// what editors show; `len` is the width of the caret in characters (at least 1 when rendered).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub line: u32,
    pub col: u32,
    pub len: u32,
}

impl Span {
    pub fn new(file: FileId, line: u32, col: u32, len: u32) -> Span {
        Span {
            file,
            line,
            col,
            len,
        }
    }

    /// A sub-span `offset..offset+len` characters into this span (for expressions inside a
    /// YAML scalar). Stays on the span's line; good enough for single-line expressions.
    pub fn sub(self, offset: u32, len: u32) -> Span {
        Span {
            file: self.file,
            line: self.line,
            col: self.col + offset,
            len: len.max(1),
        }
    }
}

/// How bad a diagnostic is. Errors make `lab check` exit 1; warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in the specs.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub span: Option<Span>,
    pub message: String,
    pub help: Option<String>,
    /// Extra lines (e.g. a cycle path), printed as `= note:` lines.
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, span: Option<Span>, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            span,
            message: message.into(),
            help: None,
            notes: Vec::new(),
        }
    }

    pub fn warning(code: &'static str, span: Option<Span>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The source files a run has read, so diagnostics can print file names and source lines.
#[derive(Clone, Default, Debug)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

#[derive(Clone, Debug)]
struct SourceFile {
    name: String,
    text: String,
    /// Byte offset of the start of each line, so rendering a diagnostic does not scan the
    /// file (a file with many problems would otherwise take quadratic time).
    line_starts: Vec<usize>,
}

impl SourceMap {
    pub fn add(&mut self, name: impl Into<String>, text: String) -> FileId {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        self.files.push(SourceFile {
            name: name.into(),
            text,
            line_starts,
        });
        (self.files.len() - 1) as FileId
    }

    pub fn name(&self, id: FileId) -> &str {
        self.files
            .get(id as usize)
            .map_or("<unknown>", |f| f.name.as_str())
    }

    pub fn text(&self, id: FileId) -> &str {
        self.files.get(id as usize).map_or("", |f| f.text.as_str())
    }

    /// The text of 1-based line `line` of a file, without its line terminator.
    pub fn line(&self, id: FileId, line: u32) -> Option<&str> {
        let f = self.files.get(id as usize)?;
        let i = line.checked_sub(1)? as usize;
        let start = *f.line_starts.get(i)?;
        let end = f
            .line_starts
            .get(i + 1)
            .map_or(f.text.len(), |next| next - 1);
        let l = &f.text[start..end];
        Some(l.strip_suffix('\r').unwrap_or(l))
    }
}

/// Orders diagnostics by file, position, then code, so output never depends on the order in
/// which checks happened to run.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let ka = a.span.map(|s| (s.file, s.line, s.col));
        let kb = b.span.map(|s| (s.file, s.line, s.col));
        ka.cmp(&kb)
            .then(a.code.cmp(b.code))
            .then(a.message.cmp(&b.message))
    });
}

/// Renders one diagnostic. `color` adds ANSI colours (only used on a terminal).
pub fn render(diag: &Diagnostic, sources: &SourceMap, color: bool) -> String {
    let (bold, red, yellow, blue, reset) = if color {
        (
            "\x1b[1m",
            "\x1b[1;31m",
            "\x1b[1;33m",
            "\x1b[1;34m",
            "\x1b[0m",
        )
    } else {
        ("", "", "", "", "")
    };
    let (label, label_color) = match diag.severity {
        Severity::Error => ("error", red),
        Severity::Warning => ("warning", yellow),
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{label_color}{label}[{}]{reset}{bold}: {}{reset}",
        diag.code, diag.message
    );
    let mut pad = String::from(" ");
    if let Some(span) = diag.span {
        let line_no = span.line.to_string();
        pad = " ".repeat(line_no.len() + 1);
        let _ = writeln!(
            out,
            "{}{blue}-->{reset} {}:{}:{}",
            &pad[1..],
            sources.name(span.file),
            span.line,
            span.col
        );
        if let Some(src) = sources.line(span.file, span.line) {
            let src = src.replace('\t', " ");
            let width = src.chars().count() as u32;
            let start = span.col.saturating_sub(1).min(width);
            let len = span.len.max(1).min(width.saturating_sub(start).max(1));
            // A very long line (minified YAML) is shown as a window around the caret.
            let (src, start, len) = window(&src, start, len);
            let _ = writeln!(out, "{pad}{blue}|{reset}");
            let _ = writeln!(out, "{blue}{line_no} |{reset} {src}");
            let _ = writeln!(
                out,
                "{pad}{blue}|{reset} {}{label_color}{}{reset}",
                " ".repeat(start as usize),
                "^".repeat(len as usize)
            );
        }
    }
    for note in &diag.notes {
        let _ = writeln!(out, "{pad}{blue}={reset} {bold}note{reset}: {note}");
    }
    if let Some(help) = &diag.help {
        let _ = writeln!(out, "{pad}{blue}={reset} {bold}help{reset}: {help}");
    }
    out
}

/// Source lines longer than this many characters are cut to a window around the caret.
const MAX_SHOWN: u32 = 160;

/// The part of `src` to print and the caret's start and length within it: the whole line when
/// it is short, else at most [`MAX_SHOWN`] characters around the caret, with `…` at cut ends.
fn window(src: &str, start: u32, len: u32) -> (String, u32, u32) {
    let width = src.chars().count() as u32;
    if width <= MAX_SHOWN {
        return (src.to_string(), start, len);
    }
    let len = len.min(MAX_SHOWN / 2);
    let from = start.saturating_sub(MAX_SHOWN / 4);
    let to = (from + MAX_SHOWN).min(width);
    let mut shown: String = src
        .chars()
        .skip(from as usize)
        .take((to - from) as usize)
        .collect();
    let mut start = start - from;
    if from > 0 {
        shown.insert(0, '…');
        start += 1;
    }
    if to < width {
        shown.push('…');
    }
    (shown, start, len)
}

/// Renders every diagnostic followed by a one-line summary (`error: 2 errors, 1 warning`).
pub fn render_all(diags: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&render(d, sources, color));
        out.push('\n');
    }
    let n_err = diags.iter().filter(|d| d.is_error()).count();
    let n_warn = diags.len() - n_err;
    if n_err > 0 || n_warn > 0 {
        let _ = writeln!(out, "{}", summary(n_err, n_warn));
    }
    out
}

fn summary(n_err: usize, n_warn: usize) -> String {
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("{n} {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    match (n_err, n_warn) {
        (0, w) => format!("{} emitted", plural(w, "warning")),
        (e, 0) => format!("could not compile: {}", plural(e, "error")),
        (e, w) => format!(
            "could not compile: {}, {}",
            plural(e, "error"),
            plural(w, "warning")
        ),
    }
}

/// The closest candidate to `name` by edit distance, if it is close enough to be a likely
/// typo. Used for every "did you mean …?" help line.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(&str, usize)> = None;
    for c in candidates {
        let d = levenshtein(name, c);
        let limit = (name.chars().count().max(c.chars().count()) / 3).max(1);
        if d <= limit && best.is_none_or(|(_, bd)| d < bd) {
            best = Some((c, d));
        }
    }
    best.map(|(c, _)| c)
}

/// Edit distance where swapping two adjacent characters counts as one edit (optimal string
/// alignment), so the commonest typo, `grian` for `grain`, is one edit away.
fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 0..a.len() {
        cur[0] = i + 1;
        for j in 0..b.len() {
            let cost = usize::from(a[i] != b[j]);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            if i > 0 && j > 0 && a[i] == b[j - 1] && a[i - 1] == b[j] {
                cur[j + 1] = cur[j + 1].min(prev2[j - 1] + 1);
            }
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// "did you mean `x`?" help for an unknown name, or a list of what is valid.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> Option<String> {
    if let Some(s) = suggest(name, candidates.clone()) {
        return Some(format!("did you mean `{s}`?"));
    }
    let all: Vec<&str> = candidates.into_iter().collect();
    if all.is_empty() {
        None
    } else if all.len() <= 12 {
        Some(format!(
            "expected one of: {}",
            all.iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            suggest("custmer_id", ["customer_id", "order_id"]),
            Some("customer_id")
        );
        assert_eq!(suggest("zzz", ["customer_id", "order_id"]), None);
        assert_eq!(suggest("grian", ["grain", "rows"]), Some("grain"));
    }

    #[test]
    fn long_lines_are_windowed_around_the_caret() {
        let mut sm = SourceMap::default();
        let line = format!("{}bad{}", "x".repeat(1000), "y".repeat(1000));
        let f = sm.add("x.yaml", line);
        let d = Diagnostic::error("E0200", Some(Span::new(f, 1, 1001, 3)), "bad");
        let r = render(&d, &sm, false);
        let shown = r.lines().nth(3).unwrap();
        let caret = r.lines().nth(4).unwrap();
        assert!(shown.chars().count() < 200, "{r}");
        let at = |s: &str, pat: &str| s.find(pat).map(|b| s[..b].chars().count());
        assert_eq!(at(shown, "bad"), at(caret, "^^^"), "{r}");
    }

    #[test]
    fn lines_are_found_by_number() {
        let mut sm = SourceMap::default();
        let f = sm.add("x.yaml", "a\r\nbb\n\nccc".to_string());
        let lines: Vec<Option<&str>> = (0..6).map(|n| sm.line(f, n)).collect();
        assert_eq!(
            lines,
            [None, Some("a"), Some("bb"), Some(""), Some("ccc"), None]
        );
        let g = sm.add("empty.yaml", String::new());
        assert_eq!(sm.line(g, 1), Some(""));
        assert_eq!(sm.line(g, 2), None);
    }

    #[test]
    fn renders_caret_under_span() {
        let mut sm = SourceMap::default();
        let f = sm.add("specs/x.yaml", "a: 1\nbad_key: 2\n".to_string());
        let d = Diagnostic::error(
            "E0200",
            Some(Span::new(f, 2, 1, 7)),
            "unknown key `bad_key`",
        )
        .with_help("did you mean `b`?");
        let r = render(&d, &sm, false);
        assert!(r.contains("--> specs/x.yaml:2:1"), "{r}");
        assert!(r.contains("2 | bad_key: 2\n  | ^^^^^^^"), "{r}");
        assert!(r.contains("= help: did you mean `b`?"), "{r}");
    }
}
