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

use thiserror::Error;

use super::answer::Answer;
use super::catalogue::{Catalogue, Figure, Measure, Question, QuestionType, Subject};
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
) -> Result<Vec<Answer>, CalibrationError> {
    generate_around(catalogue, respondents, seed, &Fixed::default())
}

/// Why no dataset could be drawn: the question and the figures or answers that contradict.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{0}")]
pub struct CalibrationError(String);

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
                        rate: None,
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
) -> Result<Vec<Answer>, CalibrationError> {
    draw_all(catalogue, respondents, seed, fixed).map_err(CalibrationError)
}

/// Every question in dependency order, for each level asked: the real answers where given in
/// full, else answers drawn to the published figures.
fn draw_all(
    catalogue: &Catalogue,
    respondents: &[Respondent],
    seed: u64,
    fixed: &Fixed,
) -> Result<Vec<Answer>, String> {
    let mut draw = Draw::new(respondents, seed, fixed);
    let mut out = Vec::new();
    for question in order(catalogue)? {
        for subject in [Subject::Prefecture, Subject::Municipality] {
            if !question.asks(subject) {
                continue;
            }
            let figures: Vec<&Figure> = catalogue
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
            let asked = draw.asked(question, subject, respondents);
            let fail = |why: String| format!("{} ({}): {why}", question.code, subject.as_str());
            let answers =
                if let Some(real) = fixed.exact(&question.code, subject, &asked).map_err(fail)? {
                    real
                } else {
                    check_denominators(&figures, asked.len()).map_err(fail)?;
                    match question.kind {
                        QuestionType::Count => draw.counts(question, &figures, &asked),
                        QuestionType::MultipleChoice => draw.multiple(question, &figures, &asked),
                        _ => draw.single(question, &figures, &asked),
                    }
                    .map_err(fail)?
                };
            draw.record(&answers);
            out.extend(answers);
        }
    }
    out.sort();
    Ok(out)
}

/// Every published denominator must be the number asked.
fn check_denominators(figures: &[&Figure], asked: usize) -> Result<(), String> {
    for f in figures {
        if let Some(d) = f.denominator {
            if usize::try_from(d).ok() != Some(asked) {
                return Err(format!(
                    "figure `{}` has denominator {d}, but {asked} were asked",
                    f.quote
                ));
            }
        }
    }
    Ok(())
}

/// One drawing: what real data fixes, each respondent's latent capacity, and the answers
/// drawn so far (follow-ups and bounds read them).
struct Draw<'a> {
    seed: u64,
    fixed: &'a Fixed,
    latent: HashMap<&'a str, f64>,
    chosen: HashMap<(String, String), Vec<Answer>>,
}

impl<'a> Draw<'a> {
    /// Capacities: the kind's effect, the prefecture's, and the respondent's own noise.
    fn new(respondents: &'a [Respondent], seed: u64, fixed: &'a Fixed) -> Self {
        let prefecture_effect: HashMap<u8, f64> = (1..=47)
            .map(|p| (p, 0.35 * normal(seed, &["prefecture", &p.to_string()])))
            .collect();
        let latent = respondents
            .iter()
            .map(|r| {
                let effect = prefecture_effect.get(&r.prefecture).copied().unwrap_or(0.0);
                (
                    r.code.as_str(),
                    kind_effect(r.kind) + effect + 0.5 * normal(seed, &["latent", &r.code]),
                )
            })
            .collect();
        Self {
            seed,
            fixed,
            latent,
            chosen: HashMap::new(),
        }
    }

    /// Whether `respondent` gave `option` to `question`.
    fn gave(&self, question: &str, respondent: &str, option: &str) -> bool {
        self.chosen
            .get(&(question.to_owned(), respondent.to_owned()))
            .is_some_and(|a| a.iter().any(|a| a.option.as_deref() == Some(option)))
    }

