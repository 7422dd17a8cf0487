// The choice a refused save asks for: the story was saved elsewhere (another tab, another
// machine) since the page read it. Both versions side by side, part by part and every chapter that
// differs in full, so the writer sees what each choice keeps; the writer's is never dropped
// unseen. A <dialog>, answered by keyboard too (Escape decides later).
import { fill, h } from './dom.mjs';
import { compareStories } from './story-document.mjs';
import { comparisonSide, prose } from './workspace-results.mjs';
import { countWords, wordsOf } from './words.mjs';

export class ConflictDialog {
  constructor() {
    this.summary = h('p', { id: 'conflict-dialog-summary' });
    this.parts = h('tbody');
    this.chapters = h('div', { id: 'conflict-chapters' });
    const choose = (choice) => () => this.element.close(choice);
    this.mineButton = h('button', { type: 'button', id: 'conflict-keep-mine', class: 'primary', onClick: choose('mine') }, 'Keep mine');
    this.theirsButton = h('button', { type: 'button', id: 'conflict-take-theirs', onClick: choose('theirs') }, 'Take theirs');
    this.laterButton = h('button', { type: 'button', id: 'conflict-later', class: 'quiet', onClick: choose('later') }, 'Decide later');
    this.element = h('dialog', { id: 'conflict-dialog', class: 'confirm-dialog conflict-dialog', 'aria-labelledby': 'conflict-dialog-title', 'aria-describedby': 'conflict-dialog-summary' },
      h('h2', { id: 'conflict-dialog-title' }, 'This story was saved elsewhere too'),
      this.summary,
      h('div', { class: 'table-scroll' },
        h('table', { class: 'conflict-parts' },
          h('caption', { class: 'visually-hidden' }, 'The two versions, part by part'),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Part'), h('th', { scope: 'col' }, 'Theirs (saved)'), h('th', { scope: 'col' }, 'Mine (this page)'))),
          this.parts)),
      this.chapters,
      h('p', { class: 'hint' }, 'Keep mine saves your version as the newest; theirs stays in the story\u2019s history. '
        + 'Take theirs opens their version; yours goes to the trash as a copy, so nothing you wrote is lost.'),
      h('div', { class: 'actions' }, this.mineButton, this.theirsButton, this.laterButton));
    document.body.append(this.element);
  }

  /** Shows `theirs` (the server's story) beside `mine`; resolves 'mine', 'theirs' or 'later'. */
  ask({ theirs, mine }) {
    const { parts, chapters } = compareStories(theirs, mine);
    const differing = chapters.filter((chapter) => chapter.differs);
    this.summary.textContent = `The library has version ${theirs.version} of \u201c${theirs.title}\u201d, saved after the one your edits were made on. `
      + `${differing.length ? `${differing.length} chapter${differing.length === 1 ? '' : 's'} differ` : 'No chapter differs'}; choose which version to keep.`;
    fill(this.parts, parts.map((part) => h('tr', { class: part.differs ? 'differs' : '', 'data-part': part.part },
      h('th', { scope: 'row' }, part.part, part.differs ? h('span', { class: 'differs-mark' }, ' (differs)') : null),
      h('td', { 'data-side': 'theirs' }, part.theirs),
      h('td', { 'data-side': 'mine' }, part.mine))));
    fill(this.chapters, differing.map((chapter) => h('section', { class: 'conflict-chapter', 'data-chapter': String(chapter.number) },
      h('h3', {}, `Chapter ${chapter.number}${chapter.title ? `: ${chapter.title}` : ''}`),
      h('div', { class: 'comparison' },
        side('theirs', 'Theirs', chapter.theirs),
        side('mine', 'Mine', chapter.mine)))));
    this.element.returnValue = '';
    return new Promise((resolve) => {
      this.element.addEventListener('close', () => resolve(this.element.returnValue || 'later'), { once: true });
      this.element.showModal();
      this.laterButton.focus();
    });
  }
}

function side(name, label, text) {
  return comparisonSide(name, label, text === null ? '(not in this version)' : `(${wordsOf(countWords(text))})`, prose(text ?? ''));
}
