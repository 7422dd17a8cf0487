// Wires the page together: the saved story bible and raters, the server's health, a panel run
// in which every enabled rater streams its feedback into its own card, and the chapter
// workspace (with the character generator in the story bible), which share the connections.
import { ApiError, apiKey, fetchHealth, setApiKey, streamRaterFeedback } from './api.mjs';
import { fill } from './dom.mjs';
import { BibleView } from './bible-view.mjs';
import { ChapterWorkspace } from './chapter-workspace.mjs';
import { CharacterGenerator } from './character-generator.mjs';
import { ConfirmDialog } from './confirm-dialog.mjs';
import { ConnectionGate } from './connection-gate.mjs';
import { FeedbackCard } from './feedback-card.mjs';
import { describeHealth } from './messages.mjs';
import { RatersView } from './raters-view.mjs';
import { Store, toStructuredContext } from './store.mjs';
import { readStoryFile, replacedByImport, storyFile, storyFileName } from './story-file.mjs';
import { UndoHistory } from './undo-history.mjs';
import { UndoOffers } from './undo-offers.mjs';

// Six connections per origin in HTTP/1.1 browsers; one stays free for health checks and the page.
const streamConnections = 5;

const store = new Store();
const gate = new ConnectionGate(streamConnections);
const element = (id) => document.getElementById(id);
const cards = new Map(); // FeedbackCard -> AbortController of its running request
let health = null;
let healthTimer = null;
// Every click that changes the story (a kept answer, an import, a removal) can be undone until
// the writer leaves the page.
const undo = new UndoOffers(new UndoHistory());
const confirmDialog = new ConfirmDialog();

const characterGenerator = new CharacterGenerator({
  getBible: () => bibleView.bible,
  gate,
  undo,
  onCreate: (character) => bibleView.addCharacter(character),
  onRemove: (character) => bibleView.removeCharacter(character),
  onFinished: () => refreshHealth(),
});
const bibleView = new BibleView(element('bible-form'), store.loadBible(), (bible) => {
  reportSaved(store.saveBible(bible));
  workspace.bibleChanged();
}, { charactersExtra: characterGenerator.element, undo });
const ratersView = new RatersView(element('raters-form'), store.loadRaters(), (raters) => {
  reportSaved(store.saveRaters(raters));
  updateRunControls();
}, { undo });
const plotPoint = element('plot-point');
const workspace = new ChapterWorkspace(element('chapter-workspace'), {
  getBible: () => bibleView.bible,
  store,
  gate,
  plotPoint,
  undo,
  onBibleChange: ({ chapter, added, removed }) => {
    reportSaved(store.saveBible(bibleView.bible));
    if (added || removed) bibleView.renderChapters();
    else bibleView.chapterChanged(chapter);
  },
  onFinished: () => refreshHealth(),
});

const keyField = element('api-key');
keyField.value = apiKey();
keyField.addEventListener('change', () => setApiKey(keyField.value));

function reportSaved(saved) {
  const status = element('save-status');
  status.textContent = saved ? 'Saved in this browser' : 'Not saved: this browser refused to store the story bible.';
  status.classList.toggle('warning', !saved);
}

// --- The panel run -------------------------------------------------------------------------

function feedbackRequest(rater) {
  return {
    raterName: rater.name,
    raterPrompt: rater.prompt,
    plotPoint: plotPoint.value,
    structured_context: toStructuredContext(bibleView.bible),
  };
}

function runPanel() {
  const raters = ratersView.raters.filter((rater) => rater.enabled && rater.prompt.trim() !== '');
  const problem = element('run-panel').disabled
    ? 'The server has no model ready yet.'
    : plotPoint.value.trim() === ''
      ? 'Write the plot point you want feedback on first.'
      : raters.length === 0 ? 'Switch on at least one rater in the Raters tab.' : '';
  element('run-hint').textContent = problem;
  if (problem) {
    if (plotPoint.value.trim() === '') plotPoint.focus();
    return;
  }
  cancelAll();
  cards.clear();
  const container = element('cards');
  container.replaceChildren();
  for (const rater of raters) {
    const card = new FeedbackCard({ ...rater }, {
      onCancel: () => cards.get(card)?.abort(),
      onRetry: () => runRater(card, feedbackRequest(card.rater)),
    });
    container.append(card.element);
    runRater(card, feedbackRequest(rater));
  }
}

