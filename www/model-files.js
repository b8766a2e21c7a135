// The page's "save model" button and "load model" file control: a model file (src/model_file/)
// holds the configuration, weights, Adam state, iteration and random streams, so a run saved
// here goes on in `w1w2 train --init`, and one saved by `w1w2 train --save` goes on here.

const $ = (id) => document.getElementById(id);

/** The largest file the page reads (the MNIST preset's model is about 10 MB). */
const MAX_BYTES = 100e6;

/**
 * Wires the controls to `save()` (resolves to the bytes) and `load(bytes)` (rejects with the
 * reason a file is refused); `fileName()` names a download.
 */
export function wireModelFiles({ save, load, fileName, showProblems, setStatus }) {
  $('save-model').addEventListener('click', async () => {
    try {
      const bytes = await save();
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
      link.download = fileName();
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 0);
    } catch (error) {
      showProblems([`the model could not be saved: ${error.message}`]);
    }
  });
  $('load-model').addEventListener('change', async (event) => {
    const file = event.target.files[0];
    event.target.value = '';
    if (!file) return;
    try {
      if (file.size > MAX_BYTES) throw new Error(`the file is ${(file.size / 1e6).toFixed(0)} MB; a model file is at most ${MAX_BYTES / 1e6} MB`);
      const metrics = await load(new Uint8Array(await file.arrayBuffer()));
      showProblems([]);
      setStatus(`loaded ${file.name} at iteration ${metrics.iteration}: press play to go on training`);
    } catch (error) {
      showProblems([`${file.name} was not loaded, the model as it was goes on: ${error.message}`]);
    }
  });
}
