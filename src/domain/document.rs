//! The cooperative's archive (档案): what a document may be, how its type is told from its
//! bytes (never from its name or the client's word), where its bytes live, how its name is
//! given back.

use std::ops::RangeInclusive;

use super::cooperative::text_enum;

text_enum! {
    /// What a document of the archive is.
    DocumentKind {
        /// 章程
        Charter => "charter",
        /// Minutes of a meeting (会议记录).
        Minutes => "minutes",
        /// 财务报表
        FinancialStatement => "financial_statement",
        /// 年度报告
        AnnualReport => "annual_report",
        /// 成员名册
        MemberRoster => "member_roster",
        /// 合同
        Contract => "contract",
        /// Evidence for a claim or an application.
        Evidence => "evidence",
        Other => "other",
    }
}

/// The largest document accepted: 20 MiB.
pub const MAX_SIZE: u64 = 20 * 1024 * 1024;
/// The years a document may be filed under.
pub const YEARS: RangeInclusive<i32> = super::calendar::MIN_YEAR..=super::calendar::MAX_YEAR;
/// A title's length, in characters.
pub const TITLE_MAX: usize = 200;
/// A file name is kept to this many characters.
pub const FILE_NAME_MAX: usize = 255;

/// The accepted types: (media type, what people call it).
pub const ACCEPTED: [(&str, &str); 5] = [
    ("application/pdf", "PDF"),
    ("image/jpeg", "JPEG"),
    ("image/png", "PNG"),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "DOCX",
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "XLSX",
    ),
];

/// Why a file's content is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    #[error("the file is empty")]
    Empty,
    #[error("the file's content is {0}; only PDF, JPEG, PNG, DOCX and XLSX documents are kept")]
    Refused(String),
    #[error("the file's content is of no known type; only PDF, JPEG, PNG, DOCX and XLSX documents are kept")]
    Unknown,
}

impl ContentError {
    pub fn code(&self) -> &'static str {
        match self {
            ContentError::Empty => "empty",
            ContentError::Refused(_) | ContentError::Unknown => "file_type",
        }
    }
}

/// How many of a file's first bytes tell its type (every accepted type's signature, and
/// `infer`'s reading of a ZIP's first entries, lie well within them).
pub const HEAD: usize = 64 * 1024;

/// The media type of `bytes`, read from their content (magic numbers; DOCX and XLSX are told
/// apart from other ZIP files by their first entries), if it is one the archive keeps.
pub fn content_type(bytes: &[u8]) -> Result<&'static str, ContentError> {
    let head = &bytes[..bytes.len().min(HEAD)];
    content_type_of(head, bytes.len() as u64, |at, len| {
        let at = usize::try_from(at).ok()?;
        bytes.get(at..at.checked_add(len)?).map(<[u8]>::to_vec)
    })
}

/// The media type of a file of `len` bytes from its first bytes (`head`, up to [`HEAD`]) and,
/// for a ZIP, its central directory, read by `read_at(offset, len)` (`None` past the end):
/// a few small reads, never the whole file.
pub fn content_type_of(
    head: &[u8],
    len: u64,
    read_at: impl FnMut(u64, usize) -> Option<Vec<u8>>,
) -> Result<&'static str, ContentError> {
    if len == 0 || head.is_empty() {
        return Err(ContentError::Empty);
    }
    let Some(found) = infer::get(head) else {
        return Err(ContentError::Unknown);
    };
    let accepted = ACCEPTED
        .iter()
        .map(|(mime, _)| *mime)
        .find(|mime| *mime == found.mime_type());
    match accepted {
        Some(mime) => Ok(mime),
        // `infer` recognises a DOCX or XLSX only when its first or third entry is the
        // document's part; writers order entries as they like, so a ZIP is also read by
        // its central directory.
        None if found.mime_type() == "application/zip" => {
            ooxml_type(len, read_at).ok_or_else(|| ContentError::Refused(found.mime_type().into()))
        }
        None => Err(ContentError::Refused(found.mime_type().to_string())),
    }
}

const DOCX: &str = ACCEPTED[3].0;
const XLSX: &str = ACCEPTED[4].0;

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?) as usize)
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize)
}

/// The parts an Office Open XML package is told by.
#[derive(Default)]
struct Parts {
    content_types: bool,
    word: bool,
    xl: bool,
}

