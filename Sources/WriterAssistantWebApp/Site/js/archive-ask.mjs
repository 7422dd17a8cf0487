// "Ask your stories": a question about the writer's whole library, answered by the server from the
// passages of their stories that bear on it, each citation checked there word for word. A
// citation opens its story at its chapter with its words selected. Follow-up questions continue
// the conversation (kept on this page only) until the writer starts a new one.
import { ApiError, operations, streamOperation } from './api.mjs';
import { fill, h } from './dom.mjs';

/** Most turns the server takes; the latest are sent, whole questions with their answers. */
export const mostTurns = 40;

/** The conversation as the server takes it: the latest `mostTurns` turns, oldest first. */
export function conversationMessages(turns) {
  return turns.slice(-Math.floor(mostTurns / 2))
    .flatMap((turn) => [{ role: 'user', content: turn.question }, { role: 'assistant', content: turn.answer }]);
}

export class ArchiveAsk {
  /**
   * `openCitation(citation)` opens a citation's story at its words; `stream` streams an operation
   * (tests give a fake one).
   */
  constructor(container, { openCitation, stream = streamOperation }) {
    this.openCitation = openCitation;
    this.stream = stream;
    /** Questions answered so far, oldest first: `{ question, answer }`. */
    this.turns = [];
    this.controller = null;
    this.question = h('textarea', {
      id: 'archive-question', rows: 2, maxlength: 2000, placeholder: 'What did Mara promise her brother?', 'aria-describedby': 'archive-hint',
      onKeydown: (event) => {
        if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          this.ask();
        }
      },
    });
    this.askButton = h('button', { type: 'submit', id: 'archive-ask' }, 'Ask');
    this.cancelButton = h('button', { type: 'button', id: 'archive-cancel', class: 'quiet', hidden: true, onClick: () => this.cancel() }, 'Cancel');
    this.newButton = h('button', { type: 'button', id: 'archive-new', class: 'quiet', hidden: true, onClick: () => this.reset() }, 'New conversation');
    this.status = h('p', { id: 'archive-status', class: 'hint', role: 'status', 'aria-live': 'polite' });
    this.conversation = h('ol', { id: 'archive-conversation', class: 'archive-conversation', 'aria-label': 'Questions and answers' });
    fill(container,
      h('form', { class: 'archive-form', onSubmit: (event) => {
        event.preventDefault();
        this.ask();
      } },
      h('label', { for: 'archive-question' }, 'Ask your stories'),
      h('p', { class: 'hint', id: 'archive-hint' }, 'Answered from the passages of your stories that bear on the question, each one cited.'),
      this.question,
      h('div', { class: 'row' }, this.askButton, this.cancelButton, this.newButton)),
      this.status,
      this.conversation);
  }

  get running() {
    return this.controller !== null;
  }

  async ask() {
    const question = this.question.value.trim();
    if (this.running) return;
    if (question === '') {
      this.status.textContent = 'Type a question first.';
      return;
    }
    const messages = conversationMessages(this.turns);
    const entry = h('li', { class: 'archive-turn', 'aria-busy': 'true' }, h('p', { class: 'archive-asked' }, question));
    this.conversation.append(entry);
    const controller = new AbortController();
    this.#setRunning(controller);
    try {
      let result = null;
      for await (const event of this.stream(operations.askArchive, { question, messages }, { signal: controller.signal, tokens: false })) {
        if (event.type === 'status') this.status.textContent = event.message ?? '';
        if (event.type === 'error') throw new ApiError(event.error_code ?? 'HTTP_ERROR', event.message ?? '');
        if (event.type === 'result') result = event.data;
      }
      if (!result) throw new ApiError('STREAM_ENDED', 'The connection closed before the answer was complete.');
      this.turns.push({ question, answer: String(result.answer ?? '') });
      entry.append(...this.#answerNodes(result));
      this.question.value = '';
      this.status.textContent = result.passagesRead ? 'Answered. Ask a follow-up, or start a new conversation.' : '';
    } catch (error) {
      // A question not answered is not part of the conversation the next one continues.
      entry.remove();
      this.status.textContent = controller.signal.aborted ? 'Cancelled.' : `The question could not be answered: ${error.message}`;
    } finally {
      entry.removeAttribute('aria-busy');
      this.#setRunning(null);
      // The button that had the focus was disabled or hidden: the next question is typed here.
      this.question.focus();
    }
  }

  cancel() {
    this.controller?.abort();
  }

  /** Forgets the conversation: the next question starts a new one. */
  reset() {
    this.cancel();
    this.turns = [];
    this.conversation.replaceChildren();
    this.status.textContent = '';
    this.newButton.hidden = true;
  }

  #setRunning(controller) {
    this.controller = controller;
    this.askButton.disabled = controller !== null;
    this.cancelButton.hidden = controller === null;
    this.newButton.hidden = controller !== null || this.turns.length === 0;
  }

  #answerNodes(result) {
    const citations = Array.isArray(result.citations) ? result.citations : [];
    const nodes = [h('p', { class: 'archive-answer' }, String(result.answer ?? ''))];
    if (citations.length) {
      nodes.push(h('ol', { class: 'archive-citations' }, citations.map((citation) => h('li', { class: 'archive-citation' },
        h('button', { type: 'button', class: 'archive-open', 'data-story-id': citation.storyId, 'data-chapter': citation.chapter,
          onClick: () => this.openCitation(citation) },
        `${citation.title}, chapter ${citation.chapter}, paragraph ${citation.paragraph}`),
        h('q', {}, String(citation.text ?? ''))))));
    }
    if (result.unverifiedCitations) {
      const count = result.unverifiedCitations;
      nodes.push(h('p', { class: 'hint' }, `${count} quote${count === 1 ? ' was' : 's were'} not one of the passages' sentences, left out.`));
    }
    return nodes;
  }
}
