"""A small S3 fake for the faults moto does not produce (reference §5.7): 503 SlowDown with
Retry-After, a connection dropped in the middle of a part, and CompleteMultipartUpload answering
HTTP 200 with an <Error> body; and S3's additional checksums as AWS documents them, which moto
5.2 does not check: a part or PUT whose x-amz-checksum-<algorithm> does not match its bytes is
refused with 400 BadDigest, Complete requires each part's checksum and answers the composite
(<ChecksumCRC32C>…-N), ListParts lists them. Path-style only; no signature check (moto does that
part).

Started by the Swift tests: prints its port on the first line of stdout. Control endpoints:
  POST /_faults  JSON list of {"op": PutObject|UploadPart|Complete|HeadObject, "kind":
                 slowdown|drop|error200|internal|echo|corrupt (UploadPart: one byte flipped
                 on arrival)|wrongchecksum (Complete: a wrong composite answered), "part": N (UploadPart only), "code": "...",
                 "times": N}; each fault applies to the next `times` matching requests.
  GET  /_log     JSON list of the requests served: op, key, part, status, body bytes received.
"""
import base64, hashlib, json, re, sys, threading, uuid, zlib
import crc32c
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

lock = threading.RLock()
objects, uploads, faults, log = {}, {}, [], []


def take_fault(op, part=None):
    with lock:
        for fault in faults:
            if fault["op"] == op and fault.get("part") in (None, part) and fault["times"] > 0:
                fault["times"] -= 1
                return fault
    return None


def checksum(algorithm, data):
    raw = {"CRC32C": lambda d: crc32c.crc32c(d).to_bytes(4, "big"),
           "CRC32": lambda d: zlib.crc32(d).to_bytes(4, "big"),
           "SHA256": lambda d: hashlib.sha256(d).digest()}[algorithm](data)
    return base64.b64encode(raw).decode()


def sent_checksum(headers):
    """(algorithm, value) of the x-amz-checksum-<algorithm> header, if any."""
    for algorithm in ("CRC32C", "CRC32", "SHA256"):
        value = headers.get(f"x-amz-checksum-{algorithm.lower()}")
        if value:
            return algorithm, value
    return None


