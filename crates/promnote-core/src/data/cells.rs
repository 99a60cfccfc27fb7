//! A wide table's column of values, one per row, stored sparsely: only the rows that have
//! a value take memory. Pod churn makes tables that are mostly gaps — 5,000 series of one
//! sample each over 10,080 one-minute rows is 50 million cells, 800 MB stored densely,
//! and 5,000 values stored here. Reading is as a dense column's: [`Cells::get`],
//! indexing (`cells[row]`, a gap is `None`) and [`Cells::iter`] over every row.

use std::ops::Index;

/// A gap, for indexing and iterating rows that have no value.
static GAP: Option<f64> = None;

/// One value or gap per row; gaps take no memory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cells {
    rows: usize,
    /// The rows that have a value, in row order, each `Some` (a gap is never stored, so
    /// two columns with the same values compare equal).
    entries: Vec<(u32, Option<f64>)>,
}

impl Cells {
    /// `rows` gaps.
    pub fn new(rows: usize) -> Self {
        Self { rows, entries: Vec::new() }
    }

    /// How many rows (values and gaps).
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// How many rows have a value.
    pub fn count(&self) -> usize {
        self.entries.len()
    }

    fn find(&self, row: usize) -> Result<usize, usize> {
        let row = u32::try_from(row).unwrap_or(u32::MAX);
        // Filled in row order: the last row is the usual one asked for.
        match self.entries.last() {
            Some((last, _)) if *last < row => Err(self.entries.len()),
            _ => self.entries.binary_search_by_key(&row, |(r, _)| *r),
        }
    }

    /// The value of `row`, `None` for a gap (or a row past the end).
    pub fn get(&self, row: usize) -> Option<f64> {
        self.find(row).ok().and_then(|at| self.entries[at].1)
    }

    /// Sets `row` to `value` (`None` makes it a gap); a row past the end is ignored.
    pub fn set(&mut self, row: usize, value: Option<f64>) {
        if row >= self.rows {
            return;
        }
        match (self.find(row), value) {
            (Ok(at), Some(v)) => self.entries[at].1 = Some(v),
            (Ok(at), None) => {
                self.entries.remove(at);
            }
            (Err(at), Some(v)) => self.entries.insert(at, (u32::try_from(row).unwrap_or(u32::MAX), Some(v))),
            (Err(_), None) => {}
        }
    }

    /// Every row's value or gap, in row order.
    pub fn iter(&self) -> Iter<'_> {
        Iter { cells: self, front: 0, back: self.rows, front_at: 0, back_at: self.entries.len() }
    }

    /// The rows that have a value, with it, in row order.
    pub fn present(&self) -> impl DoubleEndedIterator<Item = (usize, f64)> + '_ {
        self.entries.iter().filter_map(|(r, v)| Some((*r as usize, (*v)?)))
    }

    /// Every row as a dense list.
    pub fn to_vec(&self) -> Vec<Option<f64>> {
        self.iter().copied().collect()
    }

    /// Fills every gap with `value` (this stores every row).
    pub fn fill_gaps(&mut self, value: f64) {
        let dense: Vec<Option<f64>> = self.iter().map(|v| Some(v.unwrap_or(value))).collect();
        *self = Self::from(dense);
    }

    /// Adds `other`'s values row by row; a row that is a gap in both stays one.
    pub fn add(&mut self, other: &Cells) {
        for (row, v) in other.present() {
            self.set(row, Some(self.get(row).unwrap_or(0.0) + v));
        }
    }
}

impl Index<usize> for Cells {
    type Output = Option<f64>;

    fn index(&self, row: usize) -> &Option<f64> {
        match self.find(row) {
            Ok(at) => &self.entries[at].1,
            Err(_) => &GAP,
        }
    }
}

impl PartialEq<[Option<f64>]> for Cells {
    fn eq(&self, other: &[Option<f64>]) -> bool {
        self.rows == other.len() && self.iter().eq(other.iter())
    }
}

