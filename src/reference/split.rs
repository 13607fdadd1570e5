//! The reference split: every title of a corpus, cut from evidence in plain passes
//! over the whole corpus (docs/FORMAT.md §1). The engine keeps the same cuts up to date
//! one change at a time; this is what it is held to, and where the rules are tested.

use crate::engine::author::{
    candidates, name_matches_handle, vote, Candidate, Cut, CONFIGURED, HANDLE, REPEATED,
};
use std::collections::{BTreeMap, HashMap, HashSet};

/// One item as the splitter sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ItemRef<'a> {
    pub title: &'a str,
    /// Lowercase X handle; `None` for links that are not tweets of a known account.
    pub handle: Option<&'a str>,
    /// Status id, to count distinct tweets.
    pub id: Option<u64>,
}

/// The result of splitting a whole corpus.
#[derive(Debug, Default)]
pub(crate) struct Splits {
    /// Per digest, per item: where to cut, if anywhere.
    pub cuts: Vec<Vec<Option<Cut>>>,
    /// Lowercase handle → display name (configured, else the name split off most often,
    /// ties to the earliest). Handles with neither are absent.
    pub names: HashMap<String, String>,
}

/// Splits every title of a corpus. `digests` must be in corpus order (oldest first,
/// ties by path): that order decides ties between names.
pub(crate) fn split_corpus(
    digests: &[Vec<ItemRef<'_>>],
    configured: &BTreeMap<String, String>,
) -> Splits {
    let repeated = tweets_per_name(digests);
    let evidence = |handle: &str, name: &str| -> u8 {
        if configured
            .get(handle)
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
        {
            CONFIGURED
        } else if repeated
            .get(&(handle, name))
            .is_some_and(|ids| ids.len() >= 2)
        {
            REPEATED
        } else if name_matches_handle(name, handle) {
            HANDLE
        } else {
            0
        }
    };
    let (mut cuts, uses_suffixes) = first_pass(digests, evidence);
    second_pass(digests, &mut cuts, &uses_suffixes);
    let names = display_names(digests, &cuts, configured);
    Splits { cuts, names }
}

/// How many distinct tweets of a handle end in each candidate name.
fn tweets_per_name<'a>(digests: &[Vec<ItemRef<'a>>]) -> HashMap<(&'a str, &'a str), HashSet<u64>> {
    let mut tweets: HashMap<(&str, &str), HashSet<u64>> = HashMap::new();
    for item in digests.iter().flatten() {
        if let (Some(handle), Some(id)) = (item.handle, item.id) {
            for c in candidates(item.title) {
                tweets
                    .entry((handle, c.cut.name(item.title)))
                    .or_default()
                    .insert(id);
            }
        }
    }
    tweets
}

