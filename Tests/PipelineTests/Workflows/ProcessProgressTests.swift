import Basics
import FakeProviders
import Foundation
import Logging
import MediaCore
import Testing
@testable import Pipeline
@testable import Providers

/// What `runner process` shows while it runs (the bar's figures): files, steps and audio
/// seconds, moving forward only and ending on what was actually done.
@Suite(.serialized)
struct ProcessProgressTests {
    @Test func progressCountsFilesStepsAndAudioSecondsUpToWhatWasDone() async throws {
        let root = NSTemporaryDirectory() + "process-progress-" + UUID().uuidString
        let input = root + "/uploads"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        for name in ["lighthouse.txt", "welcome.mp3", "make-uploads.py"] {
            try FileManager.default.copyItem(atPath: TextExtractionTests.uploads + "/" + name, toPath: input + "/" + name)
        }
        let fakes = try await FakeProviders.start()
        let output = root + "/out"
        let env = ProviderEnvironment(["REVAI_ACCESS_TOKEN": fakes.keys.revai, "REVAI_BASE_URL": fakes.baseURL])
        let services = WorkflowServices(storage: try LocalStorage(root: output), environment: env, logger: Logger(label: "test"),
                                        scratch: output + "-scratch")
        var options = BatchProcess.Options(inputDirectory: input, localOutput: output, databaseURL: "sqlite:\(output)/state.sqlite")
        options.chunkSeconds = 10
        let events = Locked<[BatchEvent]>([])
        let report = try await BatchProcess(options: options, services: services).run { event in events.withLock { $0.append(event) } }
        await fakes.shutdown()
        #expect(report.succeeded)

        let all = events.withLock { $0 }
        let messages = all.compactMap { if case .message(let line) = $0 { line } else { nil } }
        let progress = all.compactMap { if case .progress(let p) = $0 { p } else { nil } }
        #expect(messages.contains { $0.hasPrefix("skipped") && $0.contains("make-uploads.py") })
        #expect(messages.contains { $0.hasPrefix("succeeded narrate lighthouse.txt") })
        #expect(messages.contains { $0.hasPrefix("succeeded transcribe welcome.mp3") })
        let last = try #require(progress.last)
        #expect(last.files == 2 && last.filesFinished == 2 && last.filesFailed == 0 && last.fraction == 1)
        #expect(last.stepsDone == last.stepsTotal && last.stepsTotal > 4)
        // Audio seconds are the recording's decoded length and the narration actually synthesised.
        let recording = try ProcessEndToEndTests.decodedSeconds(input + "/welcome.mp3")
        #expect(abs(last.audioToTranscribe - recording) < 0.1 && last.audioTranscribed == last.audioToTranscribe)
        let narrate = try #require(report.files.first { $0.path == "lighthouse.txt" })
        let segments = try FileManager.default.contentsOfDirectory(atPath: output + "/jobs/\(try #require(narrate.jobID))/segments")
        let spoken = try segments.map { try ProcessEndToEndTests.decodedSeconds(output + "/jobs/\(narrate.jobID!)/segments/\($0)/audio.mp3") }
        #expect(abs(last.audioNarrated - spoken.reduce(0, +)) < 0.1 * Double(segments.count), "\(last.audioNarrated) vs \(spoken)")
        // Forward only.
        for (a, b) in zip(progress, progress.dropFirst()) {
            #expect(b.fraction >= a.fraction && b.filesFinished >= a.filesFinished && b.audioNarrated >= a.audioNarrated)
        }
    }
}
