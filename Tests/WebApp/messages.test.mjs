import assert from 'node:assert/strict';
import test from 'node:test';

import { describeMetadata } from '../../Sources/WriterAssistantWebApp/Site/js/messages.mjs';

test('what was left out, summarised and quoted is said', () => {
  const line = describeMetadata({
    processing_time: 2.04, completion_tokens: 80, prompt_tokens: 3800, cached_tokens: 3000,
    omitted_context: ['chapter 1', 'chapter 2', 'chapter 3'], summarised_context: [1, 2], summaries_pending: [3],
    quoted_context: [{ chapter: 3, paragraphs: [2] }],
  });
  assert.equal(line, '2.0 s · 80 tokens written · 3800 tokens of story, 3000 already read'
    + ' · left out to fit: chapter 1, chapter 2, chapter 3 · read as summaries: chapter 1, chapter 2'
    + ' · summaries being written (read next time): chapter 3 · passages quoted from chapter 3');
  assert.match(describeMetadata({ processing_time: 1, summaries_failed: [4] }), /summaries that failed \(tried again later\): chapter 4$/);
  assert.equal(describeMetadata({ processing_time: 1 }), '1.0 s');
});
