// How training shares its time with snapshots, for the training worker (worker.js) and the
// ablation's turns (ablation.js).

/**
 * While playing, snapshots (held-out metrics, heatmaps) take at most this share of the time: on
 * the CPU one costs tens to hundreds of milliseconds, and ten a second would leave a third of the
 * time to training.
 */
export const SNAPSHOT_SHARE = 0.2;
