//! A catalogue text as a pattern: literal pieces and `{name}` values.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Value(String),
}

#[derive(Debug, Clone)]
pub struct Template {
    pub pieces: Vec<Piece>,
}

impl Template {
    /// Parses a pattern: as [`Template::parse`], and two values with no text between them,
    /// which could not be told apart, are refused.
    pub fn pattern(text: &str) -> Result<Template, String> {
        let t = Template::parse(text)?;
        if t.pieces
            .windows(2)
            .any(|w| matches!(w, [Piece::Value(_), Piece::Value(_)]))
        {
            return Err(format!("two values side by side in {text:?}"));
        }
        Ok(t)
    }

    /// Parses `text`; unclosed braces and bad value names are refused.
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_string()));
            }
            let close = rest[open..]
                .find('}')
                .ok_or_else(|| format!("unclosed {{ in {text:?}"))?
                + open;
            let name = &rest[open + 1..close];
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(format!("bad value name {name:?} in {text:?}"));
            }
            pieces.push(Piece::Value(name.to_string()));
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_string()));
        }
        Ok(Template { pieces })
    }

    /// The names of its values, sorted.
    #[cfg(test)]
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Value(n) => Some(n.as_str()),
                Piece::Text(_) => None,
            })
            .collect();
        names.sort_unstable();
        names
    }

    pub fn literal_len(&self) -> usize {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => t.len(),
                Piece::Value(_) => 0,
            })
            .sum()
    }

    /// The values of `text` if the whole of it has this form; each value is non-empty and
    /// ends at the first occurrence of the text that follows it.
    pub fn matches<'a>(&'a self, text: &'a str) -> Option<Vec<(&'a str, &'a str)>> {
        let mut values = Vec::new();
        let mut rest = text;
        let mut i = 0;
        while i < self.pieces.len() {
            match &self.pieces[i] {
                Piece::Text(t) => rest = rest.strip_prefix(t.as_str())?,
                Piece::Value(name) => match self.pieces.get(i + 1) {
                    Some(Piece::Text(next)) => {
                        // Search past the first character: a value is never empty.
                        let first = rest.chars().next()?.len_utf8();
                        let at = rest[first..].find(next.as_str())? + first;
                        values.push((name.as_str(), &rest[..at]));
                        rest = &rest[at..];
                    }
                    _ => {
                        if rest.is_empty() {
                            return None;
                        }
                        values.push((name.as_str(), rest));
                        rest = "";
                    }
                },
            }
            i += 1;
        }
        rest.is_empty().then_some(values)
    }

    /// The text with `values` put in (a value it lacks stays `{name}`).
    pub fn fill(&self, values: &BTreeMap<&str, String>) -> String {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Value(n) => match values.get(n.as_str()) {
                    Some(v) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(n);
                        out.push('}');
                    }
                },
            }
        }
        out
    }
}
