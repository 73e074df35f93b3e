import Foundation
import Testing
@testable import Pipeline
@testable import Providers
#if canImport(Glibc)
import Glibc
#endif

/// Raw Foundation errors used to reach users (`NSCocoaErrorDomain Code=256`, "You don't have
/// permission." for a FIFO, "The file name is invalid."): each message names the input and the
/// reason in plain words.
struct PlainErrorTests {
    @Test func speakNamesTheInputAndThePlainReason() async throws {
        let dir = TestEnvironment.scratchDirectory().path
        #expect(mkfifo(dir + "/pipe.txt", 0o600) == 0)
        try FileManager.default.createDirectory(atPath: dir + "/folder.txt", withIntermediateDirectories: true)
        try Data([0x63, 0x61, 0x66, 0xE9, 0x2E]).write(to: URL(fileURLWithPath: dir + "/latin1.txt"))
        let cases = [("pipe.txt", "not a regular file"), ("folder.txt", "not a regular file"),
                     ("latin1.txt", "is not UTF-8 text"), ("missing.txt", "No such file")]
        for (name, reason) in cases {
            let process = try RunnerProcess(["speak", dir + "/" + name, "--out", dir + "/out.wav"], databaseURL: "")
            let status = try await process.wait(timeout: .seconds(30))
            let log = process.log
            #expect(status != 0 && status != nil, "\(name): \(log)")
            #expect(log.contains(name) && log.contains(reason), "\(name): \(log)")
            for raw in ["NSCocoaErrorDomain", "Code=", "You don’t have permission", "You don't have permission"] {
                #expect(!log.contains(raw), "\(name): \(log)")
            }
        }
    }

    @Test func aKeyTooLongForTheFileSystemIsRefusedPlainly() async throws {
        let storage = try LocalStorage(root: TestEnvironment.scratchDirectory().path)
        let key = "jobs/" + String(repeating: "k", count: 600) + ".txt"  // under the 1024-byte key limit
        let error = await #expect(throws: StorageError.self) { _ = try await storage.put(bytes: Data("x".utf8), key: key) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("at most 255") && text.count < 300, "\(text)")
        #expect(!text.contains("The file name is invalid"))
    }
}
