//! Expression text → typed [`Expr`]. A small tokenizer and precedence-climbing parser produce
//! an untyped tree with character offsets; the checker then resolves every name through a
//! [`Scope`] (the resolver knows the entity, its parent and its foreign keys) and computes
//! types, reporting operand mismatches at the operator.

use crate::codes;
use crate::diagnostics::{Diagnostic, Span, did_you_mean};
use crate::ir::expr::{BinOp, Builtin, ColRef, Expr, ExprKind, Func, UnOp};
use crate::ir::{Type, Value};

/// Expressions longer than this are refused (keeps parsing bounded for any input).
pub const MAX_LEN: usize = 4096;
const MAX_DEPTH: usize = 64;
/// Deepest parse tree accepted. Operator chains (`a + b + c …`) are parsed by loops but build
/// a tree as deep as the chain is long; every later pass over the tree recurses, so its depth
/// is bounded too.
const MAX_TREE_DEPTH: usize = 128;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Int(i64),
    Num(String),
    Str(String),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
    Eof,
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    start: u32,
    len: u32,
}

fn tokenize(src: &str) -> Result<Vec<Token>, (u32, u32, String)> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i as u32;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let mut j = i;
            while j < chars.len()
                && (chars[j].is_ascii_alphanumeric() || chars[j] == '_' || chars[j] == '.')
            {
                j += 1;
            }
            out.push(Token {
                tok: Tok::Ident(chars[i..j].iter().collect()),
                start,
                len: (j - i) as u32,
            });
            i = j;
            continue;
        }
        if c.is_ascii_digit() {
            let mut j = i;
            let mut dot = false;
            while j < chars.len() && (chars[j].is_ascii_digit() || (chars[j] == '.' && !dot)) {
                dot |= chars[j] == '.';
                j += 1;
            }
            let text: String = chars[i..j].iter().collect();
            let tok = if dot {
                Tok::Num(text)
            } else {
                match text.parse::<i64>() {
                    Ok(v) => Tok::Int(v),
                    Err(_) => {
                        return Err((start, (j - i) as u32, "integer literal is too large".into()));
                    }
                }
            };
            out.push(Token {
                tok,
                start,
                len: (j - i) as u32,
            });
            i = j;
            continue;
        }
        if c == '\'' {
            let mut j = i + 1;
            let mut s = String::new();
            loop {
                if j >= chars.len() {
                    return Err((start, 1, "unterminated string literal".into()));
                }
                if chars[j] == '\'' {
                    if j + 1 < chars.len() && chars[j + 1] == '\'' {
                        s.push('\'');
                        j += 2;
                        continue;
                    }
                    break;
                }
                s.push(chars[j]);
                j += 1;
            }
            out.push(Token {
                tok: Tok::Str(s),
                start,
                len: (j + 1 - i) as u32,
            });
            i = j + 1;
            continue;
        }
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let op2 = ["||", "<=", ">=", "!=", "<>", "=="]
            .into_iter()
            .find(|o| *o == two);
        if let Some(op) = op2 {
            let op = match op {
                "<>" => "!=",
                "==" => "=",
                o => o,
            };
            out.push(Token {
                tok: Tok::Op(op),
                start,
                len: 2,
            });
            i += 2;
            continue;
        }
        let tok = match c {
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            ',' => Tok::Comma,
            '+' => Tok::Op("+"),
            '-' => Tok::Op("-"),
            '*' => Tok::Op("*"),
            '/' => Tok::Op("/"),
            '%' => Tok::Op("%"),
            '<' => Tok::Op("<"),
            '>' => Tok::Op(">"),
            '=' => Tok::Op("="),
            _ => return Err((start, 1, format!("unexpected character `{c}`"))),
        };
        out.push(Token { tok, start, len: 1 });
        i += 1;
    }
    out.push(Token {
        tok: Tok::Eof,
        start: chars.len() as u32,
        len: 1,
    });
    Ok(out)
}

/// Untyped parse tree; positions are character offsets into the expression text.
#[derive(Clone, Debug)]
pub enum PExpr {
    Lit(Value, u32, u32),
    Name(String, u32, u32),
    Unary(UnOp, Box<PExpr>, u32),
    Binary(BinOp, Box<PExpr>, Box<PExpr>, u32, u32),
    Call(String, Vec<PExpr>, u32, u32),
    Case(Vec<(PExpr, PExpr)>, Option<Box<PExpr>>, u32),
    IsNull(Box<PExpr>, bool, u32),
    In(Box<PExpr>, Vec<PExpr>, bool, u32),
}

