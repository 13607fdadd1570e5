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

struct Tweet {
    id: u64,
    author: usize,
}

/// `count` digests as (relative path, text), oldest first.
pub fn generate(count: u64, seed: u64) -> Vec<(String, String)> {
    let mut files = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    let mut rng = Rng(seed);
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
        let mut tweets = Vec::new();
        let mut body = String::new();
        if rng.below(4) == 0 {
            body.push_str("以下是过去几个小时的重点新闻回顾：\n\n");
        }
        for k in 0..items {
            let repeat = rng.below(10) < 4 && !recent.is_empty();
            let tweet = if repeat {
                let back =
                    &recent[recent.len() - 1 - rng.below(recent.len().min(2) as u64) as usize];
                let t = &back[rng.below(back.len() as u64) as usize];
                Tweet {
                    id: t.id,
                    author: t.author,
                }
            } else {
                next_id += 1 + rng.below(1000);
                Tweet {
                    id: next_id,
                    author: rng.skewed(AUTHORS.len()),
                }
            };
            let (handle, name) = AUTHORS[tweet.author];
            let topic = rng.pick(TOPICS);
            let title = match style {
                0..=5 => format!("{topic}，第{}期-{name}", rng.below(90) + 10),
                6..=8 => format!("{topic}，第{}期 - {name}", rng.below(90) + 10),
                _ => format!("{topic}，第{}期", rng.below(90) + 10),
            };
            let sep = if rng.below(2) == 0 { "\n" } else { "\n\n" };
            body.push_str(&format!(
                "{}. [{title}]({}){sep}    {}\n\n    {}\n\n",
                k + 1,
                url(&mut rng, handle, tweet.id),
                summary(&mut rng),
                summary(&mut rng),
            ));
            tweets.push(tweet);
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
            0 => date.format("%Y-%m-%d %H:%M:%S").to_string(),
            1 => date.format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string(),
            _ => date.to_rfc3339(),
        };
        let categories = if n % 11 == 0 {
            cats[0].to_string()
        } else {
            format!(
                "[{}]",
                cats.iter()
                    .map(|c| format!("\"{c}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let draft = if n % 97 == 96 { "draft: true\n" } else { "" };
        let mut text = format!(
            "---\ntitle: \"{} 过去4小时全球AI发生了什么？\"\ndate: {date_line}\ncategories: {categories}\n{draft}---\n\n{body}",
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
