//! Small text helpers shared by the parser and the renderers.

use std::borrow::Cow;

/// Characters that XML 1.0 forbids (C0 controls other than tab, newline and carriage
/// return; U+FFFE and U+FFFF) plus DEL and the C1 controls, which XML 1.0 discourages
/// and feed validators warn about. The `rss` and `atom_syndication` writers pass all of
/// them through unescaped, so they are removed at the model boundary instead.
pub fn is_xml_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}'
        | '\u{7F}'..='\u{9F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// Whether `test` holds for any byte of `bytes`. Blocks of 16 bytes are tested whole,
/// with no branch per byte, so that the compiler turns `test` (itself without
/// branches: `&` and `|`, not `&&` and `||`) into vector instructions.
pub fn any_byte(bytes: &[u8], test: impl Fn(u8) -> bool) -> bool {
    let (blocks, rest) = bytes.as_chunks::<16>();
    blocks
        .iter()
        .any(|block| block.iter().fold(false, |hit, &c| hit | test(c)))
        || rest.iter().any(|&c| test(c))
}

/// Whether `test` holds for any byte of `bytes` and the byte after it (0 after the
/// last), tested as [`any_byte`] tests.
fn any_pair(bytes: &[u8], test: impl Fn(u8, u8) -> bool) -> bool {
    pair_blocks::<16>(bytes, test).next().is_some()
}

/// The blocks of `BLOCK` bytes of `bytes` (the last one may be shorter) in which
/// `test` holds for some byte and the byte after it (which may lie in the next block;
/// 0 after the last byte). A whole block is tested at once, with no branch per byte, so
/// that the compiler turns `test` into vector instructions.
fn pair_blocks<'a, const BLOCK: usize>(
    bytes: &'a [u8],
    test: impl Fn(u8, u8) -> bool + 'a,
) -> impl Iterator<Item = std::ops::Range<usize>> + 'a {
    let mut i = 0;
    std::iter::from_fn(move || {
        while let Some(window) = bytes.get(i..i + BLOCK + 1) {
            let start = i;
            i += BLOCK;
            let hit = window[..BLOCK]
                .iter()
                .zip(&window[1..])
                .fold(false, |hit, (&c, &next)| hit | test(c, next));
            if hit {
                return Some(start..i);
            }
        }
        let start = i;
        i = bytes.len();
        let next = |j: usize| bytes.get(j + 1).copied().unwrap_or(0);
        (start..bytes.len())
            .any(|j| test(bytes[j], next(j)))
            .then_some(start..bytes.len())
    })
}

/// Whether `text` holds a character for which [`is_xml_unsafe`] holds, judged from
/// its UTF-8 bytes: C0 controls and DEL are single bytes, C1 controls are 0xC2
/// 0x80–0x9F, U+FFFE and U+FFFF are 0xEF 0xBF 0xBE–0xBF. Every input byte passes
/// through here, so a block of bytes is first looked at as a whole, with a test that
/// has no branch per byte (the compiler turns it into vector instructions: three times
/// the speed of the same test eight bytes at a time), and only a block that may hold
/// such a character is looked at byte by byte.
fn has_unsafe(text: &str) -> bool {
    let b = text.as_bytes();
    let suspect = |c: u8, next: u8| {
        (c < 0x20) & (c != b'\t') & (c != b'\n') & (c != b'\r')
            | (c == 0x7F)
            | ((c == 0xC2) & (0x80..=0x9F).contains(&next))
            | ((c == 0xEF) & (next == 0xBF))
    };
    pair_blocks::<64>(b, suspect).any(|block| block.into_iter().any(|j| unsafe_at(b, j)))
}

/// Whether an unsafe character starts at byte `i`.
fn unsafe_at(b: &[u8], i: usize) -> bool {
    match b[i] {
        0x00..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F | 0x7F => true,
        0xC2 => matches!(b.get(i + 1), Some(0x80..=0x9F)),
        0xEF => b.get(i + 1) == Some(&0xBF) && matches!(b.get(i + 2), Some(0xBE | 0xBF)),
        _ => false,
    }
}

