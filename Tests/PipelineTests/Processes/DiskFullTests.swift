import Foundation
import Testing
@testable import Pipeline
#if canImport(Glibc)
import Glibc
#endif

/// `runner process` with its output folder (and the SQLite state in it) on a full disk: it used
/// to log "could not record failure" and then wait forever, and a rerun did the same.
@Suite(.serialized)
struct DiskFullTests {
    @Test func processOnAFullDiskFailsAndExitsEvenOnRerun() async throws {
        guard getuid() == 0 else {
            // A small tmpfs is the only faithful full disk; mounting one needs root (CI runs as root).
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("needs root to mount a small tmpfs") }
            return
        }
        let root = NSTemporaryDirectory() + "disk-full-" + UUID().uuidString
        let disk = root + "/disk"
        try FileManager.default.createDirectory(atPath: root + "/in", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        // Narrated speech (cache, segments) plus the database outgrow 3 MB.
        let text = "A short text to narrate, long enough to fill a small disk. " + (1...200).map(String.init).joined(separator: " ")
        try Data(text.utf8).write(to: URL(fileURLWithPath: root + "/in/a.txt"))
        #expect(try await ProcessEndToEndTests.shell("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", disk) == 0)
        defer {
            _ = try? ProcessEndToEndTests.shellBlocking("umount", "-l", disk)
            try? FileManager.default.removeItem(atPath: root)
        }
        for run in ["first run", "rerun"] {
            let process = try RunnerProcess(["process", root + "/in", "--out", disk + "/out"],
                                            databaseURL: "sqlite:\(disk)/out/state.sqlite")
            let status = try await process.wait(timeout: .seconds(120))
            #expect(status == 1, "\(run): \(status.map { "exit \($0)" } ?? "still running after 120 s")\n\(process.log.suffix(2000))")
            // Which write meets the full disk first depends on timing: the state database's
            // ("state.sqlite cannot be written: database or disk is full") or an output file's
            // (the job dies naming it with "No space left on device"). Either way the reason is named.
            #expect(process.log.contains("state.sqlite cannot be written: database or disk is full")
                    || process.log.contains("No space left on device"), "\(run): \(process.log.suffix(2000))")
        }
    }
}
