// "Talk about the story": a conversation with an agent who has read the story — a fellow writer,
// one of its characters, an editor or a keeper of its world — beside the chapter. The reply is
// written in live, then replaced by the reply as the server cleaned it. On a story kept in the
// library the server keeps each conversation with the story, listed here to reopen or delete;
// without a library the conversation is kept in this browser, with the story it is about.
import { forget, keep, readKept } from './kept-json.mjs';
import { ApiError, streamOperation } from './api.mjs';
import {
  agentName, agents, characterNames, chatOperation, chatRequest, conversationFromStored, conversationToSave,
  describeListing, emptyConversation, listingTitle, longestTurn, notKeptNote, omittedTurnsNote, savedConversation, sendProblem, talkingWith, withReply,
} from './chat-conversation.mjs';
import { fill, h } from './dom.mjs';
import { describeMetadata, explainError, workspacePhaseLabels } from './messages.mjs';
import { toStructuredContext } from './store.mjs';

/** The conversation of the story kept in this browser alone (there is one such story). */
const browserKey = 'writer-assistant.chat';
/**
 * The conversation that was open on a stored story, `{ storyId, conversationId }`, so a reload
 * shows it again (the library keeps its turns).
 */
const openKey = 'writer-assistant.chat.open';

export class ChatPanel {
  /**
   * - `getBible()`: the story bible as it is now;
   * - `gate`: the connection gate the other panels use too;
   * - `prepareRequest(body)`: the body sent (on a stored story, its id in place of the story);
   * - `api`: the LibraryApi (for the stored story's conversations), `confirm`: the page's ConfirmDialog;
   * - `onFinished()` after every reply, however it ended;
   * - `stream`, `storage`: replaced by tests.
   */
  constructor(container, { getBible, gate, prepareRequest, api, confirm, onFinished, stream = streamOperation, storage = globalThis.localStorage }) {
    this.container = container;
    this.getBible = getBible;
    this.gate = gate;
    this.prepare = prepareRequest ?? ((body) => body);
    this.api = api;
    this.confirm = confirm;
    this.onFinished = onFinished;
    this.stream = stream;
    this.storage = storage;
    this.ready = true;
    this.controller = null;
    /** The stored story whose conversations the panel shows, or null: the story in this browser. */
    this.storyId = null;
    this.conversation = savedConversation(this.#read(browserKey));
  }

  get running() {
    return this.controller !== null;
  }

  render() {
    this.agentSelect = h('select', { id: 'chat-agent', onChange: () => {
      this.conversation = { ...this.conversation, agent: this.agentSelect.value };
      this.#renderCharacterOptions();
      this.#persist();
    } }, agents.map((agent) => h('option', { value: agent.value }, agent.label)));
    this.characterSelect = h('select', { id: 'chat-character', 'aria-describedby': 'chat-character-hint', onChange: () => {
      this.conversation = { ...this.conversation, characterName: this.characterSelect.value };
      this.#persist();
    } });
    this.characterHint = h('p', { id: 'chat-character-hint', class: 'hint' });
    this.characterField = h('div', { class: 'field' },
      h('label', { for: 'chat-character' }, 'Character'), this.characterSelect, this.characterHint);
    this.withNote = h('p', { id: 'chat-with', class: 'hint' });
    this.emptyNote = h('p', { id: 'chat-empty', class: 'hint' }, 'No turns yet: say what is on your mind about the story.');
    this.turns = h('ol', { id: 'chat-turns', class: 'chat-conversation', 'aria-label': 'The conversation', 'aria-live': 'polite' });
    this.note = h('p', { id: 'chat-note', class: 'hint' });
    this.message = h('textarea', {
      id: 'chat-message', rows: 3, style: '--rows: 3', maxlength: longestTurn, 'aria-describedby': 'chat-message-hint',
      placeholder: 'Why would Tomas keep the letter from Ari?',
      onKeydown: (event) => {
        if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          this.send();
        }
      },
    });
    this.sendButton = h('button', { type: 'submit', id: 'chat-send', class: 'primary' }, 'Send');
    this.stopButton = h('button', { type: 'button', id: 'chat-stop', class: 'quiet', hidden: true, onClick: () => this.stop() }, 'Stop');
    this.newButton = h('button', { type: 'button', id: 'chat-new', class: 'quiet', onClick: () => this.startNew() }, 'New conversation');
    this.hint = h('p', { id: 'chat-hint', class: 'run-hint', role: 'alert' });
    this.progress = h('progress', { id: 'chat-progress', max: 100, value: 0, hidden: true, 'aria-label': 'The reply: progress' });
    this.status = h('p', { id: 'chat-status', class: 'hint', role: 'status' });
    this.error = h('div', { id: 'chat-error' });
    this.savedStatus = h('p', { id: 'chat-saved-status', class: 'hint', role: 'status', 'aria-live': 'polite' });
    this.savedList = h('ul', { id: 'chat-conversations', class: 'story-list', 'aria-label': 'Conversations kept with this story' });
    this.saved = h('section', { id: 'chat-saved', class: 'section', 'aria-labelledby': 'chat-saved-heading', hidden: true },
      h('h3', { id: 'chat-saved-heading' }, 'Conversations kept with this story'),
      this.savedStatus,
      this.savedList);

    fill(this.container, h('div', { class: 'chat-panel' },
      h('h2', { id: 'chat-heading' }, 'Talk about the story'),
      h('p', { class: 'hint' }, 'Someone who has read your story: a fellow writer with ideas, one of your characters in their own voice, an editor, or a keeper of your world.'),
      h('div', { class: 'chat-pickers' },
        h('div', { class: 'field' }, h('label', { for: 'chat-agent' }, 'Talk with'), this.agentSelect),
        this.characterField),
      this.withNote,
      this.emptyNote,
      this.turns,
      this.note,
      h('form', { class: 'chat-form', onSubmit: (event) => {
        event.preventDefault();
        this.send();
      } },
      h('div', { class: 'field' },
        h('label', { for: 'chat-message' }, 'Your message'),
        this.message,
        h('p', { id: 'chat-message-hint', class: 'hint' }, 'Ctrl+Enter sends.')),
      h('div', { class: 'row' }, this.sendButton, this.stopButton, this.newButton)),
      this.hint,
      this.progress,
      this.status,
      this.error,
      this.saved));
    this.#showConversation();
  }

