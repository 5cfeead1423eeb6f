//! The material of generated reports: the seed texts with their agency names, years and
//! figures swapped for drawn ones, real place names from the gazetteer, and a few pages that
//! are not reports.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::{Captures, Regex};

use super::Rng;

/// A county-level (or prefecture-level) division from `data/gazetteer/areas.csv`.
#[derive(Debug, Clone)]
pub struct Place {
    /// 6-digit division code.
    pub code: String,
    /// Province name, e.g. `山东省`.
    pub province: String,
    /// Prefecture name (the province for municipalities), e.g. `威海市`.
    pub city: String,
    /// County name, empty for a prefecture-level agency.
    pub county: String,
}

impl Place {
    /// Region prefix of an agency name: city + county (province + county in municipalities).
    pub fn prefix(&self) -> String {
        format!("{}{}", self.city, self.county)
    }

    /// The short local name the seeds use in passing (`环翠区`, `温州市`).
    pub fn short(&self) -> &str {
        if self.county.is_empty() {
            &self.city
        } else {
            &self.county
        }
    }
}

/// A drawn agency.
#[derive(Debug, Clone)]
pub struct Agency {
    /// Where it is.
    pub place: Place,
    /// Department, e.g. `科学技术局`.
    pub dept: String,
}

impl Agency {
    /// Full name with region prefix, e.g. `威海市环翠区科学技术局`.
    pub fn name(&self) -> String {
        format!("{}{}", self.place.prefix(), self.dept)
    }
}

/// Departments agencies are drawn from.
const DEPARTMENTS: &[&str] = &[
    "科学技术局",
    "教育局",
    "财政局",
    "民政局",
    "人力资源和社会保障局",
    "自然资源局",
    "生态环境局",
    "住房和城乡建设局",
    "交通运输局",
    "水利局",
    "农业农村局",
    "商务局",
    "文化和旅游局",
    "卫生健康局",
    "应急管理局",
    "审计局",
    "市场监督管理局",
    "统计局",
    "医疗保障局",
    "司法局",
    "机关事务管理局",
    "人民政府办公室",
];

/// The gazetteer, parsed once.
#[derive(Debug, Clone)]
pub struct Places {
    areas: Vec<Place>,
}

#[derive(serde::Deserialize)]
struct AreaRow {
    code: String,
    name: String,
    #[serde(rename = "cityCode")]
    city_code: String,
    #[serde(rename = "provinceCode")]
    province_code: String,
}

#[derive(serde::Deserialize)]
struct NamedRow {
    code: String,
    name: String,
}

fn rows<T: for<'de> serde::Deserialize<'de>>(text: &str) -> Vec<T> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .filter_map(Result::ok)
        .collect()
}

impl Places {
    /// The gazetteer embedded from `data/gazetteer/`.
    pub fn embedded() -> Places {
        let provinces: HashMap<String, String> =
            rows::<NamedRow>(crate::knowledge::data_file("gazetteer/provinces.csv"))
                .into_iter()
                .map(|r| (r.code, r.name))
                .collect();
        let cities: HashMap<String, String> =
            rows::<NamedRow>(crate::knowledge::data_file("gazetteer/cities.csv"))
                .into_iter()
                .map(|r| (r.code, r.name))
                .collect();
        let mut areas = Vec::new();
        for a in rows::<AreaRow>(crate::knowledge::data_file("gazetteer/areas.csv")) {
            let Some(province) = provinces.get(&a.province_code) else {
                continue;
            };
            let city = match cities.get(&a.city_code) {
                Some(c) if c != "市辖区" && c != "县" && c != "省直辖县级行政区划" => {
                    c.clone()
                }
                _ => province.clone(),
            };
            areas.push(Place {
                code: a.code,
                province: province.clone(),
                city,
                county: a.name,
            });
        }
        if areas.is_empty() {
            areas.push(Place {
                code: "371002".into(),
                province: "山东省".into(),
                city: "威海市".into(),
                county: "环翠区".into(),
            });
        }
        Places { areas }
    }

    /// A random agency: a department of a county (70%) or of its prefecture (30%).
    pub fn agency(&self, rng: &mut Rng) -> Agency {
        let mut place = rng.pick(&self.areas).clone();
        if rng.chance(0.3) && place.city != place.province {
            place.county.clear();
            place.code = format!("{}00", &place.code[..place.code.len().min(4)]);
        }
        Agency {
            place,
            dept: rng.pick(DEPARTMENTS).to_string(),
        }
    }
}

