//! `extends = "ex2"`: a spec written as its differences from a built-in one (the Python
//! track's specs, an instructor's variant of an exercise).
//!
//! The rules, applied to the TOML before it is read as a [`super::Spec`]:
//! - a top-level key of the spec replaces the built-in's whole (`hints = []` drops its hints);
//! - a `[[checks]]` entry whose `id` the built-in has is merged into that check key by key, each
//!   key given replacing the built-in's (a different `kind` replaces the check whole); one with
//!   a new `id` is added after the built-in's checks;
//! - `remove_checks = ["id", ...]` leaves those checks of the built-in out.
//!
//! The built-in must not extend another: one level, so a spec reads as "that one, but".

use toml::{Table, Value};

const REMOVE_IDS: &str = "`remove_checks` lists check ids, as strings";
const CHECKS_LIST: &str = "`checks` is a list of [[checks]]";

/// `spec` with what it `extends` filled in from `builtin` (the text of a built-in spec by id);
/// `spec` itself when it extends nothing.
pub(super) fn resolve(
    mut spec: Table,
    builtin: impl Fn(&str) -> Option<&'static str>,
) -> Result<Table, String> {
    let Some(parent) = spec.remove("extends") else {
        return Ok(spec);
    };
    let parent = parent
        .as_str()
        .ok_or("`extends` names a built-in spec, as a string (\"ex2\")")?;
    let text = builtin(parent).ok_or_else(|| format!("`extends`: no built-in spec `{parent}`"))?;
    let mut base: Table = toml::from_str(text).map_err(|e| format!("{parent}: {e}"))?;
    if base.contains_key("extends") {
        return Err(format!("`extends`: `{parent}` extends another spec itself"));
    }
    let removed = match spec.remove("remove_checks") {
        None => Vec::new(),
        Some(Value::Array(ids)) => ids
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or(REMOVE_IDS)?,
        Some(_) => return Err(REMOVE_IDS.into()),
    };
    let changes = match spec.remove("checks") {
        None => Vec::new(),
        Some(Value::Array(checks)) => checks,
        Some(_) => return Err(CHECKS_LIST.into()),
    };
    let mut checks = match base.remove("checks") {
        Some(Value::Array(checks)) => checks,
        _ => Vec::new(),
    };
    for id in &removed {
        let before = checks.len();
        checks.retain(|c| id_of(c) != Some(id.as_str()));
        if checks.len() == before {
            return Err(format!("`remove_checks`: `{parent}` has no check `{id}`"));
        }
    }
    for change in changes {
        let Value::Table(change) = change else {
            return Err(CHECKS_LIST.into());
        };
        let id = change
            .get("id")
            .and_then(Value::as_str)
            .ok_or("every [[checks]] entry has an `id`")?
            .to_string();
        match checks.iter_mut().find(|c| id_of(c) == Some(id.as_str())) {
            Some(Value::Table(check))
                if change
                    .get("kind")
                    .is_none_or(|k| check.get("kind") == Some(k)) =>
            {
                check.extend(change);
            }
            Some(check) => *check = Value::Table(change),
            None => checks.push(Value::Table(change)),
        }
    }
    base.extend(spec);
    base.insert("checks".into(), Value::Array(checks));
    Ok(base)
}

fn id_of(check: &Value) -> Option<&str> {
    check.get("id").and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARENT: &str = r#"
        id = "ex2"
        title = "the parent"
        hints = [{ level = "nudge" }]
        [[checks]]
        id = "a"
        kind = "series"
        metric = "m"
        labels = ["x"]
        [[checks]]
        id = "b"
        kind = "target_up"
        [[checks]]
        id = "c"
        kind = "promql"
        query = "up"
    "#;

    fn resolved(child: &str) -> Result<Table, String> {
        resolve(toml::from_str(child).unwrap(), |id| {
            (id == "ex2").then_some(PARENT)
        })
    }

    fn check<'a>(t: &'a Table, id: &str) -> Option<&'a Table> {
        t["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| id_of(c) == Some(id))
            .and_then(Value::as_table)
    }

    #[test]
    fn keys_replace_checks_merge_by_id_and_removed_checks_go() {
        let t = resolved(
            r#"
            extends = "ex2"
            title = "the child"
            hints = []
            remove_checks = ["b"]
            [[checks]]
            id = "a"
            metric = "n"
            [[checks]]
            id = "c"
            kind = "target_up"
            [[checks]]
            id = "d"
            kind = "exposition"
        "#,
        )
        .unwrap();
        assert_eq!(t["id"].as_str(), Some("ex2"));
        assert_eq!(t["title"].as_str(), Some("the child"));
        assert_eq!(t["hints"].as_array().map(Vec::len), Some(0));
        let ids: Vec<_> = t["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(id_of)
            .collect();
        assert_eq!(ids, ["a", "c", "d"]);
        // Merged key by key: the new metric, the parent's labels.
        let a = check(&t, "a").unwrap();
        assert_eq!(a["metric"].as_str(), Some("n"));
        assert_eq!(a["labels"].as_array().map(Vec::len), Some(1));
        // Another kind replaces the check whole: the promql query does not stay.
        let c = check(&t, "c").unwrap();
        assert!(!c.contains_key("query"), "{c:?}");
        assert!(!t.contains_key("extends") && !t.contains_key("remove_checks"));
    }

    #[test]
    fn what_cannot_be_resolved_is_said() {
        let unknown = resolved("extends = \"ex99\"").unwrap_err();
        assert!(unknown.contains("no built-in spec `ex99`"), "{unknown}");
        let gone = resolved("extends = \"ex2\"\nremove_checks = [\"z\"]").unwrap_err();
        assert!(gone.contains("has no check `z`"), "{gone}");
        let no_id = resolved("extends = \"ex2\"\n[[checks]]\nkind = \"exposition\"").unwrap_err();
        assert!(no_id.contains("has an `id`"), "{no_id}");
        let chained = resolve(toml::from_str("extends = \"ex2\"").unwrap(), |_| {
            Some("extends = \"ex1\"")
        })
        .unwrap_err();
        assert!(chained.contains("extends another spec itself"), "{chained}");
    }
}
