// The page's state: one declarative table of controls. The same table builds the control panel,
// parses the URL hash and writes it back, so the URL cannot drift from the UI. The settings of a
// run, their ranges and whether they apply live come from the wasm module's control table
// (Rust config::controls, asked through the configuration worker); this file adds only what is
// the page's own. A value from the URL is checked by the module's validateConfig, and a bad
// value gets a message naming it and falls back to its default.

/** The page's panels, each an element with its name in `data-panel`; 'text' is every explanation. */
export const PANELS = ['readout', 'buttons', 'walkthrough', 'points', 'layers', 'critic', 'transport', 'speeds', 'manifold', 'curves', 'settings', 'text'];

/**
 * The page's controls from the module's table `{controls, presets, ablation}`. A control's kind is
 * 'live' (applies to the running run), 'on-reset' (a new run) or 'page' (the page's own, not a
 * TrainConfig field); type 'list' has no widget: it is set in the URL. A page control's `when`
 * says for which settings it applies.
 */
export function controlsOf(table) {
  const controls = [
    { key: 'preset', label: 'preset (paper: the papers’ settings on the data as they are; fast: a shape within seconds)', type: 'select', options: table.presets, kind: 'page', default: table.presets[0], group: 'run' },
    { key: 'start', label: 'start from (pretrained: the trained model shipped for the preset)', type: 'select', options: ['pretrained', 'scratch'], kind: 'page', default: 'pretrained', group: 'run' },
    ...table.controls.map(({ applies, ...control }) => ({ ...control, kind: applies })),
    { key: 'backend', label: 'backend', type: 'select', options: ['auto', 'webgpu', 'cpu'], kind: 'page', default: 'auto', group: 'run' },
    // Paper A's ablation side by side (ablation.js): the critic-terminal flow on a shape only.
    { key: 'compare', label: 'compare (ablation: W1⊕W2, W1 only, W2 only and neither side by side)', type: 'select', options: ['none', 'ablation'], kind: 'page', default: 'none', group: 'run', when: ablatable },
    { key: 'workers', label: 'variants training at once (auto: one a core)', type: 'select', options: ['auto', '1', '2', '4'], kind: 'page', default: 'auto', group: 'run', when: ablating },
  ];
  // Teacher mode (as TF Playground's): `#hide=curves,settings,lambda` hides panels and controls.
  controls.push({ key: 'hide', label: 'hidden panels and controls', type: 'list', options: [...PANELS, ...controls.map((c) => c.key)], kind: 'page', default: [] });
  return controls;
}

/** Whether the settings' run is one paper A's ablation applies to: the critic-terminal flow on a shape. */
export const ablatable = (settings) => settings.mode === 'flow' && settings.terminal === 'critic' && settings.dataset !== 'mnist';

/** Whether the page shows the ablation side by side (the ablation's variants set the proximals). */
export const ablating = (settings) => settings.compare === 'ablation' && ablatable(settings);

const parsers = {
  int: (text) => (/^-?\d+$/.test(text) ? Number(text) : NaN),
  float: (text) => (text.trim() === '' ? NaN : Number(text)),
  bool: (text) => (text === 'true' ? true : text === 'false' ? false : undefined),
  select: (text) => text,
  list: (text) => text.split(',').map((item) => item.trim()).filter(Boolean),
};

/** Reads the hash into { values, problems }: values holds only the keys that parsed. */
export function parseHash(controls, hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const values = {};
  const problems = [];
  for (const [key, text] of params) {
    const control = controls.find((c) => c.key === key);
    if (!control) {
      problems.push(`unknown setting “${key}” in the URL was ignored`);
      continue;
    }
    let value = parsers[control.type](text);
    if (control.type === 'list') {
      const unknown = value.filter((item) => !control.options.includes(item));
      if (unknown.length) problems.push(`${control.label} (“${key}”): ${unknown.map((u) => `“${u}”`).join(', ')} is not a panel or a setting; ignored`);
      value = value.filter((item) => control.options.includes(item));
    }
    const badSelect = control.type === 'select' && !control.options.includes(value);
    if (value === undefined || Number.isNaN(value) || badSelect) {
      problems.push(`${control.label} (“${key}”): “${text}” is not valid; using the default`);
      continue;
    }
    values[key] = value;
  }
  return { values, problems };
}

/** The hash for the current settings: only what differs from the defaults. */
export function toHash(controls, settings, defaults) {
  const params = new URLSearchParams();
  for (const control of controls) {
    const value = settings[control.key];
    const fallback = control.kind === 'page' ? control.default : defaults[control.key];
    if (value !== undefined && String(value) !== String(fallback)) params.set(control.key, String(value));
  }
  return params.toString();
}

/**
 * Resolves URL values against the defaults, asking the async `validate` (the wasm
 * validateConfig) about each config value: one that fails falls back to its default with the
 * error as the message.
 */
export async function resolveSettings(controls, urlValues, defaults, validate) {
  const problems = [];
  const settings = { ...defaults };
  for (const control of controls) if (control.kind === 'page') settings[control.key] = control.default;
  for (const control of controls) {
    if (!(control.key in urlValues)) continue;
    const value = urlValues[control.key];
    if (control.kind === 'page' || control.key === 'dataset') {
      settings[control.key] = value;
      continue;
    }
    try {
      await validate({ ...settings, [control.key]: value });
      settings[control.key] = value;
    } catch (error) {
      problems.push(`${control.label} (“${control.key}”): ${error.message}; using the default ${defaults[control.key]}`);
    }
  }
  return { settings, problems };
}
