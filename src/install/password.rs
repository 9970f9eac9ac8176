//! The Grafana admin password: 32 characters drawn from the OS random generator.
//!
//! Alphabet `[A-Za-z0-9]` (62 symbols, ~190 bits), chosen by rejection sampling so every symbol
//! is equally likely; no shell- or YAML-special characters, so `oc extract` output pastes cleanly.
//! The value lives in a [`secrecy::SecretString`]: its `Debug` is redacted and it is only exposed
//! to build the Secret's `data` and, with `--show-password`, to print it.

use secrecy::SecretString;

use crate::error::{Error, Result};

/// Length of generated passwords.
pub const PASSWORD_LEN: usize = 32;

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Generate a new admin password from the OS RNG.
pub fn generate() -> Result<SecretString> {
    let mut out = String::with_capacity(PASSWORD_LEN);
    // The largest multiple of 62 below 256: bytes at or above it are rejected (no modulo bias).
    let limit = (256 / ALPHABET.len() * ALPHABET.len()) as u8;
    while out.len() < PASSWORD_LEN {
        let mut buf = [0u8; 64];
        getrandom::getrandom(&mut buf).map_err(|e| {
            Error::failed(format!(
                "cannot read the operating system's random generator: {e}"
            ))
        })?;
        for b in buf {
            if b < limit && out.len() < PASSWORD_LEN {
                out.push(ALPHABET[usize::from(b) % ALPHABET.len()] as char);
            }
        }
    }
    Ok(SecretString::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn length_and_charset() {
        let p = generate().unwrap();
        let text = p.expose_secret();
        assert_eq!(text.len(), PASSWORD_LEN);
        assert!(text.chars().all(|c| c.is_ascii_alphanumeric()), "{text}");
        assert_ne!(text, "admin123");
    }

    #[test]
    fn not_constant_and_well_spread() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_ne!(a.expose_secret(), b.expose_secret());
        // 40 passwords = 1280 symbols: each of the 62 symbols is expected ~20 times; seeing
        // fewer than 50 distinct symbols would mean a broken generator.
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..40 {
            seen.extend(generate().unwrap().expose_secret().chars());
        }
        assert!(seen.len() >= 50, "only {} distinct symbols", seen.len());
    }

    #[test]
    fn debug_is_redacted() {
        let p = generate().unwrap();
        let shown = format!("{p:?}");
        assert!(!shown.contains(p.expose_secret()));
    }
}
