//! Partitioning: a valid partition key that is not an attribute, from a non-null date or
//! timestamp attribute.

use crate::codes;
use crate::ir::*;
use crate::resolve::Resolver;

impl Resolver<'_> {
    /// Checks entity `eid`'s `partition_by` and records the partition.
    pub(super) fn partition(&mut self, eid: EntityId) {
        let Some(p) = &self.asts[eid].partition_by else {
            return;
        };
        let key = p
            .value
            .key
            .as_ref()
            .map_or_else(|| "dt".to_string(), |k| k.value.clone());
        let key_span = p.value.key.as_ref().map_or(p.span, |k| k.span);
        if !crate::resolve::is_ident(&key) {
            self.err(
                codes::BAD_IDENT,
                key_span,
                format!("partition key `{key}` is not a valid identifier"),
                Some("use a lower-case name such as `dt`".into()),
            );
            return;
        }
        if self.entities[eid].attr(&key).is_some() {
            self.err(codes::BAD_PARTITION, key_span, format!("partition key `{key}` is also an attribute"), Some("Athena rejects a partition column that repeats a table column; name it e.g. `dt`".into()));
            return;
        }
        let Some(from) = self.entities[eid].attr(&p.value.from.value) else {
            self.unknown_attr(eid, &p.value.from.value.clone(), p.value.from.span);
            return;
        };
        let fa = &self.entities[eid].attributes[from];
        if !fa.ty.is_temporal() || fa.nullable {
            let why = if fa.nullable {
                format!(
                    " and nullable ({})",
                    super::nullability::nullable_reason(&self.entities, eid, from)
                )
            } else {
                String::new()
            };
            let msg = format!(
                "partitions come from `{}`, which is {}{why}",
                fa.name, fa.ty
            );
            self.err(
                codes::BAD_PARTITION,
                p.value.from.span,
                msg,
                Some("partition by a non-null date or timestamp attribute".into()),
            );
            return;
        }
        let granularity = p
            .value
            .granularity
            .as_ref()
            .map_or(Granularity::Month, |g| crate::resolve::granularity(g.value));
        self.entities[eid].partition = Some(Partition {
            key,
            from,
            granularity,
        });
    }
}