/// A seed report and how to re-target it.
struct Seed {
    text: &'static str,
    /// The statistical year the seed reports on.
    year: i32,
    /// (as written in the seed, what replaces it) — `{agency}`, `{dept}`, `{city}`,
    /// `{province}`, `{short}` are filled in.
    names: &'static [(&'static str, &'static str)],
}

const SEED_2008_A: Seed = Seed {
    text: include_str!("../../data/sample/000_3ea8ee1128555582.txt"),
    year: 2017,
    names: &[("威海市环翠区科技局", "{agency}"), ("环翠区", "{short}")],
};
const SEED_2008_B: Seed = Seed {
    text: include_str!("../../data/sample/001_8ce2c52a2533517f.txt"),
    year: 2017,
    names: &[
        ("威海市中小企业局", "{agency}"),
        ("中小企业局", "{dept}"),
        ("山东省", "{province}"),
        ("威海市", "{city}"),
    ],
};
const SEED_2008_C: Seed = Seed {
    text: include_str!("../../data/sample/002_2d814c7af621a11d.txt"),
    year: 2017,
    names: &[("温州市科学技术局", "{agency}"), ("温州市", "{city}")],
};
const SEED_2021: Seed = Seed {
    text: include_str!("../../data/sample/003_32627ba4512e0993.txt"),
    year: 2021,
    names: &[
        ("威海市文登区科学技术局", "{agency}"),
        ("威海市文登区科技局", "{agency}"),
        ("文登区科学技术局", "{agency}"),
        ("威海市文登区", "{prefix}"),
        ("区科学技术局", "{dept}"),
        ("科学技术局", "{dept}"),
        ("科技局", "{dept}"),
        ("文登", "{short}"),
    ],
};
const SEED_PROSE: Seed = Seed {
    text: include_str!("../../data/sample/004_028974a2b2ad95f8.txt"),
    year: 2017,
    names: &[
        ("昌邑区机关事务管理局", "{agency}"),
        ("机关事务管理局", "{dept}"),
    ],
};

/// The seed whose form matches the era of `year`.
fn seed_for(year: i32, rng: &mut Rng) -> &'static Seed {
    if rng.chance(0.12) {
        return &SEED_PROSE;
    }
    if year >= 2019 {
        &SEED_2021
    } else {
        let eras: [&'static Seed; 3] = [&SEED_2008_A, &SEED_2008_B, &SEED_2008_C];
        eras[rng.below(eras.len())]
    }
}

/// A report for `agency` on `year`: (title, text).
pub fn report(agency: &Agency, year: i32, rng: &mut Rng) -> (String, String) {
    let seed = seed_for(year, rng);
    let text = retarget(seed, agency, year);
    let text = vary_figures(&text, rng);
    (
        format!("{}{}年政府信息公开工作年度报告", agency.name(), year),
        text,
    )
}

/// Swaps the seed's agency names and years for the drawn ones in one pass.
fn retarget(seed: &Seed, agency: &Agency, year: i32) -> String {
    let fill = |slot: &str| match slot {
        "{agency}" => agency.name(),
        "{dept}" => agency.dept.clone(),
        "{city}" => agency.place.city.clone(),
        "{province}" => agency.place.province.clone(),
        "{prefix}" => agency.place.prefix(),
        _ => agency.place.short().to_string(),
    };
    let mut patterns: Vec<String> = Vec::new();
    let mut replacements: Vec<String> = Vec::new();
    for (from, to) in seed.names {
        patterns.push(from.to_string());
        replacements.push(fill(to));
    }
    for shift in -2..=2 {
        patterns.push((seed.year + shift).to_string());
        replacements.push((year + shift).to_string());
    }
    match AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(&patterns)
    {
        Ok(ac) => ac.replace_all(seed.text, &replacements),
        Err(_) => seed.text.to_string(),
    }
}

