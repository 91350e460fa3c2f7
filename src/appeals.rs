//! The review queue: people with red or yellow codes ask for review; a daily
//! capacity of reviewers answers them in order (first come, or red first);
//! a review overturns a code with the reviewer's accuracy when a data error
//! set it, and wrongly otherwise.

use std::collections::VecDeque;

use serde::Serialize;

/// One request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Appeal {
    pub agent: u32,
    pub filed: u16,
    /// Colour when filed (2 red, 1 yellow).
    pub colour: u8,
}

/// Appeal counts over a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AppealStats {
    pub filed: u64,
    pub reviewed: u64,
    pub overturned: u64,
    pub upheld: u64,
    /// Reviewed after the code had already turned green.
    pub moot: u64,
    pub peak_backlog: u64,
    pub peak_backlog_day: u32,
}

#[derive(Clone, Debug, Default)]
pub struct ReviewQueue {
    red: VecDeque<Appeal>,
    yellow: VecDeque<Appeal>,
    priority: bool,
    pub stats: AppealStats,
    /// Days from filing to review, for every reviewed appeal.
    pub waits: Vec<u16>,
}

impl ReviewQueue {
    pub fn new(priority: bool) -> Self {
        Self {
            priority,
            ..Self::default()
        }
    }

    pub fn backlog(&self) -> u64 {
        (self.red.len() + self.yellow.len()) as u64
    }

    pub fn file(&mut self, a: Appeal) {
        self.stats.filed += 1;
        // In first-come order everything shares one queue.
        if self.priority && a.colour == 1 {
            self.yellow.push_back(a)
        } else {
            self.red.push_back(a)
        }
    }

    /// The next appeal to review, if any.
    pub fn pop(&mut self) -> Option<Appeal> {
        self.red.pop_front().or_else(|| self.yellow.pop_front())
    }

    pub fn note_backlog(&mut self, day: u32) {
        let b = self.backlog();
        if b > self.stats.peak_backlog {
            self.stats.peak_backlog = b;
            self.stats.peak_backlog_day = day;
        }
    }

    /// Wait percentile in days (nearest rank), 0 when nothing was reviewed.
    pub fn wait_percentile(&self, q: f64) -> f64 {
        if self.waits.is_empty() {
            return 0.0;
        }
        let mut w = self.waits.clone();
        w.sort_unstable();
        let rank = ((q * w.len() as f64).ceil() as usize).clamp(1, w.len());
        w[rank - 1] as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_serves_red_first_fifo_serves_in_order() {
        let a = |agent, colour| Appeal {
            agent,
            filed: 0,
            colour,
        };
        let mut fifo = ReviewQueue::new(false);
        let mut prio = ReviewQueue::new(true);
        for q in [&mut fifo, &mut prio] {
            q.file(a(1, 1));
            q.file(a(2, 2));
            q.file(a(3, 1));
        }
        let order = |q: &mut ReviewQueue| {
            std::iter::from_fn(|| q.pop())
                .map(|x| x.agent)
                .collect::<Vec<_>>()
        };
        assert_eq!(order(&mut fifo), vec![1, 2, 3]);
        assert_eq!(order(&mut prio), vec![2, 1, 3]);
    }

    #[test]
    fn wait_percentiles_use_nearest_rank() {
        let mut q = ReviewQueue::new(false);
        q.waits = vec![1, 2, 3, 4, 10];
        assert_eq!(q.wait_percentile(0.5), 3.0);
        assert_eq!(q.wait_percentile(0.95), 10.0);
    }
}
