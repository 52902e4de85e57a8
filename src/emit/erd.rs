//! The relationship graph both ERD emitters draw: one edge per foreign key with its
//! cardinalities (computed once, from the FK's optionality and the children-per-parent
//! distribution), and the views that select the boxes of one diagram. A view checks itself
//! before it is drawn: Mermaid and Graphviz both invent an empty box for an edge whose end was
//! never declared, so a dangling edge must be caught here.

use crate::ir::{AttrId, CountBase, CountDist, Entity, EntityId, FkId, Ir, Pick, Rows};
use std::collections::{BTreeSet, HashMap, HashSet};

/// How many rows on one side of a relationship go with one row on the other side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Card {
    ZeroOrOne,
    ExactlyOne,
    ZeroOrMore,
    OneOrMore,
}

impl Card {
    pub fn describe(self) -> &'static str {
        match self {
            Card::ZeroOrOne => "zero or one",
            Card::ExactlyOne => "exactly one",
            Card::ZeroOrMore => "zero or more",
            Card::OneOrMore => "one or more",
        }
    }
}

/// One foreign key as a diagram edge, from the child (the entity holding the key) to the parent
/// (the referenced entity).
#[derive(Clone, Debug)]
pub struct Rel {
    pub child: EntityId,
    pub fk: FkId,
    pub parent: EntityId,
    /// Parents per child row: exactly one for a required key, zero or one for a nullable one.
    pub parent_card: Card,
    /// Children per parent row.
    pub child_card: Card,
    /// The key is part of the child's primary key (drawn solid; otherwise dashed).
    pub identifying: bool,
    /// Child key columns, in the target key's order.
    pub child_columns: Vec<AttrId>,
    /// Referenced key columns of the parent.
    pub parent_columns: Vec<AttrId>,
}

/// Every relationship of the model.
#[derive(Clone, Debug)]
pub struct Graph {
    pub rels: Vec<Rel>,
}

/// A box in a diagram: an entity with all its columns, or a stub for an entity of another
/// domain showing only the columns the view's edges attach to.
#[derive(Clone, Debug)]
pub struct Node {
    pub entity: EntityId,
    /// Unique across domains: `<domain>__<entity>`.
    pub id: String,
    /// Displayed name: the entity name, or `domain.entity` for a box from another domain.
    pub label: String,
    pub columns: Vec<AttrId>,
    pub stub: bool,
}

/// The boxes and edges of one diagram.
#[derive(Clone, Debug)]
pub struct View<'g> {
    pub title: String,
    pub nodes: Vec<Node>,
    pub rels: Vec<&'g Rel>,
}

impl Graph {
    pub fn new(ir: &Ir) -> Graph {
        let mut rels = Vec::new();
        for child in &ir.entities {
            for (i, fk) in child.foreign_keys.iter().enumerate() {
                // A hidden reference is no relationship of the exported tables.
                if fk.columns.iter().any(|&a| child.attributes[a].hidden) {
                    continue;
                }
                let nullable = fk.optional()
                    || fk.columns.iter().any(|&a| child.attributes[a].nullable)
                    || matches!(fk.pick, Pick::Hierarchy { .. });
                rels.push(Rel {
                    child: child.id,
                    fk: i,
                    parent: fk.target,
                    parent_card: if nullable {
                        Card::ZeroOrOne
                    } else {
                        Card::ExactlyOne
                    },
                    child_card: children_per_parent(child, i),
                    identifying: !matches!(fk.pick, Pick::Hierarchy { .. })
                        && !fk.columns.is_empty()
                        && fk.columns.iter().all(|a| child.primary_key.contains(a)),
                    child_columns: fk.columns.clone(),
                    parent_columns: fk.target_columns.clone(),
                });
            }
        }
        Graph { rels }
    }

    /// Relationships whose parent is `e` (inbound references).
    pub fn inbound(&self, e: EntityId) -> impl Iterator<Item = &Rel> {
        self.rels.iter().filter(move |r| r.parent == e)
    }

    /// Relationships whose child is `e` (the entity's foreign keys).
    pub fn outbound(&self, e: EntityId) -> impl Iterator<Item = &Rel> {
        self.rels.iter().filter(move |r| r.child == e)
    }