def error_xml(code, message):
    return (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
            f'<Message>{message}</Message><RequestId>FAKE{uuid.uuid4().hex[:8]}</RequestId></Error>').encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", headers=None, op=None, key=None, part=None, received=0):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if "x-amz-request-id" not in (headers or {}):
            self.send_header("x-amz-request-id", "FAKE-REQ")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        with lock:
            log.append({"op": op, "key": key, "part": part, "status": status, "received": received})

    def read_body(self):
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def target(self):
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        _, _, rest = unquote(parts.path).lstrip("/").partition("/")
        return rest, query

    def do_GET(self):
        if self.path == "/_log":
            with lock:
                return self.send(200, json.dumps(log).encode(), op="_log")
        key, query = self.target()
        if "uploadId" in query:
            upload = uploads.get(query["uploadId"])
            if upload is None:
                return self.send(404, error_xml("NoSuchUpload", "no such upload"), op="ListParts", key=key)
            algo = upload["algorithm"]
            xml = "".join(f"<Part><PartNumber>{n}</PartNumber><ETag>\"{hashlib.md5(d).hexdigest()}\"</ETag>"
                          + (f"<Checksum{algo}>{checksum(algo, d)}</Checksum{algo}>" if algo else "")
                          + f"<Size>{len(d)}</Size></Part>" for n, d in sorted(upload["parts"].items()))
            head = f"<ChecksumAlgorithm>{algo}</ChecksumAlgorithm>" if algo else ""
            return self.send(200, f"<ListPartsResult>{head}<IsTruncated>false</IsTruncated>{xml}</ListPartsResult>".encode(),
                             op="ListParts", key=key)
        obj = objects.get(key)
        if obj is None:
            return self.send(404, error_xml("NoSuchKey", "no such key"), op="GetObject", key=key)
        self.send(200, obj["data"], {"Content-Type": obj["type"]}, op="GetObject", key=key)

    def do_HEAD(self):
        key, _ = self.target()
        obj = objects.get(key)
        if obj is None:
            return self.send(404, op="HeadObject", key=key)
        headers = {"Content-Type": obj["type"], "ETag": obj["etag"], **{f"x-amz-meta-{k}": v for k, v in obj["meta"].items()}}
        if obj.get("checksum") and self.headers.get("x-amz-checksum-mode") == "ENABLED":
            headers[f"x-amz-checksum-{obj['checksum'][0].lower()}"] = obj["checksum"][1]
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(obj["data"])))
        self.end_headers()
        with lock:
            log.append({"op": "HeadObject", "key": key, "part": None, "status": 200, "received": 0})

    def do_PUT(self):
        key, query = self.target()
        if "partNumber" in query:
            part = int(query["partNumber"])
            fault = take_fault("UploadPart", part)
            fault_corrupt = lambda _: False
            if fault and fault["kind"] == "corrupt":
                fault, fault_corrupt = None, lambda _: True
            length = int(self.headers.get("Content-Length", "0"))
            if fault and fault["kind"] == "drop":
                self.rfile.read(length // 2)
                with lock:
                    log.append({"op": "UploadPart", "key": key, "part": part, "status": "dropped", "received": length // 2})
                self.close_connection = True
                self.connection.shutdown(2)
                return
            data = self.read_body()
            if fault:
                return self.send(503, error_xml("SlowDown", "Please reduce your request rate."), {"Retry-After": "0"},
                                 op="UploadPart", key=key, part=part, received=len(data))
            upload = uploads.get(query["uploadId"])
            if upload is None:
                return self.send(404, error_xml("NoSuchUpload", "no such upload"), op="UploadPart", key=key, part=part)
            if fault_corrupt(part):
                data = bytes([data[0] ^ 0xFF]) + data[1:]
            sent = sent_checksum(self.headers)
            if sent and checksum(sent[0], data) != sent[1]:
                return self.send(400, error_xml("BadDigest", f"The {sent[0]} you specified did not match the calculated checksum."),
                                 op="UploadPart", key=key, part=part, received=len(data))
            if upload["algorithm"] and (not sent or sent[0] != upload["algorithm"]):
                return self.send(400, error_xml("InvalidRequest", "Checksum Type mismatch occurred"),
                                 op="UploadPart", key=key, part=part, received=len(data))
            upload["parts"][part] = data
            return self.send(200, headers={"ETag": f"\"{hashlib.md5(data).hexdigest()}\""},
                             op="UploadPart", key=key, part=part, received=len(data))
        data = self.read_body()
        fault = take_fault("PutObject")
        if fault and fault["kind"] == "echo":
            # A proxy that echoes the session token in its request id and message.
            token = self.headers.get("x-amz-security-token", "none")
            return self.send(403, error_xml("AccessDenied", f"token {token} denied"), {"x-amz-request-id": token},
                             op="PutObject", key=key, received=len(data))
        if fault:
            return self.send(503, error_xml("SlowDown", "Please reduce your request rate."), {"Retry-After": "0"},
                             op="PutObject", key=key, received=len(data))
        sent = sent_checksum(self.headers)
        if sent and checksum(sent[0], data) != sent[1]:
            return self.send(400, error_xml("BadDigest", f"The {sent[0]} you specified did not match the calculated checksum."),
                             op="PutObject", key=key, received=len(data))
        meta = {k[11:].lower(): v for k, v in self.headers.items() if k.lower().startswith("x-amz-meta-")}
        etag = f"\"{hashlib.md5(data).hexdigest()}\""
        objects[key] = {"data": data, "type": self.headers.get("Content-Type", ""), "meta": meta, "etag": etag,
                        "checksum": sent}
        self.send(200, headers={"ETag": etag}, op="PutObject", key=key, received=len(data))

    def do_POST(self):
        if self.path == "/_faults":
            with lock:
                faults.extend(json.loads(self.read_body()))
            return self.send(200, b"{}", op="_faults")
        key, query = self.target()
        body = self.read_body()
        if "uploads" in query:
            upload_id = uuid.uuid4().hex
            meta = {k[11:].lower(): v for k, v in self.headers.items() if k.lower().startswith("x-amz-meta-")}
            uploads[upload_id] = {"key": key, "parts": {}, "meta": meta, "type": self.headers.get("Content-Type", ""),
                                  "algorithm": self.headers.get("x-amz-checksum-algorithm")}
            return self.send(200, f"<InitiateMultipartUploadResult><Key>{key}</Key><UploadId>{upload_id}</UploadId>"
                                  "</InitiateMultipartUploadResult>".encode(), op="CreateMultipartUpload", key=key)
        upload = uploads.get(query.get("uploadId"))
        if upload is None:
            return self.send(404, error_xml("NoSuchUpload", "no such upload"), op="Complete", key=key)
        fault = take_fault("Complete")
        if fault and fault["kind"] == "error200":
            # S3 sends 200 at once, then whitespace while it works, then possibly an error.
            return self.send(200, b"\n  \n" + error_xml(fault.get("code", "InternalError"), "We encountered an internal error."),
                             {"Content-Type": "application/xml"}, op="Complete", key=key)
        algo = upload["algorithm"]
        composite = None
        if algo:
            listed = dict(re.findall(rf"<PartNumber>(\d+)</PartNumber><ETag>[^<]*</ETag><Checksum{algo}>([^<]*)</Checksum{algo}>",
                                     body.decode()))
            raw = b""
            for n, d in sorted(upload["parts"].items()):
                if listed.get(str(n)) != checksum(algo, d):
                    return self.send(400, error_xml("InvalidPart", f"part {n}: {algo} missing or wrong"), op="Complete", key=key)
                raw += base64.b64decode(checksum(algo, d))
            composite = f"{checksum(algo, raw)}-{len(upload['parts'])}"
            if fault and fault["kind"] == "wrongchecksum":
                composite = f"{checksum(algo, raw + b'x')}-{len(upload['parts'])}"
        data = b"".join(d for _, d in sorted(upload["parts"].items()))
        digest = hashlib.md5(b"".join(hashlib.md5(d).digest() for _, d in sorted(upload["parts"].items()))).hexdigest()
        etag = f"\"{digest}-{len(upload['parts'])}\""
        objects[key] = {"data": data, "type": upload["type"], "meta": upload["meta"], "etag": etag,
                        "checksum": (algo, composite) if algo else None}
        del uploads[query["uploadId"]]
        answer = f"<Checksum{algo}>{composite}</Checksum{algo}>" if algo else ""
        self.send(200, f"<CompleteMultipartUploadResult><Key>{key}</Key><ETag>{etag}</ETag>{answer}"
                       "</CompleteMultipartUploadResult>".encode(), op="Complete", key=key)

    def do_DELETE(self):
        key, query = self.target()
        if "uploadId" in query:
            uploads.pop(query["uploadId"], None)
            return self.send(204, op="AbortMultipartUpload", key=key)
        objects.pop(key, None)
        self.send(204, op="DeleteObject", key=key)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
