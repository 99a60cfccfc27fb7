//! Encodings on the wire: percent-encoding and form bodies, base64url (share links) and
//! standard base64 (HTTP Basic), and an answer's bytes as text.

/// Percent-encodes a string for use in a path segment or a form value.
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The `Authorization` header value for HTTP Basic sign-in (RFC 7617, UTF-8).
pub fn basic_authorization(user: &str, password: &str) -> String {
    format!("Basic {}", base64(format!("{user}:{password}").as_bytes()))
}

/// Standard base64 with padding (RFC 4648 §4): HTTP Basic, MIME, SMTP AUTH.
pub fn base64(bytes: &[u8]) -> String {
    let mut standard: String = base64url(bytes)
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while standard.len() % 4 != 0 {
        standard.push('=');
    }
    standard
}

/// Builds an `application/x-www-form-urlencoded` body.
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding (RFC 4648 §5).
pub fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

/// The inverse of [`base64url`]; `None` on a character outside the alphabet or a
/// length no encoding has.
pub fn unbase64url(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.as_bytes().chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            let v = ALPHABET.iter().position(|a| a == c)? as u32;
            n |= v << (18 - 6 * i);
        }
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

/// An answer's bytes as text: UTF-8, with anything that is not replaced by U+FFFD (a
/// server's error page in Latin-1 still reads; JSON is UTF-8 by definition). Both shells
/// read every answer through this.
pub fn text_from_bytes(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes)
        .unwrap_or_else(|invalid| String::from_utf8_lossy(invalid.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_authorization_is_rfc_7617() {
        assert_eq!(basic_authorization("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert_eq!(basic_authorization("test", "123\u{a3}"), "Basic dGVzdDoxMjPCow==");
        assert_eq!(basic_authorization("a", "b?>"), "Basic YTpiPz4=");
    }

    #[test]
    fn base64url_round_trips_every_length() {
        for len in 0..40u8 {
            let bytes: Vec<u8> = (0..len).map(|i| i.wrapping_mul(37).wrapping_add(250)).collect();
            assert_eq!(unbase64url(&base64url(&bytes)).as_deref(), Some(&bytes[..]), "{len}");
        }
        assert_eq!(base64url(b"hi?>"), "aGk_Pg");
        assert_eq!(unbase64url("a"), None);
    }

    #[test]
    fn answers_become_text_whatever_their_bytes() {
        assert_eq!(text_from_bytes(b"{\"a\":\"\xc3\xa9\"}".to_vec()), "{\"a\":\"é\"}");
        assert_eq!(text_from_bytes(b"caf\xe9".to_vec()), "caf\u{fffd}");
    }
}
