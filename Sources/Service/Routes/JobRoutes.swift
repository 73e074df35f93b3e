import Basics
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Pipeline
import Providers

extension APIServer {
    var jobRoutes: [APIRoute] {
        [
            APIRoute(.post, "/v1/jobs", .write) { request, context in try await createJob(request, context) },
            APIRoute(.get, "/v1/jobs", .read) { request, context in try await listJobs(request, context) },
            APIRoute(.get, "/v1/jobs/{id}", .read) { request, context in
                let job = try await ownedJob(context)
                return try JSONResponse.make(try await detail(job))
            },
            APIRoute(.delete, "/v1/jobs/{id}", .write) { request, context in try await deleteJob(context) },
            APIRoute(.post, "/v1/jobs/{id}/cancel", .write) { _, context in
                let job = try await ownedJob(context)
                return try await control(job, try await store.cancel(jobID: job.id, source: "api"),
                                         refusal: "only queued, retrying or running jobs can be cancelled")
            },
            APIRoute(.post, "/v1/jobs/{id}/retry", .write) { _, context in
                let job = try await ownedJob(context)
                return try await control(job, try await store.retry(jobID: job.id, source: "api"),
                                         refusal: "only dead or cancelled jobs can be retried")
            },
            APIRoute(.post, "/v1/jobs/{id}/rerun", .write) { _, context in try await rerun(context) },
        ]
    }

    /// The job named by the `{id}` parameter, if it is the caller's (another tenant's is a 404).
    func ownedJob(_ context: APIContext) async throws -> Job {
        let text = context.parameters.get("id") ?? ""
        guard let id = UUID(uuidString: text), let job = try await store.job(id, tenant: try context.caller.tenant) else {
            throw Problem.notFound("job \(text)")
        }
        return job
    }

    func detail(_ job: Job) async throws -> [String: Any] {
        Views.jobDetail(job, steps: try await store.steps(of: job.id), assets: try await store.assets(of: job.id))
    }

    private func control(_ job: Job, _ outcome: ControlOutcome, refusal: String) async throws -> Response {
        switch outcome {
        case .done:
            guard let updated = try await store.job(job.id) else { throw Problem.notFound("job \(Views.id(job.id))") }
            return try JSONResponse.make(try await detail(updated))
        case .notApplicable(let status):
            throw Problem(.conflict, "wrong_status", "the job is \(status.rawValue): \(refusal)")
        }
    }

    // MARK: Create

    private func createJob(_ request: Request, _ context: APIContext) async throws -> Response {
        let caller = try context.caller
        let data = try await requestBody(request, limit: configuration.maxTextBytes + 64 * 1024)
        let body = try JobRequest(parsing: data)
        let input = try await workflowInput(body, tenant: caller.tenant)
        var enqueue = EnqueueRequest(workflow: body.workflow, input: input, priority: body.priority)
        enqueue.tenant = caller.tenant
        enqueue.metadata = body.metadata
        enqueue.trigger = "api"
        let canonical = try JSONText.data(body.canonical)
        if let idempotencyKey = request.headers[.idempotencyKey] {
            guard !idempotencyKey.isEmpty, idempotencyKey.count <= 255 else {
                throw Problem.badRequest("Idempotency-Key must be 1 to 255 characters")
            }
            enqueue.uniqueKey = Self.digest(["api-idempotency", caller.tenant, idempotencyKey])
            enqueue.requestHash = Self.digest([String(decoding: canonical, as: UTF8.self)])
        } else {
            // The same request from the same tenant is the same job (DESIGN: enqueueing twice is idempotent).
            enqueue.uniqueKey = Self.digest(["api", caller.tenant, body.workflow, input.text, String(decoding: canonical, as: UTF8.self)])
        }
        let result: EnqueueResult
        do {
            result = try await enqueuer.enqueue(enqueue)
        } catch let error as StoreError where error.isConflict {
            throw Problem(.unprocessableContent, "idempotency_key_reused",
                          "this Idempotency-Key was used with a different request body")
        }
        if case .upload(let session, _) = body.source, let triggers = store as? any TriggerStore {
            // The session has its job: `POST /v1/tasks/process-pending` leaves it alone.
            try await triggers.linkUploadSession(session, job: result.jobID)
        }
        // A job just inserted comes back with the insert (PostgreSQL); else it is read.
        var found = result.job.flatMap { $0.tenant == caller.tenant ? $0 : nil }
        if found == nil { found = try await store.job(result.jobID, tenant: caller.tenant) }
        guard let job = found else { throw Problem.notFound("job") }
        // A job created just now has no steps or assets yet: two reads fewer on the hot path.
        let view = result.created ? Views.jobDetail(job, steps: [], assets: []) : try await detail(job)
        return try JSONResponse.make(view, status: result.created ? .accepted : .ok,
                                     headers: [.location: "/v1/jobs/\(Views.id(job.id))"])
    }

