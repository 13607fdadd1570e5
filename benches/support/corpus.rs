//! A realistic corpus of digests, generated deterministically from a seed, for the
//! benchmarks (`benches/`) and the `gen_corpus` example.
//!
//! Each digest: 10–16 items (13 on average), about 40% of them repeating tweets of
//! the previous one or two digests under other wording and other URL spellings, about
//! 40 authors with skewed frequencies, 3–5 of 25 categories in Chinese and English,
//! summaries of 100–300 characters with bold and code, a digest every 4 hours, about
//! 7–8 KB per file. Every format variant of docs/FORMAT.md §1 appears: both author
//! separators, digests without authors, CRLF, a byte-order mark, every date form,
//! one category as a plain string, drafts, and nested year/month folders.
//!
//! [`Mix::Usual`] (what [`generate`] writes) is the corpus whose feeds
//! `benches/e2e-output.sha256` records: it must stay byte for byte what it is, so the
//! variants below draw from a random stream of their own and leave the usual one alone.
//!
//! [`Mix::Variants`] writes the same digests (same tweets, dates, folders), some of
//! them in the other shapes that README and docs/FORMAT.md §1 accept, as real digest
//! writers produce them. Per digest, each drawn on its own:
//!
//! - list layout: 82% as usual (`N. ` markers, summaries indented four spaces, a
//!   blank line between items), 4% `N) ` markers, 5% a tight list (no blank line
//!   anywhere, one summary paragraph under the title's text), 2% the same with every
//!   summary indented three spaces (so from item 10 on, under `10. `, a lazy
//!   continuation line), 7% summaries of three or four paragraphs;
//! - 10% one title with markup or special characters: 3% backtick code, 3% a bare `&`
//!   (`Q&A`), 2% a `<` that is no tag (`<10B`), 0.5% an entity (`&amp;`), 0.5% an HTML
//!   tag, 1% emphasis or strikethrough;
//! - 3% one summary that opens with a bullet list right under the title line, 3% one
//!   that starts on the title's line (`[title](url) —— text`);
//! - 4% text after the list (a closing line, a rule and a note, or a link);
//! - 5% categories as a block list (`categories:` then `  - name` lines), besides the
//!   usual 9% single string;
//! - 3% a date without a time (`YYYY-MM-DD`), besides the usual 14% without an offset;
//! - CRLF (8%), a byte-order mark (6%) and drafts (1%) as usual.

/// splitmix64: tiny, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    /// Skewed towards small indices (roughly Zipf-like).
    fn skewed(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64).powf(u) - 1.0) as usize % n
    }
}

const AUTHORS: &[(&str, &str)] = &[
    ("mayachen_ai", "Maya Chen"),
    ("truiz", "Tomás Ruiz"),
    ("HelenOsei", "Helen K. Osei, PhD"),
    ("NovaLindqvist", "nova 🚀"),
    ("brook42", "山间小溪"),
    ("morningread", "晨读君"),
    ("kwamedata", "Kwame Mensah"),
    ("lin_yue", "林悦"),
    ("aiko_tanaka", "Aiko Tanaka"),
    ("raj_iyer", "Raj Iyer"),
    ("sofiagarcia", "Sofía García"),
    ("ben_okafor", "Ben Okafor"),
    ("petra_nova", "Petra Novak"),
    ("deepthinker", "深度思考者"),
    ("hannahlee", "Hannah Lee"),
    ("omarfarouk", "Omar Farouk"),
    ("leaschmidt", "Lea Schmidt"),
    ("yutaka_m", "Yutaka M."),
    ("chloe_dubois", "Chloé Dubois"),
    ("ivan_petrov", "Ivan Petrov"),
    ("zhangwei_ml", "张伟"),
    ("amara_ng", "Amara Ng"),
    ("lucas_silva", "Lucas Silva"),
    ("noor_ai", "Noor 🌙"),
    ("greta_berg", "Greta Berg"),
    ("tech_owl", "技术猫头鹰"),
    ("mateo_ruiz", "Mateo Ruiz"),
    ("priya_k", "Priya Kapoor"),
    ("jonas_weber", "Jonas Weber"),
    ("emilyzhou", "Emily Zhou"),
    ("samir_h", "Samir Haddad"),
    ("olga_ivanova", "Olga Ivanova"),
    ("kenji_sato", "Kenji Sato"),
    ("fatima_z", "Fatima Zahra"),
    ("paulo_reis", "Paulo Reis"),
    ("annak_dev", "Anna K."),
    ("viktor_lind", "Viktor Lind"),
    ("meiling_ai", "美玲"),
    ("daniel_cho", "Daniel Cho"),
    ("ines_costa", "Inês Costa"),
];