    /// One domain's diagram: its entities in full, plus stubs for entities of other domains
    /// that its relationships reach (in either direction).
    pub fn domain_view(&self, ir: &Ir, d: usize) -> View<'_> {
        let own: Vec<EntityId> = ir.domains[d].entities.clone();
        let rels: Vec<&Rel> = self
            .rels
            .iter()
            .filter(|r| ir.entities[r.child].domain == d || ir.entities[r.parent].domain == d)
            .collect();
        let mut nodes: Vec<Node> = own.iter().map(|&e| full_node(ir, e, false)).collect();
        // Foreign boxes, in entity id order, each with the columns its edges need.
        let foreign: BTreeSet<EntityId> = rels
            .iter()
            .flat_map(|r| [r.child, r.parent])
            .filter(|&e| ir.entities[e].domain != d)
            .collect();
        for e in foreign {
            let ent = &ir.entities[e];
            let mut cols: BTreeSet<AttrId> = ent.primary_key.iter().copied().collect();
            for r in &rels {
                if r.child == e {
                    cols.extend(r.child_columns.iter().copied());
                }
                if r.parent == e {
                    cols.extend(r.parent_columns.iter().copied());
                }
            }
            nodes.push(Node {
                entity: e,
                id: node_id(ir, e),
                label: ent.qualified.clone(),
                columns: cols.into_iter().collect(),
                stub: true,
            });
        }
        View {
            title: ir.domains[d].name.clone(),
            nodes,
            rels,
        }
    }

    /// Every entity of every domain and every relationship, cross-domain ones included.
    pub fn enterprise_view(&self, ir: &Ir) -> View<'_> {
        View {
            title: "enterprise".into(),
            nodes: (0..ir.entities.len())
                .map(|e| full_node(ir, e, true))
                .collect(),
            rels: self.rels.iter().collect(),
        }
    }
}

impl View<'_> {
    pub fn node(&self, e: EntityId) -> Option<&Node> {
        self.nodes.iter().find(|n| n.entity == e)
    }

    /// Every edge must end at a declared box, on a column that box shows, and box ids must be
    /// unique. Returns the problems found (empty when the view can be drawn).
    pub fn check(&self, ir: &Ir) -> Vec<String> {
        let mut problems = Vec::new();
        let mut ids = HashSet::new();
        for n in &self.nodes {
            if !ids.insert(n.id.as_str()) {
                problems.push(format!(
                    "ERD `{}`: two boxes have the id `{}`",
                    self.title, n.id
                ));
            }
        }
        let declared: HashMap<EntityId, &Node> = self.nodes.iter().map(|n| (n.entity, n)).collect();
        for r in &self.rels {
            for (end, cols) in [(r.child, &r.child_columns), (r.parent, &r.parent_columns)] {
                let ent = ir.entities.get(end);
                let name = ent.map_or_else(|| format!("#{end}"), |e| e.qualified.clone());
                match declared.get(&end) {
                    None => problems.push(format!(
                        "ERD `{}`: a relationship ends at `{name}`, which the diagram does not declare",
                        self.title
                    )),
                    Some(n) => {
                        for c in cols.iter() {
                            if !n.columns.contains(c) {
                                problems.push(format!(
                                    "ERD `{}`: a relationship attaches to column #{c} of `{name}`, which its box does not show",
                                    self.title
                                ));
                            }
                        }
                    }
                }
            }
        }
        problems
    }
}

/// The diagram id of an entity, unique across domains.
pub fn node_id(ir: &Ir, e: EntityId) -> String {
    let ent = &ir.entities[e];
    format!("{}__{}", ir.domains[ent.domain].name, ent.name)
}

fn full_node(ir: &Ir, e: EntityId, qualified_label: bool) -> Node {
    let ent = &ir.entities[e];
    Node {
        entity: e,
        id: node_id(ir, e),
        label: if qualified_label {
            ent.qualified.clone()
        } else {
            ent.name.clone()
        },
        columns: ent.exported().map(|(i, _)| i).collect(),
        stub: false,
    }
}

/// Key markers of a column: `PK`, `FK`, `UK`, in that order.
pub fn key_markers(e: &Entity, a: AttrId) -> Vec<&'static str> {
    let mut m = Vec::new();
    if e.primary_key.contains(&a) {
        m.push("PK");
    }
    if e.foreign_keys.iter().any(|f| f.columns.contains(&a)) {
        m.push("FK");
    }
    if e.attributes[a].unique || e.unique.iter().any(|u| u.contains(&a)) {
        m.push("UK");
    }
    m
}

