//! The exact 2-Wasserstein distance between two uniform clouds of equal size n,
//!
//! W2 = sqrt( min over permutations σ of (1/n) Σ_i |x_i − y_σ(i)|² ),
//!
//! with the optimal σ found by the Jonker–Volgenant shortest-augmenting-path assignment.

use super::{Cloud, point_count, squared_distances_from, to_f64};

/// Exact 2-Wasserstein distance between two uniform clouds of equal size n:
/// W2 = sqrt( min over permutations σ of (1/n) Σ_i |x_i − y_σ(i)|² ),
/// with σ from [`optimal_assignment`]. `x`, `y`: (n, dim), row-major.
pub fn exact_w2(x: &[f32], y: &[f32], dim: usize) -> f64 {
    assigned_w2(x, y, dim, &optimal_assignment(x, y, dim))
}

/// sqrt( (1/n) Σ_i |x_i − y_σ(i)|² ) for a given assignment σ (`col_of_row[i] = σ(i)`): the exact
/// W2 when σ is [`optimal_assignment`]'s. `x`, `y`: (n, dim), row-major.
pub fn assigned_w2(x: &[f32], y: &[f32], dim: usize, col_of_row: &[usize]) -> f64 {
    let (x_rows, y_rows) = (to_f64(x), to_f64(y));
    let total: f64 = col_of_row
        .iter()
        .enumerate()
        .map(|(i, &j)| {
            squared_distance(
                &x_rows[i * dim..(i + 1) * dim],
                &y_rows[j * dim..(j + 1) * dim],
            )
        })
        .sum();
    (total / col_of_row.len() as f64).sqrt()
}

/// The optimal transport between two uniform clouds of equal size n, as the permutation σ
/// minimising Σ_i |x_i − y_σ(i)|² (`σ[i]` is the partner of x_i in y).
///
/// `x`, `y`: (n, dim), row-major. σ is found by the shortest-augmenting-path (Jonker–Volgenant)
/// assignment algorithm on the squared distances |x_i − y_j|², computed a row at a time: O(n³)
/// time in the worst case (about 2 s at n = 2000 in 2-D), O(n) memory.
pub fn optimal_assignment(x: &[f32], y: &[f32], dim: usize) -> Vec<usize> {
    let n = point_count(x, dim);
    assert_eq!(
        n,
        point_count(y, dim),
        "an assignment needs clouds of equal size"
    );
    let (x_rows, y_cloud) = (to_f64(x), Cloud::from_rows(y, dim));
    min_cost_assignment(n, |i, costs| {
        squared_distances_from(&x_rows[i * dim..(i + 1) * dim], &y_cloud, costs)
    })
}

// ---------------------------------------------------------------------------------------------
// Assignment

