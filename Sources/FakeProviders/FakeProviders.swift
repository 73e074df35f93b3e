import Basics
import Foundation

/// Loopback fakes of Rev.ai, Gemini, Google Cloud TTS and the OpenAI audio endpoints, all on one
/// random port, with fault injection, call counts and the peak concurrency each service saw.
///
/// ```swift
/// let fakes = try await FakeProviders.start()
/// // REVAI_BASE_URL = fakes.baseURL, OPENAI_BASE_URL = fakes.openAIBaseURL, keys = fakes.keys
/// fakes.inject([.status(429, retryAfter: "1")], into: .gemini)
/// ...
/// await fakes.shutdown()
/// ```
package final class FakeProviders: Sendable {
    /// The credentials each fake accepts.
    package struct Keys: Sendable {
        package var revai = "fake-revai-token-0123456789"
        package var gemini = "fake-gemini-key-0123456789"
        package var google = "fake-google-key-0123456789"
        package var openai = "fake-openai-key-0123456789"
        package init() {}
    }

    package struct Configuration: Sendable {
        package var host = "127.0.0.1"
        /// 0 picks a random free port.
        package var port = 0
        package var keys = Keys()
        /// How long a `.hang` fault keeps the connection silent before closing it.
        package var hangLimit: Duration = .seconds(30)
        package var revai = FakeRevAI.Options()
        package init() {}
    }

    /// What one service saw.
    package struct Stats: Sendable {
        package var calls = 0
        package var callsByRoute: [String: Int] = [:]
        package var inFlight = 0
        package var peakConcurrency = 0
        /// When the first request arrived and the last answer was ready: with `calls`, the
        /// throughput the service saw.
        package var firstArrival: ContinuousClock.Instant?
        package var lastAnswer: ContinuousClock.Instant?
        /// Request time summed over all requests (arrival to answer): divided by the span and a
        /// limit, how full a client kept that limit.
        package var busy: Duration = .zero
    }

    private struct State {
        var stats: [FakeService: Stats] = [:]
        var faults: [FakeService: [Fault]] = [:]
        var recurring: [FakeService: (fault: Fault, every: Int)] = [:]
        var latency: [FakeService: Duration] = [:]
        var connections = 0
    }

    package let keys: Keys
    package let revai: FakeRevAI
    package let gemini: FakeGemini
    package let googleTTS: FakeGoogleTTS
    package let openai: FakeOpenAI
    private let echo = FakeEcho()
    private let state = Locked(State())
    private let server = Locked<FakeHTTPServer?>(nil)

    /// `http://127.0.0.1:PORT`: the base URL for Rev.ai, Gemini and Cloud TTS clients.
    package var baseURL: String { "http://127.0.0.1:\(port)" }
    /// `http://127.0.0.1:PORT/v1`: the OpenAI-style base URL (it includes the version).
    package var openAIBaseURL: String { baseURL + "/v1" }
    package var port: Int { server.withLock { $0?.port ?? 0 } }

    private init(configuration: Configuration) {
        keys = configuration.keys
        revai = FakeRevAI(token: keys.revai, options: configuration.revai)
        gemini = FakeGemini(key: keys.gemini)
        googleTTS = FakeGoogleTTS(key: keys.google)
        openai = FakeOpenAI(key: keys.openai)
    }

    /// Starts the fakes on `configuration.host`, on a random port unless one is given.
    package static func start(_ configuration: Configuration = Configuration()) async throws -> FakeProviders {
        let fakes = FakeProviders(configuration: configuration)
        let server = try await FakeHTTPServer.start(
            host: configuration.host, port: configuration.port, hangLimit: configuration.hangLimit,
            onConnection: { [fakes] in fakes.state.withLock { $0.connections += 1 } }
        ) { [fakes] request in await fakes.handle(request) }
        fakes.server.withLock { $0 = server }
        return fakes
    }

    package func shutdown() async {
        guard let server = server.withLock({ value in defer { value = nil }; return value }) else { return }
        await server.shutdown()
    }

    /// Queues faults: each of the next requests to `service` gets the next fault.
    package func inject(_ faults: [Fault], into service: FakeService) {
        state.withLock { $0.faults[service, default: []].append(contentsOf: faults) }
    }

    /// Drops every queued and recurring fault and all latency settings.
    package func clearFaults() {
        state.withLock { state in
            state.faults = [:]
            state.recurring = [:]
            state.latency = [:]
        }
    }

    /// Applies `fault` to every `every`-th request of `service` (for demos and load tests).
    package func setRecurringFault(_ fault: Fault?, every: Int, for service: FakeService) {
        state.withLock { $0.recurring[service] = fault.map { ($0, max(1, every)) } }
    }

    /// Delays every answer of `service` by `latency`.
    package func setLatency(_ latency: Duration?, for service: FakeService) {
        state.withLock { $0.latency[service] = latency }
    }

    package func stats(_ service: FakeService) -> Stats {
        state.withLock { $0.stats[service] ?? Stats() }
    }

    /// TCP connections accepted so far (all services): shows whether clients reuse connections.
    package var connectionsAccepted: Int { state.withLock { $0.connections } }

    package func resetStats() {
        state.withLock { $0.stats = [:] }
    }

    private func api(for request: FakeRequest) -> (any FakeAPI)? {
        let apis: [any FakeAPI] = [revai, gemini, googleTTS, openai, echo]
        return apis.first { $0.handles(request) }
    }

    private func handle(_ request: FakeRequest) async -> FakeResponse {
        guard let api = api(for: request) else { return .text(404, "no fake serves \(request.path)") }
        let service = api.service
        let (fault, latency) = state.withLock { state -> (Fault?, Duration?) in
            var stats = state.stats[service] ?? Stats()
            stats.calls += 1
            stats.callsByRoute[api.route(of: request), default: 0] += 1
            stats.inFlight += 1
            stats.peakConcurrency = max(stats.peakConcurrency, stats.inFlight)
            stats.firstArrival = stats.firstArrival ?? .now
            state.stats[service] = stats
            var fault: Fault?
            if var queue = state.faults[service], !queue.isEmpty {
                fault = queue.removeFirst()
                state.faults[service] = queue
            } else if let recurring = state.recurring[service], stats.calls % recurring.every == 0 {
                fault = recurring.fault
            }
            return (fault, state.latency[service])
        }
        let arrival = ContinuousClock.now
        defer {
            state.withLock {
                $0.stats[service]?.inFlight -= 1
                $0.stats[service]?.lastAnswer = .now
                $0.stats[service]?.busy += .now - arrival
            }
        }
        if let latency { try? await Task.sleep(for: latency) }
        return await respond(to: request, api: api, fault: fault)
    }

    private func respond(to request: FakeRequest, api: any FakeAPI, fault: Fault?) async -> FakeResponse {
        switch fault {
        case nil:
            return await offPool(api, request)
        case .latency(let delay):
            try? await Task.sleep(for: delay)
            return await offPool(api, request)
        case .status(let status, let retryAfter, let retryDelay):
            var response = api.errorResponse(status: status, retryDelay: retryDelay)
            if let retryAfter { response.headers.append(("Retry-After", retryAfter)) }
            return response
        case .echoKey(let status):
            let key = request.bearerToken ?? request.header("x-goog-api-key") ?? request.query["key"] ?? "no-key"
            var response = api.errorResponse(status: status, retryDelay: nil)
            response.headers.append(("x-request-id", "req-\(key)"))
            return response
        case .hang:
            return FakeResponse(status: 200, action: .hang)
        case .dropConnection:
            return FakeResponse(status: 200, action: .dropConnection)
        case .truncatedBody:
            var response = await offPool(api, request)
            response.action = .truncate
            return response
        case .malformedBody:
            return FakeResponse(status: 200, headers: [("Content-Type", "application/json")], body: Data(#"{"candidates": [{"content": {"par"#.utf8))
        case .geminiNoContent:
            return .json(200, [
                "candidates": [["content": [String: Any](), "finishReason": "OTHER", "index": 0]],
                "usageMetadata": ["promptTokenCount": 8, "candidatesTokenCount": 48, "totalTokenCount": 56],
                "modelVersion": "fake", "responseId": UUID().uuidString,
            ])
        }
    }
}

/// Runs a fake's handler on a Dispatch thread: synthesising and encoding audio is CPU work that
/// must not occupy Swift's cooperative threads, which the clients under test share.
private func offPool(_ api: any FakeAPI, _ request: FakeRequest) async -> FakeResponse {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: api.handle(request)) }
    }
}

/// One fake API: which requests it serves and how it answers them.
protocol FakeAPI: Sendable {
    var service: FakeService { get }
    func handles(_ request: FakeRequest) -> Bool
    /// A short route label for call counts, e.g. `POST /jobs`.
    func route(of request: FakeRequest) -> String
    func handle(_ request: FakeRequest) -> FakeResponse
    /// An error answer in this API's own shape.
    func errorResponse(status: Int, retryDelay: String?) -> FakeResponse
}
