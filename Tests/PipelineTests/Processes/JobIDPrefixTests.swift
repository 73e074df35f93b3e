import Foundation
import Testing
@testable import Pipeline

/// `runner status` as a user types it after `runner process`: the 8-character id it printed, and
/// no database where none was asked for.
struct JobIDPrefixTests {
    static func runner(_ arguments: [String], databaseURL: String, directory: String? = nil) async throws -> (status: Int32?, output: String) {
        let process = try RunnerProcess(arguments, databaseURL: databaseURL, directory: directory)
        return (try await process.wait(timeout: .seconds(60)), process.log)
    }

    @Test func statusAndEventsAcceptAUniquePrefix() async throws {
        let test = try await TestStore.make(.sqlite)
        let first = try await test.store.enqueue(EnqueueRequest(workflow: "noop", input: try JSON(text: #"{"n":1}"#)), source: "test")
        await test.store.close()
        let id = first.jobID.uuidString.lowercased()

        let status = try await Self.runner(["status", String(id.prefix(8))], databaseURL: test.url)
        #expect(status.status == 0 && status.output.contains("job       \(id)"), "\(status.output)")
        let events = try await Self.runner(["events", String(id.prefix(8)).uppercased()], databaseURL: test.url)
        #expect(events.status == 0 && events.output.contains("job.enqueued"), "\(events.output)")
        let none = try await Self.runner(["status", "ffffffff"], databaseURL: test.url)
        #expect(none.status != 0 && none.output.contains("no job id starts with ffffffff"), "\(none.output)")
        let junk = try await Self.runner(["status", "xyz"], databaseURL: test.url)
        #expect(junk.status != 0 && junk.output.contains("not a job id"), "\(junk.output)")
    }

    @Test func readingCommandsNeverCreateADatabase() async throws {
        let folder = TestEnvironment.scratchDirectory().path
        for arguments in [["jobs"], ["status", "0123abcd"], ["events", "0123abcd"]] {
            let result = try await Self.runner(arguments, databaseURL: "", directory: folder)
            #expect(result.status != 0)
            #expect(result.output.contains("no job database at ./runner.sqlite"), "\(arguments): \(result.output)")
            #expect(!FileManager.default.fileExists(atPath: folder + "/runner.sqlite"), "\(arguments) created runner.sqlite")
        }
    }
}
