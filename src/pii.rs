//! Farmers' ID numbers at rest: sealed with AES-256-GCM under the data key, found through a
//! keyed blind index, shown only as the mask stored beside them.
//!
//! The data key (`COOPHUB_DATA_KEY`, 32 bytes) is never used directly: HKDF-SHA256 derives
//! from it the AEAD key, the blind-index key (HMAC-SHA256) and a public key id. Each sealed
//! value is stored with the id of the key that sealed it, so during a rotation the previous
//! keys (`COOPHUB_DATA_KEY_PREVIOUS`) still open the values not yet re-sealed.
//!
//! The process holds one [`Keyring`], installed at start ([`install`]); the member ledger's
//! use cases read it through [`keyring`]. Nothing here logs or formats a number or a key.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// Length of a data key, in bytes.
pub const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;
/// Associated data: a sealed value opens only as a member's ID number under its key id.
const AAD_CONTEXT: &[u8] = b"coophub members.id_number v1";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("a data key is 32 bytes written as 64 hex digits or 44 base64 characters")]
    Format,
}

/// Why a stored value could not be opened. Never carries the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("the value is sealed under key {0}, which this process does not hold")]
    UnknownKey(String),
    #[error("the sealed value is damaged or was altered")]
    Damaged,
}

/// One data key with the keys derived from it.
#[derive(Clone)]
pub struct DataKey {
    id: String,
    aead: Aes256Gcm,
    index: [u8; 32],
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DataKey({})", self.id)
    }
}

fn derive(raw: &[u8; KEY_LEN], info: &[u8]) -> [u8; 32] {
    let hk = hkdf::Hkdf::<Sha256>::new(Some(b"coophub data key"), raw);
    let mut out = [0u8; 32];
    hk.expand(info, &mut out)
        .expect("32 bytes is a valid HKDF length");
    out
}

impl DataKey {
    pub fn from_bytes(raw: &[u8; KEY_LEN]) -> DataKey {
        let aead_key = derive(raw, b"aead aes-256-gcm v1");
        let id = derive(raw, b"key id v1");
        DataKey {
            id: hex::encode(&id[..8]),
            aead: Aes256Gcm::new((&aead_key).into()),
            index: derive(raw, b"blind index hmac-sha256 v1"),
        }
    }

    /// Reads a key written as 64 hex digits or as base64 (standard alphabet).
    pub fn parse(text: &str) -> Result<DataKey, KeyError> {
        let text = text.trim();
        let bytes = if text.len() == 2 * KEY_LEN {
            hex::decode(text).map_err(|_| KeyError::Format)?
        } else {
            B64.decode(text).map_err(|_| KeyError::Format)?
        };
        let raw: [u8; KEY_LEN] = bytes.try_into().map_err(|_| KeyError::Format)?;
        Ok(DataKey::from_bytes(&raw))
    }

    /// A fresh random key, as 64 hex digits (for `serve --dev` and the README).
    pub fn generate_hex() -> String {
        let mut raw = [0u8; KEY_LEN];
        rand::thread_rng().fill_bytes(&mut raw);
        hex::encode(raw)
    }

    /// The key's public id, stored beside every value it seals (16 hex digits).
    pub fn id(&self) -> &str {
        &self.id
    }

    fn aad(&self) -> Vec<u8> {
        [AAD_CONTEXT, b":", self.id.as_bytes()].concat()
    }

    /// Seals a value under a fresh random nonce: base64 of nonce ‖ ciphertext ‖ tag.
    pub fn seal(&self, plain: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let aad = self.aad();
        let ct = self
            .aead
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: &aad,
                },
            )
            .expect("AES-GCM encrypts any value this size");
        let mut out = nonce.to_vec();
        out.extend(ct);
        B64.encode(out)
    }

    /// Opens a value this key sealed.
    pub fn open(&self, sealed: &str) -> Result<String, OpenError> {
        let bytes = B64.decode(sealed).map_err(|_| OpenError::Damaged)?;
        if bytes.len() < NONCE_LEN + 16 {
            return Err(OpenError::Damaged);
        }
        let (nonce, ct) = bytes.split_at(NONCE_LEN);
        let aad = self.aad();
        let plain = self
            .aead
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad: &aad })
            .map_err(|_| OpenError::Damaged)?;
        String::from_utf8(plain).map_err(|_| OpenError::Damaged)
    }

    /// The blind index of a (normalised) value: HMAC-SHA256 under the derived index key, hex.
    pub fn blind_index(&self, plain: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.index).expect("HMAC takes any key length");
        mac.update(plain.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// The value as the members table stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub sealed: String,
    pub key_id: String,
    pub index: String,
    pub masked: String,
}

/// The key that seals new values, and those that still open older ones.
#[derive(Clone, Debug)]
pub struct Keyring {
    current: DataKey,
    keys: BTreeMap<String, DataKey>,
}