impl<const N: usize> PartialEq<[Option<f64>; N]> for Cells {
    fn eq(&self, other: &[Option<f64>; N]) -> bool {
        *self == other[..]
    }
}

impl PartialEq<Vec<Option<f64>>> for Cells {
    fn eq(&self, other: &Vec<Option<f64>>) -> bool {
        *self == other[..]
    }
}

impl From<Vec<Option<f64>>> for Cells {
    fn from(values: Vec<Option<f64>>) -> Self {
        values.into_iter().collect()
    }
}

impl FromIterator<Option<f64>> for Cells {
    fn from_iter<I: IntoIterator<Item = Option<f64>>>(values: I) -> Self {
        let mut cells = Cells::default();
        for (row, v) in values.into_iter().enumerate() {
            cells.rows = row + 1;
            if v.is_some() {
                cells.entries.push((u32::try_from(row).unwrap_or(u32::MAX), v));
            }
        }
        cells
    }
}

impl<'a> IntoIterator for &'a Cells {
    type Item = &'a Option<f64>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// Every row of [`Cells`], values and gaps, from either end.
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    cells: &'a Cells,
    front: usize,
    back: usize,
    front_at: usize,
    back_at: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a Option<f64>;

    fn next(&mut self) -> Option<&'a Option<f64>> {
        if self.front >= self.back {
            return None;
        }
        let row = self.front;
        self.front += 1;
        match self.cells.entries.get(self.front_at) {
            Some((r, v)) if *r as usize == row && self.front_at < self.back_at => {
                self.front_at += 1;
                Some(v)
            }
            _ => Some(&GAP),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.back - self.front;
        (left, Some(left))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        self.back -= 1;
        let row = self.back;
        match self.back_at.checked_sub(1).and_then(|at| Some((at, self.cells.entries.get(at)?))) {
            Some((at, (r, v))) if *r as usize == row && at >= self.front_at => {
                self.back_at = at;
                Some(v)
            }
            _ => Some(&GAP),
        }
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::Cells;

    #[test]
    fn reads_as_a_dense_column_and_stores_only_values() {
        let dense = vec![None, Some(1.0), None, Some(3.0), None];
        let mut cells = Cells::from(dense.clone());
        assert_eq!((cells.len(), cells.count()), (5, 2));
        assert_eq!(cells.to_vec(), dense);
        assert_eq!(
            cells.iter().rev().copied().collect::<Vec<_>>(),
            dense.iter().rev().copied().collect::<Vec<_>>()
        );
        assert_eq!((cells[1], cells[2], cells[9]), (Some(1.0), None, None));
        // Both ends at once meet in the middle.
        let mut both = cells.iter();
        assert_eq!(
            (both.next(), both.next_back(), both.next_back()),
            (Some(&None), Some(&None), Some(&Some(3.0)))
        );
        assert_eq!(both.copied().collect::<Vec<_>>(), vec![Some(1.0), None]);
        cells.set(2, Some(2.0));
        cells.set(1, None);
        cells.set(7, Some(7.0)); // past the end: ignored
        assert_eq!(cells.to_vec(), vec![None, None, Some(2.0), Some(3.0), None]);
        assert_eq!(cells, Cells::from(vec![None, None, Some(2.0), Some(3.0), None]));
        let mut sum = Cells::new(5);
        sum.add(&cells);
        sum.add(&Cells::from(vec![Some(1.0), None, Some(1.0), None, None]));
        assert_eq!(sum.to_vec(), vec![Some(1.0), None, Some(3.0), Some(3.0), None]);
        sum.fill_gaps(0.0);
        assert_eq!(sum.to_vec(), vec![Some(1.0), Some(0.0), Some(3.0), Some(3.0), Some(0.0)]);
        assert_eq!(cells.present().collect::<Vec<_>>(), vec![(2, 2.0), (3, 3.0)]);
    }
}
