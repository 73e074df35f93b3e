import Basics
import Foundation

/// Fake of Rev.ai's asynchronous speech-to-text API (`/speechtotext/v1`), per the reference's
/// checklist: bearer auth, validation with RFC 7807 bodies, a scriptable job state machine,
/// transcripts and captions negotiated on `Accept`, delete, list and limits.
package final class FakeRevAI: FakeAPI, Sendable {
    package struct Options: Sendable {
        /// Polls of `GET /jobs/{id}` that still answer `in_progress` before the outcome shows.
        package var pollsUntilDone = 1
        /// Multipart bodies larger than this get 413.
        package var maxUploadBytes = 64 << 20
        /// When set, a job ends this long after its submission whatever the polls (a job scripted
        /// `.stuck` never ends); nil: it ends after `pollsUntilDone` polls.
        package var processingDelay: Duration?
        /// Whether finished jobs call back at their `notification_config.url` (false: the fault
        /// "never call back", so clients must poll).
        package var callbacks = true
        /// Rev.ai retries a callback not answered 200 every 30 minutes for a day; the fake
        /// retries after this delay, up to `callbackAttempts` attempts in all.
        package var callbackRetryDelay: Duration = .seconds(30)
        package var callbackAttempts = 3
        /// Longest one callback attempt may take (connect, send, first answer line).
        package var callbackTimeout: Duration = .seconds(10)
        package init() {}
    }

    /// One callback attempt the fake made.
    package struct Callback: Sendable, Equatable {
        package var jobID: String
        package var url: String
        /// The receiver's answer, nil when none came (refused, timed out).
        package var status: Int?
        package var attempt: Int
    }

    /// How a submitted job ends.
    package enum Outcome: Sendable {
        case transcribed(afterPolls: Int)
        case failed(failure: String, detail: String, afterPolls: Int)
        /// Stays `in_progress` forever.
        case stuck
    }

    struct Job {
        var id: String
        var createdOn: String
        var completedOn: String?
        var name: String?
        var metadata: String?
        var mediaURL: String?
        var options: [String: Any]
        var outcome: Outcome
        var polls = 0
        var status = "in_progress"
        var transcript: FakeTranscript
        var submitIndex: Int
        /// `notification_config` (or `callback_url`): where the fake calls back when the job ends.
        var notification: (url: String, headers: [String: String])? = nil
    }

    private struct State {
        var jobs: [String: Job] = [:]
        var scripted: [Outcome] = []
        var submitted = 0
        var deleted = 0
        var callbacks: [Callback] = []
    }

    let service = FakeService.revai
    let token: String
    let options: Options
    private let state = Locked(State())
    static let prefix = "/speechtotext/v1"

    init(token: String, options: Options) {
        self.token = token
        self.options = options
    }

    /// The next submitted jobs end as scripted, in order; later ones use `Options.pollsUntilDone`.
    package func script(_ outcomes: [Outcome]) {
        state.withLock { $0.scripted.append(contentsOf: outcomes) }
    }

    /// Jobs created so far (a retried POST would show here as a second job).
    package var jobsSubmitted: Int { state.withLock { $0.submitted } }
    package var jobsDeleted: Int { state.withLock { $0.deleted } }
    package var jobsStored: Int { state.withLock { $0.jobs.count } }
    /// Every callback attempt so far, in order.
    package var callbacksSent: [Callback] { state.withLock { $0.callbacks } }

    func recordCallback(_ callback: Callback) { state.withLock { $0.callbacks.append(callback) } }

    /// Ends a job per its outcome (the processing delay passed, or enough polls) and calls back.
    /// - Returns: whether it ended now.
    static func finish(_ job: inout Job) -> Bool {
        guard job.status == "in_progress" else { return false }
        switch job.outcome {
        case .stuck: return false
        case .transcribed: job.status = "transcribed"
        case .failed: job.status = "failed"
        }
        job.completedOn = timestamp()
        return true
    }

    /// Ends the job `id` after the processing delay (jobs submitted with `processingDelay` set).
    func finishLater(_ id: String, after delay: Duration) {
        Task { [self] in
            try? await Task.sleep(for: delay)
            let finished = state.withLock { state -> Job? in
                guard var job = state.jobs[id], Self.finish(&job) else { return nil }
                state.jobs[id] = job
                return job
            }
            if let finished { notifyFinished(finished) }
        }
    }

    func handles(_ request: FakeRequest) -> Bool { request.path.hasPrefix(Self.prefix + "/") }

    func route(of request: FakeRequest) -> String {
        let parts = request.path.dropFirst(Self.prefix.count).split(separator: "/")
        let shape = parts.enumerated().map { $0.offset == 1 ? "{id}" : String($0.element) }.joined(separator: "/")
        return "\(request.method) /\(shape)"
    }

    func errorResponse(status: Int, retryDelay: String?) -> FakeResponse {
        let titles = [429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
                      503: "Service Unavailable", 504: "Gateway Timeout"]
        return problem(status, ["title": titles[status] ?? "Error", "status": status])
    }

    func handle(_ request: FakeRequest) -> FakeResponse {
        guard request.bearerToken == token else {
            return problem(401, ["title": "Authorization has been denied for this request", "status": 401])
        }
        let parts = request.path.dropFirst(Self.prefix.count).split(separator: "/").map(String.init)
        switch (request.method, parts.count) {
        case ("GET", 1) where parts[0] == "account":
            return .json(200, ["email": "fake@example.com", "balance_seconds": 360_000])
        case ("POST", 1) where parts[0] == "jobs": return submit(request)
        case ("GET", 1) where parts[0] == "jobs": return list(request)
        case ("GET", 2) where parts[0] == "jobs": return poll(parts[1])
        case ("DELETE", 2) where parts[0] == "jobs": return delete(parts[1])
        case ("GET", 3) where parts[0] == "jobs" && parts[2] == "transcript": return transcript(parts[1], request)
        case ("GET", 3) where parts[0] == "jobs" && parts[2] == "captions": return captions(parts[1], request)
        default:
            return problem(404, ["title": "Not Found", "status": 404])
        }
    }

    func problem(_ status: Int, _ body: [String: Any]) -> FakeResponse {
        .json(status, body, contentType: "application/problem+json")
    }

    func notFound() -> FakeResponse {
        problem(404, ["type": "https://www.rev.ai/api/v1/errors/job-not-found", "title": "could not find job", "status": 404])
    }

    func withJob(_ id: String, _ body: (inout Job) -> FakeResponse) -> FakeResponse {
        state.withLock { state in
            guard var job = state.jobs[id] else { return notFound() }
            let response = body(&job)
            state.jobs[id] = job
            return response
        }
    }

    func store(_ make: (_ index: Int, _ outcome: Outcome) -> Job) -> Job {
        state.withLock { state in
            state.submitted += 1
            let outcome = state.scripted.isEmpty ? .transcribed(afterPolls: options.pollsUntilDone) : state.scripted.removeFirst()
            let job = make(state.submitted, outcome)
            state.jobs[job.id] = job
            return job
        }
    }

    func removeJob(_ id: String) {
        state.withLock { state in
            state.jobs[id] = nil
            state.deleted += 1
        }
    }

    func allJobs() -> [Job] { state.withLock { Array($0.jobs.values) } }
}
