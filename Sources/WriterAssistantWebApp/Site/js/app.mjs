// Wires the page together: the saved story bible and raters, the server's health, a panel run
// in which every enabled rater streams its feedback into its own card, and the chapter
// workspace (with the character generator in the story bible), which share the connections.
// When the server keeps a library, the story is also one of the writer's stories there, saved as
// the writer types, with its history, its answers and search (the Library and History tabs).
import { ApiError, apiKey, fetchHealth, operations, previewOperation, setApiKey, streamRaterFeedback } from './api.mjs';
import { AnswersView } from './answers-view.mjs';
import { ArchiveAsk } from './archive-ask.mjs';
import { BibleView } from './bible-view.mjs';
import { BioShortener } from './bio-shortener.mjs';
import { ChapterWorkspace } from './chapter-workspace.mjs';
import { CharacterGenerator } from './character-generator.mjs';
import { ChatPanel } from './chat-panel.mjs';
import { ConfirmDialog } from './confirm-dialog.mjs';
import { ConflictDialog } from './conflict-dialog.mjs';
import { ConnectionGate } from './connection-gate.mjs';
import { fill, h } from './dom.mjs';
import { FeedbackCard } from './feedback-card.mjs';
import { HistoryView } from './history-view.mjs';
import { LibraryApi } from './library-api.mjs';
import { LibraryPanel } from './library-panel.mjs';
import { LibrarySession } from './library-session.mjs';
import { describeHealth, explainError } from './messages.mjs';
import { OutlinePlanner } from './outline-planner.mjs';
import { RatersView } from './raters-view.mjs';
import { SearchView } from './search-view.mjs';
import { areDefaultRaters, defaultRaters, emptyBible, hasText, Store, toStructuredContext } from './store.mjs';
import { PromptView } from './prompt-view.mjs';
import { pageStateOf, storyDocument } from './story-document.mjs';
import { isEmptyBible, readStoryFile, replacedByImport, storyFile, storyFileName } from './story-file.mjs';
import { SyncState } from './story-sync.mjs';
import { SyncStatus } from './sync-status.mjs';
import { UndoHistory } from './undo-history.mjs';
import { UndoOffers } from './undo-offers.mjs';

// Six connections per origin in HTTP/1.1 browsers; one stays free for health checks and the page.
const streamConnections = 5;

const store = new Store();
const gate = new ConnectionGate(streamConnections);
const element = (id) => document.getElementById(id);
const cards = new Map(); // FeedbackCard -> AbortController of its running request
const promptView = new PromptView(element('prompt-view'));
let promptPreview = null; // AbortController of the preview being fetched
let health = null;
let healthTimer = null;
// Every click that changes the story (a kept answer, an import, a removal) can be undone until
// the writer leaves the page.
const undo = new UndoOffers(new UndoHistory());
const confirmDialog = new ConfirmDialog();

// The library, once the server says it keeps one (see startLibrary).
const libraryApi = new LibraryApi();
const library = new LibrarySession({
  api: libraryApi,
  pageDocument: () => storyDocument({ bible: bibleView.bible, raters: ratersView.raters, plotPoint: plotPoint.value }),
  showStory: (story) => showState(pageStateOf(story, defaultRaters)),
  // What a first visit imports: anything the writer had in this browser before the library.
  hasOwnStory: () => !isEmptyBible(bibleView.bible) || hasText(plotPoint.value) || !areDefaultRaters(ratersView.raters),
  // A new story starts empty, with the raters the writer has now.
  newStory: () => storyDocument({ bible: emptyBible(), raters: ratersView.raters, plotPoint: '' }),
  onSyncChange: (state, sync) => syncChanged(state, sync),
  onOpen: (story) => {
    chat.storyOpened(story);
    refreshLibraryViews();
  },
});
/** An operation's body on the open stored story (see LibrarySession.requestFor). */
const prepareRequest = (body, job) => library.requestFor(body, { chapter: job?.chapter });

