//! Splitting an author's name off an item title, from evidence (docs/FORMAT.md §1).
//!
//! Titles may end in `-Name` or ` - Name`, or carry no author at all while containing
//! hyphens of their own (`Mamba-SSM模型开发进展`). A split is made only with evidence:
//!
//! 1. the configured name for the item's handle;
//! 2. the same name ending titles of two or more different tweets of that handle;
//! 3. a Latin-script name that matches the handle (`Andrej Karpathy` ~ `karpathy`,
//!    `clem 🤗` ~ `ClementDelangue`);
//! 4. the digest as a whole using author suffixes: when at least half of its tweets carry
//!    evidence 1–3, its other titles are split at the digest's usual separator too;
//! 5. in a digest that does not use suffixes, a title is split only at a name that
//!    evidence already gave that handle somewhere in the corpus.
//!
//! A link that is not a tweet has no handle; in a digest that uses suffixes its title
//! is split only at a name the corpus knows as some author's.
//!
//! With no evidence the title stays whole.

/// Where a title is cut: `title[..title_end]` is the title, `title[name_start..]` the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cut {
    pub title_end: usize,
    pub name_start: usize,
}

impl Cut {
    pub(crate) fn title<'a>(&self, full: &'a str) -> &'a str {
        &full[..self.title_end]
    }
    pub(crate) fn name<'a>(&self, full: &'a str) -> &'a str {
        &full[self.name_start..]
    }
}

/// A place where a title could be cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub cut: Cut,
    /// Written ` - Name` rather than `-Name`.
    pub spaced: bool,
}

/// Every place where `title` could end in `-Name` or ` - Name`, in order.
pub(crate) fn candidates(title: &str) -> Vec<Candidate> {
    let mut out = Vec::new();
    candidates_from_the_end(title, |c| out.push(c));
    out.reverse();
    out
}

/// [`candidates`], last first, each handed to `found`: a full run looks at every
/// title, and most have one candidate or none, not worth a vector each.
pub(crate) fn candidates_from_the_end(title: &str, mut found: impl FnMut(Candidate)) {
    // A name is at most 40 characters (160 bytes), so only the last hyphens can start
    // one: looking no further keeps a long hyphenated title linear.
    for i in memchr::memrchr_iter(b'-', title.as_bytes()) {
        let right_raw = &title[i + 1..];
        if right_raw.len() > MAX_NAME_BYTES {
            break;
        }
        let left = title[..i].trim_end();
        let right = right_raw.trim();
        if left.is_empty() || !is_name_like(right) {
            continue;
        }
        let spaced = title[..i].ends_with(' ') && right_raw.starts_with(' ');
        found(Candidate {
            cut: Cut {
                title_end: left.len(),
                name_start: title.len() - right_raw.trim_start().len(),
            },
            spaced,
        });
    }
}

/// Longest name considered, in bytes: 40 characters of up to 4 bytes, plus spaces.
const MAX_NAME_BYTES: usize = 4 * 40 + 8;

/// Could this be a person's or an account's display name? Short, few words, no
/// sentence punctuation, not starting with a digit (`GPT-5.2` is not a name).
fn is_name_like(text: &str) -> bool {
    if text.is_empty()
        || text.len() > MAX_NAME_BYTES
        || text.starts_with(|c: char| c.is_ascii_digit() || c == '-')
    {
        return false;
    }
    // One pass: every title's last hyphens are looked at, in every full run.
    let (mut chars, mut words, mut in_word) = (0usize, 0usize, false);
    for c in text.chars() {
        if matches!(
            c,
            '，' | '。'
                | '：'
                | '；'
                | '！'
                | '？'
                | '“'
                | '”'
                | '《'
                | '》'
                | '（'
                | '）'
                | '、'
                | ':'
                | ';'
                | '!'
                | '?'
                | '"'
                | '('
                | ')'
                | '['
                | ']'
        ) {
            return false;
        }
        chars += 1;
        let space = c.is_whitespace();
        words += usize::from(!space && !in_word);
        in_word = !space;
    }
    chars <= 40 && words <= 5
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF
        | 0x20000..=0x2FA1F)
}

