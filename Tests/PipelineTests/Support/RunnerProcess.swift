import Foundation
import Testing
@testable import Pipeline
#if canImport(Glibc)
import Glibc
#endif

/// The built `runner` executable, started as a real process (next to the test bundle, or $RUNNER_BIN).
final class RunnerProcess: @unchecked Sendable {
    let process = Process()
    let logURL: URL

    static func executable() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["RUNNER_BIN"] { return URL(fileURLWithPath: path) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("runner")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        Issue.record("the runner executable was not found next to \(CommandLine.arguments[0]); build it with swift build --build-tests")
        throw CocoaError(.fileNoSuchFile)
    }

    /// Starts `runner ARGS` with DATABASE_URL set; output goes to a log file in the scratch folder.
    /// An empty `databaseURL` leaves DATABASE_URL unset; `directory` is the working folder;
    /// `standardInput`: a file the process reads as its standard input.
    init(_ arguments: [String], databaseURL: String, directory: String? = nil, environment extra: [String: String] = [:],
         standardInput: URL? = nil, executable: URL? = nil) throws {
        process.executableURL = try executable ?? Self.executable()
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = databaseURL.isEmpty ? nil : databaseURL
        environment.merge(extra) { $1 }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.environment = environment
        logURL = TestEnvironment.scratchDirectory().appendingPathComponent("runner.log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process.standardOutput = log
        process.standardError = log
        if let standardInput { process.standardInput = try FileHandle(forReadingFrom: standardInput) }
        try process.run()
    }

    /// Another program (curl, …) run the same way, its output in the log.
    static func command(_ path: String, _ arguments: [String]) throws -> RunnerProcess {
        try RunnerProcess(arguments, databaseURL: "", executable: URL(fileURLWithPath: path))
    }

    /// `runner worker` with short timings for tests.
    static func worker(databaseURL: String, _ extra: [String] = [], environment: [String: String] = [:]) throws -> RunnerProcess {
        try RunnerProcess(["worker", "--heartbeat", "200ms", "--poll-interval", "200ms", "--retry-base-delay", "50ms"] + extra,
                          databaseURL: databaseURL, environment: environment)
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the process to end. - Returns: its exit status, or nil after `timeout` (then it is killed).
    func wait(timeout: Duration) async throws -> Int32? {
        let ended = try await eventually(timeout: timeout, every: .milliseconds(50)) { !process.isRunning }
        guard ended else {
            signal(SIGKILL)
            process.waitUntilExit()
            return nil
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// A PostgreSQL cluster of the test's own (from PG_BIN), for tests that restart the server.
final class TestCluster: @unchecked Sendable {
    let directory: URL
    let bin: String
    let port: Int

    init() async throws {
        guard let bin = ProcessInfo.processInfo.environment["PG_BIN"] else {
            Issue.record("PG_BIN is not set: run the tests through scripts/test.sh, which starts PostgreSQL")
            throw CocoaError(.fileNoSuchFile)
        }
        self.bin = bin
        directory = TestEnvironment.scratchDirectory().appendingPathComponent("cluster")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = Self.freePort()
        try await Self.asPostgres(["chown", "-R", "postgres:postgres", directory.path], root: true)
        try await Self.asPostgres(["\(bin)/initdb", "-D", directory.appendingPathComponent("data").path, "-U", "postgres",
                             "--auth=trust", "--no-locale", "-E", "UTF8", "--no-sync"])
        try await start()
    }

    var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres" }

    func start() async throws {
        try await Self.asPostgres(["\(bin)/pg_ctl", "-D", directory.appendingPathComponent("data").path, "-s", "-w", "-t", "30",
                             "-l", directory.appendingPathComponent("server.log").path,
                             "-o", "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1 -c fsync=off", "start"])
    }

    func restart() async throws {
        try await Self.asPostgres(["\(bin)/pg_ctl", "-D", directory.appendingPathComponent("data").path, "-s", "-w", "-m", "fast",
                             "-l", directory.appendingPathComponent("server.log").path,
                             "-o", "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1 -c fsync=off", "restart"])
    }

    func shutdown() async {
        try? await Self.asPostgres(["\(bin)/pg_ctl", "-D", directory.appendingPathComponent("data").path, "-s", "-w", "-m", "immediate", "stop"])
    }

    func stop() {
        try? Self.spawnAndWait(["\(bin)/pg_ctl", "-D", directory.appendingPathComponent("data").path, "-s", "-w", "-m", "immediate", "stop"], root: false)
    }

    /// Runs a command as the `postgres` user when we are root (initdb refuses root). Spawned and
    /// reaped with posix_spawn/waitpid: pg_ctl leaves a server behind, which Foundation's
    /// `Process.waitUntilExit` was seen to wait on forever.
    static func asPostgres(_ command: [String], root: Bool = false) async throws {
        // initdb and pg_ctl take seconds: block a thread of our own, not the cooperative pool
        // (which has one thread per core, and the in-process workers of other tests need it).
        let thread = DedicatedThread(name: "spawn")
        defer { thread.stop() }
        try await thread.run { try spawnAndWait(command, root: root) }
    }

    private static func spawnAndWait(_ command: [String], root: Bool) throws {
        let isRoot = getuid() == 0
        if !isRoot && root { return }
        let arguments = (isRoot && !root ? ["runuser", "-u", "postgres", "--"] : []) + command
        var pid: pid_t = 0
        let cArguments = arguments.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, cArguments, environ)
        guard spawned == 0 else { throw CocoaError(.executableLoad) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "\(command[0]) failed (\(status))"])
        }
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { stop() }
}