const characterGenerator = new CharacterGenerator({
  getBible: () => bibleView.bible,
  gate,
  undo,
  prepareRequest,
  onCreate: (character) => bibleView.addCharacter(character),
  onRemove: (character) => bibleView.removeCharacter(character),
  onFinished: () => refreshHealth(),
});
const bioShortener = new BioShortener({
  getBible: () => bibleView.bible,
  gate,
  undo,
  prepareRequest,
  onChange: (character) => bibleView.characterChanged(character),
  onFinished: () => refreshHealth(),
});
const outlinePlanner = new OutlinePlanner({
  getBible: () => bibleView.bible,
  gate,
  undo,
  prepareRequest,
  onPlanChange: () => bibleView.chapterPlanChanged(),
  onFinished: () => refreshHealth(),
});
const bibleView = new BibleView(element('bible-form'), store.loadBible(), (bible) => {
  reportSaved(store.saveBible(bible));
  workspace.bibleChanged();
  chat.bibleChanged();
  library.edited();
}, {
  charactersExtra: h('div', {}, bioShortener.element, characterGenerator.element),
  plotExtra: outlinePlanner.element,
  undo,
  onShortenBio: (character) => bioShortener.shorten(character),
});
const ratersView = new RatersView(element('raters-form'), store.loadRaters(), (raters) => {
  reportSaved(store.saveRaters(raters));
  updateRunControls();
  library.edited();
}, { undo });
const plotPoint = element('plot-point');
const workspace = new ChapterWorkspace(element('chapter-workspace'), {
  getBible: () => bibleView.bible,
  store,
  gate,
  plotPoint,
  undo,
  prepareRequest,
  onBibleChange: ({ chapter, added, removed }) => {
    reportSaved(store.saveBible(bibleView.bible));
    if (added || removed) bibleView.renderChapters();
    else bibleView.chapterChanged(chapter);
    library.edited();
  },
  onFinished: () => refreshHealth(),
});
// Talk about the story, beside the chapter: on a stored story the library keeps the conversations.
const chat = new ChatPanel(element('chat-panel'), {
  getBible: () => bibleView.bible,
  gate,
  prepareRequest,
  api: libraryApi,
  confirm: confirmDialog,
  onFinished: () => refreshHealth(),
});

const keyField = element('api-key');
keyField.value = apiKey();
keyField.addEventListener('change', () => setApiKey(keyField.value));

