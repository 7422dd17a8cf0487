// "Plan the chapters" under the story bible's plot outline: the model plans the chapters from the
// outline (every plot point in exactly one chapter, in order), each shown with a box to tick; Keep
// makes the ticked ones the bible's chapter plan, which every later request carries with the
// outline. Undo puts the plan before it back.
import { operations } from './api.mjs';
import { h } from './dom.mjs';
import { JobPanel } from './job-panel.mjs';
import { toStructuredContext } from './store.mjs';

export class OutlinePlanner {
  /**
   * `getBible()` gives the story bible as it is now; `onPlanChange()` is called when a keep (or
   * its undo) changed `plotContext.chapterPlan`; `undo`, `gate`, `prepareRequest` and
   * `onFinished` as for JobPanel.
   */
  constructor({ getBible, gate, onPlanChange, onFinished, undo, prepareRequest }) {
    this.getBible = getBible;
    this.onPlanChange = onPlanChange;
    this.ready = true;
    this.chapters = h('input', { id: 'outline-chapters', type: 'number', min: 1, max: 20, step: 1, placeholder: 'one per two plot points', 'aria-describedby': 'outline-chapters-hint' });
    this.button = h('button', { type: 'button', id: 'plan-chapters', onClick: () => this.plan() }, 'Plan the chapters');
    this.hint = h('span', { id: 'plan-chapters-hint', class: 'run-hint', role: 'alert' });
    this.panel = new JobPanel({ idPrefix: 'outlines', gate, undo, prepare: prepareRequest, onFinished: () => {
      this.#updateControls();
      onFinished?.();
    } });
    this.element = h('div', { class: 'outline-planner' },
      h('div', { class: 'field narrow' }, h('label', { for: 'outline-chapters' }, 'Chapters to plan'), this.chapters,
        h('p', { class: 'hint', id: 'outline-chapters-hint' }, '1 to 20, and no more than the outline has plot points.')),
      h('div', { class: 'actions' }, this.button, this.hint),
      this.panel.element);
  }

  setReady(ready) {
    this.ready = ready;
    this.#updateControls();
  }

  plan() {
    this.hint.textContent = '';
    if (!this.ready) {
      this.hint.textContent = 'The server has no model ready yet.';
      return;
    }
    if (this.panel.running) return;
    const bible = this.getBible();
    if (!bible.plotContext.plotOutline.trim()) {
      this.hint.textContent = 'Write the plot outline first: the chapters are planned from its plot points.';
      return;
    }
    const count = Number.parseInt(this.chapters.value, 10);
    if (this.chapters.value.trim() !== '' && !(count >= 1 && count <= 20)) {
      this.hint.textContent = 'Plan 1 to 20 chapters, or leave it empty for one per two plot points.';
      this.chapters.focus();
      return;
    }
    const ticks = new Map(); // result -> the checkbox of each of its chapters
    const boxes = (result) => {
      if (!ticks.has(result)) {
        ticks.set(result, result.outlines.map((outline, index) => h('input', { type: 'checkbox', id: `outline-keep-${index}`, checked: true })));
      }
      return ticks.get(result);
    };
    // A plan already kept is not sent: planning anew starts from the outline alone.
    const context = toStructuredContext(bible);
    if (context.plotContext) delete context.plotContext.chapterPlan;
    this.panel.run({
      operation: operations.generateChapterOutlines,
      body: { ...(Number.isInteger(count) ? { chapterCount: count } : {}), structured_context: context },
      title: 'A chapter plan',
      preview: () => h('p', { class: 'hint' }, 'Planning the chapters\u2026'),
      summary: (result) => `${result.outlines.length} chapter${result.outlines.length === 1 ? '' : 's'}`,
      show: (result) => h('ol', { class: 'chapter-outlines' }, result.outlines.map((outline, index) => {
        const box = boxes(result)[index];
        return h('li', { class: 'chapter-outline', 'data-number': String(outline.number) },
          h('label', { for: box.id }, box, ' ', h('strong', {}, `Chapter ${outline.number}: ${outline.title}`)),
          outline.summary ? h('p', {}, outline.summary) : h('p', { class: 'hint' }, 'No summary: the answer ended before this chapter.'),
          outline.characters.length ? h('p', { class: 'hint' }, `Characters: ${outline.characters.join(', ')}`) : null,
          h('ul', { class: 'plot-points' }, outline.plotPoints.map((point) => h('li', {}, point))));
      })),
      keepLabel: 'Keep the ticked chapters as the plan',
      keep: (result) => {
        const kept = result.outlines.filter((_, index) => boxes(result)[index].checked);
        if (kept.length === 0) throw new Error('Tick at least one chapter to keep.');
        const plot = this.getBible().plotContext;
        const previous = plot.chapterPlan ?? [];
        plot.chapterPlan = kept.map((outline) => ({ ...outline, characters: [...outline.characters], plotPoints: [...outline.plotPoints] }));
        const plan = plot.chapterPlan;
        this.onPlanChange();
        const left = result.outlines.length - kept.length;
        return {
          message: `The chapter plan now has ${kept.length} chapter${kept.length === 1 ? '' : 's'}`
            + (left ? `; the plot points of the ${left} left out are in none of them.` : '.'),
          undo: { label: 'the new chapter plan', undo: () => {
            const now = this.getBible().plotContext;
            if (now.chapterPlan !== plan) throw new Error('The chapter plan was changed since, so it stays.');
            now.chapterPlan = previous;
            this.onPlanChange();
            return 'The chapter plan is as it was.';
          } },
        };
      },
    });
    this.#updateControls();
  }

  #updateControls() {
    this.button.disabled = !this.ready || this.panel.running;
  }
}
