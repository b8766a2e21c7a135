//! Embedding of 2-D data in R^d: the data occupy the first two coordinates and the other d − 2
//! are exactly 0, as in the released generator (docs/method.md §5).

/// Points of R^2 placed in the first two coordinates of R^dim, zeros elsewhere: [n, 2] → [n, dim].
pub fn embed(points: &[f32], dim: usize) -> Vec<f32> {
    assert!(dim >= 2, "cannot embed 2-D points in R^{dim}");
    assert!(
        points.len().is_multiple_of(2),
        "points must be row-major [n, 2], got {} values",
        points.len()
    );
    let mut embedded = vec![0.0; points.len() / 2 * dim];
    for (row, point) in embedded.chunks_exact_mut(dim).zip(points.chunks_exact(2)) {
        row[..2].copy_from_slice(point);
    }
    embedded
}

#[cfg(test)]
mod tests {
    use super::embed;

    #[test]
    fn keeps_the_first_two_coordinates_and_zeros_the_rest() {
        let points = [1.0, -2.0, 3.5, 0.25, -0.0, 7.0];
        let embedded = embed(&points, 7);
        assert_eq!(embedded.len(), 3 * 7);
        for (row, point) in embedded.chunks_exact(7).zip(points.chunks_exact(2)) {
            assert_eq!(&row[..2], point);
            assert!(row[2..].iter().all(|&x| x == 0.0));
        }
    }

    #[test]
    fn in_two_dimensions_is_the_identity() {
        let points = [0.5, -1.5, 2.0, 3.0];
        assert_eq!(embed(&points, 2), points);
    }

    #[test]
    fn of_no_points_is_empty() {
        assert!(embed(&[], 12).is_empty());
    }
}
