import Basics
import FakeProviders
import Foundation
import Logging
import MediaCore
import Testing
@testable import Pipeline
@testable import Providers
#if canImport(Glibc)
import Glibc
#endif

/// Input folders as a careless or hostile user fills them: odd names, links, FIFOs, hidden files.
/// Every entry is either worked on or reported with its reason; none stops the others.
@Suite(.serialized)
struct ProcessHostileInputTests {
    /// A folder holding one of each odd thing, and the names of the texts that must be narrated.
    static func oddFolder() throws -> (root: String, input: String) {
        let root = NSTemporaryDirectory() + "hostile-" + UUID().uuidString
        let input = root + "/in"
        let fm = FileManager.default
        try fm.createDirectory(atPath: input + "/sub", withIntermediateDirectories: true)
        func write(_ name: String, _ text: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: input + "/" + name)) }
        try write("good.txt", "A good short text.")
        try write("tab\tname.txt", "A text whose name has a tab.")
        try write("new\nline.txt", "A text whose name has a newline.")
        try write(".hidden.txt", "Never read.")
        try fm.createSymbolicLink(atPath: input + "/link.txt", withDestinationPath: input + "/sub/target.txt")
        try Data("A text reached through a link.".utf8).write(to: URL(fileURLWithPath: input + "/sub/target.txt"))
        try fm.createSymbolicLink(atPath: input + "/dangling.txt", withDestinationPath: input + "/nowhere.txt")
        try fm.createSymbolicLink(atPath: input + "/loop-a.txt", withDestinationPath: input + "/loop-b.txt")
        try fm.createSymbolicLink(atPath: input + "/loop-b.txt", withDestinationPath: input + "/loop-a.txt")
        try fm.createSymbolicLink(atPath: input + "/sub/up", withDestinationPath: input)  // a folder loop
        #expect(mkfifo(input + "/pipe.txt", 0o600) == 0)
        // A name that is not UTF-8 (Latin-1 "é"), made with the raw bytes.
        let bad = Array((input + "/caf").utf8) + [0xE9] + Array(".txt".utf8) + [0]
        let fd = bad.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) } }
        #expect(fd >= 0)
        _ = "Text under a bad name.".withCString { Glibc.write(fd, $0, strlen($0)) }
        close(fd)
        return (root, input)
    }

    @Test func everyOddEntryIsReportedAndTheOthersStillRun() async throws {
        let (root, input) = try Self.oddFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let output = root + "/out"
        let services = WorkflowServices(storage: try LocalStorage(root: output), environment: ProviderEnvironment([:]),
                                        logger: Logger(label: "test"), scratch: root + "/scratch")
        var options = BatchProcess.Options(inputDirectory: input, localOutput: output, databaseURL: "sqlite:\(output)/state.sqlite")
        options.concurrency = 2
        let report = try await BatchProcess(options: options, services: services).run { _ in }
        let byName = Dictionary(uniqueKeysWithValues: report.files.map { ($0.path, $0) })

        for name in ["good.txt", "tab\\tname.txt", "new\\nline.txt", "link.txt", "sub/target.txt"] {
            #expect(byName[name]?.status == "succeeded", "\(name): \(byName[name].map { "\($0.status) \($0.error ?? "")" } ?? "missing")")
        }
        func reason(_ name: String, _ status: String) -> String {
            guard let file = byName[name] else { return "missing" }
            return file.status == status ? file.error ?? "" : "status \(file.status)"
        }
        #expect(reason(".hidden.txt", "skipped").contains("hidden"))
        #expect(reason("pipe.txt", "skipped").contains("FIFO"))
        #expect(reason("dangling.txt", "failed").contains("dangling"))
        #expect(reason("loop-a.txt", "failed").contains("loop"))
        #expect(reason("sub/up", "skipped").contains("link to a folder"))
        #expect(reason("caf\u{FFFD}.txt", "failed").contains("UTF-8"))
        #expect(!report.succeeded)  // the broken links and the bad name are failures
        // The report prints one line per file, whatever the names hold.
        #expect(report.table().split(separator: "\n").count >= report.files.count)
    }

    /// A job that died stays dead on rerun (same content, same job): the report says how to run
    /// it again, and `--retry-failed` does.
    @Test func deadJobsOnRerunSayHowToRedriveAndRetryFailedDoes() async throws {
        let root = NSTemporaryDirectory() + "redrive-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/in", withIntermediateDirectories: true)
        try Data(Array("Before".utf8) + [0] + Array("after.".utf8)).write(to: URL(fileURLWithPath: root + "/in/nul.txt"))
        let output = root + "/out"
        let services = WorkflowServices(storage: try LocalStorage(root: output), environment: ProviderEnvironment([:]),
                                        logger: Logger(label: "test"), scratch: root + "/scratch")
        var options = BatchProcess.Options(inputDirectory: root + "/in", localOutput: output, databaseURL: "sqlite:\(output)/state.sqlite")
        func run(_ options: BatchProcess.Options) async throws -> (BatchReport, [String]) {
            let messages = Basics.Locked<[String]>([])
            let report = try await BatchProcess(options: options, services: services).run { event in
                if case .message(let text) = event { messages.withLock { $0.append(text) } }
            }
            return (report, messages.withLock { $0 })
        }
        let (first, _) = try await run(options)
        #expect(first.files.map(\.status) == ["dead"])
        let id = try #require(first.files.first?.jobID?.prefix(8))

        let (again, _) = try await run(options)
        #expect(again.table().contains("dead (earlier run)"))
        #expect(again.table().contains("runner retry \(id)"), "\(again.table())")

        options.retryFailed = true
        let (retried, messages) = try await run(options)
        #expect(messages.contains { $0.contains("retrying nul.txt: job \(id) was dead") }, "\(messages)")
        #expect(retried.files.first?.newJob == true && retried.files.first?.status == "dead")
        #expect(!retried.table().contains("(earlier run)"))
    }

    /// `runner chunk` walks folders the same way and takes the same extensions as `process`.
    @Test func chunkSeesTheSameEntriesAndExtensions() throws {
        let (root, input) = try Self.oddFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Data().write(to: URL(fileURLWithPath: input + "/sound.aiff"))
        let found = InputDiscovery.discover([input])
        #expect(found.items.map(\.name) == ["sound.aiff"])
        let failed = Dictionary(found.failures.map { (($0.path as NSString).lastPathComponent, $0.reason) }, uniquingKeysWith: { a, _ in a })
        #expect(failed["dangling.txt"]?.contains("dangling") == true)
        #expect(failed["loop-a.txt"]?.contains("loop") == true)
        #expect(failed["caf\u{FFFD}.txt"]?.contains("UTF-8") == true)
        let skipped = Dictionary(found.skipped.map { (($0.path as NSString).lastPathComponent, $0.reason) }, uniquingKeysWith: { a, _ in a })
        #expect(skipped["pipe.txt"]?.contains("FIFO") == true)
        #expect(skipped[".hidden.txt"]?.contains("hidden") == true)
        #expect(BatchClassifier.workflow(for: "x.aiff") == "transcribe")
        #expect(BatchClassifier.media == InputDiscovery.mediaExtensions)
    }
}
