// Every answer the library kept for the open story, newest first, filtered by operation,
// chapter and rater: "what did the pacing editor say about chapter 12 last week?" Each shows
// when it came, which version of the story it read, and what it said.
import { fill, h, narrowField } from './dom.mjs';
import { describeAnswer, operationNames } from './library-words.mjs';

export class AnswersView {
  /** `api`: a LibraryApi; `session`: the LibrarySession. */
  constructor(container, { api, session }) {
    this.api = api;
    this.session = session;
    this.operation = h('select', { id: 'answers-operation' },
      h('option', { value: '' }, 'Every kind'),
      Object.entries(operationNames).map(([value, label]) => h('option', { value }, label)));
    this.chapter = h('input', { type: 'number', id: 'answers-chapter', min: 0, step: 1 });
    this.rater = h('input', { type: 'text', id: 'answers-rater', placeholder: 'Pacing editor' });
    this.status = h('p', { id: 'answers-status', class: 'hint', role: 'status', 'aria-live': 'polite' });
    this.list = h('ol', { id: 'answers', class: 'answers' });
    fill(container,
      h('h2', {}, 'Answers'),
      h('form', { class: 'answers-filter', onSubmit: (event) => {
        event.preventDefault();
        this.refresh();
      } },
      h('div', { class: 'diff-fields' },
        narrowField('answers-operation', 'Kind', this.operation),
        narrowField('answers-chapter', 'Chapter', this.chapter),
        narrowField('answers-rater', 'Rater or character', this.rater),
        h('button', { type: 'submit', id: 'answers-filter' }, 'Show'))),
      this.status,
      this.list);
  }

  async refresh() {
    const id = this.session.openId;
    if (!id) return;
    try {
      const answers = await this.api.answers(id, {
        operation: this.operation.value, chapter: this.chapter.value.trim(), rater: this.rater.value.trim(),
      });
      if (this.session.openId !== id) return;
      this.status.textContent = answers.length
        ? `${answers.length} answer${answers.length === 1 ? '' : 's'}, newest first.`
        : 'No answers kept for this story yet (or none that match). Answers to the raters and the chapter tools are kept here.';
      fill(this.list, answers.map((answer) => {
        const { heading, details, lines } = describeAnswer(answer);
        return h('li', { class: 'answer', 'data-operation': answer.operation, 'data-version': String(answer.version) },
          h('p', { class: 'answer-head' }, h('strong', {}, heading)),
          h('p', { class: 'hint answer-details' }, details),
          lines.length ? h('ul', { class: 'answer-lines' }, lines.map((line) => h('li', {}, line))) : null);
      }));
    } catch (error) {
      this.status.textContent = `The answers could not be read: ${error.message}`;
    }
  }
}
