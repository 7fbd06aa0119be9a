//! A submission's answers: a TOML file with one `name = value` per question of the exercise.
//! A PromQL answer is a string (a multi-line query goes between `'''`); a reading of a load
//! (ex7) may be a word or a number.

use std::collections::BTreeMap;
use std::path::Path;

use crate::lang::{Text, both};

#[derive(Debug)]
pub struct Answers {
    /// The file's name in the submission (`respostas.toml`).
    pub file: String,
    /// The answers by question, or why the file could not be read.
    parsed: Result<BTreeMap<String, toml::Value>, String>,
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

    /// The query answering `question`, trimmed; why there is none otherwise.
    pub fn get(&self, question: &str) -> Result<&str, Text> {
        match self.value(question)? {
            toml::Value::String(q) if !q.trim().is_empty() => Ok(q.trim()),
            toml::Value::String(_) => Err(self.missing(question)),
            other => Err(both(
                format!(
                    "`{question}` deve ser uma consulta entre aspas, não {}",
                    other.type_str()
                ),
                format!(
                    "`{question}` must be a query between quotes, not a {}",
                    other.type_str()
                ),
            )),
        }
    }

    /// The answer to `question` as written, a word or a number (`"sobe"`, `12`), trimmed;
    /// why there is none otherwise.
    pub fn word(&self, question: &str) -> Result<String, Text> {
        match self.value(question)? {
            toml::Value::String(w) if !w.trim().is_empty() => Ok(w.trim().to_string()),
            toml::Value::String(_) => Err(self.missing(question)),
            toml::Value::Integer(n) => Ok(n.to_string()),
            toml::Value::Float(x) => Ok(x.to_string()),
            other => Err(both(
                format!(
                    "`{question}` deve ser uma palavra ou um número, não {}",
                    other.type_str()
                ),
                format!(
                    "`{question}` must be a word or a number, not a {}",
                    other.type_str()
                ),
            )),
        }
    }

    fn value(&self, question: &str) -> Result<&toml::Value, Text> {
        let answers = self.parsed.as_ref().map_err(|e| {
            both(
                format!("{} não pôde ser lido: {e}", self.file),
                format!("{} could not be read: {e}", self.file),
            )
        })?;
        answers.get(question).ok_or_else(|| self.missing(question))
    }

    fn missing(&self, question: &str) -> Text {
        both(
            format!("sem resposta para `{question}` em {}", self.file),
            format!("no answer to `{question}` in {}", self.file),
        )
    }
}

fn parse(text: &str) -> Result<BTreeMap<String, toml::Value>, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
    Ok(table.into_iter().collect())
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
        assert!(parse("x = ").is_err());
        let n = Answers {
            file: "r.toml".into(),
            parsed: parse("n = 3\nw = ' sobe '").map_err(|e| e.to_string()),
        };
        assert!(n.get("n").unwrap_err().en.contains("`n` must be a query"));
        assert_eq!(n.word("n").unwrap(), "3");
        assert_eq!(n.word("w").unwrap(), "sobe");
    }
}
