// The model writes a rater's answer as JSON — `{"opinion": "...", "suggestions": ["...", ...]}` —
// one token at a time. This reads whatever has arrived so far (with the same partial-JSON reader
// the chapter workspace uses), so a card can show the opinion and the suggestions as they are
// written instead of raw, half-finished JSON.
import { parsePartialJson } from './partial-json.mjs';

/** Opinion and suggestions found in a possibly incomplete answer. */
export function previewAnswer(text) {
  const value = parsePartialJson(text);
  const answer = value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
  const opinion = typeof answer.opinion === 'string' ? answer.opinion.trim() : '';
  const suggestions = (Array.isArray(answer.suggestions) ? answer.suggestions : [])
    .filter((suggestion) => typeof suggestion === 'string')
    .map((suggestion) => suggestion.trim())
    .filter((suggestion) => suggestion !== '');
  return { opinion, suggestions };
}
