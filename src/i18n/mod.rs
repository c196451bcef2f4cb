//! The customer's language: one message catalogue per locale (`locales/*.txt`, compiled in), CLDR
//! plural rules, which locale a widget speaks, and numbers, money and dates in that locale (through
//! the platform's `Intl` in the browser; see [`intl`]).
//!
//! Plain Rust apart from [`intl`], so the catalogues and the choice of language are unit-tested.

use std::cell::RefCell;
use std::collections::HashMap;

pub mod intl;
pub mod labels;

/// The languages the widget speaks. English is the reference and the fallback.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    De,
    Es,
    Fr,
    Ar,
}

impl Lang {
    pub const ALL: [Lang; 5] = [Lang::En, Lang::De, Lang::Es, Lang::Fr, Lang::Ar];

    /// The ISO 639-1 code, as in `lang` attributes.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Es => "es",
            Lang::Fr => "fr",
            Lang::Ar => "ar",
        }
    }

    /// The catalogue's text, as written in `locales/`.
    pub fn source(self) -> &'static str {
        match self {
            Lang::En => include_str!("../../locales/en.txt"),
            Lang::De => include_str!("../../locales/de.txt"),
            Lang::Es => include_str!("../../locales/es.txt"),
            Lang::Fr => include_str!("../../locales/fr.txt"),
            Lang::Ar => include_str!("../../locales/ar.txt"),
        }
    }

    /// The language of a BCP 47 tag (`de-AT` → German), if the widget speaks it.
    pub fn of_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?;
        Lang::ALL.into_iter().find(|l| l.code().eq_ignore_ascii_case(primary))
    }

    pub fn is_rtl(self) -> bool {
        matches!(self, Lang::Ar)
    }

    /// The CLDR plural categories of the language (integers), in CLDR order.
    pub fn plural_categories(self) -> &'static [&'static str] {
        match self {
            Lang::En | Lang::De => &["one", "other"],
            Lang::Es | Lang::Fr => &["one", "many", "other"],
            Lang::Ar => &["zero", "one", "two", "few", "many", "other"],
        }
    }

    /// The CLDR plural category of a whole number (CLDR 46 rules; the browser's
    /// `Intl.PluralRules` agrees, which tests/web.rs checks).
    pub fn plural(self, n: u64) -> &'static str {
        let million = n != 0 && n % 1_000_000 == 0;
        match self {
            Lang::En | Lang::De => {
                if n == 1 {
                    "one"
                } else {
                    "other"
                }
            }
            Lang::Es => match n {
                1 => "one",
                _ if million => "many",
                _ => "other",
            },
            Lang::Fr => match n {
                0 | 1 => "one",
                _ if million => "many",
                _ => "other",
            },
            Lang::Ar => match (n, n % 100) {
                (0, _) => "zero",
                (1, _) => "one",
                (2, _) => "two",
                (_, 3..=10) => "few",
                (_, 11..=99) => "many",
                _ => "other",
            },
        }
    }
}

/// The catalogues as build.rs compacts them: `KEYS` (one per line) and, per language, its texts
/// in the same order (an empty line where it has none). In the split build each non-English
/// column is named only by its language's split point (ui/language.rs), so it lands in that chunk.
pub(crate) mod compiled {
    include!(concat!(env!("OUT_DIR"), "/catalogues.rs"));
}

/// A catalogue read into a map; `key.category` entries hold plural forms.
pub struct Catalogue {
    entries: HashMap<&'static str, &'static str>,
}

impl Catalogue {
    /// The language's catalogue as compiled into the widget: the same entries [`Catalogue::parse`]
    /// reads from its `locales/` file (empty if that file doesn't parse).
    /// In the split build a language other than English is here only once it has [`arrived`];
    /// until then this is `None`.
    pub fn compiled(lang: Lang) -> Option<Catalogue> {
        let texts = compiled_texts(lang)?;
        let entries = compiled::KEYS.split('\n').zip(texts.split('\n')).filter(|(_, text)| !text.is_empty()).collect();
        Some(Catalogue { entries })
    }

    /// Reads `key = text` lines; `#` starts a comment line. Malformed lines are reported, not
    /// skipped silently (the catalogue test fails on them).
    pub fn parse(source: &'static str) -> Result<Catalogue, String> {
        let mut entries = HashMap::new();
        for (number, line) in source.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((key, text)) = line.split_once(" = ") else {
                return Err(format!("line {}: expected `key = text`", number + 1));
            };
            if entries.insert(key.trim(), text.trim()).is_some() {
                return Err(format!("line {}: `{}` appears twice", number + 1, key.trim()));
            }
        }
        Ok(Catalogue { entries })
    }

    pub fn get(&self, key: &str) -> Option<&'static str> {
        self.entries.get(key).copied()
    }

    pub fn keys(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.entries.keys().copied()
    }
}

