//! The `key` generator: `sequence`, `child_index`, `{sequence: {start, step}}` and key formats
//! such as `C-{row:07}`.

use super::At;
use crate::codes;
use crate::diagnostics::{did_you_mean, suggest};
use crate::ir::*;
use crate::resolve::Resolver;
use crate::spec::ast::{self, Sp};

impl Resolver<'_> {
    /// `key`: a key computed from the row.
    pub(super) fn key_generator(&mut self, at: &At, k: &Sp<ast::KeySpec>) -> Option<Generator> {
        let integer = "an integer type";
        match &k.value {
            ast::KeySpec::Named(s) if s == "sequence" => {
                if !at.ty.is_integer() {
                    return self.bad_type(at, "key", k.span, integer);
                }
                Some(Generator::Sequence { start: 1, step: 1 })
            }
            ast::KeySpec::Named(s) if s == "child_index" => {
                if !at.ty.is_integer() {
                    return self.bad_type(at, "key", k.span, integer);
                }
                if self.entities[at.eid].parent().is_none() {
                    return self.refuse(
                        codes::BAD_PARENT,
                        k.span,
                        "`child_index` needs rows generated `per` a parent",
                        Some("use `key: sequence` for a row number".into()),
                    );
                }
                Some(Generator::ChildIndex)
            }
            ast::KeySpec::Named(fmt)
                if !fmt.contains(['{', '}'])
                    && suggest(fmt, ["sequence", "child_index"]).is_some() =>
            {
                self.refuse(
                    codes::INVALID_VALUE,
                    k.span,
                    format!("unknown key generator `{fmt}`"),
                    did_you_mean(fmt, ["sequence", "child_index"]),
                )
            }
            ast::KeySpec::Named(fmt) => {
                if !at.ty.is_string() {
                    let want = "a string type (or use `key: sequence` for integers)";
                    return self.bad_type(at, "key", k.span, want);
                }
                match parse_format(fmt) {
                    Ok(parts) => Some(Generator::Format(parts)),
                    Err(msg) => {
                        let help = "a key format holds `{row}` or `{row:07}` (zero-padded), e.g. `C-{row:07}`; or use `sequence` / `child_index`".to_string();
                        self.refuse(codes::BAD_FORMAT, k.span, msg, Some(help))
                    }
                }
            }
            ast::KeySpec::Sequence(ast::SequenceKey { sequence }) => {
                if !at.ty.is_integer() {
                    return self.bad_type(at, "key", k.span, integer);
                }
                let step = sequence.step.unwrap_or(1);
                if step == 0 {
                    return self.refuse(
                        codes::BAD_DIST,
                        k.span,
                        "sequence step must not be 0",
                        None,
                    );
                }
                Some(Generator::Sequence {
                    start: sequence.start.unwrap_or(1),
                    step,
                })
            }
        }
    }
}

/// Parses a key format such as `C-{row:07}` into parts.
pub fn parse_format(fmt: &str) -> Result<Vec<FormatPart>, String> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut rest = fmt;
    let mut has_row = false;
    while let Some(i) = rest.find(['{', '}']) {
        lit.push_str(&rest[..i]);
        if rest[i..].starts_with('}') {
            return Err(format!("unmatched `}}` in key format `{fmt}`"));
        }
        let Some(j) = rest[i..].find('}') else {
            return Err(format!("unclosed `{{` in key format `{fmt}`"));
        };
        let inner = &rest[i + 1..i + j];
        let width = match inner {
            "row" => 0,
            _ => match inner.strip_prefix("row:") {
                Some(w) if w.starts_with('0') && w.len() >= 2 => w[1..]
                    .parse::<usize>()
                    .ok()
                    .filter(|w| *w <= 20)
                    .ok_or(format!("bad width `{w}` in `{{{inner}}}`"))?,
                Some(w) => w
                    .parse::<usize>()
                    .ok()
                    .filter(|w| *w <= 20)
                    .ok_or(format!("bad width `{w}` in `{{{inner}}}`"))?,
                None => {
                    return Err(format!(
                        "unknown placeholder `{{{inner}}}` in key format `{fmt}`"
                    ));
                }
            },
        };
        if !lit.is_empty() {
            parts.push(FormatPart::Lit(std::mem::take(&mut lit)));
        }
        parts.push(FormatPart::Row { width });
        has_row = true;
        rest = &rest[i + j + 1..];
    }
    lit.push_str(rest);
    if !lit.is_empty() {
        parts.push(FormatPart::Lit(lit));
    }
    if !has_row {
        return Err(format!(
            "key format `{fmt}` has no `{{row}}` placeholder, so every row would get the same key"
        ));
    }
    Ok(parts)
}
