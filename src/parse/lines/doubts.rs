//! Why the line-by-line reading left a body to the CommonMark parser, counted over a
//! run, so that a run can say what its digests cost.

use super::Doubt;
use std::fmt;

impl Doubt {
    /// Every doubt, in the order [`Doubts`] lists ties.
    pub const ALL: [Doubt; 14] = [
        Doubt::LoneCarriageReturn,
        Doubt::TabIndent,
        Doubt::OddMarker,
        Doubt::ListInIntro,
        Doubt::OtherDelimiter,
        Doubt::IntroBlock,
        Doubt::NoPlainLink,
        Doubt::TitleMarkup,
        Doubt::TitleEscape,
        Doubt::EmptyTitle,
        Doubt::LinkDestination,
        Doubt::UnderlinedTitle,
        Doubt::LazyLine,
        Doubt::SecondList,
    ];

    /// A few words for the log.
    pub fn describe(self) -> &'static str {
        match self {
            Doubt::LoneCarriageReturn => "lone carriage return",
            Doubt::TabIndent => "tab indent",
            Doubt::OddMarker => "odd list marker",
            Doubt::ListInIntro => "list inside the intro",
            Doubt::OtherDelimiter => "other list delimiter",
            Doubt::IntroBlock => "intro not a plain paragraph",
            Doubt::NoPlainLink => "item without a plain link",
            Doubt::TitleMarkup => "title markup",
            Doubt::TitleEscape => "title escape or entity",
            Doubt::EmptyTitle => "empty title",
            Doubt::LinkDestination => "link destination",
            Doubt::UnderlinedTitle => "underlined title",
            Doubt::LazyLine => "lazy line",
            Doubt::SecondList => "second list",
        }
    }
}

/// How many digests each [`Doubt`] sent to the CommonMark parser.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Doubts([usize; Doubt::ALL.len()]);

impl Doubts {
    /// Counts a digest; `None` (read line by line, or with its summaries) counts nothing.
    pub fn add(&mut self, doubt: Option<Doubt>) {
        if let Some(doubt) = doubt {
            self.0[doubt as usize] += 1;
        }
    }

    pub fn get(&self, doubt: Doubt) -> usize {
        self.0[doubt as usize]
    }

    /// Digests counted, whatever the doubt.
    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }
}

/// `N digests read by the full CommonMark parser: 12 title markup, 3 lazy line`, the
/// most frequent first.
impl fmt::Display for Doubts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.total();
        let noun = if total == 1 { "digest" } else { "digests" };
        write!(f, "{total} {noun} read by the full CommonMark parser")?;
        let mut counted: Vec<(usize, Doubt)> = Doubt::ALL
            .iter()
            .map(|&d| (self.get(d), d))
            .filter(|&(n, _)| n > 0)
            .collect();
        // Stable: ties keep the order of `Doubt::ALL`.
        counted.sort_by_key(|&(n, _)| std::cmp::Reverse(n));
        for (i, (n, doubt)) in counted.into_iter().enumerate() {
            let sep = if i == 0 { ": " } else { ", " };
            write!(f, "{sep}{n} {}", doubt.describe())?;
        }
        Ok(())
    }
}
