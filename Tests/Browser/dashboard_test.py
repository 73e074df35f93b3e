#!/usr/bin/env python3
"""The dashboard in a real browser (issue 16): headless Chromium through chromium-driver and
selenium, against a running `runner serve` (embedded worker, espeak speech, the local
faster-whisper transcriber).

  dashboard_test.py --base URL --key-a KEY --key-b KEY --speech FILE.wav --artifacts DIR

Cases: sign in; a pasted text's job page reaches "succeeded" without a reload; its audio loads
and seeks (currentTime set, `seeked` fires, also from a chapter button); a transcribe job made by
uploading a recording through the New-job page has a captions track that loads as many cues as
its VTT holds; a second tenant gets "Not found" (404) for the first tenant's job; a file named
`<script>alert(1)</script>.txt` renders as text and no alert fires. A screenshot of every page is
written to --artifacts; the runner script keeps them (and prints the folder) when a case fails.
Ends with `dashboard browser cases: N passed, N failed`; exit status 1 when any case failed.
"""
import argparse, json, os, sys, time, traceback, urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

args = None
driver = None
shots = 0
state = {}


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000",
                 "--autoplay-policy=no-user-gesture-required", "--mute-audio", "--no-first-run", "--disable-extensions",
                 "--disable-background-networking", "--disable-sync", "--lang=en-US"]:
        options.add_argument(flag)
    # A prompt must not be dismissed silently: the XSS case looks for one.
    options.set_capability("unhandledPromptBehavior", "ignore")
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    made = webdriver.Chrome(options=options, service=service)
    made.set_page_load_timeout(60)
    made.set_script_timeout(60)
    return made


def shot(name):
    global shots
    shots += 1
    path = os.path.join(args.artifacts, f"{shots:02d}-{name}.png")
    try:
        driver.save_screenshot(path)
    except Exception as error:  # a pending alert blocks screenshots
        print(f"  (no screenshot {name}: {error.__class__.__name__})")


def no_alert():
    try:
        alert = driver.switch_to.alert
        text = alert.text
        alert.dismiss()
        raise AssertionError(f"an alert fired: {text!r}")
    except NoAlertPresentException:
        pass


def wait(seconds=30):
    # Live updates replace page regions, so an element found a moment ago may be gone: look again.
    return WebDriverWait(driver, seconds, poll_frequency=0.2, ignored_exceptions=(StaleElementReferenceException,))


def text_of(element_id):
    """The text of an element that live updates may be replacing."""
    return wait(10).until(lambda d: d.find_element(By.ID, element_id).text.strip())


def sign_in(key):
    driver.delete_all_cookies()
    driver.get(args.base + "/")
    wait().until(EC.url_contains("/ui/login"))
    shot("sign-in")
    driver.find_element(By.ID, "key").send_keys(key)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait().until(EC.url_contains("/ui/jobs"))


def status_of(url):
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {credentials: 'same-origin'}).then(r => done(r.status), e => done(String(e)));", url)


def wait_for_status(wanted, seconds):
    try:
        wait(seconds).until(lambda d: d.find_element(By.ID, "job-status").text.strip() in ("succeeded", "dead", "cancelled"))
    except TimeoutException:
        shot("job-timeout")
        raise AssertionError(f"the job page did not reach a final status in {seconds} s (shows {text_of('job-status')!r})")
    got = text_of("job-status")
    assert got == wanted, f"the job ended {got!r}, not {wanted!r}"


# --- cases -------------------------------------------------------------------------------------

def case_sign_in():
    sign_in(args.key_a)
    header = driver.find_element(By.CSS_SELECTOR, "header.top").text
    assert "alpha" in header, f"the header does not name the tenant: {header!r}"
    cookie = driver.execute_script("return document.cookie")
    assert "mp_session" not in cookie, "the session cookie is readable by scripts"
    assert args.key_a not in driver.page_source, "the API key is in the page"
    shot("jobs-empty")


def case_jobs_list_goes_live():
    driver.get(args.base + "/ui/jobs")
    wait().until(lambda d: "Live updates on" in d.find_element(By.ID, "live-status").text)
    driver.execute_script("window.__sameDocument = 'kept';")
    # A job made elsewhere (the API, with the key) appears in the open list and finishes there.
    request = urllib.request.Request(args.base + "/v1/jobs", method="POST", headers={
        "Authorization": "Bearer " + args.key_a, "Content-Type": "application/json"},
        data=json.dumps({"workflow": "narrate", "input": {"text": "The train waited for hours beside the bridge.",
                                                           "name": "train.txt"}}).encode())
    with urllib.request.urlopen(request, timeout=30) as answer:
        job = json.load(answer)["id"]
    row = f'tr[data-job="{job}"] .badge'
    try:
        wait(240).until(lambda d: [e.text for e in d.find_elements(By.CSS_SELECTOR, row)] == ["succeeded"])
    except TimeoutException:
        shot("jobs-live-timeout")
        raise AssertionError("the list did not show the new job succeeded")
    assert driver.execute_script("return window.__sameDocument") == "kept", "the list reloaded"
    count = wait(10).until(lambda d: d.find_element(By.CSS_SELECTOR, '[data-count="succeeded"]').text)
    assert count == "1", f"the succeeded count shows {count}"


