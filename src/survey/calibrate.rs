//! The calibrated synthetic dataset: per-authority answers that reproduce every published
//! figure exactly, generated deterministically.
//!
//! The ministry publishes per-authority answers as spreadsheets DX Atlas does not ship, so
//! maps and queries run on answers drawn here instead. Only the totals are real: each
//! individual value is synthetic. To look like a country rather than noise, every authority
//! has a latent "capacity" made of an effect of its kind (designated and core cities adopt
//! more than villages), a mild effect of its prefecture, and its own noise; each question
//! ranks the authorities by that capacity plus question-specific noise, and hands out the
//! published counts in that order (first option to the highest ranks).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};

use super::catalogue::{Catalogue, Measure, Question, QuestionType, Subject};
use super::universe;
use crate::domain::MunicipalityKind;

/// The seed of the shipped dataset. Changing it changes every synthetic answer.
pub const SEED: u64 = 20_230_401;

/// Someone who answers: a prefecture or an administered municipality.
#[derive(Debug, Clone)]
pub struct Respondent {
    /// Two-digit (prefecture) or five-digit (municipality) code.
    pub code: String,
    /// Level.
    pub subject: Subject,
    /// Kind, for municipalities.
    pub kind: Option<MunicipalityKind>,
    /// Prefecture number (1-47).
    pub prefecture: u8,
}

/// One stored answer: an option chosen, a number, or (for a multiple-choice question answered
/// with none of the listed options) neither.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Answer {
    /// Question code.
    pub question: String,
    /// Respondent code.
    pub respondent: String,
    /// Option chosen.
    pub option: Option<String>,
    /// Number given (count questions).
    pub amount: Option<i64>,
}