/// Each digest's vote from the evidence of its items' candidates: its cuts, and
/// whether it uses suffixes at all.
fn first_pass(
    digests: &[Vec<ItemRef<'_>>],
    evidence: impl Fn(&str, &str) -> u8,
) -> (Vec<Vec<Option<Cut>>>, Vec<bool>) {
    let mut cuts: Vec<Vec<Option<Cut>>> = Vec::with_capacity(digests.len());
    let mut uses_suffixes = Vec::with_capacity(digests.len());
    for items in digests {
        let ranked: Vec<(bool, Vec<(u8, Candidate)>)> = items
            .iter()
            .map(|item| match item.handle {
                Some(handle) => (
                    true,
                    candidates(item.title)
                        .into_iter()
                        .map(|c| (evidence(handle, c.cut.name(item.title)), c))
                        .collect(),
                ),
                None => (false, Vec::new()),
            })
            .collect();
        let (suffixed, picked) = vote(&ranked);
        cuts.push(picked.into_iter().map(|c| c.map(|c| c.cut)).collect());
        uses_suffixes.push(suffixed);
    }
    (cuts, uses_suffixes)
}

/// Cuts the titles the first pass left whole where they end in a name the first pass
/// gave their handle, for digests without suffixes.
fn second_pass(
    digests: &[Vec<ItemRef<'_>>],
    cuts: &mut [Vec<Option<Cut>>],
    uses_suffixes: &[bool],
) {
    let mut known: HashMap<&str, HashSet<&str>> = HashMap::new();
    for (items, digest_cuts) in digests.iter().zip(cuts.iter()) {
        for (item, cut) in items.iter().zip(digest_cuts) {
            if let (Some(handle), Some(cut)) = (item.handle, cut) {
                known
                    .entry(handle)
                    .or_default()
                    .insert(cut.name(item.title));
            }
        }
    }
    // A link that is not a tweet has no handle to ask; in a digest that uses suffixes,
    // its title still loses a name that the corpus knows as some author's.
    let any_known: HashSet<&str> = known.values().flatten().copied().collect();
    for ((items, digest_cuts), suffixed) in digests.iter().zip(cuts.iter_mut()).zip(uses_suffixes) {
        for (item, cut) in items.iter().zip(digest_cuts.iter_mut()) {
            if cut.is_some() {
                continue;
            }
            let names = match item.handle {
                Some(_) if *suffixed => continue,
                Some(handle) => match known.get(handle) {
                    Some(names) => names,
                    None => continue,
                },
                None if *suffixed => &any_known,
                None => continue,
            };
            *cut = candidates(item.title)
                .into_iter()
                .rfind(|c| names.contains(c.cut.name(item.title)))
                .map(|c| c.cut);
        }
    }
}

/// Display names: configured, else most often split off, ties to the earliest.
fn display_names(
    digests: &[Vec<ItemRef<'_>>],
    cuts: &[Vec<Option<Cut>>],
    configured: &BTreeMap<String, String>,
) -> HashMap<String, String> {
    let mut counts: HashMap<&str, Vec<(&str, usize)>> = HashMap::new();
    for (items, digest_cuts) in digests.iter().zip(cuts) {
        for (item, cut) in items.iter().zip(digest_cuts) {
            if let (Some(handle), Some(cut)) = (item.handle, cut) {
                let names = counts.entry(handle).or_default();
                let name = cut.name(item.title);
                match names.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, count)) => *count += 1,
                    None => names.push((name, 1)),
                }
            }
        }
    }
    let mut names: HashMap<String, String> = counts
        .into_iter()
        .filter_map(|(handle, list)| {
            // `max_by_key` keeps the last maximum; reversing keeps the earliest.
            let (name, _) = list.into_iter().rev().max_by_key(|(_, count)| *count)?;
            Some((handle.to_string(), name.to_string()))
        })
        .collect();
    for (handle, name) in configured {
        names.insert(handle.clone(), name.clone());
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (title, handle, id)
    type Row<'a> = (&'a str, &'a str, u64);
    /// (title kept, name split off)
    type Pair = (String, Option<String>);

    fn run(
        digests: &[&[Row<'_>]],
        configured: &[(&str, &str)],
    ) -> (Vec<Vec<Pair>>, HashMap<String, String>) {
        let refs: Vec<Vec<ItemRef>> = digests
            .iter()
            .map(|d| {
                d.iter()
                    .map(|(title, handle, id)| ItemRef {
                        title,
                        handle: (!handle.is_empty()).then_some(*handle),
                        id: Some(*id),
                    })
                    .collect()
            })
            .collect();
        let configured: BTreeMap<String, String> = configured
            .iter()
            .map(|(h, n)| (h.to_string(), n.to_string()))
            .collect();
        let splits = split_corpus(&refs, &configured);
        let out = digests
            .iter()
            .zip(&splits.cuts)
            .map(|(d, cuts)| {
                d.iter()
                    .zip(cuts)
                    .map(|((title, _, _), cut)| match cut {
                        Some(c) => (c.title(title).to_string(), Some(c.name(title).to_string())),
                        None => (title.to_string(), None),
                    })
                    .collect()
            })
            .collect();
        (out, splits.names)
    }

    fn split_one(digest: &[Row<'_>]) -> Vec<(String, Option<String>)> {
        run(&[digest], &[]).0.remove(0)
    }

    fn pair(title: &str, name: Option<&str>) -> (String, Option<String>) {
        (title.to_string(), name.map(str::to_string))
    }

    #[test]
    fn spaced_separator_with_names_matching_handles() {
        let got = split_one(&[
            (
                "GPT 5.2 + Droid在NextJS开发中的卓越表现 - Ben Tossell",
                "bentossell",
                1,
            ),
            (
                "阿里巴巴发布Qwen-Image-Layered图像分解模型 - merve",
                "mervenoyann",
                2,
            ),
            ("Reachy Mini机器人普及 - clem 🤗", "clementdelangue", 3),
            (
                "通缩与企业界变革 - Peter H. Diamandis, MD",
                "peterdiamandis",
                4,
            ),
            ("吴恩达论LLM发展 - Andrew Ng", "andrewyng", 5),
        ]);
        assert_eq!(
            got,
            vec![
                pair(
                    "GPT 5.2 + Droid在NextJS开发中的卓越表现",
                    Some("Ben Tossell")
                ),
                pair("阿里巴巴发布Qwen-Image-Layered图像分解模型", Some("merve")),
                pair("Reachy Mini机器人普及", Some("clem 🤗")),
                pair("通缩与企业界变革", Some("Peter H. Diamandis, MD")),
                pair("吴恩达论LLM发展", Some("Andrew Ng")),
            ]
        );
    }

    #[test]
    fn unspaced_separator_and_hyphenated_titles_ending_in_an_author() {
        let got = split_one(&[
            (
                "OpenAI 发布 GPT-5.2-Codex 并关注网络安全-Sam Altman",
                "sama",
                1,
            ),
            (
                "Google DeepMind与Boston Dynamics合作-Demis Hassabis",
                "demishassabis",
                2,
            ),
            ("Replit创始人发布宣言-Amjad Masad", "amasad", 3),
        ]);
        assert_eq!(
            got[0],
            pair(
                "OpenAI 发布 GPT-5.2-Codex 并关注网络安全",
                Some("Sam Altman")
            )
        );
        assert_eq!(
            got[1],
            pair(
                "Google DeepMind与Boston Dynamics合作",
                Some("Demis Hassabis")
            )
        );
        assert_eq!(got[2], pair("Replit创始人发布宣言", Some("Amjad Masad")));
    }

    #[test]
    fn a_digest_without_authors_keeps_hyphenated_titles_whole() {
        let digest: &[Row] = &[
            ("Mamba-SSM模型开发进展", "mervenoyann", 1),
            ("DeepSeek-V4-Lite正式开源", "deepseek_ai", 2),
            ("Andrew Ng提出“图灵-AGI测试”以校准AGI预期", "andrewyng", 3),
            ("Peter H. Diamandis与Elon Musk对话", "peterdiamandis", 4),
            ("Claude Code更新-Anthropic新闻", "anthropicai", 5),
        ];
        let got = split_one(digest);
        for ((title, _, _), (kept, name)) in digest.iter().zip(got) {
            assert_eq!((kept.as_str(), name), (*title, None));
        }
    }

    #[test]
    fn one_handle_match_does_not_make_a_digest_suffixed() {
        // An English digest without authors where one title happens to end in a word of its handle.
        let got = split_one(&[
            ("Release of Llama-Guard - Meta research", "aiatmeta", 1),
            ("State-space models explained", "karpathy", 2),
            ("Long-context evaluation", "ylecun", 3),
        ]);
        assert_eq!(got[0], pair("Release of Llama-Guard - Meta research", None));
        assert_eq!(got[1].1, None);
    }

    #[test]
    fn cjk_name_known_only_from_other_items_of_the_handle() {
        let got = split_one(&[
            ("Google发布“Nested Learning”论文-向阳乔木", "vista8", 1),
            ("AI加速中美AI竞争-向阳乔木", "vista8", 2),
            ("Claude Code引发业界热议-宝玉", "dotey", 3),
            ("DeepMind合作-Demis Hassabis", "demishassabis", 4),
        ]);
        assert_eq!(
            got[0],
            pair("Google发布“Nested Learning”论文", Some("向阳乔木"))
        );
        assert_eq!(got[1], pair("AI加速中美AI竞争", Some("向阳乔木")));
        // 宝玉 is seen once, but the digest as a whole uses suffixes.
        assert_eq!(got[2], pair("Claude Code引发业界热议", Some("宝玉")));
    }

    #[test]
    fn known_name_splits_an_item_in_a_digest_without_suffixes() {
        let (got, names) = run(
            &[
                &[
                    ("UI生成的两种路径 - 宝玉", "dotey", 1),
                    ("Gemini图像能力 - 宝玉", "dotey", 2),
                ],
                &[
                    ("Mamba-SSM进展", "mervenoyann", 3),
                    ("Nano Banana 2 Flash测试-宝玉", "dotey", 4),
                    ("AGI时间线", "x", 5),
                ],
            ],
            &[],
        );
        assert_eq!(got[1][0], pair("Mamba-SSM进展", None));
        assert_eq!(got[1][1], pair("Nano Banana 2 Flash测试", Some("宝玉")));
        assert_eq!(names["dotey"], "宝玉");
    }

    #[test]
    fn configured_names_override_everything() {
        let (got, names) = run(
            &[&[
                ("Mamba-SSM模型-Merve N.", "mervenoyann", 1),
                ("A plain title", "karpathy", 2),
                ("Another", "ylecun", 3),
            ]],
            &[("mervenoyann", "Merve N."), ("karpathy", "Andrej")],
        );
        // A lone configured match splits even in a digest that otherwise has no suffixes.
        assert_eq!(got[0][0], pair("Mamba-SSM模型", Some("Merve N.")));
        assert_eq!(names["karpathy"], "Andrej");
        assert_eq!(names["mervenoyann"], "Merve N.");
    }

    #[test]
    fn display_name_is_the_most_frequent_then_the_earliest() {
        let (_, names) = run(
            &[
                &[("a - clem", "clementdelangue", 1)],
                &[
                    ("b - clem 🤗", "clementdelangue", 2),
                    ("c - clem 🤗", "clementdelangue", 3),
                ],
                &[
                    ("d - Sarah", "saranormous", 4),
                    ("e - Sarah Guo", "saranormous", 5),
                    ("f - Ben Tossell", "bentossell", 6),
                    ("g - Andrew Ng", "andrewyng", 7),
                ],
            ],
            &[],
        );
        assert_eq!(names["clementdelangue"], "clem 🤗");
        assert_eq!(names["saranormous"], "Sarah", "tie goes to the earliest");
    }

    #[test]
    fn names_with_hyphens_after_a_spaced_separator() {
        let got = split_one(&[("Essay on robots - Jean-Luc Picard", "jeanlucpicard", 1)]);
        assert_eq!(got[0], pair("Essay on robots", Some("Jean-Luc Picard")));
    }

    #[test]
    fn links_without_handles_lose_only_names_known_as_authors() {
        let got = split_one(&[
            ("A blog post - Some Blog", "", 1),
            ("Other - Ben Tossell", "bentossell", 2),
            ("Reading list - Ben Tossell", "", 3),
        ]);
        assert_eq!(got[0], pair("A blog post - Some Blog", None));
        assert_eq!(got[2], pair("Reading list", Some("Ben Tossell")));
        // In a digest without suffixes they stay whole.
        let (got, _) = run(
            &[
                &[("x - Ben Tossell", "bentossell", 1)],
                &[
                    ("Plain", "a", 2),
                    ("Whole", "b", 3),
                    ("Reading list - Ben Tossell", "", 4),
                ],
            ],
            &[],
        );
        assert_eq!(got[1][2], pair("Reading list - Ben Tossell", None));
    }

    #[test]
    fn a_huge_hyphenated_title_is_split_in_linear_time() {
        let title = format!("{}- Ben Tossell", "a-".repeat(200_000));
        let started = std::time::Instant::now();
        let got = split_one(&[(&title, "bentossell", 1)]);
        assert_eq!(got[0].1.as_deref(), Some("Ben Tossell"));
        // A guard against quadratic time (minutes), not a benchmark.
        assert!(started.elapsed().as_secs() < 10);
    }
}
