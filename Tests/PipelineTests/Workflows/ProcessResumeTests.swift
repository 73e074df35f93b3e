import FakeProviders
import Foundation
import Testing
@testable import Pipeline
#if canImport(Glibc)
import Glibc
#endif

/// `runner process` killed with SIGKILL in the middle of a transcription (or a narration), then
/// run again: the job finishes, and no chunk whose transcription had been stored is sent to Rev.ai
/// again (no segment whose speech had been stored is sent to the TTS service again).
@Suite(.serialized)
struct ProcessResumeTests {
    func launch(_ arguments: [String], fakes: FakeProviders, log: String) throws -> Process {
        let process = Process()
        process.executableURL = try RunnerProcess.executable()
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        // Nothing configured but the fake Rev.ai: the state is SQLite in the output folder.
        for name in ["OPENAI_API_KEY", "GEMINI_API_KEY", "REVAI_ACCESS_TOKEN", "DATABASE_URL"] { environment[name] = nil }
        environment["REVAI_ACCESS_TOKEN"] = fakes.keys.revai
        environment["REVAI_BASE_URL"] = fakes.baseURL
        environment["GOOGLE_API_KEY"] = fakes.keys.google
        environment["GOOGLE_TTS_BASE_URL"] = fakes.baseURL
        process.environment = environment
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    @Test func aKilledRunFinishesOnRerunWithoutResendingTranscribedChunks() async throws {
        let root = NSTemporaryDirectory() + "process-resume-" + UUID().uuidString
        let input = root + "/in"
        let output = root + "/out"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TextExtractionTests.uploads + "/welcome.mp3", toPath: input + "/welcome.mp3")
        let fakes = try await FakeProviders.start()
        let arguments = ["process", input, "--out", output, "--chunk-seconds", "5", "--chunk-concurrency", "2", "--concurrency", "1"]

        // Every Rev.ai answer takes 150 ms, so the run is still busy when the first chunk is stored.
        fakes.setLatency(.milliseconds(150), for: .revai)
        let first = try launch(arguments, fakes: fakes, log: root + "/run1.log")
        // Wait until at least one chunk's transcript is stored in the job store, then kill -9.
        try await waitForItems("transcribe/", count: 1, output: output, while: first)
        #expect(first.isRunning, "the first run ended before it could be killed")
        try await killAndSettle(first)
        let postsBefore = fakes.stats(.revai).callsByRoute["POST /jobs", default: 0]
        fakes.setLatency(nil, for: .revai)

        let store = try await openJobStore(url: "sqlite:\(output)/state.sqlite")
        let job = try #require(try await store.jobs(status: nil, limit: 10).first)
        let doneBefore = try await store.steps(of: job.id).filter { $0.name.hasPrefix("transcribe/") && $0.status == .succeeded }.count
        let chunks = try #require(try await store.steps(of: job.id).first { $0.name == "chunk" }?.output)
            .components(separatedBy: "\"index\"").count - 1
        await store.close()
        #expect(doneBefore >= 1 && doneBefore < chunks, "killed midway: \(doneBefore) of \(chunks) chunks done")

        let (status, log) = try await runToEnd(arguments, fakes: fakes, log: root + "/run2.log")
        #expect(status == 0, "\(log)")
        #expect(log.contains("welcome.mp3") && log.contains("succeeded"))

        let postsTotal = fakes.stats(.revai).callsByRoute["POST /jobs", default: 0]
        // Chunks stored before the kill were never sent again; only chunks in flight at the kill were.
        #expect(postsTotal <= chunks + (postsBefore - doneBefore), "posts \(postsTotal), chunks \(chunks), before \(postsBefore), done \(doneBefore)")
        #expect(postsTotal >= chunks)
        #expect(FileManager.default.fileExists(atPath: output + "/jobs/\(job.id.uuidString.lowercased())/captions.srt"))
        await fakes.shutdown()
    }

    /// SIGKILL, then a second for what the killed process had already written to reach the fake
    /// (it may read a request after the kill), so counts taken next are final.
    func killAndSettle(_ process: Process) async throws {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try await Task.sleep(for: .seconds(1))
    }

    /// Runs `runner ARGS` to its end (killed after 120 s). - Returns: exit status and its log.
    func runToEnd(_ arguments: [String], fakes: FakeProviders, log: String) async throws -> (Int32, String) {
        let process = try launch(arguments, fakes: fakes, log: log)
        let finished = ContinuousClock.now + .seconds(120)
        while process.isRunning, ContinuousClock.now < finished { try await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// Waits until the single job of the SQLite store in `output` has `count` succeeded items of
    /// fan-out `prefix`, or the process ends.
    func waitForItems(_ prefix: String, count: Int, output: String, while process: Process) async throws {
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline, process.isRunning {
            if FileManager.default.fileExists(atPath: output + "/state.sqlite"),
               let store = try? await openJobStore(url: "sqlite:\(output)/state.sqlite") {
                var done = 0
                if let job = (try? await store.jobs(status: nil, limit: 10))?.first, let steps = try? await store.steps(of: job.id) {
                    done = steps.filter { $0.name.hasPrefix(prefix) && $0.status == .succeeded }.count
                }
                await store.close()
                if done >= count { return }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test func aKilledNarrationFinishesOnRerunWithoutPayingTwiceForStoredSpeech() async throws {
        let root = NSTemporaryDirectory() + "process-resume-narrate-" + UUID().uuidString
        let input = root + "/in"
        let output = root + "/out"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        let sentences = (1...24).map { "Sentence number \($0) tells of the river and the mill by the old bridge." }
        try sentences.joined(separator: " ").write(toFile: input + "/story.txt", atomically: true, encoding: .utf8)
        let fakes = try await FakeProviders.start()
        let synthesize = "POST /v1/text:synthesize"
        let arguments = ["process", input, "--out", output, "--engine", "google", "--segment-chars", "160",
                         "--speech-concurrency", "2", "--concurrency", "1"]

        fakes.setLatency(.milliseconds(200), for: .googleTTS)
        let first = try launch(arguments, fakes: fakes, log: root + "/run1.log")
        try await waitForItems("synthesize/", count: 3, output: output, while: first)
        #expect(first.isRunning, "the first run ended before it could be killed")
        try await killAndSettle(first)
        let callsBefore = fakes.stats(.googleTTS).callsByRoute[synthesize, default: 0]
        fakes.setLatency(nil, for: .googleTTS)

        let store = try await openJobStore(url: "sqlite:\(output)/state.sqlite")
        let job = try #require(try await store.jobs(status: nil, limit: 10).first)
        let doneBefore = try await store.steps(of: job.id).filter { $0.name.hasPrefix("synthesize/") && $0.status == .succeeded }.count
        await store.close()

        let (status, log) = try await runToEnd(arguments, fakes: fakes, log: root + "/run2.log")
        #expect(status == 0, "\(log)")

        let manifest = output + "/jobs/\(job.id.uuidString.lowercased())/manifest.json"
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: manifest))) as? [String: Any])
        let segments = try #require((summary["summary"] as? [String: Any])?["segments"] as? Int)
        #expect(doneBefore >= 3 && doneBefore < segments, "killed midway: \(doneBefore) of \(segments) segments done")
        let callsTotal = fakes.stats(.googleTTS).callsByRoute[synthesize, default: 0]
        // Speech stored before the kill was never asked for again; only requests in flight at the kill were.
        #expect(callsTotal >= segments && callsTotal <= segments + (callsBefore - doneBefore),
                "calls \(callsTotal), segments \(segments), before \(callsBefore), done \(doneBefore)")
        await fakes.shutdown()
    }
}
