//! YAML text → a small span-carrying node tree. Built on the `saphyr-parser` event stream so
//! that every node keeps its file, line and column, and so that the loader, not the YAML
//! library, decides the limits: alias expansion is budgeted (a "billion laughs" file fails in
//! microseconds), nesting depth is capped, duplicate keys are reported, and tags, complex keys
//! and multi-document streams are refused with a clear message.

use crate::codes;
use crate::diagnostics::{Diagnostic, FileId, Span};
use saphyr_parser::{Event, Parser, ScalarStyle, Span as YSpan};

/// Maximum nesting of mappings and sequences. Real specs use fewer than 10 levels.
pub const MAX_DEPTH: usize = 64;
/// Maximum number of nodes after alias expansion, per file.
pub const MAX_NODES: usize = 1_000_000;
/// Maximum number of nodes that aliases may add, per file. Specs use aliases for small shared
/// pieces (a seasonality profile); the budget stops an alias bomb after a few milliseconds.
pub const MAX_ALIAS_NODES: usize = 100_000;

/// A YAML node with its location.
#[derive(Clone, Debug)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum NodeKind {
    /// A scalar with its source text. `plain` is false for quoted and block scalars, whose
    /// text is always a string (never a number, bool or null).
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    /// Keys are scalars (the loader refuses complex keys); order is the file's order.
    Map(Vec<(Node, Node)>),
}

impl Node {
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            NodeKind::Scalar { text, plain } if *plain && is_null(text) => "null",
            NodeKind::Scalar { .. } => "a scalar",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar { text, plain: true } if is_null(text))
    }

    pub fn as_scalar(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }
}

pub fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// The span of an event. `end` is the (line, column) just after the last character of the
/// text: events at the end of the input (an empty value on the last line) are placed there
/// rather than on a line that does not exist.
fn span_of(file: FileId, s: &YSpan, end: (u32, u32)) -> Span {
    let start = s.start;
    if start.line() as u32 > end.0 {
        return Span::new(file, end.0, end.1, 1);
    }
    let len = if s.end.line() == start.line() {
        s.end.index().saturating_sub(start.index())
    } else {
        1
    };
    Span::new(
        file,
        start.line() as u32,
        start.col() as u32 + 1,
        len.max(1) as u32,
    )
}

enum Frame {
    Seq {
        items: Vec<Node>,
        span: Span,
        anchor: usize,
        /// Nodes and nesting height of the children so far.
        sized: Extent,
    },
    Map {
        entries: Vec<(Node, Node)>,
        /// The keys so far and the line of each, so duplicates are found in constant time.
        keys: std::collections::HashMap<String, u32>,
        pending_key: Option<Node>,
        span: Span,
        anchor: usize,
        sized: Extent,
    },
}

/// The number of nodes in a subtree and its height (0 for a scalar), kept alongside the tree
/// so that neither the alias budget nor the depth limit ever needs to walk a subtree.
#[derive(Clone, Copy, Default)]
struct Extent {
    size: usize,
    height: usize,
}

impl Extent {
    fn add(&mut self, child: Extent) {
        self.size += child.size;
        self.height = self.height.max(child.height);
    }

    /// The collection holding children of this size and height.
    fn parent(self) -> Extent {
        Extent {
            size: 1 + self.size,
            height: 1 + self.height,
        }
    }
}

/// Parses one YAML document. Returns the root node, or `None` (with diagnostics) when the
/// text is not a single well-formed document within the limits.
pub fn parse(file: FileId, text: &str, diags: &mut Vec<Diagnostic>) -> Option<Node> {
    let mut parser = Parser::new_from_str(text);
    let last = text.rsplit('\n').next().unwrap_or_default();
    let mut b = Builder {
        file,
        end: (
            text.split('\n').count() as u32,
            last.chars().count() as u32 + 1,
        ),
        diags,
        stack: Vec::new(),
        anchors: Default::default(),
        root: None,
        n_nodes: 0,
        n_alias_nodes: 0,
        n_docs: 0,
    };
    loop {
        let (event, yspan) = match parser.next_event() {
            None => break,
            Some(Ok(ev)) => ev,
            Some(Err(e)) => {
                let d = b.syntax_error(text, &e);
                b.diags.push(d);
                return None;
            }
        };
        let span = span_of(file, &yspan, b.end);
        match b.event(event, span) {
            Step::Next => {}
            Step::End => break,
            Step::Stop(d) => {
                b.diags.push(d);
                return None;
            }
            Step::Node(node, sized) => b.finish(node, sized, span)?,
        }
    }
    if b.root.is_none() && b.diags.iter().all(|d| !d.is_error()) {
        b.diags.push(
            Diagnostic::error(
                codes::EMPTY,
                Some(Span::new(file, 1, 1, 1)),
                "spec file is empty",
            )
            .with_help("a spec starts with `domain: <name>` and an `entities:` mapping"),
        );
    }
    b.root
}

