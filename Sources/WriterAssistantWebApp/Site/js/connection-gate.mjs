// Browsers open at most six HTTP/1.1 connections to one origin and stall the rest without a
// word. Streams take a permit from this gate first, so extra raters wait visibly in line and a
// connection always stays free for the page's own requests.

export class ConnectionGate {
  #available;
  #waiting = [];

  constructor(limit) {
    this.#available = limit;
  }

  get waiting() {
    return this.#waiting.length;
  }

  /** Resolves once a connection is free; rejects with the signal's reason if it aborts first. */
  acquire(signal) {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#available > 0) {
      this.#available -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject, signal, onAbort: null };
      waiter.onAbort = () => {
        this.#waiting = this.#waiting.filter((other) => other !== waiter);
        reject(signal.reason);
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  release() {
    const next = this.#waiting.shift();
    if (next) {
      next.signal?.removeEventListener('abort', next.onAbort);
      next.resolve();
    } else {
      this.#available += 1;
    }
  }
}
