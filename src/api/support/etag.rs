//! Versions as strong ETags: `ETag` on every versioned resource, `If-Match` on its changes.

use actix_web::http::header;
use actix_web::HttpRequest;

use crate::error::{ApiError, ApiResult};

/// The strong ETag of a versioned resource.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// A JSON response carrying the resource's version as its `ETag`.
pub fn with_etag<T: serde::Serialize>(
    mut builder: actix_web::HttpResponseBuilder,
    version: i32,
    body: &T,
) -> actix_web::HttpResponse {
    builder
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

/// `201 Created` for a new versioned resource: its `Location` and its version as the `ETag`.
pub fn created<T: serde::Serialize>(
    location: String,
    version: i32,
    body: &T,
) -> actix_web::HttpResponse {
    with_etag(
        actix_web::HttpResponse::Created()
            .insert_header((header::LOCATION, location))
            .take(),
        version,
        body,
    )
}

/// The version an `If-Match` header demands, if any; `*` demands nothing.
/// A header that names no version of ours can never match: 412.
pub fn if_match(req: &HttpRequest) -> ApiResult<Option<i32>> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::PreconditionFailed)?
        .trim();
    let tag = value.strip_prefix("W/").unwrap_or(value);
    let quoted = tag.len() >= 2 && tag.starts_with('"') && tag.ends_with('"');
    if value.is_empty() || (value != "*" && !quoted) {
        // Not an entity tag at all (RFC 9110 §8.8.3: `"…"`, `W/"…"` or `*`): malformed, not
        // unmet. A well-formed tag that names no version of ours is 412 below.
        return Err(ApiError::BadFields(
            "If-Match must name an entity tag (the ETag last read) or *".into(),
            vec![crate::error::FieldError::new(
                "If-Match",
                "invalid_value",
                "must name an entity tag or *",
            )],
        ));
    }
    if value == "*" {
        return Ok(None);
    }
    value
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse::<i32>()
        .map(Some)
        .map_err(|_| ApiError::PreconditionFailed)
}

/// The opaque tags an `If-None-Match` field lists (`"a", W/"b"`), their weakness dropped: the
/// weak comparison of RFC 9110 §8.8.3.2 compares the quoted parts only. `None` for `*`; an
/// empty list when the field is not a list of entity tags (then nothing matches).
fn listed_tags(field: &str) -> Option<Vec<&str>> {
    let blank = [' ', '\t'];
    if field.trim_matches(blank) == "*" {
        return None;
    }
    let mut tags = Vec::new();
    let mut rest = field.trim_start_matches(blank);
    loop {
        rest = rest.strip_prefix("W/").unwrap_or(rest);
        let Some((tag, after)) = rest
            .strip_prefix('"')
            .and_then(|open| open.find('"').map(|end| (&open[..end], &open[end + 1..])))
        else {
            return Some(Vec::new());
        };
        tags.push(tag);
        rest = after.trim_start_matches(blank);
        if rest.is_empty() {
            return Some(tags);
        }
        // Tags are separated by one comma; anything else is not a list of entity tags.
        match rest.strip_prefix(',') {
            Some(next) => rest = next.trim_start_matches(blank),
            None => return Some(Vec::new()),
        }
    }
}

/// The longest `If-None-Match` field read (about a hundred tags).
pub const MAX_IF_NONE_MATCH: usize = 1024;

/// Whether an `If-None-Match` field is `*` or a list of entity tags, within the bound.
pub fn well_formed_none_match(field: &str) -> bool {
    field.len() <= MAX_IF_NONE_MATCH && listed_tags(field).is_none_or(|tags| !tags.is_empty())
}

/// Whether a response carrying `etag` is "not modified" for this `If-None-Match` field: `*`
/// matches any current representation, a list matches when one of its tags is weakly equal.
pub fn none_match(field: &str, etag: &str) -> bool {
    let current = etag.trim();
    let current = current.strip_prefix("W/").unwrap_or(current);
    let Some(current) = current.strip_prefix('"').and_then(|c| c.strip_suffix('"')) else {
        return false;
    };
    match listed_tags(field) {
        None => true,
        Some(tags) => tags.contains(&current),
    }
}