/// Does a Latin-script name match an X handle? `Ben Tossell` ~ `bentossell`,
/// `Amjad Masad` ~ `amasad`, `merve` ~ `mervenoyann`, `Sam Altman` ~ `sama`.
/// Names in other scripts never match a handle: they need other evidence.
///
/// A full run asks this of every candidate name of every item, so it works in buffers
/// on the stack; a name or handle too long for them (no real one is) takes
/// [`name_matches_handle_allocating`], which says the same.
pub(crate) fn name_matches_handle(name: &str, handle: &str) -> bool {
    // An ASCII name has no CJK and lowercases byte by byte: most names, and the
    // Unicode lowercasing was most of the cost.
    let ascii = name.is_ascii();
    if !ascii && name.chars().any(is_cjk) {
        return false;
    }
    let mut key = [0u8; 64];
    let mut key_len = 0;
    for c in handle.chars().filter(char::is_ascii_alphanumeric) {
        let Some(slot) = key.get_mut(key_len) else {
            return name_matches_handle_allocating(name, handle);
        };
        *slot = c.to_ascii_lowercase() as u8;
        key_len += 1;
    }
    let key = &key[..key_len];
    // The name's ASCII letters and digits after lowercasing (which can make some
    // from other characters: the Kelvin sign is a `k`), joined, and where each of its
    // tokens ends. A space after the name ends the last token.
    let mut joined = [0u8; 192];
    let mut ends = [0u8; 32];
    let lowered = if ascii {
        join_tokens(
            name.bytes().map(|b| char::from(b.to_ascii_lowercase())),
            &mut joined,
            &mut ends,
        )
    } else {
        join_tokens(
            name.chars().flat_map(char::to_lowercase),
            &mut joined,
            &mut ends,
        )
    };
    let Some((joined_len, tokens)) = lowered else {
        return name_matches_handle_allocating(name, handle);
    };
    let joined = &joined[..joined_len];
    if key.is_empty() || joined.is_empty() {
        return false;
    }
    let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    if joined == key || (joined.len() >= 4 && contains(key, joined)) {
        return true;
    }
    let mut start = 0;
    ends[..tokens].iter().enumerate().any(|(i, &end)| {
        let token = &joined[start..usize::from(end)];
        start = usize::from(end);
        (token.len() >= 4 && contains(key, token))
            || (token.len() == 3 && i == 0 && tokens > 1 && key.starts_with(token))
    })
}

/// The ASCII letters and digits of `lowered`, joined into `joined`, and where each of
/// its tokens ends, into `ends`: how many of each, or `None` when they do not fit.
fn join_tokens(
    lowered: impl Iterator<Item = char>,
    joined: &mut [u8],
    ends: &mut [u8],
) -> Option<(usize, usize)> {
    let (mut len, mut tokens, mut in_token) = (0, 0, false);
    // A space after the name ends the last token.
    for c in lowered.chain([' ']) {
        if c.is_ascii_alphanumeric() {
            *joined.get_mut(len)? = c as u8;
            len += 1;
            in_token = true;
        } else if in_token {
            *ends.get_mut(tokens)? = u8::try_from(len).ok()?;
            tokens += 1;
            in_token = false;
        }
    }
    Some((len, tokens))
}

/// [`name_matches_handle`], written plainly with strings.
pub(crate) fn name_matches_handle_allocating(name: &str, handle: &str) -> bool {
    if name.chars().any(is_cjk) {
        return false;
    }
    let handle: String = handle
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if handle.is_empty() {
        return false;
    }
    let lower = name.to_lowercase();
    let tokens: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    let joined = tokens.concat();
    if joined.is_empty() {
        return false;
    }
    if joined == handle || (joined.len() >= 4 && handle.contains(&joined)) {
        return true;
    }
    // A three-letter first name counts only at the start of the handle (`Sam Altman` ~
    // `sama`); shorter tokens (`AI`, `Ng`) never count alone.
    tokens.iter().enumerate().any(|(i, t)| {
        (t.len() >= 4 && handle.contains(t))
            || (t.len() == 3 && i == 0 && tokens.len() > 1 && handle.starts_with(t))
    })
}

/// Evidence strength of one candidate; 0 is none.
pub(crate) const CONFIGURED: u8 = 3;
pub(crate) const REPEATED: u8 = 2;
pub(crate) const HANDLE: u8 = 1;

