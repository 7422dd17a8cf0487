// One rater's card: its live phase and progress, the answer as it is written, then the opinion
// and numbered suggestions — or what went wrong, in words, with the server's code.
import { previewAnswer } from './answer-preview.mjs';
import { fill, h } from './dom.mjs';
import { describeMetadata, explainError, phaseLabels } from './messages.mjs';

const finishedStates = ['complete', 'failed', 'cancelled'];

export class FeedbackCard {
  constructor(rater, { onCancel, onRetry }) {
    this.rater = rater;
    this.answer = '';
    this.phaseLabel = h('span', { class: 'phase', role: 'status' });
    this.progress = h('progress', { max: 100, value: 0, 'aria-label': `${rater.name} progress` });
    this.message = h('p', { class: 'message' });
    this.body = h('div', { class: 'card-body' });
    this.cancelButton = h('button', { type: 'button', class: 'quiet', onClick: onCancel }, 'Cancel');
    this.retryButton = h('button', { type: 'button', class: 'quiet', hidden: true, onClick: onRetry }, 'Run again');
    this.element = h('article', { class: 'card', 'data-rater-id': rater.id, 'data-state': 'queued', 'aria-label': rater.name },
      h('header', { class: 'card-head' },
        h('h3', {}, rater.name),
        this.phaseLabel,
        h('div', { class: 'card-actions' }, this.cancelButton, this.retryButton)),
      this.progress,
      this.message,
      this.body);
    this.setQueued();
  }

  setQueued() {
    this.answer = '';
    this.body.replaceChildren();
    this.#setState('queued', 0, 'Every connection is in use; this rater starts when one is free.');
  }

  setConnecting() {
    this.#setState('connecting', 0, '');
  }

  setPhase(phase, message, progress) {
    this.#setState(phase, progress, message);
  }

  appendToken(text) {
    this.answer += text;
    const preview = previewAnswer(this.answer);
    if (!preview.opinion && preview.suggestions.length === 0) return;
    fill(this.body, feedbackContent(preview, true));
  }

  showResult(result) {
    this.#setState('complete', 100, describeMetadata(result.context_metadata));
    fill(this.body, feedbackContent(result.feedback, false));
  }

  showError(code, detail) {
    this.#setState('failed', Number(this.progress.value), '');
    this.body.replaceChildren(h('div', { class: 'error', role: 'alert' },
      h('p', {}, explainError(code)),
      h('p', { class: 'error-detail' }, detail ? `${detail} ` : '', h('code', {}, code))));
  }

  showCancelled() {
    this.#setState('cancelled', Number(this.progress.value), 'Cancelled; the server stopped working on it.');
  }

  #setState(state, progress, message) {
    const finished = finishedStates.includes(state);
    this.element.dataset.state = state;
    this.phaseLabel.textContent = phaseLabels[state] ?? state;
    this.progress.value = Math.max(0, Math.min(100, progress));
    this.progress.setAttribute('aria-valuetext', `${phaseLabels[state] ?? state}, ${Math.round(this.progress.value)} percent`);
    this.message.textContent = message;
    this.cancelButton.hidden = finished;
    this.retryButton.hidden = !finished;
  }
}

function feedbackContent(feedback, writing) {
  return [
    feedback.opinion ? h('p', { class: 'opinion' }, feedback.opinion) : null,
    feedback.suggestions.length
      ? h('ol', { class: 'suggestions' }, feedback.suggestions.map((suggestion) => h('li', {}, suggestion)))
      : null,
    writing ? h('span', { class: 'cursor', 'aria-hidden': 'true' }) : null,
  ];
}
