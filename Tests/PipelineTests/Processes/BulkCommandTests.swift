import Foundation
import Testing
@testable import Pipeline

/// `runner enqueue --from` and `runner prune` as a user runs them, on PostgreSQL.
struct BulkCommandTests {
    static func runner(_ arguments: [String], databaseURL: String, standardInput: URL? = nil,
                       timeout: Duration = .seconds(60)) async throws -> (status: Int32?, output: String) {
        let process = try RunnerProcess(arguments, databaseURL: databaseURL, standardInput: standardInput)
        let status = try await process.wait(timeout: timeout)
        return (status, process.log)
    }

    /// 100,000 items from a file: nothing quadratic on the way (parsing 20,000 arguments used to
    /// take 9 s before the first insert), asserted by the rows, not by a clock; then again, all exist.
    @Test func enqueueFromAFileOfAHundredThousandLines() async throws {
        let test = try await TestStore.make(.postgres)
        let count = 100_000
        let file = TestEnvironment.scratchDirectory().appendingPathComponent("items.txt")
        var text = ""
        for i in 0..<count { text += i % 2 == 0 ? "{\"i\":\(i)}\n" : "item-\(i)\n" }
        text += "\n   \n"
        try text.write(to: file, atomically: true, encoding: .utf8)

        let first = try await Self.runner(["enqueue", "--workflow", "noop", "--from", file.path], databaseURL: test.url,
                                          timeout: .seconds(300))
        #expect(first.status == 0, "\(first.output.suffix(500))")
        let lines = first.output.split(separator: "\n")
        #expect(lines.count == count)
        #expect(lines.filter { $0.contains("\tenqueued\t") }.count == count)
        #expect(try await test.store.counts() == [.queued: count])
        #expect(try await test.rows("SELECT COUNT(*) FROM events WHERE type = 'job.enqueued'").first?.int(0) == count)
        #expect(try await test.rows(#"SELECT COUNT(*) FROM jobs WHERE input = '{"input": "item-1"}'"#).first?.int(0) == 1)

        let again = try await Self.runner(["enqueue", "--workflow", "noop", "--from", file.path], databaseURL: test.url,
                                          timeout: .seconds(300))
        #expect(again.status == 0)
        #expect(again.output.split(separator: "\n").filter { $0.contains("\texists\t") }.count == count)
        #expect(try await test.store.counts() == [.queued: count])
        await test.store.close()
    }

    @Test func enqueueFromStandardInputWithArgumentsToo() async throws {
        let test = try await TestStore.make(.postgres)
        let file = TestEnvironment.scratchDirectory().appendingPathComponent("stdin.txt")
        try "a.txt\nb.txt\r\na.txt\n".write(to: file, atomically: true, encoding: .utf8)
        let result = try await Self.runner(["enqueue", "--workflow", "noop", "--json", "--from", "-", "c.txt"],
                                           databaseURL: test.url, standardInput: file)
        #expect(result.status == 0, "\(result.output)")
        let start = try #require(result.output.firstIndex(of: "["))
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.output[start...].utf8)) as? [[String: Any]])
        #expect(rows.map { $0["input"] as? String } == ["c.txt", "a.txt", "b.txt", "a.txt"])
        #expect(rows.map { $0["created"] as? Bool } == [true, true, true, false])
        #expect(rows[1]["id"] as? String == rows[3]["id"] as? String)
        #expect(try await test.store.counts() == [.queued: 3])

        let bad = try await Self.runner(["enqueue", "--workflow", "noop"], databaseURL: test.url)
        #expect(bad.status != 0 && bad.output.contains("--from"))
        await test.store.close()
    }

    @Test func pruneRemovesFinishedJobsOlderThanTheAge() async throws {
        let test = try await TestStore.make(.postgres)
        let store = test.store
        _ = try await store.enqueue(batch: try BatchConformanceTests.requests(0..<5), source: "test")
        let claimed = try await store.claim(workerID: "w", queues: ["default"], limit: 3)
        _ = try await store.completeJobs(claimed.map { JobCompletion(lease: $0.lease, output: .emptyObject) })
        try await test.rows("UPDATE jobs SET finished_at = finished_at - $2 WHERE id = $1",
                            [.uuid(claimed[0].lease.jobID), .int(Int64(8 * 86_400_000))])
        let pruned = try await Self.runner(["prune", "--older-than", "7d"], databaseURL: test.url)
        #expect(pruned.status == 0)
        #expect(pruned.output.contains("pruned 1 finished jobs and 3 events older than 7d"), "\(pruned.output)")
        #expect(try await store.counts() == [.queued: 2, .succeeded: 2])
        let json = try await Self.runner(["prune", "--older-than", "0s", "--json"], databaseURL: test.url)
        #expect(json.status == 0 && json.output.contains(#""jobs" : 2"#), "\(json.output)")
        let bad = try await Self.runner(["prune", "--older-than", "soon"], databaseURL: test.url)
        #expect(bad.status != 0 && bad.output.contains("not an age"))
        await store.close()
    }
}
