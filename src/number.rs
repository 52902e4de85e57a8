//! Number parsing shared by the spec loader and the IR: a leaf module with no dependency on
//! either, so both stages read numbers the same way without importing one another.

/// Parses a YAML 1.2 number (plain scalar), refusing NaN and infinities.
pub fn parse_f64(text: &str) -> Option<f64> {
    let t = text.replace('_', "");
    let v: f64 = t.parse().ok()?;
    v.is_finite().then_some(v)
}
