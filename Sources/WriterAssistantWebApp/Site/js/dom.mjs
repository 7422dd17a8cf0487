// A small element builder, so views read as the structure they create.
import { countWords, wordsOf } from './words.mjs';

/**
 * `h('button', { class: 'primary', onClick }, 'Run')`. Props starting with `on` become event
 * listeners, `value` and `checked` are set as properties, `true` makes an empty attribute, and
 * `false`, null and undefined leave the attribute out. Children may be nested arrays.
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === 'value' || name === 'checked') {
      element[name] = value;
    } else if (name === 'class') {
      element.className = value;
    } else if (name === 'style') {
      // Through the CSSOM: a content security policy without 'unsafe-inline' refuses a style
      // attribute, not styles set by the page's own script.
      element.style.cssText = String(value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  element.append(...nodes(children));
  return element;
}

/**
 * Replaces what `element` holds with `children`, skipping nothing-values as `h` does: the DOM's
 * own `replaceChildren(null)` would show the word "null".
 */
export function fill(element, ...children) {
  element.replaceChildren(...nodes(children));
  return element;
}

function nodes(children) {
  return children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false);
}

let nextId = 0;

/** A unique element id, for tying labels to their controls. */
export function uniqueId(prefix) {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/**
 * A labelled text input or textarea. With `words`, the number of words it holds shows below it
 * as the writer types (`refreshWordCount` updates it after code sets the value).
 */
export function textField({ label, value = '', multiline = false, rows = 3, placeholder, hint, onInput, name, words = false }) {
  const id = uniqueId('field');
  const hintId = hint ? `${id}-hint` : null;
  const control = multiline
    ? h('textarea', { id, name, rows, style: `--rows: ${rows}`, placeholder, value, 'aria-describedby': hintId, onInput })
    : h('input', { id, name, type: 'text', placeholder, value, 'aria-describedby': hintId, onInput });
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    control,
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    words ? wordCounter(control) : null);
}

/** A narrow field: `control` (whose id is `id`) under its `label`. */
export function narrowField(id, label, control) {
  return h('div', { class: 'field narrow' }, h('label', { for: id }, label), control);
}

const wordCounters = new WeakMap(); // text control -> updates its word count

/** A line showing how many words `control` holds, kept up to date as the writer types. */
export function wordCounter(control) {
  const counter = h('p', { class: 'word-count', 'data-words-of': control.id });
  const update = () => { counter.textContent = wordsOf(countWords(control.value)); };
  control.addEventListener('input', update);
  wordCounters.set(control, update);
  update();
  return counter;
}

/** Updates the word count of a control whose value code has set (typing updates it itself). */
export function refreshWordCount(control) {
  wordCounters.get(control)?.();
}
