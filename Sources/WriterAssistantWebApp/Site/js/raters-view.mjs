// The panel of raters: each a name and a critic prompt, switched on or off for the next run.
import { fill, h, textField, uniqueId } from './dom.mjs';
import { defaultRaters, rater } from './store.mjs';

export class RatersView {
  /** `undo` (the page's UndoOffers) offers to undo every removal, and restoring the default panel. */
  constructor(container, raters, onChange, { undo } = {}) {
    this.container = container;
    this.raters = raters;
    this.onChange = onChange;
    this.undo = undo;
  }

  /** Shows `raters` (after an import, say) in place of the current ones. */
  show(raters) {
    this.raters = raters;
    this.render();
  }

  /**
   * Draws the panel again with an offer to undo a change made to it: `restore(raters)` puts
   * things back in the list as it is then (refused once an import has replaced the list).
   */
  #renderWithUndo(label, message, restore) {
    const raters = this.raters;
    this.render(undefined, this.undo?.offer({ label, undo: () => {
      if (raters !== this.raters) throw new Error('The raters were replaced since (by an import), so they were left as they are.');
      const said = restore(raters);
      this.onChange(this.raters);
      this.render();
      return said;
    } }, message));
  }

  /** `notice`, when given, shows below the list (an offer to undo). */
  render(focusIndex, notice = null) {
    const raters = this.raters;
    const summary = h('p', { class: 'hint', 'aria-live': 'polite' });
    const changed = () => {
      const enabled = raters.filter((item) => item.enabled).length;
      summary.textContent = `${enabled} of ${raters.length} raters will read the next plot point, all at the same time.`;
      this.onChange(this.raters);
    };
    const items = raters.map((item, index) => {
      const toggleId = uniqueId('rater-enabled');
      const name = () => item.name.trim() || 'Unnamed rater';
      const toggleLabel = h('label', { for: toggleId, class: 'rater-name' }, name());
      const remove = h('button', { type: 'button', class: 'quiet danger', onClick: () => {
        raters.splice(index, 1);
        changed();
        this.#renderWithUndo(`the removal of ${name()}`, `${name()} was removed from the raters.`, (list) => {
          list.splice(Math.min(index, list.length), 0, item);
          return `${name()} is back among the raters.`;
        });
      } }, `Remove ${name()}`);
      return h('li', { class: `rater${item.enabled ? '' : ' disabled'}`, 'data-rater-id': item.id },
        h('div', { class: 'rater-head' },
          h('input', { type: 'checkbox', id: toggleId, class: 'rater-enabled', checked: item.enabled, onChange: (event) => {
            item.enabled = event.target.checked;
            event.target.closest('.rater').classList.toggle('disabled', !item.enabled);
            changed();
          } }),
          toggleLabel,
          remove),
        h('details', { open: focusIndex === index },
          h('summary', {}, 'Edit'),
          textField({ label: 'Name', name: 'rater-name', value: item.name, onInput: (event) => {
            item.name = event.target.value;
            toggleLabel.textContent = name();
            remove.textContent = `Remove ${name()}`;
            changed();
          } }),
          textField({ label: 'Critic prompt', name: 'rater-prompt', multiline: true, rows: 4, value: item.prompt, onInput: (event) => {
            item.prompt = event.target.value;
            changed();
          } })));
    });
    changed();
    fill(this.container,
      summary,
      h('ul', { class: 'raters' }, items),
      notice,
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'add', onClick: () => {
          raters.push(rater('New rater', 'You are a thoughtful reader. Say what works in this plot point and what does not.'));
          changed();
          this.render(raters.length - 1);
        } }, 'Add a rater'),
        h('button', { type: 'button', class: 'quiet', onClick: () => {
          const before = [...raters];
          raters.splice(0, raters.length, ...defaultRaters());
          changed();
          this.#renderWithUndo('the default panel', 'The raters are the default panel again.', (list) => {
            list.splice(0, list.length, ...before);
            return 'The raters are back as they were.';
          });
        } }, 'Restore the default panel')));
    if (focusIndex !== undefined) this.container.querySelectorAll('.rater')[focusIndex]?.querySelector('input[type=text]')?.focus();
  }
}
