// Where a character of a text area is, in pixels, so the page can scroll a passage into view:
// selecting text in a text area does not scroll it there (a long chapter stayed at its top
// while an editor's quoted passage was selected far below), and a text area tells nothing of
// where its lines fall. A hidden copy laid out like it — same width, font, padding, wrapping —
// holds the text up to the character, and a marker after it gives its place.

const copiedStyles = [
  'boxSizing', 'fontFamily', 'fontSize', 'fontStyle', 'fontWeight', 'fontVariant', 'fontStretch',
  'letterSpacing', 'wordSpacing', 'lineHeight', 'textTransform', 'textIndent', 'tabSize',
  'paddingTop', 'paddingRight', 'paddingBottom', 'paddingLeft', 'whiteSpace', 'overflowWrap', 'wordBreak',
];

/** `{ top, height }` of the line holding character `position` of `textArea`, from the top of its text. */
export function positionInTextArea(textArea, position) {
  const style = getComputedStyle(textArea);
  const mirror = document.createElement('div');
  for (const name of copiedStyles) mirror.style[name] = style[name];
  Object.assign(mirror.style, {
    position: 'absolute', visibility: 'hidden', top: '0', left: '-10000px', border: '0', overflow: 'hidden',
    boxSizing: 'border-box', width: `${textArea.clientWidth}px`, whiteSpace: 'pre-wrap', overflowWrap: 'break-word',
  });
  mirror.textContent = textArea.value.slice(0, position);
  const marker = document.createElement('span');
  marker.textContent = '\u200b';
  mirror.append(marker);
  document.body.append(mirror);
  const place = { top: marker.offsetTop, height: marker.offsetHeight };
  mirror.remove();
  return place;
}

/**
 * Scrolls `textArea` so character `position` is a third of the way down it, then the window so
 * that line is on screen (a third of the way down, if it has to move at all).
 */
export function scrollToPosition(textArea, position) {
  const { top, height } = positionInTextArea(textArea, position);
  textArea.scrollTop = Math.max(0, top - textArea.clientHeight / 3);
  const onScreen = textArea.getBoundingClientRect().top + top - textArea.scrollTop;
  if (onScreen < 0 || onScreen + height > window.innerHeight) {
    window.scrollBy({ top: onScreen - window.innerHeight / 3, behavior: 'instant' });
  }
}
