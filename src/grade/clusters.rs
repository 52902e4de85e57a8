//! Entity resolution: the user's `clusters` table (`system`, `entity`, `record_key`,
//! `cluster`) against the crosswalk, per golden entity — the crosswalk's `golden_entity`, so
//! the records of another system's entity whose `identity` names it (a CRM's contacts of the
//! shop's customers) are scored with it — pairwise over all pairs and over pairs across
//! systems, and B-cubed. A crosswalk record the user did not list is a cluster of its own; a
//! listed record the crosswalk lacks is reported, not scored.

use super::lake::Lake;
use super::read::{Table, texts};
use super::{ClusterScore, Examples, PairScore, Prf3};
use crate::score::{Assignment, bcubed, pair_counts};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

const COLUMNS: [&str; 4] = ["system", "entity", "record_key", "cluster"];

/// At most this many examples of unknown records are reported.
const EXAMPLES: usize = 5;

/// Checks the table's columns and names, then scores every entity it lists.
pub fn score(lake: &Lake, t: &Table) -> Result<Vec<ClusterScore>, String> {
    let file = t.path.display();
    let mut cols = Vec::new();
    for c in COLUMNS {
        let a = t.column(c).ok_or_else(|| {
            format!(
                "`{file}` has no column `{c}` (a clusters table has `system`, `entity`, \
                 `record_key` and `cluster`){}",
                hint(c, t.names())
            )
        })?;
        if c != "cluster" && !super::is_key_type(a.data_type()) {
            return Err(format!(
                "`{file}` column `{c}` is {}: it must hold text or whole numbers",
                a.data_type()
            ));
        }
        cols.push(texts(a.as_ref()));
    }
    if t.rows == 0 {
        return Err(format!("`{file}` is empty: it lists no record"));
    }
    let systems: BTreeSet<&str> = lake.crosswalk.iter().map(|l| l.system.as_str()).collect();
    let entities: BTreeSet<&str> = lake.crosswalk.iter().map(|l| l.entity.as_str()).collect();
    // The golden entity of every export the crosswalk knows.
    let golden: HashMap<(&str, &str), &str> = lake
        .crosswalk
        .iter()
        .map(|l| {
            (
                (l.system.as_str(), l.entity.as_str()),
                l.golden_entity.as_str(),
            )
        })
        .collect();
    // The user's cluster of every listed record, by golden entity; the first row of a record
    // counts.
    let mut listed: BTreeMap<&str, HashMap<Record, String>> = BTreeMap::new();
    let mut repeated: HashMap<&str, u64> = HashMap::new();
    let cell = |c: usize, i: usize| cols[c][i].clone();
    for i in 0..t.rows {
        let (Some(system), Some(entity), Some(key)) = (cell(0, i), cell(1, i), cell(2, i)) else {
            return Err(format!(
                "`{file}` row {}: `system`, `entity` and `record_key` must not be null",
                i + 1
            ));
        };
        for (name, known, what) in [
            (&system, &systems, "system"),
            (&entity, &entities, "entity"),
        ] {
            if !known.contains(name.as_str()) {
                return Err(format!(
                    "`{file}` row {}: unknown {what} `{name}`{}",
                    i + 1,
                    hint(name, known.iter().copied())
                ));
            }
        }
        let Some(&g) = golden.get(&(system.as_str(), entity.as_str())) else {
            let pairs: BTreeSet<String> = golden.keys().map(|(s, e)| format!("{s}/{e}")).collect();
            let wanted = format!("{system}/{entity}");
            return Err(format!(
                "`{file}` row {}: system `{system}` exports no `{entity}`{}",
                i + 1,
                hint(&wanted, pairs.iter().map(String::as_str))
            ));
        };
        let Some(cluster) = cell(3, i) else {
            continue;
        };
        let m = listed.entry(g).or_default();
        if m.insert((system, entity, key), cluster).is_some() {
            *repeated.entry(g).or_default() += 1;
        }
    }
    Ok(listed
        .into_iter()
        .map(|(g, user)| {
            let r = repeated.get(g).copied().unwrap_or(0);
            score_entity(lake, g, &user, r)
        })
        .collect())
}

/// A listed record: system, exported entity, record key.
type Record = (String, String, String);

/// The name of a golden entity (`domain.entity`) as the specs name the entity, or the
/// qualified name when entities of several domains share that name.
fn entity_name<'a>(lake: &'a Lake, golden: &'a str) -> &'a str {
    let Some(e) = lake.ir.entities.iter().find(|e| e.qualified == golden) else {
        return golden;
    };
    let shared = lake.ir.entities.iter().filter(|o| o.name == e.name).count() > 1;
    if shared { golden } else { e.name.as_str() }
}

/// A "did you mean" note for an unknown name, or nothing.
fn hint<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str> + Clone) -> String {
    crate::diagnostics::did_you_mean(name, candidates).map_or(String::new(), |h| format!("; {h}"))
}

fn score_entity(
    lake: &Lake,
    golden: &str,
    user: &HashMap<Record, String>,
    repeated: u64,
) -> ClusterScore {
    let mut records = Vec::new();
    let mut known: HashSet<Record> = HashSet::new();
    let mut unlisted = 0u64;
    for l in lake.crosswalk.iter().filter(|l| l.golden_entity == golden) {
        let record = (l.system.clone(), l.entity.clone(), l.record_key.clone());
        let (predicted, listed) = match user.get(&record) {
            Some(c) => (format!("c{c}"), true),
            None => (
                format!("s{}|{}|{}", l.system, l.entity, l.record_key),
                false,
            ),
        };
        if !known.insert(record) {
            continue;
        }
        unlisted += u64::from(!listed);
        records.push(Assignment {
            truth: l.golden_key.as_str(),
            predicted,
            system: l.system.as_str(),
        });
    }
    let mut unknown: Vec<String> = user
        .keys()
        .filter(|r| !known.contains(*r))
        .map(|(s, _, k)| format!("{s}/{k}"))
        .collect();
    unknown.sort();
    let pairs = |cross| PairScore::from(pair_counts(&records, cross));
    ClusterScore {
        entity: entity_name(lake, golden).to_string(),
        records: records.len() as u64,
        listed: records.len() as u64 - unlisted,
        unlisted,
        repeated,
        unknown: Examples {
            count: unknown.len() as u64,
            examples: unknown.into_iter().take(EXAMPLES).collect(),
        },
        pairs: pairs(false),
        cross_system_pairs: pairs(true),
        bcubed: Prf3::from(bcubed(&records)),
    }
}