const CATEGORIES: &[&str] = &[
    "AI新闻",
    "大模型",
    "开源",
    "机器人",
    "产业观察",
    "开发工具",
    "芯片",
    "研究论文",
    "AGI",
    "多模态",
    "安全",
    "融资",
    "教育",
    "Open Source",
    "Robotics",
    "LLM",
    "Agents",
    "Research",
    "Hardware",
    "Funding",
    "Policy",
    "Vision",
    "Speech",
    "Tools",
    "Startups",
];

const TOPICS: &[&str] = &[
    "开源代码模型登顶基准",
    "推理芯片价格下调",
    "Mamba-SSM 架构新进展",
    "长上下文检索评测",
    "Agent 框架发布新版本",
    "DeepSeek-V4-Lite 开源",
    "多模态模型理解图表",
    "机器人数据集下载破纪录",
    "GPT-5.2-Codex 接入编辑器",
    "量化工具发布 1.0",
    "Scaling laws for data mixtures",
    "Why eval sets leak into training",
    "A tiny tokenizer library",
    "On-device speech recognition",
    "Open weights for a 70B model",
    "Diffusion for video, explained",
    "RLHF without the RL",
];

const WORDS: &[&str] = &[
    "模型",
    "训练",
    "推理",
    "数据",
    "基准",
    "开源",
    "效率",
    "显存",
    "上下文",
    "社区",
    "发布",
    "evaluation",
    "latency",
    "throughput",
    "weights",
    "dataset",
    "benchmark",
    "release",
];

fn summary(rng: &mut Rng) -> String {
    let target = 100 + rng.below(200) as usize;
    let mut s = String::new();
    while s.chars().count() < target {
        match rng.below(8) {
            0 => s.push_str(&format!("**{}**", rng.pick(WORDS))),
            1 => s.push_str(&format!("`{}-{}`", rng.pick(WORDS), rng.below(100))),
            2 => s.push('，'),
            _ => {
                let word: &&str = rng.pick(WORDS);
                s.push_str(word)
            }
        }
        s.push(' ');
    }
    s.trim_end().to_string()
}

fn url(rng: &mut Rng, handle: &str, id: u64) -> String {
    match rng.below(10) {
        0 => format!("https://twitter.com/{handle}/status/{id}?s=20"),
        1 => format!("https://x.com/{}/status/{id}", handle.to_uppercase()),
        2 => format!("http://mobile.twitter.com/{handle}/status/{id}/photo/1"),
        3 => format!("https://www.x.com/{handle}/status/{id}/"),
        _ => format!("https://x.com/{handle}/status/{id}"),
    }
}

/// Which shapes [`generate_mix`] writes; see the module's documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mix {
    Usual,
    Variants,
}

/// How items are laid out in a digest of [`Mix::Variants`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Usual,
    Paren,
    Tight,
    /// Tight, with summaries indented three spaces whatever the marker's width.
    TightFlat,
    Long,
}

/// Titles with something a Markdown parser reads as more than text, or that looks so.
const MARKED_TOPICS: &[&[&str]] = &[
    &[
        "`hf-mem` 估算显存占用",
        "用 `uv` 管理 Python 项目",
        "`llama.cpp` 支持新架构",
        "`torch.compile` 提速 30%",
    ],
    &[
        "Q&A：模型评测答疑",
        "AT&T 部署 AI 客服",
        "R&D 投入创新高",
        "Search & Rescue 机器人",
    ],
    &[
        "参数量 <10B 的模型登顶",
        "延迟 < 50ms 的语音模型",
        "成本降到 <$1 每百万 token",
    ],
    &["Q&amp;A：模型评测答疑", "AT&amp;T 部署 AI 客服"],
    &["推理模型的 <think> 标签", "<b>重磅</b>：新模型发布"],
    &["**重磅**：开源模型发布", "*Preview* 版上线", "~~旧~~新基准"],
];

/// Out of 1000 digests, how many have one title from each list of [`MARKED_TOPICS`].
const MARKED_PER_MILLE: &[u64] = &[30, 30, 20, 5, 5, 10];