impl PExpr {
    fn pos(&self) -> (u32, u32) {
        match self {
            PExpr::Lit(_, s, l) | PExpr::Name(_, s, l) | PExpr::Call(_, _, s, l) => (*s, *l),
            PExpr::Binary(_, _, _, s, l) => (*s, *l),
            PExpr::Unary(_, _, s)
            | PExpr::Case(_, _, s)
            | PExpr::IsNull(_, _, s)
            | PExpr::In(_, _, _, s) => (*s, 1),
        }
    }
}

struct Parser {
    toks: Vec<Token>,
    i: usize,
    depth: usize,
}

type PResult<T> = Result<T, (u32, u32, String)>;

impl Parser {
    fn peek(&self) -> &Token {
        &self.toks[self.i.min(self.toks.len() - 1)]
    }
    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        self.i += 1;
        t
    }
    fn is_kw(&self, kw: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }
    fn expect_kw(&mut self, kw: &str) -> PResult<()> {
        if self.is_kw(kw) {
            self.i += 1;
            Ok(())
        } else {
            let t = self.peek();
            Err((t.start, t.len, format!("expected `{kw}`")))
        }
    }
    fn expect(&mut self, tok: Tok, what: &str) -> PResult<()> {
        let t = self.peek().clone();
        if t.tok == tok {
            self.i += 1;
            Ok(())
        } else {
            Err((t.start, t.len, format!("expected {what}")))
        }
    }

    fn expr(&mut self) -> PResult<PExpr> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let t = self.peek();
            return Err((t.start, t.len, "expression is nested too deeply".into()));
        }
        let r = self.or();
        self.depth -= 1;
        r
    }

    fn or(&mut self) -> PResult<PExpr> {
        let mut l = self.and()?;
        while self.is_kw("or") {
            let t = self.next();
            let r = self.and()?;
            l = PExpr::Binary(BinOp::Or, Box::new(l), Box::new(r), t.start, t.len);
        }
        Ok(l)
    }
    fn and(&mut self) -> PResult<PExpr> {
        let mut l = self.not()?;
        while self.is_kw("and") {
            let t = self.next();
            let r = self.not()?;
            l = PExpr::Binary(BinOp::And, Box::new(l), Box::new(r), t.start, t.len);
        }
        Ok(l)
    }
    fn not(&mut self) -> PResult<PExpr> {
        if self.is_kw("not") {
            let t = self.next();
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err((t.start, t.len, "expression is nested too deeply".into()));
            }
            let e = self.not()?;
            self.depth -= 1;
            return Ok(PExpr::Unary(UnOp::Not, Box::new(e), t.start));
        }
        self.cmp()
    }
    fn cmp(&mut self) -> PResult<PExpr> {
        let l = self.concat()?;
        let t = self.peek().clone();
        let op = match &t.tok {
            Tok::Op("=") => Some(BinOp::Eq),
            Tok::Op("!=") => Some(BinOp::Ne),
            Tok::Op("<") => Some(BinOp::Lt),
            Tok::Op("<=") => Some(BinOp::Le),
            Tok::Op(">") => Some(BinOp::Gt),
            Tok::Op(">=") => Some(BinOp::Ge),
            _ => None,
        };
        if let Some(op) = op {
            self.i += 1;
            let r = self.concat()?;
            return Ok(PExpr::Binary(op, Box::new(l), Box::new(r), t.start, t.len));
        }
        if self.is_kw("is") {
            self.i += 1;
            let negated = self.is_kw("not");
            if negated {
                self.i += 1;
            }
            self.expect_kw("null")?;
            return Ok(PExpr::IsNull(Box::new(l), negated, t.start));
        }
        let negated = self.is_kw("not")
            && matches!(&self.toks.get(self.i + 1).map(|t| &t.tok), Some(Tok::Ident(s)) if s.eq_ignore_ascii_case("in"));
        if negated {
            self.i += 1;
        }
        if self.is_kw("in") {
            self.i += 1;
            self.expect(Tok::LParen, "`(` after `in`")?;
            let mut list = vec![self.expr()?];
            while self.peek().tok == Tok::Comma {
                self.i += 1;
                list.push(self.expr()?);
            }
            self.expect(Tok::RParen, "`)`")?;
            return Ok(PExpr::In(Box::new(l), list, negated, t.start));
        }
        Ok(l)
    }
    fn concat(&mut self) -> PResult<PExpr> {
        let mut l = self.add()?;
        while self.peek().tok == Tok::Op("||") {
            let t = self.next();
            let r = self.add()?;
            l = PExpr::Binary(BinOp::Concat, Box::new(l), Box::new(r), t.start, t.len);
        }
        Ok(l)
    }
    fn add(&mut self) -> PResult<PExpr> {
        let mut l = self.mul()?;
        loop {
            let t = self.peek().clone();
            let op = match t.tok {
                Tok::Op("+") => BinOp::Add,
                Tok::Op("-") => BinOp::Sub,
                _ => return Ok(l),
            };
            self.i += 1;
            let r = self.mul()?;
            l = PExpr::Binary(op, Box::new(l), Box::new(r), t.start, t.len);
        }
    }
    fn mul(&mut self) -> PResult<PExpr> {
        let mut l = self.unary()?;
        loop {
            let t = self.peek().clone();
            let op = match t.tok {
                Tok::Op("*") => BinOp::Mul,
                Tok::Op("/") => BinOp::Div,
                Tok::Op("%") => BinOp::Rem,
                _ => return Ok(l),
            };
            self.i += 1;
            let r = self.unary()?;
            l = PExpr::Binary(op, Box::new(l), Box::new(r), t.start, t.len);
        }
    }
    fn unary(&mut self) -> PResult<PExpr> {
        if self.peek().tok == Tok::Op("-") {
            let t = self.next();
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err((t.start, t.len, "expression is nested too deeply".into()));
            }
            let e = self.unary()?;
            self.depth -= 1;
            return Ok(PExpr::Unary(UnOp::Neg, Box::new(e), t.start));
        }
        self.primary()
    }
    fn primary(&mut self) -> PResult<PExpr> {
        let t = self.next();
        match t.tok {
            Tok::Int(v) => Ok(PExpr::Lit(Value::Int(v), t.start, t.len)),
            Tok::Num(s) => {
                let fraction = s.split('.').nth(1).unwrap_or("");
                // A decimal keeps 18 digits after the point: more would be rounded away
                // silently (`0.0000000000000000000001` would become 0).
                if fraction.len() > 18 && fraction[18..].bytes().any(|b| b != b'0') {
                    return Err((
                        t.start,
                        t.len,
                        format!(
                            "`{s}` has more than 18 digits after the point, which a number literal cannot keep; compute it instead (e.g. `1.5 / 1000000`)"
                        ),
                    ));
                }
                let scale = fraction.len().min(18) as u8;
                let v = crate::ir::value::parse_decimal(&s, 38, scale)
                    .map_err(|e| (t.start, t.len, e))?;
                Ok(PExpr::Lit(Value::Decimal(v, scale), t.start, t.len))
            }
            Tok::Str(s) => Ok(PExpr::Lit(Value::Str(s), t.start, t.len)),
            Tok::LParen => {
                let e = self.expr()?;
                self.expect(Tok::RParen, "`)`")?;
                Ok(e)
            }
            Tok::Ident(name) => {
                let lower = name.to_ascii_lowercase();
                match lower.as_str() {
                    "true" => return Ok(PExpr::Lit(Value::Bool(true), t.start, t.len)),
                    "false" => return Ok(PExpr::Lit(Value::Bool(false), t.start, t.len)),
                    "null" => return Ok(PExpr::Lit(Value::Null, t.start, t.len)),
                    "case" => return self.case(t.start),
                    "date" | "timestamp" if matches!(self.peek().tok, Tok::Str(_)) => {
                        let s = self.next();
                        let Tok::Str(text) = s.tok else {
                            return Err((s.start, s.len, "expected a quoted literal".into()));
                        };
                        let ty = if lower == "date" {
                            Type::Date
                        } else {
                            Type::Timestamp
                        };
                        let v = Value::parse(&text, ty).map_err(|e| (s.start, s.len, e))?;
                        return Ok(PExpr::Lit(v, t.start, s.start + s.len - t.start));
                    }
                    _ => {}
                }
                if self.peek().tok == Tok::LParen {
                    self.i += 1;
                    let mut args = Vec::new();
                    if self.peek().tok != Tok::RParen {
                        args.push(self.expr()?);
                        while self.peek().tok == Tok::Comma {
                            self.i += 1;
                            args.push(self.expr()?);
                        }
                    }
                    self.expect(Tok::RParen, "`)` or `,` in the argument list")?;
                    return Ok(PExpr::Call(lower, args, t.start, t.len));
                }
                Ok(PExpr::Name(name, t.start, t.len))
            }
            Tok::Eof => Err((t.start, 1, "expression ends early: expected a value".into())),
            other => Err((
                t.start,
                t.len,
                format!("expected a value, found {}", describe(&other)),
            )),
        }
    }
    fn case(&mut self, start: u32) -> PResult<PExpr> {
        let mut whens = Vec::new();
        // The simple form `case x when v then …` compares `x` with each `v` (`x` is evaluated
        // per branch, so a `random()` in it draws anew each time).
        let subject = if self.is_kw("when") {
            None
        } else {
            Some(self.expr()?)
        };
        while self.is_kw("when") {
            let (wo, wl) = (self.peek().start, self.peek().len);
            self.i += 1;
            let c = self.expr()?;
            let c = match &subject {
                Some(x) => PExpr::Binary(BinOp::Eq, Box::new(x.clone()), Box::new(c), wo, wl),
                None => c,
            };
            self.expect_kw("then")?;
            let v = self.expr()?;
            whens.push((c, v));
        }
        if whens.is_empty() {
            let t = self.peek();
            return Err((
                t.start,
                t.len,
                "`case` needs at least one `when … then …`".into(),
            ));
        }
        let otherwise = if self.is_kw("else") {
            self.i += 1;
            Some(Box::new(self.expr()?))
        } else {
            None
        };
        self.expect_kw("end")?;
        Ok(PExpr::Case(whens, otherwise, start))
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => format!("`{s}`"),
        Tok::Int(v) => format!("`{v}`"),
        Tok::Num(s) => format!("`{s}`"),
        Tok::Str(_) => "a string".into(),
        Tok::Op(o) => format!("`{o}`"),
        Tok::LParen => "`(`".into(),
        Tok::RParen => "`)`".into(),
        Tok::Comma => "`,`".into(),
        Tok::Eof => "the end".into(),
    }
}

