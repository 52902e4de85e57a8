//! The dependency graphs. The entity graph (petgraph) has an edge from each entity to its
//! `per` parent and to every entity it references; declared hierarchies (self-references) are
//! the only cycles allowed, and any other cycle is reported with its path. The attribute graph
//! records which values need which (expressions, anchors, rollups, picks, child counts); a
//! cycle there could never be generated, so it is reported too. The result is the generation
//! order: referenced entities first. Every graph walk is iterative (Kosaraju's algorithm
//! rather than petgraph's recursive Tarjan), so a chain of thousands of references cannot
//! overflow the stack.

use crate::codes;
use crate::diagnostics::Diagnostic;
use crate::ir::*;
use petgraph::algo::{kosaraju_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::HashMap;

pub(super) fn check(entities: &[Entity], diags: &mut Vec<Diagnostic>) -> Vec<EntityId> {
    let mut g: DiGraph<EntityId, ()> = DiGraph::new();
    let nodes: Vec<NodeIndex> = entities.iter().map(|e| g.add_node(e.id)).collect();
    for e in entities {
        let mut targets: Vec<EntityId> = e
            .foreign_keys
            .iter()
            .filter(|f| f.target != e.id)
            .map(|f| f.target)
            .collect();
        if let Some(p) = e.parent() {
            targets.push(p);
        }
        targets.sort_unstable();
        targets.dedup();
        for t in targets {
            g.add_edge(nodes[e.id], nodes[t], ());
        }
    }
    let mut ok = true;
    for scc in kosaraju_scc(&g) {
        if scc.len() > 1 {
            ok = false;
            let ids: Vec<EntityId> = scc.iter().map(|n| g[*n]).collect();
            let path = cycle_path(&ids, |a| {
                let e = &entities[a];
                let mut t: Vec<EntityId> = e.foreign_keys.iter().map(|f| f.target).collect();
                t.extend(e.parent());
                t
            });
            let first = path[0];
            let names: Vec<&str> = path
                .iter()
                .map(|&i| entities[i].qualified.as_str())
                .collect();
            diags.push(
                Diagnostic::error(codes::FK_CYCLE, Some(entities[first].span), format!("foreign keys form a cycle: {}", names.join(" → ")))
                    .with_note("each entity in the cycle needs the others to exist first, so none can be generated")
                    .with_help("break the cycle: drop one reference, or make it a self-reference with `hierarchy` if it is a tree"),
            );
        }
    }
    if !ok {
        return Vec::new();
    }
    attribute_cycles(entities, diags);
    let order = toposort(&g, None).unwrap_or_default();
    // Edges point child → parent, so reverse: parents first.
    order.into_iter().rev().map(|n| g[n]).collect()
}

/// Finds a cycle through the strongly connected set `ids` (as a path that returns to its start).
fn cycle_path<T: Copy + Eq + std::hash::Hash + Ord>(
    ids: &[T],
    succ: impl Fn(T) -> Vec<T>,
) -> Vec<T> {
    let set: std::collections::HashSet<T> = ids.iter().copied().collect();
    let start = *ids.iter().min().unwrap();
    // BFS from start back to start within the set.
    let mut prev: HashMap<T, T> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    let mut found = None;
    while let Some(n) = queue.pop_front() {
        let mut next = succ(n);
        next.sort();
        for s in next {
            if !set.contains(&s) {
                continue;
            }
            if s == start {
                found = Some(n);
                break;
            }
            if let std::collections::hash_map::Entry::Vacant(v) = prev.entry(s) {
                v.insert(n);
                queue.push_back(s);
            }
        }
        if found.is_some() {
            break;
        }
    }
    let mut path = vec![start];
    let mut cur = found.unwrap_or(start);
    let mut rev = Vec::new();
    while cur != start {
        rev.push(cur);
        cur = prev[&cur];
    }
    path.extend(rev.into_iter().rev());
    path.push(start);
    path
}

/// A node of the attribute graph: an attribute, or the row set of an entity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Node {
    Attr(EntityId, AttrId),
    Rows(EntityId),
}