  /** Whether the server has a model to ask (Send is off while it has none). */
  setReady(ready) {
    this.ready = ready;
    this.#updateControls();
  }

  /** The story bible changed (typed into, imported, another story opened): its characters follow. */
  bibleChanged() {
    if (this.agentSelect) this.#renderCharacterOptions();
  }

  /**
   * The library opened `story`: the panel shows its conversations (and the one that was open on it
   * before a reload), not the last story's. The same story again (a version restored) keeps the
   * conversation shown.
   */
  async storyOpened(story) {
    if (!story?.id) return;
    if (story.id === this.storyId) {
      this.refresh();
      return;
    }
    this.#abandon();
    this.storyId = story.id;
    this.conversation = emptyConversation({ agent: this.conversation.agent, characterName: this.conversation.characterName });
    this.#clearMessages();
    this.#showConversation();
    // The last story's conversations go at once, before this one's are listed.
    this.listings = [];
    if (this.savedList) {
      this.savedList.replaceChildren();
      this.savedStatus.textContent = '';
    }
    const remembered = this.#read(openKey);
    if (remembered?.storyId === story.id && typeof remembered.conversationId === 'string') {
      await this.open(remembered.conversationId, { quietly: true });
    }
    await this.refresh();
  }

  /** Lists the open stored story's conversations again (nothing to list without a library). */
  async refresh() {
    const id = this.storyId;
    if (!this.saved) return;
    this.saved.hidden = id === null;
    if (id === null) return;
    let listings;
    try {
      listings = await this.api.conversations(id);
    } catch (error) {
      if (this.storyId === id) this.savedStatus.textContent = `The conversations could not be listed: ${error.message}`;
      return;
    }
    if (this.storyId !== id) return; // another story opened meanwhile
    this.listings = listings;
    this.savedStatus.textContent = listings.length
      ? ''
      : 'None yet. A conversation is kept here once the agent has replied.';
    fill(this.savedList, listings.map((listing) => this.#entry(listing)));
  }

  /** Reopens the stored conversation `conversationId`: its turns, agent and character. */
  async open(conversationId, { quietly = false } = {}) {
    const id = this.storyId;
    if (id === null) return;
    let stored;
    try {
      stored = await this.api.conversation(id, conversationId);
    } catch (error) {
      // Forgotten only when it is gone; an outage leaves it to reopen next time.
      if (quietly && ['CONVERSATION_NOT_FOUND', 'STORY_NOT_FOUND'].includes(error?.code)) this.#remember(null);
      else if (this.storyId === id) this.savedStatus.textContent = `The conversation could not be opened: ${error.message}`;
      return;
    }
    if (this.storyId !== id) return;
    this.#abandon();
    this.conversation = conversationFromStored(stored);
    this.#clearMessages();
    this.#showConversation();
    this.#persist();
    this.#markOpen();
    if (!quietly) this.message.focus();
  }

  /** Sends the writer's message and streams the agent's reply into the conversation. */
  async send() {
    if (this.running) return;
    this.hint.textContent = '';
    if (!this.ready) return this.#problem('The server has no model ready yet.');
    const text = this.message.value.trim();
    const problem = sendProblem(this.conversation, text, characterNames(this.getBible()));
    if (problem) return this.#problem(problem);

    const conversation = this.conversation;
    const body = chatRequest(conversation, text, toStructuredContext(this.getBible()));
    const asked = this.#turn('user', text);
    const reply = this.#turn('assistant', '', { writing: true });
    this.turns.append(asked, reply);
    this.emptyNote.hidden = true;
    this.message.value = '';
    this.#clearMessages();
    const controller = new AbortController();
    this.controller = controller;
    this.#setPhase('queued', 0, 'Every connection is in use; this starts when one is free.');
    this.#updateControls();
    reply.scrollIntoView?.({ block: 'nearest' });
    let answer = '';
    try {
      await this.gate.acquire(controller.signal);
      try {
        this.#setPhase('connecting', 0);
        const prepared = await this.prepare(body);
        // Stopped while the story was being saved: nothing is asked.
        controller.signal.throwIfAborted();
        let result = null;
        for await (const event of this.stream(chatOperation, prepared, { signal: controller.signal })) {
          if (this.controller !== controller) return;
          if (event.type === 'status' && event.phase !== 'complete') this.#setPhase(event.phase, event.progress, event.message);
          else if (event.type === 'token') {
            answer += event.text ?? '';
            this.#writeTurn(reply, answer, { writing: true });
          } else if (event.type === 'error') throw new ApiError(event.error_code ?? 'HTTP_ERROR', event.message ?? '');
          else if (event.type === 'result') result = event.data;
        }
        if (!result) throw new ApiError('STREAM_ENDED', 'The connection closed before the answer was complete.');
        if (this.controller !== controller) return;
        // The reply as the server cleaned it stands in for the text written live.
        this.conversation = withReply(conversation, text, result);
        this.#writeTurn(reply, this.conversation.messages.at(-1).content);
        reply.removeAttribute('aria-busy');
        this.#persist();
        this.note.textContent = [notKeptNote(this.storyId !== null, result), omittedTurnsNote(result.context_metadata)]
          .filter(Boolean).join(' ');
        this.#setPhase(null);
        this.status.textContent = describeMetadata(result.context_metadata);
        if (this.storyId !== null) this.refresh();
      } finally {
        this.gate.release();
      }
    } catch (error) {
      // Given up for another conversation or story: its turns went with the one it belonged to.
      if (this.controller !== controller) return;
      // A message not answered is not part of the conversation: it goes back in the box.
      asked.remove();
      reply.remove();
      this.emptyNote.hidden = this.conversation.messages.length > 0;
      if (this.message.value.trim() === '') this.message.value = text;
      this.#setPhase(null);
      if (controller.signal.aborted) this.status.textContent = 'Stopped; the server stopped writing. Your message is back in the box.';
      else if (error instanceof ApiError) this.#showError(error.code, error.message);
      else this.#showError('HTTP_ERROR', String(error?.message ?? error));
    } finally {
      if (this.controller === controller) {
        this.controller = null;
        this.#updateControls();
        // The Send button was disabled: the next message is typed here, unless the writer went
        // on working elsewhere meanwhile.
        const focused = document.activeElement;
        if (!focused || focused === document.body || this.container.contains(focused)) this.message.focus();
      }
      this.onFinished?.();
    }
  }

  /** Stops the reply being written (the server stops generating it). */
  stop() {
    this.controller?.abort();
  }

  /** Sets the conversation aside (a stored one stays in the list) and starts a new one. */
  startNew() {
    this.#abandon();
    this.conversation = emptyConversation({ agent: this.conversation.agent, characterName: this.conversation.characterName });
    this.#clearMessages();
    this.#showConversation();
    this.#persist();
    this.#markOpen();
    this.message.focus();
  }

  // --- The stored conversations ---------------------------------------------------------------

  #entry(listing) {
    const title = listingTitle(listing);
    const open = listing.id === this.conversation.conversationId;
    return h('li', { class: `story-entry chat-entry${open ? ' open' : ''}`, 'data-conversation-id': listing.id, 'aria-current': open ? 'true' : null },
      h('button', { type: 'button', class: 'story-open chat-open', 'aria-label': open ? `${title} (open)` : `Open ${title}`,
        onClick: () => this.open(listing.id) }, title),
      h('span', { class: 'story-meta chat-meta' }, describeListing(listing)),
      h('span', { class: 'story-actions' },
        h('button', { type: 'button', class: 'quiet danger chat-delete', onClick: () => this.#delete(listing) }, `Delete \u201c${title}\u201d`)));
  }

  async #delete(listing) {
    const id = this.storyId;
    const title = listingTitle(listing);
    const sure = await this.confirm.ask({
      title: 'Delete this conversation for good?',
      lines: [`\u201c${title}\u201d: ${describeListing(listing)}`],
      note: 'This cannot be undone.',
      confirmLabel: 'Delete',
      cancelLabel: 'Keep it',
    });
    if (!sure || this.storyId !== id) return;
    try {
      await this.api.deleteConversation(id, listing.id);
    } catch (error) {
      this.savedStatus.textContent = `The conversation could not be deleted: ${error.message}`;
      return;
    }
    if (listing.id === this.conversation.conversationId) this.startNew();
    await this.refresh();
    if (this.storyId === id) this.savedStatus.textContent = `\u201c${title}\u201d was deleted.`;
  }

  /** Marks the open conversation in the list (without asking the server again). */
  #markOpen() {
    if (this.listings && this.storyId !== null) fill(this.savedList, this.listings.map((listing) => this.#entry(listing)));
  }

  // --- Showing ----------------------------------------------------------------------------------

  #showConversation() {
    if (!this.agentSelect) return;
    this.agentSelect.value = this.conversation.agent;
    fill(this.turns, this.conversation.messages.map((message) => this.#turn(message.role, message.content)));
    this.emptyNote.hidden = this.conversation.messages.length > 0;
    this.#renderCharacterOptions();
  }

  #turn(role, text, options) {
    const turn = h('li', { class: 'chat-turn', 'data-role': role },
      h('p', { class: 'chat-speaker' }, role === 'user' ? 'You' : agentName(this.conversation.agent, this.conversation.characterName)),
      h('p', { class: 'chat-text' }));
    this.#writeTurn(turn, text, options);
    return turn;
  }

  /** Puts `text` in a turn; one being written is busy (read out once done) and shows a cursor. */
  #writeTurn(turn, text, { writing = false } = {}) {
    turn.dataset.state = writing ? 'writing' : '';
    if (writing) turn.setAttribute('aria-busy', 'true');
    fill(turn.querySelector('.chat-text'), text, writing ? h('span', { class: 'cursor', 'aria-hidden': 'true' }) : null);
  }

  #renderCharacterOptions() {
    const names = characterNames(this.getBible());
    const chosen = this.conversation.characterName;
    const locked = this.conversation.messages.length > 0;
    // A conversation goes on with its character even when the bible no longer names them; the
    // Send button then says why it cannot.
    const options = names.map((name) => h('option', { value: name }, name));
    if (locked && chosen && !names.includes(chosen)) options.push(h('option', { value: chosen }, `${chosen} (no longer in the story bible)`));
    if (!options.length) options.push(h('option', { value: '' }, 'No characters in the story bible yet'));
    this.characterSelect.replaceChildren(...options);
    if (this.conversation.agent === 'character' && !locked && !names.includes(chosen)) {
      this.conversation = { ...this.conversation, characterName: names[0] ?? '' };
    }
    this.characterSelect.value = this.conversation.characterName || (names[0] ?? '');
    this.characterHint.textContent = names.length
      ? 'They answer in their own voice, as the story bible describes them.'
      : 'Add a character in the story bible to talk with them.';
    this.#updateControls();
  }

  #updateControls() {
    if (!this.sendButton) return;
    const running = this.running;
    // A conversation is with one agent (and character) throughout, as the library lists it.
    const locked = this.conversation.messages.length > 0;
    const names = characterNames(this.getBible());
    this.agentSelect.disabled = locked || running;
    this.characterField.hidden = this.conversation.agent !== 'character';
    this.characterSelect.disabled = locked || running || names.length === 0;
    this.withNote.textContent = locked
      ? `This conversation is with ${talkingWith(this.conversation.agent, this.conversation.characterName)}. To talk with someone else, start a new conversation.`
      : '';
    this.sendButton.disabled = running || !this.ready;
    this.stopButton.hidden = !running;
    this.newButton.disabled = !locked && !running;
  }

  #setPhase(phase, progress = 0, message = '') {
    this.progress.hidden = phase === null;
    this.progress.value = Math.max(0, Math.min(100, Number(progress) || 0));
    if (phase === null) {
      this.status.textContent = '';
      return;
    }
    const label = workspacePhaseLabels[phase] ?? phase;
    this.progress.setAttribute('aria-valuetext', `${label}, ${Math.round(this.progress.value)} percent`);
    // The server's words for the phase ("Writing the reply..."), else the page's.
    this.status.textContent = message || label;
  }

  #showError(code, detail) {
    fill(this.error, h('div', { class: 'error', role: 'alert' },
      h('p', {}, explainError(code, 'workspace')),
      h('p', { class: 'error-detail' }, detail ? `${detail} ` : '', h('code', {}, code))));
  }

  #problem(message) {
    this.hint.textContent = message;
    this.message.focus();
  }

  #clearMessages() {
    if (!this.hint) return;
    this.hint.textContent = '';
    this.note.textContent = '';
    this.status.textContent = '';
    this.error.replaceChildren();
  }

  /** Gives up the reply being written without a word: the conversation it belonged to is gone. */
  #abandon() {
    const controller = this.controller;
    this.controller = null;
    controller?.abort();
    if (this.progress) this.#setPhase(null);
  }

  // --- Keeping ----------------------------------------------------------------------------------

  /**
   * Keeps the conversation: in this browser for the story kept here, or (the library keeping its
   * turns) which one was open on the stored story.
   */
  #persist() {
    if (this.storyId === null) this.#write(browserKey, conversationToSave(this.conversation));
    else this.#remember(this.conversation.conversationId);
  }

  #remember(conversationId) {
    if (conversationId) this.#write(openKey, { storyId: this.storyId, conversationId });
    else {
      forget(this.storage, openKey);
    }
  }

  #read(key) {
    return readKept(this.storage, key);
  }

  #write(key, value) {
    // A full or refused storage: the conversation lasts until the page is left.
    keep(this.storage, key, value);
  }
}