/// Parses expression text. Errors carry (offset, length, message) in characters.
pub fn parse(src: &str) -> Result<PExpr, (u32, u32, String)> {
    if src.len() > MAX_LEN {
        return Err((0, 1, format!("expression is longer than {MAX_LEN} bytes")));
    }
    let toks = tokenize(src)?;
    let mut p = Parser {
        toks,
        i: 0,
        depth: 0,
    };
    let e = p.expr()?;
    let t = p.peek().clone();
    if t.tok != Tok::Eof {
        return Err((
            t.start,
            t.len,
            format!(
                "unexpected {} after the end of the expression",
                describe(&t.tok)
            ),
        ));
    }
    if deeper_than(&e, MAX_TREE_DEPTH) {
        let (start, len) = e.pos();
        return Err((
            start,
            len,
            format!(
                "expression is nested too deeply (more than {MAX_TREE_DEPTH} levels of operators)"
            ),
        ));
    }
    Ok(e)
}

/// Whether the tree is deeper than `limit`; recurses at most `limit` levels.
fn deeper_than(e: &PExpr, limit: usize) -> bool {
    if limit == 0 {
        return true;
    }
    let l = limit - 1;
    match e {
        PExpr::Lit(..) | PExpr::Name(..) => false,
        PExpr::Unary(_, x, _) | PExpr::IsNull(x, _, _) => deeper_than(x, l),
        PExpr::Binary(_, a, b, _, _) => deeper_than(a, l) || deeper_than(b, l),
        PExpr::Call(_, args, _, _) => args.iter().any(|a| deeper_than(a, l)),
        PExpr::Case(whens, otherwise, _) => {
            whens
                .iter()
                .any(|(c, v)| deeper_than(c, l) || deeper_than(v, l))
                || otherwise.as_ref().is_some_and(|o| deeper_than(o, l))
        }
        PExpr::In(x, list, _, _) => deeper_than(x, l) || list.iter().any(|a| deeper_than(a, l)),
    }
}

