/// `/static/dashboard.css`: system fonts, colours with at least 4.5:1 contrast, visible focus.
enum DashboardStyle {
    static let text = #"""
        :root { --ink: #1b1f24; --muted: #4d5661; --line: #d0d7de; --bg: #ffffff; --panel: #f6f8fa; --accent: #0b57a4;
          --ok: #116329; --bad: #a40e26; --warn: #7d4e00; --run: #0550ae; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
        a { color: var(--accent); }
        a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible {
          outline: 3px solid #f0a400; outline-offset: 2px; }
        .skip { position: absolute; left: -999px; top: 0; background: var(--ink); color: #fff; padding: .5rem 1rem; }
        .skip:focus { left: 0; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        header.top { display: flex; flex-wrap: wrap; align-items: center; gap: 1.5rem; padding: .75rem 1.5rem; background: #1b1f24; color: #fff; }
        header.top a { color: #fff; }
        .brand { font-weight: 700; font-size: 1.15rem; text-decoration: none; }
        header nav ul { display: flex; gap: 1.25rem; list-style: none; margin: 0; padding: 0; }
        header nav a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
        .who { margin-left: auto; display: flex; gap: 1rem; align-items: center; }
        .who form { margin: 0; }
        button.link { background: none; border: 1px solid #fff; color: #fff; padding: .2rem .7rem; }
        main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
        h1 { font-size: 1.7rem; margin: .75rem 0; overflow-wrap: anywhere; }
        h2 { font-size: 1.25rem; margin: 1.75rem 0 .5rem; }
        h3 { font-size: 1.05rem; margin: 1.25rem 0 .4rem; }
        .narrow { max-width: 30rem; }
        .stack { display: flex; flex-direction: column; gap: .5rem; }
        label { font-weight: 600; }
        label.inline { font-weight: 400; margin-right: 1.25rem; }
        input[type=text], input[type=password], input[type=date], select, textarea { font: inherit; padding: .4rem .5rem; border: 1px solid #6e7781; border-radius: 4px; background: #fff; color: var(--ink); }
        textarea { width: 100%; }
        fieldset { border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem 1rem; margin: 0 0 1rem; display: flex; flex-direction: column; gap: .4rem; }
        legend { font-weight: 700; padding: 0 .3rem; }
        button { font: inherit; padding: .45rem 1rem; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
        button:disabled { opacity: .6; cursor: progress; }
        button.danger { background: var(--bad); border-color: var(--bad); }
        .hint, .muted { color: var(--muted); }
        .error { border-left: 4px solid var(--bad); background: #fff0f1; padding: .5rem 1rem; color: var(--ink); }
        .error h3 { margin-top: .25rem; }
        .error-text { color: var(--bad); }
        .counts { display: flex; flex-wrap: wrap; gap: .5rem; list-style: none; padding: 0; margin: 0 0 1rem; }
        .count { display: inline-block; padding: .35rem .8rem; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); text-decoration: none; color: var(--ink); }
        .count .n { font-weight: 700; font-size: 1.15rem; margin-right: .2rem; }
        .filters { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-end; background: var(--panel); padding: .75rem 1rem; border-radius: 6px; }
        .filters div { display: flex; flex-direction: column; gap: .2rem; }
        .filters select, .filters input { height: 2.5rem; }
        .choices { display: flex; gap: 1.5rem; }
        .filters .buttons { flex-direction: row; align-items: center; gap: .75rem; }
        table { width: 100%; border-collapse: collapse; margin: .75rem 0; }
        th, td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        thead th { background: var(--panel); }
        td.empty { color: var(--muted); }
        code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9em; }
        code.id { color: var(--muted); }
        progress { width: 8rem; height: 1rem; vertical-align: middle; accent-color: var(--accent); }
        #job-progress { width: 10rem; }
        .badge { display: inline-block; padding: .05rem .55rem; border-radius: 999px; font-size: .9rem; font-weight: 600; border: 1px solid currentColor; }
        .status-succeeded { color: var(--ok); }
        .status-dead, .status-cancelled { color: var(--bad); }
        .status-retrying { color: var(--warn); }
        .status-running, .status-queued { color: var(--run); }
        .facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr)); gap: .5rem 1.5rem; margin: .5rem 0 1rem; }
        .facts dt { font-weight: 600; color: var(--muted); font-size: .9rem; }
        .facts dd { margin: 0; overflow-wrap: anywhere; }
        .actions { display: flex; gap: .75rem; margin: .75rem 0; }
        .actions form { margin: 0; }
        audio, video { width: 100%; max-width: 48rem; display: block; margin: .5rem 0; }
        video.audio-only { height: 3.5rem; background: #1b1f24; }
        .caption-line { max-width: 48rem; min-height: 2.6rem; margin: 0 0 .5rem; padding: .4rem .8rem; background: #1b1f24; color: #fff;
          font-size: 1.1rem; border-radius: 4px; }
        .transcript li.current span { background: #fff3c4; }
        .chapters, .segments, .transcript { padding-left: 1.5rem; }
        .chapters button.seek { background: none; color: var(--accent); border: none; padding: .15rem 0; text-align: left; }
        .chapters .title { text-decoration: underline; }
        button.seek.time { background: var(--panel); color: var(--accent); border: 1px solid var(--line); padding: .05rem .45rem; font-size: .9rem; font-variant-numeric: tabular-nums; }
        .chapters .time { color: var(--muted); margin-left: .4rem; }
        .segments li { margin-bottom: .75rem; }
        .segments audio { max-width: 24rem; height: 2rem; }
        .segment-text, .transcript span { overflow-wrap: anywhere; }
        pre.markup { background: var(--panel); padding: .75rem; overflow: auto; max-height: 24rem; white-space: pre-wrap; }
        .tag { display: inline-block; background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: 0 .4rem; }
        .assets li { margin: .2rem 0; }
        .uploads { list-style: none; padding: 0; }
        .uploads li { display: flex; gap: .5rem; align-items: center; margin: .25rem 0; }
        .file-name { overflow-wrap: anywhere; max-width: 30rem; }
        .options { display: flex; flex-wrap: wrap; gap: 1rem; }
        .options div { display: flex; flex-direction: column; gap: .2rem; }
        .pages { display: flex; gap: 1rem; }
        .crumbs { margin: .5rem 0 0; color: var(--muted); }
        .live-status { position: fixed; bottom: 0; right: 0; margin: 0; padding: .2rem .6rem; font-size: .8rem; color: var(--muted); background: var(--bg); }
        @media (max-width: 40rem) { .who { margin-left: 0; } th, td { padding: .35rem .25rem; } }
        """#
}
