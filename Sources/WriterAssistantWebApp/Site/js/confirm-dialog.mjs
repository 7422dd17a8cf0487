// A question the page asks before a click replaces the writer's work (an import): what would be
// replaced, in words, and two buttons. A <dialog> in the page rather than window.confirm, so it
// can say more than one line, looks like the page, and can be answered by keyboard (Escape
// cancels) as well as by tests.
import { fill, h } from './dom.mjs';

export class ConfirmDialog {
  constructor() {
    this.title = h('h2', { id: 'confirm-dialog-title' });
    this.lines = h('ul', { id: 'confirm-dialog-lines' });
    this.note = h('p', { class: 'hint' });
    this.confirmButton = h('button', { type: 'button', id: 'confirm-dialog-confirm', class: 'primary', onClick: () => this.element.close('confirm') });
    this.cancelButton = h('button', { type: 'button', id: 'confirm-dialog-cancel', onClick: () => this.element.close('cancel') });
    this.element = h('dialog', { id: 'confirm-dialog', class: 'confirm-dialog', 'aria-labelledby': 'confirm-dialog-title', 'aria-describedby': 'confirm-dialog-lines' },
      this.title, this.lines, this.note,
      h('div', { class: 'actions' }, this.confirmButton, this.cancelButton));
    document.body.append(this.element);
  }

  /**
   * Shows `title`, one list item per line of `lines` and a `note`; resolves true when the writer
   * chooses `confirmLabel`, false for `cancelLabel`, Escape or closing it otherwise. The cancel
   * button has the focus, so Enter alone does not replace anything.
   */
  ask({ title, lines = [], note = '', confirmLabel = 'OK', cancelLabel = 'Cancel' }) {
    this.title.textContent = title;
    fill(this.lines, lines.map((line) => h('li', {}, line)));
    this.note.textContent = note;
    this.note.hidden = !note;
    this.confirmButton.textContent = confirmLabel;
    this.cancelButton.textContent = cancelLabel;
    this.element.returnValue = '';
    return new Promise((resolve) => {
      this.element.addEventListener('close', () => resolve(this.element.returnValue === 'confirm'), { once: true });
      this.element.showModal();
      this.cancelButton.focus();
    });
  }
}
