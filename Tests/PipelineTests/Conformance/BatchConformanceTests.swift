import Foundation
import Testing
@testable import Pipeline

/// Batched enqueue, batched completion, heartbeats racing completions, and pruning, on both stores.
struct BatchConformanceTests {
    static func requests(_ range: Range<Int>, queue: String = "default") throws -> [EnqueueRequest] {
        try range.map { EnqueueRequest(workflow: "noop", input: try JSON(text: #"{"i":\#($0)}"#), queue: queue) }
    }

    @Test(arguments: StoreKind.allCases)
    func batchEnqueueIsIdempotentAcrossStatementsAndWithinOneCall(kind: StoreKind) async throws {
        let test = try await TestStore.make(kind)
        let store = test.store
        let before = try await store.enqueue("noop", #"{"i":7}"#)
        // 2,500 items: three statements of up to 1,000; item 7 exists already; 10 and 11 come twice.
        let batch = try Self.requests(0..<2500) + Self.requests(10..<12)
        let first = try await store.enqueue(batch: batch, source: "cli")
        #expect(first.count == 2502)
        #expect(first[7] == EnqueueResult(jobID: before, created: false))
        #expect(first.filter(\.created).count == 2499)
        #expect(first[2500] == EnqueueResult(jobID: first[10].jobID, created: false) && first[10].created)
        #expect(Set(first.map(\.jobID)).count == 2500)

        let again = try await store.enqueue(batch: batch, source: "cli")
        #expect(again.map(\.jobID) == first.map(\.jobID) && again.allSatisfy { !$0.created })
        #expect(try await store.counts() == [.queued: 2500])
        let events = try #require(try await test.rows(
            "SELECT COUNT(*), COUNT(DISTINCT job_id) FROM events WHERE type = 'job.enqueued'").first)
        #expect(try events.int(0) == 2500 && events.int(1) == 2500)
        let one = try #require(try await store.events(of: first[100].jobID).first)
        #expect(one.type == "job.enqueued" && one.source == "cli" && one.payload?.contains(#""workflow""#) == true)
        #expect(one.payload?.contains("run_at") == false)

        let scheduled = EnqueueRequest(workflow: "noop", input: try JSON(text: #"{"later":1}"#), priority: 4,
                                       runAt: Date().addingTimeInterval(3600))
        let later = try #require(try await store.enqueue(batch: [scheduled], source: "cli").first)
        let job = try #require(try await store.job(later.jobID))
        #expect(job.priority == 4 && job.runAt.timeIntervalSinceNow > 3500)
        #expect(try await store.events(of: later.jobID).first?.payload?.contains("run_at") == true)
        await store.close()
    }

    @Test(arguments: StoreKind.allCases)
    func batchCompletionIsFencedPerLeaseAndExactlyOnce(kind: StoreKind) async throws {
        let test = try await TestStore.make(kind)
        let store = test.store
        _ = try await store.enqueue(batch: try Self.requests(0..<40), source: "test")
        let claimed = try await store.claim(workerID: "w", queues: ["default"], limit: 40)
        #expect(claimed.count == 40)
        let cancelled = claimed[0].lease
        _ = try await store.cancel(jobID: cancelled.jobID, source: "cli")
        let rescued = claimed[1].lease
        try await test.rows("UPDATE jobs SET heartbeat_at = 0 WHERE id = $1", [.uuid(rescued.jobID)])
        // An hour: only the job whose heartbeat was set to 1970 is stale, however slow the machine.
        #expect(try await store.rescueStale(olderThan: .seconds(3600), source: "rescuer:x") == [rescued.jobID])
        let stale = Lease(jobID: claimed[2].lease.jobID, token: claimed[2].lease.token - 1, workerID: "w")

        let completions = claimed.dropFirst(2).map { JobCompletion(lease: $0.lease, output: try! JSON(text: #"{"ok":1}"#)) }
            + [JobCompletion(lease: cancelled, output: .emptyObject), JobCompletion(lease: rescued, output: .emptyObject),
               JobCompletion(lease: stale, output: .emptyObject)]
        let lost = try await store.completeJobs(completions)
        #expect(Set(lost) == [cancelled, rescued, stale])
        // The same batch again (its first answer lost with a connection): nothing new, nothing lost
        // beyond the same three.
        #expect(Set(try await store.completeJobs(completions)) == [cancelled, rescued, stale])

        #expect(try await store.counts() == [.succeeded: 38, .cancelled: 1, .queued: 1])
        let done = try #require(try await store.job(claimed[5].lease.jobID))
        #expect(done.output == #"{"ok": 1}"# || done.output == #"{"ok":1}"#)
        #expect(done.progress == 1 && done.lockedBy == nil && done.finishedAt != nil)
        let succeeded = try #require(try await test.rows(
            "SELECT COUNT(*), COUNT(DISTINCT job_id), MIN(source) FROM events WHERE type = 'job.succeeded'").first)
        #expect(try succeeded.int(0) == 38 && succeeded.int(1) == 38 && succeeded.string(2) == "w")
        #expect(try await store.eventTypes(claimed[2].lease.jobID) == ["job.enqueued", "job.started", "job.succeeded"])
        #expect(try await test.rows("SELECT COUNT(*) FROM steps").first?.int(0) == 0)
        await store.close()
    }

    /// The `lost job` warnings under load: a heartbeat whose snapshot of leases predates the jobs'
    /// own completion must not call them lost; a job taken by someone else still is.
    @Test(arguments: StoreKind.allCases)
    func heartbeatsRacingOwnCompletionsReportNoLoss(kind: StoreKind) async throws {
        let test = try await TestStore.make(kind)
        let store = test.store
        _ = try await store.enqueue(batch: try Self.requests(0..<6), source: "test")
        let jobs = try await store.claim(workerID: "w", queues: ["default"], limit: 6)
        #expect(jobs.count == 6)
        let error = try JSON(text: #"{"code":"boom","message":"no"}"#)
        _ = try await store.completeJobs([JobCompletion(lease: jobs[0].lease, output: .emptyObject)])
        #expect(try await store.failJob(jobs[1].lease, error: error, retryDelay: .seconds(60), permanent: false) == .retrying)
        #expect(try await store.failJob(jobs[2].lease, error: error, retryDelay: .zero, permanent: true) == .dead)
        _ = try await store.cancel(jobID: jobs[3].lease.jobID, source: "cli")
        try await test.rows("UPDATE jobs SET heartbeat_at = 0 WHERE id = $1", [.uuid(jobs[4].lease.jobID)])
        // An hour: only the job whose heartbeat was set to 1970 is stale, however slow the machine.
        _ = try await store.rescueStale(olderThan: .seconds(3600), source: "rescuer:x")
        let lost = try await store.heartbeat(jobs.map(\.lease))
        #expect(Set(lost) == [jobs[3].lease, jobs[4].lease])
        let beat = try #require(try await store.job(jobs[5].lease.jobID))
        #expect(beat.status == .running && beat.heartbeatAt != nil)
        await store.close()
    }

    @Test(arguments: StoreKind.allCases)
    func pruneDeletesOldFinishedJobsWithTheirEventsOnly(kind: StoreKind) async throws {
        let test = try await TestStore.make(kind)
        let store = test.store
        let ids = try await store.enqueue(batch: try Self.requests(0..<12), source: "test").map(\.jobID)
        let claimed = try await store.claim(workerID: "w", queues: ["default"], limit: 8)
        #expect(ids.count == 12 && claimed.count == 8)
        let running = claimed[0].lease
        let finished = claimed.dropFirst().map(\.lease)
        _ = try await store.completeJobs(finished.prefix(5).map { JobCompletion(lease: $0, output: .emptyObject) })
        _ = try await store.failJob(finished[5], error: .emptyObject, retryDelay: .zero, permanent: true)
        _ = try await store.cancel(jobID: finished[6].jobID, source: "cli")
        // Six of the seven finished jobs finished ten days ago; one (finished[4]) just now.
        let old = finished.filter { $0 != finished[4] }.map(\.jobID)
        for id in old {
            try await test.rows("UPDATE jobs SET finished_at = finished_at - $2 WHERE id = $1",
                                [.uuid(id), .int(Int64(10 * 86_400_000))])
        }
        let eventsOfOld = try await old.asyncReduce(0) { $0 + (try await store.events(of: $1).count) }

        let result = try await store.prune(olderThan: .seconds(7 * 86_400))
        #expect(result == PruneResult(jobs: 6, events: eventsOfOld))
        for id in old { #expect(try await store.job(id) == nil) }
        #expect(try await test.rows("SELECT COUNT(*) FROM events WHERE job_id IN ($1, $2)",
                                    [.uuid(old[0]), .uuid(old[5])]).first?.int(0) == 0)
        #expect(try await store.counts() == [.queued: 4, .running: 1, .succeeded: 1])
        #expect(try await store.events(of: running.jobID).count == 2)
        #expect(try await store.prune(olderThan: .seconds(7 * 86_400)) == PruneResult(jobs: 0, events: 0))
        await store.close()
    }

    /// The claim reads the queue's range of `jobs_claim_order` and stops: no scan or sort of the
    /// backlog, however long it is.
    @Test func theClaimPlanUsesTheClaimOrderIndex() async throws {
        let test = try await TestStore.make(.postgres)
        try await test.rows(
            """
            INSERT INTO jobs (id, queue, workflow, status, run_at, unique_key, input, created_at, updated_at)
            SELECT gen_random_uuid(), 'default', 'noop', 'queued', g, 'k' || g, '{}', g, g FROM generate_series(1, 20000) g
            """)
        try await test.rows("ANALYZE jobs")
        let plan = try await test.rows("EXPLAIN " + SQLJobStore.claimSQL, [.text("w"), .text(#"["default","media"]"#), .int(32)])
            .map { try $0.string(0) }.joined(separator: "\n")
        #expect(plan.contains("jobs_claim_order"), "\(plan)")
        #expect(!plan.contains("Seq Scan on jobs"), "\(plan)")
        let claimed = try await test.store.claim(workerID: "w", queues: ["default", "media"], limit: 32)
        #expect(claimed.count == 32)
        // The 32 oldest (run_at 1…32), in order.
        #expect(try await test.rows("SELECT COUNT(*) FROM jobs WHERE status = 'running' AND run_at <= 32").first?.int(0) == 32)
        await test.store.close()
    }
}

extension Sequence {
    func asyncReduce<Result>(_ initial: Result, _ next: (Result, Element) async throws -> Result) async rethrows -> Result {
        var result = initial
        for element in self { result = try await next(result, element) }
        return result
    }
}
