// Words for the writer: what each phase means and what each failure means for them.

export const phaseLabels = {
  queued: 'Waiting for a free connection',
  connecting: 'Sending the story',
  context_processing: 'Reading the story',
  evaluating: 'Weighing the plot point',
  generating_feedback: 'Writing feedback',
  parsing: 'Reading the answer',
  complete: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

const errorExplanations = {
  LLM_NOT_AVAILABLE: 'No model is loaded on the server, so nobody can read your story yet. Start the server with a model (for example `make run`) and try again.',
  LLM_LOADING: 'The model is still loading. Try again in a few seconds.',
  CONTEXT_PROCESSING_ERROR: 'The server could not prepare your story for the model.',
  GENERATION_FAILED: 'The model stopped while writing this feedback. Running the rater again usually helps.',
  GENERATION_TIMEOUT: 'The model took too long and was stopped. A shorter story bible or fewer raters at once will help.',
  PARSING_ERROR: 'The model wrote something that is not feedback. Running the rater again usually helps.',
  ANSWER_TRUNCATED: 'The answer reached the server\u2019s token limit before its first suggestion. Start the server with a larger --max-tokens.',
  SERVER_BUSY: 'The server is busy with other writers\u2019 requests. Wait a moment and run this rater again.',
  PAYLOAD_TOO_LARGE: 'Your story bible is larger than the server accepts. Leave out some chapters and try again.',
  UNSUPPORTED_MEDIA_TYPE: 'The server did not accept the request.',
  HOST_NOT_ALLOWED: 'The server does not answer to the address this page was opened at. Open it at http://127.0.0.1 or start the server with --allowed-hosts.',
  UNAUTHORIZED: 'This server needs an API key. Enter the key you were given under \u201cServer key\u201d at the top of the page and run the rater again.',
  SERVER_SHUTTING_DOWN: 'The server was stopped before this feedback was finished. Run the rater again once it is back.',
  VALIDATION_ERROR: 'The server did not accept the request.',
  NETWORK_ERROR: 'The server could not be reached. Is it still running?',
  STREAM_ENDED: 'The connection closed before the feedback was complete. Try again.',
  HTTP_ERROR: 'The server answered with an error.',
};

// The same failures in the chapter workspace, where there is no rater to run again.
const workspaceExplanations = {
  CONTEXT_PROCESSING_ERROR: 'The server could not prepare your story for the model: the chapter, or the text you sent with it, may be too long for the model\u2019s context window.',
  GENERATION_FAILED: 'The model stopped while writing. Asking again usually helps.',
  GENERATION_TIMEOUT: 'The model took too long and was stopped. A shorter chapter or story bible will help.',
  PARSING_ERROR: 'The model wrote something the server could not read as an answer. Asking again usually helps.',
  ANSWER_TRUNCATED: 'The answer reached the server\u2019s token limit before it was usable. Ask for less at once, or start the server with a larger --max-tokens.',
  SERVER_BUSY: 'The server is busy with other writers\u2019 requests. Wait a moment and ask again.',
  PAYLOAD_TOO_LARGE: 'Your chapter and story bible are larger than the server accepts. Leave out some chapters and try again.',
  UNAUTHORIZED: 'This server needs an API key. Enter the key you were given under \u201cServer key\u201d at the top of the page and ask again.',
  SERVER_SHUTTING_DOWN: 'The server was stopped before the answer was finished. Ask again once it is back.',
  STREAM_ENDED: 'The connection closed before the answer was complete. Try again.',
};

/**
 * A sentence a writer understands, for an `error_code` (known or not). `where` is 'rater' for a
 * rater's card, 'workspace' for the chapter workspace.
 */
export function explainError(code, where = 'rater') {
  if (where === 'workspace' && workspaceExplanations[code]) return workspaceExplanations[code];
  return errorExplanations[code] ?? 'Something went wrong on the server.';
}

/** The phases of the chapter workspace's jobs, in its words. */
export const workspacePhaseLabels = {
  ...phaseLabels,
  evaluating: 'Reading the chapter',
  generating_feedback: 'Writing',
};

/**
 * One line about a finished request's `context_metadata`: time, tokens, what had to be left out.
 * `truncatedNote` says what an answer cut off at the token limit lost.
 */
export function describeMetadata(metadata, { truncatedNote = 'cut off at the token limit: the unfinished last suggestion was left out' } = {}) {
  if (!metadata) return '';
  const parts = [`${(metadata.processing_time ?? 0).toFixed(1)} s`];
  if (metadata.completion_tokens !== undefined) parts.push(`${metadata.completion_tokens} tokens written`);
  if (metadata.prompt_tokens) {
    const reused = metadata.cached_tokens ? `, ${metadata.cached_tokens} already read` : '';
    parts.push(`${metadata.prompt_tokens} tokens of story${reused}`);
  }
  if (metadata.omitted_context?.length) parts.push(`left out to fit: ${metadata.omitted_context.join(', ')}`);
  const chapters = (numbers) => numbers.map((number) => `chapter ${number}`).join(', ');
  if (metadata.summarised_context?.length) parts.push(`read as summaries: ${chapters(metadata.summarised_context)}`);
  if (metadata.summaries_pending?.length) {
    parts.push(`summaries being written (read next time): ${chapters(metadata.summaries_pending)}`);
  }
  if (metadata.summaries_failed?.length) parts.push(`summaries that failed (tried again later): ${chapters(metadata.summaries_failed)}`);
  if (metadata.quoted_context?.length) {
    parts.push(`passages quoted from ${metadata.quoted_context.map((quoted) => `chapter ${quoted.chapter}`).join(', ')}`);
  }
  if (metadata.truncated) parts.push(truncatedNote);
  return parts.join(' \u00b7 ');
}

/** One line about the server's model, for the header. */
export function describeHealth(health) {
  if (!health) return { state: 'unreachable', text: 'Server unreachable', detail: 'The page cannot reach the server. Is it running?' };
  if (health.llm_available) {
    const busy = [];
    if (health.active_requests) busy.push(`${health.active_requests} writing`);
    if (health.queued_requests) busy.push(`${health.queued_requests} waiting`);
    return {
      state: 'ready',
      text: `Model ready${busy.length ? ` \u00b7 ${busy.join(', ')}` : ''}`,
      detail: health.model ? `Model: ${health.model}` : '',
    };
  }
  if (health.llm_loading) {
    return { state: 'loading', text: 'Loading the model\u2026', detail: 'Feedback can start as soon as the model is loaded.' };
  }
  return {
    state: 'missing',
    text: 'No model loaded',
    detail: health.llm_error
      ? `The server has no model to read your story with: ${health.llm_error}`
      : 'The server has no model to read your story with.',
  };
}
