import Foundation
import Testing
@testable import Pipeline
#if canImport(Glibc)
import Glibc
#endif

/// `runner process` stopped with SIGINT or SIGTERM, as a user does with Ctrl-C: it used to die at
/// once, print nothing and leave jobs `running` until the rescue timeout.
@Suite(.serialized)
struct ProcessSignalTests {
    @Test(arguments: [SIGINT, SIGTERM])
    func aSignalReleasesJobsPrintsTheSummaryAndExits(signal: Int32) async throws {
        let root = TestEnvironment.scratchDirectory().path
        try FileManager.default.createDirectory(atPath: root + "/in", withIntermediateDirectories: true)
        for i in 1...4 {
            let text = Array(repeating: "Sentence \(i) has a few words to speak aloud.", count: 60).joined(separator: " ")
            try Data(text.utf8).write(to: URL(fileURLWithPath: root + "/in/t\(i).txt"))
        }
        let database = "sqlite:\(root)/out/state.sqlite"
        let process = try RunnerProcess(["process", root + "/in", "--out", root + "/out", "--concurrency", "1"], databaseURL: database)
        let started = try await eventually(timeout: .seconds(60), every: .milliseconds(100)) { process.log.contains("t4.txt (job") }
        #expect(started, "\(process.log)")
        try await Task.sleep(for: .seconds(1))  // a job is running
        process.signal(signal)
        let status = try await process.wait(timeout: .seconds(40))
        #expect(status == 130, "\(status.map { "exit \($0)" } ?? "still running")\n\(process.log.suffix(1500))")
        #expect(process.log.contains("interrupted: unfinished jobs went back to the queue"))
        #expect(process.log.contains("file  ") && process.log.contains("t4.txt  narrate"), "no summary table:\n\(process.log.suffix(1500))")

        let store = try await openJobStore(url: database, create: false)
        let counts = try await store.counts()
        await store.close()
        #expect(counts[.running] == nil, "\(counts)")
        #expect((counts[.queued] ?? 0) + (counts[.succeeded] ?? 0) == 4, "\(counts)")
    }
}