/// The language's compiled texts (build.rs's column), if they are here: all of them in the
/// unsplit build (trunk's preview, the tests).
#[cfg(not(feature = "split"))]
fn compiled_texts(lang: Lang) -> Option<&'static str> {
    Some(match lang {
        Lang::En => compiled::EN,
        Lang::De => compiled::DE,
        Lang::Es => compiled::ES,
        Lang::Fr => compiled::FR,
        Lang::Ar => compiled::AR,
    })
}

/// The language's compiled texts, if they are here. In the split build only English is in the
/// main module; each other language is a chunk of its own (`locale_<code>`, ui/language.rs), here
/// once it has [`arrived`].
#[cfg(feature = "split")]
fn compiled_texts(lang: Lang) -> Option<&'static str> {
    match lang {
        Lang::En => Some(compiled::EN),
        _ => FETCHED.with(|fetched| fetched.borrow().iter().find(|(l, _)| *l == lang).map(|(_, texts)| *texts)),
    }
}

/// Whether `lang`'s catalogue is here: always in the unsplit build; in the split build English,
/// and another language once its chunk has been downloaded (ui/language.rs) and [`arrived`].
pub fn is_here(lang: Lang) -> bool {
    compiled_texts(lang).is_some()
}

/// `texts` (build.rs's column for `lang`, from that language's chunk) are here: the language's
/// catalogue is read from them from now on.
#[cfg(feature = "split")]
pub fn arrived(lang: Lang, texts: &'static str) {
    FETCHED.with(|fetched| {
        let mut fetched = fetched.borrow_mut();
        if !fetched.iter().any(|(l, _)| *l == lang) {
            fetched.push((lang, texts));
        }
    });
}

thread_local! {
    /// The catalogue texts downloaded from their chunks (split build), see [`arrived`].
    #[cfg(feature = "split")]
    static FETCHED: RefCell<Vec<(Lang, &'static str)>> = const { RefCell::new(Vec::new()) };
    static CATALOGUES: RefCell<HashMap<Lang, &'static Catalogue>> = RefCell::default();
    static TAGS: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
}

/// The language's catalogue, read once per page. A catalogue that fails to parse (the tests
/// prevent that) counts as empty, so its text falls back to English. One that is not here (split
/// build, not downloaded: see [`is_here`]) is English's, without remembering that for the language.
fn catalogue(lang: Lang) -> &'static Catalogue {
    let lang = if compiled_texts(lang).is_some() { lang } else { Lang::En };
    CATALOGUES.with(|all| {
        *all.borrow_mut()
            .entry(lang)
            .or_insert_with(|| Box::leak(Box::new(Catalogue::compiled(lang).unwrap_or_else(|| Catalogue { entries: HashMap::new() }))))
    })
}

/// One copy of each locale tag seen, so [`Tr`] stays `Copy` (a page sees a handful).
fn intern(tag: &str) -> &'static str {
    TAGS.with(|tags| {
        let mut tags = tags.borrow_mut();
        match tags.iter().find(|t| **t == tag) {
            Some(t) => t,
            None => {
                let leaked: &'static str = Box::leak(tag.to_string().into_boxed_str());
                tags.push(leaked);
                leaked
            }
        }
    })
}

/// Text for the customer: one of ours (a catalogue key) or the server's own words, shown as given.
#[derive(Clone, Debug, PartialEq)]
pub enum Text {
    Key(&'static str),
    /// A message whose `{name}`s are filled with these values.
    With(&'static str, Vec<(&'static str, String)>),
    Said(String),
}

impl From<&'static str> for Text {
    fn from(key: &'static str) -> Self {
        Text::Key(key)
    }
}

/// A widget's language and locale: what every label and message goes through.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tr {
    pub lang: Lang,
    /// The BCP 47 tag numbers and dates are formatted for (`de-AT`), matching `lang`.
    pub locale: &'static str,
}

impl Default for Tr {
    fn default() -> Self {
        Tr::english()
    }
}

impl Tr {
    pub fn english() -> Tr {
        Tr { lang: Lang::En, locale: "en" }
    }

    pub fn of(lang: Lang) -> Tr {
        Tr { lang, locale: lang.code() }
    }

    /// The studio's choice (the `locale` setting) if the widget speaks it, else the first of the
    /// browser's languages it speaks, else English.
    pub fn negotiate(requested: Option<&str>, browser: &[String]) -> Tr {
        requested
            .into_iter()
            .chain(browser.iter().map(String::as_str))
            .find_map(|tag| Lang::of_tag(tag).map(|lang| Tr { lang, locale: intern(tag.trim()) }))
            .unwrap_or_else(Tr::english)
    }

