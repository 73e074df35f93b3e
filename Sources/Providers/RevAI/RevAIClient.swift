import Foundation
import Logging

/// Client of Rev.ai's asynchronous speech-to-text API (`/speechtotext/v1`).
///
/// Submission is not idempotent (each POST creates a billed job), so it is never re-sent after
/// it may have reached Rev; every other call is retried by the shared policy.
package struct RevAIClient: Sendable {
    package struct Configuration: Sendable {
        package var accessToken: String
        /// Scheme, host and port; the client appends `/speechtotext/v1`.
        package var baseURL = "https://api.rev.ai"
        package var limits = ProviderLimiter.Limits(maxConcurrent: 10)
        package var retry = RetryPolicy()
        package var firstPoll: Duration = .seconds(5)
        package var maxPoll: Duration = .seconds(30)
        /// While a callback is expected (`notification_config`), polls only this often: the
        /// fallback when the call never comes. `REVAI_CALLBACK_POLL_SECONDS`.
        package var callbackPoll: Duration = .seconds(60)
        /// Longest wait for a job to finish.
        package var jobTimeout: Duration = .seconds(3 * 3600)
        package var requestTimeout: Duration = .seconds(60)
        /// Upload timeout for multipart submissions of large files.
        package var uploadTimeout: Duration = .seconds(3600)

        package init(accessToken: String, baseURL: String = "https://api.rev.ai") {
            self.accessToken = accessToken
            self.baseURL = baseURL
        }

        /// From `REVAI_ACCESS_TOKEN` and `REVAI_BASE_URL`.
        /// - Throws: `ProviderError` naming `REVAI_ACCESS_TOKEN` when it is unset.
        package init(environment: ProviderEnvironment) throws {
            self.init(
                accessToken: try environment.require("REVAI_ACCESS_TOKEN", provider: "revai"),
                baseURL: environment.baseURL("REVAI_BASE_URL", default: "https://api.rev.ai"))
            if let seconds = environment.optional("REVAI_CALLBACK_POLL_SECONDS").flatMap(Double.init), seconds > 0 {
                callbackPoll = .milliseconds(Int64(seconds * 1000))
            }
        }
    }

    package let configuration: Configuration
    let http: ProviderHTTP
    var root: String { configuration.baseURL + "/speechtotext/v1" }

    package init(configuration: Configuration, logger: Logger, client: HTTPClient = .shared) {
        self.configuration = configuration
        http = ProviderHTTP(
            provider: "revai", client: client, limiter: ProviderLimiter(configuration.limits), retry: configuration.retry,
            logger: logger, secrets: [configuration.accessToken], parseError: ErrorBodies.problem)
    }

    func request(_ method: String, _ path: String, accept: String? = nil, body: HTTPBody = .none,
                 contentType: String? = nil, timeout: Duration? = nil) -> HTTPRequest {
        var headers: HTTPHeaders = ["Authorization": "Bearer \(configuration.accessToken)", "User-Agent": "media-pipeline/1"]
        if let accept { headers.set("Accept", accept) }
        if let contentType { headers.set("Content-Type", contentType) }
        return HTTPRequest(method: method, url: root + path, headers: headers, body: body,
                           timeout: timeout ?? configuration.requestTimeout)
    }

    /// Uploads a local file as multipart `media` + `options`.
    /// - Throws: `ProviderError` (400 invalid parameters, 401, 413 too large…).
    package func submit(file path: String, options: RevJobOptions = RevJobOptions()) async throws -> RevJob {
        let optionsJSON = String(decoding: try JSONEncoder().encode(options), as: UTF8.self)
        let name = (path as NSString).lastPathComponent
        let body = HTTPBody.multipart([
            MultipartPart(name: "media", content: .file(path: path), filename: name, contentType: Self.mediaType(name)),
            .field("options", optionsJSON),
        ])
        return try await submit(request("POST", "/jobs", body: body, timeout: configuration.uploadTimeout))
    }

    /// Submits media Rev downloads itself (`source_config.url`), e.g. a pre-signed S3 URL.
    package func submit(url mediaURL: String, options: RevJobOptions = RevJobOptions()) async throws -> RevJob {
        var json = JSONValue.decode(try JSONEncoder().encode(options)) ?? [:]
        if case .object(var object) = json {
            object["source_config"] = ["url": .string(mediaURL)]
            json = .object(object)
        }
        return try await submit(request("POST", "/jobs", body: .bytes(json.encoded()), contentType: "application/json"))
    }

    private func submit(_ request: HTTPRequest) async throws -> RevJob {
        let response = try await http.send(request, operation: "submit")  // isIdempotent is false for POST
        let job = try decode(RevJob.self, response)
        http.logger.info("rev.ai job submitted", metadata: ["provider": "revai", "job.id": "\(job.id)"])
        return job
    }

    package func job(_ id: String) async throws -> RevJob {
        try decode(RevJob.self, try await http.send(request("GET", "/jobs/\(id)"), operation: "job"))
    }

    /// Polls with growing intervals until the job is `transcribed`.
    /// - Throws: `ProviderError(.jobFailed)` with Rev's `failure` as code and a readable reason;
    ///   `.transport` with code `poll-timeout` after `jobTimeout`.
    package func waitForCompletion(_ id: String) async throws -> RevJob {
        let deadline = ContinuousClock.now + configuration.jobTimeout
        var interval = configuration.firstPoll
        while true {
            let job = try await job(id)
            switch job.status {
            case .transcribed, .completed: return job
            case .failed: throw Self.failure(job)
            case .inProgress: break
            }
            guard ContinuousClock.now + interval < deadline else {
                throw ProviderError(.transport, provider: "revai", code: "poll-timeout", message: "job \(id) still in progress after \(configuration.jobTimeout)")
            }
            do { try await Task.sleep(for: interval) } catch { throw ProviderError(.cancelled, provider: "revai", message: "cancelled") }
            interval = min(configuration.maxPoll, interval * 1.5)
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponse) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: response.body)
        } catch {
            throw ProviderError(.invalidResponse, provider: "revai", status: response.status, message: "cannot decode \(T.self): \(error)")
        }
    }

    static func mediaType(_ name: String) -> String {
        switch (name as NSString).pathExtension.lowercased() {
        case "mp3": "audio/mpeg"
        case "wav": "audio/wav"
        case "flac": "audio/flac"
        case "m4a", "mp4": "audio/mp4"
        case "ogg", "opus": "audio/ogg"
        default: "application/octet-stream"
        }
    }
}