const CLOSINGS: &[&str] = &[
    "以上就是过去4小时的重点。\n",
    "---\n\n*由 AI 整理，仅供参考*\n",
    "更多内容见 [往期回顾](https://example.org/digests/)。\n",
];

/// The shapes of one digest of [`Mix::Variants`] besides the usual ones; all `None` or
/// false for [`Mix::Usual`].
struct Shape {
    layout: Layout,
    /// Item (0-based) and title.
    marked: Option<(u64, &'static str)>,
    /// Item whose summary opens with a bullet list.
    bullets: Option<u64>,
    /// Item whose summary starts on its title's line.
    inline: Option<u64>,
    closing: Option<&'static str>,
    block_categories: bool,
    date_only: bool,
}

impl Shape {
    const USUAL: Shape = Shape {
        layout: Layout::Usual,
        marked: None,
        bullets: None,
        inline: None,
        closing: None,
        block_categories: false,
        date_only: false,
    };

    fn draw(rng: &mut Rng, items: u64) -> Shape {
        let layout = match rng.below(100) {
            0..=81 => Layout::Usual,
            82..=85 => Layout::Paren,
            86..=90 => Layout::Tight,
            91..=92 => Layout::TightFlat,
            _ => Layout::Long,
        };
        let mut marked = None;
        let mut roll = rng.below(1000);
        for (topics, per_mille) in MARKED_TOPICS.iter().zip(MARKED_PER_MILLE) {
            if roll < *per_mille {
                marked = Some((rng.below(items), *rng.pick(topics)));
                break;
            }
            roll -= per_mille;
        }
        let mut one_item = |percent: u64| (rng.below(100) < percent).then(|| rng.below(items));
        let bullets = one_item(3);
        let inline = one_item(3);
        let closing = (rng.below(100) < 4).then(|| *rng.pick(CLOSINGS));
        Shape {
            layout,
            marked,
            bullets,
            inline,
            closing,
            block_categories: rng.below(100) < 5,
            date_only: rng.below(100) < 3,
        }
    }
}

/// One item's text in the shape `shape` gives item `k`; `extra` draws what only the
/// variants need, so that the usual stream of draws stays as it was.
#[allow(clippy::too_many_arguments)]
fn item_text(
    shape: &Shape,
    extra: &mut Rng,
    k: u64,
    title: &str,
    url: &str,
    sep: &str,
    first: &str,
    second: &str,
) -> String {
    let n = k + 1;
    if matches!(shape.layout, Layout::Tight | Layout::TightFlat) {
        let mut text = format!("{n}. [{title}]({url})\n");
        let indent = if shape.layout == Layout::Tight && n >= 10 {
            "    "
        } else {
            "   "
        };
        if shape.bullets == Some(k) {
            text.push_str(&format!(
                "{indent}- {}\n{indent}- {}\n",
                bullet(extra),
                bullet(extra)
            ));
        }
        text.push_str(&format!("{indent}{first}\n"));
        return text;
    }
    let delimiter = if shape.layout == Layout::Paren {
        ')'
    } else {
        '.'
    };
    let mut text = format!("{n}{delimiter} [{title}]({url})");
    if shape.inline == Some(k) {
        text.push_str(&format!(" —— {first}\n\n    {second}\n\n"));
    } else if shape.bullets == Some(k) {
        text.push_str(&format!(
            "\n    - {}\n    - {}\n\n    {first}\n\n    {second}\n\n",
            bullet(extra),
            bullet(extra)
        ));
    } else {
        text.push_str(&format!("{sep}    {first}\n\n    {second}\n\n"));
    }
    if shape.layout == Layout::Long {
        for _ in 0..1 + extra.below(2) {
            text.push_str(&format!("    {}\n\n", summary(extra)));
        }
    }
    text
}

fn bullet(rng: &mut Rng) -> String {
    format!(
        "{}{}：{}",
        rng.pick(WORDS),
        rng.pick(WORDS),
        rng.pick(WORDS)
    )
}

struct Tweet {
    id: u64,
    author: usize,
}

/// `count` digests as (relative path, text), oldest first, in the usual shapes.
pub(crate) fn generate(count: u64, seed: u64) -> Vec<(String, String)> {
    generate_mix(count, seed, Mix::Usual)
}

/// `count` digests as (relative path, text), oldest first, in the shapes of `mix`.
pub(crate) fn generate_mix(count: u64, seed: u64, mix: Mix) -> Vec<(String, String)> {
    let mut files = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    let mut rng = Rng(seed);
    let mut extra = Rng(seed ^ 0x5641_5249_414E_5453);
    let mut recent: Vec<Vec<Tweet>> = Vec::new();
    let mut next_id: u64 = 1_900_000_000_000_000_000;
    // 2024-01-01T00:00:00+08:00, then every 4 hours.
    let start = 1_704_038_400i64;
    for n in 0..count {
        let ts = start + n as i64 * 4 * 3600;
        let date = chrono::DateTime::from_timestamp(ts, 0)
            .expect("in range")
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset"));
        let style = rng.below(10); // 0..=5 "-", 6..=8 " - ", 9 no authors
        let items = 10 + rng.below(7);
        let shape = match mix {
            Mix::Usual => Shape::USUAL,
            Mix::Variants => Shape::draw(&mut extra, items),
        };
        let mut tweets = Vec::new();
        let mut body = String::new();
        if rng.below(4) == 0 {
            body.push_str("以下是过去几个小时的重点新闻回顾：\n\n");
        }
        for k in 0..items {
            let repeat = rng.below(10) < 4 && !recent.is_empty();
            let earlier = if repeat {
                let back =
                    &recent[recent.len() - 1 - rng.below(recent.len().min(2) as u64) as usize];
                let t = &back[rng.below(back.len() as u64) as usize];
                // A writer does not list one tweet twice in a digest (a lint says so).
                (!tweets.iter().any(|u: &Tweet| u.id == t.id)).then_some(Tweet {
                    id: t.id,
                    author: t.author,
                })
            } else {
                None
            };
            let tweet = if let Some(t) = earlier {
                t
            } else {
                next_id += 1 + rng.below(1000);
                Tweet {
                    id: next_id,
                    author: rng.skewed(AUTHORS.len()),
                }
            };
            let (handle, name) = AUTHORS[tweet.author];
            let mut topic = *rng.pick(TOPICS);
            if let Some((item, marked)) = shape.marked {
                if item == k {
                    topic = marked;
                }
            }
            let title = match style {
                0..=5 => format!("{topic}，第{}期-{name}", rng.below(90) + 10),
                6..=8 => format!("{topic}，第{}期 - {name}", rng.below(90) + 10),
                _ => format!("{topic}，第{}期", rng.below(90) + 10),
            };
            let sep = if rng.below(2) == 0 { "\n" } else { "\n\n" };
            let url = url(&mut rng, handle, tweet.id);
            let first = summary(&mut rng);
            let second = summary(&mut rng);
            body.push_str(&item_text(
                &shape, &mut extra, k, &title, &url, sep, &first, &second,
            ));
            tweets.push(tweet);
        }
        if let Some(closing) = shape.closing {
            if matches!(shape.layout, Layout::Tight | Layout::TightFlat) {
                body.push('\n');
            }
            body.push_str(closing);
        }
        let ncat = 3 + rng.below(3) as usize;
        let mut cats: Vec<&str> = Vec::new();
        while cats.len() < ncat {
            let c = CATEGORIES[rng.skewed(CATEGORIES.len())];
            if !cats.contains(&c) {
                cats.push(c);
            }
        }
        let date_line = match n % 7 {
            _ if shape.date_only => date.format("%Y-%m-%d").to_string(),
            0 => date.format("%Y-%m-%d %H:%M:%S").to_string(),
            1 => date.format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string(),
            _ => date.to_rfc3339(),
        };
        let categories = if n % 11 == 0 {
            format!(" {}", cats[0])
        } else if shape.block_categories {
            cats.iter().map(|c| format!("\n  - {c}")).collect()
        } else {
            format!(
                " [{}]",
                cats.iter()
                    .map(|c| format!("\"{c}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let draft = if n % 97 == 96 { "draft: true\n" } else { "" };
        let mut text = format!(
            "---\ntitle: \"{} 过去4小时全球AI发生了什么？\"\ndate: {date_line}\ncategories:{categories}\n{draft}---\n\n{body}",
            date.format("%Y.%m.%d.%H")
        );
        if n % 13 == 0 {
            text = text.replace('\n', "\r\n");
        }
        if n % 17 == 0 {
            text.insert(0, '\u{FEFF}');
        }
        files.push((
            format!("{}/{}.md", date.format("%Y/%m"), date.format("%Y-%m-%d-%H")),
            text,
        ));
        recent.push(tweets);
        if recent.len() > 2 {
            recent.remove(0);
        }
    }
    files
}
