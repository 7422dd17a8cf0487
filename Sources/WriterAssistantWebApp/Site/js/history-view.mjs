// The open story's history: its versions a page at a time, each with what it changed; how a
// chapter changed between two versions, side by side, removed words struck out on the older side
// and added ones marked on the newer; and restoring a version, which makes it the newest (a new
// version: nothing is overwritten).
import { fill, h, narrowField } from './dom.mjs';
import { describeChanges, when } from './library-words.mjs';
import { comparisonSide } from './workspace-results.mjs';
import { wordsOf } from './words.mjs';

const pageSize = 20;

export class HistoryView {
  /** `api`: a LibraryApi; `session`: the LibrarySession; `confirm`: the page's ConfirmDialog. */
  constructor(container, { api, session, confirm }) {
    this.api = api;
    this.session = session;
    this.confirm = confirm;
    this.status = h('p', { id: 'history-status', class: 'save-status', role: 'status', 'aria-live': 'polite' });
    this.list = h('ol', { id: 'versions', class: 'versions', 'aria-label': 'Versions, newest first' });
    this.moreButton = h('button', { type: 'button', id: 'versions-more', class: 'quiet', hidden: true, onClick: () => this.#loadPage() }, 'Older versions');
    this.fromInput = h('input', { type: 'number', id: 'diff-from', min: 1, step: 1 });
    this.toInput = h('input', { type: 'number', id: 'diff-to', min: 1, step: 1 });
    this.chapterInput = h('input', { type: 'number', id: 'diff-chapter', min: 0, step: 1 });
    this.diff = h('div', { id: 'diff', class: 'diff', 'aria-live': 'polite' });
    fill(container,
      h('div', { class: 'toolbar' },
        h('h2', {}, 'Versions'),
        h('button', { type: 'button', id: 'versions-refresh', class: 'quiet', onClick: () => this.refresh() }, 'Refresh')),
      this.status,
      this.list,
      this.moreButton,
      h('form', { class: 'diff-form', onSubmit: (event) => {
        event.preventDefault();
        this.showDiff(Number(this.fromInput.value), Number(this.toInput.value), Number(this.chapterInput.value));
      } },
      h('h3', {}, 'Compare a chapter between two versions'),
      h('div', { class: 'diff-fields' },
        narrowField('diff-from', 'From version', this.fromInput),
        narrowField('diff-to', 'To version', this.toInput),
        narrowField('diff-chapter', 'Chapter', this.chapterInput),
        h('button', { type: 'submit', id: 'diff-compare' }, 'Compare'))),
      this.diff);
  }

  /** Lists the open story's newest versions again. */
  async refresh() {
    this.oldest = undefined;
    this.list.replaceChildren();
    this.diff.replaceChildren();
    await this.#loadPage();
  }

  async #loadPage() {
    const id = this.session.openId;
    if (!id) return;
    const after = this.oldest; // the page after this version, or (undefined) the newest
    try {
      const versions = await this.api.versions(id, { limit: pageSize, ...(after !== undefined ? { before: after } : {}) });
      // Another story opened, or another load of this page came first (a restore lists the
      // versions again both here and through the page's onOpen): not listed twice.
      if (this.session.openId !== id || this.oldest !== after) return;
      if (after === undefined && versions.length) {
        const newest = versions[0].version;
        this.toInput.value = String(newest);
        this.fromInput.value = String(Math.max(1, newest - 1));
        const chapter = versions[0].changes.find((change) => change.part === 'chapter')?.chapter;
        if (chapter !== undefined && this.chapterInput.value === '') this.chapterInput.value = String(chapter);
      }
      this.list.append(...versions.map((version) => this.#entry(version)));
      if (versions.length) this.oldest = versions[versions.length - 1].version;
      this.moreButton.hidden = versions.length < pageSize || this.oldest <= 1;
      this.status.textContent = '';
    } catch (error) {
      this.status.textContent = `The versions could not be read: ${error.message}`;
    }
  }

  #entry(version) {
    const chapters = [...new Set(version.changes.filter((change) => change.part === 'chapter' && change.chapter !== undefined).map((change) => change.chapter))];
    return h('li', { class: 'version', 'data-version': String(version.version) },
      h('p', { class: 'version-head' },
        h('strong', {}, `Version ${version.version}`),
        ` \u00b7 ${when(version.createdAt)} \u00b7 ${wordsOf(version.wordCount)}`,
        version.restoredFrom ? ` \u00b7 brought back from version ${version.restoredFrom}` : ''),
      h('p', { class: 'version-changes' }, describeChanges(version.changes)),
      h('div', { class: 'version-actions' },
        version.version > 1 ? chapters.map((chapter) => h('button', { type: 'button', class: 'quiet version-diff', 'data-chapter': String(chapter), onClick: () => {
          this.fromInput.value = String(version.version - 1);
          this.toInput.value = String(version.version);
          this.chapterInput.value = String(chapter);
          this.showDiff(version.version - 1, version.version, chapter);
        } }, `Changes in chapter ${chapter}`)) : null,
        h('button', { type: 'button', class: 'quiet version-restore', onClick: () => this.#restore(version) }, `Restore version ${version.version}`)));
  }

  /** Shows how chapter `chapter` changed from version `from` to version `to`. */
  async showDiff(from, to, chapter) {
    const id = this.session.openId;
    if (!id || ![from, to, chapter].every(Number.isInteger)) {
      fill(this.diff, h('p', { class: 'hint' }, 'Give two version numbers and a chapter number.'));
      return;
    }
    try {
      const diff = await this.api.diff(id, { from, to, chapter });
      const runs = Array.isArray(diff.runs) ? diff.runs : [];
      const side = (name, label, words, keep, marked, tag) => comparisonSide(name, label, `(${wordsOf(words)})`,
        h('div', { class: 'chapter-preview diff-text' }, runs.filter((run) => keep.includes(run.kind)).map((run) => (run.kind === marked
          ? h(tag, {}, String(run.text ?? ''))
          : document.createTextNode(String(run.text ?? ''))))));
      const changed = runs.some((run) => run.kind !== 'same');
      fill(this.diff,
        h('h3', { id: 'diff-heading' }, `Chapter ${diff.chapter}: version ${diff.from} \u2192 version ${diff.to}`),
        changed ? null : h('p', { class: 'hint' }, 'The chapter is the same in both versions.'),
        h('div', { class: 'comparison' },
          side('before', `Version ${diff.from}`, diff.fromWordCount, ['same', 'removed'], 'removed', 'del'),
          side('after', `Version ${diff.to}`, diff.toWordCount, ['same', 'added'], 'added', 'ins')));
    } catch (error) {
      fill(this.diff, h('p', { class: 'warning' }, `The changes could not be read: ${error.message}`));
    }
  }

  async #restore(version) {
    const sure = await this.confirm.ask({
      title: `Restore version ${version.version}?`,
      lines: [`The story becomes as it was in version ${version.version} (${wordsOf(version.wordCount)}), as a new version.`,
        'The story as it is now stays in the history, and can be restored in turn.'],
      confirmLabel: 'Restore',
      cancelLabel: 'Keep it as it is',
    });
    if (!sure) return;
    try {
      await this.session.restoreVersion(version.version);
      await this.refresh();
      this.status.textContent = `Version ${version.version} is back, as version ${this.session.sync.version}.`;
    } catch (error) {
      this.status.textContent = `Version ${version.version} could not be restored: ${error.message}`;
    }
  }
}