/// Name resolution for the checker.
pub trait Scope {
    /// Resolves a (possibly dotted) attribute name to a column and its type.
    fn column(&self, name: &str, span: Span) -> Result<(ColRef, Type), Diagnostic>;
    /// Like `column`, but a name reached through several `union` members gives one column
    /// per member; an expression takes the first that has a row (`coalesce`).
    fn columns(&self, name: &str, span: Span) -> Result<Vec<(ColRef, Type)>, Diagnostic> {
        self.column(name, span).map(|c| vec![c])
    }
    /// Whether a built-in (`row`, `child_index`, `level`) is available here; the error says why not.
    fn builtin(&self, b: Builtin, span: Span) -> Result<(), Diagnostic>;
}

/// Parses and type-checks `src`, located at `span` (the start of the expression text).
pub fn check(
    src: &str,
    span: Span,
    scope: &dyn Scope,
    diags: &mut Vec<Diagnostic>,
) -> Option<Expr> {
    match parse(src) {
        Ok(p) => {
            let mut c = Checker { span, scope, diags };
            c.check(&p)
        }
        Err((off, len, msg)) => {
            diags.push(
                Diagnostic::error(codes::EXPR_SYNTAX, Some(span.sub(off, len)), format!("expression syntax: {msg}"))
                    .with_help("expressions use SQL-like syntax: `quantity * unit_price`, `lower(a) || '@' || b`, `case when … then … end`"),
            );
            None
        }
    }
}

struct Checker<'a> {
    span: Span,
    scope: &'a dyn Scope,
    diags: &'a mut Vec<Diagnostic>,
}

