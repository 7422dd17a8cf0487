// The writer's stories in the library: a new one, open one, rename, move to the trash; the trash,
// from which a story comes back or which is emptied for good (after asking); and the open story's
// export as the server writes it (the manuscript in Markdown, or JSON the library takes back).
import { fill, h, uniqueId } from './dom.mjs';
import { when } from './library-words.mjs';
import { longestTitle } from './story-document.mjs';
import { wordsOf } from './words.mjs';

export class LibraryPanel {
  /**
   * - `session`: the LibrarySession; `api`: its LibraryApi;
   * - `confirm`: the page's ConfirmDialog;
   * - `newStory()`: the document of a new, empty story;
   * - `renameOpen(title)`: renames the open story (its title in the page);
   * - `download({ name, blob })`: saves an export.
   */
  constructor(container, { session, api, confirm, newStory, renameOpen, download }) {
    this.session = session;
    this.api = api;
    this.confirm = confirm;
    this.newStory = newStory;
    this.renameOpen = renameOpen;
    this.download = download;
    this.message = h('p', { id: 'library-message', class: 'save-status', role: 'status', 'aria-live': 'polite' });
    this.list = h('ul', { id: 'story-list', class: 'story-list', 'aria-label': 'Your stories' });
    this.trashList = h('ul', { id: 'trash-list', class: 'story-list', 'aria-label': 'Stories in the trash' });
    this.trashSummary = h('summary', {}, 'Trash');
    this.emptyTrashButton = h('button', { type: 'button', id: 'empty-trash', class: 'quiet danger', onClick: () => this.#emptyTrash() }, 'Empty the trash');
    this.trash = h('details', { id: 'trash', class: 'section', onToggle: () => { if (this.trash.open) this.refresh(); } },
      this.trashSummary, this.trashList, this.emptyTrashButton);
    fill(container,
      h('div', { class: 'toolbar' },
        h('h2', { class: 'library-heading' }, 'Your stories'),
        h('button', { type: 'button', id: 'new-story', onClick: () => this.#act(async () => {
          await this.session.create(this.newStory());
          return 'A new story is open.';
        }) }, 'New story')),
      this.message,
      this.list,
      h('div', { class: 'toolbar export-tools' },
        h('span', { class: 'hint' }, 'The open story, as the library keeps it:'),
        h('button', { type: 'button', id: 'export-markdown', class: 'quiet', onClick: () => this.#export('markdown') }, 'Export Markdown'),
        h('button', { type: 'button', id: 'export-library-json', class: 'quiet', onClick: () => this.#export('json') }, 'Export JSON')),
      this.trash);
  }

  /** Lists the stories (and the trash) again. */
  async refresh() {
    try {
      const [stories, trashed] = await Promise.all([this.api.list(), this.api.list({ trash: true })]);
      fill(this.list, stories.length ? stories.map((story) => this.#entry(story)) : h('li', { class: 'hint' }, 'No stories yet.'));
      this.trashSummary.textContent = `Trash (${trashed.length})`;
      fill(this.trashList, trashed.length
        ? trashed.map((story) => h('li', { class: 'story-entry', 'data-story-id': story.id },
          h('span', { class: 'story-title' }, story.title),
          h('span', { class: 'story-meta' }, `${wordsOf(story.wordCount)} \u00b7 moved to the trash ${when(story.deletedAt)}`),
          h('button', { type: 'button', class: 'quiet story-restore', onClick: () => this.#act(async () => {
            await this.api.restore(story.id);
            return `\u201c${story.title}\u201d is back among your stories.`;
          }) }, `Restore ${story.title}`)))
        : h('li', { class: 'hint' }, 'The trash is empty.'));
      this.emptyTrashButton.disabled = trashed.length === 0;
    } catch (error) {
      this.say(`The stories could not be listed: ${error.message}`, true);
    }
  }

  #entry(story) {
    const open = story.id === this.session.openId;
    const entry = h('li', { class: `story-entry${open ? ' open' : ''}`, 'data-story-id': story.id, 'aria-current': open ? 'true' : null },
      h('button', { type: 'button', class: 'story-open', 'aria-label': open ? `${story.title} (open)` : `Open ${story.title}`, onClick: () => this.#act(async () => {
        await this.session.open(story.id);
        return `\u201c${story.title}\u201d is open.`;
      }) }, story.title),
      h('span', { class: 'story-meta' }, `${wordsOf(story.wordCount)} \u00b7 version ${story.version} \u00b7 saved ${when(story.updatedAt)}${open ? ' \u00b7 open' : ''}`),
      h('span', { class: 'story-actions' },
        h('button', { type: 'button', class: 'quiet story-rename', onClick: () => entry.replaceWith(this.#renameForm(story, entry)) }, `Rename ${story.title}`),
        h('button', { type: 'button', class: 'quiet danger story-trash', onClick: () => this.#act(async () => {
          await this.session.trash(story.id);
          return `\u201c${story.title}\u201d is in the trash.`;
        }) }, `Move ${story.title} to the trash`)));
    return entry;
  }

  #renameForm(story, entry) {
    const id = uniqueId('rename');
    const input = h('input', { id, type: 'text', class: 'story-rename-input', value: story.title, maxlength: longestTitle });
    const cancel = () => {
      form.replaceWith(entry);
      entry.querySelector('.story-rename')?.focus();
    };
    const form = h('form', { class: 'story-entry rename-form', onSubmit: (event) => {
      event.preventDefault();
      const title = input.value.trim();
      if (!title) {
        input.focus();
        return;
      }
      this.#act(async () => {
        if (story.id === this.session.openId) await this.renameOpen(title);
        else await this.session.rename(story.id, title);
        return `Renamed to \u201c${title}\u201d.`;
      });
    }, onKeydown: (event) => { if (event.key === 'Escape') cancel(); } },
      h('label', { for: id }, `New title for ${story.title}`),
      input,
      h('span', { class: 'story-actions' },
        h('button', { type: 'submit', class: 'primary' }, 'Save the title'),
        h('button', { type: 'button', class: 'quiet', onClick: cancel }, 'Cancel')));
    queueMicrotask(() => input.select());
    return h('li', {}, form);
  }

  async #emptyTrash() {
    const trashed = await this.api.list({ trash: true }).catch(() => []);
    if (!trashed.length) return;
    const sure = await this.confirm.ask({
      title: 'Empty the trash for good?',
      lines: trashed.map((story) => `\u201c${story.title}\u201d (${wordsOf(story.wordCount)}), with every version and answer`),
      note: 'This cannot be undone.',
      confirmLabel: 'Empty the trash',
      cancelLabel: 'Keep them',
    });
    if (!sure) return;
    this.#act(async () => {
      const { deleted } = await this.api.emptyTrash();
      return `The trash is empty: ${deleted} ${deleted === 1 ? 'story' : 'stories'} deleted for good.`;
    });
  }

  async #export(format) {
    await this.#act(async () => {
      const file = await this.session.exportFile(format);
      this.download(file);
      return `Exported ${file.name}.`;
    }, { refresh: false });
  }

  /** Runs `action`, says what it did (or why it failed), and lists the stories again. */
  async #act(action, { refresh = true } = {}) {
    try {
      this.say(await action());
    } catch (error) {
      this.say(`That did not work: ${error.message}`, true);
    }
    if (refresh) await this.refresh();
  }

  /** Says what was done, or (`warning`) what went wrong. */
  say(text, warning = false) {
    this.message.textContent = text;
    this.message.classList.toggle('warning', warning);
  }
}