async function runRater(card, request) {
  const controller = new AbortController();
  cards.set(card, controller);
  card.setQueued();
  updateRunControls();
  try {
    await gate.acquire(controller.signal);
    try {
      card.setConnecting();
      for await (const event of streamRaterFeedback(request, { signal: controller.signal })) {
        if (event.type === 'status') card.setPhase(event.phase, event.message, event.progress);
        else if (event.type === 'token') card.appendToken(event.text);
        else if (event.type === 'result') card.showResult(event.data);
        else if (event.type === 'error') card.showError(event.error_code, event.message);
      }
    } finally {
      gate.release();
    }
  } catch (error) {
    if (controller.signal.aborted) card.showCancelled();
    else if (error instanceof ApiError) card.showError(error.code, error.message);
    else card.showError('HTTP_ERROR', String(error?.message ?? error));
  } finally {
    if (cards.get(card) === controller) cards.set(card, null);
    updateRunControls();
    refreshHealth();
  }
}

function cancelAll() {
  for (const controller of cards.values()) controller?.abort();
}

function updateRunControls() {
  const running = [...cards.values()].filter(Boolean).length;
  element('cancel-all').disabled = running === 0;
  const state = describeHealth(health).state;
  const run = element('run-panel');
  run.disabled = state === 'missing' || state === 'loading';
  workspace.setReady(!run.disabled);
  characterGenerator.setReady(!run.disabled);
  const enabled = ratersView.raters.filter((rater) => rater.enabled).length;
  run.textContent = enabled === 1 ? 'Ask the rater' : `Ask the panel (${enabled})`;
}

// --- Server health ---------------------------------------------------------------------------

async function refreshHealth() {
  clearTimeout(healthTimer);
  try {
    health = await fetchHealth({ signal: AbortSignal.timeout(4000) });
  } catch {
    health = null;
  }
  const description = describeHealth(health);
  const badge = element('health');
  badge.dataset.state = description.state;
  badge.querySelector('.health-text').textContent = description.text;
  badge.title = description.detail;
  const notice = element('model-notice');
  notice.hidden = description.state === 'ready';
  notice.dataset.state = description.state;
  notice.textContent = description.state === 'missing'
    ? `${description.detail} Start it with a model, for example \`make run\` or \`writer-assistant serve --model-path model.gguf\`.`
    : description.detail;
  updateRunControls();
  healthTimer = setTimeout(refreshHealth, description.state === 'ready' ? 5000 : 2000);
}

// --- Import and export -----------------------------------------------------------------------

/** Everything the page holds that a file keeps: the story bible, plot point, raters and draft. */
function pageState() {
  return { bible: bibleView.bible, plotPoint: plotPoint.value, raters: ratersView.raters, draft: workspace.draftState };
}

/** Puts the parts a file holds in place (those it does not hold stay), and saves them. */
function applyState({ bible, plotPoint: text, raters, draft }) {
  if (bible) {
    bibleView.show(bible);
    reportSaved(store.saveBible(bible));
    workspace.bibleChanged();
  }
  if (text !== undefined) {
    plotPoint.value = text;
    reportSaved(store.savePlotPoint(text));
  }
  if (raters) {
    ratersView.show(raters);
    reportSaved(store.saveRaters(raters));
    updateRunControls();
  }
  if (draft) workspace.setDraft(draft);
}

function exportStory() {
  const json = JSON.stringify(storyFile(pageState()), null, 2);
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([json + '\n'], { type: 'application/json' }));
  link.download = storyFileName(bibleView.bible.title);
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 0);
}