/// The common type of several branch values (case, if, coalesce, least, greatest).
pub fn unify(a: Type, b: Type) -> Option<Type> {
    use Type::*;
    Some(match (a, b) {
        (x, y) if x == y => x,
        (Null, x) | (x, Null) => x,
        (String(_), String(_)) => String(None),
        (Date, Timestamp) | (Timestamp, Date) => Timestamp,
        (Float64, y) | (y, Float64) if y.is_numeric() => Float64,
        (Decimal(p1, s1), Decimal(p2, s2)) => Decimal(p1.max(p2), s1.max(s2)),
        (Decimal(p, s), y) | (y, Decimal(p, s)) if y.is_integer() => Decimal(38.min(p.max(19)), s),
        (x, y) if x.is_integer() && y.is_integer() => Int64,
        _ => return None,
    })
}

impl Checker<'_> {
    fn at(&self, off: u32, len: u32) -> Span {
        self.span.sub(off, len)
    }

    fn type_err(&mut self, off: u32, len: u32, msg: String, help: &str) -> Option<Expr> {
        self.diags.push(
            Diagnostic::error(codes::EXPR_TYPE, Some(self.at(off, len)), msg)
                .with_help(help.to_string()),
        );
        None
    }

    fn check(&mut self, p: &PExpr) -> Option<Expr> {
        let (off, len) = p.pos();
        let span = self.at(off, len);
        match p {
            PExpr::Lit(v, _, _) => Some(Expr {
                kind: ExprKind::Lit(v.clone()),
                ty: lit_type(v),
                span,
            }),
            PExpr::Name(name, _, _) => self.name(name, span),
            PExpr::Unary(op, e, _) => self.unary(*op, e, off, span),
            PExpr::Binary(op, a, b, o, l) => {
                let a = self.check(a);
                let b = self.check(b);
                let (a, b) = (a?, b?);
                let Some(ty) = binary_type(*op, a.ty, b.ty) else {
                    return self.type_err(
                        *o,
                        *l,
                        format!("cannot apply `{}` to {} and {}", op.symbol(), a.ty, b.ty),
                        binary_help(*op),
                    );
                };
                Some(Expr {
                    kind: ExprKind::Binary(*op, Box::new(a), Box::new(b)),
                    ty,
                    span,
                })
            }
            PExpr::IsNull(e, negated, _) => {
                let e = self.check(e)?;
                Some(Expr {
                    kind: ExprKind::IsNull {
                        expr: Box::new(e),
                        negated: *negated,
                    },
                    ty: Type::Bool,
                    span,
                })
            }
            PExpr::In(e, list, negated, _) => self.in_list(e, list, *negated, span),
            PExpr::Case(whens, otherwise, _) => self.case(whens, otherwise.as_deref(), span),
            PExpr::Call(name, args, o, l) => self.call(name, args, *o, *l, span),
        }
    }

    /// A name: a built-in (`row`, `child_index`, …) or a column (several columns, one per
    /// `union` member's path, are coalesced).
    fn name(&mut self, name: &str, span: Span) -> Option<Expr> {
        let builtin = match name {
            "row" => Some(Builtin::Row),
            "child_index" => Some(Builtin::ChildIndex),
            "level" => Some(Builtin::Level),
            "union_index" => Some(Builtin::UnionIndex),
            // An attribute of the row named `scale` keeps its name: the built-in gives way.
            "scale" if self.scope.columns(name, span).is_err() => Some(Builtin::Scale),
            _ => None,
        };
        if let Some(b) = builtin {
            return match self.scope.builtin(b, span) {
                Ok(()) => Some(Expr {
                    kind: ExprKind::Builtin(b),
                    ty: b.ty(),
                    span,
                }),
                Err(d) => {
                    self.diags.push(d);
                    None
                }
            };
        }
        let cols = match self.scope.columns(name, span) {
            Ok(cols) => cols,
            Err(d) => {
                self.diags.push(d);
                return None;
            }
        };
        let mut exprs: Vec<Expr> = cols
            .into_iter()
            .map(|(c, ty)| Expr {
                kind: ExprKind::Col(c),
                ty,
                span,
            })
            .collect();
        match exprs.len() {
            0 | 1 => exprs.pop(),
            _ => Some(Expr {
                ty: exprs[0].ty,
                kind: ExprKind::Call(Func::Coalesce, exprs),
                span,
            }),
        }
    }

    fn unary(&mut self, op: UnOp, e: &PExpr, off: u32, span: Span) -> Option<Expr> {
        let e = self.check(e)?;
        let ok = match op {
            UnOp::Neg => e.ty.is_numeric() || e.ty == Type::Interval || e.ty == Type::Null,
            UnOp::Not => e.ty == Type::Bool || e.ty == Type::Null,
        };
        if !ok {
            let (sym, want) = if op == UnOp::Neg {
                ("-", "a number")
            } else {
                ("not", "a bool")
            };
            return self.type_err(
                off,
                1,
                format!("`{sym}` needs {want}, found {}", e.ty),
                "check the operand's type",
            );
        }
        let ty = if op == UnOp::Not {
            Type::Bool
        } else if e.ty.is_integer() {
            Type::Int64
        } else {
            e.ty
        };
        Some(Expr {
            kind: ExprKind::Unary(op, Box::new(e)),
            ty,
            span,
        })
    }

    /// `x in (a, b, …)`: every listed value comparable with `x`.
    fn in_list(&mut self, e: &PExpr, list: &[PExpr], negated: bool, span: Span) -> Option<Expr> {
        let e = self.check(e);
        let list: Vec<Option<Expr>> = list.iter().map(|x| self.check(x)).collect();
        let e = e?;
        let list: Vec<Expr> = list.into_iter().collect::<Option<_>>()?;
        for x in &list {
            if binary_type(BinOp::Eq, e.ty, x.ty).is_none() {
                return self.type_err(
                    x.span.col.saturating_sub(self.span.col),
                    x.span.len,
                    format!(
                        "`in` list value of type {} cannot be compared with {}",
                        x.ty, e.ty
                    ),
                    "every value in the list must have the same kind of type as the tested value",
                );
            }
        }
        Some(Expr {
            kind: ExprKind::In {
                expr: Box::new(e),
                list,
                negated,
            },
            ty: Type::Bool,
            span,
        })
    }

    /// `case when … then … [else …] end`: bool conditions, branches of one kind of type.
    fn case(
        &mut self,
        whens: &[(PExpr, PExpr)],
        otherwise: Option<&PExpr>,
        span: Span,
    ) -> Option<Expr> {
        let mut out = Vec::new();
        let mut ty = Type::Null;
        let mut ok = true;
        for (c, v) in whens {
            let c = self.check(c);
            let v = self.check(v);
            let (Some(c), Some(v)) = (c, v) else {
                ok = false;
                continue;
            };
            if c.ty != Type::Bool && c.ty != Type::Null {
                self.type_err(
                    c.span.col.saturating_sub(self.span.col),
                    c.span.len,
                    format!("`when` condition must be bool, found {}", c.ty),
                    "compare with `=`, `<` …",
                );
                ok = false;
            }
            match unify(ty, v.ty) {
                Some(t) => ty = t,
                None => {
                    self.type_err(
                        v.span.col.saturating_sub(self.span.col),
                        v.span.len,
                        format!("`case` branches have different types: {ty} and {}", v.ty),
                        "make every branch the same kind of type",
                    );
                    ok = false;
                }
            }
            out.push((c, v));
        }
        let otherwise = match otherwise {
            Some(o) => {
                let o = self.check(o)?;
                match unify(ty, o.ty) {
                    Some(t) => ty = t,
                    None => {
                        return self.type_err(
                            o.span.col.saturating_sub(self.span.col),
                            o.span.len,
                            format!("`else` has type {}, other branches {ty}", o.ty),
                            "make every branch the same kind of type",
                        );
                    }
                }
                Some(Box::new(o))
            }
            None => None,
        };
        if !ok {
            return None;
        }
        Some(Expr {
            kind: ExprKind::Case {
                whens: out,
                otherwise,
            },
            ty,
            span,
        })
    }

    fn call(&mut self, name: &str, args: &[PExpr], off: u32, len: u32, span: Span) -> Option<Expr> {
        let Some((func, min, max)) = Func::lookup(name) else {
            let mut d = Diagnostic::error(
                codes::UNKNOWN_FUNCTION,
                Some(self.at(off, len)),
                format!("unknown function `{name}`"),
            );
            d = d.with_help(
                did_you_mean(name, Func::ALL.iter().map(|f| f.0)).unwrap_or_else(|| {
                    "the expression functions are listed in docs/spec-reference.md".into()
                }),
            );
            self.diags.push(d);
            return None;
        };
        let sig = Func::ALL.iter().find(|f| f.1 == func).map_or("", |f| f.4);
        if args.len() < min || args.len() > max {
            let want = if min == max {
                format!("{min}")
            } else {
                format!("{min} to {max}")
            };
            self.diags.push(
                Diagnostic::error(
                    codes::ARITY,
                    Some(self.at(off, len)),
                    format!("`{name}` takes {want} argument(s), found {}", args.len()),
                )
                .with_help(format!("signature: {sig}")),
            );
            return None;
        }
        let checked: Vec<Option<Expr>> = args.iter().map(|a| self.check(a)).collect();
        let args: Vec<Expr> = checked.into_iter().collect::<Option<_>>()?;
        match call_type(func, &args) {
            Ok(ty) => Some(Expr {
                kind: ExprKind::Call(func, args),
                ty,
                span,
            }),
            Err((i, want)) => {
                let a = &args[i];
                self.type_err(
                    a.span.col.saturating_sub(self.span.col),
                    a.span.len,
                    format!(
                        "argument {} of `{name}` must be {want}, found {}",
                        i + 1,
                        a.ty
                    ),
                    sig,
                )
            }
        }
    }
}

