//! Problem details in the caller's language: English, or Chinese (简体中文) for an
//! `Accept-Language` that prefers `zh` / `zh-CN` (q-values honoured).
//!
//! Messages live in one catalogue per language (`locales/en.txt`, `locales/zh-CN.txt`), one
//! `key = text` a line, `{name}` for a value the message carries. Code goes on building
//! problems in English as it always has (`ApiError::field("uscc", "checksum", format!(…))`):
//! each English catalogue text is also the pattern that recognises such a message, and the
//! values it carries are put into the Chinese text. A message no entry matches stays English,
//! so a new error is never lost; adding its line to both catalogues translates it.
//! [`localize`] applies this once, to every problem document on its way out.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

mod template;

use template::Template;

/// The English catalogue (also the patterns messages are recognised by).
pub const EN: &str = include_str!("../../locales/en.txt");
/// The Chinese catalogue.
pub const ZH: &str = include_str!("../../locales/zh-CN.txt");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }
}

/// The language an `Accept-Language` field asks for (RFC 9110 §12.5.4): the supported range
/// of highest weight, the first listed on a tie; `q=0` refuses a range. `zh` and every `zh-*`
/// give Chinese; `en`, `en-*`, `*` and anything else English.
pub fn negotiate(field: Option<&str>) -> Lang {
    let Some(field) = field else {
        return Lang::En;
    };
    let mut best: Option<(f32, Lang)> = None;
    for item in field.split(',') {
        let mut parts = item.split(';');
        let range = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .find_map(|p| {
                let (k, v) = p.split_once('=')?;
                (k.trim() == "q").then(|| v.trim().parse::<f32>().ok())?
            })
            .unwrap_or(1.0);
        if !(q > 0.0 && q <= 1.0) {
            continue;
        }
        let lang = if range == "zh" || range.starts_with("zh-") {
            Lang::Zh
        } else if range == "en" || range.starts_with("en-") || range == "*" {
            Lang::En
        } else {
            continue;
        };
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map_or(Lang::En, |(_, lang)| lang)
}

/// A parsed catalogue: key → text.
pub fn parse(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line
            .split_once(" = ")
            .ok_or_else(|| format!("line {}: not `key = text`", n + 1))?;
        if out
            .insert(key.trim().to_string(), value.to_string())
            .is_some()
        {
            return Err(format!("line {}: {} twice", n + 1, key.trim()));
        }
    }
    Ok(out)
}

struct Entry {
    english: Template,
    chinese: Template,
}

/// English patterns with their Chinese texts, the most specific (most literal text) first.
static CATALOGUE: LazyLock<Vec<Entry>> = LazyLock::new(|| {
    let en = parse(EN).expect("locales/en.txt parses");
    let zh = parse(ZH).expect("locales/zh-CN.txt parses");
    let mut entries: Vec<Entry> = en
        .iter()
        .filter_map(|(key, english)| {
            Some(Entry {
                english: Template::pattern(english).ok()?,
                chinese: Template::parse(zh.get(key)?).ok()?,
            })
        })
        .collect();
    entries.sort_by_key(|e| std::cmp::Reverse(e.english.literal_len()));
    entries
});

/// How deep values are themselves translated (`{field}: {message}` holds a message).
const MAX_DEPTH: u8 = 3;

/// `text` in `lang`: the catalogue's translation when an entry recognises it, else as it is.
pub fn translate(text: &str, lang: Lang) -> String {
    match lang {
        Lang::En => text.to_string(),
        Lang::Zh => to_chinese(text, 0),
    }
}

fn to_chinese(text: &str, depth: u8) -> String {
    for entry in CATALOGUE.iter() {
        if let Some(values) = entry.english.matches(text) {
            let values: BTreeMap<&str, String> = values
                .into_iter()
                .map(|(name, v)| {
                    let v = if depth < MAX_DEPTH {
                        to_chinese(v, depth + 1)
                    } else {
                        v.to_string()
                    };
                    (name, v)
                })
                .collect();
            return entry.chinese.fill(&values);
        }
    }
    text.to_string()
}

/// Translates a problem document's `title`, `detail` and `errors[].message` in place.
pub fn translate_problem(problem: &mut serde_json::Value, lang: Lang) {
    for key in ["title", "detail"] {
        if let Some(s) = problem[key].as_str() {
            problem[key] = translate(s, lang).into();
        }
    }
    if let Some(errors) = problem["errors"].as_array_mut() {
        for e in errors {
            if let Some(s) = e["message"].as_str() {
                e["message"] = translate(s, lang).into();
            }
        }
    }
}

/// Every problem document in the language the request asks for, with `Content-Language`
/// and `Vary: Accept-Language`. Other answers pass untouched.
pub async fn localize(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, actix_web::Error> {
    let lang = negotiate(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let mut res = next.call(req).await?;
    let problem = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes()
            .starts_with(crate::error::PROBLEM_JSON.as_bytes())
    });
    if !problem {
        return Ok(res.map_into_left_body());
    }
    let headers = res.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("Accept-Language"));
    headers.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.tag()),
    );
    if lang == Lang::En {
        return Ok(res.map_into_left_body());
    }
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let bytes = actix_web::body::to_bytes(body)
        .await
        .map_err(|_| actix_web::error::ErrorInternalServerError("problem body"))?;
    let out = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(mut problem) => {
            translate_problem(&mut problem, lang);
            serde_json::to_vec(&problem).unwrap_or_else(|_| bytes.to_vec())
        }
        Err(_) => bytes.to_vec(),
    };
    let res = head.set_body(BoxBody::new(out));
    Ok(ServiceResponse::new(req, res).map_into_right_body())
}

#[cfg(test)]
mod tests;