/// The first pass over one digest. Each item is given as whether it is a tweet with a
/// handle, and its candidates with their evidence rank (0 for none). Returns whether
/// the digest uses author suffixes, and where each item is cut.
pub(crate) fn vote(items: &[(bool, Vec<(u8, Candidate)>)]) -> (bool, Vec<Option<Candidate>>) {
    let best: Vec<Option<(u8, Candidate)>> = items
        .iter()
        .map(|(has_handle, cands)| {
            if !has_handle {
                return None;
            }
            cands
                .iter()
                .copied()
                .filter(|(rank, _)| *rank > 0)
                .max_by_key(|(rank, c)| (*rank, c.spaced, c.cut.title_end))
        })
        .collect();
    let tweets = items.iter().filter(|(h, _)| *h).count();
    let with_evidence = best.iter().flatten().count();
    let suffixed = with_evidence > 0 && with_evidence * 2 >= tweets;
    let spaced_votes = best.iter().flatten().filter(|(_, c)| c.spaced).count();
    let spaced_style = spaced_votes * 2 >= with_evidence;
    let cuts = items
        .iter()
        .zip(&best)
        .map(|((has_handle, cands), best)| match best {
            Some((rank, c)) if suffixed || *rank == CONFIGURED => Some(*c),
            None if suffixed && *has_handle => cands
                .iter()
                .map(|(_, c)| *c)
                .rfind(|c| c.spaced == spaced_style),
            _ => None,
        })
        .collect();
    (suffixed, cuts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handle_matching_rules() {
        assert!(name_matches_handle("Andrej Karpathy", "karpathy"));
        assert!(name_matches_handle("merve", "mervenoyann"));
        assert!(name_matches_handle("clem 🤗", "ClementDelangue"));
        assert!(name_matches_handle("Sam Altman", "sama"));
        assert!(!name_matches_handle("向阳乔木", "vista8"));
        assert!(!name_matches_handle("Anthropic新闻", "anthropicai"));
        assert!(!name_matches_handle("AI", "openai"));
        assert!(!name_matches_handle("the", "theverge2"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        /// The stack-buffer version says what the plain one says, for names and handles
        /// of every shape: case, separators, the Kelvin sign and dotted capital I (which
        /// lowercase to ASCII letters), CJK, long ones that overflow the buffers.
        #[test]
        fn handle_matching_agrees_with_its_plain_version(
            name in "[A-Za-z0-9 ._\\-\u{212A}\u{130}\u{3A3}é乔🤗]{0,24}|[a-z ]{60,300}",
            handle in "[A-Za-z0-9_\u{212A}]{0,20}|[a-z]{60,80}",
        ) {
            proptest::prop_assert_eq!(
                name_matches_handle(&name, &handle),
                name_matches_handle_allocating(&name, &handle)
            );
        }

        /// The one-pass test of a name says what the rules say, written plainly.
        #[test]
        fn name_likeness_is_the_plain_rule(
            text in r#"[A-Za-z0-9 \t\x{3000}\x{a0}\-.，:!\[\]"()乔é]{0,50}|[a ]{150,170}"#,
        ) {
            const SENTENCE: &[char] = &[
                '，', '。', '：', '；', '！', '？', '“', '”', '《', '》', '（', '）', '、', ':', ';',
                '!', '?', '"', '(', ')', '[', ']',
            ];
            let plain = !text.is_empty()
                && text.len() <= MAX_NAME_BYTES
                && text.chars().count() <= 40
                && text.split_whitespace().count() <= 5
                && !text.contains(SENTENCE)
                && !text.starts_with(|c: char| c.is_ascii_digit() || c == '-');
            proptest::prop_assert_eq!(is_name_like(&text), plain, "{:?}", text);
        }

        /// Names and handles made of the same pieces, so that every rule is put to
        /// the test: whole names, four-letter tokens, three-letter first names, the
        /// Kelvin sign that lowercases to `k`.
        #[test]
        fn handle_matching_agrees_on_names_and_handles_of_the_same_pieces(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "Sam", "al", "Altman", "ben", "Tossell", "AI", "ng", "\u{212A}im", "kim",
                "\u{130}van", "Merve", "x1", "amjad",
            ]), 1..4),
            seps in proptest::collection::vec(proptest::sample::select(vec![" ", "-", ".", "", " 🤗 "]), 4),
            taken in proptest::collection::vec(proptest::bool::ANY, 4),
            suffix in "[a-z0-9]{0,3}",
        ) {
            let mut name = String::new();
            let mut handle = String::new();
            for (i, piece) in pieces.iter().enumerate() {
                name.push_str(piece);
                name.push_str(seps[i]);
                if taken[i] {
                    handle.extend(piece.to_lowercase().chars().filter(char::is_ascii_alphanumeric));
                }
            }
            handle.push_str(&suffix);
            proptest::prop_assert_eq!(
                name_matches_handle(&name, &handle),
                name_matches_handle_allocating(&name, &handle),
                "{:?} {:?}", name, handle
            );
        }
    }
}
