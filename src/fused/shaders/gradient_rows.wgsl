// Per-sample gradient rows, shared by critic_sample.wgsl and generator_sample.wgsl, which declare
// `grads` and `scratch` and name the weights W they differentiate through `fn weight(at)`: each
// sample writes its own row (WGSL has no float atomics; reduce_adam.wgsl sums them). A layer's
// weights W (n_in × n_out, row-major at w) enter two products, both four terms a loop
// iteration (lavapipe's loop limit, rollout.wgsl):
//   row_sum:    Σ_j ū[j]·W[i, j], adding W̄[i, j] += input_i·ū[j];
//   column_sum: Σ_i u[i]·W[i, j], adding W̄[i, j] += u[i]·δ_j.

/// grads[at .. at + count] = 0, four entries a loop iteration.
fn zero(at: u32, count: u32) {
    var p = 0u;
    for (; p + 4u <= count; p += 4u) {
        grads[at + p] = 0.0;
        grads[at + p + 1u] = 0.0;
        grads[at + p + 2u] = 0.0;
        grads[at + p + 3u] = 0.0;
    }
    for (; p < count; p++) {
        grads[at + p] = 0.0;
    }
}

/// One term of [`row_sum`].
fn row_term(upstream: u32, gb: u32, row: u32, j: u32, input: f32) -> f32 {
    let u = scratch[upstream + j];
    grads[gb + row + j] += input * u;
    return u * weight(row + j);
}

/// Σ_j ū[j]·W[i, j] for row i of W at `row`, ū at `upstream` of the scratch; adds
/// W̄[i, j] += input·ū[j] to the gradient row at gb.
fn row_sum(upstream: u32, gb: u32, row: u32, n_out: u32, input: f32) -> f32 {
    var sum = 0.0;
    var j = 0u;
    for (; j + 4u <= n_out; j += 4u) {
        sum += row_term(upstream, gb, row, j, input) + row_term(upstream, gb, row, j + 1u, input)
            + row_term(upstream, gb, row, j + 2u, input)
            + row_term(upstream, gb, row, j + 3u, input);
    }
    for (; j < n_out; j++) {
        sum += row_term(upstream, gb, row, j, input);
    }
    return sum;
}

/// One term of [`column_sum`].
fn column_term(upstream: u32, gb: u32, at: u32, i: u32, delta: f32) -> f32 {
    let u = scratch[upstream + i];
    grads[gb + at] += u * delta;
    return u * weight(at);
}

/// Σ_i u[i]·W[i, j] for column j of W (n_out columns at w), u at `upstream` of the scratch; adds
/// W̄[i, j] += u[i]·delta to the gradient row at gb.
fn column_sum(upstream: u32, gb: u32, w: u32, n_in: u32, n_out: u32, j: u32, delta: f32) -> f32 {
    var sum = 0.0;
    var i = 0u;
    for (; i + 4u <= n_in; i += 4u) {
        let at = w + i * n_out + j;
        sum += column_term(upstream, gb, at, i, delta)
            + column_term(upstream, gb, at + n_out, i + 1u, delta)
            + column_term(upstream, gb, at + 2u * n_out, i + 2u, delta)
            + column_term(upstream, gb, at + 3u * n_out, i + 3u, delta);
    }
    for (; i < n_in; i++) {
        sum += column_term(upstream, gb, w + i * n_out + j, i, delta);
    }
    return sum;
}
