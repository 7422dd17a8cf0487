// "What the raters read": the prompt the panel's raters get, part by part, from the server's
// preview, with the context window's budget as a bar, so a writer sees which chapters did not
// fit and why a critic missed something.
import { fill, h } from './dom.mjs';

const kindLabels = Object.freeze({
  preamble: 'System prompts',
  worldbuilding: 'Worldbuilding',
  characters: 'Characters',
  story_summary: 'Story summary',
  plot_outline: 'Plot outline',
  request: 'The plot point and the rater',
  instructions: 'How to answer',
});

const treatmentLabels = Object.freeze({
  whole: 'read whole',
  summary: 'read as a summary',
  quoted: 'passages quoted',
  omitted: 'left out',
});

const number = new Intl.NumberFormat('en');

/** "Chapters 1–3", "Chapters 1, 4 and 6", "Chapter 2" for a list of chapter numbers. */
export function chapterList(numbers) {
  if (numbers.length === 1) return `Chapter ${numbers[0]}`;
  const runs = [];
  for (const value of numbers) {
    const last = runs.at(-1);
    if (last && value === last[1] + 1) last[1] = value;
    else runs.push([value, value]);
  }
  const parts = runs.map(([first, last]) => (first === last ? `${first}` : last === first + 1 ? `${first}, ${last}` : `${first}–${last}`));
  const joined = parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
  return `Chapters ${joined}`;
}

/** The numbers of the chapters given `treatment`, each once, in order. */
function chaptersWith(sections, treatment) {
  return [...new Set(sections
    .filter((section) => section.treatment === treatment && section.kind === 'chapter')
    .map((section) => section.chapter))].sort((a, b) => a - b);
}

/** "The summary of chapter 3", "The summaries of chapters 1–3". */
function summariesOf(chapters) {
  const list = chapterList(chapters).toLowerCase();
  return chapters.length === 1 ? `The summary of ${list}` : `The summaries of ${list}`;
}

/** A list of chapter numbers from the server, or an empty one for anything else. */
function numbers(value) {
  return Array.isArray(value) ? value.filter((item) => Number.isInteger(item)) : [];
}

/**
 * What the view shows of a preview, without the DOM: the budget's use, a sentence on what was
 * left out, and one row per part in the order the model reads them.
 */
export function describePreview(preview) {
  const sections = Array.isArray(preview?.sections) ? preview.sections : [];
  const budget = Math.max(0, Number(preview?.budget) || 0);
  const used = Math.max(0, Number(preview?.prompt_tokens) || 0);
  const estimated = preview?.token_counts_estimated === true;
  const omitted = sections.filter((section) => section.treatment === 'omitted');
  const omittedChapters = omitted.filter((section) => section.kind === 'chapter').map((section) => section.chapter);
  const omittedOthers = omitted.filter((section) => section.kind !== 'chapter').map((section) => kindLabels[section.kind] ?? section.kind);
  const leftOut = [...(omittedChapters.length ? [chapterList(omittedChapters)] : []), ...omittedOthers];
  const quotedChapters = chaptersWith(sections, 'quoted');
  const summarised = chaptersWith(sections, 'summary');
  const pending = numbers(preview?.summaries_pending);
  const failed = numbers(preview?.summaries_failed);
  const told = [
    ...(leftOut.length
      ? [`${leftOut.join(' and ')} did not fit the model's context window and ${leftOut.length === 1 && omittedChapters.length <= 1 ? 'was' : 'were'} left out.`]
      : []),
    ...(summarised.length
      ? [`${chapterList(summarised)} did not fit whole and ${summarised.length === 1 ? 'was' : 'were'} read as a summary.`]
      : []),
    ...(pending.length
      ? [`${summariesOf(pending)} ${pending.length === 1 ? 'is' : 'are'} being written: ask again in a while and ${pending.length === 1 ? 'it' : 'they'} will be read.`]
      : []),
    ...(failed.length
      ? [`${summariesOf(failed)} could not be written; ${failed.length === 1 ? 'it' : 'they'} will be tried again.`]
      : []),
    // A chapter quoted did not fit whole either: say so, or the writer takes it for read.
    ...(quotedChapters.length
      ? [`${chapterList(quotedChapters)} did not fit whole: only the passages that bear on this request were read.`]
      : []),
  ];
  const about = estimated ? 'about ' : '';
  return {
    used,
    budget,
    share: budget > 0 ? Math.min(1, used / budget) : 1,
    usage: `${about}${number.format(used)} of ${number.format(budget)} tokens`,
    summary: told.length === 0 ? 'The raters read the whole story.' : told.join(' '),
    rows: sections.map((section) => ({
      label: section.kind === 'chapter' ? `Chapter ${section.chapter}` : kindLabels[section.kind] ?? section.kind,
      treatment: section.treatment,
      treatmentLabel: treatmentLabels[section.treatment] ?? section.treatment,
      tokens: `${about}${number.format(Number(section.tokens) || 0)} tokens`,
      text: typeof section.text === 'string' ? section.text : null,
    })),
  };
}

/** The view: a button's result shown under the panel's actions, or what went wrong. */
export class PromptView {
  constructor(element) {
    this.element = element;
  }

  showLoading() {
    this.element.hidden = false;
    this.element.dataset.state = 'loading';
    fill(this.element, h('p', { role: 'status' }, 'Measuring what the raters read…'));
  }

  show(preview) {
    const described = describePreview(preview);
    this.element.hidden = false;
    this.element.dataset.state = 'shown';
    fill(this.element,
      h('h3', {}, 'What the raters read'),
      h('p', { class: 'prompt-usage' }, described.usage),
      h('meter', { min: 0, max: 1, value: described.share, high: 0.9, 'aria-label': 'Share of the context window the prompt takes' }),
      h('p', { class: 'prompt-summary' }, described.summary),
      h('ol', { class: 'prompt-sections' }, described.rows.map((row) => h('li', { 'data-treatment': row.treatment },
        row.text === null
          ? h('p', {}, h('strong', {}, row.label), ` — ${row.treatmentLabel}, ${row.tokens}`)
          : h('details', {},
            h('summary', {}, h('strong', {}, row.label), ` — ${row.treatmentLabel}, ${row.tokens}`),
            h('pre', { class: 'prompt-text' }, row.text))))),
      h('button', { type: 'button', class: 'quiet', onClick: () => this.hide() }, 'Close'));
  }

  showError(message) {
    this.element.hidden = false;
    this.element.dataset.state = 'failed';
    fill(this.element, h('p', { class: 'error', role: 'alert' }, message));
  }

  hide() {
    this.element.hidden = true;
    this.element.dataset.state = 'hidden';
    this.element.replaceChildren();
  }
}