/// `text` without any character for which [`is_xml_unsafe`] holds; borrows when there is none.
pub fn xml_safe(text: &str) -> Cow<'_, str> {
    if has_unsafe(text) {
        Cow::Owned(text.chars().filter(|&c| !is_xml_unsafe(c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// [`xml_safe`] for a string the caller owns: the same string when it is safe already.
pub fn xml_safe_owned(text: String) -> String {
    match xml_safe(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(safe) => safe,
    }
}

/// Escapes text for an HTML or XML attribute value or text node.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Collapses every run of white space to one space and trims both ends.
pub fn collapse_whitespace(text: &str) -> String {
    // Most text is collapsed already (single ASCII spaces between words): copy it.
    if is_collapsed(text) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// [`collapse_whitespace`], borrowing `text` when it is collapsed already.
pub fn collapse_whitespace_borrowed(text: &str) -> Cow<'_, str> {
    if is_collapsed(text) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(collapse_whitespace(text))
    }
}

/// Whether `text` is what [`collapse_whitespace`] makes of it: no white space but single
/// ASCII spaces between words. Judged from the bytes (every title of the folder passes
/// here): white space is ASCII, or one of the few characters whose UTF-8 starts with
/// 0xC2 (U+0085, U+00A0), 0xE1 (U+1680), 0xE2 (U+2000–U+200A, U+2028, U+2029,
/// U+202F, U+205F) or 0xE3 (U+3000).
fn is_collapsed(text: &str) -> bool {
    // The bytes that may start white space; the loop stops at these only.
    const STARTS: [bool; 256] = {
        let mut table = [false; 256];
        let mut i = 0;
        while i < 256 {
            table[i] = matches!(i, 0x09..=0x0D | 0x20 | 0xC2 | 0xE1 | 0xE2 | 0xE3);
            i += 1;
        }
        table
    };
    let b = text.as_bytes();
    if b.first() == Some(&b' ') || b.last() == Some(&b' ') {
        return false;
    }
    // Most titles hold no two spaces in a row and none of the other bytes that may
    // start white space: a vectorised pass tells.
    let may_be_white = |c: u8, next: u8| {
        ((c == b' ') & (next == b' '))
            | (c.wrapping_sub(0x09) <= 0x0D - 0x09)
            | (c == 0xC2)
            | (c == 0xE1)
            | (c == 0xE2)
            | (c == 0xE3)
    };
    if !any_pair(b, may_be_white) {
        return true;
    }
    let mut i = 0;
    while let Some(offset) = b[i..].iter().position(|&c| STARTS[usize::from(c)]) {
        let at = i + offset;
        let next = |k: usize| b.get(at + k).copied().unwrap_or(0);
        let white = match b[at] {
            // A single space is what collapsing leaves; two are not.
            b' ' => next(1) == b' ',
            0xC2 => matches!(next(1), 0x85 | 0xA0),
            0xE1 => next(1) == 0x9A && next(2) == 0x80,
            0xE2 => {
                (next(1) == 0x80 && matches!(next(2), 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF))
                    || (next(1) == 0x81 && next(2) == 0x9F)
            }
            0xE3 => next(1) == 0x80 && next(2) == 0x80,
            // Tab, line feed, vertical tab, form feed, carriage return.
            _ => true,
        };
        if white {
            return false;
        }
        i = at + 1;
    }
    true
}

/// A short, stable hexadecimal digest (FNV-1a, 32 bits) used to tell apart names that
/// would otherwise produce the same path. Stable across runs, platforms and versions.
pub fn short_hash(text: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{hash:08x}")
}

/// Line number (1-based) of byte `offset` in a text whose newline offsets are `newlines`.
pub fn line_of(newlines: &[usize], offset: usize) -> usize {
    newlines.partition_point(|&n| n < offset) + 1
}

/// Byte offsets of every `\n` in `text`, for [`line_of`].
pub fn newline_offsets(text: &str) -> Vec<usize> {
    memchr::memchr_iter(b'\n', text.as_bytes()).collect()
}

/// A display name as feed readers show it: without a leading `@` (two of eleven
/// readers tried showed such a name as empty), and the handle in place of a name that
/// reads as an email address (which readers take for one and then show nothing).
pub fn display_name<'a>(name: &'a str, handle: &'a str) -> std::borrow::Cow<'a, str> {
    let bare = name.trim_start_matches('@').trim();
    let email = bare.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !bare.contains(char::is_whitespace)
    });
    if bare.is_empty() || email {
        std::borrow::Cow::Borrowed(handle)
    } else {
        std::borrow::Cow::Borrowed(bare)
    }
}

/// `n` and a noun, singular for one: "1 digest", "2 digests".
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_lose_a_leading_at_and_never_read_as_an_email() {
        for (name, shown) in [
            ("Andrej Karpathy", "Andrej Karpathy"),
            ("@karpathy", "karpathy"),
            ("@", "handle"),
            ("ak@openai.com", "handle"),
            ("Sam @ OpenAI", "Sam @ OpenAI"),
            ("clem 🤗", "clem 🤗"),
        ] {
            assert_eq!(display_name(name, "handle"), shown, "{name}");
        }
    }

    #[test]
    fn xml_safe_removes_every_forbidden_control_and_keeps_tab_newline_cr() {
        let input = "a\u{0}b\u{1}c\u{8}d\u{B}e\u{C}f\u{1B}g\u{7F}h\u{85}i\u{FFFE}j\u{FFFF}k\t\n\r";
        assert_eq!(xml_safe(input), "abcdefghijk\t\n\r");
    }

    #[test]
    fn byte_scan_agrees_with_the_char_test() {
        for c in [
            '\u{0}', '\u{8}', '\u{B}', '\u{1F}', '\u{7F}', '\u{80}', '\u{9F}', '\u{FFFE}',
            '\u{FFFF}',
        ] {
            assert!(has_unsafe(&format!("ab{c}cd")), "{c:?}");
            assert!(is_xml_unsafe(c));
        }
        for c in [
            '\t', '\n', '\r', ' ', '\u{A0}', '\u{FF0C}', '\u{FFFD}', '\u{EFBF}', '🤗', '乔',
        ] {
            assert!(!has_unsafe(&format!("ab{c}cd")), "{c:?}");
            assert!(!is_xml_unsafe(c));
        }
    }

    #[test]
    fn byte_scan_finds_a_character_at_every_offset() {
        // Past two block boundaries, where a character's bytes straddle two blocks.
        for pad in 0..140 {
            let pad = "a".repeat(pad);
            for c in ['\u{FFFF}', '\u{FFFE}', '\u{85}', '\u{1}', '\u{7F}'] {
                assert!(has_unsafe(&format!("{pad}{c}")), "{pad}{c:?}");
                assert!(has_unsafe(&format!("{pad}{c}bcdefghij")), "{pad}{c:?}");
            }
            for c in ['\u{FF0C}', '\u{EFBF}', '\u{A0}', '\t', '\n'] {
                assert!(!has_unsafe(&format!("{pad}{c}bcdefghij")), "{pad}{c:?}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn byte_scan_agrees_with_the_char_test_on_any_text(text in "\\PC*|[\\x00-\\x{A0}\\x{FFF0}-\\x{FFFF}]*") {
            proptest::prop_assert_eq!(has_unsafe(&text), text.chars().any(is_xml_unsafe));
        }

        /// Long texts, mostly safe, as digests are: the blocks and the tail.
        #[test]
        fn byte_scan_agrees_with_the_char_test_on_long_text(
            text in "([a-z 乔，\n]{0,90}[\\x00-\\x{A0}\\x{FFF0}-\\x{FFFF}]?){0,4}",
        ) {
            proptest::prop_assert_eq!(has_unsafe(&text), text.chars().any(is_xml_unsafe));
        }
    }

    proptest::proptest! {
        #[test]
        fn collapse_whitespace_joins_the_words_with_single_spaces(text in "[ a\t\n\u{a0}\u{3000}b乔]{0,12}") {
            let words: Vec<&str> = text.split_whitespace().collect();
            proptest::prop_assert_eq!(collapse_whitespace(&text), words.join(" "));
        }

        /// The byte test agrees with the characters' on every white space character
        /// and on the characters that share their first bytes.
        #[test]
        fn collapsed_text_is_told_from_its_bytes(
            text in "[ a\t\n\r\x0B\x0C\u{85}\u{a0}\u{1680}\u{2000}-\u{200B}\u{2027}-\u{2030}\u{205E}-\u{2060}\u{3000}\u{3001}\u{1681}\u{A1}\u{2081}乔]{0,40}",
        ) {
            let words: Vec<&str> = text.split_whitespace().collect();
            proptest::prop_assert_eq!(is_collapsed(&text), words.join(" ") == text, "{:?}", text);
        }
    }

    proptest::proptest! {
        /// Whatever the length (blocks of 16 and what is left) and wherever the hit.
        #[test]
        fn any_byte_is_any(bytes in proptest::collection::vec(0u8..8, 0..70)) {
            let test = |c: u8| (c == 3) | (c == 5);
            proptest::prop_assert_eq!(any_byte(&bytes, test), bytes.iter().any(|&c| test(c)));
            let pair = |c: u8, next: u8| (c == 3) & (next == 0);
            let pairs = (0..bytes.len()).any(|i| pair(bytes[i], bytes.get(i + 1).copied().unwrap_or(0)));
            proptest::prop_assert_eq!(any_pair(&bytes, pair), pairs);
        }
    }

    #[test]
    fn xml_safe_borrows_clean_text() {
        assert!(matches!(xml_safe("向阳乔木 🤗"), Cow::Borrowed(_)));
    }

    #[test]
    fn escape_html_escapes_markup_and_quotes() {
        assert_eq!(
            escape_html(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn line_of_counts_from_one() {
        let text = "a\nb\n\nc";
        let nl = newline_offsets(text);
        assert_eq!(line_of(&nl, 0), 1);
        assert_eq!(line_of(&nl, 2), 2);
        assert_eq!(line_of(&nl, 4), 3);
        assert_eq!(line_of(&nl, 5), 4);
    }

    #[test]
    fn short_hash_differs_for_different_names() {
        assert_ne!(short_hash("AI News"), short_hash("ai news"));
        assert_eq!(short_hash("x").len(), 8);
    }
}
