// The page's story as the library keeps it, and back: the story bible, the raters and the plot
// point become a story document (`{title, structured_context, raters, plotPoint}`); a stored story
// becomes the page's state again. And what two versions of one story hold that differs, for the
// writer to choose between when a save was refused because the story was saved elsewhere.
//
// The document keeps everything the writer typed, which is more than an operation's request
// holds: a chapter with a title and no text yet, a character with a bio and no name. Only
// entries with nothing typed in them at all are left out.
import { characterFields, contextTexts, hasText, isObject, normalizeBible, plotContextOf, pruned, sameRaters, savedRaters } from './store.mjs';
import { countWords } from './words.mjs';

/** The title of a story whose writer has not named it (the library needs one). */
export const untitledStory = 'Untitled story';
/** The longest title the library takes. */
export const longestTitle = 300;

/** `title` cut to the length the library takes (in characters, not UTF-16 units). */
export function clippedTitle(title) {
  return [...title].slice(0, longestTitle).join('');
}

/** The story document for the page's `{ bible, raters, plotPoint }`. */
export function storyDocument({ bible, raters = [], plotPoint = '' }) {
  const context = contextTexts(bible);
  const characters = bible.characters
    .filter((character) => characterFields.some(([field]) => hasText(character[field])))
    .map((character) => ({ ...pruned(character), name: character.name ?? '' }));
  if (characters.length) context.characters = characters;
  const chapters = bible.previousChapters
    .filter((chapter) => hasText(chapter.title) || hasText(chapter.content))
    .map((chapter) => ({ number: chapter.number, title: chapter.title ?? '', content: chapter.content ?? '' }));
  if (chapters.length) context.previousChapters = chapters;
  const plot = plotContextOf(bible.plotContext);
  if (plot) context.plotContext = plot;
  return {
    title: hasText(bible.title) ? clippedTitle(bible.title) : untitledStory,
    structured_context: context,
    raters: raters.map(({ id, name, prompt, enabled }) => ({ id, name, prompt, enabled: enabled !== false })),
    plotPoint,
  };
}

/**
 * The page's `{ bible, raters, plotPoint }` for a stored story (or a story document). A story
 * without raters gets the default panel, as a first visit does.
 */
export function pageStateOf(story, defaultRaters) {
  const bible = normalizeBible(isObject(story.structured_context) ? story.structured_context : {});
  bible.title = typeof story.title === 'string' ? story.title : '';
  const stored = Array.isArray(story.raters) ? savedRaters(story.raters) : [];
  const raters = stored.length ? stored : defaultRaters();
  return { bible, raters, plotPoint: typeof story.plotPoint === 'string' ? story.plotPoint : '' };
}

/** Whether two story documents hold the same story (the server's own fields aside). */
export function sameStory(a, b) {
  const key = (story) => JSON.stringify(storyDocument(pageStateOf(story, () => [])));
  return key(a) === key(b);
}

/**
 * What two versions of a story hold, part by part, for the writer choosing between them:
 * `parts` (`{ part, theirs, mine, differs }`, each side said in a few words) and `chapters`
 * (`{ number, title, theirs, mine, differs }`, each side the chapter's text or null when that
 * version does not have it), in chapter order.
 */
export function compareStories(theirs, mine) {
  const a = pageStateOf(theirs, () => []);
  const b = pageStateOf(mine, () => []);
  const words = (text) => (hasText(text) ? `${countWords(text).toLocaleString('en')} words` : 'empty');
  const names = (characters) => (characters.length ? characters.map((character) => character.name.trim() || 'Unnamed').join(', ') : 'none');
  const row = (part, left, right, differs = left !== right) => ({ part, theirs: left, mine: right, differs });
  const prompts = (bible) => Object.values(bible.systemPrompts).join('\n');
  const parts = [
    row('Title', a.bible.title, b.bible.title),
    row('Plot point', words(a.plotPoint), words(b.plotPoint), a.plotPoint !== b.plotPoint),
    row('Worldbuilding', words(a.bible.worldbuilding.content), words(b.bible.worldbuilding.content),
      a.bible.worldbuilding.content !== b.bible.worldbuilding.content),
    row('Summary', words(a.bible.storySummary.summary), words(b.bible.storySummary.summary),
      a.bible.storySummary.summary !== b.bible.storySummary.summary),
    row('Outline', words(a.bible.plotContext.plotOutline), words(b.bible.plotContext.plotOutline),
      JSON.stringify(a.bible.plotContext) !== JSON.stringify(b.bible.plotContext)),
    row('System prompts', words(prompts(a.bible)), words(prompts(b.bible)), prompts(a.bible) !== prompts(b.bible)),
    row('Characters', names(a.bible.characters), names(b.bible.characters),
      JSON.stringify(a.bible.characters) !== JSON.stringify(b.bible.characters)),
    row('Raters', names(a.raters), names(b.raters), !sameRaters(a.raters, b.raters)),
  ];
  const byNumber = (bible) => new Map(bible.previousChapters.map((chapter) => [chapter.number, chapter]));
  const left = byNumber(a.bible);
  const right = byNumber(b.bible);
  const numbers = [...new Set([...left.keys(), ...right.keys()])].sort((x, y) => x - y);
  const chapters = numbers.map((number) => {
    const one = left.get(number);
    const other = right.get(number);
    return {
      number,
      title: other?.title || one?.title || '',
      theirs: one ? one.content : null,
      mine: other ? other.content : null,
      differs: one?.content !== other?.content || one?.title !== other?.title,
    };
  });
  return { parts, chapters };
}
