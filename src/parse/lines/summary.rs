//! An item's summary written as HTML without the parser, where it is sure: paragraphs
//! of text with `**strong**` and `` `code` ``, the shape almost every summary has.
//! Reading every summary with the CommonMark parser was a fifth of a run that needs
//! them all (archive pages show every entry).
//!
//! It gives up (`None`) on anything the parser could read otherwise: a line that may
//! start a block, a lazy line, an indented code block, tabs, escapes, brackets, HTML
//! and autolinks, character references, `_` and `~`, runs of `*` other than two and of
//! backticks other than one, a code span across lines, a `**` next to a character
//! whose class (space, punctuation or neither) it does not know. The caller then asks
//! the parser, so the answer is always the parser's; property tests and the fuzz
//! target hold the two to the same HTML.

use super::link::{code_text, entity_at, literal_angle, plain_link};
use super::{marker, may_start_block, MarkerScan};

/// The summary of an item whose text is `text`: from its marker's line (at the left
/// margin) up to the next item's, or the body's end. As
/// [`crate::parse::commonmark::commonmark_items`] writes it: each paragraph in `<p>`,
/// the rest of the link's line opening the first.
pub(crate) fn plain_summary(text: &str) -> Option<String> {
    let mut lines = text
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line));
    let first = lines.next()?;
    let MarkerScan::Marker(m) = marker(first) else {
        return None;
    };
    let (_, _, after) = plain_link(&first[m.width..]).ok()?;
    // The first token's flanking reads the character before it: a space, as at a
    // line's start, or the link's `)`.
    if !after.is_empty() && !after.starts_with(' ') {
        return None;
    }
    let mut paragraphs: Vec<Vec<&str>> = Vec::new();
    let mut open: Vec<&str> = Vec::new();
    if !after.trim_matches(' ').is_empty() {
        open.push(after.trim_start_matches(' '));
    }
    let mut blank_before = false;
    for line in lines {
        let indent = line.bytes().take_while(|&b| b == b' ').count();
        let rest = &line[indent..];
        if rest.bytes().all(|b| b == b' ' || b == b'\t') {
            if !open.is_empty() {
                paragraphs.push(std::mem::take(&mut open));
            }
            blank_before = true;
            continue;
        }
        if indent < m.width {
            if blank_before {
                // The list ends: what follows is no part of the item.
                break;
            }
            return None;
        }
        // A paragraph opening four columns in is code; a line that may start a block
        // may interrupt the paragraph or go on with it.
        if (blank_before && indent - m.width >= 4) || may_start_block(rest) {
            return None;
        }
        blank_before = false;
        open.push(rest);
    }
    if !open.is_empty() {
        paragraphs.push(open);
    }
    let mut html = String::with_capacity(text.len() + 16 * paragraphs.len());
    for lines in paragraphs {
        html.push_str("<p>");
        paragraph(&lines, &mut html)?;
        html.push_str("</p>\n");
    }
    html.truncate(html.trim_end().len());
    // Every digest's summaries are kept: none with room to spare.
    html.shrink_to_fit();
    Some(html)
}

/// What a token of a paragraph is.
enum Token<'a> {
    Text(&'a str),
    Code(&'a str),
    /// A `**` run: whether it may open and close strong emphasis, and, once matched,
    /// whether it opens (`Some(true)`) or closes.
    Stars {
        open: bool,
        close: bool,
        matched: Option<bool>,
    },
    Break {
        hard: bool,
    },
}

/// A character's class for the flanking rules (CommonMark 6.2).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Space,
    Punctuation,
    Other,
}

/// `None` for a character whose class this does not know for sure.
fn class(c: Option<char>) -> Option<Class> {
    match c {
        None | Some(' ' | '\n') => Some(Class::Space),
        Some(c) if c.is_ascii_punctuation() => Some(Class::Punctuation),
        // Circled and squared letters are alphabetic symbols (So): punctuation to the
        // parser, which counts every P and S character as such.
        Some('\u{24B6}'..='\u{24E9}' | '\u{1F130}'..='\u{1F189}') => None,
        Some(c) if c.is_alphanumeric() => Some(Class::Other),
        // Common CJK and typographic punctuation (general category P).
        Some(
            '，' | '。' | '、' | '：' | '；' | '！' | '？' | '“' | '”' | '‘' | '’' | '（' | '）'
            | '《' | '》' | '【' | '】' | '—' | '…' | '「' | '」',
        ) => Some(Class::Punctuation),
        Some(_) => None,
    }
}

