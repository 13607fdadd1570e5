//! An item's first line as `[title](url)`, read without the parser where it is sure:
//! code spans, character references, bare tags and plain ASCII destinations.

use super::Doubt;

use std::borrow::Cow;

/// Whether the `&` at `at` could begin a character reference (`&amp;`, `&#38;`,
/// `&#x26;`), which the parser would decode.
pub(super) fn entity_at(b: &[u8], at: usize) -> bool {
    let name = b[at + 1..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'#')
        .count();
    name > 0 && b.get(at + 1 + name) == Some(&b';')
}

/// Whether the `<` at `at` is a plain character: what follows can start neither an
/// HTML tag, comment or declaration, nor an autolink (`<https://…>`, `<a@b.c>`).
pub(super) fn literal_angle(b: &[u8], at: usize) -> bool {
    match b.get(at + 1) {
        Some(c) if c.is_ascii_alphabetic() || matches!(c, b'/' | b'!' | b'?') => false,
        _ => {
            // An email autolink's local part, up to its `@`.
            let local = b[at + 1..]
                .iter()
                .take_while(|&&c| c.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(&c))
                .count();
            !(local > 0 && b.get(at + 1 + local) == Some(&b'@'))
        }
    }
}

/// Where the code span opened by the `n` backticks that end at `from` closes: the
/// start of the next run of exactly `n` backticks.
pub(super) fn closing_run(b: &[u8], from: usize, n: usize) -> Option<usize> {
    let mut i = from;
    while let Some(found) = memchr::memchr(b'`', &b[i..]) {
        let run_start = i + found;
        let run = b[run_start..].iter().take_while(|&&c| c == b'`').count();
        if run == n {
            return Some(run_start);
        }
        i = run_start + run;
    }
    None
}

/// A code span's text: one space taken off each end when both ends have one and it is
/// not all spaces (CommonMark 6.1).
pub(super) fn code_text(content: &str) -> &str {
    let b = content.as_bytes();
    let padded = b.first() == Some(&b' ') && b.last() == Some(&b' ');
    if padded && !b.iter().all(|&c| c == b' ') {
        &content[1..content.len() - 1]
    } else {
        content
    }
}

/// The character reference at the start of `b` (`&…;`), when it is one of those digest
/// writers use and whose reading is certain: `&amp;`, `&lt;`, `&gt;`, `&quot;`, and
/// numeric ones, read as the parser reads them (U+FFFD for zero and for what is no
/// character). Returns its length and its character.
pub(super) fn reference(b: &[u8]) -> Option<(usize, char)> {
    for (name, c) in [
        (&b"&amp;"[..], '&'),
        (b"&lt;", '<'),
        (b"&gt;", '>'),
        (b"&quot;", '"'),
    ] {
        if b.starts_with(name) {
            return Some((name.len(), c));
        }
    }
    let numeric = b.strip_prefix(b"&#")?;
    let (digits, radix, max, skip) = match numeric.first() {
        Some(b'x' | b'X') => (&numeric[1..], 16, 6, 3),
        _ => (numeric, 10, 7, 2),
    };
    let len = digits
        .iter()
        .take_while(|c| char::from(**c).is_digit(radix))
        .count();
    if len == 0 || len > max || digits.get(len) != Some(&b';') {
        return None;
    }
    let text = std::str::from_utf8(&digits[..len]).ok()?;
    let value = u32::from_str_radix(text, radix).ok()?;
    let c = char::from_u32(value)
        .filter(|&c| c != '\0')
        .unwrap_or('\u{FFFD}');
    Some((skip + len + 1, c))
}