/// Which of the telling parts a ZIP file of `len` bytes holds, from its central directory
/// (at most 10,000 entries read, one at a time).
fn zip_parts(len: u64, mut read_at: impl FnMut(u64, usize) -> Option<Vec<u8>>) -> Option<Parts> {
    // The end-of-central-directory record: 22 bytes and a comment of at most 64 KiB.
    let tail_len = len.min(22 + 65_535) as usize;
    let tail_from = len - tail_len as u64;
    let tail = read_at(tail_from, tail_len)?;
    let eocd = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| tail[i..].starts_with(b"PK\x05\x06"))?;
    let count = u16_at(&tail, eocd + 10)?.min(10_000);
    let mut at = u32_at(&tail, eocd + 16)? as u64;
    let mut parts = Parts::default();
    for _ in 0..count {
        let entry = read_at(at, 46)?;
        if !entry.starts_with(b"PK\x01\x02") {
            return None;
        }
        let (name_len, extra, comment) = (
            u16_at(&entry, 28)?,
            u16_at(&entry, 30)?,
            u16_at(&entry, 32)?,
        );
        let name = read_at(at + 46, name_len)?;
        match name.as_slice() {
            b"[Content_Types].xml" => parts.content_types = true,
            b"word/document.xml" => parts.word = true,
            b"xl/workbook.xml" => parts.xl = true,
            _ => {}
        }
        at += (46 + name_len + extra + comment) as u64;
    }
    Some(parts)
}

/// DOCX or XLSX by the parts an Office Open XML package must hold: `[Content_Types].xml` and
/// `word/document.xml` or `xl/workbook.xml`.
fn ooxml_type(
    len: u64,
    read_at: impl FnMut(u64, usize) -> Option<Vec<u8>>,
) -> Option<&'static str> {
    let parts = zip_parts(len, read_at)?;
    if !parts.content_types {
        return None;
    }
    if parts.word {
        Some(DOCX)
    } else if parts.xl {
        Some(XLSX)
    } else {
        None
    }
}

/// Where the bytes with this SHA-256 (lower-case hex) are kept: `<first two>/<all 64>`.
pub fn object_path(sha256: &str) -> String {
    format!("{}/{sha256}", &sha256[..2.min(sha256.len())])
}

/// The name a file is given back under: the last segment of what the client sent (no
/// folders), without control characters, at most [`FILE_NAME_MAX`] characters; `document`
/// when nothing is left.
pub fn clean_file_name(raw: Option<&str>) -> String {
    let last = raw.unwrap_or("").rsplit(['/', '\\']).next().unwrap_or("");
    let name: String = last
        .chars()
        .filter(|c| !c.is_control())
        .take(FILE_NAME_MAX)
        .collect();
    let name = name.trim();
    if name.is_empty() || name == "." || name == ".." {
        "document".into()
    } else {
        name.to_string()
    }
}

/// `Content-Disposition` of a download: `attachment`, an ASCII `filename` fallback (others
/// replaced by `_`) and the exact name as `filename*=UTF-8''…` (RFC 5987 / RFC 6266).
pub fn content_disposition(file_name: &str) -> String {
    let fallback: String = file_name
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() && c != '"' && c != '\\') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(file_name.len() * 3);
    for b in file_name.bytes() {
        // RFC 5987 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~"
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_told_by_content() {
        assert_eq!(
            content_type(b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n"),
            Ok("application/pdf")
        );
        assert_eq!(
            content_type(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Ok("image/png")
        );
        assert_eq!(
            content_type(b"\xFF\xD8\xFF\xE0\0\x10JFIF\0"),
            Ok("image/jpeg")
        );
        assert_eq!(content_type(b""), Err(ContentError::Empty));
        assert_eq!(content_type(b"hello, world"), Err(ContentError::Unknown));
        let exe = content_type(b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xFF\xFF\0\0").unwrap_err();
        assert_eq!(exe.code(), "file_type");
        assert!(matches!(exe, ContentError::Refused(_)), "{exe:?}");
    }

    #[test]
    fn objects_are_addressed_by_their_hash() {
        let sha = "ab".repeat(32);
        assert_eq!(object_path(&sha), format!("ab/{sha}"));
    }

    #[test]
    fn file_names_keep_their_last_segment() {
        assert_eq!(clean_file_name(Some("C:\\docs\\章程.pdf")), "章程.pdf");
        assert_eq!(clean_file_name(Some("../../etc/passwd")), "passwd");
        assert_eq!(clean_file_name(Some("a\r\nb.pdf")), "ab.pdf");
        assert_eq!(clean_file_name(None), "document");
        assert_eq!(clean_file_name(Some("..")), "document");
        assert_eq!(clean_file_name(Some(&"x".repeat(300))).len(), FILE_NAME_MAX);
    }

    #[test]
    fn downloads_name_the_file_in_rfc_5987() {
        assert_eq!(
            content_disposition("章程 2026.pdf"),
            "attachment; filename=\"__ 2026.pdf\"; filename*=UTF-8''%E7%AB%A0%E7%A8%8B%202026.pdf"
        );
        assert_eq!(
            content_disposition("a\"b.pdf"),
            "attachment; filename=\"a_b.pdf\"; filename*=UTF-8''a%22b.pdf"
        );
    }
}
