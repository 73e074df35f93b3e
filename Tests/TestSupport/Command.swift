import Foundation

/// What a command run by a test printed, and how it ended.
package struct CommandResult: Sendable {
    package var status: Int32
    package var stdout: Data
    package var stderr: Data
    package var output: String { String(decoding: stdout, as: UTF8.self) }
    package var errors: String { String(decoding: stderr, as: UTF8.self) }
}

/// Commands the tests run to their end (ffmpeg, ffprobe, python3, `runner`, mount).
///
/// The wait happens on a thread of its own, never on the cooperative pool: that pool has one
/// thread per core (two here), and the in-process servers, workers and fakes of the tests
/// running beside need them. Two tests waiting there on a `runner` child stalled every other
/// test for up to a minute (leases expired, event streams fell silent).
package enum Command {
    /// Runs `arguments` (the first looked up in PATH unless it is a path) to its end, its output
    /// collected through temporary files (no pipe can fill up and block it).
    package static func run(_ arguments: [String], environment: [String: String]? = nil) async throws -> CommandResult {
        try await offThePool {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("command-" + UUID().uuidString)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let out = folder.appendingPathComponent("stdout"), err = folder.appendingPathComponent("stderr")
            _ = FileManager.default.createFile(atPath: out.path, contents: nil)
            _ = FileManager.default.createFile(atPath: err.path, contents: nil)
            let process = Process()
            if let first = arguments.first, first.hasPrefix("/") {
                process.executableURL = URL(fileURLWithPath: first)
                process.arguments = Array(arguments.dropFirst())
            } else {
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = arguments
            }
            if let environment { process.environment = environment }
            let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
            process.standardOutput = outHandle
            process.standardError = errHandle
            process.standardInput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            try? outHandle.close()
            try? errHandle.close()
            return CommandResult(status: process.terminationStatus, stdout: try Data(contentsOf: out), stderr: try Data(contentsOf: err))
        }
    }
}

/// Runs blocking work (a child's end, a polling loop) on a thread of its own; see `Command`.
package func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.name = "test-blocking"
        thread.stackSize = 1 << 20
        thread.start()
    }
}
