//! Groups of data points for drawing paper B's cells: k-means (Lloyd) on the first two
//! coordinates (the first alone in 1-D), started from farthest-point seeds so that it needs no
//! randomness.

/// For each row of `points` (`[n, dim]`), the index of its group among at most `k` groups.
pub fn kmeans_labels(points: &[f32], dim: usize, k: usize, iterations: usize) -> Vec<usize> {
    let plane: Vec<[f64; 2]> = points
        .chunks(dim)
        .map(|row| [row[0] as f64, row.get(1).map_or(0.0, |&v| v as f64)])
        .collect();
    let k = k.min(plane.len()).max(1);
    let distance = |a: &[f64; 2], b: &[f64; 2]| (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2);
    let mut centres = vec![plane[0]];
    let mut nearest: Vec<f64> = plane.iter().map(|p| distance(p, &plane[0])).collect();
    while centres.len() < k {
        let farthest = (0..plane.len())
            .max_by(|&a, &b| nearest[a].total_cmp(&nearest[b]))
            .expect("points");
        centres.push(plane[farthest]);
        for (best, p) in nearest.iter_mut().zip(&plane) {
            *best = best.min(distance(p, &plane[farthest]));
        }
    }
    let assign = |centres: &[[f64; 2]]| -> Vec<usize> {
        plane
            .iter()
            .map(|p| {
                (0..centres.len())
                    .min_by(|&a, &b| distance(p, &centres[a]).total_cmp(&distance(p, &centres[b])))
                    .expect("k ≥ 1")
            })
            .collect()
    };
    let mut labels = assign(&centres);
    for _ in 0..iterations {
        let mut sums = vec![[0.0, 0.0, 0.0]; k];
        for (p, &label) in plane.iter().zip(&labels) {
            sums[label] = [
                sums[label][0] + p[0],
                sums[label][1] + p[1],
                sums[label][2] + 1.0,
            ];
        }
        for (centre, sum) in centres.iter_mut().zip(&sums) {
            if sum[2] > 0.0 {
                *centre = [sum[0] / sum[2], sum[1] / sum[2]];
            }
        }
        labels = assign(&centres);
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separated_blobs_get_one_label_each() {
        let centres = [(-5.0, 0.0), (5.0, 0.0), (0.0, 5.0)];
        let points: Vec<f32> = (0..60)
            .flat_map(|i| {
                let (x, y) = centres[i % 3];
                [x + 0.01 * (i as f32), y - 0.01 * (i as f32)]
            })
            .collect();
        let labels = kmeans_labels(&points, 2, 3, 10);
        for i in 0..60 {
            assert_eq!(labels[i], labels[i % 3], "point {i} left its blob");
        }
        assert_ne!(labels[0], labels[1]);
        assert_ne!(labels[1], labels[2]);
        assert_ne!(labels[0], labels[2]);
    }
}
