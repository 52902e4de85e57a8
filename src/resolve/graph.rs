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
        targets.extend(e.row_parents());
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
                t.extend(e.row_parents());
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
    let before = diags.len();
    attribute_cycles(entities, diags);
    let order = toposort(&g, None).unwrap_or_default();
    if diags.len() == before {
        attribute_depth(entities, diags);
        parent_depth(entities, &order, diags);
    }
    // Edges point child → parent, so reverse: parents first.
    order.into_iter().rev().map(|n| g[n]).collect()
}

/// Finds a cycle through the strongly connected set `ids` (as a path that returns to its start).
fn cycle_path<T: Copy + Eq + std::hash::Hash + Ord>(
    ids: &[T],
    succ: impl Fn(T) -> Vec<T>,
) -> Vec<T> {
    let set: std::collections::HashSet<T> = ids.iter().copied().collect();
    let Some(&start) = ids.iter().min() else {
        return Vec::new();
    };
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
        match prev.get(&cur) {
            Some(&p) => cur = p,
            None => break,
        }
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
                Hop::Source(k) => {
                    out.push(Node::Rows(cur));
                    cur = entities[cur].sources()[*k].unwrap_or(cur);
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
            // A distinct pick caps the children per parent at the target's row count.
            if matches!(entities[e].rows, Rows::PerParent { .. }) {
                out.extend(
                    entities[e]
                        .foreign_keys
                        .iter()
                        .filter(|f| f.pick == Pick::Distinct && f.target != e)
                        .map(|f| Node::Rows(f.target)),
                );
            }
            let members = match &entities[e].rows {
                Rows::Union(m) => m.iter().collect(),
                r => vec![r],
            };
            for m in members {
                if let Rows::PerParent {
                    parent,
                    when,
                    count,
                } = m
                {
                    out.push(Node::Rows(*parent));
                    if let Some(w) = when {
                        expr_deps(w, *parent, &mut out);
                    }
                    if let CountBase::Expr(x) = &count.base {
                        expr_deps(x, *parent, &mut out);
                    }
                }
            }
        }
        Node::Attr(e, a) => {
            let ent = &entities[e];
            let attr = &ent.attributes[a];
            if !ent.row_parents().is_empty() {
                out.push(Node::Rows(e));
            }
            if let Some(w) = &attr.when {
                expr_deps(w, e, &mut out);
            }
            match &attr.generator {
                Generator::Expr(x) => expr_deps(x, e, &mut out),
                Generator::Relative { anchor, .. } => col_deps(anchor, e, &mut out),
                Generator::Window { lo, hi, .. } => {
                    for x in lo.exprs().chain(hi.exprs()) {
                        expr_deps(x, e, &mut out);
                    }
                }
                Generator::Rollup {
                    child, attr, via, ..
                } => {
                    out.push(Node::Rows(*child));
                    if let Some(ca) = attr {
                        out.push(Node::Attr(*child, *ca));
                    }
                    // Rows that reference this one: every row of the child picks, so the
                    // rollup needs the reference (and what its pick reads).
                    if let Some(k) = via {
                        let fk = &entities[*child].foreign_keys[*k];
                        out.extend(fk.columns.iter().map(|&c| Node::Attr(*child, c)));
                    }
                }
                Generator::Ref { fk, column } => {
                    let f = &ent.foreign_keys[*fk];
                    if f.target != e {
                        out.push(Node::Rows(f.target));
                        out.push(Node::Attr(f.target, f.target_columns[*column]));
                    }
                    match &f.pick {
                        Pick::Weighted(w) => out.push(Node::Attr(f.target, *w)),
                        Pick::Lookup(x) => {
                            expr_deps(x, e, &mut out);
                            out.extend(f.target_columns.iter().map(|&c| Node::Attr(f.target, c)));
                        }
                        Pick::Match {
                            attr,
                            value,
                            weight,
                            ..
                        } => {
                            expr_deps(value, e, &mut out);
                            out.push(Node::Attr(f.target, *attr));
                            out.extend(weight.iter().map(|&w| Node::Attr(f.target, w)));
                        }
                        Pick::Path(paths) => {
                            for p in paths {
                                col_deps_rows(entities, p, e, &mut out);
                            }
                        }
                        Pick::NthChild { paths, index, .. } => {
                            for p in paths {
                                col_deps_rows(entities, p, e, &mut out);
                            }
                            expr_deps(index, e, &mut out);
                        }
                        _ => {}
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

/// The order in which the plan can fix row counts, as waves: every entity comes in a wave
/// after the entities whose rows its own count needs — its `per` parents and union sources,
/// and every entity whose rows the `when` and count expressions over those parents reach
/// (through parent hops, picks and rollups), and the targets of its distinct picks (which
/// cap its children per parent). The entities of one wave are independent.
/// Generation order (`Ir::order`) follows references instead.
pub(super) fn row_waves(entities: &[Entity]) -> Vec<Vec<EntityId>> {
    let needs: Vec<Vec<EntityId>> = entities
        .iter()
        .map(|e| {
            let mut seen = std::collections::HashSet::new();
            let mut stack = deps(entities, Node::Rows(e.id));
            let mut out = e.row_parents();
            while let Some(n) = stack.pop() {
                if !seen.insert(n) {
                    continue;
                }
                if let Node::Rows(x) = n
                    && x != e.id
                {
                    out.push(x);
                }
                if n != Node::Rows(e.id) {
                    stack.extend(deps(entities, n));
                }
            }
            out.sort_unstable();
            out.dedup();
            out
        })
        .collect();
    let mut order = Vec::with_capacity(entities.len());
    let mut state = vec![0u8; entities.len()]; // 0 new, 1 visiting, 2 done
    fn visit(e: EntityId, needs: &[Vec<EntityId>], state: &mut [u8], order: &mut Vec<EntityId>) {
        if state[e] != 0 {
            return; // done, or a cycle the resolver has already reported
        }
        state[e] = 1;
        for &x in &needs[e] {
            visit(x, needs, state, order);
        }
        state[e] = 2;
        order.push(e);
    }
    for e in 0..entities.len() {
        visit(e, &needs, &mut state, &mut order);
    }
    // Waves: an entity goes one wave after the latest entity it needs (needs that come later
    // in the order are cycles, already reported).
    let mut pos = vec![0usize; entities.len()];
    for (i, &e) in order.iter().enumerate() {
        pos[e] = i;
    }
    let mut wave = vec![0usize; entities.len()];
    for &e in &order {
        wave[e] = needs[e]
            .iter()
            .filter(|&&x| pos[x] < pos[e])
            .map(|&x| wave[x] + 1)
            .max()
            .unwrap_or(0);
    }
    let mut waves: Vec<Vec<EntityId>> = Vec::new();
    for &e in &order {
        if waves.len() <= wave[e] {
            waves.resize(wave[e] + 1, Vec::new());
        }
        waves[wave[e]].push(e);
    }
    waves
}

/// The row sets a hop path (through parents, union sources and references) needs, and the
/// references it follows.
fn col_deps_rows(entities: &[Entity], path: &[Hop], from: EntityId, out: &mut Vec<Node>) {
    let mut cur = from;
    for h in path {
        out.push(Node::Rows(cur));
        cur = match h {
            Hop::Parent => entities[cur].parent().unwrap_or(cur),
            Hop::Source(k) => entities[cur].sources()[*k].unwrap_or(cur),
            Hop::Fk(f) => {
                let fk = &entities[cur].foreign_keys[*f];
                out.extend(fk.columns.iter().map(|&c| Node::Attr(cur, c)));
                fk.target
            }
        };
    }
    out.push(Node::Rows(cur));
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

/// The longest chain of attributes of one row that each need the next (`a0: a1 + 1`, `a1: a2 +
/// 1`, …) that `lab check` accepts: the generator computes such a chain recursively, and its
/// worker threads' stacks (64 MiB) were measured to survive chains of 10,000 in a debug build,
/// so this leaves a tenfold margin.
pub const MAX_ATTRIBUTE_CHAIN: usize = 1000;

/// The longest chain of `per` parents (an entity per another per another …) that `lab check`
/// accepts: rows and `parent.` values are computed recursively up the chain, which the worker
/// threads survived to a depth of 5,000 in a debug build, so this leaves a tenfold margin.
pub const MAX_PARENT_CHAIN: usize = 500;

/// Refuses an attribute-dependency chain within one row longer than [`MAX_ATTRIBUTE_CHAIN`]
/// (the attribute graph is acyclic here). Longest paths are found iteratively, in
/// topological order.
fn attribute_depth(entities: &[Entity], diags: &mut Vec<Diagnostic>) {
    for e in entities {
        let n = e.attributes.len();
        let mut g: DiGraph<AttrId, ()> = DiGraph::new();
        let nodes: Vec<NodeIndex> = (0..n).map(|a| g.add_node(a)).collect();
        for a in 0..n {
            for d in deps(entities, Node::Attr(e.id, a)) {
                if let Node::Attr(de, da) = d
                    && de == e.id
                    && da != a
                {
                    g.add_edge(nodes[a], nodes[da], ());
                }
            }
        }
        let Ok(order) = toposort(&g, None) else {
            continue;
        };
        // Dependencies come after their dependents in `order`: walk it backwards.
        let mut depth = vec![1usize; n];
        for &v in order.iter().rev() {
            let a = g[v];
            depth[a] = 1 + g.neighbors(v).map(|w| depth[g[w]]).max().unwrap_or(0);
        }
        if let Some((a, &d)) = depth
            .iter()
            .enumerate()
            .max_by_key(|&(a, d)| (*d, std::cmp::Reverse(a)))
            && d > MAX_ATTRIBUTE_CHAIN
        {
            let attr = &e.attributes[a];
            diags.push(
                Diagnostic::error(
                    codes::CHAIN_TOO_DEEP,
                    Some(attr.span),
                    format!("`{}` starts a chain of {d} attributes that each need the next, more than {MAX_ATTRIBUTE_CHAIN}", attr.name),
                )
                .with_note("the generator computes such a chain recursively, and a longer one could exhaust its stack")
                .with_help("compute the value from fewer intermediate attributes (fold steps into one expression)"),
            );
        }
    }
}

/// Refuses a chain of `per` parents (and union sources) longer than [`MAX_PARENT_CHAIN`];
/// `order` is the entity graph's topological order (children first).
fn parent_depth(entities: &[Entity], order: &[NodeIndex], diags: &mut Vec<Diagnostic>) {
    let mut depth = vec![1usize; entities.len()];
    for &v in order.iter().rev() {
        let e = &entities[v.index()];
        depth[e.id] = 1 + e
            .row_parents()
            .iter()
            .filter(|&&p| p != e.id)
            .map(|&p| depth[p])
            .max()
            .unwrap_or(0);
    }
    let worst = depth
        .iter()
        .enumerate()
        .filter(|&(_, &d)| d > MAX_PARENT_CHAIN)
        .min_by_key(|&(_, &d)| d);
    if let Some((eid, &d)) = worst {
        let e = &entities[eid];
        diags.push(
            Diagnostic::error(
                codes::CHAIN_TOO_DEEP,
                Some(e.span),
                format!("`{}` ends a chain of {d} entities each generated `per` the one before, more than {MAX_PARENT_CHAIN}", e.qualified),
            )
            .with_note("rows and `parent.` values are computed recursively up the chain, and a longer one could exhaust the generator's stack")
            .with_help("shorten the chain: generate an entity `per` an ancestor further up, or give it a plain row count"),
        );
    }
}

/// The attributes that attribute `a` of entity `e` reads (of any entity, over any hop): its
/// `when`, its generator's expressions, anchors, picks and rolled-up columns.
pub fn reads(entities: &[Entity], e: EntityId, a: AttrId) -> Vec<(EntityId, AttrId)> {
    (deps(entities, Node::Attr(e, a)).into_iter())
        .filter_map(|n| match n {
            Node::Attr(x, y) => Some((x, y)),
            Node::Rows(_) => None,
        })
        .collect()
}
