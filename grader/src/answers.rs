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

    /// The number answering `question` (`0.075`, `16`, or the same between quotes, with a
    /// decimal comma or point); why there is none otherwise.
    pub fn number(&self, question: &str) -> Result<f64, Text> {
        let v = self.filled(question)?;
        as_number(v).ok_or_else(|| {
            both(
                format!("`{question}` deve ser um número, não {}", shown(v)),
                format!("`{question}` must be a number, not {}", shown(v)),
            )
        })
    }

    /// The list of numbers answering `question` (`[0.06, 0.5, 0.98]`).
    pub fn numbers(&self, question: &str) -> Result<Vec<f64>, Text> {
        let v = self.filled(question)?;
        let list = v.as_array().and_then(|a| a.iter().map(as_number).collect());
        list.ok_or_else(|| {
            both(
                format!(
                    "`{question}` deve ser uma lista de números, como [0.1, 0.5], não {}",
                    shown(v)
                ),
                format!(
                    "`{question}` must be a list of numbers, such as [0.1, 0.5], not {}",
                    shown(v)
                ),
            )
        })
    }

    /// A mean with its 95 % interval answering `question`, `{ media = X, ic95 = [a, b] }`;
    /// a bare number is a mean given without an interval (`None`).
    pub fn estimate(&self, question: &str) -> Result<(f64, Option<(f64, f64)>), Text> {
        let v = self.filled(question)?;
        if let Some(x) = as_number(v) {
            return Ok((x, None));
        }
        let wrong = || {
            both(
                format!(
                    "`{question}` deve ser {{ media = X, ic95 = [A, B] }}, não {}",
                    shown(v)
                ),
                format!(
                    "`{question}` must be {{ media = X, ic95 = [A, B] }}, not {}",
                    shown(v)
                ),
            )
        };
        let table = v.as_table().ok_or_else(wrong)?;
        let mean = table.get("media").and_then(as_number).ok_or_else(wrong)?;
        let interval = match table.get("ic95") {
            None => None,
            Some(i) => match i
                .as_array()
                .map(|a| a.iter().map(as_number).collect::<Option<Vec<f64>>>())
            {
                Some(Some(ends)) => match ends[..] {
                    [a, b] => Some((a, b)),
                    _ => return Err(wrong()),
                },
                _ => return Err(wrong()),
            },
        };
        Ok((mean, interval))
    }

    /// The answer to `question` for the readers of numbers: a blank string or an empty list,
    /// as a starter leaves them, is no answer.
    fn filled(&self, question: &str) -> Result<&toml::Value, Text> {
        match self.value(question)? {
            toml::Value::String(s) if s.trim().is_empty() => Err(self.missing(question)),
            toml::Value::Array(a) if a.is_empty() => Err(self.missing(question)),
            v => Ok(v),
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

/// A TOML number, or a string holding one (`"0,075"` as Portuguese writes it).
fn as_number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Integer(n) => Some(*n as f64),
        toml::Value::Float(x) => Some(*x),
        toml::Value::String(s) => s.trim().replace(',', ".").parse().ok(),
        _ => None,
    }
    .filter(|x: &f64| x.is_finite())
}

/// A value as the student wrote it, for a message.
fn shown(v: &toml::Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 60 {
        format!("`{}…`", text.chars().take(60).collect::<String>())
    } else {
        format!("`{text}`")
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

    #[test]
    fn numbers_lists_and_estimates_read_as_students_write_them() {
        let a = Answers {
            file: "p.toml".into(),
            parsed: parse(
                "s = 0.075\nv = '0,075'\nn = 16\nu = [0.06, 1, '0,5']\nx = { media = 210.5, ic95 = [208, 213] }\none = 210\nbad = { media = 1, ic95 = [1] }\nw = 'gateway'",
            )
            .map_err(|e| e.to_string()),
        };
        assert_eq!(a.number("s").unwrap(), 0.075);
        assert_eq!(a.number("v").unwrap(), 0.075);
        assert_eq!(a.number("n").unwrap(), 16.0);
        assert!(a.number("w").unwrap_err().en.contains("must be a number"));
        assert_eq!(a.numbers("u").unwrap(), vec![0.06, 1.0, 0.5]);
        assert!(a.numbers("s").is_err());
        assert_eq!(a.estimate("x").unwrap(), (210.5, Some((208.0, 213.0))));
        assert_eq!(a.estimate("one").unwrap(), (210.0, None));
        assert!(a.estimate("bad").unwrap_err().en.contains("ic95"));
        assert!(a.estimate("falta").unwrap_err().en.contains("no answer"));
        let blank = Answers {
            file: "p.toml".into(),
            parsed: parse("n = ''\nu = []\nx = ' '").map_err(|e| e.to_string()),
        };
        assert!(blank.number("n").unwrap_err().en.contains("no answer"));
        assert!(blank.numbers("u").unwrap_err().en.contains("no answer"));
        assert!(blank.estimate("x").unwrap_err().en.contains("no answer"));
    }
}
