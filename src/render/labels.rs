//! The words of the pages for people, in the site's language (`site.language`). One
//! table per language; a translator adds one by copying [`EN`] and naming its tags in
//! [`for_language`]. English is the fallback.

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;

/// Every word a page shows.
pub(crate) struct Labels {
    /// `<html lang>` when the site names no language.
    pub lang: &'static str,
    /// After the site's title, in the front page's title and heading.
    pub feeds_of_site: &'static str,
    /// Before the link to every feed as OPML, and the link's text, and after it.
    pub follow: &'static str,
    pub opml: &'static str,
    pub follow_end: &'static str,
    pub headlines: &'static str,
    pub feeds: &'static str,
    pub all_items: &'static str,
    pub digests: &'static str,
    pub digests_name: &'static str,
    pub categories: &'static str,
    pub authors: &'static str,
    pub col_feed: &'static str,
    pub col_items: &'static str,
    pub col_newest: &'static str,
    pub col_formats: &'static str,
    pub subscribe: &'static str,
    pub what_reader: &'static str,
    pub open_in: &'static str,
    pub latest: &'static str,
    pub none_yet: &'static str,
    /// Before and after the time zone's name.
    pub times_in: (&'static str, &'static str),
    /// A number of items.
    pub items: fn(usize) -> String,
    /// What a category's feed holds: (category, site).
    pub about_category: fn(&str, &str) -> String,
    /// What an author's feed holds: (name, handle, site).
    pub about_author: fn(&str, &str, &str) -> String,
    /// What the digest feed holds: (site).
    pub about_digests: fn(&str) -> String,
    /// `strftime` pattern of a date and time.
    pub date: &'static str,
}

pub(crate) const EN: Labels = Labels {
    lang: "en",
    feeds_of_site: "feeds",
    follow: "Follow these in a feed reader, or import ",
    opml: "all of them (OPML)",
    follow_end: ".",
    headlines: "Latest news",
    feeds: "Feeds",
    all_items: "All items",
    digests: "Whole digests",
    digests_name: "Every digest, one entry each",
    categories: "Categories",
    authors: "Authors",
    col_feed: "Feed",
    col_items: "Items",
    col_newest: "Newest",
    col_formats: "Formats",
    subscribe: "Subscribe",
    what_reader: "A feed reader gathers new items from the sites you follow. Copy one of these addresses into yours:",
    open_in: "Or open it in a web reader:",
    latest: "Latest items",
    none_yet: "No items yet.",
    times_in: ("Times are ", " time."),
    items: |n| match n {
        1 => "1 item".to_string(),
        n => format!("{} items", grouped(n)),
    },
    about_category: |name, site| format!("Items in the category “{name}” from {site}."),
    about_author: |name, handle, site| format!("Items by {name} (@{handle}) from {site}."),
    about_digests: |site| format!("Every digest from {site}, whole: one entry per post."),
    date: "%-d %b %Y %H:%M",
};

pub(crate) const ZH_HANS: Labels = Labels {
    lang: "zh-CN",
    feeds_of_site: "订阅源",
    follow: "用 RSS 阅读器订阅下面的源，或一次导入",
    opml: "全部订阅源（OPML）",
    follow_end: "。",
    headlines: "最新消息",
    feeds: "订阅源",
    all_items: "全部条目",
    digests: "完整日报",
    digests_name: "每期日报一条",
    categories: "分类",
    authors: "作者",
    col_feed: "订阅源",
    col_items: "条目",
    col_newest: "最新",
    col_formats: "格式",
    subscribe: "订阅",
    what_reader: "RSS 阅读器会收集你关注的网站的新内容。把下面任一地址复制到你的阅读器中：",
    open_in: "或在网页阅读器中打开：",
    latest: "最新条目",
    none_yet: "暂无条目。",
    times_in: ("时间为 ", " 时间。"),
    items: |n| format!("{n} 条"),
    about_category: |name, site| format!("{site} 中“{name}”分类的条目。"),
    about_author: |name, handle, site| format!("{site} 中 {name}（@{handle}）的条目。"),
    about_digests: |site| format!("{site} 的每一期日报全文，每期一条。"),
    date: "%Y年%-m月%-d日 %H:%M",
};

/// A number with its thousands set apart by commas, as English writes them.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The labels of `language` (a BCP 47 tag): Simplified Chinese for `zh`, `zh-CN`,
/// `zh-SG` and `zh-Hans…`, English for the rest and for none.
pub(crate) fn for_language(language: Option<&str>) -> &'static Labels {
    // Asked for every date a page shows: no allocation.
    let mut parts = language.unwrap_or("").split(['-', '_']);
    let is = |part: Option<&str>, name: &str| part.is_some_and(|p| p.eq_ignore_ascii_case(name));
    let (primary, region) = (parts.next(), parts.next());
    let simplified = region.is_none() || ["cn", "sg", "hans"].iter().any(|r| is(region, r));
    if is(primary, "zh") && simplified {
        &ZH_HANS
    } else {
        &EN
    }
}

impl Labels {
    /// A date in the site's zone, as this language writes it.
    pub(crate) fn date(&self, date: DateTime<FixedOffset>, zone: Tz) -> String {
        date.with_timezone(&zone).format(self.date).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_for_simplified_tags_english_for_the_rest() {
        for tag in ["zh", "zh-CN", "ZH_cn", "zh-Hans", "zh-Hans-CN", "zh-SG"] {
            assert_eq!(for_language(Some(tag)).lang, "zh-CN", "{tag}");
        }
        for tag in ["zh-TW", "zh-Hant", "en", "fr", ""] {
            assert_eq!(for_language(Some(tag)).lang, "en", "{tag}");
        }
        assert_eq!(for_language(None).lang, "en");
        let date = DateTime::parse_from_rfc3339("2026-01-05T00:30:00Z").unwrap();
        assert_eq!(ZH_HANS.date(date, Tz::Asia__Shanghai), "2026年1月5日 08:30");
        assert_eq!(EN.date(date, Tz::UTC), "5 Jan 2026 00:30");
        assert_eq!((EN.items)(1), "1 item");
        assert_eq!((EN.items)(83195), "83,195 items");
        assert_eq!((EN.items)(999), "999 items");
        assert_eq!((ZH_HANS.items)(3), "3 条");
    }
}
