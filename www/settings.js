// The page's settings as a run's configuration: which preset they name, what a change of preset,
// mode, terminal cost, data set or dimension brings, and the TrainConfig they make. The presets
// themselves are Rust's (TrainConfig::of_preset, asked through config-client.js).

import { presetConfig } from './config-client.js';
import { ablating } from './state.js';

/** The settings each ablation variant sets for itself (Rust config::ablation::Variant), and the
 *  start: the four train from the same random weights. */
const ABLATED_KEYS = ['w1_proximal', 'w2_proximal', 'start'];

/** Settings whose change brings their preset's λ, c_GP and learning rate (the preset: all of it). */
export const PRESET_KEYS = ['preset', 'mode', 'terminal', 'dataset', 'dim'];

export const isImages = (settings) => settings.dataset === 'mnist';

/**
 * Whether the run the settings describe reads `control`: its scope in the Rust table
 * (config::controls::Scope), a flow's terminal costs, the generator, images; a page control's
 * `when`; the page's other controls always. The ablation's variants set the proximals themselves.
 */
export function inScope(control, settings) {
  const { scope, when } = control;
  if (when) return when(settings);
  if (ablating(settings) && ABLATED_KEYS.includes(control.key)) return false;
  if (!scope) return true;
  const model = settings.mode === 'generator' ? scope.generator : scope.flow.includes(settings.terminal);
  return model && (scope.images || !isImages(settings));
}

/** The full preset config of the settings' preset, mode, terminal cost, data set and dimension. */
function presetOf(settings) {
  return presetConfig(settings.mode || 'flow', settings.terminal || 'critic', settings.dataset || 'pinwheel', settings.dim || 2, settings.preset || 'standard');
}

/** The TrainConfig of the settings: their preset (networks and pools included), then every control. */
export async function configOf(controls, settings) {
  const config = await presetOf(settings);
  for (const { key, kind } of controls) if (kind !== 'page' && key in settings) config[key] = settings[key];
  if (settings.points) config.points = settings.points;
  return config;
}

/**
 * What a change of `changed` (one of PRESET_KEYS, or null for the URL's settings) from the
 * settings `before` to `settings` brings: every setting of the preset when the preset itself
 * changed, and for MNIST (leaving MNIST returns to the plane); otherwise the preset's λ, c_GP and
 * learning rate, and every other setting on which the presets before and after differ (such as
 * the OT-terminal flow's dual step and its average of U), so that the person's other edits stay.
 */
export async function presetChange(controls, before, settings, changed) {
  const leavingImages = !isImages(settings) && settings.dim > 64;
  const config = await presetOf({ ...settings, dim: leavingImages ? 2 : settings.dim });
  const presetSettings = controls.filter((control) => control.kind !== 'page' && !PRESET_KEYS.includes(control.key));
  if (changed === 'preset' || isImages(settings) || leavingImages) {
    const all = {};
    for (const { key } of presetSettings) all[key] = config[key];
    return { ...all, dim: config.dim };
  }
  const previous = await presetOf(before);
  const brought = { lambda: config.lambda, gradient_penalty: config.gradient_penalty, generator_learning_rate: config.generator_learning_rate };
  for (const { key } of presetSettings) {
    if (JSON.stringify(previous[key]) !== JSON.stringify(config[key])) brought[key] = config[key];
  }
  return brought;
}

/** The page's settings for a loaded model's configuration: its every control, its points. */
export function settingsOfConfig(controls, settings, config) {
  const loaded = { ...settings };
  for (const { key, kind } of controls) if (kind !== 'page' && key in config) loaded[key] = config[key];
  if (config.points) loaded.points = config.points;
  else delete loaded.points;
  return loaded;
}