/**
 * Reads a file and checks all of it before anything changes; says what it would replace and
 * asks (unless nothing would be lost); then replaces, with an undo that puts back all it replaced.
 */
async function importStory(file) {
  const status = element('import-status');
  const say = (said, warning = false) => {
    fill(status, said);
    status.classList.toggle('warning', warning);
  };
  let incoming;
  try {
    incoming = readStoryFile(await file.text());
  } catch (error) {
    say(`Could not import ${file.name}, so nothing was changed: ${error.message}`, true);
    return;
  }
  const current = pageState();
  const lines = replacedByImport(current, incoming);
  if (lines.length) {
    const replace = await confirmDialog.ask({
      title: `Replace your story with ${file.name}?`,
      lines,
      note: 'You can undo the import until you leave this page.',
      confirmLabel: 'Replace',
      cancelLabel: 'Keep my story',
    });
    if (!replace) {
      say(`${file.name} was not imported; your story is as it was.`);
      return;
    }
  }
  // What the import replaces, as it is now, for its undo.
  const before = JSON.parse(JSON.stringify({
    bible: incoming.bible ? current.bible : undefined,
    plotPoint: incoming.plotPoint !== undefined ? current.plotPoint : undefined,
    raters: incoming.raters ? current.raters : undefined,
    draft: incoming.draft ? current.draft : undefined,
  }));
  applyState(incoming);
  say(undo.offer({ label: `the import of ${file.name}`, undo: () => {
    applyState(before);
    return `Your story is back as it was before importing ${file.name}.`;
  } }, `Imported ${file.name}.`));
}

// --- Tabs -------------------------------------------------------------------------------------

/** Each tab list (the story bible's, the plot point's) switches its own panels. */
function setUpTabs(tabList) {
  const tabs = [...tabList.querySelectorAll('[role=tab]')];
  const select = (tab) => {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      other.tabIndex = selected ? 0 : -1;
      element(other.getAttribute('aria-controls')).hidden = !selected;
    }
  };
  tabs.forEach((tab, index) => {
    tab.addEventListener('click', () => select(tab));
    tab.addEventListener('keydown', (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      const next = tabs[(index + step + tabs.length) % tabs.length];
      select(next);
      next.focus();
    });
  });
  select(tabs[0]);
}

// --- Start -------------------------------------------------------------------------------------

// Text boxes grow with their text through CSS `field-sizing`; browsers without it (Firefox and
// Safari today) grow them here, as the writer types or enters one.
if (!CSS.supports('field-sizing', 'content')) {
  const grow = (event) => {
    const area = event.target;
    if (!(area instanceof HTMLTextAreaElement)) return;
    area.style.height = 'auto';
    area.style.height = `${area.scrollHeight + area.offsetHeight - area.clientHeight}px`;
  };
  document.addEventListener('input', grow);
  document.addEventListener('focusin', grow);
}

document.querySelectorAll('[role=tablist]').forEach(setUpTabs);
bibleView.render();
ratersView.render();
workspace.render();
plotPoint.value = store.loadPlotPoint();
plotPoint.addEventListener('input', () => reportSaved(store.savePlotPoint(plotPoint.value)));
plotPoint.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey)) return;
  if (element('panel-feedback').hidden) element('tab-feedback').click();
  runPanel();
});
// A link to a text area scrolls to it without putting the cursor in it: do both.
element('skip-to-plot-point').addEventListener('click', (event) => {
  event.preventDefault();
  plotPoint.focus();
  plotPoint.scrollIntoView({ block: 'center' });
});
element('run-panel').addEventListener('click', runPanel);
element('cancel-all').addEventListener('click', cancelAll);
element('export-bible').addEventListener('click', exportStory);
element('import-bible').addEventListener('click', () => element('import-file').click());
element('import-file').addEventListener('change', (event) => {
  const [file] = event.target.files;
  if (file) importStory(file);
  event.target.value = '';
});
updateRunControls();
refreshHealth();
