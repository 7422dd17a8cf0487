// The search box over the writer's whole library: ranked places, each with its story, where it
// is and a snippet whose matched words are marked. The server cuts the snippet into fragments,
// so the marks are made here as <mark> elements around text nodes; no server text is ever read
// as HTML. Choosing a hit opens its story, at its chapter when it is one.
import { fill, h } from './dom.mjs';
import { describePlace } from './library-words.mjs';

export class SearchView {
  /** `api`: a LibraryApi; `openHit(hit)` opens the hit's story (and chapter). */
  constructor(container, { api, openHit }) {
    this.api = api;
    this.openHit = openHit;
    this.query = h('input', { type: 'search', id: 'search-query', name: 'q', autocomplete: 'off', placeholder: 'A name, a phrase, a place\u2026' });
    this.status = h('p', { id: 'search-status', class: 'hint', role: 'status', 'aria-live': 'polite' });
    this.results = h('ol', { id: 'search-results', class: 'search-results' });
    fill(container,
      h('form', { role: 'search', class: 'search-form', onSubmit: (event) => {
        event.preventDefault();
        this.search();
      } },
      h('label', { for: 'search-query' }, 'Search all your stories'),
      h('div', { class: 'row' }, this.query, h('button', { type: 'submit', id: 'search-button' }, 'Search'))),
      this.status,
      this.results);
  }

  async search() {
    const text = this.query.value.trim();
    if (!text) {
      this.status.textContent = 'Type the words to look for.';
      this.results.replaceChildren();
      return;
    }
    this.status.textContent = 'Searching\u2026';
    try {
      const hits = await this.api.search(text);
      this.status.textContent = hits.length ? `${hits.length} place${hits.length === 1 ? '' : 's'} found, best first.` : `Nothing in your stories matches \u201c${text}\u201d.`;
      fill(this.results, hits.map((hit) => h('li', { class: 'search-hit', 'data-story-id': hit.storyId, 'data-place': hit.place, 'data-chapter': hit.chapter ?? null },
        h('button', { type: 'button', class: 'search-open', onClick: () => this.openHit(hit) },
          h('span', { class: 'search-title' }, hit.title),
          h('span', { class: 'search-place' }, ` \u00b7 ${describePlace(hit)}`)),
        h('p', { class: 'search-snippet' }, snippetNodes(hit)))));
    } catch (error) {
      this.status.textContent = `The search did not work: ${error.message}`;
    }
  }
}

/** The snippet as text nodes, its matched words each in a <mark>. */
export function snippetNodes(hit) {
  const fragments = Array.isArray(hit.fragments) && hit.fragments.length ? hit.fragments : [{ text: hit.snippet ?? '', match: false }];
  return fragments.map((fragment) => (fragment.match
    ? h('mark', {}, String(fragment.text ?? ''))
    : document.createTextNode(String(fragment.text ?? ''))));
}
