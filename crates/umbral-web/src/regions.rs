//! Countries and regions by their names in the person's language: every region the phone-number
//! metadata knows (it has a dial prefix), named from the Unicode CLDR (`data/regions.tsv`,
//! written by `data/regions.py`). The dial-prefix selector and the company form's country list
//! both come from here, sorted as a reader of that language expects, the likely one first.

use std::sync::LazyLock;

use umbral_core::types::{Locale, PhoneE164};
use unicode_normalization::UnicodeNormalization;

const DATA: &str = include_str!("../data/regions.tsv");

#[derive(Debug)]
pub struct Region {
    pub code: &'static str,
    pub dial: u16,
    /// Names in the order of `Locale::ALL`.
    names: [&'static str; 3],
}

impl Region {
    pub fn name(&self, locale: Locale) -> &'static str {
        self.names[index(locale)]
    }
}

fn index(locale: Locale) -> usize {
    match locale {
        Locale::En => 0,
        Locale::Es => 1,
        Locale::PtBr => 2,
    }
}

static REGIONS: LazyLock<Vec<Region>> = LazyLock::new(|| {
    DATA.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut cols = l.split('\t');
            let code = cols.next()?;
            let names = [cols.next()?, cols.next()?, cols.next()?];
            let dial = PhoneE164::dial_code(code)?;
            Some(Region { code, dial, names })
        })
        .collect()
});

/// The regions sorted by name for each language (indices into `REGIONS`).
static SORTED: LazyLock<[Vec<usize>; 3]> = LazyLock::new(|| {
    Locale::ALL.map(|locale| {
        let mut keyed: Vec<(String, usize)> = REGIONS
            .iter()
            .enumerate()
            .map(|(i, r)| (sort_key(r.name(locale)), i))
            .collect();
        keyed.sort();
        keyed.into_iter().map(|(_, i)| i).collect()
    })
});

/// A name as a dictionary orders it: accents and case do not count ("Åland" next to "Aland",
/// "Émirats" among the E).
fn sort_key(name: &str) -> String {
    name.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The region of an ISO 3166 alpha-2 code (any case), if phone numbers know it.
pub fn get(code: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|r| r.code.eq_ignore_ascii_case(code))
}

/// Every region, the `likely` one first, then the others by name in `locale`.
pub fn ordered(locale: Locale, likely: &str) -> Vec<&'static Region> {
    let first = get(likely);
    first
        .into_iter()
        .chain(
            SORTED[index(locale)]
                .iter()
                .map(|&i| &REGIONS[i])
                .filter(move |r| Some(r.code) != first.map(|f| f.code)),
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_region_with_a_dial_prefix_is_named_in_each_language() {
        // libphonenumber knows about 245 regions; CLDR names all of them.
        assert!(REGIONS.len() > 230, "{}", REGIONS.len());
        for r in REGIONS.iter() {
            for l in Locale::ALL {
                assert!(!r.name(l).is_empty(), "{} in {l:?}", r.code);
            }
        }
        let de = get("de").unwrap();
        assert_eq!(
            (de.name(Locale::Es), de.name(Locale::PtBr), de.dial),
            ("Alemania", "Alemanha", 49)
        );
        assert_eq!(get("US").unwrap().name(Locale::Es), "Estados Unidos");
        assert!(get("ZZ").is_none() && get("EU").is_none());
    }

    #[test]
    fn the_likely_region_comes_first_then_the_others_by_name() {
        let es = ordered(Locale::Es, "MX");
        assert_eq!(es[0].code, "MX");
        assert_eq!(es.iter().filter(|r| r.code == "MX").count(), 1);
        let names: Vec<&str> = es[1..].iter().map(|r| r.name(Locale::Es)).collect();
        let keys: Vec<String> = names.iter().map(|n| sort_key(n)).collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]));
        // An accent does not send a name to the end: "África do Sul" sits among the A.
        let pt: Vec<&str> = ordered(Locale::PtBr, "BR")
            .iter()
            .map(|r| r.name(Locale::PtBr))
            .collect();
        let pos = |n: &str| pt.iter().position(|x| *x == n).unwrap();
        assert!(pos("Afeganistão") < pos("África do Sul") && pos("África do Sul") < pos("Albânia"));
        // An unknown likely code just leaves the alphabetical order.
        assert_eq!(ordered(Locale::En, "ZZ")[0].name(Locale::En), "Afghanistan");
    }
}
