/// The dashboard's Mustache templates. Only `{{ }}` (escaped) is used: never `{{{ }}}`.
/// `head` and `foot` are the layout every page includes as partials.
enum DashboardTemplateText {
    static let all: [(String, String)] = [
        ("head", head), ("foot", foot), ("login", login), ("error", error), ("jobs", jobs), ("job", job),
        ("new", new), ("health", health),
    ]

    static let head = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · runner</title>
        <link rel="stylesheet" href="/static/dashboard.css">
        <script src="/static/dashboard.js" defer></script>
        {{#signedIn}}<meta name="csrf-token" content="{{csrf}}">{{/signedIn}}
        </head>
        <body data-page="{{page}}"{{#jobID}} data-job-id="{{jobID}}"{{/jobID}}>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
        <a class="brand" href="/">runner</a>
        {{#signedIn}}
        <nav aria-label="Main">
        <ul>
        <li><a href="/ui/jobs"{{#nav_jobs}} aria-current="page"{{/nav_jobs}}>Jobs</a></li>
        <li><a href="/ui/new"{{#nav_new}} aria-current="page"{{/nav_new}}>New job</a></li>
        <li><a href="/ui/health"{{#nav_health}} aria-current="page"{{/nav_health}}>Queue health</a></li>
        </ul>
        </nav>
        <div class="who">
        <span>Tenant <strong>{{tenant}}</strong>{{#readOnly}} (read-only){{/readOnly}}</span>
        <form method="post" action="/ui/logout"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="link">Sign out</button></form>
        </div>
        {{/signedIn}}
        </header>
        <main id="main">

        """

    static let foot = """

        </main>
        <p class="live-status" role="status" aria-live="polite" id="live-status"></p>
        </body>
        </html>

        """

    static let login = """
        {{> head}}
        <section class="narrow" aria-labelledby="signin-h">
        <h1 id="signin-h">Sign in</h1>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form method="post" action="/ui/login" class="stack">
        <input type="hidden" name="csrf" value="{{loginCSRF}}">
        {{^noAuth}}
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autocomplete="current-password" spellcheck="false" required aria-describedby="key-hint">
        <p class="hint" id="key-hint">Make one with <code>runner keys create --tenant NAME</code>. The key is checked once; the browser then keeps only a session cookie.</p>
        {{/noAuth}}
        {{#noAuth}}<p class="hint">This server runs without keys (<code>--no-auth</code>): you work as the <strong>local</strong> tenant.</p>{{/noAuth}}
        <button type="submit">Sign in</button>
        </form>
        </section>
        {{> foot}}
        """

    static let error = """
        {{> head}}
        <section class="narrow" aria-labelledby="error-h">
        <h1 id="error-h">{{heading}}</h1>
        <p class="error-detail">{{detail}}</p>
        <p><a href="/ui/jobs">Back to the jobs</a></p>
        </section>
        {{> foot}}
        """

    static let jobs = """
        {{> head}}
        <h1>Jobs</h1>
        <section aria-labelledby="counts-h" id="counts" data-region>
        <h2 id="counts-h" class="visually-hidden">Jobs per status</h2>
        <ul class="counts">
        {{#counts}}<li><a class="count status-{{status}}" href="/ui/jobs?status={{status}}"><span class="n" data-count="{{status}}">{{count}}</span> <span>{{status}}</span></a></li>
        {{/counts}}
        </ul>
        </section>
        <form class="filters" method="get" action="/ui/jobs" aria-label="Filter jobs">
        <div><label for="f-workflow">Workflow</label>
        <select id="f-workflow" name="workflow">{{#workflowOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/workflowOptions}}</select></div>
        <div><label for="f-status">Status</label>
        <select id="f-status" name="status">{{#statusOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/statusOptions}}</select></div>
        <div><label for="f-after">Created after</label>
        <input id="f-after" name="created_after" type="date" value="{{createdAfter}}"></div>
        <div class="buttons"><button type="submit">Filter</button>{{#filtered}} <a href="/ui/jobs">Clear</a>{{/filtered}}</div>
        </form>
        <section id="list" data-region aria-labelledby="list-h">
        <h2 id="list-h" class="visually-hidden">Job list</h2>
        <table class="jobs">
        <thead><tr><th scope="col">Job</th><th scope="col">Workflow</th><th scope="col">Status</th><th scope="col">Progress</th><th scope="col">Created</th></tr></thead>
        <tbody>
        {{#jobs}}<tr data-job="{{id}}">
        <td><a href="/ui/jobs/{{id}}">{{name}}</a> <code class="id">{{shortID}}</code></td>
        <td>{{workflow}}</td>
        <td><span class="badge status-{{status}}">{{status}}</span></td>
        <td class="progress-cell"><progress max="100" value="{{percent}}" aria-label="Progress of {{name}}">{{percent}}%</progress> <span>{{percent}}%</span></td>
        <td><time datetime="{{createdISO}}">{{created}}</time></td>
        </tr>
        {{/jobs}}
        {{^jobs}}<tr><td colspan="5" class="empty">No jobs{{#filtered}} match these filters{{/filtered}}. <a href="/ui/new">Start one</a>.</td></tr>{{/jobs}}
        </tbody>
        </table>
        <nav class="pages" aria-label="Pages">{{#firstPage}}<a href="{{firstPage}}">First page</a> {{/firstPage}}{{#nextPage}}<a href="{{nextPage}}" rel="next">Next page</a>{{/nextPage}}</nav>
        </section>
        {{> foot}}
        """

    static let job = """
        {{> head}}
        <p class="crumbs"><a href="/ui/jobs">Jobs</a> / <code>{{shortID}}</code></p>
        <h1 id="job-name">{{name}}</h1>
        <section id="state" data-region aria-labelledby="state-h">
        <h2 id="state-h" class="visually-hidden">State</h2>
        <dl class="facts">
        <div><dt>Status</dt><dd><span id="job-status" class="badge status-{{status}}">{{status}}</span></dd></div>
        <div><dt>Progress</dt><dd><progress id="job-progress" max="100" value="{{percent}}" aria-label="Progress">{{percent}}%</progress> {{percent}}%<br><span class="muted">{{stepsDone}} of {{stepsTotal}} steps</span></dd></div>
        <div><dt>Current step</dt><dd id="current-step">{{currentStep}}{{^currentStep}}—{{/currentStep}}</dd></div>
        <div><dt>Workflow</dt><dd>{{workflow}} on queue {{queue}}</dd></div>
        <div><dt>Attempts</dt><dd>{{attempts}} of {{maxAttempts}}</dd></div>
        <div><dt>Created</dt><dd><time datetime="{{createdISO}}">{{created}}</time> by {{trigger}}</dd></div>
        {{#finished}}<div><dt>Finished</dt><dd><time datetime="{{finishedISO}}">{{finished}}</time> ({{duration}})</dd></div>{{/finished}}
        <div><dt>Job id</dt><dd><code>{{id}}</code></dd></div>
        </dl>
        {{#error}}
        <div class="error" role="alert">
        <h3>Error{{#step}} in step {{step}}{{/step}}</h3>
        <p><code>{{code}}</code> {{message}}</p>
        {{#retryHint}}<p>{{retryHint}}</p>{{/retryHint}}
        </div>
        {{/error}}
        {{#canWrite}}
        <div class="actions">
        {{#canCancel}}<form method="post" action="/ui/jobs/{{id}}/cancel"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">Cancel</button></form>{{/canCancel}}
        {{#canRetry}}<form method="post" action="/ui/jobs/{{id}}/retry"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Retry</button></form>{{/canRetry}}
        {{#canRerun}}<form method="post" action="/ui/jobs/{{id}}/rerun"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Rerun as a new job</button></form>{{/canRerun}}
        </div>
        {{/canWrite}}
        </section>
        <section id="results" data-region aria-labelledby="results-h">
        {{#narration}}
        <h2 id="results-h">Narration</h2>
        {{#audio}}<audio id="player" controls preload="metadata" src="{{audio}}"></audio>{{/audio}}
        {{^audio}}<p class="muted">The book's audio appears here when the job has assembled it.</p>{{/audio}}
        {{#hasChapters}}<h3>Chapters</h3>{{/hasChapters}}
        <ol class="chapters">{{#chapters}}<li><button type="button" class="seek" data-seek="{{start}}" data-target="player"><span class="title">{{title}}</span> <span class="time">{{startLabel}}</span></button></li>{{/chapters}}</ol>
        {{#hasSegments}}<h3>Segments</h3>{{/hasSegments}}
        <ol class="segments">{{#segments}}<li id="segment-{{index}}">
        <p>{{#seekable}}<button type="button" class="seek time" data-seek="{{start}}" data-target="player" aria-label="Play from segment {{number}}">{{startLabel}}</button> {{/seekable}}<span class="segment-text">{{text}}</span></p>
        {{#clip}}<audio controls preload="none" src="{{clip}}" aria-label="Segment {{number}} clip"></audio>{{/clip}}
        </li>{{/segments}}</ol>
        {{#markup}}<details><summary>Markup (markup.txt)</summary><pre class="markup">{{markup}}</pre></details>{{/markup}}
        {{/narration}}
        {{#transcription}}
        <h2 id="results-h">Transcription</h2>
        <video id="player" controls preload="metadata" src="{{source}}" class="{{^isVideo}}audio-only{{/isVideo}}">{{#captions}}<track kind="captions" src="{{captions}}" srclang="{{language}}" label="Captions" default>{{/captions}}{{#translations}}<track kind="subtitles" src="{{url}}" srclang="{{language}}" label="{{language}}">{{/translations}}</video>
        {{#captions}}{{^isVideo}}<p id="caption-line" class="caption-line" aria-hidden="true"></p>{{/isVideo}}{{/captions}}
        {{#hasCues}}<h3>Transcript</h3>{{/hasCues}}
        <ol class="transcript">{{#cues}}<li data-start="{{start}}"><button type="button" class="seek time" data-seek="{{start}}" data-target="player">{{startLabel}}</button> <span>{{text}}</span></li>{{/cues}}</ol>
        {{#summary}}<h3>Summary</h3><p>{{text}}</p>{{#hasKeyPoints}}<ul>{{#keyPoints}}<li>{{.}}</li>{{/keyPoints}}</ul>{{/hasKeyPoints}}
        <p class="tags">Tags: {{#tags}}<span class="tag">{{.}}</span> {{/tags}}</p>{{/summary}}
        {{/transcription}}
        </section>
        <section id="downloads" data-region aria-labelledby="downloads-h">
        <h2 id="downloads-h">Downloads</h2>
        <ul class="assets">{{#assets}}<li><a href="{{url}}" download="{{name}}">{{name}}</a> <span class="muted">{{kind}}, {{size}}</span></li>{{/assets}}</ul>
        {{^assets}}<p class="muted">No files yet.</p>{{/assets}}
        </section>
        <section id="steps" data-region aria-labelledby="steps-h">
        <h2 id="steps-h">Steps</h2>
        <table>
        <thead><tr><th scope="col">Step</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Started</th><th scope="col">Finished</th><th scope="col">Duration</th></tr></thead>
        <tbody>{{#steps}}<tr><th scope="row">{{name}}</th><td><span class="badge status-{{status}}">{{status}}</span>{{#stepError}} <span class="error-text">{{stepError}}</span>{{/stepError}}</td><td>{{attempts}}</td><td>{{started}}</td><td>{{finished}}</td><td>{{duration}}</td></tr>{{/steps}}
        {{^steps}}<tr><td colspan="6" class="empty">No step has started yet.</td></tr>{{/steps}}</tbody>
        </table>
        </section>
        <section id="events" data-region aria-labelledby="events-h">
        <h2 id="events-h">Events</h2>
        <table>
        <thead><tr><th scope="col">At</th><th scope="col">Event</th><th scope="col">Source</th><th scope="col">Step</th></tr></thead>
        <tbody>{{#events}}<tr><td><time datetime="{{atISO}}">{{at}}</time></td><td>{{type}}</td><td><code>{{source}}</code></td><td>{{step}}</td></tr>{{/events}}</tbody>
        </table>
        </section>
        {{> foot}}
        """

    static let new = """
        {{> head}}
        <h1>New job</h1>
        {{#error}}<p class="error" role="alert" id="form-error">{{error}}</p>{{/error}}
        {{^error}}<p class="error" role="alert" id="form-error" hidden></p>{{/error}}
        <form id="new-job" method="post" action="/ui/new" class="stack" enctype="application/x-www-form-urlencoded">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <fieldset>
        <legend>Workflow</legend>
        <div class="choices">{{#workflowOptions}}<label class="inline"><input type="radio" name="workflow" value="{{value}}"{{#selected}} checked{{/selected}}> {{value}}</label>{{/workflowOptions}}</div>
        <p class="hint">narrate: a text (txt, md, html, epub) becomes an audiobook. transcribe: a recording becomes a transcript with captions.</p>
        </fieldset>
        <fieldset>
        <legend>Input</legend>
        <label for="text">Paste a text (narrate)</label>
        <textarea id="text" name="text" rows="6">{{text}}</textarea>
        <label for="name">Name of the text</label>
        <input id="name" name="name" type="text" value="{{name}}" placeholder="chapter.txt">
        <label for="files">Or choose files (up to {{maxUploadBytes}} each)</label>
        <input id="files" name="files" type="file" multiple>
        <ul id="upload-progress" class="uploads" aria-label="Uploads"></ul>
        </fieldset>
        <fieldset>
        <legend>Options</legend>
        <div class="options">
        <div><label for="engine">Speech engine (narrate)</label>
        <select id="engine" name="engine">{{#engineOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/engineOptions}}</select></div>
        <div><label for="style">Narration style (narrate)</label>
        <select id="style" name="style">{{#styleOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/styleOptions}}</select></div>
        <div><label for="transcriber">Transcriber (transcribe)</label>
        <select id="transcriber" name="transcriber">{{#transcriberOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/transcriberOptions}}</select></div>
        </div>
        </fieldset>
        <button type="submit" id="submit-job">Start the job</button>
        </form>
        {{> foot}}
        """

    static let health = """
        {{> head}}
        <h1>Queue health</h1>
        <section aria-labelledby="hour-h">
        <h2 id="hour-h">The last hour</h2>
        <dl class="facts">
        <div><dt>Finished</dt><dd>{{finishedHour}} jobs</dd></div>
        <div><dt>Succeeded</dt><dd>{{succeededHour}} ({{perMinute}} a minute)</dd></div>
        <div><dt>Dead</dt><dd>{{deadHour}}</dd></div>
        <div><dt>Cancelled</dt><dd>{{cancelledHour}}</dd></div>
        </dl>
        </section>
        <section aria-labelledby="queues-h">
        <h2 id="queues-h">Jobs per status and queue</h2>
        <table>
        <thead><tr><th scope="col">Queue</th>{{#statuses}}<th scope="col">{{status}}</th>{{/statuses}}</tr></thead>
        <tbody>{{#queues}}<tr><th scope="row">{{queue}}</th>{{#cells}}<td>{{count}}</td>{{/cells}}</tr>{{/queues}}
        {{^hasQueues}}<tr><td colspan="7" class="empty">No jobs yet.</td></tr>{{/hasQueues}}</tbody>
        <tfoot><tr><th scope="row">All</th>{{#totals}}<td>{{count}}</td>{{/totals}}</tr></tfoot>
        </table>
        </section>
        <section aria-labelledby="workers-h">
        <h2 id="workers-h">Workers seen in the last hour</h2>
        <ul>{{#workers}}<li><code>{{id}}</code>, last at <time datetime="{{lastSeenISO}}">{{lastSeen}}</time></li>{{/workers}}</ul>
        {{^workers}}<p class="muted">No worker ran a step of this tenant's jobs in the last hour.</p>{{/workers}}
        </section>
        <section aria-labelledby="dead-h">
        <h2 id="dead-h">Dead jobs</h2>
        <table>
        <thead><tr><th scope="col">Job</th><th scope="col">Error</th><th scope="col">Attempts</th><th scope="col">Finished</th><th scope="col"><span class="visually-hidden">Redrive</span></th></tr></thead>
        <tbody>{{#dead}}<tr><td><a href="/ui/jobs/{{id}}">{{name}}</a> <code class="id">{{shortID}}</code></td><td>{{error}}</td><td>{{attempts}} of {{maxAttempts}}</td><td>{{finished}}</td>
        <td>{{#canWrite}}<form method="post" action="/ui/jobs/{{id}}/retry"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="back" value="health"><button type="submit">Redrive</button></form>{{/canWrite}}</td></tr>{{/dead}}
        {{^dead}}<tr><td colspan="5" class="empty">No dead jobs.</td></tr>{{/dead}}</tbody>
        </table>
        </section>
        {{> foot}}
        """
}
