//! Compact adjacency lists (compressed sparse rows): one offsets array and one
//! items array, no per-list allocation. Used for "members of a workplace",
//! "regulars of a venue", "arrivals of a day".

/// Lists `0..n` of u32 items, stored back to back.
#[derive(Clone, Debug, Default)]
pub struct Csr {
    offsets: Vec<u32>,
    items: Vec<u32>,
}

impl Csr {
    /// Groups `(list, item)` pairs by list with a counting sort; items keep
    /// their input order within a list, so the result is deterministic.
    pub fn from_pairs(lists: usize, pairs: impl Iterator<Item = (u32, u32)> + Clone) -> Self {
        let mut offsets = vec![0u32; lists + 1];
        for (list, _) in pairs.clone() {
            offsets[list as usize + 1] += 1;
        }
        for i in 0..lists {
            offsets[i + 1] += offsets[i];
        }
        let mut cursor = offsets.clone();
        let mut items = vec![0u32; offsets[lists] as usize];
        for (list, item) in pairs {
            let slot = &mut cursor[list as usize];
            items[*slot as usize] = item;
            *slot += 1;
        }
        Self { offsets, items }
    }

    pub fn lists(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    #[inline]
    pub fn of(&self, list: u32) -> &[u32] {
        let i = list as usize;
        &self.items[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    pub fn heap_bytes(&self) -> usize {
        (self.offsets.capacity() + self.items.capacity()) * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_in_input_order() {
        let pairs = [(1u32, 10u32), (0, 20), (1, 30), (2, 40)];
        let csr = Csr::from_pairs(3, pairs.iter().copied());
        assert_eq!(csr.of(0), &[20]);
        assert_eq!(csr.of(1), &[10, 30]);
        assert_eq!(csr.of(2), &[40]);
    }
}
