import Foundation
import Testing
@testable import Pipeline

/// Rows are read strictly, and a file that is not a database is refused cleanly.
struct StrictStoreTests {
    /// An unknown status used to read as `queued` (and could be claimed); a malformed id as a fresh
    /// random UUID (so `runner status` showed a job that does not exist).
    @Test func damagedRowsAreErrorsNotDefaults() async throws {
        let test = try await TestStore.make(.sqlite)
        let enqueued = try await test.store.enqueue(
            EnqueueRequest(workflow: "noop", input: try JSON(text: #"{"file":"a.mp3"}"#)), source: "test")
        let id = enqueued.jobID
        _ = try await test.rows("UPDATE jobs SET status = 'exploded' WHERE id = $1", [.uuid(id)])
        let status = await #expect(throws: StoreError.self) { _ = try await test.store.job(id) }
        #expect(status?.description.contains("\"exploded\"") == true, "\(status.map(String.init(describing:)) ?? "")")
        await #expect(throws: StoreError.self) { _ = try await test.store.counts() }

        _ = try await test.rows("DELETE FROM events WHERE job_id = $1", [.uuid(id)])
        _ = try await test.rows("UPDATE jobs SET status = 'queued', id = 'not-a-uuid' WHERE id = $1", [.uuid(id)])
        let malformed = await #expect(throws: StoreError.self) { _ = try await test.store.jobs(status: nil, limit: 10) }
        #expect(malformed?.description.contains("not a UUID") == true, "\(malformed.map(String.init(describing:)) ?? "")")
        await test.store.close()
    }

    /// A PRAGMA failing in the connection's init used to close the handle there and again in
    /// `deinit`; now it is closed once, and the error names the file.
    @Test func aFileThatIsNotADatabaseIsRefusedNamingIt() async throws {
        let path = TestEnvironment.scratchDirectory().appendingPathComponent("not-a-db.sqlite").path
        try Data(String(repeating: "this is not a database file. ", count: 200).utf8).write(to: URL(fileURLWithPath: path))
        for _ in 0..<50 {  // a double close corrupts the heap: repeated opens make it show
            let error = await #expect(throws: StoreError.self) { _ = try await openJobStore(url: "sqlite:" + path) }
            #expect(error?.description.contains(path) == true && error?.description.contains("not a database") == true,
                    "\(error.map(String.init(describing:)) ?? "")")
        }
    }
}
