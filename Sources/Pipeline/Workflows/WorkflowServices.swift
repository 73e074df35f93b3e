import Foundation
import Logging
import Providers

/// What the media workflows need from outside: the output store, the provider clients (built
/// once per process: one client and one limiter per provider, shared by every job and step),
/// and a local scratch folder. Steps never build clients from the environment themselves.
package struct WorkflowServices: Sendable {
    /// Where outputs go, in DESIGN's layout (`jobs/<job_id>/…`), and where inputs and the speech
    /// cache live (`inputs/…`, `cache/speech/…`).
    package var storage: any ObjectStorage
    /// The configuration the clients were built from (read only to tell which are available).
    package var environment: ProviderEnvironment
    package var logger: Logger
    /// Local scratch space for downloads and encodes; each step of a job uses its own subfolder.
    /// By default the process's private folder (`ScratchSpace`), never a fixed name under `$TMPDIR`.
    package var scratch: String
    /// The HTTP client providers use.
    package var http: HTTPClient
    /// Every provider client of the process (speech, transcription, LLM).
    package var providers: ProviderClients
    /// The local transcription engine (`transcriber: local`), started by its first job; the
    /// runner that made it shuts it down. Nil: not installed.
    package var localWhisper: LocalWhisperEngine?
    /// Which hosts a job's `url` input may be fetched from (public addresses, plus the
    /// operator's allow-list).
    package var outboundPolicy = OutboundURLPolicy.fromEnvironment()
    /// The service's public base URL (`--public-url`, `PUBLIC_URL`), e.g. `https://api.example.com`:
    /// with it, Rev.ai calls back at `<public>/v1/callbacks/revai/{token}` when a chunk is done
    /// instead of being polled. Nil: polling only. Set only by the processes that run beside a
    /// server (`runner worker`, `runner serve`): `runner process` has no server to be called at.
    package var publicURL: String?

    /// - Parameter providers: the process's clients; nil builds them here from `environment`.
    package init(storage: any ObjectStorage, environment: ProviderEnvironment = ProviderEnvironment(), logger: Logger,
                 scratch: String? = nil, http: HTTPClient = .shared,
                 providers: ProviderClients? = nil) {
        self.providers = providers ?? ProviderClients(environment: environment, logger: logger, http: http)
        self.storage = storage
        self.environment = environment
        self.logger = logger
        self.scratch = scratch ?? ScratchSpace.processFolder ?? ""
        self.http = http
    }

    /// The Gemini client, or a `missing_configuration` failure (not retryable); `purpose` (the
    /// option that needs Gemini) prefixes the message.
    func gemini(for purpose: String? = nil) throws -> GeminiClient {
        try configured(purpose) { try providers.gemini.get() }
    }

    /// The transcriber of `kind`, or a `missing_configuration` failure (not retryable).
    func transcriber(_ kind: TranscriberKind) throws -> any Transcriber {
        try configured(nil) { try providers.transcriber(kind) }
    }

    /// The speech engine of `kind`, or a `missing_configuration` failure (not retryable).
    func speechEngine(_ kind: SpeechEngineKind) throws -> any SpeechEngine {
        try configured(nil) { try providers.speech(kind) }
    }

    private func configured<T>(_ purpose: String?, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ProviderError {
            throw StepFailure(code: "missing_configuration", message: (purpose.map { $0 + ": " } ?? "") + error.description, retryable: false)
        }
    }

    /// A fresh folder for one step of one job (removed by the caller's `defer`).
    /// - Throws: `StepFailure` when there is no scratch folder or it cannot be written.
    func scratchFolder(_ job: UUID, _ step: String) throws -> String {
        guard !scratch.isEmpty else {
            throw StepFailure(code: "scratch_unavailable", message: "no private scratch folder could be made in \(NSTemporaryDirectory())", retryable: true)
        }
        // Flat, so that removing the step's folder leaves nothing behind.
        let path = scratch + "/" + job.uuidString.lowercased().prefix(8) + "-" + step.replacingOccurrences(of: "/", with: "-") + "-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Stores a local file under `jobs/<job>/<relative>` and records it as the step's asset.
    func publish(_ file: String, job: UUID, relative: String, kind: String, context: StepContext, meta: JSON = .emptyObject) async throws -> PublishedAsset {
        let key = "jobs/\(job.uuidString.lowercased())/\(relative)"
        let result = try await storage.put(file: file, key: key)
        var asset = PublishedAsset(kind: kind, key: key, uri: storage.uri(for: key), bytes: result.bytes, sha256: result.sha256,
                                   contentType: ContentType.forPath(relative))
        if meta.text != JSON.emptyObject.text { asset.meta = try? JSONDecoder().decode(JSONValue.self, from: Data(meta.text.utf8)) }
        try await context.recordAsset(kind: kind, uri: asset.uri, bytes: asset.bytes, sha256: asset.sha256,
                                      contentType: asset.contentType, meta: meta)
        return asset
    }

    /// Same as `publish(_:…)` for bytes held in memory.
    func publish(bytes: Data, job: UUID, relative: String, kind: String, context: StepContext) async throws -> PublishedAsset {
        let key = "jobs/\(job.uuidString.lowercased())/\(relative)"
        let result = try await storage.put(bytes: bytes, key: key)
        let asset = PublishedAsset(kind: kind, key: key, uri: storage.uri(for: key), bytes: result.bytes, sha256: result.sha256,
                                   contentType: ContentType.forPath(relative))
        try await context.recordAsset(kind: kind, uri: asset.uri, bytes: asset.bytes, sha256: asset.sha256, contentType: asset.contentType)
        return asset
    }

    /// Fetches the job's source (stored under `inputs/…` when the job was enqueued) to scratch.
    func fetchSource(key: String, name: String, into folder: String) async throws -> String {
        let path = Self.sourcePath(name: name, in: folder)
        do {
            try await storage.get(key: key, to: path)
        } catch let error as StorageError where error.isNotFound {
            throw StepFailure(code: "input_missing", message: "the input \(name) is not in the store (\(key))", retryable: false)
        }
        return path
    }

    /// Writes a source carried in the job's input to scratch, under its name (whose extension
    /// chooses the reader).
    func scratchSource(_ bytes: Data, name: String, into folder: String) throws -> String {
        let path = Self.sourcePath(name: name, in: folder)
        try bytes.write(to: URL(fileURLWithPath: path))
        return path
    }

    private static func sourcePath(name: String, in folder: String) -> String {
        let last = (name as NSString).lastPathComponent
        return folder + "/" + (last.isEmpty ? "input" : last)
    }
}

/// A file a workflow published, as listed in `manifest.json`.
package struct PublishedAsset: Codable, Sendable, Equatable {
    package var kind: String
    package var key: String
    package var uri: String
    package var bytes: Int64
    package var sha256: String
    package var contentType: String
    /// What the asset's record carries besides its bytes (audio: duration, engine, model, voice,
    /// sample rate; image: width, height, model, style, prompt); nil when nothing.
    package var meta: JSONValue?

    enum CodingKeys: String, CodingKey {
        case kind, key, uri, bytes, sha256, meta
        case contentType = "content_type"
    }
}

extension WorkflowRegistry {
    /// Registers `narrate` and `transcribe`, built on `services`.
    package mutating func registerMediaWorkflows(_ services: WorkflowServices) {
        register(NarrateWorkflow(services: services))
        register(TranscribeWorkflow(services: services))
    }
}
