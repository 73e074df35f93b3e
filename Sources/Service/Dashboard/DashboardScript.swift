/// `/static/dashboard.js`: the only script the pages run (the Content-Security-Policy allows no
/// other). It never builds HTML from data: live updates swap in regions the server rendered (and
/// escaped), and upload rows are made with `textContent`.
enum DashboardScript {
    static let text = #"""
        'use strict';
        (function () {
          const body = document.body;
          const page = body.dataset.page;
          const jobID = body.dataset.jobId;
          const csrf = () => { const m = document.querySelector('meta[name="csrf-token"]'); return m ? m.content : ''; };
          const say = (text) => { const s = document.getElementById('live-status'); if (s) s.textContent = text; };

          // Chapter, segment and transcript buttons seek the player.
          document.addEventListener('click', (event) => {
            const button = event.target.closest('button.seek');
            if (!button) return;
            const media = document.getElementById(button.dataset.target || 'player');
            const time = parseFloat(button.dataset.seek);
            if (!media || !isFinite(time)) return;
            media.currentTime = time;
            if (media.paused) media.play().catch(() => {});
          });

          // Captions under the player: the active cue's text (a recording without pictures has no
          // picture to draw captions on), and the transcript's current cue marked.
          function bindCaptions() {
            const player = document.getElementById('player');
            const line = document.getElementById('caption-line');
            if (!player || player.tagName !== 'VIDEO' || !line || player.dataset.captionsBound) return;
            const track = Array.from(player.textTracks).find((t) => t.kind === 'captions');
            if (!track) return;
            player.dataset.captionsBound = 'yes';
            if (player.classList.contains('audio-only')) track.mode = 'hidden';
            track.addEventListener('cuechange', () => {
              const cue = track.activeCues && track.activeCues.length ? track.activeCues[0] : null;
              line.textContent = cue ? cue.text : '';
              document.querySelectorAll('.transcript li.current').forEach((item) => item.classList.remove('current'));
              if (!cue) return;
              const item = document.querySelector('.transcript li[data-start="' + cue.startTime.toFixed(3) + '"]');
              if (item) item.classList.add('current');
            });
          }
          bindCaptions();

          // Live updates: an event of this page's jobs re-reads the page and swaps in each region
          // whose server-rendered HTML changed (a playing player is left alone while its region is unchanged).
          const rendered = new Map();
          document.querySelectorAll('[data-region]').forEach((region) => rendered.set(region.id, region.innerHTML));
          let timer = null, busy = false, again = false;
          async function refresh() {
            if (busy) { again = true; return; }
            busy = true;
            try {
              const controller = new AbortController();
              const limit = setTimeout(() => controller.abort(), 15000);
              const response = await fetch(location.href, { credentials: 'same-origin', cache: 'no-store', signal: controller.signal });
              clearTimeout(limit);
              if (response.ok) {
                const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
                fresh.querySelectorAll('[data-region]').forEach((region) => {
                  const current = document.getElementById(region.id);
                  if (!current || rendered.get(region.id) === region.innerHTML) return;
                  rendered.set(region.id, region.innerHTML);
                  current.replaceChildren(...Array.from(region.childNodes, (node) => document.importNode(node, true)));
                });
                bindCaptions();
                document.title = fresh.title;
              }
            } catch (error) {
              say('Could not refresh: ' + error.message);
            }
            busy = false;
            if (again) { again = false; schedule(); }
          }
          function schedule() {
            if (timer) return;
            timer = setTimeout(() => { timer = null; refresh(); }, 200);
          }
          if ((page === 'jobs' || page === 'job') && window.EventSource) {
            const events = new EventSource('/ui/events');
            events.onopen = () => { say('Live updates on'); schedule(); };
            events.onerror = () => say('Live updates paused; reconnecting');
            events.onmessage = (message) => {
              let event;
              try { event = JSON.parse(message.data); } catch (error) { return; }
              if (page === 'job' && event.job_id !== jobID) return;
              schedule();
            };
          }

          // New job: files go through an upload session, each with its own progress bar, then
          // the job is created and the browser lands on its page. Without files the form posts.
          const form = document.getElementById('new-job');
          if (!form) return;
          const errorBox = document.getElementById('form-error');
          const showError = (text) => { errorBox.textContent = text; errorBox.hidden = false; };
          async function api(method, path, payload) {
            const controller = new AbortController();
            const limit = setTimeout(() => controller.abort(), 60000);
            try {
              const response = await fetch(path, {
                method, credentials: 'same-origin', signal: controller.signal,
                headers: { 'X-CSRF-Token': csrf(), 'Content-Type': 'application/json' },
                body: JSON.stringify(payload),
              });
              let data = null;
              try { data = await response.json(); } catch (error) { data = null; }
              if (!response.ok) throw new Error((data && data.detail) || ('HTTP ' + response.status));
              return data;
            } finally {
              clearTimeout(limit);
            }
          }
          function upload(path, file, bar, label) {
            return new Promise((resolve, reject) => {
              const request = new XMLHttpRequest();
              request.open('PUT', path);
              request.setRequestHeader('X-CSRF-Token', csrf());
              request.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
              request.timeout = 30 * 60 * 1000;
              request.upload.onprogress = (event) => {
                if (!event.lengthComputable) return;
                bar.value = Math.round(event.loaded / event.total * 100);
                label.textContent = bar.value + '%';
              };
              request.onload = () => {
                if (request.status >= 200 && request.status < 300) {
                  bar.value = 100;
                  label.textContent = 'uploaded';
                  resolve();
                  return;
                }
                let detail = '';
                try { detail = JSON.parse(request.responseText).detail; } catch (error) { detail = ''; }
                reject(new Error(detail || ('HTTP ' + request.status)));
              };
              request.onerror = () => reject(new Error('the upload failed (network)'));
              request.ontimeout = () => reject(new Error('the upload timed out'));
              request.send(file);
            });
          }
          // A plain file name the server accepts: no slashes or control characters.
          const plainName = (name) => name.replace(/\//g, '\u2215').replace(/[\u0000-\u001f\u007f]/g, '_');
          form.addEventListener('submit', async (event) => {
            const files = Array.from(document.getElementById('files').files);
            const workflow = form.querySelector('input[name="workflow"]:checked').value;
            if (!files.length) {
              if (workflow === 'transcribe') { event.preventDefault(); showError('Choose a recording to transcribe.'); }
              return;
            }
            event.preventDefault();
            errorBox.hidden = true;
            const submit = document.getElementById('submit-job');
            submit.disabled = true;
            const list = document.getElementById('upload-progress');
            list.replaceChildren();
            try {
              const total = files.reduce((sum, file) => sum + file.size, 0);
              const session = await api('POST', '/ui/api/uploads', { expected_files: files.length, total_bytes: total });
              const names = [];
              for (const file of files) {
                const name = plainName(file.name);
                const item = document.createElement('li');
                const title = document.createElement('span');
                title.className = 'file-name';
                title.textContent = name;
                const bar = document.createElement('progress');
                bar.max = 100;
                bar.value = 0;
                bar.setAttribute('aria-label', 'Upload of ' + name);
                const label = document.createElement('span');
                label.textContent = '0%';
                item.append(title, ' ', bar, ' ', label);
                list.append(item);
                await upload('/ui/api/uploads/' + session.id + '/files/' + encodeURIComponent(name), file, bar, label);
                names.push(name);
              }
              const options = {};
              const pick = (id, key) => { const value = document.getElementById(id).value; if (value) options[key] = value; };
              if (workflow === 'narrate') { pick('engine', 'engine'); pick('style', 'style'); } else { pick('transcriber', 'transcriber'); }
              // narrate takes one document a job; transcribe joins the files into one recording.
              const inputs = workflow === 'narrate' ? names.map((name) => ({ upload_id: session.id, file: name }))
                : [{ upload_id: session.id, files: names }];
              const jobs = [];
              for (const input of inputs) jobs.push(await api('POST', '/ui/api/jobs', { workflow, input, options }));
              location.assign(jobs.length === 1 ? '/ui/jobs/' + jobs[0].id : '/ui/jobs');
            } catch (error) {
              showError(error.message);
              submit.disabled = false;
            }
          });
        })();
        """#
}
