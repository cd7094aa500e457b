//! Interned terms: a snapshot stores each distinct term once, with its document frequency
//! and whether it is strong evidence, and articles keep sorted sets of term ids. Sets of
//! strings cost an allocation and a hash entry per term per article, which made a
//! 10 000-article kb hold about twice the memory of its index.

use std::collections::HashMap;

/// A term's number in a snapshot's [`Terms`].
pub(crate) type TermId = u32;

/// The distinct terms of a snapshot.
#[derive(Debug, Default)]
pub(crate) struct Terms {
    ids: HashMap<Box<str>, TermId>,
    /// Articles containing the term in any field.
    df: Vec<u32>,
    /// False for a single CJK character, which matches everywhere in a Chinese kb.
    strong: Vec<bool>,
}

impl Terms {
    /// The id of `term`, adding it if new.
    pub fn intern(&mut self, term: &str) -> TermId {
        if let Some(id) = self.ids.get(term) {
            return *id;
        }
        let id = TermId::try_from(self.df.len()).expect("fewer than 4 billion distinct terms");
        self.ids.insert(term.into(), id);
        self.df.push(0);
        self.strong.push(strong(term));
        id
    }

    /// The id of `term`, if any article has it.
    pub fn id(&self, term: &str) -> Option<TermId> {
        self.ids.get(term).copied()
    }

    /// Articles containing the term.
    pub fn df(&self, id: TermId) -> u32 {
        self.df[id as usize]
    }

    /// Counts one more article containing each of `ids` (each id once).
    pub fn count(&mut self, ids: &TermSet) {
        for id in ids.iter() {
            self.df[id as usize] += 1;
        }
    }

    /// Whether the term is strong evidence (not a single CJK character).
    pub fn is_strong(&self, id: TermId) -> bool {
        self.strong[id as usize]
    }
}

/// Single CJK characters are weak evidence: they match everywhere in a Chinese kb.
pub(crate) fn strong(t: &str) -> bool {
    let mut cs = t.chars();
    !(matches!((cs.next(), cs.next()), (Some(c), None) if super::analyze::is_cjk(c)))
}

/// A set of term ids, sorted, without duplicates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TermSet(Box<[TermId]>);

impl TermSet {
    /// The set of `terms`, interning them.
    pub fn of<S: AsRef<str>>(terms: &mut Terms, words: &[S]) -> TermSet {
        let mut ids: Vec<TermId> = words.iter().map(|w| terms.intern(w.as_ref())).collect();
        ids.sort_unstable();
        ids.dedup();
        TermSet(ids.into_boxed_slice())
    }

    /// The union of several sets.
    pub fn union<'a>(sets: impl IntoIterator<Item = &'a TermSet>) -> TermSet {
        let mut ids: Vec<TermId> = sets.into_iter().flat_map(|s| s.0.iter().copied()).collect();
        ids.sort_unstable();
        ids.dedup();
        TermSet(ids.into_boxed_slice())
    }

    /// Whether `id` is in the set.
    pub fn contains(&self, id: TermId) -> bool {
        self.0.binary_search(&id).is_ok()
    }

    /// The ids, ascending.
    pub fn iter(&self) -> impl Iterator<Item = TermId> + '_ {
        self.0.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_is_stored_once_and_sets_hold_its_id() {
        let mut t = Terms::default();
        let a = TermSet::of(&mut t, &["reset", "password", "reset"]);
        let b = TermSet::of(&mut t, &["password", "密"]);
        assert_eq!(t.ids.len(), 3);
        let (reset, password, mi) = (
            t.id("reset").unwrap(),
            t.id("password").unwrap(),
            t.id("密").unwrap(),
        );
        assert!(a.contains(reset) && a.contains(password) && !a.contains(mi));
        assert_eq!(a.iter().count(), 2);
        // Two articles: one with a, one with b; a term twice in one article counts once.
        t.count(&TermSet::union([&a, &a]));
        t.count(&b);
        assert_eq!((t.df(reset), t.df(password), t.df(mi)), (1, 2, 1));
        assert!(t.is_strong(password) && !t.is_strong(mi));
        assert_eq!(t.id("missing"), None);
    }
}
