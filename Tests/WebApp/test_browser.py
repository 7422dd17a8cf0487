"""The writer's web app in real headless Chromium against the real server and the real model.

Run by `make test` after the Swift tests (which build the server). Any JavaScript console error
fails the test that caused it.
"""

import json
import re
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
SERVER = Path(os.environ.get("WRITER_ASSISTANT_BIN", ROOT / ".build/debug/writer-assistant"))
MODEL = Path(os.environ.get("WRITER_ASSISTANT_MODEL", ROOT / "models/SmolLM2-135M-Instruct.Q4_1.gguf"))
SCREENSHOT = os.environ.get("WRITER_ASSISTANT_SCREENSHOT")
STORY = json.loads((ROOT / "examples/story.json").read_text())
# The context_metadata of a stubbed answer.
METADATA = {"tokens": 140, "processing_time": 1.5, "prompt_tokens": 100, "completion_tokens": 40, "cached_tokens": 0}

# Replaces the page's fetch for the operations given to `window.stubs` (by name, as in their
# path): each answers with a stream of status events, its token events, then its result, without
# the model, so a test can check what the page does with an answer of its choosing. With `hold`,
# the result waits until `window.releaseStub()` is called, so a test can look at the page while
# the answer is being written. Every stubbed request's body goes into `window.stubRequests`.
FETCH_STUB = """
if (!window.stubs) {
  window.stubs = {};
  window.stubRequests = [];
  const realFetch = window.fetch;
  const encoder = new TextEncoder();
  const pause = () => new Promise((resolve) => setTimeout(resolve, 10));
  window.fetch = (url, options = {}) => {
    const name = /\\/api\\/v1\\/([a-z-]+)\\/stream/.exec(String(url))?.[1];
    const stub = name && window.stubs[name];
    if (!stub) return realFetch(url, options);
    window.stubRequests.push({ name, body: JSON.parse(options.body) });
    const stream = new ReadableStream({
      async start(controller) {
        const send = (event) => controller.enqueue(encoder.encode(`data: ${JSON.stringify(event)}\\n\\n`));
        options.signal?.addEventListener('abort', () => controller.error(new DOMException('Aborted', 'AbortError')));
        send({ type: 'status', phase: 'context_processing', progress: 20, message: 'Reading the story' });
        await pause();
        send({ type: 'status', phase: 'generating_feedback', progress: 75, message: 'Writing' });
        for (const text of stub.tokens) {
          await pause();
          send({ type: 'token', text });
        }
        if (stub.hold) await new Promise((resolve) => { window.releaseStub = resolve; });
        await pause();
        send({ type: 'result', data: stub.result });
        controller.close();
      },
    });
    return Promise.resolve(new Response(stream, { status: 200, headers: { 'Content-Type': 'text/event-stream' } }));
  };
}
window.stubs[arguments[0]] = { result: arguments[1], tokens: arguments[2], hold: arguments[3] };
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """One `writer-assistant serve` process on a free port; without a library unless given the
    path of one (`library`), and on `port` when given (a server started again where it was)."""

    def __init__(self, *arguments, library=None, port=None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.arguments = arguments
        self.library = library
        keep = ["--no-library"] if library is None else ["--library-path", str(library)]
        self.process = subprocess.Popen(
            [str(SERVER), "serve", "--port", str(self.port), "--no-disk-cache", *keep, *arguments],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def health(self):
        with urllib.request.urlopen(f"{self.url}/health", timeout=5) as response:
            return json.load(response)

    def wait_until(self, condition, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if condition(self.health()):
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"the server at {self.url} did not get there in {timeout} s")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def start_browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1050"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(options=options, service=service)


class PageHelpers:
    """What the browser tests do with the page, for test classes that set `self.browser` (and
    `self.expected_refusals`, the failed loads a test provokes on purpose)."""

    def tearDown(self):
        errors = [entry for entry in self.browser.get_log("browser") if entry["level"] == "SEVERE"
                  and not any(refusal in entry["message"] for refusal in self.expected_refusals)]
        self.assertEqual(errors, [], "JavaScript console errors")

    # -- helpers ---------------------------------------------------------------------------

    def open(self, server):
        self.browser.get(server.url + "/")

    def wait_for(self, condition, timeout=30, message=""):
        # The page re-renders what it shows; an element found just before it was replaced is
        # looked for again at the next poll rather than failing the wait.
        return WebDriverWait(
            self.browser, timeout, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,)
        ).until(lambda _: condition(), message)

    def health_state(self):
        return self.browser.find_element(By.ID, "health").get_attribute("data-state")

    def field(self, name, index=0):
        return self.browser.find_elements(By.NAME, name)[index]

    def type_into(self, element, text):
        element.clear()
        element.send_keys(text)

    def show_tab(self, name):
        self.browser.find_element(By.ID, f"tab-{name}").click()

    def use_raters(self, count):
        """Switches on the first `count` raters (adding some if needed) and the rest off."""
        self.show_tab("raters")
        while len(self.browser.find_elements(By.CSS_SELECTOR, ".rater")) < count:
            self.browser.find_element(By.XPATH, "//button[text()='Add a rater']").click()
        for index, toggle in enumerate(self.browser.find_elements(By.CSS_SELECTOR, ".rater-enabled")):
            if toggle.is_selected() != (index < count):
                toggle.click()
        self.show_tab("bible")

    def fill_small_bible(self):
        self.type_into(self.field("worldbuilding"), STORY["worldbuilding"]["content"])
        self.type_into(self.field("summary"), STORY["storySummary"]["summary"])
        self.browser.find_element(By.XPATH, "//button[text()='Add a character']").click()
        self.type_into(self.field("character-name"), "Ari")
        self.type_into(self.field("character-basicBio"), STORY["characters"][0]["basicBio"])
        self.browser.find_element(By.XPATH, "//button[text()='Add a chapter']").click()
        self.type_into(self.field("chapter-title"), "The Farm")
        self.type_into(self.field("chapter-content"), STORY["previousChapters"][0]["content"])
        self.type_into(self.browser.find_element(By.ID, "plot-point"), "Ari finds a hidden door behind the linen-covered mirror.")

    def cards(self):
        return self.browser.find_elements(By.CSS_SELECTOR, "#cards .card")

    def card_states(self):
        return [card.get_attribute("data-state") for card in self.cards()]

    def import_story(self, path=ROOT / "examples/story.json"):
        """Fills the story bible from examples/story.json (two chapters, Ari and Tomas), replacing
        whatever the page holds (the page asks first when something would be lost)."""
        self.choose_file(path)
        self.wait_for(lambda: "Imported" in self.import_status() or self.dialog_open())
        if self.dialog_open():
            self.browser.find_element(By.ID, "confirm-dialog-confirm").click()
        self.wait_for(lambda: "Imported" in self.import_status())

    def choose_file(self, path):
        file_input = self.browser.find_element(By.ID, "import-file")
        self.browser.execute_script("arguments[0].hidden = false", file_input)
        file_input.send_keys(str(path))
        self.browser.execute_script("arguments[0].hidden = true", file_input)

    def import_status(self):
        return self.browser.find_element(By.ID, "import-status").text

    def dialog_open(self):
        return self.browser.execute_script("return document.getElementById('confirm-dialog')?.open ?? false")

    def json_file(self, name, value):
        """A file `name` holding `value` as JSON (text as it is), removed after the test."""
        folder = Path(tempfile.mkdtemp())
        path = folder / name
        path.write_text(value if isinstance(value, str) else json.dumps(value))
        self.addCleanup(lambda: (path.unlink(), folder.rmdir()))
        return path

    def button(self, text):
        return self.browser.find_element(By.XPATH, f"//button[text()='{text}']")

    def saved_bible(self):
        return self.browser.execute_script("return JSON.parse(localStorage.getItem('writer-assistant.story-bible'))")

    def workspace_state(self):
        return self.browser.find_element(By.ID, "workspace-result").get_attribute("data-state")

    def wait_for_workspace(self, state, timeout=180):
        self.wait_for(lambda: self.workspace_state() in (state, "failed"), timeout=timeout,
                      message=f"the workspace did not reach {state}: {self.workspace_state()}")
        if self.workspace_state() == "failed":
            self.fail("the workspace request failed: " + self.browser.find_element(By.ID, "workspace-output").text)

    def workspace_text(self):
        """The chapter in the workspace's text area, line ends as the bible keeps them."""
        return self.browser.execute_script("return document.getElementById('workspace-text').value")

    def preview_text(self):
        """The new prose shown in the workspace's result, exactly (textContent, not rendered text):
        beside the text it would replace, the new side."""
        return self.browser.execute_script("""
            const output = document.getElementById('workspace-output');
            return (output.querySelector('[data-side=after] .chapter-preview') ?? output.querySelector('.chapter-preview'))?.textContent ?? null;
        """)

    def pick_chapter(self, index):
        Select(self.browser.find_element(By.ID, "workspace-chapter")).select_by_value(str(index))

    def stub_operation(self, operation, result, tokens=(), hold=False):
        """Answers the page's requests for `operation` with `result` (see FETCH_STUB)."""
        self.browser.execute_script(FETCH_STUB, operation, {"context_metadata": METADATA, **result}, list(tokens), hold)

    def stubbed_requests(self, operation):
        return [request["body"] for request in self.browser.execute_script("return window.stubRequests ?? []")
                if request["name"] == operation]

    def record_card_states(self):
        """Keeps every state each card passes through, so fast phases are not missed."""
        self.browser.execute_script("""
            window.seenStates = {};
            new MutationObserver((changes) => {
              for (const change of changes) {
                const card = change.target.closest?.('.card');
                if (!card) continue;
                const name = card.getAttribute('aria-label');
                (window.seenStates[name] ??= []).push(card.dataset.state);
              }
            }).observe(document.getElementById('cards'), { attributes: true, attributeFilter: ['data-state'], subtree: true });
        """)

    def assert_every_control_is_labelled(self, tab):
        """Every control shown (with the `tab` tab open) has a label."""
        unlabelled = self.browser.execute_script("""
            return [...document.querySelectorAll('input:not([type=file]), textarea, select, progress')]
              .filter((control) => control.offsetParent !== null)
              .filter((control) => control.labels?.length === 0 && !control.getAttribute('aria-label'))
              .map((control) => control.outerHTML);
        """)
        self.assertEqual(unlabelled, [], f"controls without a label on the {tab} tab")

    def assert_no_sideways_scrolling_in_a_narrow_window(self, *tabs):
        """Each of `tabs`, shown in a phone-wide window, fits without scrolling sideways."""
        self.browser.set_window_size(420, 900)
        try:
            for tab in tabs:
                self.show_tab(tab)
                self.wait_for(lambda: self.browser.execute_script(
                    "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"), timeout=5,
                    message=f"sideways scrolling with the {tab} tab shown")
        finally:
            self.browser.set_window_size(1400, 1050)