/// Children per parent row for the foreign key `fk` of `child`.
fn children_per_parent(child: &Entity, fk: FkId) -> Card {
    let f = &child.foreign_keys[fk];
    if let Pick::Hierarchy { .. } = f.pick {
        return Card::ZeroOrMore;
    }
    let same_set = |cols: &[AttrId]| {
        !cols.is_empty()
            && cols.len() == f.columns.len()
            && cols.iter().all(|c| f.columns.contains(c))
    };
    // A key that is itself unique in the child allows at most one child per parent.
    let unique_key = (f.columns.len() == 1 && child.attributes[f.columns[0]].unique)
        || child.unique.iter().any(|u| same_set(u))
        || same_set(&child.primary_key);
    if let (Pick::Parent, Rows::PerParent { count, when, .. }) = (&f.pick, &child.rows) {
        let at_most_one = unique_key || count.upper_bound().is_some_and(|m| m <= 1);
        let at_least_one = when.is_none() && min_count(count) >= 1;
        return match (at_most_one, at_least_one) {
            (true, true) => Card::ExactlyOne,
            (true, false) => Card::ZeroOrOne,
            (false, true) => Card::OneOrMore,
            (false, false) => Card::ZeroOrMore,
        };
    }
    if unique_key {
        Card::ZeroOrOne
    } else {
        Card::ZeroOrMore
    }
}

/// The smallest count the distribution can draw.
fn min_count(c: &CountDist) -> u64 {
    if c.zero_inflated > 0.0 {
        return 0;
    }
    let base = match c.base {
        CountBase::Fixed(n) => n,
        CountBase::Uniform(a, _) => a,
        CountBase::Poisson(_)
        | CountBase::Geometric(_)
        | CountBase::Bernoulli(_)
        | CountBase::Expr(_) => 0,
    };
    let m = base + c.shift;
    c.max.map_or(m, |x| m.min(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"domain: d
entities:
  parents:
    rows: 10
    primary_key: id
    attributes:
      id: { type: int64, key: sequence }
      boss: { ref: parents, hierarchy: { depth: 2 } }
  always:
    rows: { per: parents, count: { uniform: [1, 3] } }
    primary_key: [parent_id, n]
    attributes:
      parent_id: { ref: parents }
      n: { type: int32, key: child_index }
  maybe_one:
    rows: { per: parents, count: { bernoulli: 0.5 } }
    primary_key: id
    attributes:
      id: { type: int64, key: sequence }
      parent_id: { ref: parents }
  picks:
    rows: 5
    primary_key: id
    attributes:
      id: { type: int64, key: sequence }
      parent_id: { ref: parents, nulls: 0.5 }
"#;

    fn ir() -> Ir {
        let checked = crate::check_texts(&[("d.yaml", SPEC)]);
        match checked.ir.clone() {
            Some(ir) => ir,
            None => panic!("{}", checked.render(false)),
        }
    }

    fn rel<'g>(ir: &Ir, g: &'g Graph, child: &str) -> Vec<&'g Rel> {
        let e = ir.entity_by_name("d", child).expect("entity");
        g.outbound(e).collect()
    }

    #[test]
    fn cardinalities_follow_optionality_and_counts() {
        let ir = ir();
        let g = Graph::new(&ir);
        let h = rel(&ir, &g, "parents");
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].child, h[0].parent);
        assert_eq!(
            (h[0].parent_card, h[0].child_card, h[0].identifying),
            (Card::ZeroOrOne, Card::ZeroOrMore, false)
        );
        let a = rel(&ir, &g, "always")[0];
        assert_eq!(
            (a.parent_card, a.child_card, a.identifying),
            (Card::ExactlyOne, Card::OneOrMore, true)
        );
        let m = rel(&ir, &g, "maybe_one")[0];
        assert_eq!(
            (m.parent_card, m.child_card, m.identifying),
            (Card::ExactlyOne, Card::ZeroOrOne, false)
        );
        let p = rel(&ir, &g, "picks")[0];
        assert_eq!(
            (p.parent_card, p.child_card, p.identifying),
            (Card::ZeroOrOne, Card::ZeroOrMore, false)
        );
    }

    #[test]
    fn a_dangling_edge_is_reported_not_drawn() {
        let ir = ir();
        let g = Graph::new(&ir);
        let mut view = g.domain_view(&ir, 0);
        assert!(view.check(&ir).is_empty());
        let parents = ir.entity_by_name("d", "parents").unwrap();
        view.nodes.retain(|n| n.entity != parents);
        let problems = view.check(&ir);
        assert!(
            problems
                .iter()
                .any(|p| p.contains("ends at `d.parents`, which the diagram does not declare")),
            "{problems:?}"
        );
        assert!(super::super::mermaid::render(&ir, &view).is_err());
        assert!(super::super::graphviz::render(&ir, &view).is_err());
    }
}