/// What one event does to the tree being built.
enum Step {
    /// Nothing to attach yet (a collection opened, a document started).
    Next,
    /// The end of the stream.
    End,
    /// A refusal: the diagnostic ends the parse.
    Stop(Diagnostic),
    /// A finished node with its extent, to attach to its parent.
    Node(Node, Extent),
}

/// The state of one parse: open collections, anchors, and the budgets spent so far.
struct Builder<'d> {
    file: FileId,
    /// The (line, column) just after the last character of the text.
    end: (u32, u32),
    diags: &'d mut Vec<Diagnostic>,
    stack: Vec<Frame>,
    anchors: std::collections::HashMap<usize, (Node, Extent)>,
    root: Option<Node>,
    n_nodes: usize,
    n_alias_nodes: usize,
    n_docs: usize,
}

impl Builder<'_> {
    /// The diagnostic for a scanner error, placed where the problem is.
    fn syntax_error(&self, text: &str, e: &saphyr_parser::ScanError) -> Diagnostic {
        let m = e.marker();
        let mut span = Span::new(self.file, m.line() as u32, m.col() as u32 + 1, 1);
        // At the end of the input the scanner's position is past the last line.
        if m.line() as u32 > self.end.0 {
            span = Span::new(self.file, self.end.0, self.end.1, 1);
        }
        if e.info().contains("recursion limit") {
            return too_deep(span);
        }
        let mut help = "check indentation, colons after keys, and matching quotes and brackets";
        // The scanner notices a tab after the fact; point at the indenting tab itself.
        if e.info().contains("tab") {
            help = "YAML indents with spaces; replace the tab with spaces";
            if let Some((i, line)) = text
                .split('\n')
                .enumerate()
                .skip(m.line().saturating_sub(1))
                .find(|(_, l)| l.trim_start_matches(' ').starts_with('\t'))
            {
                let col = line.len() - line.trim_start_matches(' ').len() + 1;
                span = Span::new(self.file, i as u32 + 1, col as u32, 1);
            }
        }
        Diagnostic::error(
            codes::YAML_SYNTAX,
            Some(span),
            format!("YAML syntax error: {}", e.info()),
        )
        .with_help(help)
    }

    fn event(&mut self, event: Event, span: Span) -> Step {
        match event {
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => Step::Next,
            Event::StreamEnd => Step::End,
            Event::DocumentStart(_) => {
                self.n_docs += 1;
                if self.n_docs > 1 {
                    return Step::Stop(
                        Diagnostic::error(
                            codes::UNSUPPORTED_YAML,
                            Some(span),
                            "a spec file holds exactly one YAML document",
                        )
                        .with_help(
                            "split the documents into separate spec files, one domain per file",
                        ),
                    );
                }
                Step::Next
            }
            Event::Scalar(value, style, anchor, tag) => {
                if tag.is_some() {
                    return Step::Stop(
                        Diagnostic::error(
                            codes::UNSUPPORTED_YAML,
                            Some(span),
                            "YAML tags are not used in specs",
                        )
                        .with_help("remove the `!tag`; values are typed by the attribute's `type`"),
                    );
                }
                self.scalar(
                    value.into_owned(),
                    style == ScalarStyle::Plain,
                    anchor,
                    span,
                )
            }
            Event::Alias(id) => self.alias(id, span),
            Event::SequenceStart(_, tag) | Event::MappingStart(_, tag) if tag.is_some() => {
                Step::Stop(
                    Diagnostic::error(
                        codes::UNSUPPORTED_YAML,
                        Some(span),
                        "YAML tags are not used in specs",
                    )
                    .with_help("remove the `!tag`"),
                )
            }
            Event::SequenceStart(anchor, _) => self.open(span, anchor, false),
            Event::MappingStart(anchor, _) => self.open(span, anchor, true),
            Event::SequenceEnd | Event::MappingEnd => self.close(span),
        }
    }

    fn scalar(&mut self, text: String, plain: bool, anchor: usize, span: Span) -> Step {
        self.n_nodes += 1;
        let node = Node {
            kind: NodeKind::Scalar { text, plain },
            span,
        };
        let sized = Extent { size: 1, height: 0 };
        if anchor > 0 {
            self.anchors.insert(anchor, (node.clone(), sized));
        }
        Step::Node(node, sized)
    }

    /// A copy of an anchored node, within the alias budget and the depth limit.
    fn alias(&mut self, id: usize, span: Span) -> Step {
        let Some((node, sized)) = self.anchors.get(&id) else {
            return Step::Stop(Diagnostic::error(
                codes::YAML_SYNTAX,
                Some(span),
                "alias refers to an unknown anchor",
            ));
        };
        self.n_nodes += sized.size;
        self.n_alias_nodes += sized.size;
        if self.n_alias_nodes > MAX_ALIAS_NODES {
            return Step::Stop(
                Diagnostic::error(
                    codes::ALIAS_BUDGET,
                    Some(span),
                    format!("YAML aliases expand to more than {MAX_ALIAS_NODES} nodes"),
                )
                .with_help("this looks like an alias bomb; write the values out or use fewer nested aliases"),
            );
        }
        // The copy counts towards the depth limit where it is inserted.
        if self.stack.len() + sized.height > MAX_DEPTH {
            return Step::Stop(too_deep(span));
        }
        let mut n = node.clone();
        n.span = span;
        Step::Node(n, *sized)
    }

    /// Opens a sequence or a mapping, within the depth limit.
    fn open(&mut self, span: Span, anchor: usize, map: bool) -> Step {
        if self.stack.len() >= MAX_DEPTH {
            return Step::Stop(too_deep(span));
        }
        self.stack.push(if map {
            Frame::Map {
                entries: Vec::new(),
                keys: Default::default(),
                pending_key: None,
                span,
                anchor,
                sized: Extent::default(),
            }
        } else {
            Frame::Seq {
                items: Vec::new(),
                span,
                anchor,
                sized: Extent::default(),
            }
        });
        Step::Next
    }

    /// Closes the innermost collection into a node.
    fn close(&mut self, span: Span) -> Step {
        let (kind, start, anchor, sized) = match self.stack.pop() {
            Some(Frame::Seq {
                items,
                span,
                anchor,
                sized,
            }) => (NodeKind::Seq(items), span, anchor, sized),
            Some(Frame::Map {
                entries,
                span,
                anchor,
                sized,
                ..
            }) => (NodeKind::Map(entries), span, anchor, sized),
            // The parser never ends a collection it did not start; stop quietly if it does.
            None => return Step::End,
        };
        self.n_nodes += 1;
        let node = Node {
            kind,
            span: extend_to(start, span),
        };
        if anchor > 0 {
            self.anchors.insert(anchor, (node.clone(), sized.parent()));
        }
        Step::Node(node, sized.parent())
    }

    /// Checks the node budget and attaches a finished node to its parent (or makes it the
    /// root). `None` stops the parse (the diagnostic is recorded).
    fn finish(&mut self, node: Node, node_sized: Extent, span: Span) -> Option<()> {
        if self.n_nodes > MAX_NODES {
            self.diags.push(Diagnostic::error(
                codes::TOO_LARGE,
                Some(span),
                format!("spec has more than {MAX_NODES} YAML nodes"),
            ));
            return None;
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, sized, .. }) => {
                sized.add(node_sized);
                items.push(node);
            }
            Some(Frame::Map {
                entries,
                keys,
                pending_key,
                sized,
                ..
            }) => {
                sized.add(node_sized);
                match pending_key.take() {
                    None => {
                        let NodeKind::Scalar { text, .. } = &node.kind else {
                            self.diags.push(
                                Diagnostic::error(
                                    codes::UNSUPPORTED_YAML,
                                    Some(node.span),
                                    "mapping keys must be plain names",
                                )
                                .with_help("complex (list or mapping) keys are not used in specs"),
                            );
                            return None;
                        };
                        if let Some(first_line) = keys.get(text) {
                            self.diags.push(
                                Diagnostic::error(
                                    codes::DUPLICATE_KEY,
                                    Some(node.span),
                                    format!("duplicate key `{text}`"),
                                )
                                .with_help(format!(
                                    "`{text}` is already defined at line {first_line}"
                                )),
                            );
                        }
                        *pending_key = Some(node);
                    }
                    Some(key) => {
                        let text = key.as_scalar().unwrap_or_default().to_string();
                        if let std::collections::hash_map::Entry::Vacant(v) = keys.entry(text) {
                            v.insert(key.span.line);
                            entries.push((key, node));
                        }
                    }
                }
            }
        }
        Some(())
    }
}