/// The type of a literal.
fn lit_type(v: &Value) -> Type {
    match v {
        Value::Null => Type::Null,
        Value::Bool(_) => Type::Bool,
        Value::Int(_) => Type::Int64,
        Value::Float(_) => Type::Float64,
        Value::Decimal(_, s) => Type::Decimal(38, *s),
        Value::Str(_) => Type::String(None),
        Value::Date(_) => Type::Date,
        Value::Timestamp(_) => Type::Timestamp,
        Value::Interval(_) => Type::Interval,
    }
}

/// A function argument that does not fit: its index and what it must be.
type BadArg = (usize, String);

fn is_str(t: Type) -> bool {
    t.is_string() || t == Type::Null
}

fn is_num(t: Type) -> bool {
    t.is_numeric() || t == Type::Null
}

fn is_time(t: Type) -> bool {
    t.is_temporal() || t == Type::Null
}

/// Checks that argument `i` satisfies `ok`, else says what it must be.
fn want(tys: &[Type], i: usize, ok: impl Fn(Type) -> bool, what: &str) -> Result<(), BadArg> {
    if tys.get(i).copied().is_some_and(ok) {
        Ok(())
    } else {
        Err((i, what.to_string()))
    }
}

/// The result type of a call whose arguments (already counted) have been checked.
fn call_type(func: Func, args: &[Expr]) -> Result<Type, BadArg> {
    use Func::*;
    let tys: Vec<Type> = args.iter().map(|a| a.ty).collect();
    let tys = tys.as_slice();
    match func {
        Lower | Upper | Trim | Length | Substr | Replace | Lpad | Concat | ToString | Sha256
        | Hash => string_call_type(func, tys),
        Coalesce | Least | Greatest => {
            let mut t = Type::Null;
            for (i, a) in tys.iter().enumerate() {
                match unify(t, *a) {
                    Some(u) => t = u,
                    None => return Err((i, format!("{t}-compatible"))),
                }
            }
            if matches!(func, Least | Greatest)
                && !(t.is_numeric() || t.is_temporal() || t.is_string() || t == Type::Null)
            {
                return Err((0, "a number, date, timestamp or string".into()));
            }
            Ok(t)
        }
        If => {
            want(tys, 0, |t| t == Type::Bool || t == Type::Null, "a bool")?;
            let (a, b) = (tys[1], tys[2]);
            unify(a, b).ok_or((2, format!("of the same kind as argument 2 ({a})")))
        }
        Abs | Round | Floor | Ceil | Int | Float | Ln | Exp | Sqrt | Random | Days | Hours
        | Minutes | Seconds => numeric_call_type(func, tys),
        Func::Timestamp | Date | MonthStart | Year | Month | Day | Weekday | Hour | DaysBetween => {
            time_call_type(func, tys)
        }
        Strftime => {
            want(tys, 0, is_time, "a date or timestamp")?;
            if !matches!(args[1].kind, ExprKind::Lit(Value::Str(_))) {
                return Err((1, "a string literal".into()));
            }
            Ok(Type::String(None))
        }
    }
}