/// What each value needs, for cycle detection.
fn deps(entities: &[Entity], n: Node) -> Vec<Node> {
    let mut out = Vec::new();
    let col_deps = |c: &ColRef, from: EntityId, out: &mut Vec<Node>| {
        let mut cur = from;
        for h in &c.hops {
            match h {
                Hop::Parent => {
                    out.push(Node::Rows(cur));
                    cur = entities[cur].parent().unwrap_or(cur);
                }
                Hop::Fk(f) => {
                    let fk = &entities[cur].foreign_keys[*f];
                    for col in &fk.columns {
                        out.push(Node::Attr(cur, *col));
                    }
                    cur = fk.target;
                }
            }
        }
        out.push(Node::Attr(c.entity, c.attr));
    };
    let expr_deps = |e: &Expr, from: EntityId, out: &mut Vec<Node>| {
        let mut cols = Vec::new();
        e.columns(&mut cols);
        for c in &cols {
            col_deps(c, from, out);
        }
    };
    match n {
        Node::Rows(e) => {
            if let Rows::PerParent { parent, when, .. } = &entities[e].rows {
                out.push(Node::Rows(*parent));
                if let Some(w) = when {
                    expr_deps(w, *parent, &mut out);
                }
            }
        }
        Node::Attr(e, a) => {
            let ent = &entities[e];
            let attr = &ent.attributes[a];
            if ent.parent().is_some() {
                out.push(Node::Rows(e));
            }
            if let Some(w) = &attr.when {
                expr_deps(w, e, &mut out);
            }
            match &attr.generator {
                Generator::Expr(x) => expr_deps(x, e, &mut out),
                Generator::Relative { anchor, .. } => col_deps(anchor, e, &mut out),
                Generator::Rollup { child, attr, .. } => {
                    out.push(Node::Rows(*child));
                    if let Some(ca) = attr {
                        out.push(Node::Attr(*child, *ca));
                    }
                }
                Generator::Ref { fk, column } => {
                    let f = &ent.foreign_keys[*fk];
                    if f.target != e {
                        out.push(Node::Rows(f.target));
                        out.push(Node::Attr(f.target, f.target_columns[*column]));
                    }
                    if let Pick::Weighted(w) = f.pick {
                        out.push(Node::Attr(f.target, w));
                    }
                    if let Some(w) = &f.when {
                        expr_deps(w, e, &mut out);
                    }
                }
                _ => {}
            }
        }
    }
    out.retain(|d| *d != n || matches!(n, Node::Attr(..)));
    out
}

fn attribute_cycles(entities: &[Entity], diags: &mut Vec<Diagnostic>) {
    let mut g: DiGraph<Node, ()> = DiGraph::new();
    let mut idx: HashMap<Node, NodeIndex> = HashMap::new();
    let mut all = Vec::new();
    for e in entities {
        all.push(Node::Rows(e.id));
        for a in 0..e.attributes.len() {
            all.push(Node::Attr(e.id, a));
        }
    }
    for n in &all {
        idx.insert(*n, g.add_node(*n));
    }
    let mut self_loops = Vec::new();
    for n in &all {
        for d in deps(entities, *n) {
            if d == *n {
                self_loops.push(*n);
            }
            g.add_edge(idx[n], idx[&d], ());
        }
    }
    let name = |n: Node| match n {
        Node::Attr(e, a) => format!(
            "{}.{}",
            entities[e].qualified, entities[e].attributes[a].name
        ),
        Node::Rows(e) => format!("rows of {}", entities[e].qualified),
    };
    for n in self_loops {
        if let Node::Attr(e, a) = n {
            diags.push(
                Diagnostic::error(
                    codes::DEP_CYCLE,
                    Some(entities[e].attributes[a].span),
                    format!("`{}` depends on itself", entities[e].attributes[a].name),
                )
                .with_help("an attribute's value cannot be computed from itself"),
            );
        }
    }
    for scc in kosaraju_scc(&g) {
        if scc.len() < 2 {
            continue;
        }
        let ids: Vec<Node> = scc.iter().map(|n| g[*n]).collect();
        let path = cycle_path(&ids, |n| deps(entities, n));
        let first = path.iter().find_map(|n| match n {
            Node::Attr(e, a) => Some(entities[*e].attributes[*a].span),
            _ => None,
        });
        let names: Vec<String> = path.iter().map(|n| name(*n)).collect();
        diags.push(
            Diagnostic::error(codes::DEP_CYCLE, first, "attributes depend on each other in a cycle")
                .with_note(format!("cycle: {}", names.join(" → ")))
                .with_help("compute one of these values without the others (e.g. drop a rollup or an expression term)"),
        );
    }
}
