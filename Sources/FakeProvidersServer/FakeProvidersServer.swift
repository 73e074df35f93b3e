import ArgumentParser
import FakeProviders
import Foundation

/// `fake-providers`: runs the Rev.ai, Gemini, Cloud TTS and OpenAI-compatible fakes on loopback
/// for demos and load tests, and prints the environment that points clients at them.
@main
struct FakeProvidersServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-providers", abstract: "Loopback fakes of Rev.ai, Gemini, Google Cloud TTS and OpenAI audio.")

    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port to bind (0: a random free port).") var port = 0
    @Option(name: .customLong("fault"), help: ArgumentHelp(
        "SERVICE=FAULT, repeatable. SERVICE: revai, gemini, google-tts, openai. FAULT: 429, 429:retry-after=2, "
            + "429:retry-delay=1.5s, 500, 502, 503, hang, drop, truncate, malformed, gemini-no-content, latency=250ms."))
    var faults: [String] = []
    @Option(help: "Apply each --fault to every Nth request of its service instead of once.") var faultEvery: Int?
    @Option(help: "Delay every answer by this many milliseconds.") var latencyMs: Int?
    @Option(help: "Rev.ai polls answering in_progress before a job completes.") var revPolls = 1
    @Option(help: "Rev.ai jobs end as: transcribed, failed, stuck.") var revOutcome = "transcribed"
    @Option(help: "Seconds a 'hang' fault stays silent before closing.") var hangSeconds = 30
    @Option(help: "Rev.ai jobs end this many seconds after submission, whatever the polls (then --rev-polls is ignored).")
    var revProcessingSeconds: Double?
    @Flag(help: "Rev.ai never calls back at a job's notification_config.url (the client must poll).")
    var revNoCallbacks = false

    func validate() throws {
        for fault in faults { _ = try parse(fault) }
        guard ["transcribed", "failed", "stuck"].contains(revOutcome) else { throw ValidationError("--rev-outcome: transcribed, failed or stuck") }
    }

    private func parse(_ flag: String) throws -> (FakeService, Fault) {
        let pair = flag.split(separator: "=", maxSplits: 1).map(String.init)
        guard pair.count == 2, let service = FakeService(rawValue: pair[0]), let fault = Fault(flag: pair[1]) else {
            throw ValidationError("--fault \(flag): expected SERVICE=FAULT")
        }
        return (service, fault)
    }

    func run() async throws {
        var configuration = FakeProviders.Configuration()
        configuration.host = host
        configuration.port = port
        configuration.hangLimit = .seconds(hangSeconds)
        configuration.revai.pollsUntilDone = revPolls
        configuration.revai.processingDelay = revProcessingSeconds.map { .milliseconds(Int64($0 * 1000)) }
        configuration.revai.callbacks = !revNoCallbacks
        let fakes = try await FakeProviders.start(configuration)
        for flag in faults {
            let (service, fault) = try parse(flag)
            if let every = faultEvery { fakes.setRecurringFault(fault, every: every, for: service) } else { fakes.inject([fault], into: service) }
        }
        if let latencyMs { for service in FakeService.allCases { fakes.setLatency(.milliseconds(latencyMs), for: service) } }
        switch revOutcome {
        case "failed": fakes.revai.script(Array(repeating: .failed(failure: "invalid_media", detail: "Media file is invalid", afterPolls: revPolls), count: 10_000))
        case "stuck": fakes.revai.script(Array(repeating: .stuck, count: 10_000))
        default: break
        }
        FileHandle.standardOutput.write(Data("""
            fake-providers listening on \(fakes.baseURL)
            export REVAI_BASE_URL=\(fakes.baseURL) GEMINI_BASE_URL=\(fakes.baseURL) GOOGLE_TTS_BASE_URL=\(fakes.baseURL)
            export OPENAI_BASE_URL=\(fakes.openAIBaseURL)
            export REVAI_ACCESS_TOKEN=\(fakes.keys.revai) GEMINI_API_KEY=\(fakes.keys.gemini)
            export GOOGLE_API_KEY=\(fakes.keys.google) OPENAI_API_KEY=\(fakes.keys.openai)

            """.utf8))
        while !Task.isCancelled {
            try await Task.sleep(for: .seconds(3600))
        }
    }
}
