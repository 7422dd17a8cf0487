// A conversation about the story with one of the chat's agents, as plain data: who it is with,
// its turns, and (on a story kept in the library) the name the server keeps it under. What the
// chat panel sends, keeps in this browser and lists is made here, so it can be tested without a
// page.
import { when } from './library-words.mjs';
import { isObject, toStructuredContext } from './store.mjs';

/**
 * The agents, by the name the server takes, with the name the picker shows and the name their
 * turns go by (the writer agent's is not "Writer": the writer is the one talking to it).
 */
export const agents = Object.freeze([
  { value: 'writer', label: 'Writer', speaker: 'Fellow writer' },
  { value: 'character', label: 'Character', speaker: 'Character' },
  { value: 'editor', label: 'Editor', speaker: 'Editor' },
  { value: 'worldbuilding', label: 'Worldbuilder', speaker: 'Worldbuilder' },
]);

/** The chat's operation, by the name in its path (`/api/v1/chat/stream`); it streams like the others. */
export const chatOperation = 'chat';

/** Most turns a request may carry (the server's `ChatRequest.mostMessages`): the latest are sent. */
export const mostTurns = 200;
/** Longest turn the server takes, in characters. */
export const longestTurn = 8000;

const agentNames = new Set(agents.map((agent) => agent.value));
const roles = new Set(['user', 'assistant']);

/** A conversation not begun: with the writer agent unless told otherwise. */
export function emptyConversation({ agent = 'writer', characterName = '' } = {}) {
  return { agent, characterName, messages: [], conversationId: null };
}

/** The names of the story bible's characters, as a request sends them, each once. */
export function characterNames(bible) {
  return [...new Set((toStructuredContext(bible).characters ?? []).map((character) => character.name))];
}

/**
 * The body of `chat/stream` for the writer's next turn `text` in `conversation`, on the story
 * `structuredContext` (the page swaps it for the stored story's id when it can): the latest
 * `mostTurns` turns, the new one last. The character goes only with the character agent, and the
 * conversation's name only once the server has given one.
 */
export function chatRequest(conversation, text, structuredContext) {
  const messages = [...conversation.messages, { role: 'user', content: text }].slice(-mostTurns);
  return {
    agent: conversation.agent,
    ...(conversation.agent === 'character' ? { characterName: conversation.characterName } : {}),
    messages,
    ...(conversation.conversationId ? { conversationId: conversation.conversationId } : {}),
    structured_context: structuredContext,
  };
}

/**
 * The conversation after the agent replied to `text`: both turns added (the reply as the server
 * cleaned it), and the name the server keeps it under, when it keeps it.
 */
export function withReply(conversation, text, result) {
  return {
    ...conversation,
    messages: [...conversation.messages, { role: 'user', content: text }, { role: 'assistant', content: String(result?.reply ?? '') }],
    conversationId: typeof result?.conversationId === 'string' && result.conversationId ? result.conversationId : conversation.conversationId,
  };
}

/** A conversation the library keeps (`GET …/conversations/{id}`) as the panel holds it. */
export function conversationFromStored(stored) {
  return {
    agent: agentNames.has(stored?.agent) ? stored.agent : 'writer',
    characterName: typeof stored?.characterName === 'string' ? stored.characterName : '',
    messages: validMessages(stored?.messages),
    conversationId: typeof stored?.id === 'string' ? stored.id : null,
  };
}

/**
 * A conversation kept in this browser (read back after a reload), or an empty one when what was
 * kept is not one. The server's name is not kept: without a library there is none.
 */
export function savedConversation(value) {
  if (!isObject(value) || !agentNames.has(value.agent)) return emptyConversation();
  return {
    agent: value.agent,
    characterName: typeof value.characterName === 'string' ? value.characterName : '',
    messages: validMessages(value.messages),
    conversationId: null,
  };
}

/** What this browser keeps of a conversation (see savedConversation). */
export function conversationToSave(conversation) {
  return { agent: conversation.agent, characterName: conversation.characterName, messages: conversation.messages };
}

/** Who answers in a conversation: "Editor", "Fellow writer", or the character's name. */
export function agentName(agent, characterName) {
  if (agent === 'character' && characterName) return characterName;
  return agents.find((item) => item.value === agent)?.speaker ?? agent;
}

/** Whom a conversation is with, within a sentence: "Ari", "the editor", "the fellow writer". */
export function talkingWith(agent, characterName) {
  if (agent === 'character' && characterName) return characterName;
  return `the ${agentName(agent).toLowerCase()}`;
}

/** A line about a kept conversation in the story's list: who, how many turns, when. */
export function describeListing(listing, { now = Date.now() } = {}) {
  const who = listing.agent === 'character' && listing.characterName
    ? `${listing.characterName} (character)`
    : agentName(listing.agent);
  const turns = Number(listing.turns) || 0;
  const parts = [who, `${turns} turn${turns === 1 ? '' : 's'}`];
  const updated = when(listing.updatedAt, now);
  if (updated) parts.push(updated);
  return parts.join(' \u00b7 ');
}

/** A kept conversation's name in the list: its title, or a word when it has none. */
export function listingTitle(listing) {
  return typeof listing.title === 'string' && listing.title.trim() ? listing.title.trim() : 'Untitled conversation';
}

/**
 * A quiet word when the agent could not read the whole conversation (`omitted_turns`): the
 * oldest turns were left out, or cut to their end, to fit. Empty when it read them all.
 */
export function omittedTurnsNote(metadata) {
  const count = Number(metadata?.omitted_turns);
  if (!Number.isInteger(count) || count < 1) return '';
  const turns = count === 1 ? 'The oldest turn was' : `The oldest ${count} turns were`;
  return `${turns} not read whole: the conversation is longer than the agent reads at once.`;
}

/**
 * A warning when a turn on a stored story came back without a conversation to keep it in: the
 * story was sent from the page (its save to the library failed), or the library failed to keep
 * the turn, so it lives only in this page. Empty when it was kept, or when no library keeps it.
 */
export function notKeptNote(onStoredStory, result) {
  if (!onStoredStory || (typeof result?.conversationId === 'string' && result.conversationId)) return '';
  return 'This turn is not kept with the stored story (the library could not keep it): copy what you need before leaving the page.';
}

/** Why the next turn cannot be sent yet, or '' when it can. */
export function sendProblem(conversation, text, names) {
  if (text.trim() === '') return 'Write your message first.';
  if (text.length > longestTurn) return `A message may be at most ${longestTurn.toLocaleString('en')} characters; this one has ${text.length.toLocaleString('en')}.`;
  if (conversation.agent === 'character') {
    if (!names.length) return 'Add a character to the story bible first: the character agent answers as one of them.';
    if (!conversation.characterName) return 'Choose the character to talk to.';
    if (!names.includes(conversation.characterName)) {
      return `${conversation.characterName} is no longer in the story bible: start a new conversation with another character.`;
    }
  }
  return '';
}

function validMessages(messages) {
  return (Array.isArray(messages) ? messages : [])
    .filter((message) => isObject(message) && roles.has(message.role) && typeof message.content === 'string')
    .map(({ role, content }) => ({ role, content }));
}