/// 64-bit FNV-1a: a string hash fixed by its definition, unlike std's `DefaultHasher`,
/// whose output may change between Rust releases (the dataset must not).
fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// SplitMix64 finaliser: turns a hash into well-mixed bits.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A standard normal draw fixed by `seed` and `parts` (Box-Muller over two uniforms).
fn normal(seed: u64, parts: &[&str]) -> f64 {
    let a = mix(seed ^ fnv1a(parts));
    let b = mix(a);
    let u1 = ((a >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let u2 = ((b >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn kind_effect(kind: Option<MunicipalityKind>) -> f64 {
    match kind {
        None => 1.2, // prefectures: large administrations
        Some(MunicipalityKind::DesignatedCity) => 2.0,
        Some(MunicipalityKind::CoreCity) => 1.5,
        Some(MunicipalityKind::SpecialWard) => 1.3,
        Some(MunicipalityKind::City) => 0.5,
        Some(MunicipalityKind::Town) => -0.3,
        Some(MunicipalityKind::Village) => -0.7,
    }
}

/// Draws the dataset. Fails, naming the question, when the published figures contradict each
/// other (a count larger than who was asked, options that do not add up).
pub fn generate(
    catalogue: &Catalogue,
    respondents: &[Respondent],
    seed: u64,
) -> Result<Vec<Answer>, String> {
    generate_around(catalogue, respondents, seed, &Fixed::default())
}

/// Real answers the generator takes as given, by question and respondent.
#[derive(Debug, Clone, Default)]
pub struct Fixed(HashMap<String, HashMap<String, Given>>);

/// What real data says of one authority's answer to one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Given {
    /// This option.
    Chose(String),
    /// Any option but this one; which is left to the generator.
    NotChose(String),
    /// No answer (asked, but the data holds no value).
    Nothing,
}

impl Fixed {
    /// Records what real data says of `respondent`'s answer to `question`.
    pub fn insert(&mut self, question: &str, respondent: &str, given: Given) {
        self.0
            .entry(question.to_owned())
            .or_default()
            .insert(respondent.to_owned(), given);
    }

    /// Whether `answer` is what real data says (and so official rather than synthetic).
    pub fn is_real(&self, answer: &Answer) -> bool {
        match self
            .0
            .get(&answer.question)
            .and_then(|q| q.get(&answer.respondent))
        {
            Some(Given::Chose(option)) => answer.option.as_deref() == Some(option),
            _ => false,
        }
    }

    /// The real answers of `question` for `asked`, when real data gives every one of them
    /// exactly; `None` when it gives none. An answer given for someone not asked, or a
    /// question given only in part, is an error: follow-ups must stay within their parents.
    fn exact(
        &self,
        question: &str,
        subject: Subject,
        asked: &[&Respondent],
    ) -> Result<Option<Vec<Answer>>, String> {
        let Some(given) = self.0.get(question) else {
            return Ok(None);
        };
        let of_subject = |code: &str| Subject::of_respondent(code) == subject;
        if !given.keys().any(|code| of_subject(code)) {
            return Ok(None);
        }
        let asked_codes: HashSet<&str> = asked.iter().map(|r| r.code.as_str()).collect();
        if let Some(outside) = given.iter().find(|(code, g)| {
            of_subject(code) && **g != Given::Nothing && !asked_codes.contains(code.as_str())
        }) {
            return Err(format!(
                "real data answers for {}, who is not asked (outside the universe, or the parent question's answer does not lead here)",
                outside.0
            ));
        }
        if asked
            .iter()
            .any(|r| matches!(given.get(&r.code), Some(Given::NotChose(_))))
        {
            // Partly given: drawn around the real answers in `draw_single`.
            return Ok(None);
        }
        Ok(Some(
            asked
                .iter()
                .filter_map(|r| match given.get(&r.code) {
                    Some(Given::Chose(option)) => Some(Answer {
                        question: question.to_owned(),
                        respondent: r.code.clone(),
                        option: Some(option.clone()),
                        amount: None,
                    }),
                    _ => None,
                })
                .collect(),
        ))
    }

    /// Respondents real data says chose `option` of `question`, when it gives that question.
    fn choosing(&self, question: &str, option: &str) -> Option<HashSet<&str>> {
        self.0.get(question).map(|given| {
            given
                .iter()
                .filter(|(_, g)| matches!(g, Given::Chose(o) if o == option))
                .map(|(code, _)| code.as_str())
                .collect()
        })
    }
}

/// As [`generate`], with the answers real data gives taken as they are: follow-ups are drawn
/// among the authorities whose real answer leads to them, and a status given only as "not
/// this option" is drawn among the other options. Questions given in full are not checked
/// against the published figures (real answers of another date may differ from them).
pub fn generate_around(
    catalogue: &Catalogue,
    respondents: &[Respondent],
    seed: u64,
    fixed: &Fixed,
) -> Result<Vec<Answer>, String> {
    let prefecture_effect: HashMap<u8, f64> = (1..=47)
        .map(|p| (p, 0.35 * normal(seed, &["prefecture", &p.to_string()])))
        .collect();
    let latent: HashMap<&str, f64> = respondents
        .iter()
        .map(|r| {
            let effect = prefecture_effect.get(&r.prefecture).copied().unwrap_or(0.0);
            (
                r.code.as_str(),
                kind_effect(r.kind) + effect + 0.5 * normal(seed, &["latent", &r.code]),
            )
        })
        .collect();

    // Answers given so far, by (question, respondent), for follow-ups and bounds.
    let mut chosen: HashMap<(String, String), Vec<Answer>> = HashMap::new();
    let given = |chosen: &HashMap<(String, String), Vec<Answer>>,
                 question: &str,
                 respondent: &str,
                 option: &str| {
        chosen
            .get(&(question.to_owned(), respondent.to_owned()))
            .is_some_and(|a| a.iter().any(|a| a.option.as_deref() == Some(option)))
    };
    let mut out = Vec::new();
    for question in order(catalogue)? {
        for subject in [Subject::Prefecture, Subject::Municipality] {
            if !question.asks(subject) {
                continue;
            }
            let figures: Vec<_> = catalogue
                .figures
                .iter()
                .filter(|f| f.question == question.code && f.subject == subject)
                .collect();
            if !figures
                .iter()
                .any(|f| matches!(f.measure, Measure::Count | Measure::Sum))
            {
                continue;
            }
            let asked: Vec<&Respondent> = respondents
                .iter()
                .filter(|r| r.subject == subject)
                .filter(|r| {
                    subject == Subject::Prefecture
                        || question
                            .municipal_universe
                            .is_some_and(|u| universe::includes(u, &r.code))
                })
                .filter(|r| {
                    question
                        .condition
                        .as_ref()
                        .is_none_or(|c| given(&chosen, &c.question, &r.code, &c.option))
                })
                .collect();
            let fail = |why: String| format!("{} ({}): {why}", question.code, subject.as_str());
            if let Some(real) = fixed.exact(&question.code, subject, &asked).map_err(fail)? {
                for a in &real {
                    chosen
                        .entry((a.question.clone(), a.respondent.clone()))
                        .or_default()
                        .push(a.clone());
                }
                out.extend(real);
                continue;
            }
            for f in &figures {
                if let Some(d) = f.denominator {
                    if d != asked.len() as i64 {
                        return Err(fail(format!(
                            "figure `{}` has denominator {d}, but {} were asked",
                            f.quote,
                            asked.len()
                        )));
                    }
                }
            }
            let score = |r: &Respondent, salt: &str| {
                latent.get(r.code.as_str()).copied().unwrap_or(0.0)
                    + 0.8 * normal(seed, &[&question.code, salt, &r.code])
            };
            let answers: Vec<Answer> = match question.kind {
                QuestionType::Count => {
                    let total = figures
                        .iter()
                        .find(|f| f.measure == Measure::Sum)
                        .map(|f| f.value)
                        .ok_or_else(|| fail("a count question needs a SUM figure".into()))?;
                    let caps: Option<Vec<i64>> = question.bounded_by.as_ref().map(|b| {
                        asked
                            .iter()
                            .map(|r| {
                                chosen
                                    .get(&(b.clone(), r.code.clone()))
                                    .and_then(|a| a.first())
                                    .and_then(|a| a.amount)
                                    .unwrap_or(0)
                            })
                            .collect()
                    });
                    let weights: Vec<f64> =
                        asked.iter().map(|r| (0.6 * score(r, "")).exp()).collect();
                    let amounts = apportion(total, &weights, caps.as_deref()).map_err(fail)?;
                    asked
                        .iter()
                        .zip(amounts)
                        .map(|(r, n)| Answer {
                            question: question.code.clone(),
                            respondent: r.code.clone(),
                            option: None,
                            amount: Some(n),
                        })
                        .collect()
                }
                QuestionType::MultipleChoice => {
                    let mut picks: BTreeMap<&str, Vec<String>> = BTreeMap::new();
                    for option in &question.options {
                        let Some(f) = figures.iter().find(|f| {
                            f.measure == Measure::Count && f.option.as_deref() == Some(&option.code)
                        }) else {
                            continue;
                        };
                        let k =
                            usize::try_from(f.value).map_err(|_| fail("negative count".into()))?;
                        if k > asked.len() {
                            return Err(fail(format!(
                                "{k} chose `{}` of {} asked",
                                option.code,
                                asked.len()
                            )));
                        }
                        let mut ranked: Vec<(&Respondent, f64)> =
                            asked.iter().map(|r| (*r, score(r, &option.code))).collect();
                        ranked.sort_by(|a, b| {
                            b.1.total_cmp(&a.1).then_with(|| a.0.code.cmp(&b.0.code))
                        });
                        for (r, _) in ranked.into_iter().take(k) {
                            picks
                                .entry(r.code.as_str())
                                .or_default()
                                .push(option.code.clone());
                        }
                    }
                    asked
                        .iter()
                        .flat_map(|r| {
                            let options = picks.get(r.code.as_str()).cloned().unwrap_or_default();
                            let rows: Vec<Option<String>> = if options.is_empty() {
                                vec![None]
                            } else {
                                options.into_iter().map(Some).collect()
                            };
                            rows.into_iter().map(|option| Answer {
                                question: question.code.clone(),
                                respondent: r.code.clone(),
                                option,
                                amount: None,
                            })
                        })
                        .collect()
                }
                _ => {
                    let counts = single_counts(question, &figures, asked.len()).map_err(fail)?;
                    // Real answers of the first option (a status given as adopted or not)
                    // stand for `within`: the first option goes to exactly those.
                    let within: Option<HashSet<&str>> = match counts.first() {
                        Some((first, n)) if fixed.choosing(&question.code, first).is_some() => {
                            let real = fixed.choosing(&question.code, first).unwrap_or_default();
                            let real: HashSet<&str> = asked
                                .iter()
                                .map(|r| r.code.as_str())
                                .filter(|c| real.contains(c))
                                .collect();
                            if real.len() != *n {
                                return Err(fail(format!(
                                    "real data gives `{first}` to {}, the summary to {n}",
                                    real.len()
                                )));
                            }
                            Some(real)
                        }
                        _ => question.within.as_ref().map(|w| {
                            asked
                                .iter()
                                .filter(|r| given(&chosen, &w.question, &r.code, &w.option))
                                .map(|r| r.code.as_str())
                                .collect()
                        }),
                    };
                    let mut ranked: Vec<(&Respondent, bool, f64)> = asked
                        .iter()
                        .map(|r| {
                            let inside =
                                within.as_ref().is_none_or(|w| w.contains(r.code.as_str()));
                            (*r, inside, score(r, ""))
                        })
                        .collect();
                    // Those inside `within` rank first, so the first option is drawn from them.
                    ranked.sort_by(|a, b| {
                        b.1.cmp(&a.1)
                            .then(b.2.total_cmp(&a.2))
                            .then_with(|| a.0.code.cmp(&b.0.code))
                    });
                    if let (Some(w), Some((_, first))) = (&within, counts.first()) {
                        if *first > w.len() {
                            return Err(fail(format!(
                                "{first} must lie within {} respondents",
                                w.len()
                            )));
                        }
                    }
                    let mut rows = Vec::with_capacity(asked.len());
                    let mut ranked = ranked.into_iter();
                    for (option, n) in counts {
                        for (r, _, _) in ranked.by_ref().take(n) {
                            rows.push(Answer {
                                question: question.code.clone(),
                                respondent: r.code.clone(),
                                option: Some(option.to_owned()),
                                amount: None,
                            });
                        }
                    }
                    rows
                }
            };
            for a in &answers {
                chosen
                    .entry((a.question.clone(), a.respondent.clone()))
                    .or_default()
                    .push(a.clone());
            }
            out.extend(answers);
        }
    }
    out.sort();
    Ok(out)
}

/// How many get each option of a single-answer question: the published counts, and what is
/// left shared evenly among options without a published count (the first ones get any extra).
fn single_counts<'q>(
    question: &'q Question,
    figures: &[&super::catalogue::Figure],
    asked: usize,
) -> Result<Vec<(&'q str, usize)>, String> {
    let published: Vec<Option<usize>> = question
        .options
        .iter()
        .map(|o| {
            figures
                .iter()
                .find(|f| f.measure == Measure::Count && f.option.as_deref() == Some(&o.code))
                .map(|f| usize::try_from(f.value).unwrap_or(0))
        })
        .collect();
    let known: usize = published.iter().flatten().sum();
    let remainder = asked.checked_sub(known).ok_or_else(|| {
        format!("published counts add up to {known}, more than the {asked} asked")
    })?;
    let open = published.iter().filter(|p| p.is_none()).count();
    if open == 0 && remainder != 0 {
        return Err(format!(
            "published counts add up to {known}, but {asked} were asked"
        ));
    }
    let mut extra = remainder % open.max(1);
    Ok(question
        .options
        .iter()
        .zip(published)
        .map(|(o, p)| {
            let n = p.unwrap_or_else(|| {
                let bonus = usize::from(extra > 0);
                extra = extra.saturating_sub(1);
                remainder / open + bonus
            });
            (o.code.as_str(), n)
        })
        .collect())
}

/// Questions with data, parents before their follow-ups.
fn order(catalogue: &Catalogue) -> Result<Vec<&Question>, String> {
    let mut done: HashSet<&str> = HashSet::new();
    let mut pending: Vec<&Question> = catalogue.questions.iter().filter(|q| q.has_data).collect();
    let mut out = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|q| {
            let deps = [
                q.condition.as_ref().map(|c| c.question.as_str()),
                q.within.as_ref().map(|c| c.question.as_str()),
                q.bounded_by.as_deref(),
            ];
            if deps.iter().flatten().all(|d| done.contains(d)) {
                done.insert(q.code.as_str());
                out.push(*q);
                false
            } else {
                true
            }
        });
        if pending.len() == before {
            return Err(format!(
                "questions wait on each other or on questions without data: {:?}",
                pending.iter().map(|q| &q.code).collect::<Vec<_>>()
            ));
        }
    }
    Ok(out)
}

#[derive(PartialEq)]
struct Claim {
    priority: f64,
    index: usize,
}

impl Eq for Claim {}

impl PartialOrd for Claim {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Claim {
    fn cmp(&self, other: &Self) -> Ordering {
        self.priority
            .total_cmp(&other.priority)
            .then_with(|| other.index.cmp(&self.index))
    }
}

/// Splits `total` into whole numbers, at least one each, in proportion to `weights` by the
/// D'Hondt rule (each next unit to the highest weight / (allocation + 1)), never above `caps`.
fn apportion(total: i64, weights: &[f64], caps: Option<&[i64]>) -> Result<Vec<i64>, String> {
    let n = weights.len() as i64;
    if total < n {
        return Err(format!(
            "a total of {total} cannot give each of {n} respondents at least one"
        ));
    }
    let cap = |i: usize| caps.map_or(i64::MAX, |c| c.get(i).copied().unwrap_or(0));
    if (0..weights.len()).any(|i| cap(i) < 1) {
        return Err("a respondent's bound is below one".into());
    }
    let mut alloc = vec![1i64; weights.len()];
    let mut heap: BinaryHeap<Claim> = weights
        .iter()
        .enumerate()
        .filter(|(i, _)| cap(*i) > 1)
        .map(|(index, w)| Claim {
            priority: w / 2.0,
            index,
        })
        .collect();
    for _ in 0..(total - n) {
        let Claim { index, .. } = heap
            .pop()
            .ok_or_else(|| format!("the bounds leave no room for a total of {total}"))?;
        alloc[index] += 1;
        if alloc[index] < cap(index) {
            heap.push(Claim {
                priority: weights[index] / (alloc[index] + 1) as f64,
                index,
            });
        }
    }
    Ok(alloc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_respects_total_minimum_and_caps() {
        let a = apportion(10, &[1.0, 3.0, 1.0], None).unwrap();
        assert_eq!(a.iter().sum::<i64>(), 10);
        assert!(a[1] > a[0] && a.iter().all(|n| *n >= 1));
        let capped = apportion(6, &[1.0, 9.0], Some(&[5, 2])).unwrap();
        assert_eq!(capped, vec![4, 2]);
        assert!(apportion(8, &[1.0, 1.0], Some(&[3, 3])).is_err());
    }

    #[test]
    fn normal_draws_are_fixed_and_roughly_standard() {
        assert_eq!(normal(1, &["a"]), normal(1, &["a"]));
        let draws: Vec<f64> = (0..4000).map(|i| normal(7, &[&i.to_string()])).collect();
        let mean = draws.iter().sum::<f64>() / 4000.0;
        let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / 4000.0;
        assert!(mean.abs() < 0.08 && (var - 1.0).abs() < 0.1, "{mean} {var}");
    }
}