/// Conditional GET for every resource that answers an `ETag` (RFC 9110 §13.1.2): a `GET` or
/// `HEAD` whose `If-None-Match` matches the `ETag` of its 200 answer gets `304 Not Modified`,
/// with no body and the same headers (`ETag` included). Once, as a middleware, so no handler
/// spells it out.
pub async fn conditional_get(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<
    actix_web::dev::ServiceResponse<
        actix_web::body::EitherBody<impl actix_web::body::MessageBody, actix_web::body::BoxBody>,
    >,
    actix_web::Error,
> {
    use actix_web::http::{Method, StatusCode};
    let condition = matches!(*req.method(), Method::GET | Method::HEAD)
        .then(|| req.headers().get(header::IF_NONE_MATCH).cloned())
        .flatten();
    let res = next.call(req).await?;
    let tag = res
        .headers()
        .get(header::ETAG)
        .and_then(|tag| tag.to_str().ok())
        .filter(|_| res.status() == StatusCode::OK);
    let (Some(field), Some(tag)) = (condition, tag) else {
        return Ok(res.map_into_left_body());
    };
    // A tagged read states the header's form; a field of another form is refused, as
    // `If-Match`'s is, rather than silently ignored.
    let field = field.to_str().ok().filter(|f| well_formed_none_match(f));
    let Some(field) = field else {
        let (req, _) = res.into_parts();
        let refused = actix_web::ResponseError::error_response(&ApiError::BadFields(
            "If-None-Match must list entity tags (the ETags last read) or be *".into(),
            vec![crate::error::FieldError::new(
                "If-None-Match",
                "invalid_value",
                "must list entity tags or be *",
            )],
        ));
        return Ok(actix_web::dev::ServiceResponse::new(req, refused).map_into_right_body());
    };
    if !none_match(field, tag) {
        return Ok(res.map_into_left_body());
    }
    let (req, old) = res.into_parts();
    let mut not_modified = actix_web::HttpResponse::NotModified().finish();
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            not_modified
                .headers_mut()
                .append(name.clone(), value.clone());
        }
    }
    Ok(actix_web::dev::ServiceResponse::new(req, not_modified).map_into_right_body())
}

#[cfg(test)]
mod tests {
    use super::{none_match, well_formed_none_match, MAX_IF_NONE_MATCH};

    #[test]
    fn if_none_match_uses_weak_comparison_over_lists() {
        assert!(none_match("\"3\"", "\"3\""));
        assert!(none_match("W/\"3\"", "\"3\""));
        assert!(none_match("\"3\"", "W/\"3\""));
        assert!(none_match("\"1\", W/\"3\" ,\"7\"", "\"3\""));
        assert!(none_match("*", "\"3\""));
        assert!(!none_match("\"4\"", "\"3\""));
        assert!(!none_match("\"30\"", "\"3\""));
        // A comma may stand inside an opaque tag; it does not split it.
        assert!(none_match("\"a,b\"", "\"a,b\""));
        assert!(!none_match("\"a,b\"", "\"a\""));
        // Not a list of entity tags: nothing matches.
        assert!(!none_match("3", "\"3\""));
        assert!(!none_match("\"3", "\"3\""));
        assert!(!none_match("", "\"3\""));
        assert!(well_formed_none_match("*"));
        assert!(well_formed_none_match("\"1\", W/\"2\""));
        assert!(!well_formed_none_match(""));
        assert!(!well_formed_none_match("3"));
        assert!(!well_formed_none_match("\"1\",,\"2\""));
        assert!(!well_formed_none_match(",\"1\""));
        assert!(!well_formed_none_match("\"1\","));
        assert!(!well_formed_none_match("\"1\" \"2\""));
        assert!(!well_formed_none_match(&format!(
            "\"{}\"",
            "1".repeat(MAX_IF_NONE_MATCH)
        )));
    }
}