class WebAppTests(PageHelpers, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not SERVER.exists() or not MODEL.exists():
            raise unittest.SkipTest(f"needs {SERVER} and {MODEL}: run `make test`")
        # Without chapter summaries: the model writing one in the background would blur the
        # counts of requests these tests wait for (the summaries have tests of their own).
        cls.server = Server("--model-path", str(MODEL), "--temperature", "0", "--parallel", "4", "--summary-share", "0")
        cls.modelless = Server()
        # One slot and no waiting room: a second request at once is refused as busy.
        cls.single = Server("--model-path", str(MODEL), "--parallel", "1", "--max-queue", "0", "--max-tokens", "64")
        # A server that requires an API key.
        cls.keyed = Server("--model-path", str(MODEL), "--parallel", "1", "--max-tokens", "64", "--api-key", "web-key-123")
        for server in (cls.server, cls.single, cls.keyed):
            server.wait_until(lambda health: health["llm_available"])
        cls.modelless.wait_until(lambda health: True)
        cls.browser = start_browser()

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        for server in (cls.server, cls.modelless, cls.single, cls.keyed):
            server.stop()

    def setUp(self):
        # Refusals a test provokes on purpose, which the browser reports as failed loads.
        self.expected_refusals = []
        self.open(self.server)
        self.browser.execute_script("localStorage.clear()")
        self.browser.refresh()
        self.wait_for(lambda: self.health_state() == "ready")

    # -- tests -----------------------------------------------------------------------------

    def test_the_story_bible_survives_a_reload(self):
        self.fill_small_bible()
        self.browser.refresh()
        self.wait_for(lambda: self.field("worldbuilding").get_attribute("value") != "")
        self.assertEqual(self.field("worldbuilding").get_attribute("value"), STORY["worldbuilding"]["content"])
        self.assertEqual(self.field("summary").get_attribute("value"), STORY["storySummary"]["summary"])
        self.assertEqual(self.field("character-name").get_attribute("value"), "Ari")
        self.assertEqual(self.field("chapter-content").get_attribute("value"), STORY["previousChapters"][0]["content"])
        self.assertIn("hidden door", self.browser.find_element(By.ID, "plot-point").get_attribute("value"))
        saved = self.browser.execute_script("return JSON.parse(localStorage.getItem('writer-assistant.story-bible'))")
        self.assertEqual(saved["characters"][0]["name"], "Ari")
        self.assertEqual(saved["previousChapters"][0]["title"], "The Farm")

    def test_characters_and_chapters_can_be_added_and_removed(self):
        for name in ("Ari", "Tomas"):
            self.browser.find_element(By.XPATH, "//button[text()='Add a character']").click()
            self.browser.switch_to.active_element.send_keys(name)
        self.browser.find_element(By.XPATH, "//button[text()='Remove Ari']").click()
        self.assertEqual([field.get_attribute("value") for field in self.browser.find_elements(By.NAME, "character-name")], ["Tomas"])
        for _ in range(2):
            self.browser.find_element(By.XPATH, "//button[text()='Add a chapter']").click()
        self.browser.find_element(By.XPATH, "//button[text()='Remove Chapter 1']").click()
        self.assertEqual([item.text for item in self.browser.find_elements(By.CSS_SELECTOR, ".item > summary")], ["Tomas", "Chapter 2"])
        saved = self.browser.execute_script("return JSON.parse(localStorage.getItem('writer-assistant.story-bible'))")
        self.assertEqual([character["name"] for character in saved["characters"]], ["Tomas"])
        self.assertEqual([chapter["number"] for chapter in saved["previousChapters"]], [2])

    def test_a_panel_of_raters_streams_each_card_to_its_result(self):
        self.fill_small_bible()
        self.use_raters(2)
        self.record_card_states()
        self.browser.find_element(By.ID, "run-panel").click()
        self.wait_for(lambda: len(self.cards()) == 2)
        self.wait_for(lambda: any(card.find_elements(By.CSS_SELECTOR, ".opinion") for card in self.cards()), timeout=120,
                      message="no answer appeared while it was being written")
        self.wait_for(lambda: self.card_states() == ["complete", "complete"], timeout=240,
                      message=f"cards did not all finish: {self.card_states()}")
        seen = self.browser.execute_script("return window.seenStates")
        for card in self.cards():
            name = card.get_attribute("aria-label")
            self.assertIn("generating_feedback", seen[name])
            self.assertEqual(card.find_element(By.TAG_NAME, "progress").get_attribute("value"), "100")
            self.assertTrue(card.find_element(By.CSS_SELECTOR, ".opinion").text.strip())
            self.assertGreaterEqual(len(card.find_elements(By.CSS_SELECTOR, ".suggestions li")), 1)
            self.assertIn("tokens written", card.find_element(By.CSS_SELECTOR, ".message").text)
            self.assertFalse(card.find_element(By.CSS_SELECTOR, ".card-body").text.endswith("null"))
        if SCREENSHOT:
            self.browser.save_screenshot(SCREENSHOT)

    def test_cancelling_a_rater_stops_the_work_on_the_server(self):
        self.use_raters(1)
        plot_point = self.browser.find_element(By.ID, "plot-point")
        self.type_into(plot_point, "Ari sings the forbidden song.")
        plot_point.send_keys(Keys.CONTROL, Keys.ENTER)
        self.wait_for(lambda: self.card_states() == ["generating_feedback"], timeout=60)
        self.assertEqual(self.server.health()["active_requests"], 1)
        self.cards()[0].find_element(By.XPATH, ".//button[text()='Cancel']").click()
        self.wait_for(lambda: self.card_states() == ["cancelled"], timeout=5)
        self.server.wait_until(lambda health: health["active_requests"] == 0, timeout=5)
        self.assertTrue(self.cards()[0].find_element(By.XPATH, ".//button[text()='Run again']").is_displayed())

    def test_eight_raters_wait_for_a_connection_instead_of_stalling(self):
        self.type_into(self.browser.find_element(By.ID, "plot-point"), "Tomas confesses.")
        self.use_raters(8)
        self.browser.find_element(By.ID, "run-panel").click()
        self.wait_for(lambda: len(self.cards()) == 8)
        self.wait_for(lambda: self.card_states().count("queued") == 3, timeout=10,
                      message=f"expected three raters waiting for a connection: {self.card_states()}")
        self.server.wait_until(lambda health: health["active_requests"] + health["queued_requests"] == 5, timeout=10)
        # A finished connection lets the next rater in at once.
        running = next(card for card in self.cards() if card.get_attribute("data-state") != "queued")
        running.find_element(By.XPATH, ".//button[text()='Cancel']").click()
        self.wait_for(lambda: self.card_states().count("queued") == 2, timeout=5)
        self.browser.find_element(By.ID, "cancel-all").click()
        self.wait_for(lambda: set(self.card_states()) == {"cancelled"}, timeout=5)
        self.server.wait_until(lambda health: health["active_requests"] == 0 and health["queued_requests"] == 0, timeout=5)

    def test_what_the_raters_read_shows_the_parts_and_the_chapters_that_did_not_fit(self):
        self.import_story()
        self.use_raters(2)
        self.type_into(self.browser.find_element(By.ID, "plot-point"), "")
        self.browser.find_element(By.ID, "show-prompt").click()
        self.assertIn("plot point", self.browser.find_element(By.ID, "run-hint").text)
        self.type_into(self.browser.find_element(By.ID, "plot-point"), "Tomas burns the letter.")
        # The first chapter grows past the model's context window (4,096 tokens).
        first = self.field("chapter-content")
        self.browser.execute_script(
            "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', { bubbles: true }))",
            first, "Ari counted the crows on the fence and walked the long road to the mill. " * 400)
        self.browser.find_element(By.ID, "show-prompt").click()
        view = self.browser.find_element(By.ID, "prompt-view")
        self.wait_for(lambda: view.get_attribute("data-state") in ("shown", "failed"), timeout=60)
        self.assertEqual(view.get_attribute("data-state"), "shown", view.text)
        self.assertIn("Chapter 1 did not fit the model's context window and was left out.", view.text)
        rows = view.find_elements(By.CSS_SELECTOR, ".prompt-sections li")
        treatments = {row.text.split(" — ")[0]: row.get_attribute("data-treatment") for row in rows}
        self.assertEqual(treatments["Chapter 1"], "omitted")
        self.assertEqual(treatments["Chapter 2"], "whole")
        self.assertEqual(treatments["The plot point and the rater"], "whole")
        self.assertRegex(view.find_element(By.CSS_SELECTOR, ".prompt-usage").text, r"^[\d,]+ of [\d,]+ tokens$")
        # The bar is the share of the window the prompt takes, once chapter 1 is left out.
        used, budget = (int(n.replace(",", "")) for n in re.findall(r"[\d,]+", view.find_element(By.CSS_SELECTOR, ".prompt-usage").text))
        self.assertLess(used, budget)
        self.assertAlmostEqual(float(view.find_element(By.TAG_NAME, "meter").get_attribute("value")), used / budget, places=3)
        # The text of a part read is there to open.
        chapter = next(row for row in rows if row.text.startswith("Chapter 2"))
        chapter.find_element(By.TAG_NAME, "summary").click()
        self.assertIn("Chapter 2", chapter.find_element(By.CSS_SELECTOR, ".prompt-text").text)
        self.assertEqual(self.server.health()["active_requests"], 0, "a preview generates nothing")

    def test_a_chapter_that_does_not_fit_is_summarised_in_the_background_then_read_as_a_summary(self):
        # A server of its own that writes summaries (the shared one does not, see setUpClass),
        # greedy so that the summary is the same on every run of one machine; two slots are
        # enough for the one summary and keep the server's start short.
        summarising = Server("--model-path", str(MODEL), "--temperature", "0", "--parallel", "2")
        self.addCleanup(summarising.stop)
        summarising.wait_until(lambda health: health["llm_available"])
        self.open(summarising)
        self.browser.execute_script("localStorage.clear()")
        self.browser.refresh()
        self.wait_for(lambda: self.health_state() == "ready")
        self.import_story()
        self.use_raters(1)
        self.type_into(self.browser.find_element(By.ID, "plot-point"), "Tomas burns the letter.")
        # Chapter 1 grows to about 4,000 words of varied prose: more than the model's window
        # holds, and prose a summary can be written of.
        people, places = ["Ari", "Tomas", "Nell", "Piet"], ["the mill", "the bridge", "the market", "the chapel", "the weir"]
        sentences = [
            "{p} walked the towpath to {w} at dawn while the mist lifted off the water.",
            "The stalls by {w} smelled of wet wool, smoke and river fish.",
            "{p} counted the coins twice and still came up short for the rent.",
            "Rain drummed on the roofs of {w} until the gutters ran like streams.",
            "A cart lost a wheel near {w} and half the street came to help {p}.",
            "{p} mended a net by the fire and hummed an old song about the sea.",
            "{p} wrote a letter to {q}, tore it up, and wrote it again more plainly.",
            "Geese crossed the grey sky over {w}, heading south over the hills.",
            "{q} argued with {p} about the price of flour and lost.",
            "The children chased a dog past {w} and out of sight.",
            "{p} waited for {q} at {w} until the lamps were lit.",
            "The bells of {w} rang for evening and the shutters closed one by one.",
        ]
        chooser = random.Random(5)

        def sentence():
            return chooser.choice(sentences).format(p=chooser.choice(people), q=chooser.choice(people), w=chooser.choice(places))

        chapter = "\n\n".join(" ".join(sentence() for _ in range(5)) for _ in range(64))
        # Set at once, as a paste would: typing 4,000 words key by key takes minutes.
        self.browser.execute_script(
            "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', { bubbles: true }))",
            self.field("chapter-content"), chapter)
        view = self.browser.find_element(By.ID, "prompt-view")

        def look():
            """Asks for what the raters read: the sentence on what was left out, and each part
            as (label, treatment, text), read from one drawing of the view."""
            self.browser.find_element(By.ID, "show-prompt").click()
            self.wait_for(lambda: view.get_attribute("data-state") in ("shown", "failed"), timeout=60)
            self.assertEqual(view.get_attribute("data-state"), "shown", view.text)
            return self.browser.execute_script("""
                const view = document.getElementById('prompt-view');
                return [view.querySelector('.prompt-summary').textContent,
                        [...view.querySelectorAll('.prompt-sections li')].map((row) => [
                          row.querySelector('strong').textContent, row.dataset.treatment,
                          row.querySelector('.prompt-text')?.textContent ?? null])];
            """)

        # The first look asks for the summary; the model writes it while the writer reads on.
        told, parts = look()
        self.assertNotIn(["Chapter 1", "summary"], [part[:2] for part in parts])
        self.assertIn("The summary of chapter 1 is being written", told)
        # A summary that fails is tried again (after 30, 60, then 120 seconds, sampled): keep
        # looking, seldom enough that the looks do not slow the summary down.
        deadline = time.monotonic() + 360
        while ["Chapter 1", "summary"] not in [part[:2] for part in parts]:
            self.assertLess(time.monotonic(), deadline, "the summary of chapter 1 was not written: " + told)
            time.sleep(4)
            told, parts = look()
        self.assertIn("Chapter 1 did not fit whole and was read as a summary.", told)
        self.assertNotIn("being written", told)
        # The summary stands before the chapters read whole, under its chapter's heading, and is
        # much shorter than the chapter: 50 words are asked for, and the server stops it at 140
        # tokens, which no more than 140 words fit.
        labelled = [part[:2] for part in parts]
        self.assertLess(labelled.index(["Chapter 1", "summary"]), labelled.index(["Chapter 2", "whole"]))
        text = next(part[2] for part in parts if part[:2] == ["Chapter 1", "summary"])
        heading, _, summary = text.partition("\n")
        self.assertIn("Chapter 1", heading)
        self.assertIn("(summary)", heading)
        self.assertGreater(len(summary.split()), 3, text)
        self.assertLessEqual(len(summary.split()), 140, text)
        # Its text is there to open in the view.
        row = self.browser.find_elements(By.CSS_SELECTOR, "#prompt-view .prompt-sections li[data-treatment=summary]")[0]
        row.find_element(By.TAG_NAME, "summary").click()
        self.assertIn(summary.split()[0], row.find_element(By.CSS_SELECTOR, ".prompt-text").text)

    def test_a_refused_request_is_explained_on_its_card(self):
        self.open(self.single)
        self.wait_for(lambda: self.health_state() == "ready")
        self.type_into(self.browser.find_element(By.ID, "plot-point"), "Tomas burns the letter.")
        self.use_raters(2)
        self.browser.find_element(By.ID, "run-panel").click()
        self.wait_for(lambda: "failed" in self.card_states(), timeout=30)
        failed = next(card for card in self.cards() if card.get_attribute("data-state") == "failed")
        self.assertIn("The server is busy", failed.find_element(By.CSS_SELECTOR, ".error").text)
        self.assertEqual(failed.find_element(By.CSS_SELECTOR, ".error code").text, "SERVER_BUSY")
        self.browser.find_element(By.ID, "cancel-all").click()
        self.single.wait_until(lambda health: health["active_requests"] == 0, timeout=10)

    def test_a_server_that_needs_a_key_says_so_and_works_once_given_one(self):
        self.expected_refusals = ["status of 401 (Unauthorized)"]
        self.open(self.keyed)
        self.wait_for(lambda: self.health_state() == "ready")
        self.type_into(self.browser.find_element(By.ID, "plot-point"), "Tomas burns the letter.")
        self.use_raters(1)
        self.browser.find_element(By.ID, "run-panel").click()
        self.wait_for(lambda: self.card_states() == ["failed"], timeout=30)
        self.assertEqual(self.cards()[0].find_element(By.CSS_SELECTOR, ".error code").text, "UNAUTHORIZED")
        self.assertIn("API key", self.cards()[0].find_element(By.CSS_SELECTOR, ".error").text)

        self.browser.find_element(By.CSS_SELECTOR, ".server-key summary").click()
        key = self.browser.find_element(By.ID, "api-key")
        self.type_into(key, "web-key-123")
        self.browser.find_element(By.ID, "plot-point").click()  # leaving the field saves the key
        self.browser.find_element(By.ID, "run-panel").click()
        self.wait_for(lambda: self.card_states() == ["complete"], timeout=120,
                      message=f"the card did not finish with the key: {self.card_states()}")
        # Kept for the next visit.
        self.open(self.keyed)
        self.assertEqual(self.browser.find_element(By.ID, "api-key").get_attribute("value"), "web-key-123")

    def test_a_story_bible_file_can_be_imported_and_a_broken_one_is_refused(self):
        file_input = self.browser.find_element(By.ID, "import-file")
        self.browser.execute_script("arguments[0].hidden = false", file_input)
        file_input.send_keys(str(ROOT / "examples/story.json"))
        self.wait_for(lambda: "Imported" in self.browser.find_element(By.ID, "import-status").text)
        self.assertEqual(self.field("character-name", 1).get_attribute("value"), STORY["characters"][1]["name"])
        self.assertEqual(self.field("chapter-title", 1).get_attribute("value"), STORY["previousChapters"][1]["title"])
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
            file.write('{"characters": {"name": "Ari"}}')
        broken = Path(file.name)
        try:
            file_input.send_keys(str(broken))
            self.wait_for(lambda: "Could not import" in self.browser.find_element(By.ID, "import-status").text)
            self.assertIn("characters should be a list", self.browser.find_element(By.ID, "import-status").text)
            self.assertEqual(self.field("character-name", 1).get_attribute("value"), STORY["characters"][1]["name"])
        finally:
            broken.unlink()

    def test_every_control_has_a_label_and_a_narrow_window_needs_no_sideways_scrolling(self):
        self.use_raters(2)
        self.browser.find_element(By.XPATH, "//button[text()='Add a character']").click()
        for tab in ("raters", "bible", "chapter", "feedback"):
            self.show_tab(tab)
            self.assert_every_control_is_labelled(tab)
        self.assert_no_sideways_scrolling_in_a_narrow_window("chapter", "feedback")

    def test_text_boxes_grow_with_their_text_and_long_fields_count_their_words(self):
        world = " ".join([STORY["worldbuilding"]["content"]] * 4)
        field = self.field("worldbuilding")
        self.type_into(field, world)
        height, inner = self.browser.execute_script("return [arguments[0].clientHeight, arguments[0].scrollHeight]", field)
        self.assertGreaterEqual(height, inner, "the worldbuilding scrolls inside its box")
        self.assertGreater(height, 150)

        def count(name, index=0):
            control = self.field(name, index)
            return self.browser.find_element(By.CSS_SELECTOR, f"[data-words-of='{control.get_attribute('id')}']").text

        self.assertEqual(count("worldbuilding"), f"{len(world.split())} words")
        self.assertEqual(count("summary"), "0 words")
        self.type_into(self.field("plotOutline"), "Ari finds the door.")
        self.assertEqual(count("plotOutline"), "4 words")
        self.import_story()
        for index, chapter in enumerate(STORY["previousChapters"]):
            self.assertEqual(count("chapter-content", index), f"{len(chapter['content'].split())} words")
        self.assertEqual(count("summary"), f"{len(STORY['storySummary']['summary'].split())} words")
        # A chapter changed in the workspace shows its new count in the bible too.
        self.show_tab("chapter")
        self.pick_chapter(0)
        self.type_into(self.browser.find_element(By.ID, "workspace-text"), "A short first chapter.")
        self.assertEqual(count("chapter-content", 0), "4 words")

    def test_on_a_phone_the_plot_point_and_the_panel_are_within_reach(self):
        self.import_story()
        self.browser.set_window_size(420, 900)
        try:
            self.browser.execute_script("window.scrollTo(0, 0)")
            height = self.browser.execute_script("return window.innerHeight")
            for control in ("plot-point", "run-panel"):
                bottom = self.browser.execute_script(
                    "return arguments[0].getBoundingClientRect().bottom", self.browser.find_element(By.ID, control))
                self.assertLess(bottom, height, f"#{control} is {bottom:.0f} px down, below the first screen")
        finally:
            self.browser.set_window_size(1400, 1050)

    def test_a_skip_link_takes_the_keyboard_past_the_story_bible(self):
        self.import_story()
        self.browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
        link = self.browser.switch_to.active_element
        self.assertEqual(link.get_attribute("id"), "skip-to-plot-point")
        self.assertTrue(link.is_displayed())
        self.assertIn("plot point", link.text)
        link.send_keys(Keys.ENTER)
        self.assertEqual(self.browser.switch_to.active_element.get_attribute("id"), "plot-point")

    def test_remove_buttons_name_what_they_remove(self):
        self.browser.find_element(By.XPATH, "//button[text()='Add a character']").click()
        self.browser.find_element(By.XPATH, "//button[text()='Add a character']").click()
        self.browser.find_element(By.XPATH, "//button[text()='Add a chapter']").click()

        def removes():
            return [button.text for button in self.browser.find_elements(By.CSS_SELECTOR, "button.danger") if button.is_displayed()]

        self.assertEqual(removes(), ["Remove Character 1", "Remove Character 2", "Remove Chapter 1"])
        self.type_into(self.field("character-name", 1), "Maren Vell")
        self.type_into(self.field("chapter-title"), "The Farm")
        self.assertEqual(removes(), ["Remove Character 1", "Remove Maren Vell", "Remove Chapter 1: The Farm"])
        self.show_tab("raters")
        self.assertEqual(removes()[:2], ["Remove Pacing editor", "Remove Character critic"])
        rater = self.browser.find_elements(By.CSS_SELECTOR, ".rater")[0]
        rater.find_element(By.TAG_NAME, "summary").click()
        self.type_into(rater.find_element(By.NAME, "rater-name"), "Line editor")
        self.assertEqual(removes()[0], "Remove Line editor")

    def test_importing_a_file_that_is_not_a_story_changes_nothing(self):
        self.import_story()
        self.type_into(self.browser.find_element(By.ID, "plot-point"), "Ari opens the hidden door.")
        saved = self.saved_bible()
        self.choose_file(self.json_file("hello.json", {"hello": 1}))
        self.wait_for(lambda: "Could not import" in self.import_status())
        self.assertIn("hello.json, so nothing was changed: it is not a story", self.import_status())
        self.assertIn('only "hello"', self.import_status())
        self.assertFalse(self.dialog_open())
        self.assertEqual(self.saved_bible(), saved)
        self.assertEqual(self.field("character-name", 1).get_attribute("value"), "Tomas")
        self.assertEqual(self.field("worldbuilding").get_attribute("value"), STORY["worldbuilding"]["content"])
        self.assertEqual(self.browser.find_element(By.ID, "plot-point").get_attribute("value"), "Ari opens the hidden door.")

    def test_an_import_says_what_it_replaces_asks_first_and_can_be_undone(self):
        self.fill_small_bible()
        mine = self.saved_bible()
        request = self.json_file("request.json", {"raterPrompt": "Be brief.", "plotPoint": "Tomas burns the letter.", "structured_context": STORY})
        self.choose_file(request)
        self.wait_for(self.dialog_open, message="the import did not ask first")
        lines = [item.text for item in self.browser.find_elements(By.CSS_SELECTOR, "#confirm-dialog-lines li")]
        self.assertEqual(len(lines), 2, lines)
        self.assertRegex(lines[0], r"^The story bible \(1 character, 1 chapter \(\d+ words\), worldbuilding, a summary\) is replaced by the file’s \(2 characters, 2 chapters")
        self.assertEqual(lines[1], "The plot point “Ari finds a hidden door behind the linen-covered mirror.” is replaced by “Tomas burns the letter.”.")
        self.assertIn("request.json", self.browser.find_element(By.ID, "confirm-dialog-title").text)
        self.browser.find_element(By.ID, "confirm-dialog-cancel").click()
        self.wait_for(lambda: "not imported" in self.import_status())
        self.assertEqual(self.saved_bible(), mine)
        self.assertEqual([field.get_attribute("value") for field in self.browser.find_elements(By.NAME, "character-name")], ["Ari"])

        self.choose_file(request)
        self.wait_for(self.dialog_open)
        self.browser.find_element(By.ID, "confirm-dialog-confirm").click()
        self.wait_for(lambda: "Imported request.json" in self.import_status())
        self.assertEqual([field.get_attribute("value") for field in self.browser.find_elements(By.NAME, "character-name")], ["Ari", "Tomas"])
        self.assertEqual(self.browser.find_element(By.ID, "plot-point").get_attribute("value"), "Tomas burns the letter.")
        self.button("Undo the import of request.json").click()
        self.wait_for(lambda: self.saved_bible() == mine, timeout=5)
        self.assertEqual([field.get_attribute("value") for field in self.browser.find_elements(By.NAME, "character-name")], ["Ari"])
        self.assertEqual(self.field("chapter-title").get_attribute("value"), "The Farm")
        self.assertEqual(self.browser.find_element(By.ID, "plot-point").get_attribute("value"), "Ari finds a hidden door behind the linen-covered mirror.")
        self.assertIn("back as it was before importing request.json", self.import_status())

    def test_export_holds_everything_the_page_holds_and_imports_back_whole(self):
        self.import_story()
        self.type_into(self.field("storyTitle"), "The Glass Valley")
        self.browser.find_element(By.XPATH, "//summary[h3[text()='System prompts']]").click()
        self.type_into(self.field("assistantPrompt"), "Answer as a patient editor.")
        self.type_into(self.browser.find_element(By.ID, "plot-point"), "Ari opens the hidden door.")
        self.show_tab("raters")
        rater = self.browser.find_elements(By.CSS_SELECTOR, ".rater")[0]
        rater.find_element(By.TAG_NAME, "summary").click()
        self.type_into(rater.find_element(By.NAME, "rater-name"), "Line editor")
        self.browser.find_elements(By.CSS_SELECTOR, ".rater-enabled")[1].click()
        raters = [(item["name"], item["prompt"], item["enabled"]) for item in
                  self.browser.execute_script("return JSON.parse(localStorage.getItem('writer-assistant.raters'))")]
        self.show_tab("chapter")
        self.type_into(self.browser.find_element(By.ID, "workspace-title"), "The Door")
        self.type_into(self.browser.find_element(By.ID, "workspace-text"), "The door was colder than the glass.")
        self.show_tab("bible")
        bible = self.saved_bible()
        self.browser.execute_script("""
            window.exported = [];
            const createObjectURL = URL.createObjectURL;
            URL.createObjectURL = (blob) => { window.exportedBlob = blob; return createObjectURL(blob); };
            HTMLAnchorElement.prototype.click = function () {
              const name = this.download;
              window.exportedBlob.text().then((text) => window.exported.push({ name, text }));
            };
        """)
        self.browser.find_element(By.ID, "export-bible").click()
        self.wait_for(lambda: self.browser.execute_script("return window.exported.length") == 1, timeout=5)
        exported = self.browser.execute_script("return window.exported[0]")
        self.assertEqual(exported["name"], "the-glass-valley.json")
        story = json.loads(exported["text"])
        self.assertEqual(story["title"], "The Glass Valley")
        self.assertEqual(story["plotPoint"], "Ari opens the hidden door.")
        self.assertEqual(story["structured_context"]["systemPrompts"]["assistantPrompt"], "Answer as a patient editor.")
        self.assertEqual([(item["name"], item["prompt"], item["enabled"]) for item in story["raters"]], raters)
        self.assertEqual(story["chapterDraft"], {"title": "The Door", "text": "The door was colder than the glass."})

        self.browser.execute_script("localStorage.clear()")
        self.browser.refresh()
        self.wait_for(lambda: self.health_state() == "ready")
        self.import_story(self.json_file(exported["name"], exported["text"]))
        self.assertEqual(self.saved_bible(), bible)
        self.assertEqual(self.field("storyTitle").get_attribute("value"), "The Glass Valley")
        self.assertEqual(self.field("assistantPrompt").get_attribute("value"), "Answer as a patient editor.")
        self.assertEqual(self.browser.find_element(By.ID, "plot-point").get_attribute("value"), "Ari opens the hidden door.")
        self.assertEqual([(item["name"], item["prompt"], item["enabled"]) for item in
                          self.browser.execute_script("return JSON.parse(localStorage.getItem('writer-assistant.raters'))")], raters)
        self.show_tab("raters")
        self.assertEqual(self.browser.find_elements(By.CSS_SELECTOR, ".rater-name")[0].text, "Line editor")
        self.show_tab("chapter")
        self.assertEqual(self.browser.find_element(By.ID, "workspace-title").get_attribute("value"), "The Door")
        self.assertEqual(self.workspace_text(), "The door was colder than the glass.")

        # A story without a title keeps the old name.
        self.show_tab("bible")
        self.field("storyTitle").send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
        self.browser.execute_script("""
            window.exported = [];
            const createObjectURL = URL.createObjectURL;
            URL.createObjectURL = (blob) => { window.exportedBlob = blob; return createObjectURL(blob); };
            HTMLAnchorElement.prototype.click = function () { window.exported.push({ name: this.download }); };
        """)
        self.browser.find_element(By.ID, "export-bible").click()
        self.assertEqual(self.browser.execute_script("return window.exported[0].name"), "story-bible.json")

    def test_a_removal_can_be_undone(self):
        self.import_story()
        self.browser.find_element(By.XPATH, "//button[text()='Remove Ari']").click()
        self.assertEqual([field.get_attribute("value") for field in self.browser.find_elements(By.NAME, "character-name")], ["Tomas"])
        self.assertIn("Ari was removed", self.browser.find_element(By.CSS_SELECTOR, "#bible-form .undo-offer").text)
        self.button("Undo the removal of Ari").click()
        self.assertEqual([field.get_attribute("value") for field in self.browser.find_elements(By.NAME, "character-name")], ["Ari", "Tomas"])
        self.assertEqual(self.saved_bible()["characters"][0]["name"], "Ari")
        self.show_tab("raters")
        self.browser.find_element(By.XPATH, "//button[text()='Remove Pacing editor']").click()
        self.browser.find_element(By.TAG_NAME, "body").send_keys(Keys.CONTROL, "z")
        self.assertEqual(self.browser.find_elements(By.CSS_SELECTOR, ".rater-name")[0].text, "Pacing editor")

    # -- the chapter workspace -------------------------------------------------------------

    def test_a_generated_chapter_streams_into_the_workspace_and_keep_adds_it_to_the_bible(self):
        self.import_story()
        self.type_into(self.browser.find_element(By.ID, "plot-point"), "Ari opens the hidden door.")
        self.show_tab("chapter")
        self.type_into(self.browser.find_element(By.ID, "target-words"), "60")
        self.browser.execute_script("""
            window.textWhileWriting = false;
            const result = document.getElementById('workspace-result');
            const output = document.getElementById('workspace-output');
            new MutationObserver(() => {
              if (result.dataset.state === 'generating_feedback' && output.querySelector('.chapter-preview')?.textContent)
                window.textWhileWriting = true;
            }).observe(output, { childList: true, subtree: true, characterData: true });
        """)
        self.browser.find_element(By.ID, "generate-chapter").click()
        self.assertEqual(self.browser.find_element(By.ID, "workspace-result").get_attribute("data-job"), "generate-chapter")
        self.wait_for_workspace("complete")
        self.assertTrue(self.browser.execute_script("return window.textWhileWriting"), "no text appeared while it was written")
        chapter = self.preview_text()
        self.assertTrue(chapter.strip())
        self.assertIn("words", self.browser.find_element(By.CSS_SELECTOR, "#workspace-result .message").text)

        self.browser.find_element(By.ID, "workspace-keep").click()
        self.wait_for(lambda: self.workspace_state() == "kept", timeout=5)
        saved = self.saved_bible()["previousChapters"]
        self.assertEqual([item["number"] for item in saved], [1, 2, 3])
        self.assertEqual(saved[2]["content"], chapter)
        self.assertEqual(saved[0]["content"], STORY["previousChapters"][0]["content"])
        # The workspace now shows the kept chapter, and so does the story bible, after a reload too.
        self.assertEqual(Select(self.browser.find_element(By.ID, "workspace-chapter")).first_selected_option.get_attribute("value"), "2")
        self.assertEqual(self.workspace_text(), chapter.replace("\r\n", "\n"))
        self.browser.refresh()
        self.wait_for(lambda: len(self.browser.find_elements(By.NAME, "chapter-content")) == 3)
        self.assertEqual(self.field("chapter-content", 2).get_attribute("value"), chapter.replace("\r\n", "\n"))
        self.assertEqual(self.workspace_text(), chapter.replace("\r\n", "\n"))

    def test_a_generated_chapter_shows_only_what_is_kept_and_says_why_it_is_short(self):
        self.import_story()
        self.type_into(self.browser.find_element(By.ID, "plot-point"), "Ari runs into the forest.")
        self.show_tab("chapter")
        self.type_into(self.browser.find_element(By.ID, "target-words"), "400")
        # The model titles its chapter, then runs on into the next one; the server keeps the prose
        # of the first alone (ProseAnswer), which the stub's result stands for.
        self.stub_operation("generate-chapter", {"chapterText": "Ari ran into the forest.", "wordCount": 5}, tokens=[
            "# Chapter 3: The Lo", "st Child\n\n", "Ari ran ", "into the forest.", "\n\n## Chap", "ter 4: The Return\n\n",
            "Tomas waited by the door.\n\n", "## Chapter 5\n"], hold=True)
        self.browser.execute_script("""
            window.seenOutput = [];
            const output = document.getElementById('workspace-output');
            new MutationObserver(() => window.seenOutput.push(output.textContent))
              .observe(output, { childList: true, subtree: true, characterData: true });
        """)
        self.browser.find_element(By.ID, "generate-chapter").click()
        self.wait_for(lambda: self.browser.execute_script("return typeof window.releaseStub === 'function'"), timeout=10)
        self.assertEqual(self.browser.find_element(By.CSS_SELECTOR, "#workspace-output .chapter-title-preview").text, "Title: The Lost Child")
        self.assertEqual(self.preview_text(), "Ari ran into the forest.")
        for seen in self.browser.execute_script("return window.seenOutput"):
            self.assertNotIn("Tomas", seen)
            self.assertNotIn("#", seen)
            self.assertNotIn("Chapter", seen)
        self.browser.execute_script("window.releaseStub()")
        self.wait_for_workspace("complete", timeout=10)
        notes = self.browser.find_element(By.CSS_SELECTOR, "#workspace-output .chapter-notes").text
        self.assertIn("The model stopped at 5 words of the 400 asked.", notes)
        self.assertIn("The model went on into another chapter (“## Chapter 4: The Return”); only the first is kept.", notes)
        self.assertEqual(self.preview_text(), "Ari ran into the forest.")

        self.browser.find_element(By.ID, "workspace-keep").click()
        self.wait_for(lambda: self.workspace_state() == "kept", timeout=5)
        saved = self.saved_bible()["previousChapters"]
        self.assertEqual(saved[2], {"number": 3, "title": "The Lost Child", "content": "Ari ran into the forest."})
        self.assertEqual(self.field("chapter-title", 2).get_attribute("value"), "The Lost Child")
        # The keep can be undone: the chapter leaves the bible, and can be kept again.
        self.browser.find_element(By.ID, "workspace-undo").click()
        self.wait_for(lambda: len(self.saved_bible()["previousChapters"]) == 2, timeout=5)
        self.assertEqual(len(self.browser.find_elements(By.NAME, "chapter-content")), 2)
        self.assertEqual(Select(self.browser.find_element(By.ID, "workspace-chapter")).first_selected_option.get_attribute("value"), "new")
        self.assertTrue(self.browser.find_element(By.ID, "workspace-keep").is_displayed())

        # An answer the token limit stopped says so.
        self.stub_operation("generate-chapter", {"chapterText": "Ari ran on and on.", "wordCount": 5, "context_metadata": {**METADATA, "truncated": True}})
        self.browser.find_element(By.ID, "generate-chapter").click()
        self.wait_for_workspace("complete", timeout=10)
        self.assertIn("The token limit stopped the model at 5 words of the 400 asked",
                      self.browser.find_element(By.CSS_SELECTOR, "#workspace-output .chapter-notes").text)

    def test_cancelling_a_chapter_generation_stops_the_work_on_the_server(self):
        self.type_into(self.browser.find_element(By.ID, "plot-point"), "Ari sings the forbidden song.")
        self.show_tab("chapter")
        self.type_into(self.browser.find_element(By.ID, "target-words"), "400")
        self.browser.find_element(By.ID, "generate-chapter").click()
        self.wait_for(lambda: self.workspace_state() == "generating_feedback", timeout=60)
        self.assertEqual(self.server.health()["active_requests"], 1)
        self.assertFalse(self.browser.find_element(By.ID, "generate-chapter").is_enabled())
        self.browser.find_element(By.ID, "workspace-cancel").click()
        self.wait_for(lambda: self.workspace_state() == "cancelled", timeout=5)
        self.server.wait_until(lambda health: health["active_requests"] == 0, timeout=5)
        self.assertFalse(self.browser.find_element(By.ID, "workspace-keep").is_displayed())
        self.assertTrue(self.browser.find_element(By.ID, "workspace-discard").is_displayed())
        self.assertTrue(self.browser.find_element(By.ID, "generate-chapter").is_enabled())
        self.assertEqual((self.saved_bible() or {}).get("previousChapters", []), [])

    def test_the_editor_review_lists_suggestions_by_priority_linked_to_their_passage(self):
        self.import_story()
        self.show_tab("chapter")
        self.pick_chapter(0)
        self.assertEqual(self.workspace_text(), STORY["previousChapters"][0]["content"])
        self.browser.find_element(By.ID, "editor-review").click()
        self.wait_for_workspace("complete")
        groups = self.browser.find_elements(By.CSS_SELECTOR, "#workspace-output .review-group")
        self.assertGreaterEqual(len(groups), 1, "no suggestions")
        order = ["high", "medium", "low", "other"]
        priorities = [group.get_attribute("data-priority") for group in groups]
        self.assertEqual(priorities, sorted(priorities, key=order.index))
        for group in groups:
            self.assertTrue(group.find_element(By.TAG_NAME, "h4").text)
            items = group.find_elements(By.CSS_SELECTOR, ".review-item")
            self.assertGreaterEqual(len(items), 1)
            for item in items:
                linked = item.find_elements(By.CSS_SELECTOR, "button.passage-link")
                self.assertTrue(linked or "unlinked" in item.get_attribute("class").split())
        links = self.browser.find_elements(By.CSS_SELECTOR, "#workspace-output .passage-link")
        if links:  # only when the model quoted the chapter
            links[0].click()
            start, end, focused = self.browser.execute_script("""
                const text = document.getElementById('workspace-text');
                return [text.selectionStart, text.selectionEnd, document.activeElement === text];
            """)
            self.assertLess(start, end)
            self.assertTrue(focused)
        self.assertFalse(self.browser.find_element(By.ID, "workspace-keep").is_displayed())

    def test_a_character_tells_how_they_live_the_scene(self):
        self.import_story()
        self.type_into(self.browser.find_element(By.ID, "plot-point"), "Tomas finds Ari at the hidden door.")
        self.show_tab("chapter")
        characters = Select(self.browser.find_element(By.ID, "character-select"))
        self.assertEqual([option.text for option in characters.options], [item["name"] for item in STORY["characters"]])
        characters.select_by_visible_text("Tomas")
        self.browser.find_element(By.ID, "character-feedback").click()
        self.wait_for_workspace("complete")
        parts = self.browser.find_elements(By.CSS_SELECTOR, "#workspace-output .character-part")
        self.assertEqual([part.get_attribute("data-part") for part in parts],
                         ["actions", "dialog", "physicalSensations", "emotions", "internalMonologue"])
        self.assertEqual([part.find_element(By.TAG_NAME, "h4").text for part in parts],
                         ["Actions", "Dialog", "Physical sensations", "Emotions", "Internal monologue"])
        self.assertIn("Tomas", self.browser.find_element(By.ID, "workspace-heading").text)

    def test_a_chapter_revised_on_request_shows_what_changed_and_keep_replaces_it(self):
        self.import_story()
        self.show_tab("chapter")
        self.pick_chapter(1)
        self.type_into(self.browser.find_element(By.ID, "change-request"), "Make the father more frightened.")
        self.browser.find_element(By.ID, "modify-chapter").click()
        self.wait_for_workspace("complete")
        self.assertEqual(len(self.browser.find_elements(By.CSS_SELECTOR, "#workspace-output .changes-summary")), 1)
        revised = self.preview_text() or ""
        self.browser.find_element(By.ID, "workspace-keep").click()
        self.wait_for(lambda: self.workspace_state() == "kept", timeout=5)
        saved = self.saved_bible()["previousChapters"]
        self.assertEqual(saved[1]["content"], revised)
        self.assertEqual(saved[1]["title"], STORY["previousChapters"][1]["title"])
        self.assertEqual(saved[0]["content"], STORY["previousChapters"][0]["content"])
        self.assertEqual(self.workspace_text(), revised.replace("\r\n", "\n"))
        self.assertEqual(self.field("chapter-content", 1).get_attribute("value"), revised.replace("\r\n", "\n"))

    def test_revise_until_done_shows_its_rounds_and_each_change_checked(self):
        self.import_story()
        self.show_tab("chapter")
        self.pick_chapter(1)
        self.type_into(self.browser.find_element(By.ID, "change-request"), "- Make it rain.\n- Give the father a limp.")
        Select(self.browser.find_element(By.ID, "revision-rounds")).select_by_value("2")
        self.browser.execute_script("""
            window.seenRounds = [];
            new MutationObserver(() => {
              const round = document.getElementById('workspace-result').dataset.round;
              if (round && window.seenRounds.at(-1) !== round) window.seenRounds.push(round);
            }).observe(document.getElementById('workspace-result'), { attributes: true, attributeFilter: ['data-round'] });
        """)
        self.browser.find_element(By.ID, "modify-chapter").click()
        self.wait_for_workspace("complete", timeout=240)
        heading = self.browser.find_element(By.CSS_SELECTOR, "#workspace-output .checked-changes h4").text
        self.assertRegex(heading, r"^Checked after [12] rounds?: [012] of 2 changes made$")
        items = self.browser.find_elements(By.CSS_SELECTOR, "#workspace-output .checked-change")
        self.assertEqual([item.find_element(By.CLASS_NAME, "change-text").text for item in items],
                         ["Make it rain.", "Give the father a limp."])
        self.assertTrue(all(item.get_attribute("data-confirmed") in ("true", "false") for item in items))
        # The card showed the first round's check as it happened.
        self.assertIn("1/2 checking", self.browser.execute_script("return window.seenRounds"))
        self.assertEqual(len(self.browser.find_elements(By.CSS_SELECTOR, "#workspace-output .comparison-side")), 2)

    def test_a_fleshed_out_selection_replaces_it_when_kept(self):
        self.import_story()
        self.show_tab("chapter")
        self.pick_chapter(0)
        original = self.workspace_text()
        end = original.index(".") + 1  # the first sentence
        self.browser.execute_script("document.getElementById('workspace-text').setSelectionRange(0, arguments[0])", end)
        self.browser.find_element(By.ID, "flesh-out").click()
        self.wait_for_workspace("complete")
        fleshed = self.preview_text()
        self.assertIsNotNone(fleshed)
        keep = self.browser.find_element(By.ID, "workspace-keep")
        self.assertEqual(keep.text, "Replace the selection")
        keep.click()
        self.wait_for(lambda: self.workspace_state() == "kept", timeout=5)
        expected = fleshed + original[end:]
        self.assertEqual(self.saved_bible()["previousChapters"][0]["content"], expected)
        self.assertEqual(self.workspace_text(), expected.replace("\r\n", "\n"))

    def test_keeping_a_revision_shows_both_texts_warns_and_can_be_undone(self):
        self.import_story()
        self.show_tab("chapter")
        self.pick_chapter(1)
        original = STORY["previousChapters"][1]["content"]
        short = "A chapter reworked into a new version."
        self.stub_operation("modify-chapter", {"modifiedChapter": short, "changesSummary": "Made it shorter.", "wordCount": 7})
        self.type_into(self.browser.find_element(By.ID, "change-request"), "Make the father more frightened.")
        self.browser.find_element(By.ID, "modify-chapter").click()
        self.wait_for_workspace("complete", timeout=10)
        sides = self.browser.find_elements(By.CSS_SELECTOR, "#workspace-output .comparison-side")
        self.assertEqual([side.get_attribute("data-side") for side in sides], ["before", "after"])
        self.assertEqual(sides[0].find_element(By.TAG_NAME, "h4").text, f"Chapter 2, before ({len(original.split())} words)")
        self.assertEqual(sides[1].find_element(By.TAG_NAME, "h4").text, "The revised chapter (7 words)")
        self.assertEqual(sides[0].find_element(By.CSS_SELECTOR, ".chapter-preview").text, original)
        warnings = self.browser.find_element(By.CSS_SELECTOR, "#workspace-output .replacement-warnings").text
        self.assertIn("much shorter: 7 words in place of the", warnings)

        self.browser.find_element(By.ID, "workspace-keep").click()
        self.wait_for(lambda: self.workspace_state() == "kept", timeout=5)
        self.assertEqual(self.saved_bible()["previousChapters"][1]["content"], short)
        self.browser.find_element(By.ID, "workspace-undo").click()
        self.wait_for(lambda: self.workspace_state() == "complete", timeout=5)
        self.assertEqual(self.saved_bible()["previousChapters"][1]["content"], original)
        self.assertEqual(self.workspace_text(), original)
        self.assertEqual(self.field("chapter-content", 1).get_attribute("value"), original)
        self.assertIn("Chapter 2 is back as it was.", self.browser.find_element(By.ID, "workspace-result").text)

        # Kept again, then undone with Ctrl+Z outside the text.
        self.browser.find_element(By.ID, "workspace-keep").click()
        self.wait_for(lambda: self.workspace_state() == "kept", timeout=5)
        self.assertEqual(self.workspace_text(), short)
        self.browser.find_element(By.TAG_NAME, "body").send_keys(Keys.CONTROL, "z")
        self.wait_for(lambda: self.workspace_text() == original, timeout=5)
        self.assertEqual(self.saved_bible()["previousChapters"][1]["content"], original)

        # An answer cut at the token limit says so before it is kept.
        self.stub_operation("modify-chapter", {"modifiedChapter": original + " More.", "changesSummary": "Longer.", "wordCount": 30,
                                               "context_metadata": {**METADATA, "truncated": True}})
        self.browser.find_element(By.ID, "modify-chapter").click()
        self.wait_for_workspace("complete", timeout=10)
        warnings = self.browser.find_element(By.CSS_SELECTOR, "#workspace-output .replacement-warnings").text
        self.assertIn("cut at the token limit", warnings)
        self.assertNotIn("much shorter", warnings)

    def test_a_flesh_out_shows_the_passage_it_replaces_beside_the_new_text(self):
        self.import_story()
        self.show_tab("chapter")
        self.pick_chapter(0)
        original = self.workspace_text()
        end = original.index(".") + 1
        self.browser.execute_script("document.getElementById('workspace-text').setSelectionRange(0, arguments[0])", end)
        fleshed = "Ari grew up on a quiet farm, where the wheat leaned toward the dark forest and the wind hummed."
        self.stub_operation("flesh-out", {"fleshedOutText": fleshed, "originalText": original[:end]})
        self.browser.find_element(By.ID, "flesh-out").click()
        self.wait_for_workspace("complete", timeout=10)
        before = self.browser.find_element(By.CSS_SELECTOR, "#workspace-output [data-side=before]")
        after = self.browser.find_element(By.CSS_SELECTOR, "#workspace-output [data-side=after]")
        self.assertEqual(before.find_element(By.CSS_SELECTOR, ".chapter-preview").text, original[:end])
        self.assertEqual(after.find_element(By.CSS_SELECTOR, ".chapter-preview").text, fleshed)
        self.assertIn("The passage, before", before.text)
        self.assertIn(f"({len(fleshed.split())} words)", after.text)
        self.browser.find_element(By.ID, "workspace-keep").click()
        self.wait_for(lambda: self.workspace_state() == "kept", timeout=5)
        self.assertEqual(self.workspace_text(), fleshed + original[end:])
        self.browser.find_element(By.ID, "workspace-undo").click()
        self.wait_for(lambda: self.workspace_text() == original, timeout=5)

    def test_a_quoted_passage_is_selected_and_scrolled_into_view(self):
        # Forty paragraphs of the same length, the quoted one near the start.
        paragraphs = [f"Paragraph {index:02d}. The glass hummed in the valley while the wind carried old songs over the farm."
                      for index in range(40)]
        paragraphs[3] = "Paragraph 03. The mirror cracked at midnight and the whole house heard it sing."
        chapters = [{"number": 1, "title": "Long", "content": "\n\n".join(paragraphs)}, {"number": 2, "title": "Short", "content": "A short one."}]
        self.import_story(self.json_file("long.json", {"previousChapters": chapters}))
        self.stub_operation("editor-review", {"suggestions": [
            {"issue": 'The line "The mirror cracked at midnight" comes too early.', "suggestion": "Move it down.", "priority": "high"}]})
        self.show_tab("chapter")
        self.pick_chapter(0)
        self.browser.find_element(By.ID, "editor-review").click()
        self.wait_for_workspace("complete", timeout=10)

        def click_the_passage_and_check():
            self.browser.find_element(By.CSS_SELECTOR, "#workspace-output .passage-link").click()
            start, end, value, scroll_top, client_height, scroll_height, box_top, window_height = self.browser.execute_script("""
                const text = document.getElementById('workspace-text');
                return [text.selectionStart, text.selectionEnd, text.value, text.scrollTop, text.clientHeight, text.scrollHeight,
                        text.getBoundingClientRect().top, window.innerHeight];
            """)
            self.assertEqual(value[start:end], "The mirror cracked at midnight")
            self.assertGreater(scroll_height, client_height * 2, "the chapter should be longer than its box for this test")
            # Where the passage is in the text area (its paragraphs all alike), and then on screen.
            at = start / len(value) * scroll_height
            self.assertTrue(scroll_top <= at <= scroll_top + client_height,
                            f"the passage ({at:.0f} px into the text) is outside the visible {scroll_top}-{scroll_top + client_height} px")
            on_screen = box_top + at - scroll_top
            self.assertTrue(0 <= on_screen <= window_height, f"the passage is at {on_screen:.0f} px, off the screen")
            self.assertEqual(self.browser.switch_to.active_element.get_attribute("id"), "workspace-text")

        # The writer had read on to the end of the chapter.
        self.browser.execute_script("const text = document.getElementById('workspace-text'); text.scrollTop = text.scrollHeight")
        click_the_passage_and_check()
        # The writer had gone on to another chapter: the passage's chapter comes back, at the passage.
        self.pick_chapter(1)
        click_the_passage_and_check()
        self.assertEqual(Select(self.browser.find_element(By.ID, "workspace-chapter")).first_selected_option.get_attribute("value"), "0")

    def test_cards_and_the_editor_review_show_no_stray_null(self):
        # An empty part of a card (no cursor once complete, an empty priority group) once showed
        # as the word "null".
        self.stub_operation("rater-feedback", {"raterName": "Pacing editor", "feedback": {
            "opinion": "It moves at a good pace.", "suggestions": ["Open on the letter rather than the farm."]}})
        self.stub_operation("editor-review", {"suggestions": [
            {"issue": "The opening is slow.", "suggestion": "Start with the letter.", "priority": "high"}]})
        self.use_raters(1)
        self.type_into(self.browser.find_element(By.ID, "plot-point"), "Ari opens the hidden door.")
        self.browser.find_element(By.ID, "run-panel").click()
        self.wait_for(lambda: self.card_states() == ["complete"], timeout=10)
        body = self.cards()[0].find_element(By.CSS_SELECTOR, ".card-body").text
        self.assertIn("good pace", body)
        self.assertNotIn("null", body)
        self.import_story()
        self.show_tab("chapter")
        self.pick_chapter(0)
        self.browser.find_element(By.ID, "editor-review").click()
        self.wait_for_workspace("complete", timeout=10)
        review = self.browser.find_element(By.ID, "workspace-output").text
        self.assertIn("Start with the letter.", review)
        self.assertNotIn("null", review)

    def generator_state(self):
        return self.browser.find_element(By.ID, "character-details-result").get_attribute("data-state")

    def test_a_generated_character_is_checked_before_it_joins_the_bible(self):
        self.import_story(self.json_file("cast.json", {"characters": [
            {"name": "Maren Vell", "age": "40", "sex": "female"}, {"name": "Ossian", "age": "63", "sex": "male"}]}))
        bio = self.browser.find_element(By.ID, "character-bio")
        self.type_into(bio, "Aldous Penn, a retired mirror-maker who owes the Council a debt.")
        # An existing character with the space taken out, the bio's name in Sex.
        self.stub_operation("generate-character-details", {"name": "MarenVell", "sex": "Aldous Penn", "age": "63", "personality": "Quiet"})
        self.browser.find_element(By.ID, "generate-character").click()
        self.wait_for(lambda: self.generator_state() == "complete", timeout=10)
        check = self.browser.find_element(By.CSS_SELECTOR, "#character-details-output .character-check").text
        self.assertIn("Not added: “MarenVell” is written like Maren Vell, a character already in the story bible", check)
        self.assertIn("Sex: holds a name (“Aldous Penn”), not a sex.", check)
        self.assertFalse(self.browser.find_element(By.ID, "character-details-keep").is_displayed())
        self.assertEqual([character["name"] for character in self.saved_bible()["characters"]], ["Maren Vell", "Ossian"])

        # A new name, but an age that is no age and a name in Sex: the writer keeps the age anyway.
        self.stub_operation("generate-character-details", {"name": "Aldous Penn", "sex": "Aldous Penn", "age": "a mirror-maker",
                                                          "gender": "man", "personality": "Patient"})
        self.browser.find_element(By.ID, "generate-character").click()
        self.wait_for(lambda: self.generator_state() == "complete", timeout=10)
        flags = [item.text for item in self.browser.find_elements(By.CSS_SELECTOR, "#character-details-output .character-flags li")]
        self.assertEqual(flags, ["Age: “a mirror-maker” is not an age. Keep it anyway", "Sex: holds a name (“Aldous Penn”), not a sex. Keep it anyway"])
        self.assertEqual([item.get_attribute("data-field") for item in
                          self.browser.find_elements(By.CSS_SELECTOR, "#character-details-output dd.flagged")], ["age", "sex"])
        self.browser.find_element(By.ID, "character-check-age").click()
        self.browser.find_element(By.ID, "character-details-keep").click()
        self.wait_for(lambda: self.generator_state() == "kept", timeout=5)
        added = self.saved_bible()["characters"][2]
        self.assertEqual((added["name"], added["age"], added["sex"], added["gender"]), ("Aldous Penn", "a mirror-maker", "", "man"))
        self.assertEqual(added["basicBio"], "Aldous Penn, a retired mirror-maker who owes the Council a debt.")
        self.assertIn("without the flagged field", self.browser.find_element(By.ID, "character-details-result").text)
        self.assertEqual(self.field("character-name", 2).get_attribute("value"), "Aldous Penn")
        # And the keep can be undone.
        self.browser.find_element(By.ID, "character-details-undo").click()
        self.wait_for(lambda: len(self.saved_bible()["characters"]) == 2, timeout=5)
        self.assertEqual(len(self.browser.find_elements(By.NAME, "character-name")), 2)

    def test_a_character_is_shortened_to_a_bio_that_can_be_undone(self):
        self.import_story(self.json_file("cast.json", {"characters": [
            {"name": "Maren Vell", "basicBio": "A tide-warden.", "personality": "Proud and exacting", "fears": "Deep water"}]}))
        shortened = "Maren Vell is a proud, exacting tide-warden who fears deep water."
        self.stub_operation("regenerate-bio", {"bio": shortened, "characterName": "Maren Vell", "words": 11}, tokens=["Maren Vell is"])
        self.type_into(self.browser.find_element(By.ID, "bio-words"), "30")
        self.browser.find_element(By.CSS_SELECTOR, "button.shorten-bio").click()
        state = lambda: self.browser.find_element(By.ID, "bio-result").get_attribute("data-state")
        self.wait_for(lambda: state() == "complete", timeout=10)
        sent = self.stubbed_requests("regenerate-bio")[-1]
        self.assertEqual((sent["words"], sent["character"]["name"], sent["character"]["fears"]), (30, "Maren Vell", "Deep water"))
        output = self.browser.find_element(By.ID, "bio-output").text
        self.assertIn("A tide-warden.", output)
        self.assertIn(shortened, output)
        # Nothing changes until the writer keeps it.
        self.assertEqual(self.saved_bible()["characters"][0]["basicBio"], "A tide-warden.")
        self.browser.find_element(By.ID, "bio-keep").click()
        self.wait_for(lambda: self.saved_bible()["characters"][0]["basicBio"] == shortened, timeout=5)
        self.assertEqual(self.field("character-basicBio").get_attribute("value"), shortened)
        self.browser.find_element(By.ID, "bio-undo").click()
        self.wait_for(lambda: self.saved_bible()["characters"][0]["basicBio"] == "A tide-warden.", timeout=5)
        self.assertEqual(self.field("character-basicBio").get_attribute("value"), "A tide-warden.")

    def test_the_chapters_are_planned_from_the_outline_and_some_kept(self):
        self.import_story()
        self.type_into(self.field("plotOutline"), "- Ari finds the door.\n- She opens it.\n- Tomas follows her down.")
        outlines = [
            {"number": 1, "title": "The Door", "summary": "Ari finds the door and opens it.", "characters": ["Ari"],
             "plotPoints": ["Ari finds the door.", "She opens it."]},
            {"number": 2, "title": "Below", "summary": "Tomas follows her.", "characters": ["Ari", "Tomas"],
             "plotPoints": ["Tomas follows her down."]},
        ]
        self.stub_operation("generate-chapter-outlines", {"outlines": outlines})
        self.type_into(self.browser.find_element(By.ID, "outline-chapters"), "2")
        self.browser.find_element(By.ID, "plan-chapters").click()
        state = lambda: self.browser.find_element(By.ID, "outlines-result").get_attribute("data-state")
        self.wait_for(lambda: state() == "complete", timeout=10)
        sent = self.stubbed_requests("generate-chapter-outlines")[-1]
        self.assertEqual(sent["chapterCount"], 2)
        self.assertIn("Tomas follows her down.", sent["structured_context"]["plotContext"]["plotOutline"])
        shown = self.browser.find_element(By.ID, "outlines-output").text
        self.assertIn("Chapter 2: Below", shown)
        self.assertIn("Characters: Ari, Tomas", shown)
        # Only the ticked chapters are kept; none ticked keeps nothing.
        for box in ["outline-keep-0", "outline-keep-1"]:
            self.browser.find_element(By.ID, box).click()
        self.browser.find_element(By.ID, "outlines-keep").click()
        self.assertIn("Tick at least one chapter", self.browser.find_element(By.ID, "outlines-result").text)
        self.browser.find_element(By.ID, "outline-keep-0").click()
        self.browser.find_element(By.ID, "outlines-keep").click()
        self.wait_for(lambda: state() == "kept", timeout=5)
        plan = self.saved_bible()["plotContext"]["chapterPlan"]
        self.assertEqual([(chapter["number"], chapter["title"]) for chapter in plan], [(1, "The Door")])
        self.assertIn("The Door", self.browser.find_element(By.ID, "chapter-plan").text)
        self.assertIn("the plot points of the 1 left out are in none of them", self.browser.find_element(By.ID, "outlines-result").text)
        # The plan goes with the other requests, not with planning anew; and it can be cleared.
        self.stub_operation("regenerate-bio", {"bio": "Ari is brave.", "characterName": "Ari", "words": 3})
        self.browser.find_element(By.CSS_SELECTOR, "button.shorten-bio").click()
        self.wait_for(lambda: self.stubbed_requests("regenerate-bio"), timeout=10)
        self.assertEqual(self.stubbed_requests("regenerate-bio")[-1]["structured_context"]["plotContext"]["chapterPlan"][0]["title"], "The Door")
        self.browser.find_element(By.ID, "plan-chapters").click()
        self.wait_for(lambda: state() == "complete", timeout=10)
        self.assertNotIn("chapterPlan", self.stubbed_requests("generate-chapter-outlines")[-1]["structured_context"]["plotContext"])
        self.browser.find_element(By.ID, "clear-chapter-plan").click()
        self.wait_for(lambda: "chapterPlan" not in self.saved_bible()["plotContext"] or not self.saved_bible()["plotContext"]["chapterPlan"], timeout=5)
        self.assertEqual(self.browser.find_element(By.ID, "chapter-plan").text.count("The Door"), 0)

    def test_a_server_without_a_model_says_so(self):
        self.open(self.modelless)
        self.wait_for(lambda: self.health_state() == "missing")
        notice = self.browser.find_element(By.ID, "model-notice")
        self.assertTrue(notice.is_displayed())
        self.assertIn("no model", notice.text.lower())
        self.assertIn("No model loaded", self.browser.find_element(By.ID, "health").text)
        self.assertFalse(self.browser.find_element(By.ID, "run-panel").is_enabled())
        self.show_tab("chapter")
        self.assertFalse(self.browser.find_element(By.ID, "generate-chapter").is_enabled())


def call(server, method, path, body=None, headers=None):
    """The server's answer to one request: (status, headers, parsed JSON or text)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data=data, method=method, headers={
        "Content-Type": "application/json", "Accept": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, answer, text = response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        status, answer, text = error.code, error.headers, error.read().decode()
    try:
        return status, answer, json.loads(text)
    except ValueError:
        return status, answer, text


class LibraryTests(PageHelpers, unittest.TestCase):
    """The page on a server that keeps a library: a fresh library (and server) for every test."""

    @classmethod
    def setUpClass(cls):
        if not SERVER.exists():
            raise unittest.SkipTest(f"needs {SERVER}: run `make test`")
        cls.browser = start_browser()

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()

    def setUp(self):
        # The JSON page a test starts from has no icon.
        self.expected_refusals = ["favicon.ico"]
        folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        self.library_path = folder / "library.sqlite"
        # The page left open by the test before polled its server, which has stopped since: what
        # it logged after that test's check is not this test's.
        self.browser.get("about:blank")
        self.browser.get_log("browser")
        self.server = self.start_server()
        # Cleanups run last first: the page leaves the server before the server stops.
        self.addCleanup(self.browser.get, "about:blank")
        # A page of the server that does not run the app, to start each test from a clean browser.
        self.browser.get(self.server.url + "/health")
        self.browser.execute_script("localStorage.clear()")

    def start_server(self, *arguments, port=None):
        server = Server(*arguments, library=self.library_path, port=port)
        self.addCleanup(lambda: server.process.poll() is None and server.stop())
        server.wait_until(lambda health: health.get("library", {}).get("available"), timeout=60)
        return server

    # -- helpers ---------------------------------------------------------------------------

    def open_page(self):
        self.open(self.server)
        self.wait_for_sync("saved")

    def sync_state(self):
        return self.browser.execute_script("return document.getElementById('library-status')?.dataset.state ?? ''")

    def wait_for_sync(self, state, timeout=30):
        self.wait_for(lambda: self.sync_state() == state, timeout=timeout,
                      message=f"the story did not get to {state}: {self.sync_state()}")

    def api(self, method, path, body=None, headers=None):
        return call(self.server, method, path, body, headers)

    def stories(self, trash=False):
        return self.api("GET", "/api/v1/stories" + ("?trash=true" if trash else ""))[2]["stories"]

    def open_story_id(self):
        return self.browser.execute_script(
            "return JSON.parse(localStorage.getItem('writer-assistant.library.open-story') ?? 'null')?.id ?? null")

    def stored(self, story_id=None):
        return self.api("GET", f"/api/v1/stories/{story_id or self.open_story_id()}")[2]

    def create(self, title, context=None, **extra):
        status, _, story = self.api("POST", "/api/v1/stories", {"title": title, "structured_context": context or {}, **extra})
        self.assertEqual(status, 201, story)
        return story

    def story_entry(self, title):
        return self.browser.find_element(By.XPATH, f"//ul[@id='story-list']/li[.//button[contains(@class, 'story-open')][text()='{title}']]")

    def story_title(self):
        """The title in the story bible (read at once: the form is drawn again as stories open)."""
        return self.browser.execute_script("return document.querySelector('[name=storyTitle]').value")

    def library_message(self):
        return self.browser.find_element(By.ID, "library-message").get_attribute("textContent")

    def chapter_story(self, title, text):
        return self.create(title, {"previousChapters": [{"number": 1, "title": "The Weir", "content": text}]})

    # -- tests -----------------------------------------------------------------------------

    def test_a_story_kept_in_the_browser_before_the_library_is_imported_once(self):
        old = {**STORY, "title": "The Glass Valley"}
        self.browser.execute_script("""
            localStorage.setItem('writer-assistant.story-bible', JSON.stringify(arguments[0]));
            localStorage.setItem('writer-assistant.plot-point', JSON.stringify('Ari opens the door.'));
        """, old)
        self.open_page()
        [story] = self.stories()
        self.assertEqual(story["title"], "The Glass Valley")
        stored = self.stored(story["id"])
        self.assertEqual(stored["structured_context"]["previousChapters"][1]["content"], STORY["previousChapters"][1]["content"])
        self.assertEqual([character["name"] for character in stored["structured_context"]["characters"]],
                         [character["name"] for character in STORY["characters"]])
        self.assertEqual(stored["plotPoint"], "Ari opens the door.")
        self.assertEqual(self.story_title(), "The Glass Valley")
        # Not again: neither on a reload nor once the story was moved to the trash.
        self.browser.refresh()
        self.wait_for_sync("saved")
        self.assertEqual(len(self.stories()), 1)
        self.api("DELETE", f"/api/v1/stories/{story['id']}")
        self.browser.refresh()
        self.wait_for_sync("saved")
        self.assertEqual([story["title"] for story in self.stories()], ["Untitled story"])
        self.assertEqual(len(self.stories(trash=True)), 1)

    def test_stories_are_made_opened_renamed_put_in_the_trash_and_restored(self):
        self.chapter_story("The Salt Road", "Mara found the letter inside the lantern.")
        self.open_page()
        self.show_tab("library")
        self.wait_for(lambda: len(self.browser.find_elements(By.CSS_SELECTOR, "#story-list .story-entry")) == 1)
        # The newest story opened by itself; a new one opens empty.
        self.assertEqual(self.story_title(), "The Salt Road")
        self.button("New story").click()
        self.wait_for(lambda: len(self.stories()) == 2)
        self.wait_for(lambda: self.story_title() == "Untitled story")
        self.assertEqual(self.field("worldbuilding").get_attribute("value"), "")
        self.show_tab("bible")
        self.type_into(self.field("storyTitle"), "The Drowned Weir")
        self.wait_for_sync("saved")
        self.assertEqual(self.stored()["title"], "The Drowned Weir")

        # Open the other one, by keyboard.
        self.show_tab("library")
        self.wait_for(lambda: self.story_entry("The Salt Road"))
        self.story_entry("The Salt Road").find_element(By.CLASS_NAME, "story-open").send_keys(Keys.ENTER)
        self.wait_for(lambda: self.story_title() == "The Salt Road")
        self.assertEqual(self.field("chapter-content").get_attribute("value"), "Mara found the letter inside the lantern.")
        self.wait_for(lambda: self.story_entry("The Salt Road").get_attribute("aria-current") == "true")

        # Rename one that is not open, and the open one.
        self.story_entry("The Drowned Weir").find_element(By.CLASS_NAME, "story-rename").click()
        title = self.browser.find_element(By.CSS_SELECTOR, ".rename-form input")
        self.type_into(title, "The Weir")
        title.send_keys(Keys.ENTER)
        self.wait_for(lambda: "Renamed" in self.library_message())
        self.assertEqual(sorted(story["title"] for story in self.stories()), ["The Salt Road", "The Weir"])
        self.story_entry("The Salt Road").find_element(By.CLASS_NAME, "story-rename").click()
        title = self.browser.find_element(By.CSS_SELECTOR, ".rename-form input")
        self.type_into(title, "Salt")
        self.browser.find_element(By.XPATH, "//button[text()='Save the title']").click()
        self.wait_for(lambda: "Renamed" in self.library_message())
        self.assertEqual(self.story_title(), "Salt")
        self.assertEqual(self.stored()["title"], "Salt")

        # The open story into the trash: the other opens; back from the trash; the trash emptied.
        self.story_entry("Salt").find_element(By.CLASS_NAME, "story-trash").click()
        self.wait_for(lambda: "in the trash" in self.library_message())
        self.assertEqual([story["title"] for story in self.stories()], ["The Weir"])
        self.wait_for(lambda: self.story_title() == "The Weir")
        self.browser.find_element(By.CSS_SELECTOR, "#trash > summary").click()
        self.wait_for(lambda: self.browser.find_elements(By.CSS_SELECTOR, "#trash-list .story-restore"))
        self.assertEqual(self.browser.find_element(By.CSS_SELECTOR, "#trash > summary").text, "Trash (1)")
        self.browser.find_element(By.CSS_SELECTOR, "#trash-list .story-restore").click()
        self.wait_for(lambda: len(self.stories()) == 2)
        self.wait_for(lambda: self.browser.find_element(By.CSS_SELECTOR, "#trash > summary").text == "Trash (0)")
        self.story_entry("Salt").find_element(By.CLASS_NAME, "story-trash").click()
        self.wait_for(lambda: len(self.stories(trash=True)) == 1)
        self.wait_for(lambda: self.browser.find_element(By.ID, "empty-trash").is_enabled())
        self.browser.find_element(By.ID, "empty-trash").click()
        self.wait_for(self.dialog_open)
        self.assertIn("Salt", self.browser.find_element(By.ID, "confirm-dialog-lines").text)
        self.browser.find_element(By.ID, "confirm-dialog-confirm").click()
        self.wait_for(lambda: "deleted for good" in self.library_message())
        self.assertEqual(self.stories(trash=True), [])

    def test_edits_are_saved_as_the_writer_types_and_survive_a_reload(self):
        self.open_page()
        self.assertIn("Saved in the library", self.browser.find_element(By.ID, "library-status").text)
        self.type_into(self.field("worldbuilding"), STORY["worldbuilding"]["content"])
        self.type_into(self.browser.find_element(By.ID, "plot-point"), "Ari finds a hidden door.")
        self.wait_for_sync("saved")
        stored = self.stored()
        self.assertEqual(stored["structured_context"]["worldbuilding"]["content"], STORY["worldbuilding"]["content"])
        self.assertEqual(stored["plotPoint"], "Ari finds a hidden door.")
        version = stored["version"]
        self.browser.refresh()
        self.wait_for_sync("saved")
        self.assertEqual(self.field("worldbuilding").get_attribute("value"), STORY["worldbuilding"]["content"])
        self.assertEqual(self.browser.find_element(By.ID, "plot-point").get_attribute("value"), "Ari finds a hidden door.")
        # Opening a story is no edit: no new version.
        self.assertEqual(self.stored()["version"], version)
        self.assertEqual(len(self.api("GET", f"/api/v1/stories/{stored['id']}/versions")[2]["versions"]), version)

    def test_edits_made_while_the_server_is_away_wait_in_the_browser_and_go_when_it_is_back(self):
        self.open_page()
        story_id = self.open_story_id()
        # The network drops: the edit waits in the browser, also across a reload.
        self.browser.execute_script("""
            const realFetch = window.fetch;
            window.fetch = (url, options = {}) => (String(url).startsWith('/api/v1/stories') && options.method === 'PUT'
              ? Promise.reject(new TypeError('Failed to fetch')) : realFetch(url, options));
        """)
        self.type_into(self.field("summary"), "Written with the network down.")
        self.wait_for_sync("offline")
        self.assertIn("kept in this browser", self.browser.find_element(By.ID, "library-status").text)
        self.assertNotIn("summary", json.dumps(self.stored(story_id)["structured_context"]))
        self.browser.refresh()
        self.wait_for_sync("saved")
        self.assertEqual(self.field("summary").get_attribute("value"), "Written with the network down.")
        self.assertEqual(self.stored(story_id)["structured_context"]["storySummary"]["summary"], "Written with the network down.")

        # The server stops: edits wait, and are saved once it is back.
        self.expected_refusals += ["ERR_CONNECTION_REFUSED", "Failed to fetch"]
        port = self.server.port
        self.server.stop()
        self.type_into(self.field("summary"), "Written while the server was away.")
        self.wait_for_sync("offline")
        self.server = self.start_server(port=port)
        self.wait_for_sync("saved", timeout=30)
        self.assertEqual(self.stored(story_id)["structured_context"]["storySummary"]["summary"], "Written while the server was away.")

    def test_a_story_saved_elsewhere_shows_both_versions_and_the_writer_chooses(self):
        self.expected_refusals += ["412 (Precondition Failed)"]
        story = self.create("Two Tabs", {"previousChapters": [
            {"number": 1, "title": "One", "content": "The river was low."},
            {"number": 2, "title": "Two", "content": "The weir held."}]})
        self.open_page()

        def saved_elsewhere(text):
            current = self.stored(story["id"])
            current["structured_context"]["previousChapters"][0]["content"] = text
            status, _, _ = self.api("PUT", f"/api/v1/stories/{story['id']}", current, {"If-Match": f'"v{current["version"]}"'})
            self.assertEqual(status, 200)

        saved_elsewhere("The river was high, from the other tab.")
        self.type_into(self.field("chapter-content", 1), "The weir broke, in this tab.")
        self.wait_for(self.conflict_open, timeout=15)
        self.assertEqual(self.sync_state(), "conflict")
        dialog = self.browser.find_element(By.ID, "conflict-dialog")
        differing = [section.get_attribute("data-chapter") for section in dialog.find_elements(By.CSS_SELECTOR, ".conflict-chapter")]
        self.assertEqual(differing, ["1", "2"])
        chapter_one = dialog.find_element(By.CSS_SELECTOR, ".conflict-chapter[data-chapter='1']")
        self.assertIn("from the other tab", chapter_one.find_element(By.CSS_SELECTOR, "[data-side=theirs]").text)
        self.assertIn("The river was low.", chapter_one.find_element(By.CSS_SELECTOR, "[data-side=mine]").text)
        self.assertIn("in this tab", dialog.find_element(By.CSS_SELECTOR, ".conflict-chapter[data-chapter='2'] [data-side=mine]").text)
        self.assertEqual(dialog.find_element(By.CSS_SELECTOR, "tr[data-part=Title] td[data-side=mine]").text, "Two Tabs")
        # Keep mine: saved as the newest; theirs stays in the history.
        self.browser.find_element(By.ID, "conflict-keep-mine").click()
        self.wait_for_sync("saved")
        chapters = self.stored(story["id"])["structured_context"]["previousChapters"]
        self.assertEqual([chapter["content"] for chapter in chapters], ["The river was low.", "The weir broke, in this tab."])
        status, _, older = self.api("GET", f"/api/v1/stories/{story['id']}/versions/2")
        self.assertEqual(older["structured_context"]["previousChapters"][0]["content"], "The river was high, from the other tab.")

        # Again, and take theirs: the page shows theirs, and this tab's edits wait in the trash.
        saved_elsewhere("The river froze, from the other tab.")
        self.type_into(self.field("chapter-content", 1), "The weir sang, in this tab.")
        self.wait_for(self.conflict_open, timeout=15)
        self.browser.find_element(By.ID, "conflict-take-theirs").click()
        self.wait_for_sync("saved")
        self.wait_for(lambda: self.field("chapter-content", 0).get_attribute("value") == "The river froze, from the other tab.")
        self.assertEqual(self.field("chapter-content", 1).get_attribute("value"), "The weir broke, in this tab.")
        [copy] = self.stories(trash=True)
        self.assertEqual(copy["title"], "Two Tabs (edits not kept)")
        self.assertEqual(self.stored(copy["id"])["structured_context"]["previousChapters"][1]["content"], "The weir sang, in this tab.")
        self.assertIn("Your edits are in the trash as \u201cTwo Tabs (edits not kept)\u201d",
                      self.browser.find_element(By.ID, "library-status").text)

    def conflict_open(self):
        return self.browser.execute_script("return document.getElementById('conflict-dialog')?.open ?? false")

    def test_the_history_lists_versions_shows_a_chapter_diff_and_restores_one(self):
        story = self.chapter_story("History", "Mara found the letter inside the lantern.")
        current = self.stored(story["id"])
        for number in range(2, 24):
            current["structured_context"]["previousChapters"][0]["content"] = f"Mara found letter {number} under the lantern."
            _, _, current = self.api("PUT", f"/api/v1/stories/{story['id']}", current)
        self.open_page()
        self.show_tab("history")
        self.wait_for(lambda: len(self.browser.find_elements(By.CSS_SELECTOR, "#versions .version")) == 20)
        newest = self.browser.find_element(By.CSS_SELECTOR, "#versions .version")
        self.assertEqual(newest.get_attribute("data-version"), "23")
        self.assertIn("chapter 1 \u201cThe Weir\u201d changed", newest.text)
        self.browser.find_element(By.ID, "versions-more").click()
        self.wait_for(lambda: len(self.browser.find_elements(By.CSS_SELECTOR, "#versions .version")) == 23)
        self.assertFalse(self.browser.find_element(By.ID, "versions-more").is_displayed())

        newest.find_element(By.CSS_SELECTOR, ".version-diff[data-chapter='1']").click()
        self.wait_for(lambda: self.browser.find_elements(By.ID, "diff-heading"))
        self.assertEqual(self.browser.find_element(By.ID, "diff-heading").text, "Chapter 1: version 22 \u2192 version 23")
        before = self.browser.find_element(By.CSS_SELECTOR, "#diff [data-side=before] .diff-text")
        after = self.browser.find_element(By.CSS_SELECTOR, "#diff [data-side=after] .diff-text")
        self.assertEqual(before.text, "Mara found letter 22 under the lantern.")
        self.assertEqual(after.text, "Mara found letter 23 under the lantern.")
        self.assertEqual([mark.text.strip() for mark in before.find_elements(By.TAG_NAME, "del")], ["22"])
        self.assertEqual([mark.text.strip() for mark in after.find_elements(By.TAG_NAME, "ins")], ["23"])
        # Any two versions, by number.
        for field, value in (("diff-from", "1"), ("diff-to", "23"), ("diff-chapter", "1")):
            self.type_into(self.browser.find_element(By.ID, field), value)
        self.browser.find_element(By.ID, "diff-compare").click()
        self.wait_for(lambda: "version 1 \u2192" in self.browser.find_element(By.ID, "diff-heading").text)
        self.assertEqual(self.browser.find_element(By.CSS_SELECTOR, "#diff [data-side=before] .diff-text").text,
                         "Mara found the letter inside the lantern.")

        # Restore version 1: a new version, 24, and the page shows it.
        self.browser.find_element(By.XPATH, "//button[text()='Restore version 1']").click()
        self.wait_for(self.dialog_open)
        self.browser.find_element(By.ID, "confirm-dialog-confirm").click()
        self.wait_for(lambda: "as version 24" in self.browser.find_element(By.ID, "history-status").text)
        self.assertEqual(self.stored(story["id"])["structured_context"]["previousChapters"][0]["content"],
                         "Mara found the letter inside the lantern.")
        self.assertEqual(self.field("chapter-content").get_attribute("value"), "Mara found the letter inside the lantern.")
        self.assertIn("brought back from version 1", self.browser.find_element(By.CSS_SELECTOR, "#versions .version").text)
        self.wait_for_sync("saved")
        self.assertEqual(self.stored(story["id"])["version"], 24)

    def test_answers_on_a_stored_story_are_kept_and_listed_by_operation_chapter_and_rater(self):
        self.server.stop()
        self.server = self.start_server("--model-path", str(MODEL), "--temperature", "0", "--max-tokens", "48", port=self.server.port)
        self.server.wait_until(lambda health: health["llm_available"])
        story = self.create("Answers", {"previousChapters": [
            {"number": 1, "title": "One", "content": STORY["previousChapters"][0]["content"]},
            {"number": 2, "title": "Two", "content": STORY["previousChapters"][1]["content"]}]})
        self.open_page()
        self.wait_for(lambda: self.health_state() == "ready")
        self.type_into(self.browser.find_element(By.ID, "plot-point"), "Ari hides the letter.")
        self.use_raters(1)
        rater = self.browser.execute_script("return document.querySelector('.rater-name').textContent")
        self.browser.find_element(By.ID, "run-panel").click()
        self.wait_for(lambda: self.card_states() and self.card_states()[0] in ("complete", "failed"), timeout=180)
        # Whatever the model wrote, the answer (or its failure) came from the stored story.
        self.assertEqual(self.card_states(), ["complete"], self.cards()[0].text)
        # A chapter tool sends the story's id and the chapter, and no story.
        self.stub_operation("editor-review", {"suggestions": [{"issue": "Slow start.", "suggestion": "Cut the first line.", "priority": "high"}]})
        self.show_tab("chapter")
        self.pick_chapter(1)
        self.browser.find_element(By.ID, "editor-review").click()
        self.wait_for_workspace("complete", timeout=10)
        [request] = self.stubbed_requests("editor-review")
        self.assertEqual((request["storyId"], request["chapter"]), (story["id"], 2))
        self.assertNotIn("structured_context", request)

        self.show_tab("history")
        self.wait_for(lambda: self.browser.find_elements(By.CSS_SELECTOR, "#answers .answer"))
        [answer] = self.browser.find_elements(By.CSS_SELECTOR, "#answers .answer")
        self.assertEqual(answer.get_attribute("data-operation"), "rater-feedback")
        self.assertIn(f"Rater feedback \u00b7 {rater}", answer.text)
        self.assertIn("on version", answer.text)
        self.assertTrue(answer.find_elements(By.CSS_SELECTOR, ".answer-lines li"), "the answer shows what it said")
        Select(self.browser.find_element(By.ID, "answers-operation")).select_by_value("editor-review")
        self.browser.find_element(By.ID, "answers-filter").click()
        self.wait_for(lambda: "No answers" in self.browser.find_element(By.ID, "answers-status").text)
        Select(self.browser.find_element(By.ID, "answers-operation")).select_by_value("")
        self.type_into(self.browser.find_element(By.ID, "answers-rater"), rater)
        self.browser.find_element(By.ID, "answers-filter").click()
        self.wait_for(lambda: "1 answer," in self.browser.find_element(By.ID, "answers-status").text,
                      message=self.browser.find_element(By.ID, "answers-status").text)
        self.type_into(self.browser.find_element(By.ID, "answers-chapter"), "2")
        self.browser.find_element(By.ID, "answers-filter").click()
        self.wait_for(lambda: "No answers" in self.browser.find_element(By.ID, "answers-status").text)

    def test_search_shows_ranked_places_with_marked_words_and_opens_the_story_at_its_chapter(self):
        self.create("Lanterns", {"worldbuilding": {"content": "A salt desert lit by lanterns."}})
        self.chapter_story("The Weir", "<img src=x onerror=\"window.hacked = true\"> Mara hung the lantern on the weir.")
        self.create("Newest", {})
        self.open_page()
        self.assertEqual(self.story_title(), "Newest")
        self.show_tab("library")
        self.type_into(self.browser.find_element(By.ID, "search-query"), "lantern")
        self.browser.find_element(By.ID, "search-query").send_keys(Keys.ENTER)
        self.wait_for(lambda: len(self.browser.find_elements(By.CSS_SELECTOR, "#search-results .search-hit")) == 2)
        hits = self.browser.find_elements(By.CSS_SELECTOR, "#search-results .search-hit")
        self.assertEqual(sorted(hit.find_element(By.CLASS_NAME, "search-title").text for hit in hits), ["Lanterns", "The Weir"])
        weir = next(hit for hit in hits if hit.find_element(By.CLASS_NAME, "search-title").text == "The Weir")
        self.assertIn("chapter 1 \u201cThe Weir\u201d", weir.text)
        self.assertEqual([mark.text.lower() for mark in weir.find_elements(By.TAG_NAME, "mark")], ["lantern"])
        # Server text stays text.
        self.assertIn("<img src=x", weir.find_element(By.CLASS_NAME, "search-snippet").text)
        self.assertEqual(self.browser.find_elements(By.CSS_SELECTOR, "#search-results img"), [])
        self.assertIsNone(self.browser.execute_script("return window.hacked ?? null"))
        weir.find_element(By.CLASS_NAME, "search-open").click()
        self.wait_for(lambda: self.story_title() == "The Weir")
        self.wait_for(lambda: self.browser.find_element(By.ID, "panel-chapter").is_displayed())
        self.assertIn("Mara hung the lantern", self.workspace_text())

    def test_asking_the_stories_answers_with_citations_that_open_their_passage(self):
        self.server.stop()
        self.server = self.start_server("--model-path", str(MODEL), "--temperature", "0", "--max-tokens", "200", port=self.server.port)
        self.server.wait_until(lambda health: health["llm_available"])
        sentence = "Ivo drowned below the weir, and nobody in the village spoke of it again."
        self.chapter_story("The Weir", f"Mara packed her bag before dawn.\n\n{sentence}")
        self.create("Newest", {})
        self.open_page()
        self.show_tab("library")
        question = self.browser.find_element(By.ID, "archive-question")
        self.type_into(question, "How did Ivo drown at the weir?")
        self.browser.find_element(By.ID, "archive-ask").click()
        status = lambda: self.browser.find_element(By.ID, "archive-status").text
        self.wait_for(lambda: self.browser.find_elements(By.CSS_SELECTOR, ".archive-turn .archive-answer") or "could not" in status(),
                      timeout=180)
        turns = self.browser.find_elements(By.CSS_SELECTOR, ".archive-turn")
        self.assertEqual(len(turns), 1, status())
        [turn] = turns
        self.assertEqual(turn.find_element(By.CLASS_NAME, "archive-asked").text, "How did Ivo drown at the weir?")
        # The grammar lets the model quote only sentences of the passages read: here, the one.
        [citation] = turn.find_elements(By.CSS_SELECTOR, ".archive-citation")
        self.assertEqual(citation.find_element(By.CLASS_NAME, "archive-open").text, "The Weir, chapter 1, paragraph 2")
        self.assertEqual(citation.find_element(By.TAG_NAME, "q").text, sentence)
        self.assertEqual(question.get_attribute("value"), "")

        # A follow-up continues the conversation; a new one forgets it.
        self.type_into(question, "Who spoke of it?")
        self.browser.find_element(By.ID, "archive-ask").click()
        self.wait_for(lambda: len(self.browser.find_elements(By.CSS_SELECTOR, ".archive-turn .archive-answer")) == 2 or "could not" in status(),
                      timeout=180)
        self.assertEqual(len(self.browser.find_elements(By.CSS_SELECTOR, ".archive-turn")), 2, status())

        # A citation opens its story at its chapter, its words selected.
        self.assertEqual(self.story_title(), "Newest")
        citation.find_element(By.CLASS_NAME, "archive-open").click()
        self.wait_for(lambda: self.story_title() == "The Weir")
        self.wait_for(lambda: self.browser.find_element(By.ID, "panel-chapter").is_displayed())
        selected = "const t = document.getElementById('workspace-text'); return t.value.slice(t.selectionStart, t.selectionEnd)"
        self.wait_for(lambda: self.browser.execute_script(selected) == sentence, message=self.browser.execute_script(selected))

        self.show_tab("library")
        self.browser.find_element(By.ID, "archive-new").click()
        self.assertEqual(self.browser.find_elements(By.CSS_SELECTOR, ".archive-turn"), [])

    def chat_state(self):
        """The conversation in the Talk tab: each turn's role, text and whether it is still being
        written; the error shown, and whether a reply is on its way."""
        return self.browser.execute_script("""
            return {
              turns: [...document.querySelectorAll('#chat-turns .chat-turn')].map((turn) => ({
                role: turn.dataset.role, text: turn.querySelector('.chat-text').textContent, busy: turn.hasAttribute('aria-busy'),
              })),
              error: document.getElementById('chat-error').textContent,
              running: !document.getElementById('chat-stop').hidden,
            };
        """)

    def chat_entries(self):
        return self.browser.find_elements(By.CSS_SELECTOR, "#chat-conversations .chat-entry")

    def click_in_chat_entry(self, name):
        """Clicks the button `name` of the first listed conversation (found again should the list
        have been drawn anew meanwhile)."""
        self.wait_for(lambda: self.chat_entries()[0].find_element(By.CLASS_NAME, name).click() or True)

    def say_in_chat(self, text, turns):
        """Sends `text` and waits for the agent's whole reply: `turns` turns then, the last one the
        agent's and not empty (its words are the model's, so only their shape is checked)."""
        self.type_into(self.browser.find_element(By.ID, "chat-message"), text)
        self.browser.find_element(By.ID, "chat-send").click()
        self.wait_for(lambda: (lambda state: state["error"] or (not state["running"] and len(state["turns"]) == turns))(self.chat_state()),
                      timeout=180, message=f"no reply: {self.chat_state()}")
        state = self.chat_state()
        self.assertEqual(state["error"], "", "the chat failed")
        self.assertEqual([turn["role"] for turn in state["turns"]], ["user", "assistant"] * (turns // 2))
        self.assertEqual(state["turns"][-2]["text"], text)
        self.assertNotEqual(state["turns"][-1]["text"].strip(), "")
        self.assertFalse(state["turns"][-1]["busy"])
        self.assertEqual(self.browser.find_element(By.ID, "chat-message").get_attribute("value"), "")
        return state["turns"]

    def test_talking_with_a_character_is_kept_with_the_story_reopened_and_deleted(self):
        self.server.stop()
        self.server = self.start_server("--model-path", str(MODEL), "--temperature", "0", "--chapter-max-tokens", "160",
                                        port=self.server.port)
        self.server.wait_until(lambda health: health["llm_available"])
        story = self.create("The Weir", {
            "characters": [{"name": "Mara", "basicBio": "A ferrywoman who keeps the weir and will not say why."}],
            "previousChapters": [{"number": 1, "title": "The Weir", "content": "Mara packed her bag before dawn. The weir was loud."}]})
        self.open_page()
        self.wait_for(lambda: self.health_state() == "ready")
        self.show_tab("talk")
        self.wait_for(lambda: "None yet" in self.browser.find_element(By.ID, "chat-saved-status").text)
        self.assertFalse(self.browser.find_element(By.ID, "chat-character").is_displayed(), "the character is picked for the character agent only")
        Select(self.browser.find_element(By.ID, "chat-agent")).select_by_value("character")
        character = Select(self.browser.find_element(By.ID, "chat-character"))
        self.assertEqual([option.get_attribute("value") for option in character.options], ["Mara"])
        character.select_by_value("Mara")
        self.wait_for(lambda: self.browser.find_element(By.ID, "chat-send").is_enabled())
        # The reply is written in live: a turn still being written shows some text.
        self.browser.execute_script("""
            window.chatStreamed = false;
            new MutationObserver(() => {
              if ([...document.querySelectorAll('#chat-turns .chat-turn[aria-busy]')].some((turn) => turn.textContent.trim().length > 'Mara'.length)) {
                window.chatStreamed = true;
              }
            }).observe(document.getElementById('chat-turns'), { childList: true, subtree: true, characterData: true });
        """)
        self.say_in_chat("Why do you keep the weir?", 2)
        self.assertTrue(self.browser.execute_script("return window.chatStreamed"), "the reply was not shown as it was written")
        # A conversation is with one character throughout.
        self.assertFalse(self.browser.find_element(By.ID, "chat-agent").is_enabled())
        self.assertIn("Mara", self.browser.find_element(By.ID, "chat-with").text)
        turns = self.say_in_chat("Who taught you?", 4)

        # The library keeps it with the story, listed with its turns.
        self.wait_for(lambda: len(self.chat_entries()) == 1 and "4 turns" in self.chat_entries()[0].text)
        [listed] = self.api("GET", f"/api/v1/stories/{story['id']}/conversations")[2]["conversations"]
        self.assertEqual((listed["agent"], listed["characterName"], listed["turns"]), ("character", "Mara", 4))
        stored = self.api("GET", f"/api/v1/stories/{story['id']}/conversations/{listed['id']}")[2]
        self.assertEqual([turn["text"] for turn in turns], [message["content"] for message in stored["messages"]])

        # After a reload, and after another story was open, it is there to reopen, whole.
        self.browser.refresh()
        self.wait_for_sync("saved")
        self.show_tab("library")
        self.button("New story").click()
        self.wait_for(lambda: self.story_title() == "Untitled story")
        self.show_tab("talk")
        self.wait_for(lambda: "None yet" in self.browser.find_element(By.ID, "chat-saved-status").text)
        self.assertEqual(self.chat_entries(), [])
        self.assertEqual(self.chat_state()["turns"], [])
        self.show_tab("library")
        self.wait_for(lambda: self.story_entry("The Weir"))
        self.story_entry("The Weir").find_element(By.CLASS_NAME, "story-open").click()
        self.wait_for(lambda: self.story_title() == "The Weir")
        self.show_tab("talk")
        # The list is drawn again as the story opens and the tab shows: read it as it settles.
        self.wait_for(lambda: len(self.chat_entries()) == 1
                      and self.chat_entries()[0].find_element(By.CLASS_NAME, "chat-open").text == "Why do you keep the weir?"
                      and "Mara (character) \u00b7 4 turns" in self.chat_entries()[0].find_element(By.CLASS_NAME, "chat-meta").text,
                      message="the conversation is not listed with its 4 turns")
        # The conversation that was open on the story opens with it again.
        self.wait_for(lambda: len(self.chat_state()["turns"]) == 4)
        self.assertEqual(self.chat_state()["turns"], turns)
        self.wait_for(lambda: self.chat_entries()[0].get_attribute("aria-current") == "true")
        # A new conversation sets it aside; the list reopens it, with its agent and character.
        self.browser.find_element(By.ID, "chat-new").click()
        self.assertEqual(self.chat_state()["turns"], [])
        self.assertTrue(self.browser.find_element(By.ID, "chat-agent").is_enabled())
        self.click_in_chat_entry("chat-open")
        self.wait_for(lambda: len(self.chat_state()["turns"]) == 4)
        self.assertEqual(self.chat_state()["turns"], turns)
        self.assertEqual(Select(self.browser.find_element(By.ID, "chat-agent")).first_selected_option.get_attribute("value"), "character")
        self.assertEqual(Select(self.browser.find_element(By.ID, "chat-character")).first_selected_option.get_attribute("value"), "Mara")

        # Deleted, after asking: gone from the list, the panel and the library.
        self.click_in_chat_entry("chat-delete")
        self.wait_for(self.dialog_open)
        self.assertIn("Why do you keep the weir?", self.browser.find_element(By.ID, "confirm-dialog-lines").text)
        self.browser.find_element(By.ID, "confirm-dialog-confirm").click()
        self.wait_for(lambda: "was deleted" in self.browser.find_element(By.ID, "chat-saved-status").text)
        self.assertEqual(self.chat_entries(), [])
        self.assertEqual(self.chat_state()["turns"], [])
        self.assertEqual(self.api("GET", f"/api/v1/stories/{story['id']}/conversations")[2]["conversations"], [])

    def test_the_open_story_is_exported_as_markdown_and_json_by_the_server(self):
        self.chapter_story("Export Me", "Mara found the letter inside the lantern.")
        self.open_page()
        self.type_into(self.field("summary"), "A letter, a lantern.")
        self.browser.execute_script("""
            window.exported = [];
            URL.createObjectURL = (blob) => { window.exported.push({ blob }); return 'blob:exported'; };
            HTMLAnchorElement.prototype.click = function () { window.exported.at(-1).name = this.download; };
        """)
        self.show_tab("library")
        for button, name in (("export-markdown", "export-me.md"), ("export-library-json", "export-me.json")):
            self.browser.find_element(By.ID, button).click()
            self.wait_for(lambda: f"Exported {name}" in self.library_message())
        files = self.browser.execute_async_script("""
            const done = arguments[arguments.length - 1];
            Promise.all(window.exported.map(async ({ blob, name }) => ({ name, text: await blob.text() }))).then(done);
        """)
        self.assertEqual([file["name"] for file in files], ["export-me.md", "export-me.json"])
        self.assertTrue(files[0]["text"].startswith("# Export Me"), files[0]["text"])
        self.assertIn("Mara found the letter inside the lantern.", files[0]["text"])
        exported = json.loads(files[1]["text"])
        self.assertEqual(exported["title"], "Export Me")
        # The export waited for the last edit to be saved.
        self.assertEqual(exported["structured_context"]["storySummary"]["summary"], "A letter, a lantern.")

    def test_the_library_tabs_are_labelled_and_fit_a_phone(self):
        self.chapter_story("Phone", "Mara found the letter inside the lantern.")
        self.open_page()
        for tab in ("library", "history"):
            self.show_tab(tab)
            self.wait_for(lambda: self.browser.find_elements(By.CSS_SELECTOR, "#story-list .story-entry, #versions .version"))
            self.assert_every_control_is_labelled(tab)
        # The tabs are reached with the arrow keys.
        self.browser.find_element(By.ID, "tab-history").send_keys(Keys.ARROW_RIGHT)
        self.assertEqual(self.browser.switch_to.active_element.get_attribute("id"), "tab-bible")
        self.assert_no_sideways_scrolling_in_a_narrow_window("library", "history")

    def test_without_a_library_the_page_keeps_the_story_in_the_browser_alone(self):
        plain = Server()
        self.addCleanup(plain.stop)
        plain.wait_until(lambda health: True)
        self.open(plain)
        self.wait_for(lambda: self.health_state() == "missing")
        self.type_into(self.field("worldbuilding"), "Only in this browser.")
        self.assertEqual(self.browser.find_element(By.ID, "save-status").text, "Saved in this browser")
        for hidden in ("tab-library", "tab-history"):
            self.assertFalse(self.browser.find_element(By.ID, hidden).is_displayed())
        self.assertEqual(self.browser.find_elements(By.ID, "library-status"), [])
        self.assertEqual(self.saved_bible()["worldbuilding"]["content"], "Only in this browser.")


if __name__ == "__main__":
    unittest.main()
