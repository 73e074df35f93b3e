import Foundation
import Logging
import MediaCore

/// The local transcription engine of one runner process: faster-whisper behind an
/// OpenAI-compatible API (`scripts/local-whisper/server.py`), started on first use on a free
/// loopback port and stopped by `shutdown()` (or when this process dies: the server exits when
/// its standard input closes).
///
/// One server, so one model instance, per process; it recognises one request at a time on all
/// the cores, and the client keeps at most `threads` requests open, the rest queued in its
/// limiter. Clients reach it through the existing `OpenAIClient` (`configuration()`).
package actor LocalWhisperEngine {
    package let installation: LocalWhisperInstallation
    /// Recognition threads of the model (default: the cores).
    package let threads: Int
    let logger: Logger
    let http: HTTPClient
    let startTimeout: Duration

    private var starting: Task<OpenAIClient.Configuration, any Error>?
    private var process: Process?
    private var input: Pipe?
    private var log: String?
    private var stopped = false

    package init(installation: LocalWhisperInstallation, logger: Logger, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                 http: HTTPClient = .shared, startTimeout: Duration = .seconds(180)) {
        self.installation = installation
        self.threads = max(1, threads)
        self.logger = logger
        self.http = http
        self.startTimeout = startTimeout
    }

    /// The client configuration of the running server (started by the first call; later calls
    /// wait for the same start).
    /// - Throws: `ProviderError(.missingConfiguration)` when the server does not start or after `shutdown()`.
    package func configuration() async throws -> OpenAIClient.Configuration {
        guard !stopped else { throw ProviderError(.missingConfiguration, provider: "local", message: "the local engine was shut down") }
        if let process, !process.isRunning {  // it died (killed, out of memory): the next request starts another
            logger.warning("the local transcription engine exited; starting it again",
                           metadata: ["provider": "local", "status": "\(process.terminationStatus)", "log": "\(log ?? "")"])
            self.process = nil
            starting = nil
        }
        if let starting { return try await starting.value }
        let task = Task { try await self.launch() }
        starting = task
        do {
            return try await task.value
        } catch {
            starting = nil  // a later job may try again (e.g. after the venv was repaired)
            throw error
        }
    }

    /// A transcriber on the running server; its transcripts name the engine `local`.
    package func transcriber(logger: Logger) async throws -> OpenAITranscriber {
        OpenAITranscriber(client: OpenAIClient(configuration: try await configuration(), logger: logger, client: http), engine: "local")
    }

    /// Stops the server (SIGTERM, then SIGKILL after 5 s); later calls of `configuration()` fail.
    package func shutdown() async {
        stopped = true
        _ = try? await starting?.value
        guard let process else { return }
        self.process = nil
        try? input?.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        if let log { try? FileManager.default.removeItem(atPath: log) }
        logger.info("local transcription engine stopped", metadata: ["provider": "local"])
    }

    private func launch() async throws -> OpenAIClient.Configuration {
        let token = UUID().uuidString + UUID().uuidString
        let log = NSTemporaryDirectory() + "local-whisper-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8)).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: installation.python)
        var arguments = [installation.server, "--host", "127.0.0.1", "--port", "0", "--threads", "\(threads)", "--exit-on-stdin-eof"]
        if let model = installation.model { arguments += ["--model", model] }
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["HF_HUB_OFFLINE"] = "1"
        environment["LOCAL_WHISPER_TOKEN"] = token
        environment["PYTHONUNBUFFERED"] = "1"
        process.environment = environment
        let output = Pipe(), input = Pipe()
        process.standardOutput = output
        process.standardInput = input
        process.standardError = FileHandle(forWritingAtPath: log)
        do {
            try process.run()
        } catch {
            throw ProviderError(.missingConfiguration, provider: "local", message: "cannot start \(installation.python): \(error)")
        }
        self.process = process
        self.input = input
        self.log = log
        logger.info("starting the local transcription engine", metadata: ["provider": "local", "pid": "\(process.processIdentifier)", "log": "\(log)"])
        let started = ContinuousClock.now
        let reader = output.fileHandleForReading
        let pid = process.processIdentifier
        let timeout = Task {  // a server stuck loading is killed, which ends the read below
            try await Task.sleep(for: startTimeout)
            kill(pid, SIGKILL)
        }
        defer { timeout.cancel() }
        let line = try await runOnDedicatedThread(name: "local-whisper") { Self.readListeningLine(reader) }
        guard let line, let base = line.split(separator: " ").last.map(String.init), base.hasPrefix("http://127.0.0.1:") else {
            if process.isRunning { process.terminate() }
            self.process = nil
            let tail = (try? String(contentsOfFile: log, encoding: .utf8)).map { String($0.suffix(600)) } ?? ""
            throw ProviderError(.missingConfiguration, provider: "local", message: "the local transcription engine did not start: \(tail)")
        }
        // Ready means answering: ask the health route once before the first upload.
        let health = try await http.send(HTTPRequest(url: base + "/health", timeout: .seconds(10)))
        guard health.status == 200 else {
            throw ProviderError(.invalidResponse, provider: "local", status: health.status, message: "health check failed")
        }
        logger.info("local transcription engine ready", metadata: [
            "provider": "local", "url": "\(base)", "seconds": "\(String(format: "%.1f", (ContinuousClock.now - started) / .seconds(1)))",
        ])
        var configuration = OpenAIClient.Configuration(apiKey: token, baseURL: base + "/v1")
        configuration.transcriptionModel = installation.model.map { ($0 as NSString).lastPathComponent } ?? "tiny.en"
        configuration.limits = ProviderLimiter.Limits(maxConcurrent: threads)
        configuration.timeout = .seconds(3600)  // a whole long recording in one request is allowed
        return configuration
    }

    /// Reads the server's standard output up to its `LISTENING http://…` line; nil at EOF.
    private static func readListeningLine(_ handle: FileHandle) -> String? {
        var buffer = Data()
        while true {
            let data = handle.availableData
            if data.isEmpty { return nil }
            buffer.append(data)
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                if line.hasPrefix("LISTENING ") { return line }
            }
        }
    }
}