fn string_call_type(func: Func, tys: &[Type]) -> Result<Type, BadArg> {
    use Func::*;
    let int = |t: Type| t.is_integer() || t == Type::Null;
    match func {
        Lower | Upper | Trim => want(tys, 0, is_str, "a string").map(|_| Type::String(None)),
        Length => want(tys, 0, is_str, "a string").map(|_| Type::Int64),
        Substr => {
            want(tys, 0, is_str, "a string")?;
            for i in 1..tys.len() {
                want(tys, i, int, "an integer")?;
            }
            Ok(Type::String(None))
        }
        Replace => {
            for i in 0..3 {
                want(tys, i, is_str, "a string")?;
            }
            Ok(Type::String(None))
        }
        Lpad => {
            want(tys, 0, is_str, "a string")?;
            want(tys, 1, |t| t.is_integer(), "an integer")?;
            want(tys, 2, is_str, "a string")?;
            Ok(Type::String(None))
        }
        Hash => Ok(Type::Int64),
        _ => Ok(Type::String(None)),
    }
}

fn numeric_call_type(func: Func, tys: &[Type]) -> Result<Type, BadArg> {
    use Func::*;
    if func == Random {
        return Ok(Type::Float64);
    }
    want(tys, 0, is_num, "a number")?;
    let same_or_int = if tys[0].is_integer() {
        Type::Int64
    } else {
        tys[0]
    };
    Ok(match func {
        Abs => same_or_int,
        Round => {
            if tys.len() == 2 {
                want(tys, 1, |t| t.is_integer(), "an integer")?;
            }
            same_or_int
        }
        Floor | Ceil | Int => Type::Int64,
        Days | Hours | Minutes | Seconds => Type::Interval,
        _ => Type::Float64,
    })
}