/// Scales every figure by one factor per document: table cells (a line or last tab field that
/// is a bare number) and numbers followed by a unit in sentences, the same old value always
/// becoming the same new value, so tables and prose still agree. Zeros stay zero.
fn vary_figures(text: &str, rng: &mut Rng) -> String {
    static PROSE: std::sync::OnceLock<Option<Regex>> = std::sync::OnceLock::new();
    let factor = 0.3 + rng.unit() * 2.7;
    let mut map: HashMap<u64, u64> = HashMap::new();
    let mut scale = |old: &str| -> String {
        match old.parse::<u64>() {
            Ok(0) | Err(_) => old.to_string(),
            Ok(v) => map
                .entry(v)
                .or_insert_with(|| ((v as f64 * factor).round() as u64).max(1))
                .to_string(),
        }
    };
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let ending = &line[body.len()..];
        let (head, last) = match body.rfind('\t') {
            Some(i) => (&body[..=i], &body[i + 1..]),
            None => ("", body),
        };
        let trimmed = last.trim();
        if !trimmed.is_empty() && trimmed.len() <= 7 && trimmed.bytes().all(|b| b.is_ascii_digit())
        {
            out.push_str(head);
            out.push_str(&last.replacen(trimmed, &scale(trimmed), 1));
            out.push_str(ending);
        } else {
            out.push_str(line);
        }
    }
    let prose = PROSE.get_or_init(|| Regex::new(r"(\d{1,6})(条|件|个|篇|人次|次|人)").ok());
    match prose {
        Some(re) => re
            .replace_all(&out, |c: &Captures| format!("{}{}", scale(&c[1]), &c[2]))
            .into_owned(),
        None => out,
    }
}

/// A page a crawl picks up next to the reports: a disclosure guide or a news item.
pub fn non_report_page(agency: &Agency, year: i32, rng: &mut Rng) -> (String, String) {
    let name = agency.name();
    if rng.chance(0.5) {
        let title = format!("{name}政府信息公开指南");
        let text = format!(
            "{title}\n\n为了更好地提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》，编制本指南。\n\n\
一、主动公开\n（一）公开范围。本机关主动公开机构职能、规范性文件、规划计划、财政预决算等政府信息。\n\
（二）公开方式。通过{short}政府门户网站、政务新媒体、政府信息查阅点等方式公开。\n\n\
二、依申请公开\n公民、法人或者其他组织可以向本机关申请获取相关政府信息。申请应当采用书面形式，\
可通过当面、信函、网络等方式提交。本机关收到申请后，能够当场答复的当场答复；不能当场答复的，自收到申请之日起20个工作日内予以答复。\n\n\
三、监督方式\n如认为本机关在政府信息公开工作中侵犯其合法权益，可以依法申请行政复议或者提起行政诉讼。\n\n\
{name}\n{year}年{month}月{day}日\n",
            short = agency.place.short(),
            month = 1 + rng.below(12),
            day = 1 + rng.below(28),
        );
        (title, text)
    } else {
        let title = format!("{name}召开{year}年度政务公开工作推进会");
        let text = format!(
            "{title}\n\n发布时间：{year}-{month:02}-{day:02}  来源：{name}  浏览次数：{views}\n\n\
{month}月{day}日，{name}召开政务公开工作推进会，传达学习上级关于政务公开工作的部署要求，\
总结上一阶段工作，安排下一步重点任务。会议要求，各科室要提高认识，及时主动公开政府信息，\
做好政策解读和回应关切，不断提升政务公开质量。\n\n【打印本页】【关闭窗口】\n",
            month = 1 + rng.below(12),
            day = 1 + rng.below(28),
            views = rng.below(5000),
        );
        (title, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gazetteer_gives_real_places() {
        let p = Places::embedded();
        assert!(p.areas.len() > 2000);
        let mut rng = Rng::new(1);
        let a = p.agency(&mut rng);
        assert!(a.name().ends_with(&a.dept) && a.name().starts_with(&a.place.city));
    }

    #[test]
    fn report_is_retargeted_and_figures_consistent() {
        let agency = Agency {
            place: Place {
                code: "330304".into(),
                province: "浙江省".into(),
                city: "温州市".into(),
                county: "瓯海区".into(),
            },
            dept: "教育局".into(),
        };
        let mut rng = Rng::new(5);
        let text = retarget(&SEED_2008_A, &agency, 2015);
        assert!(
            text.contains("温州市瓯海区教育局")
                && text.contains("2015年度")
                && !text.contains("环翠")
        );
        let varied = vary_figures(&text, &mut rng);
        // The same figure in prose and table scales to the same value.
        let re = Regex::new(r"共主动公开政府信息(\d+)条").unwrap();
        let prose = &re.captures(&varied).unwrap()[1];
        assert!(varied.contains(&format!("\t条\n\t{prose}\n")), "{prose}");
        assert_eq!(varied.lines().count(), text.lines().count());
    }
}