function reportSaved(saved) {
  // With a library, the line says how the story stands there (SyncStatus); this browser's copy
  // is then a spare, worth a word only when it was refused.
  if (library.started && saved) return;
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

/** The raters a panel run asks, or none after saying on the page why it cannot run. */
function ratersToAsk() {
  const raters = ratersView.raters.filter((rater) => rater.enabled && rater.prompt.trim() !== '');
  const problem = element('run-panel').disabled
    ? 'The server has no model ready yet.'
    : plotPoint.value.trim() === ''
      ? 'Write the plot point you want feedback on first.'
      : raters.length === 0 ? 'Switch on at least one rater in the Raters tab.' : '';
  element('run-hint').textContent = problem;
  if (problem && plotPoint.value.trim() === '') plotPoint.focus();
  return problem ? [] : raters;
}

function runPanel() {
  const raters = ratersToAsk();
  if (raters.length === 0) return;
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
      const body = await prepareRequest(request);
      for await (const event of streamRaterFeedback(body, { signal: controller.signal })) {
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

/**
 * Shows the prompt the first rater of the panel would get; the story in it is the same for every
 * rater, only the rater's own prompt differs.
 */
async function showPrompt() {
  const [rater] = ratersToAsk();
  if (!rater) return;
  promptPreview?.abort();
  const controller = new AbortController();
  promptPreview = controller;
  promptView.showLoading();
  try {
    const body = await prepareRequest(feedbackRequest(rater));
    promptView.show(await previewOperation(operations.raterFeedback, body, { signal: controller.signal }));
  } catch (error) {
    if (controller.signal.aborted) return;
    promptView.showError(error instanceof ApiError ? `${explainError(error.code)} ${error.message}` : String(error?.message ?? error));
  } finally {
    if (promptPreview === controller) promptPreview = null;
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
  chat.setReady(!run.disabled);
  characterGenerator.setReady(!run.disabled);
  bioShortener.setReady(!run.disabled);
  outlinePlanner.setReady(!run.disabled);
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
  if (health?.library?.available) startLibrary();
  healthTimer = setTimeout(refreshHealth, description.state === 'ready' ? 5000 : 2000);
}

// --- The library -------------------------------------------------------------------------------

let libraryViews = null;
let askingConflict = false;

/**
 * The server keeps a library: the Library and History tabs appear, and the page's story becomes
 * a stored one (LibrarySession.start). Once started, a server that answers again is asked to
 * take the edits that waited.
 */
async function startLibrary() {
  if (library.started) {
    library.retry();
    return;
  }
  if (!libraryViews) {
    libraryViews = {
      status: new SyncStatus(element('library-status-slot'), {
        mirror: element('save-status'),
        onResolve: () => askConflict(),
        onRetry: () => library.sync?.flush().catch(() => {}),
      }),
      conflict: new ConflictDialog(),
      panel: new LibraryPanel(element('library-panel'), {
        session: library, api: libraryApi, confirm: confirmDialog,
        newStory: () => library.newStory(),
        renameOpen: async (title) => {
          bibleView.bible.title = title;
          const field = document.querySelector('[name=storyTitle]');
          if (field) field.value = title;
          reportSaved(store.saveBible(bibleView.bible));
          library.edited();
          await library.sync?.flush();
        },
        download: ({ name, blob }) => download(name, blob),
      }),
      search: new SearchView(element('search-view'), { api: libraryApi, openHit }),
      archive: new ArchiveAsk(element('archive-view'), { openCitation }),
      history: new HistoryView(element('history-view'), { api: libraryApi, session: library, confirm: confirmDialog }),
      answers: new AnswersView(element('answers-view'), { api: libraryApi, session: library }),
    };
    for (const id of ['tab-library', 'tab-history']) element(id).hidden = false;
  }
  try {
    await library.start();
  } catch (error) {
    libraryViews.panel.say(`The library could not be opened (${error.message}); the story is kept in this browser meanwhile.`, true);
  }
}

function syncChanged(state, sync) {
  libraryViews?.status.show(state, sync);
  if (state === SyncState.conflict) askConflict();
}

/** Shows both versions of a story saved elsewhere too, and does what the writer chooses. */
async function askConflict() {
  const sync = library.sync;
  if (askingConflict || !sync?.conflict) return;
  askingConflict = true;
  try {
    const choice = await libraryViews.conflict.ask({ theirs: sync.conflict.theirs, mine: sync.mine });
    if (choice === 'mine' || choice === 'theirs') {
      libraryViews.status.note(await library.resolveConflict(choice));
      refreshLibraryViews();
    }
  } catch (error) {
    libraryViews.status.note(`That did not work: ${error.message}`);
  } finally {
    askingConflict = false;
  }
}

/** Opens a search hit's story, at its chapter in the chapter workspace when it is one. */
async function openHit(hit) {
  try {
    await library.open(hit.storyId);
  } catch (error) {
    libraryViews.panel.say(`The story could not be opened: ${error.message}`, true);
    return;
  }
  if (hit.place === 'chapter' && hit.chapter !== undefined && workspace.showChapter(hit.chapter)) {
    element('tab-chapter').click();
    element('workspace-text').focus();
  } else {
    element('tab-bible').click();
  }
}

/** Opens a citation's story at its chapter in the chapter workspace, its words selected. */
async function openCitation(citation) {
  try {
    await library.open(citation.storyId);
  } catch (error) {
    libraryViews.panel.say(`The story could not be opened: ${error.message}`, true);
    return;
  }
  element('tab-chapter').click();
  if (workspace.showPassage(citation.chapter, citation.text)) return;
  element('tab-bible').click();
  libraryViews.panel.say(`Chapter ${citation.chapter} of \u201c${citation.title}\u201d is no longer in the story.`, true);
}

/** The library's views that are showing follow the open story. */
function refreshLibraryViews() {
  for (const [tab, refresh] of Object.entries(onTabShown)) {
    if (!element(element(tab).getAttribute('aria-controls')).hidden) refresh();
  }
}

// --- Import and export -----------------------------------------------------------------------

/** Everything the page holds that a file keeps: the story bible, plot point, raters and draft. */
function pageState() {
  return { bible: bibleView.bible, plotPoint: plotPoint.value, raters: ratersView.raters, draft: workspace.draftState };
}

/** Puts the parts a file holds in place (those it does not hold stay), and saves them. */
function applyState(parts) {
  showState(parts);
  library.edited();
}

/** Shows the parts given (those not given stay) and keeps them in this browser. */
function showState({ bible, plotPoint: text, raters, draft }) {
  if (bible) {
    bibleView.show(bible);
    reportSaved(store.saveBible(bible));
    workspace.bibleChanged();
    chat.bibleChanged();
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
  download(storyFileName(bibleView.bible.title), new Blob([json + '\n'], { type: 'application/json' }));
}

function download(name, blob) {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = name;
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

/** What showing a tab brings up to date (the library's tabs read the server when shown). */
const onTabShown = {
  'tab-talk': () => chat.refresh(),
  'tab-library': () => libraryViews?.panel.refresh(),
  'tab-history': () => {
    libraryViews?.history.refresh();
    libraryViews?.answers.refresh();
  },
};

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
    onTabShown[tab.id]?.();
  };
  tabs.forEach((tab) => {
    tab.addEventListener('click', () => select(tab));
    tab.addEventListener('keydown', (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      // Tabs that are hidden (the library's, without a library) are skipped.
      const shown = tabs.filter((other) => !other.hidden);
      const next = shown[(shown.indexOf(tab) + step + shown.length) % shown.length];
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
chat.render();
plotPoint.value = store.loadPlotPoint();
// What the page shows now is the story as it was left; changes from here on are edits.
library.pageShown();
plotPoint.addEventListener('input', () => {
  reportSaved(store.savePlotPoint(plotPoint.value));
  library.edited();
});
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
element('show-prompt').addEventListener('click', showPrompt);
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