fn time_call_type(func: Func, tys: &[Type]) -> Result<Type, BadArg> {
    use Func::*;
    match func {
        Func::Timestamp => want(tys, 0, is_time, "a date or timestamp").map(|_| Type::Timestamp),
        Date | MonthStart => want(tys, 0, is_time, "a date or timestamp").map(|_| Type::Date),
        Hour => want(tys, 0, is_time, "a timestamp").map(|_| Type::Int64),
        DaysBetween => {
            want(tys, 0, is_time, "a date or timestamp")?;
            want(tys, 1, is_time, "a date or timestamp")?;
            Ok(Type::Int64)
        }
        _ => want(tys, 0, is_time, "a date or timestamp").map(|_| Type::Int64),
    }
}

/// The result type of a binary operator, or `None` when the operands don't fit.
pub fn binary_type(op: BinOp, a: Type, b: Type) -> Option<Type> {
    use Type::*;
    let num = |t: Type| t.is_numeric();
    if op == BinOp::Concat {
        return Some(String(None));
    }
    if matches!(op, BinOp::And | BinOp::Or) {
        return (matches!(a, Bool | Null) && matches!(b, Bool | Null)).then_some(Bool);
    }
    if matches!(
        op,
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
    ) {
        let ok = a == Null
            || b == Null
            || (num(a) && num(b))
            || (a.is_string() && b.is_string())
            || (a.is_temporal() && b.is_temporal())
            || (a == Bool && b == Bool)
            || (a == Interval && b == Interval);
        return ok.then_some(Bool);
    }
    if a == Null || b == Null {
        return Some(if a == Null { b } else { a });
    }
    match op {
        BinOp::Add | BinOp::Sub => {
            if num(a) && num(b) {
                return arith_type(op, a, b);
            }
            match (a, b) {
                (Date, Interval) | (Timestamp, Interval) => Some(a),
                (Interval, Date) | (Interval, Timestamp) if op == BinOp::Add => Some(b),
                (Interval, Interval) => Some(Interval),
                (x, y) if op == BinOp::Sub && x.is_temporal() && y.is_temporal() => Some(Interval),
                _ => None,
            }
        }
        BinOp::Mul => {
            if num(a) && num(b) {
                return arith_type(op, a, b);
            }
            match (a, b) {
                (Interval, n) | (n, Interval) if num(n) => Some(Interval),
                _ => None,
            }
        }
        BinOp::Div => {
            if num(a) && num(b) {
                return Some(Float64);
            }
            (a == Interval && num(b)).then_some(Interval)
        }
        BinOp::Rem => (a.is_integer() && b.is_integer()).then_some(Int64),
        _ => None,
    }
}

fn arith_type(op: BinOp, a: Type, b: Type) -> Option<Type> {
    use Type::*;
    Some(match (a, b) {
        (Float64, _) | (_, Float64) => Float64,
        (Decimal(_, s1), Decimal(_, s2)) => {
            if op == BinOp::Mul {
                Decimal(38, (s1 + s2).min(18))
            } else {
                Decimal(38, s1.max(s2))
            }
        }
        (Decimal(_, s), _) | (_, Decimal(_, s)) => Decimal(38, s),
        _ => Int64,
    })
}

fn binary_help(op: BinOp) -> &'static str {
    match op {
        BinOp::Add | BinOp::Sub => {
            "add numbers, or a date/timestamp and an interval such as `days(3)`"
        }
        BinOp::Mul | BinOp::Div => "multiply or divide numbers (or an interval by a number)",
        BinOp::Rem => "`%` takes two integers",
        BinOp::And | BinOp::Or => "`and` / `or` take two bools",
        _ => "compare values of the same kind: numbers, strings, dates/timestamps or bools",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_precedence() {
        let p = parse("a + b * 2 = 3 and not c is null").unwrap();
        assert!(matches!(p, PExpr::Binary(BinOp::And, _, _, _, _)));
        assert!(parse("a +").is_err());
        assert!(parse("'x").is_err());
        assert!(parse("case when a then 1 else 2 end").is_ok());
        assert!(parse(&"(".repeat(200)).is_err());
        assert!(parse(&"-".repeat(200)).is_err());
        assert!(parse(&vec!["a"; 120].join(" + ")).is_ok());
        assert!(parse(&vec!["a"; 2000].join("+")).is_err());
    }
}
