//! Records numbered 1, 2, 3, … as they are made, of which the old ones are
//! forgotten (see [`super::forget`]): a sliding window over the numbers.
//!
//! A lookup is still an index (number minus the window's first number), as
//! when every record sat in a `Vec` at its number minus one, but a
//! forgotten record leaves only an empty slot, and the slots before the
//! oldest record still kept are dropped altogether. Records end roughly in
//! the order they were made, so the window spans about what is in flight;
//! a record kept much longer than its neighbours (an event retried for
//! days) keeps the empty slots after it, one `Option` each, until it goes.

use std::collections::VecDeque;

/// Records by number, the forgotten ones as empty slots until the oldest
/// kept one goes.
#[derive(Debug)]
pub(crate) struct Numbered<T> {
    /// The number of `slots[0]`.
    first: u64,
    slots: VecDeque<Option<T>>,
    /// How many slots hold a record.
    kept: usize,
}

impl<T> Default for Numbered<T> {
    fn default() -> Self {
        Numbered {
            first: 1,
            slots: VecDeque::new(),
            kept: 0,
        }
    }
}

impl<T> Numbered<T> {
    /// How many numbers were given out: the last one's.
    pub(crate) fn minted(&self) -> u64 {
        self.first + self.slots.len() as u64 - 1
    }

    /// The oldest number whose slot is still held: every record kept has
    /// this number or a later one.
    pub(crate) fn first(&self) -> u64 {
        self.first
    }

    /// Adds `record` under the next number, and answers that number.
    pub(crate) fn push(&mut self, record: T) -> u64 {
        self.slots.push_back(Some(record));
        self.kept += 1;
        self.minted()
    }

    fn slot(&self, number: u64) -> Option<usize> {
        usize::try_from(number.checked_sub(self.first)?).ok()
    }

    /// Record `number`, if it is kept.
    pub(crate) fn get(&self, number: u64) -> Option<&T> {
        self.slots.get(self.slot(number)?)?.as_ref()
    }

    /// Record `number`, if it is kept.
    pub(crate) fn get_mut(&mut self, number: u64) -> Option<&mut T> {
        let slot = self.slot(number)?;
        self.slots.get_mut(slot)?.as_mut()
    }

    /// Whether `number` was given out and its record forgotten since.
    pub(crate) fn forgotten(&self, number: u64) -> bool {
        number >= 1 && number <= self.minted() && self.get(number).is_none()
    }

    /// Forgets record `number`, and answers it.
    pub(crate) fn remove(&mut self, number: u64) -> Option<T> {
        let slot = self.slot(number)?;
        let record = self.slots.get_mut(slot)?.take()?;
        self.kept -= 1;
        while let Some(None) = self.slots.front() {
            self.slots.pop_front();
            self.first += 1;
        }
        // A burst that has ended leaves capacity for its peak; give back
        // what is far beyond what is kept now.
        if self.slots.capacity() > 1024 && self.slots.capacity() > 4 * self.slots.len() {
            self.slots.shrink_to(2 * self.slots.len());
        }
        Some(record)
    }

    /// How many records are kept.
    pub(crate) fn kept(&self) -> usize {
        self.kept
    }

    /// The last record made, if it is kept.
    pub(crate) fn last(&self) -> Option<&T> {
        self.slots.back()?.as_ref()
    }

    /// Every kept record with its number, oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, &T)> {
        let first = self.first;
        self.slots
            .iter()
            .enumerate()
            .filter_map(move |(i, r)| Some((first + i as u64, r.as_ref()?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgetting_keeps_numbers_and_drops_the_slots_before_the_oldest_kept() {
        let mut n = Numbered::default();
        for i in 1..=5u64 {
            assert_eq!(n.push(i * 10), i);
        }
        assert_eq!(n.remove(2), Some(20));
        assert!(n.forgotten(2) && !n.forgotten(3) && !n.forgotten(6) && !n.forgotten(0));
        assert_eq!(n.slots.len(), 5, "slot 1 is still kept");
        assert_eq!(n.remove(1), Some(10));
        assert_eq!(n.slots.len(), 3, "slots 1 and 2 dropped");
        assert_eq!(n.get(3), Some(&30));
        assert_eq!(n.get(1), None);
        assert_eq!(n.remove(1), None);
        assert_eq!(n.kept(), 3);
        assert_eq!(n.push(60), 6);
        let kept: Vec<u64> = n.iter().map(|(i, _)| i).collect();
        assert_eq!(kept, [3, 4, 5, 6]);
        for i in 3..=6 {
            n.remove(i);
        }
        assert_eq!((n.kept(), n.slots.len(), n.minted()), (0, 0, 6));
        assert_eq!(
            n.push(70),
            7,
            "numbers go on after everything was forgotten"
        );
    }
}
