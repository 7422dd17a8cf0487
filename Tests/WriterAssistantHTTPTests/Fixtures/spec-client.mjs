// The JavaScript client from the API document, with its TypeScript annotations removed and
// nothing else changed. Node's fetch needs absolute URLs, so relative ones resolve against the
// server given as the first argument, as a browser would resolve them against the page.
const base = process.argv[2];
const browserFetch = globalThis.fetch;
globalThis.fetch = (url, init) => browserFetch(new URL(url, base), init);
const requestData = JSON.parse(process.argv[3]);

// ---- from the API document ----
async function generateRaterFeedbackWithUpdates(requestData) {
    const response = await fetch('/api/v1/rater-feedback/stream', {
        method: 'POST',
        headers: { 
            'Content-Type': 'application/json',
            'Accept': 'text/event-stream'
        },
        body: JSON.stringify(requestData)
    });

    const reader = response.body?.getReader();
    const decoder = new TextDecoder();

    if (!reader) throw new Error('No response body');

    while (true) {
        const { done, value } = await reader.read();
        if (done) break;

        const chunk = decoder.decode(value);
        const lines = chunk.split('\n');

        for (const line of lines) {
            if (line.startsWith('data: ')) {
                const data = JSON.parse(line.slice(6));
                
                if (data.type === 'status') {
                    updateProgressUI(data.phase, data.message, data.progress);
                } else if (data.type === 'result') {
                    handleRaterFeedbackResult(data.data);
                    return;
                } else if (data.type === 'error') {
                    handleError(data.message);
                    return;
                }
            }
        }
    }
}

function updateProgressUI(phase, message, progress) {
    console.log(`Phase: ${phase}, Progress: ${progress}%, Message: ${message}`);
    // Update your UI progress indicators here
}

function handleRaterFeedbackResult(data) {
    console.log('Rater feedback received:', data);
    // Handle the final result
}

function handleError(message) {
    console.error('Streaming error:', message);
    // Handle errors appropriately
}
// ---- end ----

// Print the result as JSON too, so the test can check it.
const log = console.log;
console.log = (...args) => {
    log(...args);
    if (args[0] === 'Rater feedback received:') log('RESULT ' + JSON.stringify(args[1]));
};
await generateRaterFeedbackWithUpdates(requestData);