impl Keyring {
    pub fn new(current: DataKey, previous: Vec<DataKey>) -> Keyring {
        let mut keys: BTreeMap<String, DataKey> =
            previous.into_iter().map(|k| (k.id.clone(), k)).collect();
        keys.insert(current.id.clone(), current.clone());
        Keyring { current, keys }
    }

    pub fn current(&self) -> &DataKey {
        &self.current
    }

    pub fn get(&self, key_id: &str) -> Option<&DataKey> {
        self.keys.get(key_id)
    }

    /// Seals a normalised ID number under the current key, with its index and mask.
    pub fn seal(&self, plain: &str) -> Sealed {
        Sealed {
            sealed: self.current.seal(plain),
            key_id: self.current.id.clone(),
            index: self.current.blind_index(plain),
            masked: crate::domain::id_number::mask(plain),
        }
    }

    /// Opens a stored value with the key named beside it.
    pub fn open(&self, key_id: &str, sealed: &str) -> Result<String, OpenError> {
        self.get(key_id)
            .ok_or_else(|| OpenError::UnknownKey(key_id.to_string()))?
            .open(sealed)
    }

    /// The value's blind index under every key held: a stored index matches one of them
    /// whichever key its row is under (during a rotation, old or new).
    pub fn indices(&self, plain: &str) -> Vec<String> {
        self.keys.values().map(|k| k.blind_index(plain)).collect()
    }
}

static KEYRING: RwLock<Option<Arc<Keyring>>> = RwLock::new(None);

/// Makes `ring` the process's keyring. Keys installed before stay known (they still open
/// what they sealed), the new current key seals from now on.
pub fn install(ring: &Keyring) {
    let mut slot = KEYRING.write().unwrap_or_else(|e| e.into_inner());
    let mut merged = ring.clone();
    if let Some(old) = slot.as_ref() {
        for (id, k) in &old.keys {
            merged.keys.entry(id.clone()).or_insert_with(|| k.clone());
        }
    }
    *slot = Some(Arc::new(merged));
}

/// The process's keyring; an error (500, logged) if none was installed.
pub fn keyring() -> Result<Arc<Keyring>, crate::error::ApiError> {
    KEYRING
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .ok_or_else(|| crate::error::ApiError::Internal("no data key is installed".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> DataKey {
        DataKey::from_bytes(&[b; KEY_LEN])
    }

    #[test]
    fn seal_and_open_with_a_fresh_nonce_each_time() {
        let k = key(1);
        let a = k.seal("500119201003070026");
        let b = k.seal("500119201003070026");
        assert_ne!(a, b, "a fresh nonce per value");
        assert!(!a.contains("500119201003070026"));
        assert_eq!(k.open(&a).unwrap(), "500119201003070026");
        assert_eq!(key(2).open(&a), Err(OpenError::Damaged));
    }

    #[test]
    fn an_altered_value_does_not_open() {
        let k = key(1);
        let mut bytes = B64.decode(k.seal("500119201003070026")).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert_eq!(k.open(&B64.encode(bytes)), Err(OpenError::Damaged));
        assert_eq!(k.open("not base64!"), Err(OpenError::Damaged));
        assert_eq!(k.open(""), Err(OpenError::Damaged));
    }

    #[test]
    fn the_blind_index_is_keyed_and_stable() {
        let n = "500119201003070026";
        assert_eq!(key(1).blind_index(n), key(1).blind_index(n));
        assert_ne!(key(1).blind_index(n), key(2).blind_index(n));
        assert_ne!(
            key(1).blind_index(n),
            key(1).blind_index("11010519491231002X")
        );
        assert_eq!(key(1).blind_index(n).len(), 64);
    }

    #[test]
    fn keys_parse_from_hex_or_base64_and_are_never_shown() {
        let raw = [7u8; KEY_LEN];
        let h = DataKey::parse(&hex::encode(raw)).unwrap();
        let b = DataKey::parse(&B64.encode(raw)).unwrap();
        assert_eq!(h.id(), b.id());
        assert_eq!(h.id().len(), 16);
        assert!(DataKey::parse("short").is_err());
        assert!(DataKey::parse(&hex::encode([7u8; 16])).is_err());
        assert_eq!(format!("{h:?}"), format!("DataKey({})", h.id()));
        assert!(DataKey::parse(&DataKey::generate_hex()).is_ok());
    }

    #[test]
    fn a_keyring_opens_values_of_its_previous_keys() {
        let old = Keyring::new(key(1), vec![]);
        let s = old.seal("500119201003070026");
        assert_eq!(s.masked, "500119********0026");
        let rotating = Keyring::new(key(2), vec![key(1)]);
        assert_eq!(
            rotating.open(&s.key_id, &s.sealed).unwrap(),
            "500119201003070026"
        );
        assert!(rotating.indices("500119201003070026").contains(&s.index));
        let new_only = Keyring::new(key(2), vec![]);
        assert!(matches!(
            new_only.open(&s.key_id, &s.sealed),
            Err(OpenError::UnknownKey(_))
        ));
    }
}
