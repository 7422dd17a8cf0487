import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conversationMessages, mostTurns } from '../../Sources/WriterAssistantWebApp/Site/js/archive-ask.mjs';

test('a follow-up sends the latest turns the server takes, whole questions with their answers', () => {
  assert.deepEqual(conversationMessages([{ question: 'Who?', answer: 'Ivo.' }]), [
    { role: 'user', content: 'Who?' }, { role: 'assistant', content: 'Ivo.' },
  ]);
  const turns = Array.from({ length: 30 }, (_, index) => ({ question: `q${index}`, answer: `a${index}` }));
  const messages = conversationMessages(turns);
  assert.equal(messages.length, mostTurns);
  assert.deepEqual(messages[0], { role: 'user', content: 'q10' });
  assert.deepEqual(messages.at(-1), { role: 'assistant', content: 'a29' });
});
