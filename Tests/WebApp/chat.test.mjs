// Talk about the story: what the chat panel sends, keeps and lists, and the library's calls for a
// stored story's conversations, against a fake fetch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  agentName, agents, characterNames, chatOperation, chatRequest, conversationFromStored, conversationToSave, describeListing,
  emptyConversation, listingTitle, longestTurn, mostTurns, notKeptNote, omittedTurnsNote, savedConversation, sendProblem, talkingWith, withReply,
} from '../../Sources/WriterAssistantWebApp/Site/js/chat-conversation.mjs';
import { streamPath } from '../../Sources/WriterAssistantWebApp/Site/js/api.mjs';
import { LibraryApi } from '../../Sources/WriterAssistantWebApp/Site/js/library-api.mjs';
import { describeAnswer, operationNames } from '../../Sources/WriterAssistantWebApp/Site/js/library-words.mjs';
import { emptyBible, emptyCharacter } from '../../Sources/WriterAssistantWebApp/Site/js/store.mjs';

const turns = (count) => Array.from({ length: count }, (_, index) => ({
  role: index % 2 === 0 ? 'user' : 'assistant', content: `turn ${index}`,
}));

function bibleWith(...names) {
  const bible = emptyBible();
  bible.characters = names.map((name) => ({ ...emptyCharacter(), name, basicBio: `${name}'s bio.` }));
  return bible;
}

test('the four agents, by the names the server takes', () => {
  assert.deepEqual(agents.map((agent) => agent.value), ['writer', 'character', 'editor', 'worldbuilding']);
  assert.deepEqual(agents.map((agent) => agent.label), ['Writer', 'Character', 'Editor', 'Worldbuilder']);
  assert.equal(streamPath(chatOperation), '/api/v1/chat/stream?tokens=true');
});

test('a request carries the agent, the turns with the new one last, and the story', () => {
  const context = { worldbuilding: { content: 'A valley of glass.', wordCount: 4 } };
  const conversation = { ...emptyConversation({ agent: 'editor' }), messages: turns(2) };
  assert.deepEqual(chatRequest(conversation, 'And the ending?', context), {
    agent: 'editor',
    messages: [...turns(2), { role: 'user', content: 'And the ending?' }],
    structured_context: context,
  });
});

test('the character goes only with the character agent, the conversation\'s name once the server gave one', () => {
  const withCharacter = chatRequest({ ...emptyConversation({ agent: 'character', characterName: 'Ari' }), conversationId: 'c-1' }, 'Hello', {});
  assert.equal(withCharacter.characterName, 'Ari');
  assert.equal(withCharacter.conversationId, 'c-1');
  const writer = chatRequest(emptyConversation({ agent: 'writer', characterName: 'Ari' }), 'Hello', {});
  assert.equal('characterName' in writer, false);
  assert.equal('conversationId' in writer, false);
});

test('at most the latest 200 turns are sent, the new one last', () => {
  const conversation = { ...emptyConversation(), messages: turns(250) };
  const { messages } = chatRequest(conversation, 'The newest', {});
  assert.equal(mostTurns, 200);
  assert.equal(messages.length, 200);
  assert.deepEqual(messages[0], { role: 'assistant', content: 'turn 51' });
  assert.deepEqual(messages.at(-1), { role: 'user', content: 'The newest' });
  // A short conversation goes whole.
  assert.equal(chatRequest({ ...emptyConversation(), messages: turns(199) }, 'x', {}).messages.length, 200);
  assert.equal(chatRequest({ ...emptyConversation(), messages: turns(3) }, 'x', {}).messages.length, 4);
});