    static func digest(_ parts: [String]) -> String {
        var hasher = SHA256()
        for part in parts {
            hasher.update(data: Data(part.utf8))
            hasher.update(data: Data([0]))
        }
        return hexString(hasher.finalize())
    }

    /// The workflow's own input document: the source stored in the object store, the options
    /// checked by decoding them as the workflow does.
    func workflowInput(_ body: JobRequest, tenant: String) async throws -> JSON {
        var document = body.options
        switch body.source {
        case .text(let text, let name):
            if text.utf8.count <= NarrateInput.inlineTextLimit {
                // Carried in the job: nothing to write to the store on the request path.
                document["text"] = text
            } else {
                let bytes = Data(text.utf8)
                let key = "inputs/\(sha256Hex(bytes))/\(name)"
                if try await storage.head(key: key) == nil { _ = try await storage.put(bytes: bytes, key: key) }
                document["source_key"] = key
            }
            document["name"] = name
        case .url(let url, let name):
            // Checked now (a clear 422) and again by the worker before it connects: DNS can change.
            do { _ = try await configuration.outboundPolicy.check(url) } catch { throw Problem.invalid("input.url: \(error)") }
            document["source_url"] = url
            document["source_key"] = "inputs/url-\(Self.digest([tenant, url]).prefix(32))/\(name)"
            document["name"] = name
        case .upload(let sessionID, let files):
            guard let session = try await store.uploadSession(sessionID, tenant: tenant) else {
                throw Problem.invalid("input.upload_id: upload session \(Views.id(sessionID)) does not exist")
            }
            var parts: [[String: Any]] = []
            for name in files {
                guard let file = session.files.first(where: { $0.name == name }) else {
                    throw Problem.invalid("input: the upload session has no file named \(name)")
                }
                parts.append(["source_key": file.key, "name": file.name])
            }
            guard let first = parts.first else { throw Problem.invalid("input.files: name at least one file") }
            if body.workflow == "narrate" && parts.count > 1 { throw Problem.invalid("input.files: narrate takes one file") }
            document["source_key"] = first["source_key"]
            document["name"] = first["name"]
            if parts.count > 1 { document["parts"] = parts }
        }
        if body.workflow == "transcribe" {
            if document["transcriber"] == nil, let name = defaultTranscriber { document["transcriber"] = name }
            if document["summarize"] == nil { document["summarize"] = document["transcriber"] != nil && hasKey("GEMINI_API_KEY") }
        }
        let text = try JSONText.string(document)
        let json = try JSON(text: text)
        do {
            if body.workflow == "narrate" {
                let input = try json.decode(NarrateInput.self)
                if let engine = input.engine, SpeechEngineKind(rawValue: engine) == nil {
                    throw Problem.invalid("options.engine: \(engine) is not one of \(SpeechEngineKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                if let style = input.style, NarrationStyle(rawValue: style) == nil {
                    throw Problem.invalid("options.style: \(style) is not one of \(NarrationStyle.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                if let problem = input.pictureProblem { throw Problem.invalid("options.\(problem)") }
                return try JSON(encoding: input)
            }
            let input = try json.decode(TranscribeInput.self)
            if let name = input.transcriber, TranscriberKind(rawValue: name) == nil {
                throw Problem.invalid("options.transcriber: \(name) is not one of \(TranscriberKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return try JSON(encoding: input)
        } catch let error as DecodingError {
            throw Problem.invalid("options: \(Self.describe(error))")
        }
    }

    private func hasKey(_ name: String) -> Bool { !(ProcessInfo.processInfo.environment[name] ?? "").isEmpty }

    /// The speech-to-text provider a transcribe job gets when its options name none.
    private var defaultTranscriber: String? {
        if hasKey("REVAI_ACCESS_TOKEN") { return "revai" }
        if hasKey("OPENAI_API_KEY") { return "openai" }
        if LocalWhisperInstallation.find() != nil { return "local" }
        return nil
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context): return "\(path(context)): expected \(type)"
        case .valueNotFound(_, let context): return "\(path(context)): missing value"
        case .keyNotFound(let key, _): return "\(key.stringValue): missing"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "not understood"
        }
    }

    // MARK: List, delete, rerun

    private func listJobs(_ request: Request, _ context: APIContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        var query = JobQuery(tenant: try context.caller.tenant)
        if let text = parameters.get("limit") {
            guard let limit = Int(text), (1...200).contains(limit) else { throw Problem.badRequest("limit must be 1 to 200") }
            query.limit = limit
        }
        if let text = parameters.get("status") {
            guard let status = JobStatus(rawValue: text) else {
                throw Problem.badRequest("status must be one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.status = status
        }
        if let workflow = parameters.get("workflow") { query.workflow = workflow }
        for (name, apply) in [("created_after", { (d: Date) in query.createdAfter = d }), ("created_before", { query.createdBefore = $0 })] {
            guard let text = parameters.get(name) else { continue }
            guard let date = Views.parseTime(text) else { throw Problem.badRequest("\(name) must be an ISO 8601 time") }
            apply(date)
        }
        if let text = parameters.get("cursor") {
            guard let cursor = JobCursor.parse(text) else { throw Problem.badRequest("cursor is not one this server gave") }
            query.cursor = cursor
        }
        let jobs = try await store.jobs(query)
        let next: Any = jobs.count == query.limit ? jobs.last.map(JobCursor.make) ?? NSNull() : NSNull()
        return try JSONResponse.make(["jobs": jobs.map(Views.job), "next_cursor": next])
    }

    private func deleteJob(_ context: APIContext) async throws -> Response {
        let job = try await ownedJob(context)
        switch try await store.deleteJob(job.id, tenant: job.tenant) {
        case .done:
            let prefix = "jobs/\(Views.id(job.id))/"
            for object in try await storage.list(prefix: prefix) { try await storage.delete(key: object.key) }
            return JSONResponse.noContent()
        case .notApplicable(let status):
            throw Problem(.conflict, "wrong_status", "the job is \(status.rawValue): cancel it or wait for it to finish before deleting it")
        }
    }

    private func rerun(_ context: APIContext) async throws -> Response {
        let job = try await ownedJob(context)
        guard job.status.isFinal else {
            throw Problem(.conflict, "wrong_status", "the job is \(job.status.rawValue): only finished jobs can be rerun")
        }
        var enqueue = EnqueueRequest(workflow: job.workflow, input: try JSON(text: job.input), queue: job.queue, priority: job.priority,
                                     maxAttempts: job.maxAttempts)
        enqueue.tenant = job.tenant
        enqueue.metadata = try job.metadata.map { try JSON(text: $0) }
        enqueue.trigger = "rerun:\(Views.id(job.id))"
        enqueue.uniqueKey = Self.digest(["rerun", Views.id(job.id), UUID().uuidString])
        let result = try await store.enqueue(enqueue, source: "api")
        guard let created = try await store.job(result.jobID, tenant: job.tenant) else { throw Problem.notFound("job") }
        return try JSONResponse.make(try await detail(created), status: .accepted, headers: [.location: "/v1/jobs/\(Views.id(created.id))"])
    }

    /// Reads a request body of at most `limit` bytes (413 above it).
    func requestBody(_ request: Request, limit: Int) async throws -> Data {
        var buffer = ByteBuffer()
        for try await part in request.body {
            guard buffer.readableBytes + part.readableBytes <= limit else {
                throw Problem(.contentTooLarge, "too_large", "the request body is larger than \(limit) bytes")
            }
            var part = part
            buffer.writeBuffer(&part)
        }
        return Data(buffer.readableBytesView)
    }
}

/// The body of `POST /v1/jobs`, checked field by field with errors that name the field.
struct JobRequest {
    enum Source {
        case text(String, name: String)
        case upload(UUID, files: [String])
        /// Fetched by the worker as the job's first step (`fetch_url`).
        case url(String, name: String)
    }
    static let workflows = ["narrate", "transcribe"]
    static let maxNameBytes = 200
    static let options: [String: Set<String>] = [
        "narrate": ["engine", "voice", "max_input_chars", "segment_chars", "chapter_pause", "style", "loudness_target", "segments",
                    "pictures_count", "image_engine", "image_aspect"],
        "transcribe": ["transcriber", "language", "chunk_seconds", "summarize", "chunk_concurrency", "translate_to"],
    ]

    let workflow: String
    let source: Source
    let options: [String: Any]
    let priority: Int
    let metadata: JSON?
    /// The request as parsed, for idempotency comparisons.
    let canonical: [String: Any]

    init(parsing data: Data) throws {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw Problem.badRequest("the body must be a JSON object")
        }
        let known: Set<String> = ["workflow", "input", "options", "priority", "metadata"]
        if let unknown = Set(object.keys).subtracting(known).sorted().first {
            throw Problem.invalid("\(unknown): unknown field (known: \(known.sorted().joined(separator: ", ")))")
        }
        guard let workflow = object["workflow"] as? String, Self.workflows.contains(workflow) else {
            throw Problem.invalid("workflow: must be one of \(Self.workflows.joined(separator: ", "))")
        }
        self.workflow = workflow
        guard let input = object["input"] as? [String: Any] else {
            throw Problem.invalid("input: must be an object with text, or upload_id and file")
        }
        if let text = input["text"] {
            guard let text = text as? String, !text.isEmpty else { throw Problem.invalid("input.text: must be a non-empty string") }
            guard workflow == "narrate" else { throw Problem.invalid("input.text: only narrate takes text; transcribe takes an upload") }
            guard !text.contains("\u{0}") else { throw Problem.invalid("input.text: contains NUL characters") }
            let name = input["name"] as? String ?? "text.txt"
            guard Self.validName(name) else { throw Problem.invalid("input.name: must be a plain file name such as chapter.md") }
            source = .text(text, name: name)
        } else if let session = input["upload_id"] {
            guard let text = session as? String, let id = UUID(uuidString: text) else {
                throw Problem.invalid("input.upload_id: must be an upload session id")
            }
            var files: [String] = []
            if let file = input["file"] as? String { files = [file] }
            if let many = input["files"] as? [String] { files += many }
            guard !files.isEmpty else { throw Problem.invalid("input: name the uploaded file (file) or files (files)") }
            source = .upload(id, files: files)
        } else if let url = input["url"] {
            guard let url = url as? String, url.utf8.count <= 2048 else { throw Problem.invalid("input.url: must be a URL of at most 2048 bytes") }
            do { _ = try OutboundURLPolicy.parse(url) } catch { throw Problem.invalid("input.url: \(error)") }
            let fromPath = URLComponents(string: url)?.path.split(separator: "/").last.map { String($0).removingPercentEncoding ?? String($0) }
            let name = input["name"] as? String ?? fromPath.flatMap { Self.validName($0) ? $0 : nil } ?? (workflow == "narrate" ? "download.txt" : "download")
            guard Self.validName(name) else { throw Problem.invalid("input.name: must be a plain file name such as talk.mp3") }
            source = .url(url, name: name)
        } else {
            throw Problem.invalid("input: must hold text, upload_id and file, or url")
        }
        let options = object["options"] ?? [String: Any]()
        guard let options = options as? [String: Any] else { throw Problem.invalid("options: must be an object") }
        let allowed = Self.options[workflow] ?? []
        if let unknown = Set(options.keys).subtracting(allowed).sorted().first {
            throw Problem.invalid("options.\(unknown): not an option of \(workflow) (options: \(allowed.sorted().joined(separator: ", ")))")
        }
        self.options = options
        let priority = object["priority"] ?? 0
        guard let number = priority as? NSNumber, let value = Int(exactly: number.doubleValue), (-1000...1000).contains(value)
        else { throw Problem.invalid("priority: must be an integer from -1000 to 1000") }
        self.priority = value
        if let metadata = object["metadata"], !(metadata is NSNull) {
            guard metadata is [String: Any] else { throw Problem.invalid("metadata: must be an object") }
            let data = try JSONText.data(metadata)
            guard data.count <= 16 * 1024 else { throw Problem.invalid("metadata: larger than 16 KiB") }
            self.metadata = try JSON(text: String(decoding: data, as: UTF8.self))
        } else {
            self.metadata = nil
        }
        canonical = object
    }

    /// A plain file name the object stores can hold: at most `maxNameBytes` of UTF-8 (the local
    /// store keeps a `<name>.json` sidecar, and file systems allow 255 bytes per name).
    static func validName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= maxNameBytes && !name.contains("/") && name != "." && name != ".."
            && !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
    }
}

/// Job list cursors: the last job's creation time (ms) and id, in base64url.
enum JobCursor {
    static func make(_ job: Job) -> String {
        let ms = Int64((job.createdAt.timeIntervalSince1970 * 1000).rounded())
        return Data("\(ms):\(Views.id(job.id))".utf8).base64URLEncoded
    }

    static func parse(_ text: String) -> (createdAt: Int64, id: UUID)? {
        guard let data = Data(base64URLEncoded: text), case let parts = String(decoding: data, as: UTF8.self).split(separator: ":"),
              parts.count == 2, let ms = Int64(parts[0]), let id = UUID(uuidString: String(parts[1]))
        else { return nil }
        return (ms, id)
    }
}

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
}
