// What "What the raters read" says of a preview: the budget's use, what was left out, each part.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chapterList, describePreview } from '../../Sources/WriterAssistantWebApp/Site/js/prompt-view.mjs';

const preview = {
  prompt_tokens: 3871,
  budget: 3896,
  model: 'SmolLM2-135M-Instruct.Q4_1.gguf',
  sections: [
    { kind: 'preamble', treatment: 'whole', tokens: 21, text: 'You are a helpful assistant.' },
    { kind: 'chapter', chapter: 1, treatment: 'omitted', tokens: 672 },
    { kind: 'chapter', chapter: 2, treatment: 'omitted', tokens: 672 },
    { kind: 'chapter', chapter: 3, treatment: 'omitted', tokens: 700 },
    { kind: 'chapter', chapter: 4, treatment: 'whole', tokens: 690, text: '# Chapter 4\nAri walked.' },
    { kind: 'request', treatment: 'whole', tokens: 14, text: '# Plot point to evaluate\nAri opens the door.' },
    { kind: 'instructions', treatment: 'whole', tokens: 180, text: '# Your answer\n…' },
  ],
};

test('chapter numbers read as runs', () => {
  assert.equal(chapterList([2]), 'Chapter 2');
  assert.equal(chapterList([1, 2, 3]), 'Chapters 1–3');
  assert.equal(chapterList([1, 2]), 'Chapters 1, 2');
  assert.equal(chapterList([1, 4, 5, 6, 9]), 'Chapters 1, 4–6 and 9');
});

test('the budget, what was left out and every part in order', () => {
  const described = describePreview(preview);
  assert.equal(described.usage, '3,871 of 3,896 tokens');
  assert.ok(described.share > 0.99 && described.share <= 1);
  assert.equal(described.summary, "Chapters 1–3 did not fit the model's context window and were left out.");
  assert.deepEqual(described.rows.map((row) => row.label), [
    'System prompts', 'Chapter 1', 'Chapter 2', 'Chapter 3', 'Chapter 4', 'The plot point and the rater', 'How to answer',
  ]);
  assert.deepEqual(described.rows.map((row) => row.treatmentLabel).slice(0, 5), ['read whole', 'left out', 'left out', 'left out', 'read whole']);
  assert.equal(described.rows[1].text, null);
  assert.equal(described.rows[4].text, '# Chapter 4\nAri walked.');
  assert.equal(described.rows[1].tokens, '672 tokens');
});

test('a story that fits is read whole, one part left out is singular, estimates say so', () => {
  const whole = { ...preview, sections: preview.sections.filter((section) => section.treatment === 'whole') };
  assert.equal(describePreview(whole).summary, 'The raters read the whole story.');
  const one = { ...preview, sections: [{ kind: 'chapter', chapter: 1, treatment: 'omitted', tokens: 5 }] };
  assert.equal(describePreview(one).summary, "Chapter 1 did not fit the model's context window and was left out.");
  const estimated = describePreview({ ...preview, token_counts_estimated: true });
  assert.equal(estimated.usage, 'about 3,871 of 3,896 tokens');
  assert.equal(estimated.rows[0].tokens, 'about 21 tokens');
});

test('chapters quoted are named apart from those left out', () => {
  const sections = [
    { kind: 'chapter', chapter: 1, treatment: 'omitted', tokens: 672 },
    { kind: 'chapter', chapter: 4, treatment: 'whole', tokens: 690, text: '# Chapter 4\nAri walked.' },
    { kind: 'chapter', chapter: 3, treatment: 'quoted', tokens: 80, text: '# Chapter 3 (passages)\nThe weir.' },
    { kind: 'chapter', chapter: 2, treatment: 'quoted', tokens: 60, text: '# Chapter 2 (passages)\nThe boat.' },
  ];
  assert.equal(describePreview({ ...preview, sections }).summary,
    "Chapter 1 did not fit the model's context window and was left out. "
      + 'Chapters 2, 3 did not fit whole: only the passages that bear on this request were read.');
  const onlyQuoted = describePreview({ ...preview, sections: sections.slice(1) });
  assert.equal(onlyQuoted.summary, 'Chapters 2, 3 did not fit whole: only the passages that bear on this request were read.');
});

test('chapters read as summaries, and summaries still to come, are said', () => {
  const sections = [
    { kind: 'chapter', chapter: 1, treatment: 'summary', tokens: 70, text: '# Chapter 1 (summary)\nMara leaves.' },
    { kind: 'chapter', chapter: 2, treatment: 'summary', tokens: 64, text: '# Chapter 2 (summary)\nThe weir.' },
    { kind: 'chapter', chapter: 3, treatment: 'omitted', tokens: 690 },
    { kind: 'chapter', chapter: 4, treatment: 'whole', tokens: 690, text: '# Chapter 4\nAri walked.' },
  ];
  const described = describePreview({ ...preview, sections, summaries_pending: [3], summaries_failed: 'no' });
  assert.equal(described.summary,
    "Chapter 3 did not fit the model's context window and was left out. "
      + 'Chapters 1, 2 did not fit whole and were read as a summary. '
      + 'The summary of chapter 3 is being written: ask again in a while and it will be read.');
  assert.equal(described.rows[0].treatmentLabel, 'read as a summary');
  const failed = describePreview({ ...preview, sections: sections.slice(2), summaries_failed: [3] });
  assert.match(failed.summary, /The summary of chapter 3 could not be written; it will be tried again\.$/);
});

test('a malformed preview does not throw', () => {
  const described = describePreview({});
  assert.deepEqual(described.rows, []);
  assert.equal(described.share, 1);
  assert.equal(described.summary, 'The raters read the whole story.');
});