    pub fn dir(self) -> &'static str {
        if self.lang.is_rtl() {
            "rtl"
        } else {
            "ltr"
        }
    }

    /// The message, in English if this catalogue lacks it, the key itself if English does too.
    pub fn t(self, key: &'static str) -> &'static str {
        catalogue(self.lang).get(key).or_else(|| catalogue(Lang::En).get(key)).unwrap_or(key)
    }

    /// The message with its `{name}` placeholders filled.
    pub fn f(self, key: &'static str, args: &[(&str, &str)]) -> String {
        fill(self.t(key), args)
    }

    /// The plural form for `n` (`key.one`, `key.other`…), `{n}` filled with `n` in the locale's
    /// digits. Falls back to `other`, then to English.
    pub fn n(self, key: &str, n: u64, args: &[(&str, &str)]) -> String {
        let form = |lang: Lang, category: &str| catalogue(lang).get(&format!("{key}.{category}"));
        let template = form(self.lang, self.lang.plural(n))
            .or_else(|| form(self.lang, "other"))
            .or_else(|| form(Lang::En, Lang::En.plural(n)))
            .unwrap_or_default();
        let number = self.number(n as f64);
        let mut all: Vec<(&str, &str)> = vec![("n", &number)];
        all.extend_from_slice(args);
        fill(template, &all)
    }

    pub fn text(self, text: &Text) -> String {
        match text {
            Text::Key(key) => self.t(key).to_string(),
            Text::With(key, args) => {
                let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
                self.f(key, &args)
            }
            Text::Said(words) => words.clone(),
        }
    }

    /// A whole number in the locale's digits.
    pub fn number(self, n: f64) -> String {
        intl::number(n, self.locale)
    }

    /// `amount` of `currency` (ISO 4217, any case) for the locale; `None` if the code is unknown.
    pub fn money(self, amount: f64, currency: &str) -> Option<String> {
        intl::money(amount, &currency.to_ascii_uppercase(), self.locale)
    }
}