/// The lines of one paragraph (indentation gone) as inline HTML, into `html`.
fn paragraph<'a>(lines: &[&'a str], html: &mut String) -> Option<()> {
    let mut tokens: Vec<Token<'a>> = Vec::new();
    let count = lines.len();
    for (n, line) in lines.iter().enumerate() {
        let content = line.trim_end_matches(' ');
        tokens_of(content, &mut tokens)?;
        if n + 1 < count {
            // Two spaces or more before the line's end break it.
            tokens.push(Token::Break {
                hard: line.len() - content.len() >= 2,
            });
        }
    }
    // Strong emphasis (CommonMark 6.2, "process emphasis"), for runs of two alone: a
    // run that may close closes the nearest open one; one that may open opens.
    let mut openers: Vec<usize> = Vec::new();
    for i in 0..tokens.len() {
        if let Token::Stars { open, close, .. } = tokens[i] {
            if close {
                if let Some(o) = openers.pop() {
                    set_matched(&mut tokens[o], true);
                    set_matched(&mut tokens[i], false);
                    continue;
                }
            }
            if open {
                openers.push(i);
            }
        }
    }
    for token in tokens {
        match token {
            Token::Text(t) => escape(t, html),
            Token::Code(c) => {
                html.push_str("<code>");
                escape(c, html);
                html.push_str("</code>");
            }
            Token::Stars { matched, .. } => html.push_str(match matched {
                Some(true) => "<strong>",
                Some(false) => "</strong>",
                None => "**",
            }),
            Token::Break { hard: true } => html.push_str("<br />\n"),
            Token::Break { hard: false } => html.push('\n'),
        }
    }
    Some(())
}

fn set_matched(token: &mut Token<'_>, opens: bool) {
    if let Token::Stars { matched, .. } = token {
        *matched = Some(opens);
    }
}

/// The bytes [`tokens_of`] looks at: all others are text as they stand.
static SPECIAL: [bool; 256] = {
    let mut special = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        special[c] = true;
        c += 1;
    }
    let marks = b"\\[]_~&<`*";
    let mut m = 0;
    while m < marks.len() {
        special[marks[m] as usize] = true;
        m += 1;
    }
    special[0x7f] = true;
    special[0xc2] = true;
    special[0xe1] = true;
    special[0xe2] = true;
    special[0xe3] = true;
    special
};

/// The tokens of one line (its ends are line ends: space for the flanking rules).
fn tokens_of<'a>(line: &'a str, tokens: &mut Vec<Token<'a>>) -> Option<()> {
    let b = line.as_bytes();
    let mut text_from = 0;
    let mut i = 0;
    while i < b.len() {
        if !SPECIAL[usize::from(b[i])] {
            i += 1;
            continue;
        }
        match b[i] {
            b'\\' | b'[' | b']' | b'_' | b'~' | b'\t' => return None,
            b'&' if entity_at(b, i) => return None,
            b'<' if !literal_angle(b, i) => return None,
            c if c < 0x20 || c == 0x7f => return None,
            b'`' => {
                if b.get(i + 1) == Some(&b'`') {
                    return None;
                }
                let close = i + 1 + memchr::memchr(b'`', &b[i + 1..])?;
                if b.get(close + 1) == Some(&b'`') {
                    return None;
                }
                push_text(line, text_from, i, tokens);
                tokens.push(Token::Code(code_text(&line[i + 1..close])));
                i = close + 1;
                text_from = i;
            }
            b'*' => {
                if b.get(i + 1) != Some(&b'*') || b.get(i + 2) == Some(&b'*') {
                    return None;
                }
                let before = class(line[..i].chars().next_back())?;
                let after = class(line[i + 2..].chars().next())?;
                let left = after != Class::Space
                    && (after != Class::Punctuation || before != Class::Other);
                let right = before != Class::Space
                    && (before != Class::Punctuation || after != Class::Other);
                push_text(line, text_from, i, tokens);
                tokens.push(Token::Stars {
                    open: left,
                    close: right,
                    matched: None,
                });
                i += 2;
                text_from = i;
            }
            // Spaces other than ASCII ones are trimmed where the parser's are not, and
            // C1 controls (U+0080-U+009F) are left alone: only lead bytes C2, E1-E3
            // begin either.
            0xc2 if b.get(i + 1).is_some_and(|&c| c <= 0xa0) => return None,
            0xe1..=0xe3 => {
                let c = line[i..].chars().next()?;
                if c.is_whitespace() {
                    return None;
                }
                i += c.len_utf8();
            }
            _ => i += 1,
        }
    }
    push_text(line, text_from, b.len(), tokens);
    Some(())
}

fn push_text<'a>(line: &'a str, from: usize, to: usize, tokens: &mut Vec<Token<'a>>) {
    if from < to {
        tokens.push(Token::Text(&line[from..to]));
    }
}

/// Text as the parser's HTML writer escapes it (quotes stay: this is no attribute).
fn escape(text: &str, html: &mut String) {
    let mut from = 0;
    for at in memchr::memchr3_iter(b'&', b'<', b'>', text.as_bytes()) {
        html.push_str(&text[from..at]);
        html.push_str(match text.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            _ => "&gt;",
        });
        from = at + 1;
    }
    html.push_str(&text[from..]);
}
