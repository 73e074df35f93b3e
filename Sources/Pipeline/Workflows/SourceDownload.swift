import Foundation
import Providers

/// The `fetch_url` step of a job whose input is a URL (`source_url`): the worker downloads it
/// into the output store at the input's `source_key`, where the workflow's next steps read it
/// as they read an upload.
///
/// - Only http(s) URLs whose host resolves to public addresses (the outbound policy of
///   webhooks, `WEBHOOK_ALLOW_HOSTS` naming exceptions), checked again here because DNS can
///   change since the job was accepted, and connected to at the addresses checked.
/// - No redirects are followed (a 3xx fails and names its Location), at most `maxBytes`, 10 s to
///   connect and `timeout` for the whole transfer; the answer's content type must be one the
///   workflow reads.
/// - Refusals and 4xx answers fail the job at once; timeouts, broken connections, 5xx, 408 and
///   429 are retried like any step.
enum SourceDownload {
    static let stepName = "fetch_url"
    static let maxBytes: Int64 = 2 << 30
    static let timeout: Duration = .seconds(1800)

    enum Accepts {
        case text, media

        func allows(_ contentType: String) -> Bool {
            let type = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            if type.isEmpty || type == "application/octet-stream" || type == "binary/octet-stream" { return true }
            switch self {
            case .text:
                return type.hasPrefix("text/") || ["application/xhtml+xml", "application/epub+zip", "application/xml"].contains(type)
            case .media:
                return type.hasPrefix("audio/") || type.hasPrefix("video/") || ["application/ogg", "application/mp4"].contains(type)
            }
        }

        var phrase: String { self == .text ? "text (text/*, HTML, EPUB)" : "audio or video" }
    }

    /// The step's output.
    struct Fetched: Codable {
        var url: String
        var key: String
        var bytes: Int64
        var sha256: String
        var content_type: String
    }

    static func step(url: String, key: String, name: String, accepts: Accepts, services: WorkflowServices) -> Step {
        .step(stepName) { context in
            let target: OutboundTarget
            do {
                target = try await services.outboundPolicy.check(url)
            } catch {
                throw StepFailure(code: "url_refused", message: "\(error)", retryable: false)
            }
            let folder = try services.scratchFolder(context.jobID, context.step)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let path = folder + "/download"
            var request = HTTPRequest(method: "GET", url: url, response: .file(path: path, limit: maxBytes),
                                      connectTimeout: .seconds(10), timeout: timeout)
            request.pinnedAddresses = target.pinnedAddresses
            let response: HTTPResponse
            do {
                response = try await services.http.send(request)
            } catch let error as HTTPError {
                switch error.kind {
                case .bodyTooLarge:
                    throw StepFailure(code: "url_too_large", message: "\(url) is larger than \(maxBytes) bytes", retryable: false)
                case .local:
                    throw StepFailure(code: "url_failed", message: "\(url) could not be fetched: \(error.message)", retryable: false)
                default:
                    throw StepFailure(code: "url_unreachable", message: "\(url) could not be fetched: \(error.message)")
                }
            }
            switch response.status {
            case 200..<300:
                break
            case 300..<400:
                let location = response.headers["Location"].map { " to \($0)" } ?? ""
                throw StepFailure(code: "url_redirect", message: "\(url) answered \(response.status), a redirect\(location); redirects are not followed: give the final URL",
                                  retryable: false)
            case 408, 429, 500..<600:
                throw StepFailure(code: "url_status", message: "\(url) answered \(response.status)")
            default:
                throw StepFailure(code: "url_status", message: "\(url) answered \(response.status)", retryable: false)
            }
            let contentType = response.headers["Content-Type"] ?? ""
            guard accepts.allows(contentType) else {
                throw StepFailure(code: "url_content_type", message: "\(url) is \(contentType), not \(accepts.phrase)", retryable: false)
            }
            let stored = try await services.storage.put(file: path, key: key, options: PutOptions(contentType: ContentType.forPath(name)))
            return try JSON(encoding: Fetched(url: url, key: key, bytes: stored.bytes, sha256: stored.sha256, content_type: contentType))
        }
    }
}