def case_text_job_goes_live():
    driver.get(args.base + "/ui/new")
    shot("new-job")
    text = ("# The First Chapter\n\nThe small boat crossed the quiet lake early in the morning. "
            "The captain looked carefully at the harbour.\n\n# The Second Chapter\n\n"
            "A tired doctor walked slowly towards the market square. The bells began to ring.")
    driver.find_element(By.ID, "text").send_keys(text)
    driver.find_element(By.ID, "name").send_keys("lake.md")
    driver.find_element(By.ID, "submit-job").click()
    wait().until(EC.url_matches(r"/ui/jobs/[0-9a-f-]{36}$"))
    state["narrate_url"] = driver.current_url
    # A page that reloads loses this marker; live updates keep it.
    driver.execute_script("window.__sameDocument = 'kept';")
    shot("job-narrate-started")
    wait_for_status("succeeded", 240)
    assert driver.execute_script("return window.__sameDocument") == "kept", "the page reloaded"
    wait(30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "audio#player"))
    progress = wait(10).until(lambda d: d.find_element(By.ID, "job-progress").get_attribute("value"))
    assert progress == "100", f"the progress bar shows {progress}"
    shot("job-narrate-succeeded")


def case_audio_loads_and_seeks():
    driver.get(state["narrate_url"])
    result = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const audio = document.getElementById('player');
        const fail = (why) => done({error: why});
        const timer = setTimeout(() => fail('no seeked within 30 s; readyState ' + audio.readyState), 30000);
        const seek = () => {
          audio.addEventListener('seeked', () => { clearTimeout(timer); done({time: audio.currentTime, duration: audio.duration}); }, {once: true});
          audio.currentTime = Math.min(1.5, audio.duration / 2);
        };
        audio.addEventListener('error', () => fail('media error ' + (audio.error && audio.error.code)));
        if (audio.readyState >= 1) seek(); else { audio.addEventListener('loadedmetadata', seek, {once: true}); audio.load(); }
    """)
    assert "error" not in result, result.get("error")
    assert result["duration"] > 2, f"the book is {result['duration']} s long"
    assert abs(result["time"] - min(1.5, result["duration"] / 2)) < 0.3, f"currentTime is {result['time']}"
    # The second chapter's button seeks to its start.
    chapters = driver.find_elements(By.CSS_SELECTOR, ".chapters button.seek")
    assert len(chapters) == 2, f"{len(chapters)} chapter buttons, not 2"
    target = float(chapters[1].get_attribute("data-seek"))
    driver.execute_script("""
        const audio = document.getElementById('player');
        window.__seeked = false;
        audio.addEventListener('seeked', () => { window.__seeked = true; }, {once: true});
    """)
    chapters[1].click()
    wait(30).until(lambda d: d.execute_script("return window.__seeked"))
    now = driver.execute_script("return document.getElementById('player').currentTime")
    assert now >= target - 0.3, f"the chapter starts at {target} s; the player is at {now} s"
    segments = driver.find_elements(By.CSS_SELECTOR, ".segments .segment-text")
    assert any("small boat" in s.text for s in segments), "the segment texts are missing"
    shot("job-narrate-seeked")


def case_transcribe_captions():
    driver.get(args.base + "/ui/new")
    driver.find_element(By.CSS_SELECTOR, "input[name=workflow][value=transcribe]").click()
    Select(driver.find_element(By.ID, "transcriber")).select_by_value("local")
    driver.find_element(By.ID, "files").send_keys(os.path.abspath(args.speech))
    driver.find_element(By.ID, "submit-job").click()
    wait(120).until(EC.url_matches(r"/ui/jobs/[0-9a-f-]{36}$"))
    state["transcribe_url"] = driver.current_url
    wait_for_status("succeeded", 420)
    wait(30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "video#player track"))
    result = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const element = document.querySelector('video#player track');
        const timer = setTimeout(() => done({error: 'the track did not load; readyState ' + element.readyState}), 30000);
        const report = () => fetch(element.src, {credentials: 'same-origin'}).then(r => r.text()).then(vtt => {
          clearTimeout(timer);
          done({cues: element.track.cues.length, expected: (vtt.match(/-->/g) || []).length,
                listed: document.querySelectorAll('.transcript li').length});
        });
        element.track.mode = 'showing';
        if (element.readyState === 2) report(); else element.addEventListener('load', report, {once: true});
        element.addEventListener('error', () => done({error: 'the track failed to load'}));
    """)
    assert "error" not in result, result.get("error")
    assert result["expected"] > 0, "the VTT has no cues"
    assert result["cues"] == result["expected"], f"the track has {result['cues']} cues; the VTT has {result['expected']}"
    assert result["listed"] == result["expected"], f"the transcript lists {result['listed']} cues"
    # A transcript timestamp seeks the recording.
    buttons = driver.find_elements(By.CSS_SELECTOR, ".transcript button.seek")
    target = float(buttons[-1].get_attribute("data-seek"))
    driver.execute_script("window.__seeked = false; document.getElementById('player')"
                          ".addEventListener('seeked', () => { window.__seeked = true; }, {once: true});")
    buttons[-1].click()
    wait(30).until(lambda d: d.execute_script("return window.__seeked"))
    now = driver.execute_script("return document.getElementById('player').currentTime")
    assert now >= target - 0.3, f"the cue starts at {target} s; the player is at {now} s"
    # Playing from there, the caption line under the player shows that cue's text.
    expected = driver.find_elements(By.CSS_SELECTOR, ".transcript li span")[-1].text.strip()
    try:
        wait(20).until(lambda d: d.find_element(By.ID, "caption-line").text.strip() == expected)
    except TimeoutException:
        shot("caption-line")
        raise AssertionError(f"the caption line shows {text_of('caption-line')!r}, not {expected!r}")
    shot("job-transcribe")