    /// Who of `subject` is asked `question`: its universe, and for a follow-up those whose
    /// answer to the parent leads to it.
    fn asked<'r>(
        &self,
        question: &Question,
        subject: Subject,
        respondents: &'r [Respondent],
    ) -> Vec<&'r Respondent> {
        respondents
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
                    .is_none_or(|c| self.gave(&c.question, &r.code, &c.option))
            })
            .collect()
    }

    /// A respondent's rank score for one question (and option, as `salt`).
    fn score(&self, question: &Question, r: &Respondent, salt: &str) -> f64 {
        self.latent.get(r.code.as_str()).copied().unwrap_or(0.0)
            + 0.8 * normal(self.seed, &[&question.code, salt, &r.code])
    }

    /// Keeps answers for the questions that follow.
    fn record(&mut self, answers: &[Answer]) {
        for a in answers {
            self.chosen
                .entry((a.question.clone(), a.respondent.clone()))
                .or_default()
                .push(a.clone());
        }
    }

    /// A count question: the published sum apportioned by capacity, within any bound.
    fn counts(
        &self,
        question: &Question,
        figures: &[&Figure],
        asked: &[&Respondent],
    ) -> Result<Vec<Answer>, String> {
        let total = figures
            .iter()
            .find(|f| f.measure == Measure::Sum)
            .map(|f| f.value)
            .ok_or_else(|| "a count question needs a SUM figure".to_owned())?;
        let caps: Option<Vec<i64>> = question.bounded_by.as_ref().map(|b| {
            asked
                .iter()
                .map(|r| {
                    self.chosen
                        .get(&(b.clone(), r.code.clone()))
                        .and_then(|a| a.first())
                        .and_then(|a| a.amount)
                        .unwrap_or(0)
                })
                .collect()
        });
        let weights: Vec<f64> = asked
            .iter()
            .map(|r| (0.6 * self.score(question, r, "")).exp())
            .collect();
        let amounts = apportion(total, &weights, caps.as_deref())?;
        Ok(asked
            .iter()
            .zip(amounts)
            .map(|(r, n)| Answer {
                question: question.code.clone(),
                respondent: r.code.clone(),
                option: None,
                amount: Some(n),
                rate: None,
            })
            .collect())
    }

    /// A multiple-choice question: each option's published count goes to the highest
    /// scores for that option; who picks none answers with no option.
    fn multiple(
        &self,
        question: &Question,
        figures: &[&Figure],
        asked: &[&Respondent],
    ) -> Result<Vec<Answer>, String> {
        let mut picks: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for option in &question.options {
            let Some(f) = figures
                .iter()
                .find(|f| f.measure == Measure::Count && f.option.as_deref() == Some(&option.code))
            else {
                continue;
            };
            let k = usize::try_from(f.value).map_err(|_| "negative count".to_owned())?;
            if k > asked.len() {
                return Err(format!(
                    "{k} chose `{}` of {} asked",
                    option.code,
                    asked.len()
                ));
            }
            let mut ranked: Vec<(&Respondent, f64)> = asked
                .iter()
                .map(|r| (*r, self.score(question, r, &option.code)))
                .collect();
            ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.code.cmp(&b.0.code)));
            for (r, _) in ranked.into_iter().take(k) {
                picks
                    .entry(r.code.as_str())
                    .or_default()
                    .push(option.code.clone());
            }
        }
        Ok(asked
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
                    rate: None,
                })
            })
            .collect())
    }

    /// A single-answer question: options in order to the highest scores, the first option
    /// drawn only among those `within` allows (or real data gives it to).
    fn single(
        &self,
        question: &Question,
        figures: &[&Figure],
        asked: &[&Respondent],
    ) -> Result<Vec<Answer>, String> {
        let counts = single_counts(question, figures, asked.len())?;
        let within = self.within(question, counts.first(), asked)?;
        let mut ranked: Vec<(&Respondent, bool, f64)> = asked
            .iter()
            .map(|r| {
                let inside = within.as_ref().is_none_or(|w| w.contains(r.code.as_str()));
                (*r, inside, self.score(question, r, ""))
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
                return Err(format!("{first} must lie within {} respondents", w.len()));
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
                    rate: None,
                });
            }
        }
        Ok(rows)
    }

    /// Who the first option of a single-answer question may go to: real answers of that
    /// option (a status given as adopted or not) stand for `within`; else the question's
    /// own `within` hint; else anyone asked (`None`).
    fn within<'r>(
        &'r self,
        question: &Question,
        first: Option<&(&str, usize)>,
        asked: &[&'r Respondent],
    ) -> Result<Option<HashSet<&'r str>>, String> {
        if let Some((first, n)) = first {
            if let Some(real) = self.fixed.choosing(&question.code, first) {
                let real: HashSet<&str> = asked
                    .iter()
                    .map(|r| r.code.as_str())
                    .filter(|c| real.contains(c))
                    .collect();
                if real.len() != *n {
                    return Err(format!(
                        "real data gives `{first}` to {}, the summary to {n}",
                        real.len()
                    ));
                }
                return Ok(Some(real));
            }
        }
        Ok(question.within.as_ref().map(|w| {
            asked
                .iter()
                .filter(|r| self.gave(&w.question, &r.code, &w.option))
                .map(|r| r.code.as_str())
                .collect()
        }))
    }
}

/// How many get each option of a single-answer question: the published counts, and what is
/// left shared evenly among options without a published count (the first ones get any extra).
fn single_counts<'q>(
    question: &'q Question,
    figures: &[&Figure],
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
    let n = i64::try_from(weights.len()).map_err(|_| "too many respondents".to_owned())?;
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