test('a reply adds both turns, the cleaned reply, and keeps the name the server gave', () => {
  const before = emptyConversation({ agent: 'character', characterName: 'Ari' });
  const after = withReply(before, 'Where were you?', { reply: 'At the weir.', conversationId: 'abc-1', agent: 'character' });
  assert.deepEqual(after.messages, [{ role: 'user', content: 'Where were you?' }, { role: 'assistant', content: 'At the weir.' }]);
  assert.equal(after.conversationId, 'abc-1');
  assert.equal(after.characterName, 'Ari');
  assert.deepEqual(before.messages, [], 'the conversation before is left as it was');
  // Without a library no name comes, and one given before stays.
  assert.equal(withReply(before, 'Hi', { reply: 'Hello.' }).conversationId, null);
  assert.equal(withReply({ ...before, conversationId: 'kept' }, 'Hi', { reply: 'Hello.' }).conversationId, 'kept');
});

test('a stored conversation becomes the panel\'s: turns, agent, character and name', () => {
  const stored = {
    id: 'c-7', storyId: 's-1', agent: 'character', characterName: 'Tomas',
    messages: [{ role: 'user', content: 'Why?' }, { role: 'assistant', content: 'Because.' }, { role: 'narrator', content: 'odd' }, null],
    createdAt: '2025-01-01T10:00:00Z', updatedAt: '2025-01-01T10:05:00Z',
  };
  assert.deepEqual(conversationFromStored(stored), {
    agent: 'character', characterName: 'Tomas', conversationId: 'c-7',
    messages: [{ role: 'user', content: 'Why?' }, { role: 'assistant', content: 'Because.' }],
  });
  const editor = conversationFromStored({ id: 'c-8', agent: 'editor', messages: [] });
  assert.equal(editor.characterName, '');
  assert.equal(conversationFromStored({ id: 'c-9', agent: 'poet', messages: [] }).agent, 'writer');
});

test('a conversation kept in this browser comes back after a reload; anything else is a new one', () => {
  const conversation = { agent: 'worldbuilding', characterName: '', messages: turns(4), conversationId: null };
  const kept = JSON.parse(JSON.stringify(conversationToSave(conversation)));
  assert.deepEqual(savedConversation(kept), conversation);
  for (const broken of [null, 'text', [], { agent: 'poet', messages: [] }, {}]) {
    assert.deepEqual(savedConversation(broken), emptyConversation());
  }
  assert.deepEqual(savedConversation({ agent: 'editor', messages: 'none' }).messages, []);
});

test('a turn on a stored story that came back without its conversation is said not to be kept', () => {
  assert.match(notKeptNote(true, { reply: 'Yes.', context_metadata: {} }), /not kept with the stored story/);
  assert.match(notKeptNote(true, { reply: 'Yes.', conversationId: '' }), /not kept/);
  assert.equal(notKeptNote(true, { reply: 'Yes.', conversationId: 'talk-1' }), '');
  // Without a library the page keeps the conversation itself.
  assert.equal(notKeptNote(false, { reply: 'Yes.' }), '');
});

test('the note on turns not read says how many, quietly, and nothing when all were read', () => {
  assert.equal(omittedTurnsNote({ omitted_turns: 1 }), 'The oldest turn was not read whole: the conversation is longer than the agent reads at once.');
  assert.equal(omittedTurnsNote({ omitted_turns: 12 }), 'The oldest 12 turns were not read whole: the conversation is longer than the agent reads at once.');
  assert.equal(omittedTurnsNote({ processing_time: 1 }), '');
  assert.equal(omittedTurnsNote(undefined), '');
  assert.equal(omittedTurnsNote({ omitted_turns: 0 }), '');
});

test('the characters to pick are the bible\'s named ones, each once', () => {
  assert.deepEqual(characterNames(bibleWith('Ari', 'Tomas', 'Ari')), ['Ari', 'Tomas']);
  assert.deepEqual(characterNames(emptyBible()), []);
});