def case_script_named_file_is_text():
    driver.get(args.base + "/ui/new")
    name = "<script>alert(1)</script>.txt"
    # No file system allows '/' in a name, so the file is made in the page, as a drop would give it.
    driver.execute_script("""
        const file = new File(['The baker sang a song about the bridge.'], arguments[0], {type: 'text/plain'});
        const transfer = new DataTransfer();
        transfer.items.add(file);
        document.getElementById('files').files = transfer.files;
    """, name)
    driver.find_element(By.ID, "submit-job").click()
    wait(60).until(EC.url_matches(r"/ui/jobs/[0-9a-f-]{36}$"))
    no_alert()
    heading = text_of("job-name")
    assert heading.startswith("<script>alert(1)<"), f"the name is not shown as text: {heading!r}"
    scripts = driver.execute_script("return Array.from(document.scripts).map(s => s.src)")
    assert scripts == [args.base + "/static/dashboard.js"], f"scripts in the page: {scripts}"
    wait_for_status("succeeded", 240)
    no_alert()
    driver.get(args.base + "/ui/jobs")
    no_alert()
    assert any(a.text.startswith("<script>") for a in driver.find_elements(By.CSS_SELECTOR, "table.jobs a")), \
        "the jobs list does not show the name as text"
    shot("jobs-list")
    driver.get(args.base + "/ui/health")
    no_alert()
    workers = driver.find_elements(By.CSS_SELECTOR, "#workers-h + ul li")
    assert workers, "queue health lists no worker"
    shot("queue-health")


def case_second_tenant_not_found():
    url = state.get("narrate_url")
    assert url, "no job from the first tenant (an earlier case failed)"
    sign_in(args.key_b)
    driver.get(url)
    heading = driver.find_element(By.TAG_NAME, "h1").text
    assert heading == "Not found", f"the second tenant sees {heading!r}"
    assert status_of(url) == 404, "the page's status is not 404"
    assert "lake" not in driver.page_source
    shot("not-found")


CASES = [case_sign_in, case_jobs_list_goes_live, case_text_job_goes_live, case_audio_loads_and_seeks, case_transcribe_captions,
         case_script_named_file_is_text, case_second_tenant_not_found]


def main():
    global args, driver
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--key-a", required=True)
    parser.add_argument("--key-b", required=True)
    parser.add_argument("--speech", required=True)
    parser.add_argument("--artifacts", required=True)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    os.makedirs(args.artifacts, exist_ok=True)
    driver = browser()
    passed = failed = 0
    try:
        for case in CASES:
            if args.only and args.only not in case.__name__:
                continue
            started = time.monotonic()
            try:
                case()
                passed += 1
                print(f"PASS {case.__name__} ({time.monotonic() - started:.1f} s)", flush=True)
            except Exception:
                failed += 1
                print(f"FAIL {case.__name__} ({time.monotonic() - started:.1f} s)", flush=True)
                traceback.print_exc()
                shot(f"failed-{case.__name__}")
                logs = driver.get_log("browser") if hasattr(driver, "get_log") else []
                for entry in logs[-20:]:
                    print("  console:", json.dumps(entry))
    finally:
        driver.quit()
    # Not the bare "N passed, N failed" line: the swift test count stays the run's summary.
    print(f"dashboard browser cases: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
