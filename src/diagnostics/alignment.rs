//! Whether the terminal cost's pull within the data's plane points the samples at the data
//! (docs/method.md §15): a critic can be steep along the plane because it fits the batches it is
//! trained on, or because it points each sample where the shape is.

/// The pull-weighted cosine between the terminal cost's pull −∇_{1,2}G(x_b) and the displacement
/// y_σ(b) − x_b from each sample to its partner in the optimal assignment σ of the samples to the
/// held-out data, all in the data's plane (the first two coordinates):
///
/// A = Σ_b ⟨−∇_{1,2}G(x_b), y_σ(b) − x_b⟩ / Σ_b |∇_{1,2}G(x_b)|·|y_σ(b) − x_b|,
///
/// 1 when every sample is pulled straight at its partner, 0 when the pull is unrelated to where
/// the data are, −1 when it points away. `slopes` are ∇_{1,2}G(x_b), `samples` and `data` the
/// first two coordinates of x_b and y_j, `[n, 2]` row-major in one frame; `partner[b] = σ(b)`.
/// None when no sample has both a pull and a distance to go.
pub fn pull_alignment(
    slopes: &[f32],
    samples: &[f32],
    data: &[f32],
    partner: &[usize],
) -> Option<f64> {
    let (mut inner, mut lengths) = (0.0, 0.0);
    for (b, &j) in partner.iter().enumerate() {
        let pull = [-slopes[2 * b] as f64, -slopes[2 * b + 1] as f64];
        let to_go = [
            (data[2 * j] - samples[2 * b]) as f64,
            (data[2 * j + 1] - samples[2 * b + 1]) as f64,
        ];
        inner += pull[0] * to_go[0] + pull[1] * to_go[1];
        lengths += pull[0].hypot(pull[1]) * to_go[0].hypot(to_go[1]);
    }
    (lengths > 0.0).then(|| inner / lengths)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three samples at the origin, their partners (in reverse order) at unit distance.
    fn samples_and_data() -> (Vec<f32>, Vec<f32>, Vec<usize>) {
        let samples = vec![0.0; 6];
        let data = vec![1.0, 0.0, 0.0, 1.0, -1.0, 0.0];
        (samples, data, vec![2, 1, 0])
    }

    #[test]
    fn a_pull_down_the_slope_at_each_partner_is_aligned() {
        let (samples, data, partner) = samples_and_data();
        // −∇G = 2·(y_σ(b) − x_b): G falls towards each sample's partner.
        let slopes = [2.0, 0.0, 0.0, -2.0, -2.0, 0.0];
        let alignment = pull_alignment(&slopes, &samples, &data, &partner).unwrap();
        assert!((alignment - 1.0).abs() < 1e-12, "{alignment}");
        let reversed: Vec<f32> = slopes.iter().map(|s| -s).collect();
        let alignment = pull_alignment(&reversed, &samples, &data, &partner).unwrap();
        assert!((alignment + 1.0).abs() < 1e-12, "{alignment}");
    }

    #[test]
    fn the_cosines_are_weighted_by_pull_and_distance() {
        let (samples, data, partner) = samples_and_data();
        // Sample 0 pulled at its partner with slope 3, sample 1 across its way with slope 1,
        // sample 2 not at all: (3·1 + 0 + 0) / (3·1 + 1·1 + 0) = 3/4.
        let slopes = [3.0, 0.0, 1.0, 0.0, 0.0, 0.0];
        let alignment = pull_alignment(&slopes, &samples, &data, &partner).unwrap();
        assert!((alignment - 0.75).abs() < 1e-12, "{alignment}");
    }

    #[test]
    fn no_pull_has_no_alignment() {
        let (samples, data, partner) = samples_and_data();
        assert_eq!(pull_alignment(&[0.0; 6], &samples, &data, &partner), None);
    }
}