test('what stops a message from being sent is said', () => {
  const writer = emptyConversation();
  assert.equal(sendProblem(writer, 'Hello', []), '');
  assert.match(sendProblem(writer, '   ', []), /Write your message/);
  assert.match(sendProblem(writer, 'x'.repeat(longestTurn + 1), []), /at most 8,000 characters/);
  assert.equal(sendProblem(writer, 'x'.repeat(longestTurn), []), '');
  const character = emptyConversation({ agent: 'character', characterName: 'Ari' });
  assert.match(sendProblem(character, 'Hello', []), /Add a character/);
  assert.equal(sendProblem(character, 'Hello', ['Ari']), '');
  assert.match(sendProblem(character, 'Hello', ['Tomas']), /Ari is no longer in the story bible/);
  assert.match(sendProblem({ ...character, characterName: '' }, 'Hello', ['Tomas']), /Choose the character/);
});

test('who answers and the list\'s lines', () => {
  assert.equal(agentName('character', 'Ari'), 'Ari');
  assert.equal(agentName('writer'), 'Fellow writer');
  assert.equal(agentName('worldbuilding', 'Ari'), 'Worldbuilder');
  assert.equal(talkingWith('writer'), 'the fellow writer');
  assert.equal(talkingWith('character', 'Ari'), 'Ari');
  const now = Date.parse('2025-03-01T12:00:00Z');
  assert.equal(describeListing({ agent: 'character', characterName: 'Ari', turns: 4, updatedAt: '2025-03-01T11:58:00Z' }, { now }),
    'Ari (character) \u00b7 4 turns \u00b7 2 min ago');
  assert.equal(describeListing({ agent: 'editor', turns: 1, updatedAt: 'never' }, { now }), 'Editor \u00b7 1 turn');
  assert.equal(listingTitle({ title: '  Why does Ari run?  ' }), 'Why does Ari run?');
  assert.equal(listingTitle({ title: '' }), 'Untitled conversation');
});

test('a chat kept in the story\'s history reads as its reply', () => {
  assert.equal(operationNames.chat, 'Talk about the story');
  const { heading, lines } = describeAnswer({
    operation: 'chat', rater: 'Ari', version: 3, createdAt: '2025-01-01T00:00:00Z', result: { reply: 'I kept the letter.\n\nFor him.' },
  });
  assert.equal(heading, 'Talk about the story \u00b7 Ari');
  assert.deepEqual(lines, ['I kept the letter. For him.']);
});

function recordingFetch(answer) {
  const calls = [];
  return {
    calls,
    fetch: async (url, init) => {
      calls.push({ url, init });
      return answer(url, init);
    },
  };
}

test('a stored story\'s conversations are listed, opened and deleted by the library\'s calls', async () => {
  const listing = { id: 'c-1', agent: 'writer', title: 'Hello', turns: 2, createdAt: 'x', updatedAt: 'x' };
  const { fetch, calls } = recordingFetch((url, init) => {
    if (init.method === 'DELETE') return new Response(null, { status: 204 });
    const body = url.endsWith('/conversations') ? { conversations: [listing] } : { ...listing, storyId: 's/1', messages: [] };
    return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
  });
  const api = new LibraryApi({ fetch });
  assert.deepEqual(await api.conversations('s/1'), [listing]);
  assert.equal((await api.conversation('s/1', 'c-1')).id, 'c-1');
  assert.equal(await api.deleteConversation('s/1', 'c-1'), undefined);
  assert.deepEqual(calls.map((call) => [call.init.method, call.url]), [
    ['GET', '/api/v1/stories/s%2F1/conversations'],
    ['GET', '/api/v1/stories/s%2F1/conversations/c-1'],
    ['DELETE', '/api/v1/stories/s%2F1/conversations/c-1'],
  ]);
});

test('a conversation that is gone is an ApiError with the server\'s code', async () => {
  const { fetch } = recordingFetch(() => new Response(JSON.stringify({ detail: 'The story has no conversation \'c-2\'.', error_code: 'NOT_FOUND' }),
    { status: 404, headers: { 'Content-Type': 'application/json' } }));
  const api = new LibraryApi({ fetch });
  await assert.rejects(api.deleteConversation('s1', 'c-2'), { code: 'NOT_FOUND', message: 'The story has no conversation \'c-2\'.' });
  await assert.rejects(api.conversation('s1', 'c-2'), { code: 'NOT_FOUND' });
});
