// The page's typed client of the training worker (worker.js): it starts the worker, sends its
// messages and routes what comes back. A request ({type, ...} with an id) settles with its reply;
// every other message goes to the page's handlers. The messages are listed in worker.js.

export class TrainingWorker {
  /**
   * Starts a worker; `handlers` receive its unrequested messages: onReady(message),
   * onSnapshot(message), onFailure(text, {diverged}) (a diverged run or an error: every
   * request still waiting is rejected first). `instrument` loads the GPU counters and test hooks
   * (www/instrument.js) into the worker.
   */
  constructor(handlers, { instrument = false } = {}) {
    const url = new URL('./worker.js', import.meta.url);
    if (instrument) url.searchParams.set('instrument', '');
    this.handlers = handlers;
    this.pending = new Map();
    this.nextId = 1;
    this.worker = new Worker(url, { type: 'module' });
    this.worker.onmessage = (event) => this.receive(event.data);
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.fail(`the training worker stopped: ${event.message || 'unknown error'}`);
    };
  }

  /** Sends a message that has no reply. */
  post(message) {
    this.worker.postMessage(message);
  }

  /** Sends `message` with an id; resolves with its reply's message, or rejects with the reason. */
  request(message) {
    const id = this.nextId++;
    const reply = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.worker.postMessage({ ...message, id });
    return reply;
  }

  /** Stops the worker; requests still waiting reject with `reason`. */
  terminate(reason = 'the run was reset') {
    this.worker.terminate();
    this.rejectAll(reason);
  }

  rejectAll(reason) {
    for (const { reject } of this.pending.values()) reject(new Error(reason));
    this.pending.clear();
  }

  fail(text, diverged = false) {
    this.rejectAll(text);
    this.handlers.onFailure(text, { diverged });
  }

  settle(id, settle) {
    const waiting = this.pending.get(id);
    this.pending.delete(id);
    if (waiting) settle(waiting);
  }

  receive(message) {
    switch (message.type) {
      case 'ready':
        this.handlers.onReady(message);
        break;
      case 'snapshot':
        this.handlers.onSnapshot(message);
        break;
      case 'stepped':
      case 'walked':
      case 'saved':
      case 'loaded':
        this.settle(message.id, ({ resolve }) => resolve(message));
        break;
      case 'refused':
        this.settle(message.id, ({ reject }) => reject(new Error(message.message)));
        break;
      case 'diverged':
        this.fail(message.message, true);
        break;
      case 'error':
        this.fail(message.message);
        break;
      default:
        this.fail(`the training worker sent an unknown message “${message.type}”`);
    }
  }
}