/// `[title](destination)` at the start of an item's first line, when the title holds
/// nothing but text, code spans, `<` that opens nothing, the references of
/// [`reference`], emphasis delimiters and bare tags ([`bare_tag`]): returns the title
/// as the parser reads it (its whitespace not yet collapsed), the destination and the
/// rest of the line. Titles are copied only when they hold code or a reference; those
/// with emphasis or tags are read by the parser, alone (none of them can hide the `]`
/// that ends the title, so the link is the one the whole body's parse finds).
pub(super) fn plain_link(content: &str) -> Result<(Cow<'_, str>, &str, &str), Doubt> {
    let inner = content.strip_prefix('[').ok_or(Doubt::NoPlainLink)?;
    let b = inner.as_bytes();
    let mut decoded: Option<String> = None;
    // `inner[..copied]` is in `decoded` already.
    let mut copied = 0;
    // Emphasis or HTML: the title is then read by the parser, alone.
    let mut marked = false;
    // Most titles hold nothing the loop below stops at: then a vectorised search and a
    // vectorised test take it to the `]` at once.
    let mut i = match memchr::memchr(b']', b) {
        Some(close) if !crate::support::text::any_byte(&b[..close], may_be_markup) => close,
        _ => 0,
    };
    // Left to right, as CommonMark reads inlines: a code span binds tighter than the
    // brackets, so a `]` inside one does not end the title.
    let close = loop {
        let Some(&c) = b.get(i) else {
            return Err(Doubt::NoPlainLink);
        };
        match c {
            b']' => break i,
            b'[' => return Err(Doubt::TitleMarkup),
            b'*' | b'_' | b'~' => {
                marked = true;
                i += 1;
            }
            b'<' if !literal_angle(b, i) => {
                i += bare_tag(&b[i..]).ok_or(Doubt::TitleMarkup)?;
                marked = true;
            }
            b'\\' => return Err(Doubt::TitleEscape),
            b'`' => {
                let n = b[i..].iter().take_while(|&&c| c == b'`').count();
                // A span that closes on a later line, or never (then its backticks are
                // text), is left to the parser.
                let end = closing_run(b, i + n, n).ok_or(Doubt::TitleMarkup)?;
                let out = decoded.get_or_insert_with(String::new);
                out.push_str(&inner[copied..i]);
                out.push_str(code_text(&inner[i + n..end]));
                i = end + n;
                copied = i;
            }
            b'&' if entity_at(b, i) => {
                let (len, c) = reference(&b[i..]).ok_or(Doubt::TitleEscape)?;
                let out = decoded.get_or_insert_with(String::new);
                out.push_str(&inner[copied..i]);
                // The text was made safe for XML before; a reference (`&#1;`) is the
                // one way to a character it did not hold.
                if !crate::support::text::is_xml_unsafe(c) {
                    out.push(c);
                }
                i += len;
                copied = i;
            }
            _ => i += 1,
        }
    };
    let title = match decoded {
        None => Cow::Borrowed(&inner[..close]),
        Some(mut out) => {
            out.push_str(&inner[copied..close]);
            Cow::Owned(out)
        }
    };
    let dest_and_rest = inner[close + 1..]
        .strip_prefix('(')
        .ok_or(Doubt::NoPlainLink)?;
    let end = dest_and_rest.find(')').ok_or(Doubt::LinkDestination)?;
    let dest = &dest_and_rest[..end];
    let d = dest.as_bytes();
    if d.is_empty() {
        return Err(Doubt::LinkDestination);
    }
    // Most destinations hold no `&`: a vectorised test decides them.
    if crate::support::text::any_byte(d, |c| !plain_in_destination(c)) {
        for (i, &c) in d.iter().enumerate() {
            // `&` is plain unless it may begin a reference.
            let plain = plain_in_destination(c) || (c == b'&' && !entity_at(d, i));
            if !plain {
                return Err(Doubt::LinkDestination);
            }
        }
    }
    let title = if marked {
        let link = &content[..content.len() - dest_and_rest.len() + end + 1];
        Cow::Owned(crate::parse::commonmark::lone_link_title(link, dest).ok_or(Doubt::TitleMarkup)?)
    } else {
        title
    };
    Ok((title, dest, &dest_and_rest[end + 1..]))
}

/// The length of the HTML tag at the start of `b` when it is a bare one (`<b>`,
/// `</b>`: a name and nothing else), which ends at its `>` whatever follows; `None`
/// for anything else, such as a tag with attributes, whose quoted values may hold the
/// `]` that would otherwise end the title.
pub(super) fn bare_tag(b: &[u8]) -> Option<usize> {
    let name_at = if b.get(1) == Some(&b'/') { 2 } else { 1 };
    if !b.get(name_at)?.is_ascii_alphabetic() {
        return None;
    }
    let name = b[name_at..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-')
        .count();
    (b.get(name_at + name) == Some(&b'>')).then_some(name_at + name + 1)
}

/// Whether a plain destination may hold `c`, `&` aside (it may begin a reference):
/// ASCII but for space, controls and what could make it something other than plain
/// (`(`, `<`, `>`, `\\`). Without branches, so that a test of every byte vectorises.
pub(super) fn plain_in_destination(c: u8) -> bool {
    (c > b' ') & (c < 0x7F) & (c != b'(') & (c != b'<') & (c != b'>') & (c != b'\\') & (c != b'&')
}

/// Whether the title loop of [`plain_link`] may stop at `c`; without branches, as
/// [`plain_in_destination`].
pub(super) fn may_be_markup(c: u8) -> bool {
    (c == b'[')
        | (c == b'*')
        | (c == b'_')
        | (c == b'~')
        | (c == b'<')
        | (c == b'\\')
        | (c == b'`')
        | (c == b'&')
}