/// The span of a collection from its start to its end event: a flow collection on one line
/// (`[1, 2]`, `{ a: 1 }`) is underlined whole; block collections keep their start position.
fn extend_to(start: Span, end: Span) -> Span {
    if end.line == start.line && end.col >= start.col {
        Span {
            len: (end.col + end.len - start.col).max(1),
            ..start
        }
    } else {
        start
    }
}

fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::error(
        codes::TOO_DEEP,
        Some(span),
        format!("YAML is nested more than {MAX_DEPTH} levels deep"),
    )
    .with_help("specs need only a few levels: domain → entities → attributes → options")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> (Option<Node>, Vec<Diagnostic>) {
        let mut d = Vec::new();
        let n = parse(0, text, &mut d);
        (n, d)
    }

    #[test]
    fn spans_point_at_values() {
        let (n, d) = p("a: 1\nb:\n  c: 'x'\n");
        assert!(d.is_empty());
        let NodeKind::Map(e) = n.unwrap().kind else {
            panic!()
        };
        let NodeKind::Map(inner) = &e[1].1.kind else {
            panic!()
        };
        assert_eq!((inner[0].1.span.line, inner[0].1.span.col), (3, 6));
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = format!("*a{}", i - 1);
            s.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
        }
        let (n, d) = p(&s);
        assert!(n.is_none());
        assert_eq!(d[0].code, codes::ALIAS_BUDGET);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let s = "[".repeat(10_000);
        let (n, d) = p(&s);
        assert!(n.is_none());
        assert!(d[0].code == codes::TOO_DEEP || d[0].code == codes::YAML_SYNTAX);
    }
}
