// One run of an operation shown as a card, like a rater's: its live phase and progress, the
// answer as it is written, then the result with Keep and Discard — or what went wrong, in words,
// with the server's code. Cancelling aborts the request, so the server stops writing.
import { ApiError, runOperation } from './api.mjs';
import { fill, h } from './dom.mjs';
import { describeMetadata, explainError, workspacePhaseLabels } from './messages.mjs';

const finishedStates = ['complete', 'failed', 'cancelled', 'kept'];

export class JobPanel {
  /**
   * Element ids start with `idPrefix`: `-result` (the card, whose `data-job` is the operation
   * and `data-state` its state), `-heading`, `-output`, `-cancel`, `-keep`, `-discard`.
   * `onFinished` is called after every run, however it ended. `undo` (the page's UndoOffers)
   * records what a Keep did, when the job says how to undo it; the card then offers Undo.
   * `prepare(body, job)`, when given, makes the body that is sent (on a story kept in the
   * library: the story's id in place of the story).
   */
  constructor({ idPrefix, gate, onFinished, undo, prepare }) {
    this.gate = gate;
    this.prepare = prepare;
    this.onFinished = onFinished;
    this.undoService = undo;
    this.keptEntry = null; // the undo history's entry of the answer this card kept
    this.controller = null;
    this.job = null;
    this.result = null;
    this.title = h('h3', { id: `${idPrefix}-heading` });
    this.phaseLabel = h('span', { class: 'phase', role: 'status' });
    this.progress = h('progress', { max: 100, value: 0, 'aria-label': 'Progress' });
    this.message = h('p', { class: 'message' });
    this.output = h('div', { id: `${idPrefix}-output`, class: 'card-body' });
    this.cancelButton = h('button', { type: 'button', id: `${idPrefix}-cancel`, class: 'quiet', onClick: () => this.cancel() }, 'Cancel');
    this.keepButton = h('button', { type: 'button', id: `${idPrefix}-keep`, class: 'primary', hidden: true, onClick: () => this.#keep() }, 'Keep');
    this.discardButton = h('button', { type: 'button', id: `${idPrefix}-discard`, class: 'quiet', hidden: true, onClick: () => this.close() }, 'Discard');
    this.undoButton = h('button', { type: 'button', id: `${idPrefix}-undo`, hidden: true, onClick: () => this.#undo() }, 'Undo');
    this.keepHint = h('span', { class: 'run-hint', role: 'alert' });
    this.undoNote = h('span', { class: 'save-status', role: 'status' });
    this.element = h('section', { id: `${idPrefix}-result`, class: 'card job', hidden: true, 'aria-labelledby': `${idPrefix}-heading`, 'data-state': '' },
      h('header', { class: 'card-head' },
        this.title,
        this.phaseLabel,
        h('div', { class: 'card-actions' }, this.cancelButton)),
      this.progress,
      this.message,
      this.output,
      h('div', { class: 'actions job-actions' }, this.keepButton, this.undoButton, this.discardButton, this.keepHint, this.undoNote));
  }

  get running() {
    return this.controller !== null;
  }

  /**
   * Runs `job` and shows it:
   * - `operation`, `body`: what to ask the server; `chapter`: the number of the chapter it is about;
   * - `title`: the card's heading;
   * - `preview(answerSoFar)`: nodes showing the answer being written (token text), or null;
   * - `show(result)`: nodes showing the result; `summary(result)`: words before the timings;
   * - `keepLabel`, `keep(result)`: when given, a Keep button that calls it; it returns what to say
   *   once kept — or `{ message, undo: { label, undo } }` to make the keep undoable (see
   *   UndoHistory.record) — or throws an Error whose message says why it could not be kept;
   * - `keepable(result)`: false when the result may not be kept at all (the Keep button is left out);
   * - `truncatedNote`: what an answer cut off at the token limit lost.
   * Resolves with the result, or null when the run failed or was cancelled.
   */
  async run(job) {
    this.cancel();
    const controller = new AbortController();
    this.controller = controller;
    this.job = job;
    this.result = null;
    this.keptEntry = null;
    this.answer = '';
    delete this.element.dataset.round;
    this.element.dataset.job = job.operation;
    this.element.hidden = false;
    this.title.textContent = job.title;
    this.progress.setAttribute('aria-label', `${job.title}: progress`);
    this.output.replaceChildren();
    this.keepHint.textContent = '';
    this.undoNote.textContent = '';
    this.#setState('queued', 0, 'Every connection is in use; this starts when one is free.');
    this.element.scrollIntoView?.({ block: 'nearest' });
    try {
      await this.gate.acquire(controller.signal);
      try {
        this.#setState('connecting', 0, '');
        const body = this.prepare ? await this.prepare(job.body, job) : job.body;
        const result = await runOperation(job.operation, body, {
          signal: controller.signal,
          onEvent: (event) => {
            if (this.controller !== controller) return;
            if (event.type === 'status' && event.phase !== 'complete') {
              // A later round of revise-until-done writes its chapter anew: its preview starts over.
              if (event.round?.step === 'revising' && event.round.number > 1) {
                this.answer = '';
                this.output.replaceChildren();
              }
              this.#setState(event.phase, event.progress, event.message);
              if (event.round) this.element.dataset.round = `${event.round.number}/${event.round.maxRounds} ${event.round.step}`;
            }
            else if (event.type === 'token') this.#appendToken(event.text ?? '');
          },
        });
        if (this.controller !== controller) return null;
        this.result = result;
        const summary = job.summary?.(result);
        const metadata = describeMetadata(result?.context_metadata, job.truncatedNote ? { truncatedNote: job.truncatedNote } : {});
        this.completeMessage = [summary, metadata].filter(Boolean).join(' \u00b7 ');
        this.#setState('complete', 100, this.completeMessage);
        fill(this.output, job.show(result));
        return result;
      } finally {
        this.gate.release();
      }
    } catch (error) {
      if (this.controller !== controller) return null;
      if (controller.signal.aborted) this.#setState('cancelled', Number(this.progress.value), 'Cancelled; the server stopped working on it.');
      else if (error instanceof ApiError) this.#showError(error.code, error.message);
      else this.#showError('HTTP_ERROR', String(error?.message ?? error));
      return null;
    } finally {
      if (this.controller === controller) this.controller = null;
      this.#updateButtons();
      this.onFinished?.();
    }
  }

  /** Stops the running request, if any (the card then says it was cancelled). */
  cancel() {
    this.controller?.abort();
  }

  /** Cancels whatever runs and hides the card. */
  close() {
    const controller = this.controller;
    this.controller = null;
    controller?.abort();
    this.job = null;
    this.result = null;
    this.keptEntry = null;
    this.element.hidden = true;
    this.element.dataset.state = '';
    this.output.replaceChildren();
    this.#updateButtons();
  }

  #appendToken(text) {
    this.answer += text;
    const preview = this.job.preview?.(this.answer);
    if (!preview) return;
    fill(this.output, preview, h('span', { class: 'cursor', 'aria-hidden': 'true' }));
  }

  #keep() {
    if (!this.job?.keep || this.element.dataset.state !== 'complete' || this.job.keepable?.(this.result) === false) return;
    let kept;
    try {
      kept = this.job.keep(this.result);
    } catch (error) {
      this.keepHint.textContent = error.message;
      return;
    }
    const message = (typeof kept === 'string' ? kept : kept?.message) ?? 'Kept.';
    this.keepHint.textContent = '';
    this.undoNote.textContent = '';
    if (kept?.undo && this.undoService) {
      const entry = this.undoService.record({
        ...kept.undo,
        // Undone from here or by Ctrl+Z: the answer can be kept again.
        onUndone: (said) => {
          if (this.keptEntry !== entry) return;
          this.keptEntry = null;
          this.#setState('complete', 100, this.completeMessage);
          this.undoNote.textContent = said;
        },
      });
      this.keptEntry = entry;
    }
    this.#setState('kept', 100, message);
  }

  #undo() {
    if (!this.keptEntry) return;
    const { done, message } = this.undoService.undo(this.keptEntry);
    this.keepHint.textContent = done ? '' : message;
  }

  #showError(code, detail) {
    this.#setState('failed', Number(this.progress.value), '');
    this.output.replaceChildren(h('div', { class: 'error', role: 'alert' },
      h('p', {}, explainError(code, 'workspace')),
      h('p', { class: 'error-detail' }, detail ? `${detail} ` : '', h('code', {}, code))));
  }

  #setState(state, progress, message) {
    this.element.dataset.state = state;
    const label = state === 'kept' ? 'Kept' : workspacePhaseLabels[state] ?? state;
    this.phaseLabel.textContent = label;
    this.progress.value = Math.max(0, Math.min(100, Number(progress) || 0));
    this.progress.setAttribute('aria-valuetext', `${label}, ${Math.round(this.progress.value)} percent`);
    this.message.textContent = message ?? '';
    this.#updateButtons();
  }

  #updateButtons() {
    const state = this.element.dataset.state;
    const finished = finishedStates.includes(state);
    const keepable = state === 'complete' && Boolean(this.job?.keep) && (this.job.keepable?.(this.result) ?? true);
    this.cancelButton.hidden = finished || !this.controller;
    this.keepButton.hidden = !keepable;
    this.keepButton.textContent = this.job?.keepLabel ?? 'Keep';
    this.undoButton.hidden = state !== 'kept' || !this.keptEntry;
    this.discardButton.hidden = !finished;
    this.discardButton.textContent = keepable ? 'Discard' : 'Close';
  }
}