/// The permutation σ minimising Σ_i cost[i][σ(i)] over an n × n cost matrix whose row i
/// `row_costs(i, out)` writes into `out` (n,); returned as σ (`col_of_row[i] = σ(i)`).
///
/// Shortest augmenting paths with dual potentials (Jonker & Volgenant 1987; the augmentation in
/// the form of Crouse 2016). Duals u (rows), v (columns) keep every reduced cost
/// cost[i][j] − u_i − v_j ≥ 0, with equality on matched pairs. Column reduction (v_j = min_i
/// cost[i][j], each column matched to its cheapest row if that row is still free) starts the
/// matching; then each free row is added by a Dijkstra search over reduced costs for the cheapest
/// alternating path to a free column, the duals are shifted along the settled part of the search,
/// and the path is flipped.
fn min_cost_assignment(n: usize, mut row_costs: impl FnMut(usize, &mut [f64])) -> Vec<usize> {
    const NONE: usize = usize::MAX;
    let mut u = vec![0.0; n];
    let mut v = vec![f64::INFINITY; n];
    let mut col_of_row = vec![NONE; n];
    let mut row_of_col = vec![NONE; n];

    // Column reduction, row-major: cheapest row of each column.
    let mut cheapest_row = vec![0; n];
    let mut row_cost = vec![0.0; n];
    for i in 0..n {
        row_costs(i, &mut row_cost);
        for ((v_j, best_i), &c) in v.iter_mut().zip(cheapest_row.iter_mut()).zip(&row_cost) {
            if c < *v_j {
                *v_j = c;
                *best_i = i;
            }
        }
    }
    for (j, &i) in cheapest_row.iter().enumerate() {
        if col_of_row[i] == NONE {
            col_of_row[i] = j;
            row_of_col[j] = i;
        }
    }
    let free_rows: Vec<usize> = (0..n).filter(|&i| col_of_row[i] == NONE).collect();

    // Per search: tentative path length to each column (NaN once settled, so that it neither
    // relaxes nor wins again), its predecessor row, the final length of each settled column, and
    // the rows and columns the search settled.
    let mut tentative = vec![f64::INFINITY; n];
    let mut pred_row = vec![0; n];
    let mut settled_len = vec![0.0; n];
    let mut settled_rows: Vec<usize> = Vec::with_capacity(n);
    let mut settled_cols: Vec<usize> = Vec::with_capacity(n);

    for new_row in free_rows {
        tentative.fill(f64::INFINITY);
        settled_rows.clear();
        settled_cols.clear();

        let mut row = new_row;
        let mut shortest = 0.0;
        let free_col = loop {
            settled_rows.push(row);
            let base = shortest - u[row];
            row_costs(row, &mut row_cost);
            // Relax every edge out of `row` and find the closest unsettled column (NaN, the mark
            // of a settled column, neither relaxes nor wins).
            let mut col = NONE;
            shortest = f64::INFINITY;
            let columns = tentative
                .iter_mut()
                .zip(pred_row.iter_mut())
                .zip(row_cost.iter().zip(&v));
            for (j, ((len, pred), (&c, &v_j))) in columns.enumerate() {
                let through_row = base + c - v_j;
                if through_row < *len {
                    *len = through_row;
                    *pred = row;
                }
                if *len < shortest {
                    shortest = *len;
                    col = j;
                }
            }
            assert!(col != NONE, "assignment costs must be finite");
            tentative[col] = f64::NAN;
            settled_len[col] = shortest;
            settled_cols.push(col);
            if row_of_col[col] == NONE {
                break col;
            }
            row = row_of_col[col];
        };

        // Dual update: keeps reduced costs ≥ 0 and makes the new path's edges tight.
        u[new_row] += shortest;
        for &i in &settled_rows[1..] {
            u[i] += shortest - settled_len[col_of_row[i]];
        }
        for &j in &settled_cols {
            v[j] -= shortest - settled_len[j];
        }

        // Flip the augmenting path ending at `free_col`.
        let mut col = free_col;
        loop {
            let row = pred_row[col];
            row_of_col[col] = row;
            let previous_col = std::mem::replace(&mut col_of_row[row], col);
            if row == new_row {
                break;
            }
            col = previous_col;
        }
    }
    col_of_row
}

/// |p − q|².
fn squared_distance(p: &[f64], q: &[f64]) -> f64 {
    p.iter().zip(q).map(|(a, b)| (a - b) * (a - b)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn assignment_finds_the_brute_force_optimum() {
        let mut rng = Rng::new(5);
        for n in 1..=7 {
            let cost: Vec<f64> = (0..n * n).map(|_| (rng.uniform() * 10.0).floor()).collect();
            let sigma =
                min_cost_assignment(n, |i, row| row.copy_from_slice(&cost[i * n..(i + 1) * n]));
            let value: f64 = (0..n).map(|i| cost[i * n + sigma[i]]).sum();
            let mut perm: Vec<usize> = (0..n).collect();
            let mut best = f64::INFINITY;
            permutations(&mut perm, 0, &mut |p| {
                best = best.min((0..n).map(|i| cost[i * n + p[i]]).sum())
            });
            assert_eq!(value, best, "n = {n}");
        }
    }

    fn permutations(perm: &mut Vec<usize>, k: usize, visit: &mut impl FnMut(&[usize])) {
        if k == perm.len() {
            visit(perm);
            return;
        }
        for i in k..perm.len() {
            perm.swap(k, i);
            permutations(perm, k + 1, visit);
            perm.swap(k, i);
        }
    }
}
