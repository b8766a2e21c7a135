// The page's state: one declarative table of controls. The same table builds the control panel,
// parses the URL hash and writes it back, so the URL cannot drift from the UI. Limits live in
// one place, the Rust TrainConfig: a value from the URL is checked by the wasm module's
// validateConfig (in the configuration worker), and a bad value gets a message naming it and
// falls back to its default.

export const DATASETS = ['pinwheel', 'moons', '8gaussians', 'circles', 'swissroll', '2spirals', 'checkerboard', 'mnist'];

/** The page's panels, each an element with its name in `data-panel`; 'text' is every explanation. */
export const PANELS = ['readout', 'buttons', 'walkthrough', 'points', 'layers', 'critic', 'transport', 'speeds', 'manifold', 'curves', 'settings', 'text'];

// kind: 'config' (a TrainConfig field: needs a reset), 'live' (a TrainConfig field that applies
// to a running session), 'page' (the page only). type 'list' has no widget: it is set in the URL.
export const CONTROLS = [
  { key: 'preset', label: 'preset (paper: the papers’ settings on the data as they are; fast: a shape within seconds)', type: 'select', options: ['standard', 'paper', 'fast'], kind: 'page', default: 'standard' },
  { key: 'start', label: 'start from (pretrained: the trained model shipped for the preset)', type: 'select', options: ['pretrained', 'scratch'], kind: 'page', default: 'pretrained' },
  { key: 'mode', label: 'model', type: 'select', options: ['flow', 'generator'], kind: 'config' },
  { key: 'terminal', label: 'terminal cost', type: 'select', options: ['critic', 'ot'], kind: 'config' },
  { key: 'dataset', label: 'data set', type: 'select', options: DATASETS, kind: 'config' },
  { key: 'dim', label: 'dimension d', type: 'int', kind: 'config' },
  { key: 'standardise', label: 'standardise the data (off: the paper’s scale)', type: 'bool', kind: 'config' },
  { key: 'zero_initial_potential', label: 'U starts at zero (the flow starts at rest)', type: 'bool', kind: 'config' },
  { key: 'w1_proximal', label: 'W1 proximal (gradient penalty)', type: 'bool', kind: 'config' },
  { key: 'w2_proximal', label: 'W2 proximal (kinetic energy)', type: 'bool', kind: 'config' },
  { key: 'divergence', label: 'divergence', type: 'select', options: ['kl', 'w1', 'alpha:2', 'reverse-kl', 'js'], kind: 'config' },
  { key: 'lambda', label: 'λ (kinetic weight)', type: 'float', kind: 'live' },
  { key: 'lipschitz', label: 'L (Lipschitz bound)', type: 'float', kind: 'live' },
  { key: 'gradient_penalty', label: 'gradient-penalty weight', type: 'float', kind: 'live' },
  { key: 't_final', label: 'T', type: 'float', kind: 'config' },
  { key: 'steps', label: 'K (Euler steps)', type: 'int', kind: 'config' },
  { key: 'potential_learning_rate', label: 'learning rate of U (or g)', type: 'float', kind: 'live' },
  { key: 'critic_learning_rate', label: 'learning rate of φ', type: 'float', kind: 'live' },
  { key: 'critic_steps', label: 'critic steps', type: 'int', kind: 'config' },
  { key: 'batch_size', label: 'batch size', type: 'int', kind: 'config' },
  { key: 'ot_lambda', label: 'λ of the OT cost', type: 'float', kind: 'live' },
  { key: 'ot_step', label: 'dual step C', type: 'float', kind: 'live' },
  { key: 'ot_dual_steps', label: 'dual steps Nψ', type: 'int', kind: 'config' },
  { key: 'ot_points', label: 'data points J', type: 'int', kind: 'config' },
  { key: 'seed', label: 'seed', type: 'int', kind: 'config' },
  { key: 'backend', label: 'backend', type: 'select', options: ['auto', 'webgpu', 'cpu'], kind: 'page', default: 'auto' },
];
// Teacher mode (as TF Playground's): `#hide=curves,settings,lambda` hides panels and controls.
CONTROLS.push({ key: 'hide', label: 'hidden panels and controls', type: 'list', options: [...PANELS, ...CONTROLS.map((c) => c.key)], kind: 'page', default: [] });

const parsers = {
  int: (text) => (/^-?\d+$/.test(text) ? Number(text) : NaN),
  float: (text) => (text.trim() === '' ? NaN : Number(text)),
  bool: (text) => (text === 'true' ? true : text === 'false' ? false : undefined),
  select: (text) => text,
  list: (text) => text.split(',').map((item) => item.trim()).filter(Boolean),
};

/** Reads the hash into { values, problems }: values holds only the keys that parsed. */
export function parseHash(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const values = {};
  const problems = [];
  for (const [key, text] of params) {
    const control = CONTROLS.find((c) => c.key === key);
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
export function toHash(settings, defaults) {
  const params = new URLSearchParams();
  for (const control of CONTROLS) {
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
export async function resolveSettings(urlValues, defaults, validate) {
  const problems = [];
  const settings = { ...defaults };
  for (const control of CONTROLS) if (control.kind === 'page') settings[control.key] = control.default;
  for (const control of CONTROLS) {
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