/// Replaces each `{name}` with its value; unknown placeholders stay as written.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (&after[..close], close)) {
            Some((name, close)) => match args.iter().find(|(k, _)| *k == name) {
                Some((_, value)) => {
                    out.push_str(value);
                    rest = &after[close + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            },
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{name}`s a message uses, sorted.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut names: Vec<&str> = template
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// Base key → plural categories present (empty for plain messages).
    fn shape(lang: Lang) -> BTreeMap<String, BTreeSet<String>> {
        let catalogue = Catalogue::parse(lang.source()).unwrap_or_else(|e| panic!("locales/{}.txt: {e}", lang.code()));
        let mut shape: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let categories = ["zero", "one", "two", "few", "many", "other"];
        for key in catalogue.keys() {
            match key.rsplit_once('.') {
                Some((base, category)) if categories.contains(&category) => {
                    shape.entry(base.to_string()).or_default().insert(category.to_string());
                }
                _ => {
                    shape.entry(key.to_string()).or_default();
                }
            }
        }
        shape
    }

    #[test]
    fn every_catalogue_has_every_key_with_its_plural_forms() {
        let english = shape(Lang::En);
        assert!(english.len() > 100, "the English catalogue looks truncated: {} keys", english.len());
        for lang in Lang::ALL {
            let this = shape(lang);
            let missing: Vec<_> = english.keys().filter(|k| !this.contains_key(*k)).collect();
            let extra: Vec<_> = this.keys().filter(|k| !english.contains_key(*k)).collect();
            assert!(missing.is_empty() && extra.is_empty(), "{}: missing {missing:?}, unknown {extra:?}", lang.code());
            let wanted: BTreeSet<String> = lang.plural_categories().iter().map(|c| c.to_string()).collect();
            for (key, forms) in &this {
                if english[key].is_empty() {
                    assert!(forms.is_empty(), "{}: `{key}` is plain in English but has plural forms", lang.code());
                } else {
                    assert_eq!(forms, &wanted, "{}: plural forms of `{key}`", lang.code());
                }
            }
        }
    }

    #[test]
    fn every_message_keeps_the_english_placeholders() {
        let english = Catalogue::parse(Lang::En.source()).unwrap();
        for lang in Lang::ALL {
            let catalogue = Catalogue::parse(lang.source()).unwrap();
            for key in catalogue.keys() {
                let text = catalogue.get(key).unwrap();
                assert!(!text.is_empty(), "{}: `{key}` is empty", lang.code());
                // A plural form is compared with English `other`, the form with every placeholder.
                let reference = english.get(key).or_else(|| {
                    let base = key.rsplit_once('.').map(|(b, _)| b)?;
                    english.get(&format!("{base}.other"))
                });
                let Some(reference) = reference else { continue };
                let (mut want, have) = (placeholders(reference), placeholders(text));
                // Some languages may write one or two of a thing in words ("يوم واحد").
                if key.ends_with(".one") || key.ends_with(".two") || key.ends_with(".zero") {
                    want.retain(|p| *p != "n");
                    let have_without_n: Vec<&str> = have.iter().copied().filter(|p| *p != "n").collect();
                    assert_eq!(have_without_n, want, "{}: placeholders of `{key}`: {text}", lang.code());
                } else {
                    assert_eq!(have, want, "{}: placeholders of `{key}`: {text}", lang.code());
                }
            }
        }
    }

    #[test]
    fn translations_are_translated() {
        let english = Catalogue::parse(Lang::En.source()).unwrap();
        for lang in [Lang::De, Lang::Es, Lang::Fr, Lang::Ar] {
            let catalogue = Catalogue::parse(lang.source()).unwrap();
            let same: Vec<&str> = ["continue", "catalogue.title", "summary.title", "error.choose_membership", "lapsed.title"]
                .into_iter()
                .filter(|k| catalogue.get(k) == english.get(k))
                .collect();
            assert!(same.is_empty(), "{}: still English: {same:?}", lang.code());
        }
    }

    #[test]
    fn plural_rules() {
        let forms = |lang: Lang, ns: &[u64]| ns.iter().map(|n| lang.plural(*n)).collect::<Vec<_>>();
        assert_eq!(forms(Lang::En, &[0, 1, 2, 11]), ["other", "one", "other", "other"]);
        assert_eq!(forms(Lang::De, &[0, 1, 2]), ["other", "one", "other"]);
        assert_eq!(forms(Lang::Fr, &[0, 1, 2, 1_000_000]), ["one", "one", "other", "many"]);
        assert_eq!(forms(Lang::Es, &[0, 1, 2, 2_000_000]), ["other", "one", "other", "many"]);
        assert_eq!(
            forms(Lang::Ar, &[0, 1, 2, 3, 10, 11, 99, 100, 102, 103, 111]),
            ["zero", "one", "two", "few", "few", "many", "many", "other", "other", "few", "many"]
        );
        for lang in Lang::ALL {
            for n in 0..300 {
                assert!(lang.plural_categories().contains(&lang.plural(n)), "{lang:?} {n}");
            }
        }
    }

    #[test]
    fn negotiation_prefers_the_setting_then_the_browser_then_english() {
        let browser = |tags: &[&str]| tags.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        assert_eq!(Tr::negotiate(Some("fr-CA"), &browser(&["de-DE"])), Tr { lang: Lang::Fr, locale: "fr-CA" });
        assert_eq!(Tr::negotiate(Some("ja"), &browser(&["pt-BR", "es-MX", "en"])), Tr { lang: Lang::Es, locale: "es-MX" });
        assert_eq!(Tr::negotiate(None, &browser(&["AR-eg"])).dir(), "rtl");
        assert_eq!(Tr::negotiate(None, &browser(&["zh-CN", "ko"])), Tr::english());
        assert_eq!(Tr::negotiate(None, &[]), Tr::english());
        assert_eq!(Tr::negotiate(Some("de_CH"), &[]).lang, Lang::De);
    }

    #[test]
    fn messages_fill_and_fall_back() {
        let de = Tr::of(Lang::De);
        assert_ne!(de.t("continue"), Tr::english().t("continue"));
        assert_eq!(Tr::english().t("no.such.key"), "no.such.key");
        assert_eq!(Tr::english().f("price.from", &[("price", "£5")]), "from £5");
        assert_eq!(Tr::english().n("booking.places_left", 1, &[]), "1 place left");
        assert_eq!(Tr::english().n("booking.places_left", 3, &[]), "3 places left");
        assert_eq!(fill("{a} and {b} and {c", &[("a", "1"), ("b", "{a}")]), "1 and {a} and {c");
        assert_eq!(placeholders("from {price} {period} {}"), ["period", "price"]);
    }

    #[test]
    fn catalogue_parse_reports_bad_lines() {
        assert!(Catalogue::parse("a = b\nno separator here").is_err());
        assert!(Catalogue::parse("a = b\na = c").is_err());
        assert_eq!(Catalogue::parse("# c\n\nk = v = w").unwrap().get("k"), Some("v = w"));
    }

    /// What the widget reads (build.rs's compact form) is exactly what `locales/` says.
    #[test]
    fn the_compiled_catalogues_are_the_locale_files() {
        for lang in Lang::ALL {
            let compiled = Catalogue::compiled(lang).expect("every catalogue is compiled in without `split`");
            let source = Catalogue::parse(lang.source()).unwrap();
            assert_eq!(compiled.entries, source.entries, "locales/{}.txt", lang.code());
            assert!(!compiled.entries.is_empty());
        }
    }
}
