// The control panel, built from the state table (state.js controlsOf).

import { inScope } from './settings.js';

/** The headings of the control groups (Rust config::controls::Group, and the page's own), in order. */
const GROUPS = [['run', 'run'], ['data', 'data'], ['method', 'method'], ['optimisation', 'optimisation'], ['paper-b', 'paper B: the OT cost']];

/**
 * Builds `controls` into `container` under their groups' headings, the advanced ones folded,
 * but those the URL hides, those the run does not read (settings.js inScope) and those set only
 * in the URL; `onChange(key, value, control)` on every edit. A number's tooltip gives its range.
 * Folds stay as the person left them when the panel is rebuilt.
 */
export function buildControls(container, controls, settings, onChange) {
  const unfolded = new Set([...container.querySelectorAll('details[open]')].map((d) => d.dataset.group));
  container.replaceChildren();
  for (const [group, heading] of GROUPS) {
    const shown = controls.filter((c) => c.group === group && c.type !== 'list' && !(settings.hide || []).includes(c.key) && inScope(c, settings));
    if (!shown.length) continue;
    const fieldset = document.createElement('fieldset');
    fieldset.dataset.testid = `group-${group}`;
    const legend = document.createElement('legend');
    legend.textContent = heading;
    fieldset.append(legend, ...shown.filter((c) => !c.advanced).map((c) => controlElement(c, settings, onChange)));
    const advanced = shown.filter((c) => c.advanced);
    if (advanced.length) {
      const details = document.createElement('details');
      details.dataset.group = group;
      details.open = unfolded.has(group);
      const summary = document.createElement('summary');
      summary.textContent = 'advanced';
      const folded = document.createElement('div');
      folded.className = 'control-row';
      folded.append(...advanced.map((c) => controlElement(c, settings, onChange)));
      details.append(summary, folded);
      fieldset.append(details);
    }
    container.append(fieldset);
  }
}

/** One control's label and input. */
function controlElement(control, settings, onChange) {
  const label = document.createElement('label');
  label.textContent = control.label;
  let input;
  if (control.type === 'select') {
    input = document.createElement('select');
    for (const option of control.options) input.append(new Option(option, option));
    input.value = settings[control.key];
  } else if (control.type === 'bool') {
    input = document.createElement('input');
    input.type = 'checkbox';
    input.checked = Boolean(settings[control.key]);
  } else {
    input = document.createElement('input');
    input.type = 'text';
    input.inputMode = 'decimal';
    input.value = String(settings[control.key]);
  }
  input.name = control.key;
  input.dataset.testid = `control-${control.key}`;
  input.addEventListener('change', () => {
    const value = control.type === 'bool' ? input.checked : control.type === 'select' ? input.value : Number(input.value);
    onChange(control.key, value, control);
  });
  const notes = [control.range_text, control.kind === 'on-reset' && 'changing this resets the run'];
  label.title = notes.filter(Boolean).join('; ');
  label.append(input);
  return label;
}
