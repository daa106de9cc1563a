//! A small set kept as a sorted `Vec`: what `BTreeSet` did for the
//! checklists (a handful of items each), without the B-tree's code in the
//! wasm (~12 KB raw across its three uses; `scripts/wasm-sizes.mjs`).

/// Distinct items in ascending order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortedSet<T: Ord>(Vec<T>);

impl<T: Ord> Default for SortedSet<T> {
    fn default() -> Self {
        SortedSet(Vec::new())
    }
}

impl<T: Ord> SortedSet<T> {
    pub fn new() -> Self {
        SortedSet::default()
    }

    /// Adds `item`; whether it was new.
    pub fn insert(&mut self, item: T) -> bool {
        match self.0.binary_search(&item) {
            Ok(_) => false,
            Err(at) => {
                self.0.insert(at, item);
                true
            }
        }
    }

    /// Like `BTreeSet::contains`: `String`s answer for a `&str`.
    pub fn contains<Q>(&self, item: &Q) -> bool
    where
        T: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.0.binary_search_by(|x| x.borrow().cmp(item)).is_ok()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The items, in order.
    pub fn into_vec(self) -> Vec<T> {
        self.0
    }
}

impl<T: Ord> FromIterator<T> for SortedSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let mut set = SortedSet::new();
        for item in items {
            set.insert(item);
        }
        set
    }
}

impl<'a, T: Ord> IntoIterator for &'a SortedSet<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_stay_distinct_and_in_order_as_a_btree_set_keeps_them() {
        let words = ["kk_lama", "buku_nikah", "kk_lama", "akta", "ktp", "akta"];
        let set: SortedSet<&str> = words.iter().copied().collect();
        let btree: std::collections::BTreeSet<&str> = words.iter().copied().collect();
        assert_eq!(
            set.iter().copied().collect::<Vec<_>>(),
            btree.iter().copied().collect::<Vec<_>>()
        );
        assert!(set.contains(&"ktp") && !set.contains(&"kk_baru"));
        let mut s = SortedSet::new();
        assert!(s.insert(2) && s.insert(1) && !s.insert(2));
        assert_eq!((s.len(), s.is_empty()), (2, false));
    }
}
