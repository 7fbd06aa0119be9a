//! A submission's answers in PromQL: a TOML file with one `name = "query"` per question of
//! the exercise (a multi-line query goes between `'''`).

use std::collections::BTreeMap;
use std::path::Path;

use crate::lang::{Text, both};

#[derive(Debug)]
pub struct Answers {
    /// The file's name in the submission (`respostas.toml`).
    pub file: String,
    /// The answers by question, or why the file could not be read.
    parsed: Result<BTreeMap<String, String>, String>,
}

impl Answers {
    pub fn load(submission: &Path, file: &str) -> Self {
        let path = submission.join(file);
        let parsed = std::fs::read_to_string(&path)
            .map_err(|e| format!("{}: {e}", path.display()))
            .and_then(|text| parse(&text));
        Self {
            file: file.to_string(),
            parsed,
        }
    }

    /// The answer to `question`, trimmed; why there is none otherwise.
    pub fn get(&self, question: &str) -> Result<&str, Text> {
        let answers = self.parsed.as_ref().map_err(|e| {
            both(
                format!("{} não pôde ser lido: {e}", self.file),
                format!("{} could not be read: {e}", self.file),
            )
        })?;
        match answers.get(question).map(|q| q.trim()) {
            Some(q) if !q.is_empty() => Ok(q),
            _ => Err(both(
                format!("sem resposta para `{question}` em {}", self.file),
                format!("no answer to `{question}` in {}", self.file),
            )),
        }
    }
}

fn parse(text: &str) -> Result<BTreeMap<String, String>, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
    table
        .into_iter()
        .map(|(k, v)| match v {
            toml::Value::String(q) => Ok((k, q)),
            other => Err(format!(
                "`{k}` must be a query between quotes, not a {}",
                other.type_str()
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_by_name_and_blank_ones_are_missing() {
        let a = parse("total = 'sum(x)'\nvazio = ''\nlonga = '''\nsum by (a) (\n  y\n)\n'''\n")
            .unwrap();
        let answers = Answers {
            file: "r.toml".into(),
            parsed: Ok(a),
        };
        assert_eq!(answers.get("total").unwrap(), "sum(x)");
        assert_eq!(answers.get("longa").unwrap(), "sum by (a) (\n  y\n)");
        assert!(answers.get("vazio").unwrap_err().en.contains("no answer"));
        assert!(answers.get("outra").is_err());
        assert!(parse("n = 3").unwrap_err().contains("`n` must be a query"));
        assert!(parse("x = ").is_err());
    }
}
