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

    /// Offset (in characters) of the scalar's content from the start of its span: 1 for a
    /// quoted scalar, so expression positions land on the right column.
    pub fn content_offset(&self) -> u32 {
        match &self.kind {
            NodeKind::Scalar { plain: false, .. } => 1,
            _ => 0,
        }
    }
}

pub fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

fn span_of(file: FileId, s: &YSpan) -> Span {
    let start = s.start;
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
    },
    Map {
        entries: Vec<(Node, Node)>,
        pending_key: Option<Node>,
        span: Span,
        anchor: usize,
    },
}

/// Parses one YAML document. Returns the root node, or `None` (with diagnostics) when the
/// text is not a single well-formed document within the limits.
pub fn parse(file: FileId, text: &str, diags: &mut Vec<Diagnostic>) -> Option<Node> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: std::collections::HashMap<usize, (Node, usize)> = Default::default();
    let mut root: Option<Node> = None;
    let mut n_nodes: usize = 0;
    let mut n_docs = 0;

    loop {
        let (event, yspan) = match parser.next_event() {
            None => break,
            Some(Ok(ev)) => ev,
            Some(Err(e)) => {
                let m = e.marker();
                let span = Span::new(file, m.line() as u32, m.col() as u32 + 1, 1);
                diags.push(
                    Diagnostic::error(
                        codes::YAML_SYNTAX,
                        Some(span),
                        format!("YAML syntax error: {}", e.info()),
                    )
                    .with_help(
                        "check indentation, colons after keys, and matching quotes and brackets",
                    ),
                );
                return None;
            }
        };
        let span = span_of(file, &yspan);
        let node = match event {
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => continue,
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                n_docs += 1;
                if n_docs > 1 {
                    diags.push(
                        Diagnostic::error(
                            codes::UNSUPPORTED_YAML,
                            Some(span),
                            "a spec file holds exactly one YAML document",
                        )
                        .with_help(
                            "split the documents into separate spec files, one domain per file",
                        ),
                    );
                    return None;
                }
                continue;
            }
            Event::Scalar(value, style, anchor, tag) => {
                if tag.is_some() {
                    diags.push(
                        Diagnostic::error(
                            codes::UNSUPPORTED_YAML,
                            Some(span),
                            "YAML tags are not used in specs",
                        )
                        .with_help("remove the `!tag`; values are typed by the attribute's `type`"),
                    );
                    return None;
                }
                n_nodes += 1;
                let plain = style == ScalarStyle::Plain;
                let node = Node {
                    kind: NodeKind::Scalar {
                        text: value.into_owned(),
                        plain,
                    },
                    span,
                };
                if anchor > 0 {
                    anchors.insert(anchor, (node.clone(), 1));
                }
                node
            }
            Event::Alias(id) => {
                let Some((node, size)) = anchors.get(&id) else {
                    diags.push(Diagnostic::error(
                        codes::YAML_SYNTAX,
                        Some(span),
                        "alias refers to an unknown anchor",
                    ));
                    return None;
                };
                n_nodes += size;
                if n_nodes > MAX_NODES {
                    diags.push(
                        Diagnostic::error(
                            codes::ALIAS_BUDGET,
                            Some(span),
                            format!("YAML aliases expand to more than {MAX_NODES} nodes"),
                        )
                        .with_help("this looks like an alias bomb; write the values out or use fewer nested aliases"),
                    );
                    return None;
                }
                let mut n = node.clone();
                n.span = span;
                n
            }
            Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag)
                if tag.is_some() =>
            {
                let _ = anchor;
                diags.push(
                    Diagnostic::error(
                        codes::UNSUPPORTED_YAML,
                        Some(span),
                        "YAML tags are not used in specs",
                    )
                    .with_help("remove the `!tag`"),
                );
                return None;
            }
            Event::SequenceStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    diags.push(too_deep(span));
                    return None;
                }
                stack.push(Frame::Seq {
                    items: Vec::new(),
                    span,
                    anchor,
                });
                continue;
            }
            Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    diags.push(too_deep(span));
                    return None;
                }
                stack.push(Frame::Map {
                    entries: Vec::new(),
                    pending_key: None,
                    span,
                    anchor,
                });
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq {
                    items,
                    span,
                    anchor,
                }) => {
                    n_nodes += 1;
                    let size = 1 + items.iter().map(node_size).sum::<usize>();
                    let node = Node {
                        kind: NodeKind::Seq(items),
                        span,
                    };
                    if anchor > 0 {
                        anchors.insert(anchor, (node.clone(), size));
                    }
                    node
                }
                _ => return None,
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    entries,
                    span,
                    anchor,
                    ..
                }) => {
                    n_nodes += 1;
                    let size = 1 + entries
                        .iter()
                        .map(|(k, v)| node_size(k) + node_size(v))
                        .sum::<usize>();
                    let node = Node {
                        kind: NodeKind::Map(entries),
                        span,
                    };
                    if anchor > 0 {
                        anchors.insert(anchor, (node.clone(), size));
                    }
                    node
                }
                _ => return None,
            },
        };
        if n_nodes > MAX_NODES {
            diags.push(Diagnostic::error(
                codes::TOO_LARGE,
                Some(span),
                format!("spec has more than {MAX_NODES} YAML nodes"),
            ));
            return None;
        }
        // Attach the finished node to its parent.
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                pending_key,
                ..
            }) => match pending_key.take() {
                None => {
                    let NodeKind::Scalar { text, .. } = &node.kind else {
                        diags.push(
                            Diagnostic::error(
                                codes::UNSUPPORTED_YAML,
                                Some(node.span),
                                "mapping keys must be plain names",
                            )
                            .with_help("complex (list or mapping) keys are not used in specs"),
                        );
                        return None;
                    };
                    if let Some((first, _)) =
                        entries.iter().find(|(k, _)| k.as_scalar() == Some(text))
                    {
                        diags.push(
                            Diagnostic::error(
                                codes::DUPLICATE_KEY,
                                Some(node.span),
                                format!("duplicate key `{text}`"),
                            )
                            .with_help(format!(
                                "`{text}` is already defined at line {}",
                                first.span.line
                            )),
                        );
                    }
                    *pending_key = Some(node);
                }
                Some(key) => {
                    let dup = entries
                        .iter()
                        .any(|(k, _)| k.as_scalar() == key.as_scalar());
                    if !dup {
                        entries.push((key, node));
                    }
                }
            },
        }
    }
    if root.is_none() && diags.iter().all(|d| !d.is_error()) {
        diags.push(
            Diagnostic::error(
                codes::EMPTY,
                Some(Span::new(file, 1, 1, 1)),
                "spec file is empty",
            )
            .with_help("a spec starts with `domain: <name>` and an `entities:` mapping"),
        );
    }
    root
}

fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::error(
        codes::TOO_DEEP,
        Some(span),
        format!("YAML is nested more than {MAX_DEPTH} levels deep"),
    )
    .with_help("specs need only a few levels: domain → entities → attributes → options")
}

fn node_size(n: &Node) -> usize {
    match &n.kind {
        NodeKind::Scalar { .. } => 1,
        NodeKind::Seq(items) => 1 + items.iter().map(node_size).sum::<usize>(),
        NodeKind::Map(entries) => {
            1 + entries
                .iter()
                .map(|(k, v)| node_size(k) + node_size(v))
                .sum::<usize>()
        }
    }
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
