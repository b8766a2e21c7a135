// The control panel, built from the state table (state.js controlsOf).

import { inScope } from './settings.js';

/**
 * Builds `controls` into `container`, but those the URL hides, those the run does not read
 * (settings.js inScope) and those set only in the URL; `onChange(key, value, control)` on every
 * edit. A number's tooltip gives its range.
 */
export function buildControls(container, controls, settings, onChange) {
  container.replaceChildren();
  for (const control of controls) {
    if (control.type === 'list' || (settings.hide || []).includes(control.key) || !inScope(control, settings)) continue;
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
    container.append(label);
  }
}
